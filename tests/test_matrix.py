"""Tests of the decision matrix (benchmark_tools.matrix)."""

from __future__ import annotations

import dataclasses
import types as pytypes

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from benchmark_tools.errors import InputError
from benchmark_tools.matrix import MISSING, NOT_APPLICABLE, VALUE, DecisionMatrix, Status
from benchmark_tools.schema import Applicability, Catalogue, Criterion, Dimension, Families, Family


def test_from_arrays_defaults():
    m = DecisionMatrix.from_arrays([[0.1, np.nan], [0.5, 0.7]])
    assert m.case_ids == ("c0", "c1")
    assert m.criterion_ids == ("k0", "k1")
    assert m.dimension_ids == ("d_k0", "d_k1")
    assert_array_equal(m.status, [[VALUE, MISSING], [VALUE, VALUE]])
    assert_allclose(m.goalposts, [[0, 1], [0, 1]])
    assert m.shape == (2, 2)


def test_immutable(engine_matrix):
    with pytest.raises(dataclasses.FrozenInstanceError):
        engine_matrix.family = "autre"
    with pytest.raises(ValueError):
        engine_matrix.values[0, 0] = 1.0
    with pytest.raises(ValueError):
        engine_matrix.status[0, 0] = MISSING
    with pytest.raises(TypeError):
        engine_matrix.dimension_of["e1"] = "inc"


def test_input_arrays_are_copied():
    v = np.array([[1.0, 2.0]])
    m = DecisionMatrix.from_arrays(v, goalposts=[[0, 4], [0, 4]])
    v[0, 0] = 99.0
    assert m.values[0, 0] == 1.0


def test_non_values_are_nan(engine_matrix):
    # A number passed in a cell marked not applicable must not survive.
    v = np.array(engine_matrix.values)
    v[:, 5] = 50.0
    m = engine_matrix.replace(values=v)
    assert np.isnan(m.values[:, 5]).all()
    assert (m.status[:, 5] == NOT_APPLICABLE).all()


def test_value_status_needs_a_value(engine_matrix):
    status = np.array(engine_matrix.status)
    status[1, 1] = VALUE  # b has no value for e2
    with pytest.raises(InputError, match="valeur"):
        engine_matrix.replace(status=status)


@pytest.mark.parametrize("change, pattern", [
    ({"types": ("ordinal",) * 5}, "types"),
    ({"directions": ("up",) * 6}, "sens"),
    ({"goalposts": np.zeros((6, 2))}, "bornes"),
    ({"dimension_ids": ("emp", "inc")}, "dimensions"),
    ({"case_names": ("x",)}, "noms"),
])
def test_bad_structure(engine_matrix, change, pattern):
    with pytest.raises(InputError, match=pattern):
        engine_matrix.replace(**change)


def test_replace_makes_a_checked_copy(engine_matrix):
    m2 = engine_matrix.replace(family="appel_a_projets")
    assert m2.family == "appel_a_projets" and engine_matrix.family == "budget_participatif"
    assert m2 is not engine_matrix
    assert_array_equal(m2.dimension_index, engine_matrix.dimension_index)
    with pytest.raises(InputError, match="inconnus"):
        engine_matrix.replace(colour="red")


def test_dimension_index_and_membership(engine_matrix):
    assert_array_equal(engine_matrix.dimension_index, [0, 0, 1, 1, 2, 2])
    g = engine_matrix.membership
    assert g.shape == (6, 3)
    assert_array_equal(g.sum(axis=1), np.ones(6))
    assert_array_equal(g.sum(axis=0), [2, 2, 2])


def test_coverage(engine_matrix):
    # 5 applicable criteria (x2 is not applicable): values counted by hand in conftest.
    by_case = engine_matrix.coverage()
    assert list(by_case.index) == ["a", "b", "c", "d", "e", "f"]
    assert_allclose(by_case.to_numpy(), [5 / 5, 4 / 5, 3 / 5, 5 / 5, 5 / 5, 1 / 5])
    by_crit = engine_matrix.coverage(by="criterion")
    assert_allclose(by_crit.to_numpy()[:5], [6 / 6, 4 / 6, 4 / 6, 4 / 6, 5 / 6])
    assert np.isnan(by_crit["x2"])
    with pytest.raises(InputError):
        engine_matrix.coverage(by="dimension")


def test_not_applicable_is_not_missing_for_coverage(engine_matrix):
    status = np.array(engine_matrix.status)
    status[:, 5] = MISSING
    m = engine_matrix.replace(status=status)
    assert_allclose(m.coverage_array()[0], 5 / 6)


def test_to_dataframe(engine_matrix):
    df = engine_matrix.to_dataframe()
    assert df.shape == (6, 6)
    assert df.loc["a", "i1"] == 12.0
    assert np.isnan(df.loc["b", "e2"])
    st = engine_matrix.to_dataframe("status")
    assert st.loc["b", "e2"] == "missing"
    assert st.loc["b", "x2"] == "not_applicable"
    assert st.loc["a", "e1"] == "value"
    assert (df.index.name, df.columns.name) == ("case", "criterion")


def test_repr_html_shows_missing_and_not_applicable_differently(engine_matrix):
    html = engine_matrix._repr_html_()
    assert "Bêta" in html and "Pouvoir d&#x27;agir" in html
    assert html.count("bt-missing\"") == int((engine_matrix.status == MISSING).sum())
    assert html.count("bt-na\"") == int((engine_matrix.status == NOT_APPLICABLE).sum())
    assert "s.o." in html and "—" in html
    assert "12" in html
    assert "6 cas × 6 critères" in html


