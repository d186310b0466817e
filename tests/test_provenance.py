"""Source grades (benchmark/sources_policy.yml) and their checks in ``validate``."""

from __future__ import annotations

import math

import pydantic
import pytest
import yaml

from benchmark_tools.project import validate_project
from benchmark_tools.provenance import classify, grade, host_of, primary_share
from benchmark_tools.schema import Case, SourcePolicy
from projectkit import make_project, valid_case, write_case

POLICY = SourcePolicy.model_validate({
    "unlisted": "secondaire",
    "suffixes": {"primaire": ["gouv.fr", "gov"]},
    "domains": {
        "primaire": ["rennes.fr", "example.org"],
        "presse": ["ouest-france.fr", "blog.rennes.fr"],
        "secondaire": ["wikipedia.org", "x.gouv.fr"],
        "refuse": ["staging.example.org", "proxy.test"],
    },
})


@pytest.mark.parametrize("url, expected", [
    ("https://metropole.rennes.fr/budget", "primaire"),        # subdomain of a primaire parent
    ("https://WWW.Rennes.FR./page", "primaire"),                # case, www. and trailing dot ignored
    ("https://blog.rennes.fr/billet", "presse"),                 # longest entry wins over rennes.fr
    ("https://a.blog.rennes.fr/billet", "presse"),
    ("https://mgp-test.staging.example.org/x", "refuse"),       # longest entry wins over example.org
    ("https://example.org/x", "primaire"),
    ("https://www.interieur.gouv.fr/a", "primaire"),            # suffix
    ("https://x.gouv.fr/a", "secondaire"),                       # a listed domain before the suffixes
    ("https://notrennes.fr/a", "secondaire"),                    # not a subdomain: unlisted
    ("https://fr.wikipedia.org/wiki/Rennes", "secondaire"),
    ("Délibération du conseil métropolitain n° C 24.123 du 12 décembre 2024", "citation"),
])
def test_grade(url, expected):
    assert grade(url, POLICY) == expected


def test_unlisted_is_flagged_and_takes_the_unlisted_grade():
    g = classify("https://inconnu.example.net:8443/p", POLICY)
    assert (g.grade, g.host, g.entry, g.listed) == ("secondaire", "inconnu.example.net", None, False)
    assert host_of("ftp://rennes.fr/") is None


def test_unknown_policy_key_fails():
    with pytest.raises(pydantic.ValidationError):
        SourcePolicy.model_validate({"unlisted": "secondaire", "domains": {"primary": ["a.fr"]}})


def test_primary_share_counts_records():
    src = {"year": 2020, "confidence": "documented"}
    case = Case.model_validate(valid_case(
        population={"value": 10, "source": "https://insee.gouv.fr/x", **src},
        design={"envelope": {"value": 5, "source": "https://ouest-france.fr/x", **src},
                "min_age_vote": {"value": 16, "source": "https://rennes.fr/x", **src}},
        outcomes={}, scores={}))
    assert primary_share(case, POLICY) == 2 / 3
    empty = Case.model_validate(valid_case(population=None, design={}, outcomes={}, scores={}))
    assert math.isnan(primary_share(empty, POLICY))


def _policy_file(root, **grades):
    path = root / "benchmark" / "sources_policy.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for g, hosts in grades.items():
        data["domains"][g] = list(data["domains"][g] or []) + hosts
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_validate_fails_on_refused_source_with_file_case_and_field(tmp_path):
    root = make_project(tmp_path)
    _policy_file(root, primaire=["example.org"], refuse=["spam-host.test"])
    case = valid_case()
    case["design"]["envelope"]["source"] = "https://cdn.spam-host.test/page"
    case["scores"]["decision_power"]["source"] = "https://spam-host.test/x"
    write_case(root, case)
    proj = validate_project(root)
    errors = [p for p in proj.problems if p.severity == "error"]
    assert [(p.file, p.case_id, p.field) for p in errors] == [
        ("data/cases/budget_participatif/ville_test_bp.yml", "ville_test_bp", "design.envelope.source"),
        ("data/cases/budget_participatif/ville_test_bp.yml", "ville_test_bp", "scores.decision_power.source"),
    ]
    assert "spam-host.test" in errors[0].message


