"""Tests of the normalisations (benchmark_tools.normalize)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from pymcdm.normalizations import minmax_normalization, vector_normalization
from scipy.stats import norm, rankdata

from benchmark_tools import normalize as nz

TYPES = ["ordinal", "numeric", "numeric"]
DIRS = ["higher", "higher", "lower"]
GP = np.array([[0, 4], [0, 20], [10, 60]], dtype=float)


def _x():
    return np.array([
        [0.0, 5.0, 10.0],
        [2.0, 20.0, 35.0],
        [4.0, 30.0, 70.0],   # beyond the goalposts on both numeric criteria
        [3.0, np.nan, 60.0],
        [np.nan, -4.0, 5.0],
    ])


def test_goalposts_by_hand():
    r = nz.goalposts(_x(), types=TYPES, directions=DIRS, goalposts=GP)
    expected = np.array([
        [0.0, 0.25, 1.0],
        [0.5, 1.0, 0.5],
        [1.0, 1.0, 0.0],
        [0.75, np.nan, 0.0],
        [np.nan, 0.0, 1.0],
    ])
    assert_allclose(r, expected)


def test_goalposts_adding_a_case_never_moves_the_others():
    x = _x()
    r1 = nz.goalposts(x, types=TYPES, directions=DIRS, goalposts=GP)
    x2 = np.vstack([x, [[1.0, 1000.0, -50.0]]])
    r2 = nz.goalposts(x2, types=TYPES, directions=DIRS, goalposts=GP)
    assert_allclose(r2[:-1], r1)


@pytest.mark.parametrize("name", list(nz.NORMALISERS))
def test_range_and_nan_preserving(name):
    rng = np.random.default_rng(3)
    x = rng.uniform(-5, 25, (15, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 0] = np.round(np.clip(x[:, 0], 0, 4))
    x[3, 0] = np.nan
    r = nz.NORMALISERS[name](x, types=TYPES, directions=DIRS, goalposts=GP)
    assert r.shape == x.shape
    assert (np.isnan(r) == np.isnan(x)).all()
    ok = r[~np.isnan(r)]
    assert (ok >= 0).all() and (ok <= 1).all()


@pytest.mark.parametrize("name", list(nz.NORMALISERS))
def test_direction_is_respected(name):
    x = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    gp = np.array([[0, 4], [0, 4]], dtype=float)
    r = nz.NORMALISERS[name](x, types=["numeric"] * 2, directions=["higher", "lower"], goalposts=gp)
    assert (np.diff(r[:, 0]) > 0).all()
    assert (np.diff(r[:, 1]) < 0).all()


def test_minmax_agrees_with_pymcdm():
    rng = np.random.default_rng(7)
    x = rng.uniform(1, 100, (10, 3))
    r = nz.minmax(x, types=TYPES, directions=DIRS)
    for j, d in enumerate(DIRS):
        assert_allclose(r[:, j], minmax_normalization(x[:, j], cost=(d == "lower")), atol=1e-12)


def test_minmax_fitted_on_reference_only():
    x = np.array([[0.0], [10.0], [5.0], [100.0]])
    ref = np.array([True, True, True, False])
    r = nz.minmax(x, types=["numeric"], directions=["higher"], reference=ref)
    assert_allclose(r[:, 0], [0.0, 1.0, 0.5, 1.0])  # the outsider is clipped, not the scale-setter


def test_zscore_is_normal_cdf_of_population_z():
    rng = np.random.default_rng(11)
    x = rng.normal(10, 3, (12, 2))
    r = nz.zscore(x, types=["numeric"] * 2, directions=["higher", "lower"])
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    assert_allclose(r[:, 0], norm.cdf(z[:, 0]), atol=1e-12)
    assert_allclose(r[:, 1], norm.cdf(-z[:, 1]), atol=1e-12)


def test_rank_matches_average_ranks_with_ties():
    x = np.array([[3.0, 1.0], [1.0, 5.0], [3.0, 2.0], [7.0, 2.0], [2.0, 9.0]])
    r = nz.rank(x, types=["numeric"] * 2, directions=["higher", "lower"])
    n = x.shape[0]
    assert_allclose(r[:, 0], (rankdata(x[:, 0]) - 1) / (n - 1))
    assert_allclose(r[:, 1], (rankdata(-x[:, 1]) - 1) / (n - 1))


def test_rank_ignores_missing_and_places_outsiders():
    x = np.array([[1.0], [np.nan], [3.0], [2.0], [2.5]])
    ref = np.array([True, True, True, True, False])
    r = nz.rank(x, types=["numeric"], directions=["higher"], reference=ref)
    # Reference values 1, 2, 3 → 0, 0.5, 1 ; 2.5 sits between 2 and 3: (2 below) / 2 → clipped at 1.
    assert_allclose(r[[0, 2, 3], 0], [0.0, 1.0, 0.5])
    assert np.isnan(r[1, 0])
    assert_allclose(r[4, 0], 1.0)


@pytest.mark.parametrize("name", ["minmax", "zscore", "rank"])
def test_constant_criterion_is_neutral(name):
    x = np.array([[2.0], [2.0], [2.0]])
    r = nz.NORMALISERS[name](x, types=["numeric"], directions=["lower"])
    assert_allclose(r[:, 0], nz.CONSTANT_VALUE)


def test_vector_agrees_with_pymcdm():
    x = np.random.default_rng(5).uniform(1, 10, (6, 2))
    assert_allclose(nz.vector(x)[:, 1], vector_normalization(x[:, 1]), atol=1e-12)
