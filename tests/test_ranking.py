"""Tied ranks: equal scores share a rank whatever float path produced them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import yaml

from benchmark_tools.ranking import DEFAULT_TIE_TOLERANCE, rank_desc


def _float_sum(parts) -> float:
    total = 0.0
    for p in parts:
        total += float(p)
    return total


def test_same_fraction_by_two_float_paths_is_a_tie():
    # 71/144 as a weighted mean of ordinal levels summed in two orders: equal as fractions,
    # different as floats (the loire_atlantique_bp / schiltigheim_bp case of issue 19).
    parts_a = [Fraction(1, 9), Fraction(1, 16), Fraction(3, 8), Fraction(-3, 48), Fraction(1, 144) * 1]
    parts_b = list(reversed(parts_a))
    assert sum(parts_a, Fraction(0)) == sum(parts_b, Fraction(0))
    a, b = _float_sum(parts_a), _float_sum(parts_b)
    x = np.array([0.9, a, b, 0.1])
    ranks = rank_desc(x)
    assert ranks.tolist() == [1, 2, 2, 4]


def test_exact_equality_only_when_tolerance_is_zero():
    x = np.array([0.5, 0.5 + 1e-12, 0.2])
    assert rank_desc(x).tolist() == [1, 1, 3]
    assert rank_desc(x, tol=0.0).tolist() == [2, 1, 3]


def test_competition_ranking_with_nan_and_batch():
    x = np.array([[Fraction(1, 3), Fraction(1, 3), Fraction(2, 3), np.nan],
                  [Fraction(1, 4), Fraction(3, 4), Fraction(1, 4), Fraction(1, 4)]], dtype=float)
    assert rank_desc(x).tolist() == [[2, 2, 1, 0], [2, 1, 2, 2]]


def test_gap_just_above_tolerance_breaks_the_tie():
    x = np.array([0.5, 0.5 - 2 * DEFAULT_TIE_TOLERANCE])
    assert rank_desc(x).tolist() == [1, 2]


def test_default_tolerance_is_the_settings_value():
    project_root = Path(__file__).resolve().parents[1]
    settings = yaml.safe_load((project_root / "benchmark" / "settings.yml").read_text(encoding="utf-8"))
    assert settings["scoring"]["tie_tolerance"] == DEFAULT_TIE_TOLERANCE
