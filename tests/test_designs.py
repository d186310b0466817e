"""What-if scoring of candidate designs: same engine, marginal gains, status quo files."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from numpy.testing import assert_allclose

from benchmark_tools.cases import criterion_values
from benchmark_tools.designs import (
    design_report_text,
    position_design,
    positioning_figure,
)
from benchmark_tools.errors import InputError
from benchmark_tools.matrix import DecisionMatrix
from benchmark_tools.pipeline import get_profile, score_family
from benchmark_tools.project import load_project
from benchmark_tools.schema import CandidateDesign
from benchmark_tools.scoring import score

N_DRAWS = 200  # small Monte Carlo: these tests check the plumbing, not the statistics


@pytest.fixture(scope="module")
def project():
    return load_project()


def _twin_design(case, design_id):
    data = case.model_dump()
    data["id"] = design_id
    return CandidateDesign.model_validate(data)


def _best_documented(project, family):
    return max(project.cases_of(family), key=lambda c: len(c.scores))


@pytest.fixture
def with_design(project):
    """Add designs to the project for one test, then remove them."""
    added = []

    def add(design):
        project.designs[design.id] = design
        added.append(design.id)
        return design

    yield add
    for d in added:
        project.designs.pop(d, None)


@pytest.mark.parametrize("family", ["budget_participatif", "fonds_de_concours", "appel_a_projets"])
@pytest.mark.parametrize("method", ["arithmetic", "geometric"])
def test_design_identical_to_a_case_gets_its_score(project, with_design, family, method):
    case = _best_documented(project, family)
    design = with_design(_twin_design(case, "jumeau_test_" + family))
    pos = position_design(project, design.id, method=method, normalisation="goalposts",
                          n_draws=N_DRAWS, seed=1)
    res = score_family(project, family, method=method, normalisation="goalposts")
    i = res.case_ids.index(case.id)
    assert_allclose(pos.score, res.scores[i])
    # Same score, so the design ties with its twin in the family ranking.
    assert pos.table.loc[design.id, "rang"] == pos.table.loc[case.id, "rang"]


def _expected_step(crit, family, families, v):
    """One step better, written independently of designs.py: +1 level (cap 4) / ±range/10."""
    if crit.type == "ordinal":
        return min(v + 1, 4)
    lo, hi = crit.goalposts_for(family, families)
    step = (hi - lo) / 10
    if crit.direction == "higher":
        return v if v >= hi else min(v + step, hi)
    return v if v <= lo else max(v - step, lo)


def test_marginal_gains_sorted_and_equal_to_direct_rescoring(project, with_design):
    family = "budget_participatif"
    case = project.case("rennes_ville_bp") if any(c.id == "rennes_ville_bp" for c in project.cases) \
        else _best_documented(project, family)
    design = with_design(_twin_design(case, "jumeau_gains"))
    pos = position_design(project, design.id, n_draws=N_DRAWS, seed=2)
    g = pos.marginal_gains
    assert len(g) > 0
    gains = g["gain de score"].to_numpy()
    assert np.all(np.diff(gains) <= 0), "gains not sorted in decreasing order"

    prof = get_profile(project, None)
    cases = project.cases_of(family)
    m = DecisionMatrix.from_cases(list(cases) + [design], project.catalogue, family, project.families)
    kw = dict(method=project.report.method, normalisation=project.report.normalisation)
    base = score(m, prof, project.settings, **kw).scores[-1]
    raw = criterion_values(design, project.catalogue, project.families)
    checked_numeric = 0
    for _, row in g.iterrows():
        crit = project.catalogue.criterion(row["identifiant"])
        v = raw[crit.id]
        new = _expected_step(crit, family, project.families, v)
        assert_allclose(row["nouvelle valeur"], new)
        vals = np.array(m.values)
        vals[-1, m.criterion_ids.index(crit.id)] = new
        direct = score(m.replace(values=vals), prof, project.settings, **kw).scores[-1] - base
        assert_allclose(row["gain de score"], direct, atol=1e-12)
        checked_numeric += crit.type == "numeric"
    # The criteria without a value are listed, not given a gain.
    n_app = sum(c.status_for(family, project.families) != "not_applicable" for c in project.catalogue.criteria)
    assert len(g) + len(pos.uncoded) == n_app
    assert checked_numeric >= 1 or all(project.catalogue.criterion(c).type == "ordinal" for c in g["identifiant"])


def test_examples_reach_the_level_aimed_at(project, with_design):
    family = "budget_participatif"
    case = min(project.cases_of(family), key=lambda c: len(c.scores))
    design = with_design(_twin_design(case, "jumeau_exemples"))
    pos = position_design(project, design.id, n_draws=N_DRAWS, seed=3)
    assert len(pos.examples) <= project.settings.robustness.top_k
    label_to_id = {c.label_fr: c.id for c in project.catalogue.criteria}
    names = {c.name: c for c in project.cases_of(family)}
    for _, ex in pos.examples.iterrows():
        if not ex["cas"]:
            continue
        crit = project.catalogue.criterion(label_to_id[ex["critère"]])
        v = criterion_values(names[ex["cas"]], project.catalogue, project.families)[crit.id]
        assert_allclose(v, ex["valeur du cas"])
        target = float(ex["niveau visé"].replace(",", "."))
        assert (v >= target - 1e-9) if crit.direction == "higher" else (v <= target + 1e-9)
        assert ex["source"]


def test_rank_interval_and_determinism(project):
    if not project.designs:
        pytest.skip("aucun dispositif candidat")
    did = sorted(project.designs)[0]
    a = position_design(project, did, n_draws=N_DRAWS, seed=5)
    b = position_design(project, did, n_draws=N_DRAWS, seed=5)
    assert a.rank_p05 <= a.rank_median <= a.rank_p95
    assert 0.0 <= a.p_top_k <= 1.0
    assert a.rank >= 1
    assert_allclose(a.table["rang P95"].to_numpy(dtype=float), b.table["rang P95"].to_numpy(dtype=float))
    assert_allclose(a.table[f"P(top {a.top_k})"].to_numpy(), b.table[f"P(top {b.top_k})"].to_numpy())
    ranked = position_design(project, did, n_draws=N_DRAWS, seed=5, scope="ranked")
    allsc = position_design(project, did, n_draws=N_DRAWS, seed=5, scope="all")
    assert ranked.n_compared <= allsc.n_compared
    assert_allclose(ranked.score, allsc.score)


def test_unknown_design_is_a_clear_error(project):
    with pytest.raises(InputError, match="Dispositif candidat inconnu"):
        position_design(project, "dispositif_qui_n_existe_pas")


def test_report_text_and_figure(project):
    if not project.designs:
        pytest.skip("aucun dispositif candidat")
    did = sorted(project.designs)[0]
    text = design_report_text(project, did, n_draws=N_DRAWS)
    assert "Position" in text and "Gains marginaux" in text and "Score nominal" in text
    fig = positioning_figure(project, did, n_draws=N_DRAWS)
    assert fig.axes
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_status_quo_follows_its_reference_case(tmp_path):
    """A status quo names its case: changing the case changes the status quo, with no copy to refresh."""
    import shutil

    import yaml

    from benchmark_tools.project import load_project
    from projectkit import REPO

    root = tmp_path / "proj"
    shutil.copytree(REPO / "benchmark", root / "benchmark")
    shutil.copytree(REPO / "data", root / "data")
    path = root / "data" / "cases" / "fonds_de_concours" / "rennes_metropole_fmte.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    old = data["scores"]["decision_power"]["value"]
    data["scores"]["decision_power"]["value"] = 4 if old != 4 else 3
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    proj = load_project(root)
    design = proj.designs["statu_quo_fmte"]
    assert design.scores["decision_power"].value == data["scores"]["decision_power"]["value"] != old
    assert design.baseline is False and design.status_quo is True


@pytest.mark.parametrize("design_id,case_id", [
    ("statu_quo_fmte", "rennes_metropole_fmte"),
    ("statu_quo_bp_rennes", "rennes_ville_bp"),
    ("statu_quo_aap_nos_lieux_communs", "rennes_metropole_nos_lieux_communs"),
])
def test_shipped_status_quo_matches_its_baseline(project, design_id, case_id):
    if design_id not in project.designs:
        pytest.skip(f"{design_id} absent")
    design = project.designs[design_id]
    assert design.status_quo
    got = criterion_values(design, project.catalogue, project.families)
    want = criterion_values(project.case(case_id), project.catalogue, project.families)
    diff = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    assert not diff, (f"benchmark/designs/{design_id}.yml ne reproduit plus le cas {case_id} : {diff}. "
                      "Vérifier son champ status_quo_of.")
