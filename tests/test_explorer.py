"""The weight and case explorers, driven headlessly (no browser, no kernel).

A throw-away copy of the project holds synthetic cases whose criteria are all ordinal grid
levels, so the expected dimension scores are simple means of ``level / 4`` computed here,
independently of the engine.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

from benchmark_tools.errors import InputError
from benchmark_tools.explorer import (
    CaseExplorer,
    WeightExplorer,
    dimension_neighbours,
    normalised_values,
    redundancy_table,
)
from benchmark_tools.pipeline import score_family
from benchmark_tools.project import load_project, validate_project
from projectkit import URL, make_project, write_case

FAMILY = "budget_participatif"
N_CASES = 7
TWIN_OF = {"cas_6": "cas_0"}  # cas_6 is coded exactly like cas_0
SAME_LEVELS = ("decision_power", "agenda_setting")  # coded identically in every case → r = 1


def _ordinal_criteria(root):
    proj = validate_project(root)
    fam = proj.families
    return [c for c in proj.catalogue.criteria
            if c.type == "ordinal" and c.status_for(FAMILY, fam) != "not_applicable"]


def _levels(root) -> dict[str, dict[str, int]]:
    """Case id → criterion id → level, seeded; with a twin and a pair of identical criteria."""
    rng = np.random.default_rng(20261128)
    crits = [c.id for c in _ordinal_criteria(root)]
    out = {}
    for i in range(N_CASES):
        lv = {c: int(x) for c, x in zip(crits, rng.integers(0, 5, size=len(crits)), strict=True)}
        out[f"cas_{i}"] = lv
    for twin, orig in TWIN_OF.items():
        out[twin] = dict(out[orig])
    for lv in out.values():
        if all(c in lv for c in SAME_LEVELS):
            lv[SAME_LEVELS[1]] = lv[SAME_LEVELS[0]]
    return out


def _case(cid: str, levels: dict[str, int]) -> dict:
    return {
        "id": cid, "name": f"Budget participatif synthétique {cid}", "family": FAMILY,
        "territory": f"Ville {cid}", "country": "FR", "level": "commune",
        "summary": "Cas synthétique pour les tests de l'explorateur.",
        "scores": {c: {"value": v, "year": 2024, "source": URL, "confidence": "coded",
                       "note": f"« texte cité » → niveau {v}"} for c, v in levels.items()},
    }


@pytest.fixture
def lab_project(tmp_path):
    """(root, levels): a project copy with a flat test profile and synthetic coded cases."""
    root = make_project(tmp_path)
    proj = validate_project(root)
    dims = proj.catalogue.dimension_ids
    flat = {"id": "test_plat", "label_fr": "Test plat", "viewpoint": "test", "rationale": "test",
            "dimension_weights": {d: 1 for d in dims}}
    (root / "benchmark" / "profiles" / "test_plat.yml").write_text(
        yaml.safe_dump(flat, allow_unicode=True), encoding="utf-8")
    levels = _levels(root)
    for cid, lv in levels.items():
        write_case(root, _case(cid, lv))
    return root, levels


def _expected_dimension_scores(root, levels) -> dict[str, dict[str, float]]:
    """Dimension d → case → mean of level/4 over the case's coded criteria of d."""
    crits = {c.id: c.dimension for c in _ordinal_criteria(root)}
    out: dict[str, dict[str, float]] = {}
    for cid, lv in levels.items():
        for c, v in lv.items():
            out.setdefault(crits[c], {}).setdefault(cid, []).append(v / 4)
    return {d: {cid: float(np.mean(v)) for cid, v in per.items()} for d, per in out.items()}


def _explorer(root, **kw) -> WeightExplorer:
    return WeightExplorer(load_project(root), family=FAMILY, profile="test_plat", **kw)


def test_project_copy_is_valid(lab_project):
    root, _ = lab_project
    errors = [p for p in validate_project(root).problems if p.severity == "error"]
    assert errors == []


