"""Tests of the aggregation functions (benchmark_tools.aggregate).

Published worked examples, agreement with scikit-criteria and pymcdm on random matrices,
the missing-data rules (against straightforward loop implementations written here), and
batch = loop of single calls.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from benchmark_tools import aggregate as ag
from benchmark_tools import normalize as nz

# --------------------------------------------------------------------------- published examples


def test_topsis_tzeng_huang_2011():
    """TOPSIS worked example from Tzeng, G. H., & Huang, J. J. (2011). *Multiple Attribute
    Decision Making: Methods and Applications*. CRC Press — as reproduced in scikit-criteria's
    test suite (``tests/agg/test_topsis.py::test_TOPSIS_tzeng2011multiple``): vector
    normalisation, weights (0.3, 0.4, 0.3), three benefit criteria; published closeness
    coefficients 0.5037, 0.6581, 0.7482, 0.3340 (4 decimals).
    """
    x = np.array([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], dtype=float)
    got = ag.topsis_flat(x, [0.3, 0.4, 0.3], np.ones(3, dtype=bool), scaling="vector")[0]
    assert_allclose(got, [0.5037, 0.6581, 0.7482, 0.3340], atol=5e-5)


def test_topsis_opricovic_tzeng_2004():
    """Example of Opricovic, S., & Tzeng, G. H. (2004). Compromise solution by MCDM methods:
    a comparative analysis of VIKOR and TOPSIS. *European Journal of Operational Research*,
    156(2), 445–455 — as used in pymcdm's test suite (``test/test_mcdm.py::TestTOPSIS``, min–max
    normalisation): three alternatives, a cost criterion (1, 2, 5) and a benefit criterion
    (3000, 3750, 4500), equal weights; TOPSIS gives 0.500, 0.617, 0.500.
    """
    x = np.array([[1, 3000], [2, 3750], [5, 4500]], dtype=float)
    got = ag.topsis_flat(x, [0.5, 0.5], np.array([False, True]), scaling="minmax")[0]
    assert_allclose(got, [0.500, 0.617, 0.500], atol=5e-4)


def test_promethee_ii_zhao_peng_li_2013():
    """PROMETHEE II example of Zhao, H., Peng, Y., & Li, W. (2013). Revised PROMETHEE II for
    improving efficiency in emergency response. *Procedia Computer Science*, 17, 181–188 — as
    used in pymcdm's test suite (``test/test_mcdm.py::TestPROMETHEE_II``): usual preference
    function, weights (0.5, 0.3, 0.2); net flows 0.1, −0.3, 0.2.
    """
    x = np.array([[4, 3, 2], [3, 2, 4], [5, 1, 3]], dtype=float)
    got = ag.promethee_ii_flat(x, [0.5, 0.3, 0.2], np.ones(3, dtype=bool), "usual")[0]
    assert_allclose(got, [0.1, -0.3, 0.2], atol=1e-12)


# --------------------------------------------------------------------------- reference libraries


def _random_problem(seed, n=15, m=6):
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 100, (n, m))
    w = rng.dirichlet(np.ones(m))
    higher = rng.random(m) < 0.6
    higher[0] = True
    return x, w, higher


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flat_topsis_agrees_with_pymcdm_and_scikit_criteria(seed):
    import skcriteria as skc
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import minmax_normalization, vector_normalization
    from skcriteria.agg.topsis import TOPSIS as SkTOPSIS
    from skcriteria.pipelines import mkpipe
    from skcriteria.preprocessing.scalers import VectorScaler

    x, w, higher = _random_problem(seed)
    types = np.where(higher, 1, -1)
    ours = ag.topsis_flat(x, w, higher, scaling="vector")[0]
    assert_allclose(ours, TOPSIS(vector_normalization)(x, w, types), rtol=0, atol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-criteria warns about minimised criteria in TOPSIS
        dm = skc.mkdm(x, [max if h else min for h in higher], weights=w)
        sk = mkpipe(VectorScaler(target="matrix"), SkTOPSIS()).evaluate(dm).e_.similarity
    assert_allclose(ours, sk, rtol=0, atol=1e-9)
    ours_mm = ag.topsis_flat(x, w, higher, scaling="minmax")[0]
    assert_allclose(ours_mm, TOPSIS(minmax_normalization)(x, w, types), rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_sum_agrees_with_pymcdm_and_scikit_criteria(seed):
    import skcriteria as skc
    from pymcdm.methods import WSM
    from pymcdm.normalizations import minmax_normalization
    from skcriteria.agg.simple import WeightedSumModel
    from skcriteria.pipelines import mkpipe
    from skcriteria.preprocessing.invert_objectives import NegateMinimize
    from skcriteria.preprocessing.scalers import MinMaxScaler, SumScaler

    x, w, higher = _random_problem(seed)
    r = nz.minmax(x, types=["numeric"] * x.shape[1], directions=["higher" if h else "lower" for h in higher])
    ours = ag.weighted_sum_flat(r, w)[0]
    pm = WSM(minmax_normalization)(x, w, np.where(higher, 1, -1))
    assert_allclose(ours, pm, rtol=0, atol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dm = skc.mkdm(x, [max if h else min for h in higher], weights=w * 3.7)  # unnormalised on purpose
        pipe = mkpipe(NegateMinimize(), MinMaxScaler(target="matrix"), SumScaler(target="weights"),
                      WeightedSumModel())
        sk = pipe.evaluate(dm).e_.score
    assert_allclose(ours, sk, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ours, theirs, q, p", [
    ("usual", "usual", None, None),
    ("v_shape", "vshape", None, 25.0),
    ("linear", "vshape_2", 5.0, 30.0),
])
def test_promethee_ii_agrees_with_pymcdm(seed, ours, theirs, q, p):
    from pymcdm.methods import PROMETHEE_II

    x, w, higher = _random_problem(seed)
    m = x.shape[1]
    kw = {}
    if p is not None:
        kw["p"] = [p] * m
    if q is not None:
        kw["q"] = [q] * m
    ref = PROMETHEE_II(theirs, **kw)(x, w, np.where(higher, 1, -1))
    got = ag.promethee_ii_flat(x, w, higher, ours, q or 0.0, p or 1.0)[0]
    assert_allclose(got, ref, rtol=0, atol=1e-9)


def test_promethee_dimension_level_agrees_with_pymcdm():
    """On complete dimension scores in [0, 1] (the engine's use) with settings-like thresholds."""
    from pymcdm.methods import PROMETHEE_II

    rng = np.random.default_rng(21)
    s = rng.random((9, 7))
    w = rng.dirichlet(np.ones(7))
    ref = PROMETHEE_II("vshape_2", q=[0.05] * 7, p=[0.3] * 7)(s, w, np.ones(7))
    assert_allclose(ag.promethee_ii(s, w, "linear", 0.05, 0.3)[0], ref, atol=1e-9)


# --------------------------------------------------------------------------- preference functions


def test_preference_functions():
    d = np.array([-0.2, 0.0, 0.05, 0.1, 0.175, 0.3, 0.5])
    assert_allclose(ag.preference_usual(d), [0, 0, 1, 1, 1, 1, 1])
    assert_allclose(ag.preference_v_shape(d, 0.0, 0.3), [0, 0, 1 / 6, 1 / 3, 0.175 / 0.3, 1, 1])
    assert_allclose(ag.preference_linear(d, 0.05, 0.3), [0, 0, 0, 0.2, 0.5, 1, 1])


# --------------------------------------------------------------------------- missing data rules


def test_missing_criterion_equals_removed_criterion_with_renormalised_weights():
    rng = np.random.default_rng(4)
    x = rng.random((5, 4))
    dim = np.array([0, 0, 0, 1])
    cw = np.array([1.0, 2.0, 3.0, 1.0])
    avail = np.ones_like(x, dtype=bool)
    x_missing = x.copy()
    x_missing[0, 1] = np.nan
    avail[0, 1] = False
    s_missing = ag.dimension_scores(x_missing, avail, dim, cw)
    keep = [0, 2, 3]
    s_removed = ag.dimension_scores(x[:, keep], np.ones((5, 3), bool), dim[keep], cw[keep])
    assert_allclose(s_missing[0], s_removed[0])
    assert_allclose(s_missing[0, 0], (1 * x[0, 0] + 3 * x[0, 2]) / 4)
    assert_allclose(s_missing[1:], ag.dimension_scores(x, np.ones_like(avail), dim, cw)[1:])


def test_dimension_without_value_is_nan():
    x = np.array([[np.nan, np.nan, 0.4], [0.2, 0.6, 0.8]])
    avail = ~np.isnan(x)
    s = ag.dimension_scores(x, avail, np.array([0, 0, 1]), np.ones(3))
    assert np.isnan(s[0, 0]) and s[0, 1] == pytest.approx(0.4)
    assert_allclose(s[1], [0.4, 0.8])


def test_within_weights_sum_to_one_per_dimension():
    avail = np.array([[True, False, True, True], [False, False, True, False]])
    w = ag.within_weights(avail, np.array([0, 0, 1, 1]), np.array([2.0, 1.0, 1.0, 3.0]))
    assert_allclose(w, [[1.0, 0.0, 0.25, 0.75], [0.0, 0.0, 1.0, 0.0]])


def _loop_arithmetic(s, w):
    out = np.full(s.shape[0], np.nan)
    for i, row in enumerate(s):
        a = ~np.isnan(row)
        if (w[a]).sum() > 0:
            out[i] = (w[a] * row[a]).sum() / w[a].sum()
    return out


def _loop_geometric(s, w, floor):
    out = np.full(s.shape[0], np.nan)
    for i, row in enumerate(s):
        a = ~np.isnan(row)
        ww = w[a] / w[a].sum()
        out[i] = np.prod(np.maximum(row[a], floor) ** ww)
    return out


def _loop_topsis(s, w):
    ideal, anti = np.nanmax(s, axis=0), np.nanmin(s, axis=0)
    out = np.full(s.shape[0], np.nan)
    for i, row in enumerate(s):
        a = ~np.isnan(row)
        ww = w[a] / w[a].sum()
        dp = np.sqrt(((ww * (row[a] - ideal[a])) ** 2).sum())
        dm = np.sqrt(((ww * (row[a] - anti[a])) ** 2).sum())
        out[i] = dm / (dp + dm)
    return out


def _loop_promethee(s, w, q, p):
    n = s.shape[0]
    pi = np.zeros((n, n))
    ok = np.zeros((n, n), bool)
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            common = ~np.isnan(s[a]) & ~np.isnan(s[b])
            if w[common].sum() == 0:
                continue
            ok[a, b] = True
            pref = np.clip((s[a, common] - s[b, common] - q) / (p - q), 0, 1)
            pi[a, b] = (w[common] * pref).sum() / w[common].sum()
    net = np.array([(pi[a, ok[a]] - pi[ok[a], a]).mean() for a in range(n)])
    return net


@pytest.fixture
def gappy_scores():
    rng = np.random.default_rng(8)
    s = rng.random((8, 5))
    s[1, 2] = np.nan
    s[3, [0, 4]] = np.nan
    s[6, 1] = 0.0  # a zero dimension, for the geometric floor
    return s


def test_arithmetic_leaves_missing_dimension_out(gappy_scores):
    w = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    got = ag.arithmetic(gappy_scores, w)[0]
    assert_allclose(got, _loop_arithmetic(gappy_scores, w))
    # Case 1 = the same case with dimension 2 removed and weights renormalised.
    keep = [0, 1, 3, 4]
    assert_allclose(got[1], ag.arithmetic(gappy_scores[1:2, keep], w[keep])[0, 0])


def test_geometric_floor_and_missing(gappy_scores):
    w = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    got = ag.geometric(gappy_scores, w, floor=0.01)[0]
    assert_allclose(got, _loop_geometric(gappy_scores, w, 0.01))
    assert got[6] > 0


def test_topsis_missing_dimensions_per_case(gappy_scores):
    w = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    assert_allclose(ag.topsis(gappy_scores, w)[0], _loop_topsis(gappy_scores, w))


def test_promethee_missing_dimensions_per_pair(gappy_scores):
    w = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    got = ag.promethee_ii(gappy_scores, w, "linear", 0.05, 0.3)[0]
    assert_allclose(got, _loop_promethee(gappy_scores, w, 0.05, 0.3))


def test_reference_set_restricts_comparisons():
    rng = np.random.default_rng(9)
    s = rng.random((6, 3))
    w = np.array([0.5, 0.3, 0.2])
    ref = np.array([True, True, True, True, True, False])
    full_without = ag.promethee_ii(s[:5], w, "usual")[0]
    with_outsider = ag.promethee_ii(s, w, "usual", reference=ref)[0]
    assert_allclose(with_outsider[:5], full_without)  # the outsider moves nobody
    t_without = ag.topsis(s[:5], w)[0]
    assert_allclose(ag.topsis(s, w, reference=ref)[0, :5], t_without)


# --------------------------------------------------------------------------- batch = loop


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "topsis", "promethee"])
def test_batch_equals_single_calls(method, gappy_scores):
    rng = np.random.default_rng(12)
    W = rng.dirichlet(np.ones(5), size=40) * rng.uniform(0.5, 3, (40, 1))  # rows need not sum to 1
    W[3, 2] = 0.0

    def run(w):
        if method == "arithmetic":
            return ag.arithmetic(gappy_scores, w)
        if method == "geometric":
            return ag.geometric(gappy_scores, w, 0.01)
        if method == "topsis":
            return ag.topsis(gappy_scores, w)
        return ag.promethee_ii(gappy_scores, w, "linear", 0.05, 0.3)

    batch = run(W)
    assert batch.shape == (40, 8)
    single = np.vstack([run(W[k]) for k in range(40)])
    assert_allclose(batch, single, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "topsis", "promethee"])
