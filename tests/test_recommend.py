"""Tests of the recommendation engine (benchmark_tools.recommend).

Synthetic case sets are written into a throw-away copy of the project definition: one set is
built to meet each rule type's condition, one to miss it. Expected numbers are computed here
from the synthetic inputs with numpy, never taken from the code under test.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

from benchmark_tools import recommend as R
from benchmark_tools.errors import ValidationFailed
from benchmark_tools.formats import parse_french_number
from benchmark_tools.project import load_recommendation_config, load_territory, validate_project
from benchmark_tools.recommend_rules import RULES
from benchmark_tools.vocabulary import RULE_TYPES, OutcomeStatus
from projectkit import REPO, make_project

URL = "https://example.org/page-publique-du-dispositif"

# --------------------------------------------------------------------------- synthetic project

LEADER_ENVELOPES = [(1_000_000, 100_000), (3_000_000, 150_000), (2_000_000, 400_000)]  # (envelope, population)
CRITERIA = ["decision_power", "citizen_oversight", "targeted_outreach", "deliberation_spaces",
            "eco_conditionality", "rules_publicity", "funding_predictability", "communal_cogovernance"]

TEST_RULES = {
    "leaders": {"p_top_k_min": 0.5, "coverage_threshold": 0.1, "min_leaders": 2},
    "agreement": {"max_iqr": 0.25, "min_share": 0.75, "min_n": 2},
    "limits": {"min_per_family": 5, "max_per_family": 10},
    "tradeoffs": {"delegation_vs_legal_control": "Déléguer demande plus de contrôle juridique.",
                  "climate_grid_vs_burden": "Une grille climat alourdit les dossiers.",
                  "own_contribution_vs_reach": "L'apport propre écarte les moins dotés."},
    "ranges": {"budget_participatif": ["per_inhabitant_per_year", "voting_channels", "climate_focus"]},
    "rules": [
        {"id": "r_below", "family": "budget_participatif", "type": "baseline_below_leaders",
         "criterion": "citizen_oversight", "title": "Suivi citoyen",
         "text": "Médiane des {n} meneurs {leaders_median} (quartiles {leaders_q1} – {leaders_q3}) contre "
                 "{baseline} pour Rennes ({baseline_raw}), comme {cases}.",
         "priority": 1, "effort": "moyen", "horizon": "court", "tradeoffs": ["delegation_vs_legal_control"],
         "criteria": ["delivery_tracking"]},
        {"id": "r_above", "family": "budget_participatif", "type": "leaders_above_rest",
         "criterion": "deliberation_spaces", "min_gap": 0.5, "title": "Délibération",
         "text": "Meneurs {leaders_median} ({n}) contre {rest_median} ({n_rest} autres), écart {gap}.",
         "priority": 2, "effort": "faible", "horizon": "moyen"},
        {"id": "r_missing", "family": "budget_participatif", "type": "baseline_missing_practice",
         "parameter": "climate_focus", "practice": {"equals": True}, "min_share": 0.75,
         "title": "Climat", "text": "{share} {population} ({k} sur {n}) ; Rennes : {baseline_value}.",
         "priority": 1, "effort": "moyen", "horizon": "moyen", "tradeoffs": ["climate_grid_vs_burden"]},
        {"id": "r_share", "family": "budget_participatif", "type": "leaders_share_at_least",
         "parameter": "voting_channels", "practice": {"contains": "urne"}, "min_share": 0.75,
         "title": "Urne", "text": "{share} {population} ({k} sur {n}) votent à l'urne.",
         "priority": 3, "effort": "faible", "horizon": "court"},
        {"id": "r_range", "family": "budget_participatif", "type": "parameter_range",
         "parameter": "per_inhabitant_per_year", "min_n": 3, "title": "Enveloppe",
         "text": "Enveloppe par habitant : médiane {median}, quartiles {q1} – {q3} ({n} meneurs) ; "
                 "Rennes : {baseline_value}.",
         "priority": 2, "effort": "fort", "horizon": "long"},
    ],
}

MIN_TERRITORY = {
    "id": "rennes_metropole", "name": "Territoire de test", "level": "epci", "summary": "Test.",
    "facts": {"communes": {"value": 43, "year": 2024, "source": URL, "confidence": "documented"}},
    "instruments": [{"id": "bp", "name": "BP de test", "family": "budget_participatif", "case_id": "base_bp",
                     "owner": "Ville-Test", "facts": {"envelope": {"value": 1000, "year": 2024, "source": URL,
                                                                     "confidence": "documented"}}}],
    "constraints": [],
}


def _fact(value, year=2022):
    return {"value": value, "year": year, "source": URL, "confidence": "documented"}


def _score(level):
    return {"value": level, "year": 2022, "source": URL, "confidence": "coded", "note": f"« preuve » → niveau {level}"}


def _case(cid, levels: dict, design: dict, baseline=False, population=None):
    d = {"id": cid, "name": f"Cas {cid}", "family": "budget_participatif", "territory": f"Ville {cid}",
         "country": "FR", "level": "commune", "baseline": baseline, "summary": "Cas synthétique.",
         "design": {k: _fact(v) for k, v in design.items()},
         "scores": {c: _score(v) for c, v in levels.items()}}
    if population is not None:
        d["population"] = _fact(population)
    return d


def synthetic_cases(meet: bool) -> list[dict]:
    """Three leaders (4 everywhere), four weak cases and a Rennes baseline in between.

    ``meet=True``: every test rule's condition holds. ``meet=False``: each one fails — Rennes
    already has the oversight level and the climate focus, the weak cases match the leaders on
    deliberation, leaders do not vote by ballot box and have no documented envelope.
    """
    cases = []
    for i, (env, pop) in enumerate(LEADER_ENVELOPES):
        levels = {c: 4 for c in CRITERIA}
        design = {"climate_focus": True,
                  "voting_channels": ["en_ligne", "urne"] if meet else ["en_ligne"]}
        if meet:
            design.update({"envelope": env, "envelope_period_years": 1})
        cases.append(_case(f"lead_{i}", levels, design, population=pop))
    for i in range(4):
        levels = {c: (1 if i % 2 else 0) for c in CRITERIA}
        levels["deliberation_spaces"] = 0 if meet else 4
        cases.append(_case(f"weak_{i}", levels, {"climate_focus": False, "voting_channels": ["en_ligne"]}))
    base_levels = {c: 2 for c in CRITERIA}
    base_levels["citizen_oversight"] = 1 if meet else 4
    cases.append(_case("base_bp", base_levels,
                       {"climate_focus": not meet, "voting_channels": ["en_ligne"],
                        "envelope": 500_000, "envelope_period_years": 1},
                       baseline=True, population=100_000))
    return cases


def build_project(tmp_path, meet: bool, rules: dict | None = None):
    root = make_project(tmp_path)
    # Candidate designs of the real project are not positioned against synthetic cases.
    for f in (root / "benchmark" / "designs").glob("*.yml"):
        f.unlink()
    (root / "benchmark" / "territory").mkdir(exist_ok=True)
    (root / "benchmark" / "territory" / "rennes_metropole.yml").write_text(
        yaml.safe_dump(MIN_TERRITORY, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "benchmark" / "recommendations.yml").write_text(
        yaml.safe_dump(rules or TEST_RULES, allow_unicode=True, sort_keys=False), encoding="utf-8")
    folder = root / "data" / "cases" / "budget_participatif"
    folder.mkdir(parents=True, exist_ok=True)
    for c in synthetic_cases(meet):
        (folder / f"{c['id']}.yml").write_text(yaml.safe_dump(c, allow_unicode=True, sort_keys=False),
                                               encoding="utf-8")
    proj = validate_project(root)
    errors = [p for p in proj.problems if p.severity == "error"]
    assert not errors, "\n".join(p.format() for p in errors)
    return proj


@pytest.fixture(scope="module")
def met(tmp_path_factory):
    proj = build_project(tmp_path_factory.mktemp("met"), meet=True)
    return proj, R.recommend(proj, "budget_participatif")


@pytest.fixture(scope="module")
def missed(tmp_path_factory):
    proj = build_project(tmp_path_factory.mktemp("missed"), meet=False)
    return proj, R.recommend(proj, "budget_participatif")


# --------------------------------------------------------------------------- rule types


def test_leaders_are_the_robust_top_group(met):
    _, rs = met
    assert sorted(rs.evidence.leader_ids) == ["lead_0", "lead_1", "lead_2"]
    assert rs.evidence.baseline_ids == ["base_bp"]


def test_every_rule_type_has_one_check():
    assert sorted(RULES) == sorted(RULE_TYPES)


@pytest.mark.parametrize("rule_id", ["r_below", "r_above", "r_missing", "r_share", "r_range"])
def test_each_rule_type_fires_when_its_condition_is_met(met, rule_id):
    _, rs = met
    assert rule_id in [r.id for r in rs.recommendations]


@pytest.mark.parametrize("rule_id", ["r_below", "r_above", "r_missing", "r_share", "r_range"])
def test_each_rule_type_stays_silent_when_its_condition_is_missed(missed, rule_id):
    _, rs = missed
    assert rule_id not in [r.id for r in rs.recommendations]
    outcome = next(o for o in rs.outcomes if o.rule_id == rule_id)
    assert outcome.status in (OutcomeStatus.CONDITION_NOT_MET, OutcomeStatus.INSUFFICIENT_DATA)
    assert outcome.reason


def test_missed_set_says_why_and_does_not_pad(missed):
    _, rs = missed
    text = rs.to_text()
    assert len(rs.recommendations) < rs.min_per_family
    assert "Seules" in text and "Règles non retenues" in text


def test_recommendations_sorted_by_priority(met):
    _, rs = met
    prios = [r.priority for r in rs.recommendations]
    assert prios == sorted(prios)


def test_every_recommendation_has_a_sourced_supporting_case(met):
    proj, rs = met
    for r in rs.recommendations:
        sourced = [s for s in r.supports if s.source and s.case_id not in rs.evidence.baseline_ids]
        assert sourced, r.id
        assert r.sources


def test_tradeoffs_are_attached(met):
    _, rs = met
    rec = next(r for r in rs.recommendations if r.id == "r_below")
    assert rec.tradeoffs == (TEST_RULES["tradeoffs"]["delegation_vs_legal_control"],)
    assert TEST_RULES["tradeoffs"]["delegation_vs_legal_control"] in rs.to_text()


# --------------------------------------------------------------------------- numbers in the text


def _numbers_after(text: str, word: str) -> float:
    m = re.search(re.escape(word) + r"\s+([-\d\u202f\u00a0 ]+(?:,\d+)?)", text)
    assert m, (word, text)
    return parse_french_number(m.group(1))


def test_range_numbers_in_text_equal_independent_computation(met):
    _, rs = met
    rec = next(r for r in rs.recommendations if r.id == "r_range")
    per_inh = np.array([env / pop for env, pop in LEADER_ENVELOPES])
    expected_median = np.median(per_inh)
    q1, q3 = np.percentile(per_inh, [25, 75], method="inverted_cdf")
    assert_allclose(_numbers_after(rec.text, "médiane"), expected_median, atol=0.005)
    m = re.search(r"quartiles ([\d\u202f ,]+)\u00a0€ – ([\d\u202f ,]+)\u00a0€", rec.text)
    assert m, rec.text
    assert_allclose([parse_french_number(m.group(1)), parse_french_number(m.group(2))], [q1, q3], atol=0.005)
    assert_allclose(_numbers_after(rec.text, "Rennes :"), 500_000 / 100_000, atol=0.005)
    assert "(3 meneurs)" in rec.text


def test_criterion_numbers_in_text_equal_independent_computation(met):
    _, rs = met
    rec = next(r for r in rs.recommendations if r.id == "r_below")
    # Normalised with goalposts 0–4: leaders 4 → 1, Rennes 1 → 0,25.
    assert_allclose(_numbers_after(rec.text, "meneurs"), 1.0, atol=0.005)
    assert_allclose(_numbers_after(rec.text, "contre"), 0.25, atol=0.005)
    assert "(1 sur 4)" in rec.text
    rec2 = next(r for r in rs.recommendations if r.id == "r_above")
    assert_allclose(_numbers_after(rec2.text, "écart"), 1.0 - 0.0, atol=0.005)


def test_share_numbers_in_text(met):
    _, rs = met
    rec = next(r for r in rs.recommendations if r.id == "r_share")
    assert_allclose(parse_french_number(rec.text), 100.0, atol=0.5)
    assert "(3 sur 3)" in rec.text


def test_rendered_numbers_round_trip_with_values(met):
    """Every numeric placeholder used in a rule's text is shown and parses back to its value."""
    proj, rs = met
    templates = {r.id: r.text for r in load_recommendation_config(proj.root).rules}
    checked = 0
    for r in rs.recommendations:
        for key, value in r.values.items():
            shown = r.formatted.get(key)
            if (shown is None or "{" + key + "}" not in templates[r.id]
                    or not isinstance(value, (int, float)) or not np.isfinite(value)):
                continue
            assert shown in r.text
            scale = 100.0 if key in ("share", "share_above", "rest_share") else 1.0
            assert_allclose(parse_french_number(shown), value * scale, atol=0.51 if scale == 100 else 0.0051)
            checked += 1
    assert checked >= 10