def test_initial_state_comes_from_report_and_profile(lab_project):
    root, _ = lab_project
    project = load_project(root)
    ex = WeightExplorer(project, family=FAMILY)
    assert ex.profile_id == project.report.profile
    assert ex.method == project.report.method
    assert ex.normalisation == project.report.normalisation
    raw = yaml.safe_load((root / "benchmark" / "profiles" / f"{project.report.profile}.yml").read_text("utf-8"))
    w = np.array([raw["dimension_weights"][d] for d in ex.dimension_ids], dtype=float)
    assert_allclose(ex.weight_vector, w / w.sum())
    assert not ex.modified


def test_all_weight_on_one_dimension_ranks_by_that_dimension(lab_project):
    root, levels = lab_project
    expected = _expected_dimension_scores(root, levels)
    ex = _explorer(root)
    for dim in ex.dimension_ids:
        if dim not in expected:
            continue
        for d in ex.dimension_ids:
            ex.set_weight(d, 1.0 if d == dim else 0.0)
        table = ex.ranking()
        exp = np.array([expected[dim][cid] for cid in table.index])
        assert_allclose(table["score"].to_numpy(dtype=float), exp, atol=1e-12)
        ranks = table["rang"].to_numpy()
        assert (ranks > 0).all()
        for i in range(len(exp)):
            for j in range(len(exp)):
                if exp[i] > exp[j] + 1e-9:
                    assert ranks[i] < ranks[j], (dim, table.index[i], table.index[j])
                elif abs(exp[i] - exp[j]) <= 1e-9:
                    assert ranks[i] == ranks[j]


def test_raising_a_weight_never_worsens_the_rank_of_the_best_case_on_it(lab_project):
    """Arithmetic mean, every case has every dimension: the best case on d only gains places."""
    root, levels = lab_project
    expected = _expected_dimension_scores(root, levels)
    ex = _explorer(root, method="arithmetic")
    checked = 0
    for dim, per_case in expected.items():
        vals = sorted(per_case.values(), reverse=True)
        if vals[0] - vals[1] < 1e-6:
            continue  # no unique best case on this dimension
        best = max(per_case, key=per_case.get)
        ex.set_profile("test_plat")
        ranks = []
        for w in (0.0, 0.05, 0.2, 0.5, 1.0, 3.0, 10.0, 1e6):
            ex.set_weight(dim, w)
            ranks.append(int(ex.ranking().loc[best, "rang"]))
        assert all(a >= b for a, b in zip(ranks[:-1], ranks[1:], strict=True)), (dim, ranks)
        assert ranks[-1] == 1
        checked += 1
    assert checked >= 2


def test_changing_one_weight_changes_scores_as_a_weighted_mean(lab_project):
    """Score = Σ w_d s_d / Σ w_d with the expected dimension scores (arithmetic)."""
    root, levels = lab_project
    expected = _expected_dimension_scores(root, levels)
    ex = _explorer(root, method="arithmetic")
    dims = [d for d in ex.dimension_ids if d in expected]
    ex.set_weight(dims[0], 0.6)
    w = np.array([ex.weights[d] for d in dims])
    table = ex.ranking()
    s = np.array([[expected[d][cid] for d in dims] for cid in table.index])
    assert_allclose(table["score"].to_numpy(dtype=float), s @ w / w.sum(), atol=1e-12)
    assert ex.modified


def test_method_family_and_profile_setters(lab_project):
    root, _ = lab_project
    ex = _explorer(root)
    ex.set_method("geometric")
    assert ex.result().method == "geometric"
    ex.set_normalisation("rank")
    assert ex.result().normalisation == "rank"
    with pytest.raises(InputError, match="Méthode d'agrégation inconnue"):
        ex.set_method("moyenne")
    with pytest.raises(InputError, match="Famille"):
        ex.set_family("appel_a_projets")  # no case in the copy
    with pytest.raises(InputError, match="Profil inconnu"):
        ex.set_profile("nexiste_pas")


@pytest.mark.parametrize("dim, value, message", [
    ("ecology", -0.1, "positif ou nul"),
    ("ecology", float("nan"), "positif ou nul"),
    ("ecology", "beaucoup", "un nombre est attendu"),
    ("ecologie", 0.5, "Dimension inconnue"),
])
def test_set_weight_refuses_bad_input(lab_project, dim, value, message):
    root, _ = lab_project
    ex = _explorer(root)
    before = dict(ex.weights)
    with pytest.raises(InputError, match=message):
        ex.set_weight(dim, value)
    assert ex.weights == before


