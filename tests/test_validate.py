"""One failing example per validation rule; each message must name the file and the field."""

import pytest
import yaml

from benchmark_tools.project import validate_project
from projectkit import URL, make_project, valid_case, write_case


def _problems(root):
    return [p for p in validate_project(root).problems if p.severity == "error"]


def _only(root, fragment):
    probs = _problems(root)
    hits = [p for p in probs if fragment in p.format()]
    assert hits, "\n".join(p.format() for p in probs) or "aucun problème"
    return hits[0]


@pytest.fixture
def root(tmp_path):
    return make_project(tmp_path)


def test_valid_case_has_no_problem(root):
    write_case(root, valid_case())
    assert _problems(root) == []


@pytest.mark.parametrize(
    "change, field, fragment",
    [
        (lambda d: d.update(family="budget_participatf"), "family", "vouliez-vous dire « budget_participatif »"),
        (lambda d: d.update(colour="red"), "colour", "clé inconnue"),
        (lambda d: d["design"].update(enveloppe=d["design"].pop("envelope")), "design.enveloppe", "« envelope »"),
        (lambda d: d["design"]["envelope"].update(value="3,5 M€"), "design.envelope.value", "un nombre est attendu"),
        (lambda d: d["design"]["envelope"].update(value="2024-05-01"), "design.envelope.value", "date"),
        (lambda d: d["design"]["envelope"].pop("source"), "design.envelope.source", "sans source"),
        (lambda d: d["design"]["envelope"].pop("year"), "design.envelope.year", "année manquante"),
        (lambda d: d["design"]["envelope"].update(year="vers 2020"), "design.envelope.year", "année invalide"),
        (lambda d: d["design"]["envelope"].update(confidence="sure"), "design.envelope.confidence", "valeur non reconnue"),
        (lambda d: d["design"]["envelope"].update(source="web"), "design.envelope.source", "source trop vague"),
        (lambda d: d["design"]["envelope"].update(value=-5), "design.envelope.value", "valeur négative"),
        (lambda d: d["design"].update(share_of_investment_budget={"value": 140, "year": 2020, "source": URL, "confidence": "documented"}),
         "design.share_of_investment_budget.value", "0–100"),
        (lambda d: d["population"].update(value=-3), "population.value", "population invalide"),
        (lambda d: d["design"]["min_age_vote"].update(value=16.5), "design.min_age_vote.value", "entier"),
        (lambda d: d["design"]["voting_channels"].update(value=["internet"]), "design.voting_channels.value", "valeur inconnue"),
        (lambda d: d["scores"]["decision_power"].update(value=5), "scores.decision_power.value", "niveau hors de la grille"),
        (lambda d: d["scores"]["decision_power"].update(value=-1), "scores.decision_power.value", "niveau hors de la grille"),
        (lambda d: d["scores"]["decision_power"].pop("note"), "scores.decision_power.note", "note obligatoire"),
        (lambda d: d["scores"]["decision_power"].update(confidence="documented"), "scores.decision_power.confidence", "coded"),
        (lambda d: d["scores"].update(decision_pwr=d["scores"]["decision_power"]), "scores.decision_pwr", "critère inconnu"),
        (lambda d: d["scores"].update(cofinancing_required={"value": 10, "year": 2020, "source": URL, "confidence": "documented"}),
         "scores.cofinancing_required", "non applicable"),
        (lambda d: d.update(country="France"), "country", "ISO"),
        (lambda d: d.update(level="ville"), "level", "valeur non reconnue"),
        (lambda d: d.pop("summary"), "summary", "champ obligatoire manquant"),
        (lambda d: d["outcomes"]["projects_retained"].update(value=300), "outcomes.projects_retained", "incohérence"),
        (lambda d: d["design"]["envelope"].update(alternatives=[{"value": 2, "year": 2020, "confidence": "documented"}]),
         "design.envelope.alternatives[0].source", "alternative sans source"),
    ],
)
def test_each_rule_names_file_case_and_field(root, change, field, fragment):
    d = valid_case()
    change(d)
    path = write_case(root, d, family="budget_participatif", name="ville_test_bp")
    p = _only(root, fragment)
    assert p.file.endswith(path.name)
    assert p.field == field
    assert p.case_id == "ville_test_bp"
    assert p.line is not None