def test_validate_warns_on_secondary_without_note_and_unlisted_domain(tmp_path):
    root = make_project(tmp_path)
    _policy_file(root, primaire=["example.org"], secondaire=["wiki.test"])
    case = valid_case()
    case["population"]["source"] = "https://fr.wiki.test/Ville"
    case["design"]["envelope"]["source"] = "https://inconnu.test/p"
    case["design"]["min_age_vote"]["source"] = "https://fr.wiki.test/Ville"
    case["design"]["min_age_vote"]["note"] = "aucune page de la ville ne donne l'âge"
    write_case(root, case)
    proj = validate_project(root)
    assert not [p for p in proj.problems if p.severity == "error"]
    warns = [p for p in proj.problems if p.severity == "warning" and "couverture" not in p.message]
    assert [(p.field, p.found) for p in warns] == [
        ("population.note", '"https://fr.wiki.test/Ville"'),   # the annotated min_age_vote is not flagged
        ("design.envelope.source", "inconnu.test"),
    ]
    assert "non classé" in warns[1].message and "inconnu.test" in warns[1].message


def test_real_policy_grades_known_hosts():
    # The project's own policy file loads, and a few grades the issue names hold.
    from benchmark_tools.project import project_policy
    from projectkit import REPO

    pol = project_policy(REPO)
    assert grade("https://metropole.rennes.fr/x", pol) == "primaire"
    assert grade("https://manifold.markets/x", pol) == "refuse"
    assert grade("https://knowledge4policy.ec.europa.eu/x", pol) == "secondaire"   # over the europa.eu suffix
    assert grade("https://ec.europa.eu/x", pol) == "primaire"


# --------------------------------------------------------------------------- one edition per derived value


def _bp(env_year, period_year, pop_year):
    src = {"source": "https://example.org/p", "confidence": "documented"}
    return Case.model_validate(valid_case(
        population={"value": 100000, "year": pop_year, **src},
        design={"envelope": {"value": 1000000, "year": env_year, **src},
                "envelope_period_years": {"value": 2, "year": period_year, **src}},
        outcomes={}, scores={}))


def test_derived_value_within_tolerance_is_computed():
    from benchmark_tools.cases import derivation_refusal, derived_fact

    case = _bp(2020, "2020-2021", 2018)   # 2018 → 2020: gap of 2 years
    f = derived_fact(case, "per_inhabitant_per_year", tolerance=2)
    assert f is not None and f.value == 5.0   # 1,000,000 / 2 / 100,000
    assert derivation_refusal(case, "per_inhabitant_per_year", tolerance=2) is None


def test_derived_value_mixing_editions_is_not_computed_and_says_why():
    from benchmark_tools.cases import (
        derivation_refusal,
        derivation_refusals,
        derived_fact,
        edition_gap,
    )

    case = _bp(2021, "2015-2016", 2016)   # the montreuil_bp pattern: 2021 envelope, 2015-16 period
    assert edition_gap([case.design.envelope, case.design.envelope_period_years, case.population]) == 5
    assert derived_fact(case, "per_inhabitant_per_year", tolerance=2) is None
    reason = derivation_refusal(case, "per_inhabitant_per_year", tolerance=2)
    assert "écart de 5 ans" in reason and "2015-2016" in reason and "tolérance 2" in reason
    assert list(derivation_refusals(case, tolerance=2)) == ["per_inhabitant_per_year"]
    # A tolerance of 5 accepts it; 0 demands one year (a period overlapping it counts).
    assert derived_fact(case, "per_inhabitant_per_year", tolerance=5).value == 5.0
    assert derived_fact(_bp(2016, "2015-2016", 2016), "per_inhabitant_per_year", tolerance=0).value == 5.0


def test_settings_tolerance_applies_after_loading_a_project(tmp_path):
    from benchmark_tools.cases import criterion_values, derivation_refusal, set_edition_tolerance

    root = make_project(tmp_path)
    path = root / "benchmark" / "settings.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("edition_tolerance_years: 3",
                                                             "edition_tolerance_years: 1"), encoding="utf-8")
    try:
        proj = validate_project(root)
        case = _bp(2021, 2021, 2018)
        assert "tolérance 1 an)" in derivation_refusal(case, "per_inhabitant_per_year")
        # 15 delivered (2022) of 30 retained (2020): a rate of 50 % only within the tolerance.
        full = Case.model_validate(valid_case())
        assert criterion_values(full, proj.catalogue, proj.families)["implementation_rate"] is None
        set_edition_tolerance(2)
        assert criterion_values(full, proj.catalogue, proj.families)["implementation_rate"] == 50.0
    finally:
        set_edition_tolerance(None)


