"""PROMETHEE as published: the six generalised criteria and the plant-location example.

Brans, J. P., Vincke, P., & Mareschal, B. (1986). How to select and how to rank projects:
the PROMETHEE method. *European Journal of Operational Research*, 24(2), 228–238. Six
alternatives a1…a6 on six criteria, each with its own generalised criterion (types II, III,
V, IV, I and VI, in that order), equal weights; the paper prints the valued outranking
graph π(a, b) to three decimals, reproduced below.
"""
import math
from fractions import Fraction

import numpy as np
import pytest

from benchmark_tools import aggregate as agg

VALUES = np.array([
    [80, 90, 6, 5.4, 8, 5],
    [65, 58, 2, 9.7, 1, 1],
    [83, 60, 4, 7.2, 4, 7],
    [40, 80, 10, 7.5, 7, 10],
    [52, 72, 6, 2.0, 3, 8],
    [94, 96, 7, 3.6, 5, 6],
])
HIGHER = np.array([False, True, False, False, False, True])  # min, max, min, min, min, max
KINDS = ["u_shape", "v_shape", "linear", "level", "usual", "gaussian"]
Q = np.array([10, 0, 0.5, 1, 0, 0])
P = np.array([0, 30, 5, 6, 0, 0])
S = np.array([1, 1, 1, 1, 1, 5])
WEIGHTS = np.full(6, 1 / 6)

# π(a, b) as printed in the paper (row a, column b), three decimals.
PUBLISHED_PI = np.array([
    [0.000, 0.296, 0.250, 0.268, 0.100, 0.185],
    [0.462, 0.000, 0.389, 0.333, 0.296, 0.500],
    [0.236, 0.180, 0.000, 0.333, 0.056, 0.429],
    [0.399, 0.505, 0.305, 0.000, 0.223, 0.212],
    [0.444, 0.515, 0.487, 0.380, 0.000, 0.448],
    [0.286, 0.399, 0.250, 0.432, 0.133, 0.000],
])


def _pi():
    oriented = np.where(HIGHER, VALUES, -VALUES)
    pref, common = agg.pairwise_preferences(oriented, KINDS, Q, P, S)
    return np.tensordot(pref, WEIGHTS, axes=([2], [0])) / np.tensordot(common, WEIGHTS, axes=([2], [0]))


def test_valued_outranking_graph_matches_the_paper():
    # The printed values are cut to three decimals (mostly truncated: 0.2685… is printed
    # 0.268), so agreement is to the last printed digit.
    np.testing.assert_allclose(_pi(), PUBLISHED_PI, atol=1e-3)


def test_net_flows_follow_from_the_published_graph():
    # φ+(a) = Σ_b π(a, b)/(n − 1), φ−(a) = Σ_b π(b, a)/(n − 1), from the printed table.
    expected = (PUBLISHED_PI.sum(axis=1) - PUBLISHED_PI.sum(axis=0)) / 5
    net = agg.promethee_ii_flat(VALUES, WEIGHTS, HIGHER, KINDS, Q, P, s=S)[0]
    np.testing.assert_allclose(net, expected, atol=2e-3)
    # The PROMETHEE II complete ranking of the example: a5 first, a4 last but one, a2 last… as
    # read off the printed flows.
    assert list(np.argsort(-net)) == list(np.argsort(-expected))


def test_one_pair_by_hand_in_fractions():
    # π(a1, a2): g1 (min, U-shape q=10) 65 − 80 < 0 → 0; g2 (max, V-shape p=30) 90 − 58 = 32 > 30
    # → 1; g3 (min, linear) 2 − 6 < 0 → 0; g4 (min, level q=1, p=6) 9.7 − 5.4 = 4.3 in ]1, 6]
    # → 1/2; g5 (min, usual) 1 − 8 < 0 → 0; g6 (max, Gaussian s=5) d = 4 → 1 − exp(−16/50).
    rational = (Fraction(1) + Fraction(1, 2)) / 6
    gaussian = (1 - math.exp(-16 / 50)) / 6
    assert _pi()[0, 1] == pytest.approx(float(rational) + gaussian, abs=1e-12)


@pytest.mark.parametrize("kind, d, expected", [
    ("usual", [-1, 0, 0.1, 5], [0, 0, 1, 1]),
    ("u_shape", [0, 2, 2.5, 3], [0, 0, 1, 1]),          # q = 2
    ("v_shape", [-1, 0, 2, 4, 5], [0, 0, Fraction(1, 2), 1, 1]),   # p = 4
    ("level", [2, 3, 4, 4.5], [0, Fraction(1, 2), Fraction(1, 2), 1]),  # q = 2, p = 4
    ("linear", [2, 3, 4, 9], [0, Fraction(1, 2), 1, 1]),  # q = 2, p = 4
])
def test_each_generalised_criterion(kind, d, expected):
    got = agg.PREFERENCE_FUNCTIONS[kind](np.array(d, dtype=float), 2.0, 4.0, 1.0)
    assert [Fraction(x).limit_denominator(1000) for x in got] == [Fraction(e) for e in expected]


def test_gaussian_is_one_minus_exp():
    got = agg.preference_gaussian(np.array([-3.0, 0.0, 2.0]), 0, 0, 2.0)
    assert got[0] == 0 and got[1] == 0
    assert got[2] == pytest.approx(1 - math.exp(-0.5), abs=1e-15)


def test_one_function_for_all_is_todays_behaviour():
    rng = np.random.default_rng(7)
    x = rng.random((5, 3))
    same = agg.promethee_ii(x, np.ones(3) / 3, "linear", 0.05, 0.3)
    mixed = agg.promethee_ii(x, np.ones(3) / 3, ["linear"] * 3, 0.05, 0.3)
    np.testing.assert_array_equal(same, mixed)