def test_all_zero_weights_are_refused_when_ranking(lab_project):
    root, _ = lab_project
    ex = _explorer(root)
    for d in ex.dimension_ids:
        ex.set_weight(d, 0)
    with pytest.raises(InputError, match="poids sont nuls"):
        ex.ranking()


def test_monte_carlo_uses_report_settings_and_is_reproducible(lab_project):
    root, _ = lab_project
    ex = _explorer(root)
    ex.set_weight("ecology", 0.5)
    a, b = ex.monte_carlo(), ex.monte_carlo()
    assert a.n_draws == ex.params.n_draws
    assert a.top_k == ex.settings.robustness.top_k
    np.testing.assert_array_equal(a.ranks, b.ranks)
    # Draws are centred on the explorer's weights, not on the profile's.
    assert_allclose(a.weights.mean(axis=0), ex.weight_vector / ex.weight_vector.sum(), atol=0.02)
    import matplotlib.figure

    for fig in (ex.heatmap_figure(), ex.rank_interval_figure()):
        assert isinstance(fig, matplotlib.figure.Figure)


def test_save_profile_writes_a_valid_profile(lab_project):
    root, _ = lab_project
    ex = _explorer(root)
    ex.set_weight("ecology", 0.9)
    ex.set_weight("efficiency", 0.0)
    path = ex.save_profile("ecologie_forte", "Écologie forte", "Élus en charge du climat",
                           "L'écologie d'abord.")
    assert path == root / "benchmark" / "profiles" / "ecologie_forte.yml"
    proj = validate_project(root)
    assert [p.format() for p in proj.problems if p.severity == "error"] == []
    saved = proj.profiles["ecologie_forte"]
    assert saved.label_fr == "Écologie forte"
    w = np.array([ex.weights[d] for d in ex.dimension_ids])
    assert_allclose(saved.normalised_dimension_weights(ex.dimension_ids), w / w.sum(), atol=1e-4)
    assert saved.dimension_weights["efficiency"] == 0
    # The saved profile reproduces the explorer's ranking.
    res = score_family(load_project(root), FAMILY, "ecologie_forte", ex.method, ex.normalisation)
    assert_allclose(res.to_dataframe()["score"].to_numpy(dtype=float),
                    ex.ranking()["score"].to_numpy(dtype=float), atol=1e-3)
    assert "ecologie_forte" in ex.profiles


@pytest.mark.parametrize("pid, label, view, why, message", [
    ("test_plat", "Déjà là", "v", "r", "existe déjà"),
    ("Mon profil", "Mon profil", "v", "r", "format invalide"),
    ("mon_profil", "", "v", "r", "libellé"),
    ("mon_profil", "Mon profil", "  ", "r", "point de vue"),
    ("mon_profil", "Mon profil", "v", "", "justification"),
])
def test_save_profile_refuses_bad_input(lab_project, pid, label, view, why, message):
    root, _ = lab_project
    folder = root / "benchmark" / "profiles"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    ex = _explorer(root)
    ex.set_weight("ecology", 0.9)
    with pytest.raises(InputError, match=message):
        ex.save_profile(pid, label, view, why)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_save_profile_refuses_all_zero_weights(lab_project):
    root, _ = lab_project
    ex = _explorer(root)
    for d in ex.dimension_ids:
        ex.set_weight(d, 0)
    with pytest.raises(InputError, match="poids sont nuls"):
        ex.save_profile("rien", "Rien", "v", "r")
    assert not (root / "benchmark" / "profiles" / "rien.yml").exists()


