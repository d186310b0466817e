"""The project's own definition and cases are valid and meet the counts the benchmark needs."""

from collections import Counter

import pytest

from benchmark_tools.project import validate_project
from projectkit import REPO


@pytest.fixture(scope="module")
def project():
    return validate_project(REPO)


def test_everything_validates(project):
    errors = [p.format() for p in project.problems if p.severity == "error"]
    assert errors == []


def test_case_counts(project):
    fam = Counter(c.family for c in project.cases)
    assert len(project.cases) >= 40
    assert fam["budget_participatif"] >= 16
    assert sum(1 for c in project.cases if c.family == "budget_participatif" and c.country != "FR") >= 4
    assert fam["appel_a_projets"] >= 10
    assert fam["fonds_de_concours"] >= 6


def test_rennes_baselines_present(project):
    baseline = {c.family for c in project.cases if c.baseline}
    assert {"budget_participatif", "fonds_de_concours", "appel_a_projets", "charte_participation"} <= baseline


def test_every_value_has_a_source(project):
    from benchmark_tools.vocabulary import DESIGN_FIELDS, OUTCOME_FIELDS

    for case in project.cases:
        paths = ["population", "first_year", "editions_count", "active"]
        paths += [f"design.{n}" for n in DESIGN_FIELDS] + [f"outcomes.{n}" for n in OUTCOME_FIELDS]
        facts = [case.fact(p) for p in paths] + list(case.scores.values())
        for f in facts:
            if f is not None and f.value is not None:
                assert f.source and f.year is not None and f.confidence, case.id
