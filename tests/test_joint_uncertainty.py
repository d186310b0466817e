"""Tests of benchmark_tools.joint: missing values drawn jointly with the weights (issue 14).

Small synthetic matrices whose joint rank distribution can be computed by hand: expected
probabilities are exact fractions counted here with itertools/numpy, never taken from the code
under test. Every random step is seeded.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from benchmark_tools import joint
from benchmark_tools import robustness as rb
from benchmark_tools.matrix import DecisionMatrix
from benchmark_tools.project import load_settings
from benchmark_tools.schema import Profile
from projectkit import REPO

N_CRIT = 10
N_OTHER = 8


def other_levels() -> np.ndarray:
    """Eight fully documented cases: case k at level 3 on its first k criteria, 1 elsewhere.

    Scores (one dimension, equal weights) 0.25, 0.30, …, 0.60: a dense field in which a
    poorly documented case can land almost anywhere.
    """
    return np.array([[3.0 if j < k else 1.0 for j in range(N_CRIT)] for k in range(N_OTHER)])


def _settings(threshold=0.2, prior="family", n_draws=4000):
    s = load_settings(REPO)
    return s.model_copy(update={
        "scoring": s.scoring.model_copy(update={"coverage_threshold": threshold}),
        "robustness": s.robustness.model_copy(update={"missing_prior": prior, "n_draws": n_draws}),
    })


def _profile(dims):
    return Profile(id="test", label_fr="Test", viewpoint="Test.", rationale="Test.",
                   dimension_weights={d: 1.0 for d in dims})


def lucky_matrix(fill_lucky: float | None = None, dims: int = 1) -> DecisionMatrix:
    """Case ``lucky`` documented on 2 of 10 criteria, both at the top level (4).

    ``fill_lucky`` fills its 8 gaps with that level. ``dims`` dimensions of equal size.
    """
    lucky = [4.0, 4.0] + [np.nan if fill_lucky is None else fill_lucky] * (N_CRIT - 2)
    vals = np.vstack([other_levels(), lucky])
    ids = [f"c{i}" for i in range(N_OTHER)] + ["lucky"]
    dim_of = [f"d{j * dims // N_CRIT}" for j in range(N_CRIT)]
    return DecisionMatrix.from_arrays(vals, case_ids=ids, dimension_of=dim_of, types="ordinal")


def exact_p_first_one_dimension() -> Fraction:
    """P(lucky is first, ties included) when its 8 gaps are drawn from the family prior.

    Counted over every combination of the documented values of criteria 2–9 (each case that
    documents a criterion equally likely). One dimension, equal criterion weights: lucky's
    score is (4 + 4 + Σ levels)/40 and the best other case scores 24/40.
    """
    cols = [list(other_levels()[:, j]) for j in range(2, N_CRIT)]
    # Columns where every case has the same level add a constant (and a factor 8 to both counts).
    fixed = sum(c[0] for c in cols if len(set(c)) == 1)
    varying = [c for c in cols if len(set(c)) > 1]
    hits = sum(1 for t in itertools.product(*varying) if 8 + fixed + sum(t) >= 24)
    return Fraction(hits, N_OTHER ** len(varying))


def test_available_case_rule_puts_the_lucky_case_first():
    m = lucky_matrix()
    s = _settings(prior="none")
    r = joint.joint_monte_carlo(m, _profile(["d0"]), s, seed=1, n_draws=200)
    i = r.case_ids.index("lucky")
    # Its two documented criteria are at the top: 1.0 beats the 0.75 of the best other case.
    assert r.nominal_ranks[i] == 1
    assert r.p_first[i] == 1.0


def test_joint_prior_does_not_let_a_poorly_documented_case_lead():
    m = lucky_matrix()
    s = _settings(prior="family", n_draws=4000)
    r = joint.joint_monte_carlo(m, _profile(["d0"]), s, seed=3)
    i = r.case_ids.index("lucky")
    p_exact = exact_p_first_one_dimension()
    # Lucky needs ≥ 4 of the five criteria 2–6 at level 3 (shares 5/8, 4/8, 3/8, 2/8, 1/8).
    # By hand: all five at 3 (5·4·3·2·1), or exactly one of them at 1 (3·4·3·2·1 + 5·4·3·2·1 +
    # 5·4·5·2·1 + 5·4·3·6·1 + 5·4·3·2·7), over 8⁵ equally likely combinations.
    assert p_exact == Fraction(120 + 72 + 120 + 200 + 360 + 840, 8 ** 5)
    k = r.n_draws
    sd = np.sqrt(float(p_exact) * (1 - float(p_exact)) / k)
    # P(first) over the joint draws is what the prior allows (within 4 binomial sd), far from
    # the certainty the available-case rule gives it.
    assert abs(r.p_first[i] - float(p_exact)) <= 4 * sd
    assert float(p_exact) < 0.07
    assert r.nominal_ranks[i] == 1
    # Its 5–95 % interval covers most of the 9 ranks.
    assert r.rank_p95[i] - r.rank_p05[i] + 1 >= 5
    assert r.rank_p05[i] == 1
    assert r.stability[i] == "fragile"


def test_filling_the_gaps_with_top_levels_makes_it_first_with_a_narrow_interval():
    m = lucky_matrix(fill_lucky=4.0)
    r = joint.joint_monte_carlo(m, _profile(["d0"]), _settings(prior="family"), seed=3, n_draws=1000)
    i = r.case_ids.index("lucky")
    assert r.p_first[i] == 1.0
    assert r.rank_p05[i] == r.rank_p95[i] == 1
    assert r.n_missing[i] == 0


def test_joint_with_weights_two_dimensions():
    """Weights and missing values drawn together: lucky stays far from first."""
    m = lucky_matrix(dims=2)
    r = joint.joint_monte_carlo(m, _profile(["d0", "d1"]), _settings(prior="family"), seed=5, n_draws=3000)
    i = r.case_ids.index("lucky")
    assert r.nominal_ranks[i] == 1
    assert r.p_first[i] < 0.15
    assert r.rank_p95[i] - r.rank_p05[i] >= 3


def test_uniform_prior_levels_and_family_prior_table():
    m = lucky_matrix()
    s = _settings(prior="uniform")
    sc = joint.JointScorer(m, _profile(["d0"]), s)
    # Uniform over the five grid levels of an ordinal criterion, normalised (level / 4).
    assert_array_equal(sc.model.table[0, : sc.model.lengths[0]], np.arange(5) / 4)
    fam = joint.JointScorer(m, _profile(["d0"]), _settings(prior="family"))
    # Family: the documented values of the criterion (9 cases document criterion 0).
    assert_array_equal(fam.model.table[0, : fam.model.lengths[0]], np.array([1, 3, 3, 3, 3, 3, 3, 3, 4]) / 4)
    assert fam.model.n_cells == 8
    assert_array_equal(fam.model.cell_case, [8] * 8)


def test_uniform_prior_draws_are_exact_per_cell():
    """With u = (l + 0.5)/5 a cell takes level l exactly (the quantile table)."""
    m = lucky_matrix()
    sc = joint.JointScorer(m, _profile(["d0"]), _settings(prior="uniform"))
    u = np.repeat(((np.arange(5) + 0.5) / 5)[:, None], sc.n_cells, axis=1)
    v = sc.cell_values(u)
    assert_array_equal(v, np.repeat((np.arange(5) / 4)[:, None], sc.n_cells, axis=1))
    # Score of lucky with all its gaps at level l: (2 + 8 l / 4) / 10.
    scores = sc(np.ones((5, 1)), u)
    assert np.allclose(scores[:, 8], [(2 + 8 * lv / 4) / 10 for lv in range(5)])


def test_none_prior_reproduces_weights_only_monte_carlo():
    m = lucky_matrix(dims=2)
    s = _settings(prior="none", threshold=0.1)
    from benchmark_tools.scoring import make_batch_scorer

    r = joint.joint_monte_carlo(m, _profile(["d0", "d1"]), s, seed=11, n_draws=500)
    mc = rb.monte_carlo_from_settings(make_batch_scorer(m, _profile(["d0", "d1"]), s), s.robustness, 11,
                                      n_draws=500)
    assert_array_equal(r.ranks, mc.ranks)
    assert_array_equal(r.weights, mc.weights)


def test_seeded_and_below_threshold_cases_are_ranked_and_marked():
    m = lucky_matrix()
    s = _settings(prior="family", threshold=0.25)  # lucky (2/10 = 20 %) is below the threshold
    a = joint.joint_monte_carlo(m, _profile(["d0"]), s, seed=7, n_draws=300)
    b = joint.joint_monte_carlo(m, _profile(["d0"]), s, seed=7, n_draws=300)
    assert_array_equal(a.ranks, b.ranks)
    i = a.case_ids.index("lucky")
    assert a.low_coverage[i]
    assert a.nominal_ranks[i] == 0  # not ranked under the available-case rule ("apart")
    assert a.share_ranked[i] == 1.0  # but ranked in every joint draw: no cliff
    assert np.isfinite(a.rank_p05[i])


def test_smaa_on_joint_draws():
    m = lucky_matrix(dims=2)
    r = joint.joint_monte_carlo(m, _profile(["d0", "d1"]), _settings(), seed=2, n_draws=500)
    sm = rb.smaa_from_monte_carlo(r)
    # Acceptabilities: each row and each column sums to 1 (every case ranked in every draw).
    assert np.allclose(sm.acceptability.sum(axis=1), 1)
    assert np.allclose(sm.acceptability.sum(axis=0), 1)


def test_unknown_prior_is_refused():
    with pytest.raises(ValueError, match="A priori"):
        joint.JointScorer(lucky_matrix(), _profile(["d0"]), _settings(), prior="median")