def test_file_name_must_match_id(root):
    write_case(root, valid_case(), name="autre_nom")
    p = _only(root, "nom du fichier")
    assert p.field == "id" and "autre_nom.yml" in p.found


def test_folder_must_match_family(root):
    write_case(root, valid_case(), family="appel_a_projets")
    p = _only(root, "dossier du fichier")
    assert p.field == "family"


def test_duplicate_case_id(root):
    write_case(root, valid_case())
    d = valid_case()
    path = root / "data" / "cases" / "convention_citoyenne" / "ville_test_bp.yml"
    path.parent.mkdir(parents=True)
    d["family"] = "convention_citoyenne"
    path.write_text(yaml.safe_dump(d), encoding="utf-8")
    p = _only(root, "en double")
    assert p.case_id == "ville_test_bp"


def test_all_problems_are_collected(root):
    d = valid_case()
    d["design"]["envelope"]["value"] = "beaucoup"
    d["scores"]["decision_power"]["value"] = 9
    d["population"]["value"] = 0
    write_case(root, d)
    fields = {p.field for p in _problems(root)}
    assert {"design.envelope.value", "scores.decision_power.value", "population.value"} <= fields


def _write_profile(root, data, name=None):
    path = root / "benchmark" / "profiles" / f"{name or data['id']}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _profile(**w):
    dims = ["empowerment", "inclusion", "deliberation", "ecology", "accountability", "efficiency", "territory"]
    weights = {d: 1 for d in dims}
    weights.update(w)
    return {"id": "essai", "label_fr": "Essai", "viewpoint": "test", "rationale": "test", "dimension_weights": weights}


@pytest.mark.parametrize(
    "data, field, fragment",
    [
        (_profile(**{d: 0 for d in ["empowerment", "inclusion", "deliberation", "ecology", "accountability", "efficiency", "territory"]}),
         "dimension_weights", "tous les poids"),
        (_profile(ecology=-1), "dimension_weights.ecology", "poids négatif"),
        (_profile(ecolgy=1), "dimension_weights.ecolgy", "vouliez-vous dire « ecology »"),
    ],
)
def test_profile_rules(root, data, field, fragment):
    _write_profile(root, data)
    p = _only(root, fragment)
    assert p.file.endswith("essai.yml") and p.field == field and p.case_id == "essai"


def test_profile_missing_dimension(root):
    data = _profile()
    del data["dimension_weights"]["territory"]
    _write_profile(root, data)
    p = _only(root, "poids manquant")
    assert p.field == "dimension_weights.territory"


def test_catalogue_rules(root):
    path = root / "benchmark" / "criteria.yml"
    cat = yaml.safe_load(path.read_text(encoding="utf-8"))
    ordinal = next(c for c in cat["criteria"] if c["type"] == "ordinal")
    del ordinal["levels"][4]
    numeric = next(c for c in cat["criteria"] if c["type"] == "numeric")
    numeric["goalposts"] = [10, 0]
    cat["criteria"][2]["sources"] = ["CLE_INEXISTANTE"]
    path.write_text(yaml.safe_dump(cat, allow_unicode=True, sort_keys=False), encoding="utf-8")
    probs = _problems(root)
    text = "\n".join(p.format() for p in probs)
    assert f"{ordinal['id']}: levels: une grille ordinale" in text
    assert f"{numeric['id']}: goalposts: bornes" in text
    assert "CLE_INEXISTANTE" in text
    assert all(p.file == "benchmark/criteria.yml" for p in probs)


def test_report_params_unknown_key(root):
    path = root / "benchmark" / "report.yml"
    path.write_text(path.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    p = _only(root, "clé inconnue « colour »")
    assert p.file == "benchmark/report.yml"


def test_recommendation_rules_are_validated(root):
    path = root / "benchmark" / "recommendations.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\ncolour: red\n", encoding="utf-8")
    p = _only(root, "colour")
    assert p.file == "benchmark/recommendations.yml"


def test_territory_is_validated(root):
    path = root / "benchmark" / "territory" / "rennes_metropole.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\ncolour: red\n", encoding="utf-8")
    p = _only(root, "colour")
    assert p.file == "benchmark/territory/rennes_metropole.yml"
