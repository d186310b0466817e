"""Tests of the scoring entry point (benchmark_tools.scoring)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from benchmark_tools.errors import InputError
from benchmark_tools.matrix import DecisionMatrix
from benchmark_tools.pipeline import scores_table
from benchmark_tools.scoring import (
    STATUS_APART,
    STATUS_EXCLUDED,
    STATUS_RANKED,
    ExplanationTable,
    make_batch_scorer,
    score,
    score_batch,
)

METHODS = ["arithmetic", "geometric", "topsis", "promethee"]
NORMALISATIONS = ["goalposts", "minmax", "zscore", "rank"]


@pytest.fixture
def profile(engine_make_profile):
    return engine_make_profile({"emp": 2, "inc": 1, "eco": 1}, {"e1": 2})


def _drop(matrix: DecisionMatrix, case_ids=(), criterion_ids=()) -> DecisionMatrix:
    """The same matrix without some cases or criteria (rebuilt through from_arrays)."""
    rows = [i for i, c in enumerate(matrix.case_ids) if c not in case_ids]
    cols = [j for j, c in enumerate(matrix.criterion_ids) if c not in criterion_ids]
    return DecisionMatrix.from_arrays(
        matrix.values[np.ix_(rows, cols)],
        case_ids=[matrix.case_ids[i] for i in rows],
        case_names=[matrix.case_names[i] for i in rows],
        criterion_ids=[matrix.criterion_ids[j] for j in cols],
        dimension_of={matrix.criterion_ids[j]: matrix.dimension_of[matrix.criterion_ids[j]] for j in cols},
        dimension_ids=matrix.dimension_ids,
        status=matrix.status[np.ix_(rows, cols)],
        types=[matrix.types[j] for j in cols],
        directions=[matrix.directions[j] for j in cols],
        goalposts=matrix.goalposts[cols],
        family=matrix.family,
        dimension_labels=matrix.dimension_labels,
    )


# --------------------------------------------------------------------------- values by hand


def test_arithmetic_goalposts_by_hand(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings())
    # Case a: e1 4/4, e2 3/4 (weights 2:1); i1 12/20, i2 1 - 2/10; x1 1/4; dims 0.5/0.25/0.25.
    emp_a, inc_a, eco_a = (2 * 1.0 + 0.75) / 3, (0.6 + 0.8) / 2, 0.25
    assert_allclose(r.dimension_scores[0], [emp_a, inc_a, eco_a])
    assert_allclose(r.scores[0], 0.5 * emp_a + 0.25 * inc_a + 0.25 * eco_a)
    # Case c has no inclusion value: weights 0.5 and 0.25 renormalised to 2/3 and 1/3.
    emp_c, eco_c = (2 * 0.75 + 0.75) / 3, 1.0
    assert np.isnan(r.dimension_scores[2, 1])
    assert_allclose(r.scores[2], (0.5 * emp_c + 0.25 * eco_c) / 0.75)
    assert_allclose(r.dimension_weights, [0.5, 0.25, 0.25])
    assert_allclose(r.criterion_weights, [2, 1, 1, 1, 1, 1])


def test_effective_weights_and_contributions(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings())
    scored = ~np.isnan(r.scores)
    assert_allclose(r.effective_weights[scored].sum(axis=1), 1.0)
    assert_allclose(np.nansum(r.contributions, axis=1)[scored], r.scores[scored])
    # Case a: e1 carries 2/3 of the empowerment weight 0.5.
    assert_allclose(r.effective_weights[0, 0], 0.5 * 2 / 3)
    # b misses e2: e1 carries the whole empowerment weight for b; e2 has weight 0.
    assert_allclose(r.effective_weights[1, :2], [0.5, 0.0])
    assert np.isnan(r.contributions[1, 1])
    assert (r.effective_weights[:, 5] == 0).all()  # not applicable


# --------------------------------------------------------------------------- missing data rules


@pytest.mark.parametrize("method", ["arithmetic", "geometric"])
def test_missing_criterion_equals_removed_criterion(engine_matrix, profile, engine_make_settings, method):
    """Case b misses e2: its score is what it gets when e2 is removed and the weights of the
    empowerment dimension renormalised."""
    settings = engine_make_settings()
    full = score(engine_matrix, profile, settings, method=method)
    reduced_profile = profile.model_copy(update={"criterion_weights": {"e1": 2}})
    reduced = score(_drop(engine_matrix, criterion_ids=["e2"]), reduced_profile, settings, method=method)
    assert_allclose(full.scores[1], reduced.scores[1])
    assert_allclose(full.dimension_scores[1], reduced.dimension_scores[1])
    assert not np.isclose(full.scores[0], reduced.scores[0])  # a had e2: it does change


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("normalisation", NORMALISATIONS)
def test_not_applicable_equals_absent_and_differs_from_zero(
        engine_matrix, profile, engine_make_settings, method, normalisation):
    settings = engine_make_settings()
    base = score(engine_matrix, profile, settings, method=method, normalisation=normalisation)
    absent = score(_drop(engine_matrix, criterion_ids=["x2"]), profile, settings, method=method,
                   normalisation=normalisation)
    assert_allclose(base.scores, absent.scores, equal_nan=True)
    zero_values = np.array(engine_matrix.values)
    zero_values[:, 5] = [0.0, 0.0, 0.0, 0.0, 40.0, 0.0]
    zero = engine_matrix.replace(values=zero_values, status=np.where(np.isnan(zero_values), 1, 0))
    as_zero = score(zero, profile, settings, method=method, normalisation=normalisation)
    assert not np.allclose(base.scores, as_zero.scores, equal_nan=True)


# --------------------------------------------------------------------------- low coverage


def test_low_coverage_apart(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings(policy="apart"))
    assert_array_equal(r.low_coverage, [False, False, False, False, False, True])
    assert np.isfinite(r.scores[5]) and r.ranks[5] == 0 and not r.ranked[5]
    assert sorted(r.ranks[:5]) == [1, 2, 3, 4, 5]
    assert r.status_labels()[5] == STATUS_APART and r.status_labels()[0] == STATUS_RANKED


def test_low_coverage_exclude(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings(policy="exclude"))
    assert np.isnan(r.scores[5]) and r.ranks[5] == 0
    assert r.status_labels()[5] == STATUS_EXCLUDED


def test_threshold_comes_from_settings(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings(threshold=0.7))
    assert_array_equal(r.low_coverage, [False, False, True, False, False, True])  # c: 3/5


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("normalisation", NORMALISATIONS)
def test_case_apart_moves_nobody(engine_matrix, profile, engine_make_settings, method, normalisation):
    settings = engine_make_settings(policy="apart")
    with_f = score(engine_matrix, profile, settings, method=method, normalisation=normalisation)
    without_f = score(_drop(engine_matrix, case_ids=["f"]), profile, settings, method=method,
                      normalisation=normalisation)
    assert_allclose(with_f.scores[:5], without_f.scores, atol=1e-12)
    assert_array_equal(with_f.ranks[:5], without_f.ranks)


def test_ties_get_competition_ranks(engine_make_profile, engine_make_settings):
    m = DecisionMatrix.from_arrays([[0.5, 0.5], [0.9, 0.1], [0.9, 0.1], [0.1, 0.2]],
                                   dimension_of=["d1", "d2"])
    r = score(m, engine_make_profile({"d1": 1, "d2": 1}), engine_make_settings())
    assert_array_equal(r.ranks, [1, 1, 1, 4])


# --------------------------------------------------------------------------- explanations


def test_gap_to_leader_sums_to_gap(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings())
    lead = r.leader
    assert r.ranks[engine_matrix.case_index(lead)] == 1
    for cid in ["a", "b", "c", "e"]:
        g = r.gap_to_leader(cid)
        assert list(g.columns)[-1] == "contribution à l'écart"
        assert_allclose(g["contribution à l'écart"].sum(), g.attrs["écart de score"], atol=1e-12)
    assert_allclose(r.gap_to_leader(lead)["contribution à l'écart"].to_numpy(), 0.0)
    # Without c (no inclusion data), leader and cases share all dimensions: the decomposition
    # is weight × difference of dimension scores.
    full = _drop(engine_matrix, case_ids=["c"])
    r = score(full, profile, engine_make_settings())
    L = full.case_index(r.leader)
    for cid in ["a", "b", "d", "e"]:
        i = full.case_index(cid)
        expected = r.dimension_weights * (r.dimension_scores[L] - r.dimension_scores[i])
        assert_allclose(r.gap_to_leader(cid)["contribution à l'écart"].to_numpy(), expected, atol=1e-12)
    with pytest.raises(InputError, match="inconnu"):
        r.gap_to_leader("zzz")


def test_gap_to_leader_other_methods_states_both_gaps(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings(), method="topsis")
    g = r.gap_to_leader("e")
    assert "écart de score" in g.attrs and "écart décomposé" in g.attrs
    assert "TOPSIS" in g.attrs["méthode"]


def test_to_dataframe_ids(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings())
    df = r.to_dataframe()
    assert list(df.columns[:5]) == ["case", "score", "rank", "status", "coverage"]
    assert list(df.columns[5:]) == list(engine_matrix.dimension_ids)
    assert df.index.name == "case_id"
    assert list(df["rank"].iloc[:5]) == [1, 2, 3, 4, 5]
    assert df.index[-1] == "f"  # the case kept apart comes last
    assert df.loc["f", "status"] == "apart"
    assert df.loc["a", "score"] == pytest.approx(r.scores[0])


def test_scores_table_french(engine_matrix, profile, engine_make_settings):
    """The table shown to people: French headers, dimensions by label, statuses in words."""
    r = score(engine_matrix, profile, engine_make_settings())
    df = scores_table(r)
    assert list(df.columns[:5]) == ["cas", "score", "rang", "statut", "couverture"]
    assert list(df.columns[5:]) == ["Pouvoir d'agir", "Inclusion", "Écologie"]
    assert df.index.name == "identifiant"
    assert df.loc["f", "statut"] == STATUS_APART and df.loc["a", "statut"] == STATUS_RANKED


def test_explanations(engine_matrix, profile, engine_make_settings):
    for method in METHODS:
        tables = score(engine_matrix, profile, engine_make_settings(), method=method).explanations()
        assert len(tables) == 4
        for t in tables:
            assert isinstance(t, ExplanationTable)
            assert isinstance(t.caption, str) and isinstance(t.data, pd.DataFrame)
        assert tables[0].data.shape == (6, 6)
        assert list(tables[0].data.index) == list(engine_matrix.case_names)
        assert "normalis" in tables[0].caption.lower()
        if method == "arithmetic":
            assert "égale à son score" in tables[3].caption
        else:
            assert "ne s'additionnent pas" in tables[3].caption


# --------------------------------------------------------------------------- batch


@pytest.mark.parametrize("policy", ["apart", "exclude"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("normalisation", NORMALISATIONS)
def test_batch_equals_single_calls(engine_matrix, profile, engine_make_settings, policy, method, normalisation):
    settings = engine_make_settings(policy=policy)
    rng = np.random.default_rng(31)
    W = rng.dirichlet(np.ones(3), size=12) * 5.0
    W[0] = [0.0, 1.0, 1.0]
    batch = score_batch(engine_matrix, profile, settings, W, method=method, normalisation=normalisation)
    assert batch.scores.shape == (12, 6) and batch.ranks.shape == (12, 6)
    for k in range(12):
        pk = profile.model_copy(update={"dimension_weights": dict(zip(["emp", "inc", "eco"], W[k].tolist(), strict=True))})
        single = score(engine_matrix, pk, settings, method=method, normalisation=normalisation)
        assert_allclose(batch.scores[k], single.scores, rtol=1e-12, atol=1e-12, equal_nan=True)
        assert_array_equal(batch.ranks[k], single.ranks)


@pytest.mark.parametrize("method", METHODS)
def test_batch_of_criterion_weights_equals_single_calls(engine_matrix, profile, engine_make_settings, method):
    settings = engine_make_settings()
    C = np.random.default_rng(32).uniform(0.1, 3.0, (9, 6))
    batch = score_batch(engine_matrix, profile, settings, criterion_weights=C, method=method)
    for k in range(9):
        single = score(engine_matrix, profile, settings, method=method, criterion_weights=C[k])
        assert_allclose(batch.scores[k], single.scores, rtol=1e-12, atol=1e-12, equal_nan=True)
    # Both batches together, row k with row k.
    W = np.random.default_rng(33).dirichlet(np.ones(3), size=9)
    both = score_batch(engine_matrix, profile, settings, W, criterion_weights=C, method=method)
    for k in (0, 4, 8):
        pk = profile.model_copy(update={"dimension_weights": dict(zip(["emp", "inc", "eco"], W[k].tolist(), strict=True))})
        single = score(engine_matrix, pk, settings, method=method, criterion_weights=C[k])
        assert_allclose(both.scores[k], single.scores, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("normalisation", NORMALISATIONS)
def test_batch_scorer_protocol(engine_matrix, profile, engine_make_settings, method, normalisation):
    settings = engine_make_settings(policy="apart")
    scorer = make_batch_scorer(engine_matrix, profile, settings)
    assert scorer.case_ids == list(engine_matrix.case_ids)
    assert scorer.dimension_ids == list(engine_matrix.dimension_ids)
    assert_allclose(scorer.nominal_weights, [0.5, 0.25, 0.25])
    assert scorer.methods == tuple(METHODS) and scorer.normalisations == tuple(NORMALISATIONS)
    W = np.random.default_rng(34).dirichlet(np.ones(3), size=20)
    out = scorer(W, method=method, normalisation=normalisation)
    ref = score_batch(engine_matrix, profile, settings, W, method=method, normalisation=normalisation)
    assert out.shape == (20, 6)
    assert np.isnan(out[:, 5]).all()  # not ranked (apart) → NaN for robustness
    assert_allclose(out[:, :5], ref.scores[:, :5], rtol=1e-12, atol=1e-12)
    assert_allclose(scorer(W, method=method, normalisation=normalisation), out)  # cached path


def test_batch_scorer_defaults_from_settings(engine_matrix, profile, engine_make_settings):
    settings = engine_make_settings(method="geometric", normalisation="rank")
    scorer = make_batch_scorer(engine_matrix, profile, settings)
    W = np.array([[1.0, 1.0, 1.0]])
    assert_allclose(scorer(W), scorer(W, method="geometric", normalisation="rank"))
    assert not np.allclose(scorer(W), scorer(W, method="arithmetic", normalisation="goalposts"),
                           equal_nan=True)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("kwargs, pattern", [
    ({"method": "electre"}, "Méthode d'agrégation inconnue"),
    ({"normalisation": "log"}, "Normalisation inconnue"),
    ({"criterion_weights": [1.0, 2.0]}, "forme"),
    ({"criterion_weights": [1, 1, -1, 1, 1, 1]}, "négatif"),
    ({"criterion_weights": [0, 0, 0, 0, 0, 0]}, "nuls"),
    ({"criterion_weights": {"zz": 1}}, "inconnus"),
])
def test_bad_input_raises_french_error(engine_matrix, profile, engine_make_settings, kwargs, pattern):
    with pytest.raises(InputError, match=pattern):
        score(engine_matrix, profile, engine_make_settings(), **kwargs)


@pytest.mark.parametrize("weights, pattern", [
    (np.ones((4, 2)), "forme"),
    (np.ones((2, 3, 3)), "forme"),
    ([[1, -1, 1]], "négatif"),
    ([[1, 1, 1], [0, 0, 0]], "nuls"),
    ([[1, np.nan, 1]], "finis"),
])
def test_bad_batch_weights(engine_matrix, profile, engine_make_settings, weights, pattern):
    settings = engine_make_settings()
    with pytest.raises(InputError, match=pattern):
        score_batch(engine_matrix, profile, settings, weights)
    with pytest.raises(InputError, match=pattern):
        make_batch_scorer(engine_matrix, profile, settings)(weights)


def test_bad_profile(engine_matrix, engine_make_profile, engine_make_settings):
    settings = engine_make_settings()
    with pytest.raises(InputError, match="dimensions inconnues"):
        score(engine_matrix, engine_make_profile({"emp": 1, "xxx": 1}), settings)
    with pytest.raises(InputError, match="nuls"):
        score(engine_matrix, engine_make_profile({"emp": 0, "inc": 0}), settings)


def test_missing_goalposts_reported(engine_matrix, profile, engine_make_settings):
    gp = np.array(engine_matrix.goalposts)
    gp[2] = np.nan
    with pytest.raises(InputError, match="bornes manquantes pour i1"):
        score(engine_matrix.replace(goalposts=gp), profile, engine_make_settings())
    # Data-driven normalisations do not need them.
    score(engine_matrix.replace(goalposts=gp), profile, engine_make_settings(), normalisation="minmax")


def test_linear_preference_needs_p_above_q(engine_matrix, profile, engine_make_settings):
    with pytest.raises(InputError, match="seuil"):
        score(engine_matrix, profile, engine_make_settings(q=0.3, p=0.3), method="promethee")


def test_results_are_read_only(engine_matrix, profile, engine_make_settings):
    r = score(engine_matrix, profile, engine_make_settings())
    with pytest.raises(ValueError):
        r.scores[0] = 1.0
    b = score_batch(engine_matrix, profile, engine_make_settings(), [[1, 1, 1]])
    with pytest.raises(ValueError):
        b.ranks[0, 0] = 3