# --------------------------------------------------------------------------- case sheet, show --todo, coverage warning


def _loaded(tmp_path, case):
    root = make_project(tmp_path)
    _policy_file(root, primaire=["example.org"], presse=["journal.test"])
    write_case(root, case)
    return validate_project(root)


def test_case_sheet_shows_grades_and_primary_share(tmp_path):
    from benchmark_tools.cases import case_sheet_markdown, case_sheet_text

    case = valid_case()
    case["design"]["envelope"]["source"] = "https://journal.test/article"
    proj = _loaded(tmp_path, case)
    c = proj.case("ville_test_bp")
    text = case_sheet_text(c, proj.catalogue, proj.families, proj.source_policy)
    assert "source : https://journal.test/article [presse]" in text
    # 10 records (population, 4 design facts, 4 outcomes, 1 score); one is press.
    assert "Sources primaires : 90 % des valeurs sourcées" in text
    md = case_sheet_markdown(c, proj.catalogue, proj.families, proj.source_policy)
    assert "| Fait | Valeur | Année | Confiance | Source | Qualité |" in md
    assert "**Sources primaires** : 90 %" in md


def test_low_coverage_warns_with_count_and_empty_criteria(tmp_path):
    from benchmark_tools.cases import case_sheet_text, coverage_status, todo_text

    proj = _loaded(tmp_path, valid_case())
    c = proj.case("ville_test_bp")
    n_val, n_app, empty = coverage_status(c, proj.catalogue, proj.families)
    assert n_val < n_app * 0.25   # decision_power, participation_rate, implementation_rate…
    warns = [p for p in proj.problems if "couverture sous le seuil" in p.message]
    assert len(warns) == 1 and warns[0].severity == "warning" and warns[0].case_id == "ville_test_bp"
    assert f"({n_val}/{n_app} = {int(100 * n_val / n_app)} % < 25 %)" in warns[0].message
    assert "agenda_setting" in warns[0].message and "decision_power" not in warns[0].message
    sheet = case_sheet_text(c, proj.catalogue, proj.families, threshold=0.25)
    assert "Avertissement : couverture sous le seuil" in sheet
    todo = todo_text(c, proj.catalogue, proj.families)
    assert "(clé YAML : scores.agenda_setting)" in todo and "scores.decision_power" not in todo
    assert todo.count("(clé YAML : ") == len(empty)


def test_coverage_words():
    from benchmark_tools.cases import coverage_words

    assert coverage_words(7, 32, 0.25) == "7/32 = 21 % < 25 %"
    assert coverage_words(8, 32, 0.25) == "8/32 = 25 % ≥ 25 %"


def test_coverage_table_has_the_primary_share(tmp_path):
    from benchmark_tools.cases import coverage_table

    case = valid_case()
    case["design"]["envelope"]["source"] = "https://journal.test/article"
    proj = _loaded(tmp_path, case)
    t = coverage_table(proj.cases, proj.catalogue, proj.families, proj.source_policy)
    assert t.loc[0, "Sources primaires"] == 9 / 10
    assert "Sources primaires" not in coverage_table(proj.cases, proj.catalogue, proj.families).columns


def test_case_sheet_says_why_a_value_is_not_derived():
    from benchmark_tools.cases import case_sheet_markdown, case_sheet_text, set_edition_tolerance
    from benchmark_tools.project import load_catalogue, load_families
    from projectkit import REPO

    cat, fams = load_catalogue(REPO), load_families(REPO)
    case = _bp(2021, "2015-2016", 2016)
    set_edition_tolerance(2)
    try:
        text = case_sheet_text(case, cat, fams)
        md = case_sheet_markdown(case, cat, fams)
    finally:
        set_edition_tolerance(None)
    assert "- Enveloppe par habitant et par an : non calculé : données de millésimes trop éloignés" in text
    assert "*Valeurs non calculées* — Enveloppe par habitant et par an : non calculé" in md