def test_status_codes_are_distinct():
    assert len({int(s) for s in Status}) == 3


# ----------------------------------------------------------------------------- from_cases


def _criterion(cid, dim, ctype="ordinal", applicability=None, goalposts=None, direction="higher"):
    return Criterion(
        id=cid, code=cid.upper(), dimension=dim, label_fr=f"Libellé {cid}", label_en=cid,
        description="d", type=ctype, evidence="e", sources=["X"], goalposts=goalposts,
        direction=direction, applicability=applicability or {})


def test_from_cases_with_stand_in_cases(monkeypatch):
    """from_cases with real catalogue/families models and stand-in cases.

    ``benchmark_tools.cases.criterion_values`` is replaced by a stand-in that reads a dict on
    the case, so the test checks the assembly (statuses, goalposts per family, cousins).
    """
    catalogue = Catalogue(
        dimensions=[Dimension(id="emp", code="EMP", label_fr="Pouvoir d'agir", label_en="Empowerment"),
                    Dimension(id="inc", code="INC", label_fr="Inclusion", label_en="Inclusion")],
        criteria=[
            _criterion("power", "emp"),
            _criterion("turnout", "inc", "numeric", goalposts=(0.0, 15.0), applicability={
                "appel_a_projets": Applicability(status="adapted", goalposts=(0.0, 10.0)),
                "fonds_de_concours": Applicability(status="not_applicable")}),
            _criterion("cost", "inc", "numeric", goalposts=(0.0, 50.0), direction="lower"),
        ])
    families = Families(families=[
        Family(id="budget_participatif", label_fr="BP", label_plural_fr="BP", label_en="PB"),
        Family(id="appel_a_projets", label_fr="AAP", label_plural_fr="AAP", label_en="CfP"),
        Family(id="fonds_de_concours", label_fr="FdC", label_plural_fr="FdC", label_en="Fund"),
        Family(id="aap_jeunes", label_fr="AAP jeunes", label_plural_fr="AAP jeunes", label_en="Youth",
               reference="appel_a_projets"),
    ])

    def case(cid, family, vals):
        return pytypes.SimpleNamespace(id=cid, name=f"Cas {cid}", family=family, vals=vals)

    cases = [
        case("p1", "budget_participatif", {"power": 3, "turnout": 5.0, "cost": None}),
        case("a1", "appel_a_projets", {"power": 2, "turnout": 4.0, "cost": 10.0}),
        case("a2", "aap_jeunes", {"power": None, "turnout": None, "cost": 20.0}),
        case("f1", "fonds_de_concours", {"power": 1, "turnout": 3.0, "cost": 5.0}),
    ]
    monkeypatch.setattr("benchmark_tools.matrix.criterion_values",
                        lambda c, cat, fams=None: {k: c.vals.get(k) for k in cat.criterion_ids})

    m = DecisionMatrix.from_cases(cases, catalogue, "appel_a_projets", families)
    assert m.case_ids == ("a1",)  # other families, cousins included, are left out
    assert m.family == "appel_a_projets"
    assert_allclose(m.goalposts, [[0, 4], [0, 10], [0, 50]])  # adapted goalposts for AAP
    assert_array_equal(m.status, [[VALUE, VALUE, VALUE]])

    cousin = DecisionMatrix.from_cases(cases, catalogue, "aap_jeunes", families)
    assert cousin.case_ids == ("a2",)
    assert_allclose(cousin.goalposts, [[0, 4], [0, 10], [0, 50]])  # inherited from AAP
    assert_array_equal(cousin.status, [[MISSING, MISSING, VALUE]])
    assert m.directions == ("higher", "higher", "lower")
    assert m.criterion_labels[0] == "Libellé power"
    assert m.dimension_labels == ("Pouvoir d'agir", "Inclusion")

    f = DecisionMatrix.from_cases(cases, catalogue, "fonds_de_concours", families)
    assert_array_equal(f.status, [[VALUE, NOT_APPLICABLE, VALUE]])
    assert np.isnan(f.values[0, 1])  # a recorded value of a not-applicable criterion is dropped

    p = DecisionMatrix.from_cases(cases, catalogue, "budget_participatif", families)
    assert_allclose(p.goalposts[1], [0, 15])
    assert_array_equal(p.status, [[VALUE, VALUE, MISSING]])

    with pytest.raises(InputError, match="Aucun cas"):
        DecisionMatrix.from_cases(cases, catalogue, "autre_famille", families)


def test_from_cases_on_the_project_data():
    """Smoke test on the real case files: statuses follow the catalogue's applicability."""
    from benchmark_tools.project import load_project

    project = load_project()  # the committed data must load: a failure here, never a skip
    for family in project.families.main:
        cases = project.cases_of(family)
        if not cases:
            continue
        m = DecisionMatrix.from_cases(cases, project.catalogue, family, project.families)
        assert m.case_ids == tuple(c.id for c in cases)
        for j, crit in enumerate(project.catalogue.criteria):
            na = crit.status_for(family, project.families) == "not_applicable"
            assert (m.status[:, j] == NOT_APPLICABLE).all() == na
            if crit.type == "ordinal":
                vals = m.values[m.available[:, j], j]
                assert ((vals >= 0) & (vals <= 4)).all()