def test_markdown_escapes_data_text(tmp_path):
    proj = build_project(tmp_path, meet=True)
    path = proj.root / "data" / "cases" / "budget_participatif" / "lead_0.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["name"] = "<script>alert(1)</script> | *gras*"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    proj = validate_project(proj.root)
    rs = R.recommend(proj, "budget_participatif")
    md = rs.to_markdown()
    assert "## Préconisations" in md
    assert "&lt;script&gt;" in md and "<script>" not in md
    assert "\\| \\*gras\\*" in md
    assert "<script>" in rs.to_text()  # plain text for the terminal is not escaped


# --------------------------------------------------------------------------- configuration errors


def _write_rules(root, data):
    (root / "benchmark" / "recommendations.yml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_real_configuration_and_territory_load():
    terr = load_territory(REPO)
    assert terr.facts["communes"].value == 43
    assert all(f.source.startswith("http") for f in terr.facts.values())
    cfg = load_recommendation_config(REPO, territory=terr)
    fams = {r.family for r in cfg.rules}
    assert {"budget_participatif", "appel_a_projets", "fonds_de_concours"} <= fams
    for fam in ("budget_participatif", "appel_a_projets", "fonds_de_concours"):
        n = sum(r.family in (fam, "all") for r in cfg.rules)
        assert 8 <= n <= 14, (fam, n)


def test_unknown_criterion_is_a_french_error_naming_file_and_field(tmp_path):
    root = make_project(tmp_path)
    data = copy.deepcopy(TEST_RULES)
    data["rules"][0]["criterion"] = "citizen_oversigth"
    _write_rules(root, data)
    with pytest.raises(ValidationFailed) as exc:
        load_recommendation_config(root)
    msg = str(exc.value)
    assert "benchmark/recommendations.yml" in msg
    assert "rules[0].criterion" in msg
    assert "critère inconnu" in msg and "citizen_oversight" in msg


def test_unknown_key_is_a_french_error(tmp_path):
    root = make_project(tmp_path)
    data = copy.deepcopy(TEST_RULES)
    data["rules"][1]["seuil"] = 3
    _write_rules(root, data)
    with pytest.raises(ValidationFailed) as exc:
        load_recommendation_config(root)
    msg = str(exc.value)
    assert "recommendations.yml" in msg and "clé inconnue « seuil »" in msg and "rules.1" in msg


@pytest.mark.parametrize("change, expected", [
    ({"parameter": "budget_par_habitant"}, "paramètre inconnu"),
    ({"text": "Valeur {inconnue}"}, "champ de gabarit inconnu"),
    ({"tradeoffs": ["arbitrage_absent"]}, "arbitrage inconnu"),
    ({"family": "budget_participativ"}, "famille inconnue"),
])
def test_other_rule_errors(tmp_path, change, expected):
    root = make_project(tmp_path)
    data = copy.deepcopy(TEST_RULES)
    data["rules"][4].update(change)
    _write_rules(root, data)
    with pytest.raises(ValidationFailed) as exc:
        load_recommendation_config(root)
    assert expected in str(exc.value) and "rules[4]" in str(exc.value)


def test_practice_operator_must_fit_the_parameter(tmp_path):
    root = make_project(tmp_path)
    data = copy.deepcopy(TEST_RULES)
    data["rules"][3]["practice"] = {"at_least": 2}  # a list parameter takes « contains »
    _write_rules(root, data)
    with pytest.raises(ValidationFailed) as exc:
        load_recommendation_config(root)
    assert "opérateur non adapté" in str(exc.value)


def test_territory_fact_without_source_is_an_error(tmp_path):
    root = make_project(tmp_path)
    (root / "benchmark" / "territory").mkdir(exist_ok=True)
    bad = copy.deepcopy(MIN_TERRITORY)
    bad["instruments"] = []
    del bad["facts"]["communes"]["source"]
    (root / "benchmark" / "territory" / "rennes_metropole.yml").write_text(
        yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        load_territory(root)
    msg = str(exc.value)
    assert "benchmark/territory/rennes_metropole.yml" in msg and "facts.communes.source" in msg


def test_territory_unknown_key_and_bad_url(tmp_path):
    root = make_project(tmp_path)
    (root / "benchmark" / "territory").mkdir(exist_ok=True)
    bad = copy.deepcopy(MIN_TERRITORY)
    bad["instruments"] = []
    bad["facts"]["communes"]["source"] = "une page"
    bad["habitants"] = 3
    (root / "benchmark" / "territory" / "rennes_metropole.yml").write_text(
        yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        load_territory(root)
    assert "clé inconnue « habitants »" in str(exc.value)


# --------------------------------------------------------------------------- the real project


@pytest.fixture(scope="module")
def real_report():
    proj = validate_project(REPO)
    errors = [p.format() for p in proj.problems if p.severity == "error"]
    assert errors == []  # the committed data must load: a failure here, never a skip
    return proj, R.recommend_all(proj)


def test_real_project_recommendations_are_evidence_linked(real_report):
    proj, rep = real_report
    assert set(rep.sets) == {"budget_participatif", "appel_a_projets", "fonds_de_concours"}
    for rs in rep.sets.values():
        assert len(rs.recommendations) <= 10
        for r in rs.recommendations:
            assert any(s.source for s in r.supports if s.case_id not in rs.evidence.baseline_ids), r.id
        df = rs.to_dataframe()
        assert len(df) == len(rs.recommendations)
        assert {"Paramètre", "n meneurs", "n tous"} <= set(rs.ranges.columns)
    assert "habitants" in rep.complementarity and "communes" in rep.complementarity


def test_recommendations_text_for_cli(real_report):
    proj, _ = real_report
    text = R.recommendations_text(proj, "fonds_de_concours")
    assert text.startswith("Préconisations — Fonds de concours")
    assert "Feuille de route" in text


def test_distinguishing_practices_table(met):
    _, rs = met
    df = rs.practices
    deli = df[df["Élément"].str.startswith("DEL2")]
    assert len(deli) == 1
    # Leaders 4 → 1, weak cases 0 → 0 in the "met" set.
    assert_allclose(deli["Écart"].iloc[0], 1.0)
    climate = df[df["Élément"] == "Dédié à la transition écologique"]
    assert climate["Meneurs"].iloc[0].startswith("100") and climate["Autres cas"].iloc[0].startswith("0")
    assert all(src for src in df["Sources"])


def test_criterion_text_names_only_leaders_reaching_the_target(tmp_path):
    data = copy.deepcopy(TEST_RULES)
    data["rules"] = [r for r in data["rules"] if r["id"] == "r_below"]
    data["rules"][0]["text"] = "Niveau visé « {target_level} », comme {cases}."
    proj = build_project(tmp_path, meet=True, rules=data)
    rs = R.recommend(proj, "budget_participatif")
    rec = rs.recommendations[0]
    level4 = proj.catalogue.criterion("citizen_oversight").levels[4].rstrip(".")
    assert f"« {level4} »" in rec.text
    assert "Cas lead_0" in rec.text and "Cas base_bp" not in rec.text


def test_synthese_names_every_leader(real_report):
    # The report's synthèse lists each family's leader group by short name with its probability.
    from benchmark_tools.cases import short_names
    from benchmark_tools.uncertainty_report import synthese_items

    proj, rep = real_report
    from html import escape

    html = "\n".join(synthese_items(proj, {}, rep))
    for fam, rs in rep.sets.items():
        short = short_names(proj.cases_of(fam))
        for cid in rs.evidence.leader_ids:
            assert escape(short.get(cid) or rs.case_name(cid)) in html
        assert proj.families.label(fam, plural=True) in html