def test_widget_drives_the_explorer(lab_project):
    pytest.importorskip("ipywidgets")
    root, _ = lab_project
    ex = _explorer(root)
    ex.widget()
    c = ex.controls
    assert set(c["sliders"]) == set(ex.dimension_ids)
    c["sliders"]["ecology"].value = 0.8
    assert ex.weights["ecology"] == pytest.approx(0.8)
    assert ex.modified
    c["method"].value = "topsis"
    assert ex.result().method == "topsis"
    # Loading a profile moves the sliders to its weights.
    other = next(pid for pid in ex.profiles if pid != "test_plat")
    c["profile"].value = other
    w = ex.profiles[other].normalised_dimension_weights(ex.dimension_ids)
    assert_allclose([c["sliders"][d].value for d in ex.dimension_ids], w, atol=1e-3)
    # Saving: a bad id shows a French message and writes nothing; a good one adds the profile.
    c["id"].value, c["label"].value = "Mauvais Id", "Mon profil"
    c["viewpoint"].value, c["rationale"].value = "Point de vue", "Justification"
    c["save"].click()
    assert "format invalide" in c["message"].value
    c["id"].value = "depuis_widget"
    c["save"].click()
    assert (root / "benchmark" / "profiles" / "depuis_widget.yml").exists()
    assert "depuis_widget" in [v for _, v in c["profile"].options]
    assert c["profile"].value == "depuis_widget"


def test_case_explorer_shows_sheet_and_neighbours(lab_project):
    root, _ = lab_project
    project = load_project(root)
    ce = CaseExplorer(project)
    sheet = ce.show("cas_0")
    assert "Budget participatif synthétique cas\\_0" in sheet.markdown
    assert "example.org" in sheet.markdown  # sources shown
    assert "Couverture" in sheet.markdown
    assert "Dispositifs les plus proches" in sheet.markdown
    nb = sheet.neighbours
    assert len(nb) == min(project.settings.typology.n_neighbours, N_CASES - 1)
    assert "cas_0" not in set(nb["voisin"])
    assert nb["voisin"].iloc[0] == "cas_6"  # its twin
    assert nb["distance"].iloc[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(nb["distance"].to_numpy()) >= 0)
    with pytest.raises(InputError, match="Cas inconnu"):
        ce.show("nexiste_pas")
    pytest.importorskip("ipywidgets")
    ce.widget("cas_1")
    assert ce.controls["case"].value == "cas_1"


def test_dimension_neighbours_fallback(lab_project):
    root, levels = lab_project
    expected = _expected_dimension_scores(root, levels)
    res = score_family(load_project(root), FAMILY, "test_plat")
    nb = dimension_neighbours(res, "cas_1", n=N_CASES)
    assert "cas_1" not in set(nb["voisin"])
    dims = list(expected)
    x = np.array([expected[d]["cas_1"] for d in dims])
    exp = {cid: float(np.sqrt(np.mean((np.array([expected[d][cid] for d in dims]) - x) ** 2)))
           for cid in levels if cid != "cas_1"}
    assert_allclose(nb["distance"].to_numpy(), [exp[c] for c in nb["voisin"]], atol=1e-12)
    assert_allclose(np.sort(list(exp.values())), nb["distance"].to_numpy(), atol=1e-12)
    # Requiring more dimensions in common than exist leaves no comparable case.
    assert dimension_neighbours(res, "cas_1", n=3, min_common=len(res.matrix.dimension_ids) + 1).empty


def test_redundancy_on_normalised_values(lab_project):
    root, levels = lab_project
    project = load_project(root)
    values = normalised_values(project)
    for cid, lv in levels.items():
        for c, v in lv.items():
            assert values.loc[cid, c] == pytest.approx(v / 4)
    table = redundancy_table(project)
    rs = project.settings.redundancy
    names = {c.id: f"{c.code} {c.label_fr}" for c in project.catalogue.criteria}
    pair = {names[SAME_LEVELS[0]], names[SAME_LEVELS[1]]}
    row = table[[{a, b} == pair for a, b in zip(table["Critère A"], table["Critère B"], strict=True)]]
    assert len(row) == 1
    assert row["r"].iloc[0] == pytest.approx(1.0)
    assert bool(row["Redondant"].iloc[0])
    assert (table["Redondant"] == (table["r"].abs() > rs.threshold)).all()


def test_case_explorer_falls_back_without_typology(lab_project, monkeypatch):
    root, _ = lab_project
    ce = CaseExplorer(load_project(root))
    monkeypatch.setattr(ce, "_typology_result", lambda: None)
    sheet = ce.show("cas_6")
    assert sheet.neighbours_method.startswith("repli")
    assert "repli" in sheet.markdown
    assert sheet.neighbours["voisin"].iloc[0] == "cas_0"
    assert sheet.neighbours["distance"].iloc[0] == pytest.approx(0.0, abs=1e-12)
