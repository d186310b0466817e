"""Tests of the criteria library (criteria.yml, sources.yml, profiles) and of benchmark_tools.criteria."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from benchmark_tools.criteria import TABLE_COLUMNS, criteria_markdown, criteria_table, redundancy
from benchmark_tools.modelio import load_model
from benchmark_tools.project import load_catalogue, load_families, load_sources
from benchmark_tools.schema import Profile

ROOT = Path(__file__).resolve().parents[1]

# Identifiers the case files are coded against: changing one breaks them.
DIMENSIONS = ["empowerment", "inclusion", "deliberation", "ecology", "accountability", "efficiency", "territory"]
CRITERIA = {
    "empowerment": ["decision_power", "agenda_setting", "citizen_oversight", "capacity_support"],
    "inclusion": ["eligible_proposers", "participation_rate", "representativeness_gap", "targeted_outreach",
                  "access_channels", "applicant_burden", "cofinancing_required"],
    "deliberation": ["information_quality", "deliberation_spaces", "selection_fairness"],
    "ecology": ["eco_favourable_share", "eco_unfavourable_share", "eco_conditionality", "plan_alignment",
                "impact_measurement", "citizen_transition_action"],
    "accountability": ["rules_publicity", "feedback_loop", "implementation_rate", "delivery_tracking",
                       "independent_evaluation", "institutionalisation"],
    "efficiency": ["admin_cost_ratio", "time_to_payment", "legal_robustness", "funding_predictability"],
    "territory": ["commune_coverage", "territorial_equity", "communal_cogovernance", "supra_communal_scope"],
}
DERIVED = {
    "per_inhabitant_per_year", "selection_rate_pct", "ballot_rate_pct", "delivery_rate_pct", "turnout_pct",
    "commune_coverage_pct", "admin_cost_pct", "own_contribution_min",
}
REQUIRED_DERIVATIONS = {
    "participation_rate": "turnout_pct",
    "implementation_rate": "delivery_rate_pct",
    "admin_cost_ratio": "admin_cost_pct",
    "commune_coverage": "commune_coverage_pct",
    "cofinancing_required": "own_contribution_min",
}
MIN_APPLICABLE = 25


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT)


@pytest.fixture(scope="module")
def families():
    return load_families(ROOT)


@pytest.fixture(scope="module")
def sources():
    return load_sources(ROOT)


@pytest.fixture(scope="module")
def profiles():
    out = {}
    for path in sorted((ROOT / "benchmark" / "profiles").glob("*.yml")):
        obj, _, problems = load_model(path, Profile, ROOT)
        assert obj is not None, [p.format() for p in problems]
        out[path.stem] = obj
    return out


# --------------------------------------------------------------------------- catalogue


def test_ids_are_the_agreed_ones(catalogue):
    assert catalogue.dimension_ids == DIMENSIONS
    for dim, expected in CRITERIA.items():
        assert [c.id for c in catalogue.criteria_of(dim)] == expected
    assert len(catalogue.criteria) == sum(len(v) for v in CRITERIA.values()) == 34
    assert len(set(catalogue.criterion_ids)) == 34
    assert len({c.code for c in catalogue.criteria}) == 34


def test_every_dimension_has_criteria(catalogue):
    for dim in catalogue.dimensions:
        assert catalogue.criteria_of(dim.id), dim.id
        # Codes carry the dimension code (EMP1, EMP2…).
        assert all(c.code.startswith(dim.code) for c in catalogue.criteria_of(dim.id))
    assert {c.dimension for c in catalogue.criteria} == set(catalogue.dimension_ids)


def test_every_family_has_enough_applicable_criteria(catalogue, families):
    for fam in families.ids:  # main families and cousins (which inherit)
        n = sum(c.status_for(fam, families) != "not_applicable" for c in catalogue.criteria)
        assert n >= MIN_APPLICABLE, (fam, n)
    for c in catalogue.criteria:
        assert set(c.applicability) == set(families.main), c.id


def test_adapted_and_not_applicable_have_a_note(catalogue):
    for c in catalogue.criteria:
        for fam, app in c.applicability.items():
            if app.status != "applies":
                assert app.note and app.note.strip(), (c.id, fam)


def test_ordinal_criteria_have_five_level_texts(catalogue):
    ordinals = [c for c in catalogue.criteria if c.type == "ordinal"]
    assert ordinals
    for c in ordinals:
        assert c.levels is not None and sorted(c.levels) == [0, 1, 2, 3, 4], c.id
        texts = [c.levels[k].strip() for k in range(5)]
        assert all(texts), c.id
        assert len(set(texts)) == 5, c.id
        assert c.goalposts is None and c.direction == "higher", c.id


def test_numeric_criteria_have_goalposts_and_direction(catalogue, families):
    numerics = [c for c in catalogue.criteria if c.type == "numeric"]
    assert len(numerics) == 11
    for c in numerics:
        assert c.levels is None, c.id
        assert c.unit, c.id
        assert c.direction in ("higher", "lower"), c.id
        assert c.goalposts is not None, c.id
        low, high = c.goalposts
        assert np.isfinite([low, high]).all() and low < high, c.id
        for fam in families.ids:
            if c.status_for(fam, families) != "not_applicable":
                lo, hi = c.goalposts_for(fam, families)
                assert lo < hi, (c.id, fam)
    # Lower-is-better criteria are those where less is better by construction.
    lower = {c.id for c in numerics if c.direction == "lower"}
    assert lower == {"representativeness_gap", "applicant_burden", "cofinancing_required",
                     "eco_unfavourable_share", "admin_cost_ratio", "time_to_payment"}


def test_derivations(catalogue):
    for c in catalogue.criteria:
        if c.derived_from is not None:
            assert c.type == "numeric" and c.derived_from in DERIVED, c.id
    for cid, name in REQUIRED_DERIVATIONS.items():
        assert catalogue.criterion(cid).derived_from == name


def test_adapted_unit_blocks_derivation_for_other_families(catalogue):
    # cases.criterion_fact derives a value only when the family keeps the criterion's own unit.
    pr = catalogue.criterion("participation_rate")
    assert pr.unit_for("budget_participatif") == pr.unit
    assert pr.unit_for("appel_a_projets") != pr.unit
    assert pr.unit_for("fonds_de_concours") != pr.unit


def test_every_criterion_cites_existing_sources(catalogue, sources):
    keys = [s.key for s in sources.sources]
    assert len(keys) == len(set(keys))
    for c in catalogue.criteria:
        assert len(c.sources) >= 1, c.id
        for k in c.sources:
            assert sources.get(k) is not None, (c.id, k)
    for s in sources.sources:
        assert s.citation.strip() and s.note and s.note.strip(), s.key


def test_texts_are_filled(catalogue):
    for c in catalogue.criteria:
        for text in (c.label_fr, c.label_en, c.description, c.evidence):
            assert text and text.strip(), c.id
    for d in catalogue.dimensions:
        assert d.description and d.description.strip()


# --------------------------------------------------------------------------- profiles


def test_required_profiles_exist(profiles):
    for pid in ("equilibre", "pouvoir_agir", "transition_ecologique", "gestion", "communes"):
        assert pid in profiles
    for stem, pr in profiles.items():
        assert pr.id == stem


def test_profile_weights_are_valid(profiles, catalogue):
    dims = catalogue.dimension_ids
    for pid, pr in profiles.items():
        assert set(pr.dimension_weights) == set(dims), pid
        w = np.array([pr.dimension_weights[d] for d in dims], dtype=float)
        assert (w >= 0).all() and w.sum() > 0, pid
        nw = pr.normalised_dimension_weights(dims)
        assert_allclose(nw.sum(), 1.0)
        assert_allclose(nw, w / w.sum())
        for cid, cw in pr.criterion_weights.items():
            assert cid in catalogue.criterion_ids, (pid, cid)
            assert cw >= 0, (pid, cid)
        assert pr.viewpoint.strip() and pr.rationale.strip()


def test_profiles_of_section_8(profiles, catalogue):
    dims = catalogue.dimension_ids
    # Proposed in §8 of the research notes, in %.
    expected = {
        "equilibre": [100 / 7] * 7,
        "pouvoir_agir": [25, 20, 10, 15, 10, 10, 10],
        "transition_ecologique": [15, 15, 10, 30, 10, 10, 10],
    }
    for pid, pct in expected.items():
        assert_allclose(profiles[pid].normalised_dimension_weights(dims), np.array(pct) / 100)


# --------------------------------------------------------------------------- views


def test_criteria_table(catalogue, families):
    t = criteria_table(catalogue)
    assert list(t.columns) == TABLE_COLUMNS
    assert len(t) == 34 and list(t["Code"]) == [c.code for c in catalogue.criteria]
    row = t.set_index("Code").loc["INC7"]
    assert "BP : non applicable" in row["Applicabilité"]
    assert row["Niveaux/Bornes"].startswith("0–80 %")
    # A cousin family inherits from its reference family (FPH -> appel à projets).
    t2 = criteria_table(catalogue, family="fonds_participation_habitants", families=families).set_index("Code")
    assert t2.loc["INC2", "Niveaux/Bornes"].startswith("0–10 candidatures")
    assert t2.loc["INC2", "Applicabilité"].startswith("adapté")
    t3 = criteria_table(catalogue, family="fonds_de_concours", families=families).set_index("Code")
    assert t3.loc["INC1", "Applicabilité"].startswith("non applicable")


def test_criteria_table_accepts_plain_yaml():
    import yaml

    raw = yaml.safe_load((ROOT / "benchmark" / "criteria.yml").read_text(encoding="utf-8"))
    assert len(criteria_table(raw)) == 34


def test_criteria_markdown(catalogue, families, sources):
    md = criteria_markdown(catalogue, families=families, sources=sources)
    for c in catalogue.criteria:
        assert f"{c.code} — {c.label_fr}" in md
    for d in catalogue.dimensions:
        assert f"### {d.label_fr} ({d.code})" in md
    assert "### Sources citées" in md and "[ARN]" in md
    assert "- **4** — " in md
    fdc = criteria_markdown(catalogue, family="fonds_de_concours", families=families)
    assert "#### INC1" not in fdc and "INC1 Ouverture" in fdc  # listed apart, with its reason
    assert "Sources citées" not in fdc


# --------------------------------------------------------------------------- redundancy


def test_redundancy_by_hand():
    # x = (1, 2, 3), y = (1, 3, 2) over the common cases: deviations (-1, 0, 1) and (-1, 1, 0),
    # r = 1 / sqrt(2 * 2) = 0.5. The fourth case has no x and must be ignored for (x, y).
    values = pd.DataFrame(
        {
            "x": [1.0, 2.0, 3.0, np.nan],
            "y": [1.0, 3.0, 2.0, 10.0],
            "double": [2.0, 4.0, 6.0, np.nan],
            "oppose": [-1.0, -2.0, -3.0, np.nan],
        }
    )
    out = redundancy(values, threshold=0.9, min_pairs=3)
    assert list(out.columns) == ["Critère A", "Critère B", "r", "Paires", "Redondant"]
    assert len(out) == 6
    pairs = {(a, b): (r, n, f) for a, b, r, n, f in out.itertuples(index=False)}
    r, n, flag = pairs[("x", "y")]
    assert_allclose(r, 0.5)
    assert n == 3 and not flag
    r, n, flag = pairs[("x", "double")]
    assert_allclose(r, 1.0) and flag
    r, n, flag = pairs[("x", "oppose")]
    assert_allclose(r, -1.0) and flag
    # Sorted by decreasing |r|.
    assert np.all(np.diff(out["r"].abs().to_numpy()) <= 1e-12)


def test_redundancy_min_pairs_and_constant_columns():
    values = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 4.0, 6.0, np.nan], "c": [5.0] * 4})
    out = redundancy(values, threshold=0.5, min_pairs=4)
    ab = out[(out["Critère A"] == "a") & (out["Critère B"] == "b")].iloc[0]
    assert ab["Paires"] == 3 and np.isnan(ab["r"]) and not ab["Redondant"]
    ac = out[(out["Critère A"] == "a") & (out["Critère B"] == "c")].iloc[0]
    assert np.isnan(ac["r"]) and not ac["Redondant"]  # constant column: no correlation
    with pytest.raises(ValueError):
        redundancy(values, threshold=0.0)
    with pytest.raises(ValueError):
        redundancy(values, threshold=0.9, min_pairs=2)
