"""Préconisations sized for the territory, and the scenarios: on a synthetic project."""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import pytest
import yaml
from notekit import make_note_project, set_population

from benchmark_tools.project import load_project, load_territory
from benchmark_tools.recommend import recommend_all
from benchmark_tools.scenarios import all_scenarios
from benchmark_tools.sizing import size_recommendations


def _sized(root):
    project = load_project(root)
    recs = recommend_all(project)
    territory = load_territory(root)
    return project, recs, territory, size_recommendations(recs, territory)


def _per_inhabitant(root, family):
    """Envelope per inhabitant and per year of the non-baseline cases, read from the case files."""
    out = []
    for path in sorted((root / "data" / "cases" / family).glob("*.yml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        if d["baseline"]:
            continue
        out.append(d["design"]["envelope"]["value"] / d["design"]["envelope_period_years"]["value"]
                   / d["population"]["value"])
    return sorted(out)


def _inverted_cdf(sorted_values, p):
    return sorted_values[math.ceil(p * len(sorted_values)) - 1]


@pytest.fixture(scope="module")
def two_populations(tmp_path_factory):
    a = make_note_project(tmp_path_factory.mktemp("pop_a"))
    b = make_note_project(tmp_path_factory.mktemp("pop_b"), population=890_123)
    return a, b


def test_population_moves_every_amount_proportionally(two_populations):
    a, b = two_populations
    pop_a = yaml.safe_load((a / "benchmark/territory/rennes_metropole.yml").read_text(encoding="utf-8"))
    pop_a = pop_a["facts"]["population"]["value"]
    _, _, _, sa = _sized(a)
    _, _, _, sb = _sized(b)
    amounts = [f for f in sa.figures if f.unit == "€"]
    assert len(amounts) >= 9  # three quartiles × (BP, AAP, FdC) at least
    for fa in amounts:
        fb = sb.get(fa.family, fa.rec_id, fa.quantity, fa.level)
        assert fb is not None
        assert fb.value / fa.value == Fraction(890_123, pop_a)  # exact, not approximately
        if fa.quantity == "enveloppe annuelle":
            assert "890\u202f123" in fb.formula and f"{pop_a:,}".replace(",", "\u202f") in fa.formula


def test_yearly_envelope_is_quartile_times_population(two_populations):
    a, _ = two_populations
    _, _, territory, s = _sized(a)
    pop = territory.facts["population"].value
    vals = _per_inhabitant(a, "budget_participatif")
    expected = {"q1": _inverted_cdf(vals, 0.25), "median": statistics.median(vals), "q3": _inverted_cdf(vals, 0.75)}
    for level, per_hab in expected.items():
        f = s.get("budget_participatif", "bp_enveloppe", "enveloppe annuelle", level)
        assert float(f.value) == pytest.approx(per_hab * pop, rel=1e-12)
        assert territory.facts["population"].source in f.sources
        assert "€/hab./an ×" in f.formula
    # Fonds de concours: the amount per commune is the yearly envelope divided by the communes, exactly.
    env = s.get("fonds_de_concours", "fdc_enveloppe", "enveloppe annuelle", "median")
    per_com = s.get("fonds_de_concours", "fdc_enveloppe", "montant moyen par commune", "median")
    assert per_com.value == env.value / territory.facts["communes"].value


def test_cap_becomes_number_of_projects(two_populations):
    a, _ = two_populations
    _, _, territory, s = _sized(a)
    pop = territory.facts["population"].value
    median_env = statistics.median(_per_inhabitant(a, "budget_participatif")) * pop
    caps = sorted(yaml.safe_load(p.read_text(encoding="utf-8"))["design"]["project_cap"]["value"]
                  for p in (a / "data/cases/budget_participatif").glob("*.yml")
                  if not yaml.safe_load(p.read_text(encoding="utf-8"))["baseline"])
    f = s.get("budget_participatif", "bp_plafond", "projets financés", "median")
    assert int(f.value) == math.floor(median_env / statistics.median(caps))


def test_missing_territory_facts_are_listed_never_assumed(tmp_path):
    root = make_note_project(tmp_path / "p")
    path = root / "benchmark/territory/rennes_metropole.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["facts"]["population"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    project, recs, territory, s = _sized(root)
    assert not [f for f in s.figures if f.unit == "€"]
    assert any(m.startswith("Population de la Métropole") for m in s.missing)
    assert any("Budget d'investissement" in m for m in s.missing)
    assert ("budget_participatif", "bp_enveloppe", "population manquante") in s.not_sized
    for fs in all_scenarios(project, recs, territory).values():
        assert all(sc.yearly_cost is None for sc in fs.scenarios)


def test_secondary_population_source_is_flagged(tmp_path):
    root = make_note_project(tmp_path / "p")
    path = root / "benchmark" / "territory" / "rennes_metropole.yml"
    text = path.read_text(encoding="utf-8")
    primary = "https://www.collectivites-locales.gouv.fr/institutions/liste-et-composition-des-epci-fiscalite-propre"
    _, _, _, s = _sized(root)
    assert not any(m.startswith("Population légale INSEE") for m in s.missing)
    path.write_text(text.replace(primary, "https://banquedesterritoires.fr/une-page-de-presse", 1), encoding="utf-8")
    _, _, _, s = _sized(root)
    assert any(m.startswith("Population légale INSEE") for m in s.missing)


def test_scenarios_use_the_quartiles_and_the_same_costs(two_populations):
    a, _ = two_populations
    project, recs, territory, s = _sized(a)
    scen = all_scenarios(project, recs, territory)
    assert set(scen) == {"budget_participatif", "appel_a_projets", "fonds_de_concours"}
    fs = scen["budget_participatif"]
    assert [x.key for x in fs.scenarios] == ["sobre", "median", "ambitieux"]
    for sc, level in zip(fs.scenarios, ("q1", "median", "q3"), strict=True):
        assert sc.yearly_cost == s.get("budget_participatif", "bp_enveloppe", "enveloppe annuelle", level).value
    vals = _per_inhabitant(a, "budget_participatif")
    q1, q3 = _inverted_cdf(vals, 0.25), _inverted_cdf(vals, 0.75)
    assert len(fs.scenarios[0].comparable_ids) == sum(v <= q1 for v in vals)
    assert len(fs.scenarios[2].comparable_ids) == sum(v >= q3 for v in vals)
    rows = fs.to_dataframe()
    assert list(rows.columns) == ["", "Sobre", "Médian", "Ambitieux"]
    assert any("projets retenus" in str(x) for x in rows[""])


def test_changing_population_after_build(tmp_path):
    root = make_note_project(tmp_path / "p")
    before = yaml.safe_load((root / "benchmark" / "territory" / "rennes_metropole.yml").read_text(encoding="utf-8"))
    _, _, _, s1 = _sized(root)
    set_population(root, 100_000)
    _, _, _, s2 = _sized(root)
    f1 = s1.get("appel_a_projets", "aap_enveloppe", "enveloppe annuelle", "median")
    f2 = s2.get("appel_a_projets", "aap_enveloppe", "enveloppe annuelle", "median")
    assert f2.value / f1.value == Fraction(100_000, before["facts"]["population"]["value"])
