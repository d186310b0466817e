"""Derived values equal their formula; criterion values come from scores or derivations."""

import numpy as np
from numpy.testing import assert_allclose

from benchmark_tools.cases import (
    case_sheet_markdown,
    criterion_values,
    derived_fact,
    derived_values,
    facts_table,
)
from benchmark_tools.project import load_catalogue, load_families
from benchmark_tools.schema import Case
from projectkit import REPO, valid_case


def _case(**changes):
    return Case.model_validate(valid_case(**changes))


def test_derived_values_equal_their_formula():
    d = derived_values(_case())
    # envelope 1 000 000 / 1 year / 100 000 inhabitants
    assert_allclose(d["per_inhabitant_per_year"].value, 1_000_000 / 1 / 100_000)
    assert_allclose(d["selection_rate_pct"].value, 100 * 30 / 200)
    assert_allclose(d["delivery_rate_pct"].value, 100 * 15 / 30)
    assert_allclose(d["turnout_derived_pct"].value, 100 * 5000 / 100_000)
    assert d["delivery_rate_pct"].confidence == "derived"
    assert "années différentes" in d["delivery_rate_pct"].note  # inputs from 2020 and 2022
    assert d["delivery_rate_pct"].year == 2022


def test_derivation_needs_every_input():
    data = valid_case()
    del data["design"]["envelope_period_years"]
    assert derived_fact(Case.model_validate(data), "per_inhabitant_per_year") is None


def test_documented_turnout_wins_over_derived():
    data = valid_case()
    data["outcomes"]["turnout_pct"] = {"value": 7.5, "year": 2020, "source": "https://example.org/x",
                                       "confidence": "documented"}
    assert derived_fact(Case.model_validate(data), "turnout_pct").value == 7.5


def test_criterion_values_from_scores_and_derivations():
    cat, fams = load_catalogue(REPO), load_families(REPO)
    vals = criterion_values(_case(), cat, fams)
    assert vals["decision_power"] == 3.0
    assert vals["feedback_loop"] is None
    for c in cat.criteria:
        if c.derived_from == "delivery_rate_pct":
            assert_allclose(vals[c.id], 50.0)


def test_case_sheet_escapes_html():
    case = _case(summary="<script>alert(1)</script> & <b>gras</b>")
    cat, fams = load_catalogue(REPO), load_families(REPO)
    md = case_sheet_markdown(case, cat, fams)
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_facts_table_lists_sources():
    t = facts_table(_case())
    assert (t["Source"].str.len() > 0).all()
    assert set(t["Confiance"]) <= {"documenté", "calculé", "codé"}
    assert np.isin(["design.envelope", "derived.per_inhabitant_per_year"], t["field"]).all()