def test_batch_with_per_vector_dimension_scores(method):
    """(K, n, D) scores (criterion weights varying) against K separate (n, D) calls."""
    rng = np.random.default_rng(13)
    x = rng.random((7, 6))
    x[2, 1] = np.nan
    avail = ~np.isnan(x)
    dim = np.array([0, 0, 1, 1, 2, 2])
    C = rng.uniform(0.1, 2, (10, 6))
    W = rng.dirichlet(np.ones(3), size=10)
    S = ag.dimension_scores(x, avail, dim, C)
    assert S.shape == (10, 7, 3)
    for k in range(10):
        assert_allclose(S[k], ag.dimension_scores(x, avail, dim, C[k]))
    fn = {
        "arithmetic": lambda s, w: ag.arithmetic(s, w),
        "geometric": lambda s, w: ag.geometric(s, w, 0.01),
        "topsis": lambda s, w: ag.topsis(s, w),
        "promethee": lambda s, w: ag.promethee_ii(s, w, "v_shape", 0.0, 0.3),
    }[method]
    batch = fn(S, W)
    single = np.vstack([fn(S[k], W[k]) for k in range(10)])
    assert_allclose(batch, single, rtol=1e-12, atol=1e-12)


def test_flat_batches():
    x, _, higher = _random_problem(5)
    W = np.random.default_rng(1).dirichlet(np.ones(x.shape[1]), size=25)
    batch = ag.topsis_flat(x, W, higher)
    assert_allclose(batch, np.vstack([ag.topsis_flat(x, w, higher) for w in W]), atol=1e-12)
    batch = ag.promethee_ii_flat(x, W, higher, "v_shape", 0.0, 20.0)
    assert_allclose(batch, np.vstack([ag.promethee_ii_flat(x, w, higher, "v_shape", 0.0, 20.0) for w in W]),
                    atol=1e-12)


def test_promethee_lone_case_is_neutral_and_unscored_is_nan():
    s = np.array([[0.2, 0.9], [0.5, 0.1], [np.nan, np.nan]])
    w = np.array([0.5, 0.5])
    ref = np.array([True, False, False])
    got = ag.promethee_ii(s, w, "usual", reference=ref)[0]
    # Case 0 is the only reference case: nobody to compare with → 0. Case 1 is compared with
    # case 0 only: it wins on dimension 0 and loses on dimension 1 → 0.5 − 0.5 = 0.
    assert_allclose(got[:2], [0.0, 0.0])
    assert np.isnan(got[2])
    # The (K, n, D) path agrees.
    got3 = ag.promethee_ii(s[None], w[None], "usual", reference=ref)[0]
    assert_allclose(got3, got, equal_nan=True)
    # Zero weight on the only dimension a case has: no score.
    s2 = np.array([[0.2, np.nan], [0.5, 0.1], [0.3, 0.4]])
    got = ag.promethee_ii(s2, [0.0, 1.0], "usual")[0]
    assert np.isnan(got[0]) and np.isfinite(got[1:]).all()
    assert_allclose(ag.promethee_ii(s2[None], np.array([[0.0, 1.0]]), "usual")[0], got, equal_nan=True)
