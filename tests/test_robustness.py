"""Tests of benchmark_tools.robustness against a tiny toy scorer.

The toy scorer follows the BatchScorer protocol: fixed n × D matrix of dimension scores,
"methods" = weighted arithmetic / geometric mean, "normalisations" = transforms of the
columns. Expected values are recomputed here independently (loops, scipy, pymcdm).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import kendalltau, rankdata

from benchmark_tools import robustness as rb

# ---------------------------------------------------------------------------------------------
# Toy scorer
# ---------------------------------------------------------------------------------------------


class ToyScorer:
    """Weighted arithmetic / geometric mean of a fixed matrix of dimension scores."""

    methods = ("arithmetic", "geometric")
    normalisations = ("identity", "minmax", "rank")

    def __init__(self, X, nominal, excluded=(), floor=0.01):
        self.X = np.asarray(X, dtype=float)
        n, d = self.X.shape
        self.case_ids = [f"c{i}" for i in range(n)]
        self.dimension_ids = [f"d{j}" for j in range(d)]
        w = np.asarray(nominal, dtype=float)
        self.nominal_weights = w / w.sum()
        self.excluded = np.zeros(n, dtype=bool)
        self.excluded[list(excluded)] = True
        self.floor = floor
        self.calls = 0

    @staticmethod
    def transform(X, normalisation):
        if normalisation in (None, "identity"):
            return X
        if normalisation == "minmax":
            lo, hi = X.min(0), X.max(0)
            return (X - lo) / np.where(hi > lo, hi - lo, 1.0)
        if normalisation == "rank":
            return rankdata(X, axis=0) / X.shape[0]
        raise ValueError(normalisation)

    def score_matrix(self, X, W, method, normalisation):
        W = np.atleast_2d(np.asarray(W, dtype=float))
        W = W / W.sum(1, keepdims=True)
        Z = self.transform(X, normalisation)
        if method in (None, "arithmetic"):
            return W @ Z.T
        if method == "geometric":
            return np.exp(W @ np.log(np.maximum(Z, self.floor)).T)
        raise ValueError(method)

    def __call__(self, weights, *, method=None, normalisation=None):
        self.calls += 1
        S = self.score_matrix(self.X, weights, method, normalisation)
        S[:, self.excluded] = np.nan
        return S

    def scores_on_subset(self, normalisation):
        def f(keep):
            return self.score_matrix(self.X[keep], self.nominal_weights, None, normalisation)[0]

        return f


def ref_ranks(scores):
    """Competition ranks 1 = best via scipy, 0 for NaN (independent of rank_desc)."""
    s = np.atleast_2d(scores)
    out = np.zeros(s.shape, dtype=int)
    for k in range(s.shape[0]):
        ok = np.isfinite(s[k])
        out[k, ok] = rankdata(-s[k, ok], method="min").astype(int)
    return out


@pytest.fixture
def toy():
    rng = np.random.default_rng(7)
    X = rng.uniform(0.05, 1.0, size=(8, 4))
    return ToyScorer(X, nominal=[0.4, 0.3, 0.2, 0.1])


# ---------------------------------------------------------------------------------------------
# draw_weights
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", rb.SCHEMES)
def test_draws_sum_to_one_and_are_nonnegative(scheme):
    w = rb.draw_weights([0.5, 0.3, 0.2, 0.0], 500, scheme, 1, noise_factor=0.25, concentration=50)
    assert w.shape == (500, 4)
    assert_allclose(w.sum(1), 1.0, rtol=1e-12)
    assert (w >= 0).all()
    if scheme != "simplex":
        assert (w[:, 3] == 0).all()  # a zero nominal weight stays zero
    else:
        assert (w[:, 3] > 0).all()


def test_multiplicative_draws_are_renormalised_uniform_multipliers():
    nominal = np.array([0.5, 0.3, 0.2])
    f = 0.25
    w = rb.draw_weights(nominal, 20000, "multiplicative", 3, noise_factor=f)
    # Ratios between two weights are ratios of two multipliers in [1-f, 1+f].
    ratio = (w[:, 0] / w[:, 1]) / (nominal[0] / nominal[1])
    assert ratio.min() >= (1 - f) / (1 + f) - 1e-12
    assert ratio.max() <= (1 + f) / (1 - f) + 1e-12
    assert ratio.min() < 0.7 and ratio.max() > 1.4  # the whole range is explored


def test_dirichlet_is_centred_on_nominal_and_concentration_controls_spread():
    nominal = np.array([0.5, 0.3, 0.2])
    tight = rb.draw_weights(nominal, 20000, "dirichlet", 4, concentration=200.0)
    loose = rb.draw_weights(nominal, 20000, "dirichlet", 4, concentration=5.0)
    assert_allclose(tight.mean(0), nominal, atol=0.005)
    assert_allclose(loose.mean(0), nominal, atol=0.01)
    # Var(w_j) = w_j (1 - w_j) / (c + 1)
    assert_allclose(tight.var(0), nominal * (1 - nominal) / 201, rtol=0.1)
    assert_allclose(loose.var(0), nominal * (1 - nominal) / 6, rtol=0.1)


def test_simplex_is_uniform():
    w = rb.draw_weights([0.9, 0.05, 0.05], 30000, "simplex", 5)
    assert_allclose(w.mean(0), 1 / 3, atol=0.01)
    # Uniform on the 2-simplex: each coordinate is Beta(1, 2), P(w_j < 0.5) = 0.75.
    assert_allclose((w < 0.5).mean(0), 0.75, atol=0.01)


@pytest.mark.parametrize("scheme", rb.SCHEMES)
def test_draws_respect_bounds(scheme):
    nominal = [0.4, 0.3, 0.2, 0.1]
    bounds = np.array([[0.35, 0.5], [0.0, 1.0], [0.15, 0.3], [0.05, 0.12]])
    w = rb.draw_weights(nominal, 3000, scheme, 11, noise_factor=0.3, concentration=40, bounds=bounds)
    assert w.shape == (3000, 4)
    assert_allclose(w.sum(1), 1.0, rtol=1e-12)
    assert (w >= bounds[:, 0] - 1e-12).all() and (w <= bounds[:, 1] + 1e-12).all()
    # Bounds actually bind: without them some draws fall outside.
    free = rb.draw_weights(nominal, 3000, scheme, 11, noise_factor=0.3, concentration=40)
    assert ((free < bounds[:, 0]) | (free > bounds[:, 1])).any()


def test_bounds_by_dimension_id():
    w = rb.draw_weights(
        [0.5, 0.5], 1000, "simplex", 2, bounds={"b": (0.6, 0.9)}, dimension_ids=["a", "b"]
    )
    assert (w[:, 1] >= 0.6).all() and (w[:, 1] <= 0.9).all()
    with pytest.raises(ValueError, match="inconnues"):
        rb.draw_weights([0.5, 0.5], 10, "simplex", 2, bounds={"z": (0, 1)}, dimension_ids=["a", "b"])


def test_infeasible_bounds_raise_clear_errors():
    with pytest.raises(ValueError, match="somme des bornes basses"):
        rb.draw_weights([0.5, 0.5], 10, "simplex", 0, bounds=[[0.6, 1.0], [0.6, 1.0]])
    with pytest.raises(ValueError, match="invalides"):
        rb.draw_weights([0.5, 0.5], 10, "simplex", 0, bounds=[[0.6, 0.4], [0.0, 1.0]])
    # Feasible on the simplex, out of reach of ±10 % multipliers around 0.5.
    with pytest.raises(ValueError, match="hors d'atteinte"):
        rb.draw_weights(
            [0.5, 0.5], 10, "multiplicative", 0, noise_factor=0.1, bounds=[[0.8, 1.0], [0.0, 1.0]]
        )
    # A zero nominal weight cannot be forced up under the Dirichlet scheme.
    with pytest.raises(ValueError, match="hors d'atteinte"):
        rb.draw_weights([1.0, 0.0], 10, "dirichlet", 0, concentration=10, bounds=[[0, 1], [0.1, 1]])
    # Reachable in principle but with a vanishing acceptance rate.
    with pytest.raises(ValueError, match="trop étroites"):
        rb.draw_weights([0.5, 0.5], 5, "simplex", 0, bounds=[[0.5, 0.5 + 1e-9], [0.0, 1.0]])


def test_missing_scheme_parameters_raise():
    with pytest.raises(ValueError, match="facteur de bruit"):
        rb.draw_weights([0.5, 0.5], 10, "multiplicative", 0)
    with pytest.raises(ValueError, match="concentration"):
        rb.draw_weights([0.5, 0.5], 10, "dirichlet", 0)
    with pytest.raises(ValueError, match="inconnu"):
        rb.draw_weights([0.5, 0.5], 10, "gaussian", 0)


@pytest.mark.parametrize("scheme", rb.SCHEMES)
def test_draw_seed_reproducible(scheme):
    a = rb.draw_weights([0.4, 0.6], 50, scheme, 123, noise_factor=0.2, concentration=30)
    b = rb.draw_weights([0.4, 0.6], 50, scheme, 123, noise_factor=0.2, concentration=30)
    c = rb.draw_weights([0.4, 0.6], 50, scheme, 124, noise_factor=0.2, concentration=30)
    assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# ---------------------------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------------------------


def test_monte_carlo_statistics_match_direct_computation(toy):
    mc = rb.monte_carlo(toy, 4000, "dirichlet", 9, 3, concentration=20.0)
    W = mc.weights
    S = W @ toy.X.T  # independent scoring (weights already normalised)
    R = ref_ranks(S)
    assert_array_equal(mc.ranks, R)
    assert_array_equal(mc.nominal_ranks, ref_ranks(toy.X @ toy.nominal_weights)[0])
    for i in range(toy.X.shape[0]):
        r = R[:, i]
        for q, got in ((0.5, mc.median_rank), (0.05, mc.rank_p05), (0.95, mc.rank_p95)):
            assert got[i] == np.quantile(r, q, method="inverted_cdf")
        assert_allclose(mc.p_first[i], np.mean(r == 1))
        assert_allclose(mc.p_top_k[i], np.mean(r <= 3))
        assert_allclose(mc.mean_score[i], S[:, i].mean())
    assert_allclose(mc.share_ranked, 1.0)
    assert toy.calls == 2  # nominal + one batched call for all draws


def test_monte_carlo_excluded_case(toy):
    sc = ToyScorer(toy.X, toy.nominal_weights, excluded=[2])
    mc = rb.monte_carlo(sc, 500, "multiplicative", 1, 3, noise_factor=0.25)
    assert mc.nominal_ranks[2] == 0 and np.isnan(mc.nominal_scores[2])
    assert mc.share_ranked[2] == 0 and mc.p_first[2] == 0 and mc.p_top_k[2] == 0
    assert np.isnan(mc.median_rank[2]) and np.isnan(mc.mean_score[2])
    others = np.delete(mc.ranks, 2, axis=1)
    assert (np.sort(others, axis=1) == np.arange(1, 8)).all()
    assert_allclose(mc.p_first.sum(), 1.0)
    df = mc.to_dataframe()
    assert df["case"].iloc[-1] == "c2" and np.isnan(df["nominal_rank"].iloc[-1])


def test_monte_carlo_stability_labels():
    # c0 dominates; c1 and c2 are near-tied for second; c3 is last everywhere.
    X = np.array([[0.9, 0.9], [0.6, 0.4], [0.4, 0.6], [0.1, 0.1]])
    sc = ToyScorer(X, [0.5, 0.5])
    mc = rb.monte_carlo(
        sc, 2000, "dirichlet", 3, 1, concentration=10.0, stability_threshold=0.8, rank_tolerance=0
    )
    assert mc.stability[0] == "stable" and "parmi les 1 premiers dans 100\u00a0%" in mc.stability_reason[0]
    assert mc.stability[3] == "stable"
    # c1/c2 swap about half the time: their exact rank is fragile.
    assert mc.stability[1] == "fragile" and mc.stability[2] == "fragile"
    assert "seuil de 80\u00a0%" in mc.stability_reason[1]
    df = mc.to_dataframe()
    for col in ("case", "nominal_rank", "median_rank", "rank_p05", "rank_p95", "p_first", "p_top_1",
                "mean_score", "stability", "reason"):
        assert col in df.columns
    # With a ±1 band, the swap no longer makes them fragile.
    mc1 = rb.monte_carlo(
        sc, 2000, "dirichlet", 3, 1, concentration=10.0, stability_threshold=0.8, rank_tolerance=1
    )
    assert mc1.stability[1] == "stable"


def test_monte_carlo_seed(toy):
    a = rb.monte_carlo(toy, 300, "simplex", 5, 2)
    b = rb.monte_carlo(toy, 300, "simplex", 5, 2)
    c = rb.monte_carlo(toy, 300, "simplex", 6, 2)
    assert_array_equal(a.ranks, b.ranks)
    assert_array_equal(a.to_dataframe().to_numpy(), b.to_dataframe().to_numpy())
    assert not np.array_equal(a.weights, c.weights)


def test_monte_carlo_from_settings(toy):
    class RS:
        n_draws = 200
        weight_scheme = "multiplicative"
        noise_factor = 0.2
        dirichlet_concentration = 50.0
        top_k = 2
        stability_threshold = 0.7
        bounds = {"d0": (0.3, 0.5)}

    mc = rb.monte_carlo_from_settings(toy, RS, 1)
    assert mc.n_draws == 200 and mc.top_k == 2 and mc.stability is not None
    assert (mc.weights[:, 0] >= 0.3).all() and (mc.weights[:, 0] <= 0.5).all()


# ---------------------------------------------------------------------------------------------
# SMAA-2
# ---------------------------------------------------------------------------------------------


def test_acceptability_rows_and_columns_sum_to_one(toy):
    res = rb.smaa(toy, 3000, 2)
    assert_allclose(res.acceptability.sum(1), 1.0)
    assert_allclose(res.acceptability.sum(0), 1.0)
    # Independent histogram of the ranks.
    S = rb.draw_weights(toy.nominal_weights, 3000, "simplex", 2) @ toy.X.T
    R = ref_ranks(S)
    expected = np.stack([(R == r).mean(0) for r in range(1, 9)], axis=1)
    assert_allclose(res.acceptability, expected)


def test_acceptability_with_ties_and_excluded_case():
    X = np.array([[0.9, 0.2], [0.9, 0.2], [0.3, 0.8], [0.5, 0.5], [0.2, 0.1]])  # c0 ≡ c1
    sc = ToyScorer(X, [0.5, 0.5], excluded=[4])
    res = rb.smaa(sc, 2000, 4)
    keep = res.ranked
    assert_array_equal(keep, [True, True, True, True, False])
    sub = res.acceptability[np.ix_(keep, np.arange(4))]
    assert_allclose(sub.sum(1), 1.0)
    assert_allclose(sub.sum(0), 1.0)
    assert_allclose(res.acceptability[4], 0.0)
    # Identical cases share every position equally.
    assert_allclose(res.acceptability[0], res.acceptability[1])
    # The confidence factor of a tied pair is split.
    assert res.confidence[0] == pytest.approx(0.5)


def test_dominant_case_first_rank_acceptability_one():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 0.8, size=(6, 3))
    X[4] = 0.95  # best on every dimension
    sc = ToyScorer(X, [1, 1, 1])
    res = rb.smaa(sc, 2000, 1)
    assert res.acceptability[4, 0] == 1.0
    assert_allclose(res.acceptability[np.arange(6) != 4, 0], 0.0)
    w = rb.draw_weights(sc.nominal_weights, 2000, "simplex", 1)
    assert_allclose(res.central_weights[4], w.mean(0))
    assert res.confidence[4] == 1.0
    assert np.isnan(res.central_weights[np.arange(6) != 4]).all()
    assert res.holistic[4] == pytest.approx(1.0)


def test_central_weights_and_confidence_against_loop(toy):
    res = rb.smaa(toy, 2000, 8, "dirichlet", concentration=5.0)
    W = rb.draw_weights(toy.nominal_weights, 2000, "dirichlet", 8, concentration=5.0)
    R = ref_ranks(W @ toy.X.T)
    for i in range(8):
        first = R[:, i] == 1
        if first.any():
            wc = W[first].mean(0)
            assert_allclose(res.central_weights[i], wc)
            s = toy.X @ wc
            assert res.confidence[i] == float(np.argmax(s) == i)
        else:
            assert np.isnan(res.confidence[i])
    df = res.to_dataframe()
    assert "acceptability_rank_1" in df.columns and "confidence_factor" in df.columns
    assert res.central_weights_dataframe().shape == (8, 5)


def test_confidence_over_scenarios(toy):
    scen = [("arithmetic", "identity"), ("geometric", "identity"), ("arithmetic", "rank")]
    res = rb.smaa(toy, 1000, 3, confidence_scenarios=scen)
    has = ~np.isnan(res.central_weights[:, 0])
    for i in np.flatnonzero(has):
        wins = [
            np.argmax(toy(res.central_weights[i][None], method=m, normalisation=nm)[0]) == i
            for m, nm in scen
        ]
        assert res.confidence[i] == pytest.approx(np.mean(wins))


def test_smaa_from_monte_carlo_reuses_draws(toy):
    mc = rb.monte_carlo(toy, 1000, "multiplicative", 5, 3, noise_factor=0.3)
    calls = toy.calls
    res = rb.smaa_from_monte_carlo(mc, toy)
    assert toy.calls == calls + 1  # only the confidence factors
    assert_allclose(res.acceptability[:, 0], mc.p_first)


def test_smaa_seed(toy):
    a, b, c = (rb.smaa(toy, 500, s) for s in (1, 1, 2))
    assert_array_equal(a.acceptability, b.acceptability)
    assert not np.array_equal(a.acceptability, c.acceptability)


# ---------------------------------------------------------------------------------------------
# Sobol
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def sobol_toy():
    rng = np.random.default_rng(3)
    n = 12
    X = np.empty((n, 4))
    X[:, 0] = rng.uniform(0.1, 1.0, n)
    X[:, 1] = 1.1 - X[:, 0] + rng.normal(0, 0.05, n)  # conflicts with d0: the ratio matters
    X[:, 2] = 0.5  # constant: its weight cannot change any ranking
    X[:, 3] = rng.uniform(0.1, 1.0, n) * 0.05  # tiny spread: little influence
    return ToyScorer(X, [0.3, 0.3, 0.3, 0.1])


def test_sobol_irrelevant_weight_has_zero_total_index(sobol_toy):
    res = rb.sobol_analysis(sobol_toy, 512, 1, 0.5, n_bootstrap=100)
    st = dict(zip(res.factors, res.ST, strict=True))
    assert abs(st["weight:d2"]) < 0.02
    assert st["weight:d0"] > 0.3 and st["weight:d1"] > 0.3
    assert st["weight:d0"] > 10 * abs(st["weight:d2"])
    # Output = mean |rank shift| from the nominal ranking (checked on a few rows).
    assert (res.output >= 0).all() and res.output.max() > 0
    df = res.to_dataframe()
    assert df["factor_id"].iloc[0] in ("weight:d0", "weight:d1")
    assert {"factor", "s1", "st"} <= set(df.columns)


def test_sobol_output_matches_direct_recomputation(sobol_toy):
    from SALib.sample import sobol as sobol_sample

    res = rb.sobol_analysis(sobol_toy, 64, 5, 0.5, n_bootstrap=20)
    # Rebuild the sample with the seed the function derives, independently of its code path.
    rng = np.random.default_rng(5)
    seed = int(rng.integers(1, 2**31 - 1))
    prob = {"num_vars": 4, "names": res.factors, "bounds": [[0.5, 1.5]] * 4}
    P = sobol_sample.sample(prob, 64, calc_second_order=False, seed=seed)
    W = P * sobol_toy.nominal_weights
    R = ref_ranks(W @ sobol_toy.X.T)
    R0 = ref_ranks(sobol_toy.X @ sobol_toy.nominal_weights)[0]
    assert_allclose(res.output, np.abs(R - R0).mean(1))


def test_sobol_discrete_factors(sobol_toy):
    sobol_toy.calls = 0
    res = rb.sobol_analysis(
        sobol_toy, 256, 2, 0.3, methods=["arithmetic", "geometric"],
        normalisations=["identity", "minmax", "rank"], n_bootstrap=50,
        nominal_method="arithmetic", nominal_normalisation="identity",
    )
    assert res.factors[-2:] == ["method", "normalisation"]
    assert sobol_toy.calls == 1 + 6  # nominal + one call per (method, normalisation)
    st = dict(zip(res.factors, res.ST, strict=True))
    # The normalisation changes the ranking a lot here; the constant column still does not matter.
    assert st["normalisation"] > 0.2
    assert abs(st["weight:d2"]) < 0.05


def test_sobol_seed(sobol_toy):
    a = rb.sobol_analysis(sobol_toy, 64, 7, 0.4, n_bootstrap=30)
    b = rb.sobol_analysis(sobol_toy, 64, 7, 0.4, n_bootstrap=30)
    c = rb.sobol_analysis(sobol_toy, 64, 8, 0.4, n_bootstrap=30)
    assert_array_equal(a.ST, b.ST)
    assert_array_equal(a.ST_conf, b.ST_conf)
    assert not np.array_equal(a.output, c.output)


def test_sobol_constant_output():
    X = np.array([[0.9, 0.9], [0.5, 0.5], [0.1, 0.1]])  # ranking never changes
    res = rb.sobol_analysis(ToyScorer(X, [1, 1]), 32, 0, 0.3, n_bootstrap=10)
    assert res.constant_output
    assert_allclose(res.ST, 0.0)


# ---------------------------------------------------------------------------------------------
# Agreement
# ---------------------------------------------------------------------------------------------


def test_weighted_spearman_matches_pymcdm():
    from pymcdm.correlations import weighted_spearman as pm_ws

    rng = np.random.default_rng(0)
    for n in (2, 5, 10, 37):
        for _ in range(20):
            x = rng.permutation(n) + 1.0
            y = rng.permutation(n) + 1.0
            assert_allclose(rb.weighted_spearman(x, y), pm_ws(x, y), rtol=1e-12)
    # Competition ranks with ties.
    s1, s2 = rng.integers(0, 4, 12), rng.integers(0, 4, 12)
    x = rankdata(-s1, method="min")
    y = rankdata(-s2, method="min")
    assert_allclose(rb.weighted_spearman(x, y), pm_ws(x.astype(float), y.astype(float)))
    assert rb.weighted_spearman(x, x) == pytest.approx(1.0)
    assert rb.weighted_spearman(np.arange(1, 6), np.arange(5, 0, -1)) < -0.9


def test_agreement_restricted_to_common_cases():
    x = np.array([1, 2, 3, 4, 0])
    y = np.array([2, 0, 1, 3, 4])
    # Common: cases 0, 2, 3 → re-ranked x = (1, 2, 3), y = (2, 1, 3).
    assert rb.kendall_tau(x, y) == pytest.approx(kendalltau([1, 2, 3], [2, 1, 3]).statistic)
    from pymcdm.correlations import weighted_spearman as pm_ws

    assert rb.weighted_spearman(x, y) == pytest.approx(pm_ws(np.array([1.0, 2, 3]), np.array([2.0, 1, 3])))


def test_agreement_matrices(toy):
    m = rb.compare_methods(toy, "kendall", normalisation="identity")
    assert list(m.index) == list(toy.methods)
    assert_allclose(np.diag(m), 1.0)
    assert_allclose(m.to_numpy(), m.to_numpy().T)
    r = rb.method_rankings(toy, normalisation="identity")
    expected = kendalltau(r["arithmetic"], r["geometric"]).statistic
    assert m.loc["arithmetic", "geometric"] == pytest.approx(expected)
    w = rb.agreement_matrix(rb.normalisation_rankings(toy), "weighted_spearman")
    assert w.shape == (3, 3) and w.index.name == "Spearman pondéré r_w"
    other = ToyScorer(toy.X, [0.1, 0.2, 0.3, 0.4])
    p = rb.compare_profiles({"a": toy, "b": other, "a2": toy})
    assert p.loc["a", "a2"] == pytest.approx(1.0)
    assert p.loc["a", "b"] < 1.0
    with pytest.raises(ValueError, match="Mesure inconnue"):
        rb.agreement_matrix(r, "pearson")


# ---------------------------------------------------------------------------------------------
# Leave-one-out and rank reversal
# ---------------------------------------------------------------------------------------------


def test_leave_one_dimension_out(toy):
    sc = ToyScorer(toy.X, [0.4, 0.3, 0.3, 0.0])
    res = rb.leave_one_dimension_out(sc)
    R0 = ref_ranks(sc.X @ sc.nominal_weights)[0]
    for j in range(4):
        w = sc.nominal_weights.copy()
        w[j] = 0
        R = ref_ranks(sc.X @ w)[0]
        assert_array_equal(res.ranks[j], R)
        assert res.mean_abs_shift[j] == pytest.approx(np.abs(R - R0).mean())
        assert res.max_abs_shift[j] == np.abs(R - R0).max()
        assert res.leader_changed[j] == (R[R0 == 1] != 1).any()
    assert res.mean_abs_shift[3] == 0  # a zero weight changes nothing
    assert res.to_dataframe().columns[0] == "removed_dimension"
    assert res.rank_table().shape == (8, 5)


def test_leave_one_dimension_out_single_weight():
    sc = ToyScorer(np.array([[0.2, 0.9], [0.8, 0.1]]), [1.0, 0.0])
    res = rb.leave_one_dimension_out(sc)
    assert np.isnan(res.mean_abs_shift[0]) and res.mean_abs_shift[1] == 0


def test_leave_one_criterion_out():
    crit = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.4, 0.4, 0.9]])  # 3 cases × 3 criteria
    nominal = crit.mean(1)

    def rescore_without(cid):
        j = int(cid[1:])
        return np.delete(crit, j, axis=1).mean(1)

    res = rb.leave_one_criterion_out(rescore_without, ["k0", "k1", "k2"], nominal, ["a", "b", "c"])
    assert_array_equal(res.nominal_ranks, ref_ranks(nominal)[0])
    for j in range(3):
        assert_array_equal(res.ranks[j], ref_ranks(rescore_without(f"k{j}"))[0])
    assert res.to_dataframe().columns[0] == "removed_criterion"


def brute_force_reversals(f, n):
    full = f(np.arange(n))
    out = []
    for j in range(n):
        keep = [i for i in range(n) if i != j]
        sub = dict(zip(keep, f(np.array(keep)), strict=True))
        rev = 0
        for a in range(len(keep)):
            for b in range(a + 1, len(keep)):
                p, q = keep[a], keep[b]
                if (full[p] - full[q]) * (sub[p] - sub[q]) < 0:
                    rev += 1
        out.append(rev)
    return np.array(out)


def test_rank_reversal():
    rng = np.random.default_rng(11)
    X = rng.uniform(0, 1, size=(9, 3))
    sc = ToyScorer(X, [0.5, 0.3, 0.2])
    fixed = rb.rank_reversal(sc.scores_on_subset("identity"), sc.case_ids)
    assert (fixed.n_reversed == 0).all() and (fixed.n_pairs == 8 * 7 // 2).all()
    f = sc.scores_on_subset("minmax")
    res = rb.rank_reversal(f, sc.case_ids)
    assert_array_equal(res.n_reversed, brute_force_reversals(f, 9))
    assert res.n_reversed.sum() > 0  # min-max normalisation is set-dependent
    assert (res.n_changed >= res.n_reversed).all()
    assert res.to_dataframe().shape == (9, 6)


def test_rank_reversal_counts_ties_as_changes_not_reversals():
    full = np.array([3.0, 2.0, 1.0, 0.0])

    def f(keep):
        s = full[keep].copy()
        if 0 not in keep:
            s[:2] = 1.5  # cases 1 and 2 become tied; nothing is reversed
        if 3 not in keep:
            s = s[::-1].copy()  # everything left is reversed: 3 pairs
        return s

    res = rb.rank_reversal(f, ["a", "b", "c", "d"])
    assert_array_equal(res.n_reversed, [0, 0, 0, 3])
    assert_array_equal(res.n_changed, [1, 0, 0, 3])
    # Case b still shares first place when a is removed: not a change of leader.
    assert_array_equal(res.leader_changed, [False, False, False, True])


def test_rank_quantiles_at_exact_boundaries():
    # Few draws and few ranks: many quantile levels fall exactly on a CDF step.
    rng = np.random.default_rng(1)
    for _ in range(30):
        k = int(rng.integers(1, 41))
        ranks = np.stack([rng.permutation(4) + 1 for _ in range(k)])
        counts = rb._rank_histogram(ranks)
        for q in (0.05, 0.25, 0.5, 0.75, 0.95):
            expected = [np.quantile(ranks[:, i], q, method="inverted_cdf") for i in range(4)]
            assert_array_equal(rb._hist_quantile(counts, q), expected)


def test_tie_sizes_against_brute_force():
    rng = np.random.default_rng(2)
    scores = rng.integers(0, 4, size=(200, 7)).astype(float)  # many ties
    scores[rng.uniform(size=scores.shape) < 0.1] = np.nan
    scores[:50] = rng.uniform(size=(50, 7))  # some tie-free draws
    ranks = ref_ranks(scores)
    expected = np.zeros_like(ranks)
    for k in range(ranks.shape[0]):
        for i in range(ranks.shape[1]):
            if ranks[k, i] > 0:
                expected[k, i] = np.sum(ranks[k] == ranks[k, i])
    assert_array_equal(rb._tie_sizes(ranks), expected)
    shares = rb._position_shares(ranks)
    # Each draw fills every occupied position exactly once: total mass per draw = ranked cases.
    assert_allclose(shares.sum(), (ranks > 0).sum() / ranks.shape[0])


def test_pairwise_winning_indices(toy):
    sc = ToyScorer(toy.X, toy.nominal_weights, excluded=[5])
    res = rb.smaa(sc, 800, 6, pairwise=True)
    W = rb.draw_weights(sc.nominal_weights, 800, "simplex", 6)
    S = W @ sc.X.T
    for i in range(8):
        for k in range(8):
            if 5 in (i, k) or i == k:
                assert res.winning[i, k] == 0
            else:
                assert res.winning[i, k] == pytest.approx(np.mean(S[:, i] > S[:, k]))
    ok = [i for i in range(8) if i != 5]
    both = res.winning[np.ix_(ok, ok)]
    assert_allclose((both + both.T)[~np.eye(7, dtype=bool)], 1.0)  # no ties here
    assert res.winning_dataframe().shape == (8, 8)


def test_with_the_engine_batch_scorer():
    """Smoke test against the real engine (scoring.make_batch_scorer) on synthetic data."""
    config = importlib.import_module("benchmark_tools.project")
    scoring = importlib.import_module("benchmark_tools.scoring")
    from benchmark_tools.matrix import DecisionMatrix
    from benchmark_tools.schema import Profile

    settings = config.load_settings()
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(12, 6))
    x[0, :5] = np.nan  # low coverage: not ranked
    matrix = DecisionMatrix.from_arrays(x, dimension_of=["a", "a", "b", "b", "c", "c"])
    profile = Profile(id="test", label_fr="Test", viewpoint="test", rationale="test",
                      dimension_weights={"a": 1, "b": 2, "c": 1})
    sc = scoring.make_batch_scorer(matrix, profile, settings)
    rs = settings.robustness
    mc = rb.monte_carlo_from_settings(sc, rs, 1, n_draws=500)
    assert mc.nominal_ranks[0] == 0 and mc.share_ranked[0] == 0
    assert mc.stability[0] == "exclu"
    sm = rb.smaa_from_monte_carlo(mc, sc)
    sub = sm.acceptability[np.ix_(sm.ranked, np.arange(sm.ranked.sum()))]
    assert_allclose(sub.sum(0), 1.0)
    assert_allclose(sub.sum(1), 1.0)
    so = rb.sobol_analysis(sc, 32, 1, rs.noise_factor, methods=rs.methods,
                           normalisations=rs.normalisations, n_bootstrap=20)
    assert len(so.factors) == 3 + (len(rs.methods) > 1) + (len(rs.normalisations) > 1)
    lodo = rb.leave_one_dimension_out(sc)
    assert lodo.ranks.shape == (3, 12)
    assert rb.compare_methods(sc).shape == (len(sc.methods),) * 2


def test_engine_callables_for_criterion_removal_and_rank_reversal():
    config = importlib.import_module("benchmark_tools.project")
    scoring = importlib.import_module("benchmark_tools.scoring")
    from benchmark_tools.matrix import DecisionMatrix
    from benchmark_tools.schema import Profile

    settings = config.load_settings()
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, size=(7, 4))
    matrix = DecisionMatrix.from_arrays(x, dimension_of=["a", "a", "b", "b"])
    profile = Profile(id="test", label_fr="Test", viewpoint="test", rationale="test",
                      dimension_weights={"a": 1, "b": 1})
    nominal = scoring.score(matrix, profile, settings, normalisation="goalposts").scores
    f = rb.engine_rescore_without(matrix, profile, settings, normalisation="goalposts")
    # Without k0, dimension a is k1 alone: score = (x1 + (x2 + x3)/2) / 2 (goalposts (0, 1)).
    assert_allclose(f("k0"), (x[:, 1] + (x[:, 2] + x[:, 3]) / 2) / 2)
    res = rb.leave_one_criterion_out(f, list(matrix.criterion_ids), nominal, matrix.case_ids)
    assert res.ranks.shape == (4, 7)
    g = rb.engine_scores_on_subset(matrix, profile, settings, normalisation="goalposts")
    rr = rb.rank_reversal(g, matrix.case_ids)
    assert (rr.n_reversed == 0).all()  # fixed goalposts: no rank reversal
    g2 = rb.engine_scores_on_subset(matrix, profile, settings, normalisation="minmax")
    assert_allclose(g2(np.arange(7)), scoring.score(matrix, profile, settings, normalisation="minmax").scores)
