"""Thresholds of the robustness and typology words live in settings.yml: changing one changes the result.

Each test reads the shipped settings (``benchmark/settings.yml``), checks that today's value gives
today's word, then changes only that setting and checks that the word (or number) follows.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from benchmark_tools import robustness as rb
from benchmark_tools.analysis import analyse_family
from benchmark_tools.project import load_project, load_settings
from benchmark_tools.schema import TypologyReading
from benchmark_tools.typology import describe_clusters, silhouette_reading, typology


@pytest.fixture(scope="module")
def settings():
    return load_settings()


def _with(model, **update):
    """A copy of a settings model with some fields changed, validated again."""
    return type(model).model_validate({**model.model_dump(), **update})


# ------------------------------------------------------------------ settings.yml carries today's values


def test_shipped_values_are_the_former_constants(settings):
    rs, rd = settings.robustness, settings.typology.reading
    assert (rs.kendall_strong_change_below, rs.kendall_some_change_below) == (0.6, 0.8)
    assert (rs.sobol_negligible_total, rs.sobol_conf_level) == (0.01, 0.95)
    assert (rd.silhouette_strong, rd.silhouette_reasonable, rd.silhouette_weak) == (0.71, 0.51, 0.26)
    assert (rd.name_traits, rd.name_trait_min_ratio) == (2, 0.5)


def test_bands_out_of_order_are_refused(settings):
    with pytest.raises(ValidationError, match="kendall_strong_change_below"):
        _with(settings.robustness, kendall_strong_change_below=0.9)
    with pytest.raises(ValidationError, match="silhouette_strong"):
        TypologyReading(silhouette_strong=0.2)


# ------------------------------------------------------------------ Kendall bands


def test_kendall_bands_follow_the_settings(settings):
    rs = settings.robustness
    assert [rb.agreement_change_word(t, rs) for t in (0.5, 0.7, 0.9)] == ["fortement", "sensiblement", "peu"]
    wider = _with(rs, kendall_strong_change_below=0.75, kendall_some_change_below=0.95)
    assert [rb.agreement_change_word(t, wider) for t in (0.5, 0.7, 0.9)] == ["fortement", "fortement",
                                                                                 "sensiblement"]


# ------------------------------------------------------------------ Sobol


def test_sobol_cut_off_follows_the_settings(settings):
    rs = settings.robustness
    small = SimpleNamespace(ST=np.array([0.004, 0.009, np.nan]))
    assert rb.sobol_negligible(small, rs)
    assert not rb.sobol_negligible(small, _with(rs, sobol_negligible_total=0.005))
    # At the cut-off itself the indices are still said to be nil (« ≤ »), as before.
    assert rb.sobol_negligible(SimpleNamespace(ST=np.array([0.01])), rs)


class _LinearScorer:
    """Three cases, two dimensions: case scores are the weighted sums of a fixed table."""

    case_ids = ["a", "b", "c"]
    dimension_ids = ["d1", "d2"]
    nominal_weights = np.array([0.5, 0.5])
    methods = ("arithmetic",)
    normalisations = ("goalposts",)
    table = np.array([[1.0, 0.0], [0.0, 1.0], [0.55, 0.5]])

    def __call__(self, weights, *, method=None, normalisation=None):
        return np.atleast_2d(weights) @ self.table.T


def test_sobol_confidence_level_follows_the_settings(settings):
    rs = settings.robustness
    runs = {lvl: rb.sobol_analysis(_LinearScorer(), 64, 3, 0.5, n_bootstrap=50, conf_level=lvl)
            for lvl in (rs.sobol_conf_level, _with(rs, sobol_conf_level=0.5).sobol_conf_level)}
    wide, narrow = runs[0.95], runs[0.5]
    assert not wide.constant_output
    # Same seed, same bootstrap replicates: only the quantile of the normal law changes
    # (z = 1.96 at 95 %, 0.674 at 50 %), so the half-widths shrink by that ratio.
    np.testing.assert_allclose(narrow.ST_conf, wide.ST_conf * 0.6744897501960817 / 1.959963984540054)
    assert "s1_low_50" in narrow.to_dataframe().columns
    assert rb.sobol_analysis(_LinearScorer(), 64, 3, 0.5, n_bootstrap=50).conf_level == rs.sobol_conf_level


# ------------------------------------------------------------------ typology words


def test_silhouette_bands_follow_the_settings(settings):
    rd = settings.typology.reading
    assert silhouette_reading(0.6, rd) == "structure raisonnable"
    assert silhouette_reading(0.6, _with(rd, silhouette_strong=0.55)) == "structure forte"
    assert silhouette_reading(0.2, _with(rd, silhouette_weak=0.1)) == "structure faible, peut-être artificielle"
    assert silhouette_reading(0.2, rd).startswith("pas de structure")


def _two_groups():
    # Group 0 is well above the mean on « taille », slightly on « budget »: gaps +0.5 and +0.1.
    profiles = pd.DataFrame({"taille": [1.0, 1.0, 0.0, 0.0], "budget": [0.6, 0.6, 0.4, 0.4],
                             "coût": [0.5, 0.5, 0.5, 0.5]}, index=list("abcd"))
    labels = pd.Series([0, 0, 1, 1], index=profiles.index)
    return profiles, labels, {c: c for c in profiles.columns}


def test_cluster_names_follow_the_settings(settings):
    profiles, labels, feature_labels = _two_groups()
    rd = settings.typology.reading

    def names(reading):
        return [c.name for c in describe_clusters(profiles, labels, feature_labels, None, "criteria", reading)]

    # Today: the second trait (gap 0.1) is less than half the first (0.5), so it is left out.
    assert names(rd) == ["Plus de taille", "Moins de taille"]
    assert names(_with(rd, name_trait_min_ratio=0.1)) == ["Plus de taille, plus de budget",
                                                          "Moins de taille, moins de budget"]
    assert names(_with(rd, name_trait_min_ratio=0.1, name_traits=1)) == ["Plus de taille", "Moins de taille"]


def _project_with(project, **section_updates):
    """The project with some settings sections replaced (the settings are immutable)."""
    project.settings = project.settings.model_copy(update=section_updates)
    return project


def test_typology_reads_its_words_from_the_project_settings():
    project = load_project()
    fam = "budget_participatif"
    ts = project.settings.typology
    words = {}
    for name, bound in (("low", -0.9), ("high", 1.0)):
        reading = _with(ts.reading, silhouette_strong=bound, silhouette_reasonable=bound, silhouette_weak=bound)
        _project_with(project, typology=ts.model_copy(update={"reading": reading}))
        words[name] = typology(project, families=[fam]).summary_text()
    assert "structure forte" in words["low"] and "pas de structure substantielle" not in words["low"]
    assert "pas de structure substantielle" in words["high"] and "structure forte" not in words["high"]


def test_family_analysis_reads_the_sobol_confidence_level():
    project = load_project()
    rs = project.settings.robustness
    _project_with(project, robustness=_with(rs, sobol_conf_level=0.5, sobol_n=16, sobol_bootstrap=20))
    params = project.report.model_copy(update={"n_draws": 50})
    fa = analyse_family(project, "fonds_de_concours", params, profiles=False)
    assert fa.sobol is not None and fa.sobol.conf_level == 0.5


def test_family_analysis_words_follow_the_settings():
    project = load_project()
    rs = project.settings.robustness
    params = project.report.model_copy(update={"n_draws": 50})
    _project_with(project, robustness=_with(rs, sobol_n=16, sobol_bootstrap=20))
    fa = analyse_family(project, "fonds_de_concours", params, profiles=False)
    assert [fa.change_word(t) for t in (0.5, 0.7, 0.9)] == ["fortement", "sensiblement", "peu"]
    fa.robustness_settings = _with(rs, kendall_strong_change_below=0.95, kendall_some_change_below=0.95)
    assert [fa.change_word(t) for t in (0.5, 0.7, 0.9)] == ["fortement"] * 3
    st = float(np.nanmax(fa.sobol.ST))
    for cut_off in (0.0, 0.99):
        fa.robustness_settings = _with(rs, sobol_negligible_total=cut_off)
        assert fa.sobol_negligible == (st <= cut_off)
    assert 0.0 < st <= 0.99  # the loop above saw both answers
