"""Inputs that no real file holds (issue 18, items 2, 8 and 9): ``validate`` refuses each, located.

Every test runs the real command line in-process (typer's CliRunner) on a throw-away copy of the
definition with one synthetic case, changes one thing, and reads the French message.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from typer.testing import CliRunner

from benchmark_tools.cli import app
from benchmark_tools.validate import url_problem
from projectkit import URL, make_project, valid_case, write_case


@pytest.fixture
def root(tmp_path):
    r = make_project(tmp_path)
    write_case(r, valid_case())
    return r


def validate(root):
    res = CliRunner().invoke(app, ["validate"], env={"BENCHMARK_ROOT": str(root)})
    return res.exit_code, res.output + (res.stderr if res.stderr_bytes is not None else "")


def edit_yaml(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_synthetic_project_is_valid(root):
    code, out = validate(root)
    assert code == 0, out


# ----------------------------------------------------------------- item 2: links

BAD_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>", "file:///etc/hostname",
            "vbscript:msgbox(1)", "https://example.org/<img\tsrc=x\tonerror=alert(1)//", "http",
            "httpexample.org", "https://", 'https://example.org/a"b']


@pytest.mark.parametrize("bad", BAD_URLS)
def test_url_rule_refuses(bad):
    assert url_problem(bad) is not None


@pytest.mark.parametrize("good", [URL, "https://example.org/Métropole_d'Aix", "Délibération n° 2023-12 du conseil",
                                  "Rapport : voir page 3"])
def test_url_rule_accepts_urls_and_citations(good):
    assert url_problem(good) is None


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html,x", "file:///etc/hostname",
                                 "https://example.org/<img\tsrc=x>", "http"])
def test_case_source_is_refused_located(root, bad):
    d = valid_case()
    d["design"]["envelope"]["source"] = bad
    write_case(root, d)
    code, out = validate(root)
    assert code == 1
    assert "data/cases/budget_participatif/ville_test_bp.yml" in out
    assert "ville_test_bp: design.envelope.source" in out


def test_a_value_read_on_two_pages_cites_both(root):
    # Each part of « url ; url » is a source of its own: accepted when both are URLs…
    d = valid_case()
    d["design"]["envelope"]["source"] = "https://example.org/a ; https://example.net/b"
    write_case(root, d)
    code, out = validate(root)
    assert code == 0, out


@pytest.mark.parametrize("second", ["javascript:alert(1)", "https://example.org/<b>", "http"])
def test_each_part_of_a_composite_source_is_checked(root, second):
    # …and refused, located, when one part is not (the bad part is the one shown).
    d = valid_case()
    d["design"]["envelope"]["source"] = "https://example.org/a ; " + second
    write_case(root, d)
    code, out = validate(root)
    assert code == 1
    assert "ville_test_bp: design.envelope.source" in out and second[:10] in out


def test_alternative_source_and_case_url_are_refused(root):
    d = valid_case(url="file:///etc/passwd")
    d["population"]["alternatives"] = [{"value": 90000, "year": 2020, "source": "javascript:x()",
                                        "confidence": "documented"}]
    write_case(root, d)
    code, out = validate(root)
    assert code == 1
    assert "ville_test_bp: url: lien refusé" in out
    assert "ville_test_bp: population.alternatives[0].source: lien refusé" in out


def test_case_url_must_be_a_url(root):
    write_case(root, valid_case(url="page du dispositif"))
    code, out = validate(root)
    assert code == 1 and "ville_test_bp: url: adresse invalide" in out


def test_sources_yml_url_is_refused(root):
    edit_yaml(root / "benchmark" / "sources.yml", lambda d: d["sources"][0].update(url="javascript:alert(1)"))
    code, out = validate(root)
    assert code == 1
    assert "benchmark/sources.yml" in out and "sources[0].url: lien refusé" in out


def test_catalogue_markdown_link_is_refused(root):
    def change(d):
        d["criteria"][0]["description"] += " [voir](javascript:alert(document.domain))"
    edit_yaml(root / "benchmark" / "criteria.yml", change)
    code, out = validate(root)
    assert code == 1
    assert "benchmark/criteria.yml" in out and "criteria[0].description: lien de texte refusé" in out


def test_catalogue_https_markdown_link_is_accepted(root):
    def change(d):
        d["criteria"][0]["description"] += " [voir](https://example.org/grille)"
    edit_yaml(root / "benchmark" / "criteria.yml", change)
    assert validate(root)[0] == 0


def test_design_link_is_refused(root):
    path = sorted((root / "benchmark" / "designs").glob("*.yml"))[0]
    edit_yaml(path, lambda d: d.update(url="data:text/html,x"))
    code, out = validate(root)
    assert code == 1 and f"benchmark/designs/{path.name}" in out and "url: lien refusé" in out


def test_territory_link_is_refused(root):
    path = root / "benchmark" / "territory" / "rennes_metropole.yml"
    text = path.read_text(encoding="utf-8")
    assert "source: " in text
    i = text.index("source: ")
    j = text.index("\n", i)
    path.write_text(text[:i] + "source: file:///etc/hostname" + text[j:], encoding="utf-8")
    code, out = validate(root)
    assert code == 1
    assert "benchmark/territory/rennes_metropole.yml" in out and "source: lien refusé" in out


# ----------------------------------------------------------------- item 8: numbers no real file holds


def _case_with(change):
    d = valid_case()
    change(d)
    return d


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1.0e+308"])
@pytest.mark.parametrize("group", ["dimension_weights", "criterion_weights"])
def test_profile_weights_nan_inf_huge(root, value, group):
    path = root / "benchmark" / "profiles" / "equilibre.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    key = next(iter(data["dimension_weights"])) if group == "dimension_weights" else "decision_power"
    data.setdefault(group, {})[key] = 1.0
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    text = text.replace(f"  {key}: 1.0", f"  {key}: {value}", 1)
    path.write_text(text, encoding="utf-8")
    code, out = validate(root)
    assert code == 1
    assert "benchmark/profiles/equilibre.yml" in out and f"{group}.{key}: poids invalide" in out


@pytest.mark.parametrize("field", ["design.envelope", "outcomes.organisation_cost"])
def test_amount_1e308(root, field):
    group, name = field.split(".")
    write_case(root, _case_with(lambda d: d[group].update({name: {"value": 1e308, "year": 2020, "source": URL,
                                                                  "confidence": "documented"}})))
    code, out = validate(root)
    assert code == 1 and f"ville_test_bp: {field}.value: montant invraisemblable" in out


def test_envelope_period_zero(root):
    write_case(root, _case_with(lambda d: d["design"]["envelope_period_years"].update(value=0)))
    code, out = validate(root)
    assert code == 1 and "design.envelope_period_years.value: période de l'enveloppe invalide" in out


@pytest.mark.parametrize("currency", ["EURO", "XYZ", "eur", "€"])
def test_currency_not_iso_4217(root, currency):
    write_case(root, _case_with(lambda d: d["design"].update(currency=currency)))
    code, out = validate(root)
    assert code == 1 and "design.currency: devise inconnue" in out


def test_currency_iso_4217_accepted(root):
    write_case(root, _case_with(lambda d: d["design"].update(currency="CHF")))
    assert validate(root)[0] == 0


def test_more_voters_than_inhabitants(root):
    write_case(root, _case_with(lambda d: d["outcomes"]["voters_count"].update(value=100001)))
    code, out = validate(root)
    assert code == 1
    assert "outcomes.voters_count.value: incohérence : outcomes.voters_count (100001) dépasse population (100000)" in out


def test_more_delivered_than_retained(root):
    write_case(root, _case_with(lambda d: d["outcomes"]["projects_delivered"].update(value=31)))
    code, out = validate(root)
    assert code == 1
    assert "outcomes.projects_delivered (31) dépasse outcomes.projects_retained (30)" in out


def _settings(root, change):
    edit_yaml(root / "benchmark" / "settings.yml", change)
    return validate(root)


@pytest.mark.parametrize("key", ["n_draws", "sobol_n", "sobol_bootstrap"])
def test_run_size_1e9_refused(root, key):
    code, out = _settings(root, lambda d: d["robustness"].update({key: 10**9}))
    assert code == 1 and f"robustness.{key}" in out and "machine" in out


@pytest.mark.parametrize("value", ["beaucoup", "2000", 2000.5])
def test_n_draws_non_numeric(root, value):
    code, out = _settings(root, lambda d: d["robustness"].update(n_draws=value))
    assert code == 1 and "benchmark/settings.yml" in out and "n_draws" in out


def test_promethee_q_above_p(root):
    code, out = _settings(root, lambda d: d["scoring"]["promethee"].update(q=0.5, p=0.3))
    assert code == 1 and "scoring.promethee.q" in out and "scoring.promethee.p" in out


def test_typology_k_min_above_k_max(root):
    code, out = _settings(root, lambda d: d["typology"].update(k_min=7, k_max=3))
    assert code == 1 and "typology.k_min dépasse typology.k_max" in out


def test_report_n_draws_bounded(root):
    edit_yaml(root / "benchmark" / "report.yml", lambda d: d.update(n_draws=10**9))
    code, out = validate(root)
    assert code == 1 and "benchmark/report.yml" in out and "n_draws" in out


# ----------------------------------------------------------------- item 9: accepted, then the run failed


@pytest.mark.parametrize("field", ["name", "short_name"])
def test_two_dollars_in_a_name(root, field):
    write_case(root, valid_case(**{field: "Fonds $x$ de test"}))
    code, out = validate(root)
    assert code == 1 and f"ville_test_bp: {field}: deux « $ »" in out


def test_two_dollars_in_a_profile_label(root):
    edit_yaml(root / "benchmark" / "profiles" / "equilibre.yml", lambda d: d.update(label_fr="Profil $a$"))
    code, out = validate(root)
    assert code == 1 and "label_fr: deux « $ »" in out


def test_same_family_twice_in_report_yml(root):
    edit_yaml(root / "benchmark" / "report.yml",
              lambda d: d.update(families=["budget_participatif", "budget_participatif"]))
    code, out = validate(root)
    assert code == 1 and "benchmark/report.yml" in out and "budget_participatif" in out


def test_negative_seed_in_report_yml(root):
    edit_yaml(root / "benchmark" / "report.yml", lambda d: d.update(seed=-1))
    code, out = validate(root)
    assert code == 1 and "benchmark/report.yml" in out and "seed" in out


def test_negative_seed_through_set(root):
    from benchmark_tools.errors import InputError
    from benchmark_tools.run_params import load_params

    with pytest.raises(InputError, match="seed"):
        load_params(root, ["seed=-1"])
    with pytest.raises(InputError, match="famille citée deux fois"):
        load_params(root, ["families=budget_participatif,budget_participatif"])


def test_rule_text_with_format_spec(root):
    path = root / "benchmark" / "recommendations.yml"
    text = path.read_text(encoding="utf-8")
    assert "{" in text
    data = yaml.safe_load(text)

    def first_template(node, loc=()):
        if isinstance(node, dict):
            for k, v in node.items():
                r = first_template(v, loc + (k,))
                if r:
                    return r
        elif isinstance(node, list):
            for i, v in enumerate(node):
                r = first_template(v, loc + (i,))
                if r:
                    return r
        elif isinstance(node, str) and "{" in node:
            return loc
        return None

    loc = first_template(data)
    parent = data
    for k in loc[:-1]:
        parent = parent[k]
    parent[loc[-1]] = "Médiane : {median:>1000000000}"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out = validate(root)
    assert code == 1 and "benchmark/recommendations.yml" in out and "{median:>1000000000}" in out


@pytest.mark.parametrize("suffix", [".YML", ".yaml", ".Yml"])
def test_case_file_with_other_extension_refused(root, suffix):
    d = valid_case(id="autre_cas")
    path = write_case(root, d)
    path.rename(path.with_suffix(suffix))
    code, out = validate(root)
    assert code == 1 and f"autre_cas{suffix}: extension de fichier non acceptée" in out


def test_case_directly_under_data_cases(root):
    d = valid_case(id="orphelin")
    (root / "data" / "cases" / "orphelin.yml").write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    code, out = validate(root)
    assert code == 1 and "data/cases/orphelin.yml: orphelin: cas placé directement dans data/cases" in out


def test_case_in_unknown_family_folder(root):
    d = valid_case(id="egare")
    write_case(root, d, family="budget_participatf")
    code, out = validate(root)
    assert code == 1 and "egare: dossier de famille inconnu" in out and "budget_participatif" in out


def test_name_over_300_characters(root):
    write_case(root, valid_case(name="N" * 301))
    code, out = validate(root)
    assert code == 1 and "ville_test_bp: name: texte trop long" in out
    write_case(root, valid_case(name="N" * 300))
    assert validate(root)[0] == 0


def test_nothing_mutated():
    assert copy.deepcopy(valid_case()) == valid_case()
