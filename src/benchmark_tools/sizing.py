"""Préconisations sized for the territory: observed ranges translated into Rennes Métropole's terms.

A préconisation such as « situer l'enveloppe par habitant dans la fourchette observée » leaves the
arithmetic to the reader. This module does it, from the sourced facts of
``benchmark/territory/rennes_metropole.yml`` only:

- an envelope per inhabitant and per year (Q1, median, Q3 of the cases) becomes **M€ per year**
  for the Métropole: ``€/hab./an × population``;
- for the fonds de concours, the yearly envelope becomes an **amount per commune**
  (``envelope ÷ communes``); a split by population band needs the population of each commune,
  which the territory file does not hold yet: the gap is listed, never filled;
- a cap per project becomes the **number of projects** the median envelope funds
  (``⌊envelope ÷ cap⌋``, each project at the cap: a lower bound);
- a share of the investment budget needs the Métropole's investment budget: listed as missing
  unless the territory file has a sourced ``investment_budget`` fact;
- a duration multiplies the yearly envelope into the envelope of the period.

Every figure keeps its formula, its inputs and their sources. Amounts are exact fractions
(:class:`fractions.Fraction` of the float inputs), so doubling the population doubles every
amount exactly; rounding happens only when the figure is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from .formats import fmt_eur, fmt_meur, fmt_number
from .vocabulary import PARAMETERS

#: Facts of the territory file this module reads (top-level ``facts``).
POPULATION_FACT = "population"
COMMUNES_FACT = "communes"
INVESTMENT_FACT = "investment_budget"
BANDS_FACT = "communes_by_population_band"

#: Hosts accepted as primary sources for the population (INSEE, the ministry's file of the
#: intercommunalities that reproduces the INSEE legal populations, or the Métropole itself).
PRIMARY_POPULATION_HOSTS = ("insee.fr", "collectivites-locales.gouv.fr", "metropole.rennes.fr")

QUARTILE_LABELS = {"q1": "premier quartile", "median": "médiane", "q3": "troisième quartile"}


@dataclass(frozen=True)
class Input:
    """One input of a sized figure: what it is, its value and where it comes from."""

    label: str
    value: str
    year: str = ""
    source: str = ""


@dataclass(frozen=True)
class SizedFigure:
    """One préconisation figure in the territory's terms.

    ``value`` is exact (a Fraction) in the unit ``unit`` (``"€"`` for amounts, ``"projets"``…);
    ``text`` is the French rendering; ``formula`` says how it was computed.
    """

    family: str
    rec_id: str
    quantity: str  # e.g. "enveloppe annuelle", "montant par commune", "projets financés"
    level: str  # q1 | median | q3 | "" when not a quartile
    value: Fraction
    unit: str
    text: str
    formula: str
    inputs: tuple[Input, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.source for i in self.inputs if i.source))


@dataclass
class Sizing:
    """Sized figures of every numeric préconisation, and the territory facts that are missing."""

    figures: list[SizedFigure]
    missing: list[str]
    not_sized: list[tuple[str, str, str]] = field(default_factory=list)  # (family, rec id, why)

    def for_family(self, family: str) -> list[SizedFigure]:
        return [f for f in self.figures if f.family == family]

    def get(self, family: str, rec_id: str, quantity: str, level: str = "") -> SizedFigure | None:
        for f in self.figures:
            if (f.family, f.rec_id, f.quantity, f.level) == (family, rec_id, quantity, level):
                return f
        return None

    def to_dataframe(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "Famille": f.family, "Préconisation": f.rec_id, "Grandeur": f.quantity,
            "Repère": QUARTILE_LABELS.get(f.level, f.level or "—"), "Valeur": f.text, "Formule": f.formula,
            "Sources": " ; ".join(f.sources),
        } for f in self.figures], columns=["Famille", "Préconisation", "Grandeur", "Repère", "Valeur", "Formule",
                                            "Sources"])


# --------------------------------------------------------------------------- French amounts


def _fact_input(label: str, fact) -> Input:
    return Input(label, fmt_number(fact.value, 0) if isinstance(fact.value, (int, float)) else str(fact.value),
                 str(fact.year), fact.source)


def _evidence_input(label: str, value: float, decimals: int, unit: str, n: int, rec) -> Input:
    srcs = " ; ".join(rec.sources[:3]) + (f" ; … ({len(rec.sources)} sources)" if len(rec.sources) > 3 else "")
    return Input(f"{label} ({n} cas)", fmt_number(value, decimals, unit), "", srcs)


# --------------------------------------------------------------------------- territory facts


def territory_numbers(territory) -> tuple[dict, list[str]]:
    """The numeric territory facts the sizing uses, and the list of what is missing.

    Returns
    -------
    (dict, list of str)
        ``{"population": fact, "communes": fact, "investment_budget": fact, "bands": fact}``
        (absent keys when the fact is missing or not a number) and French sentences naming
        each missing or secondary fact.
    """
    got, missing = {}, []
    pop = territory.facts.get(POPULATION_FACT)
    if pop is not None and isinstance(pop.value, (int, float)) and not isinstance(pop.value, bool) and pop.value > 0:
        got["population"] = pop
        if not any(h in pop.source for h in PRIMARY_POPULATION_HOSTS):
            missing.append(
                f"Population légale INSEE récente de la Métropole : le calcul utilise "
                f"{fmt_number(pop.value, 0)} habitants ({pop.year}), tirés d'une source secondaire ({pop.source}). "
                "À remplacer par la population légale publiée sur insee.fr (fait « population » de "
                "benchmark/territory/rennes_metropole.yml).")
    else:
        missing.append("Population de la Métropole (fait « population ») : aucun montant par habitant ne peut être "
                       "traduit en euros.")
    com = territory.facts.get(COMMUNES_FACT)
    if com is not None and isinstance(com.value, int) and not isinstance(com.value, bool) and com.value > 0:
        got["communes"] = com
    else:
        missing.append("Nombre de communes (fait « communes ») : pas de montant par commune.")
    inv = territory.facts.get(INVESTMENT_FACT)
    if inv is not None and isinstance(inv.value, (int, float)) and not isinstance(inv.value, bool) and inv.value > 0:
        got["investment_budget"] = inv
    else:
        missing.append("Budget d'investissement annuel de Rennes Métropole (fait « investment_budget », à sourcer "
                       "dans le budget primitif ou le compte administratif) : une part du budget d'investissement "
                       "ne peut pas être traduite en euros.")
    bands = territory.facts.get(BANDS_FACT)
    if bands is not None:
        got["bands"] = bands
    else:
        missing.append("Population de chaque commune (ou nombre de communes par tranche de population, fait "
                       "« communes_by_population_band », populations légales INSEE) : le montant par commune n'est "
                       "donné qu'en moyenne, pas par tranche.")
    return got, missing


# --------------------------------------------------------------------------- sizing


def _per_inhabitant(rs) -> dict | None:
    s = rs.evidence.parameters["per_inhabitant_per_year"].all_cases
    return s if s["n"] > 0 and all(math.isfinite(s[k]) for k in ("q1", "median", "q3")) else None


def yearly_envelope(per_inhabitant: float, population: int | float) -> Fraction:
    """``€/hab./an × population``, exact."""
    return Fraction(per_inhabitant) * Fraction(population)


def size_recommendations(recommendations, territory) -> Sizing:
    """Translate every numeric préconisation (``parameter_range`` rules) into the territory's terms.

    Parameters
    ----------
    recommendations : RecommendationReport
        From :func:`benchmark_tools.recommend.recommend_all`.
    territory : Territory
        From :func:`benchmark_tools.project.load_territory`.

    Returns
    -------
    Sizing
        The figures (with formula and sources), the missing territory facts, and the numeric
        préconisations that need no translation (rates, ages) with the reason.
    """
    facts, missing = territory_numbers(territory)
    figures: list[SizedFigure] = []
    not_sized: list[tuple[str, str, str]] = []
    for fam, rs in recommendations.sets.items():
        pih = _per_inhabitant(rs)
        for rec in rs.recommendations:
            if rec.rule_type != "parameter_range":
                continue
            sizer = _SIZERS.get(_rule_parameter(rec))
            if sizer is None:
                not_sized.append((fam, rec.id, "grandeur relative (taux, âge ou part) : rien à convertir en euros"))
                continue
            sized, why_not = sizer(fam, rec, facts, pih)
            if why_not:
                not_sized.append((fam, rec.id, why_not))
            figures.extend(sized)
    return Sizing(figures, missing, not_sized)


# One sizer per design parameter: ``(family, recommendation, territory facts, per-inhabitant quartiles of the
# family or None) -> (figures, reason it cannot be sized or "")``.


def _size_per_inhabitant(fam: str, rec, facts: dict, pih) -> tuple[list[SizedFigure], str]:
    """€/hab./an → the yearly envelope, and for the fonds de concours the mean amount per commune."""
    pop, com = facts.get("population"), facts.get("communes")
    if pop is None:
        return [], "population manquante"
    v, figures = rec.values, []
    for lv in ("q1", "median", "q3"):
        env = yearly_envelope(v[lv], pop.value)
        inputs = (_evidence_input(f"Enveloppe par habitant et par an, {QUARTILE_LABELS[lv]}", v[lv], 2,
                                  "€", int(v["n"]), rec), _fact_input("Population de la Métropole", pop))
        figures.append(SizedFigure(fam, rec.id, "enveloppe annuelle", lv, env, "€", fmt_meur(env),
                                   f"{fmt_number(v[lv], 2)} €/hab./an × {fmt_number(pop.value, 0)} hab. "
                                   f"= {fmt_meur(env)} par an", inputs))
        if fam == "fonds_de_concours" and com is not None:
            per_com = env / com.value
            figures.append(SizedFigure(
                fam, rec.id, "montant moyen par commune", lv, per_com, "€", fmt_eur(per_com),
                f"{fmt_meur(env)} par an ÷ {com.value} communes = {fmt_eur(per_com)} par commune et par "
                "an (moyenne ; la répartition par tranche de population demande la population de "
                "chaque commune)", inputs + (_fact_input("Nombre de communes", com),)))
    return figures, ""


def _median_envelope_input(env: Fraction, pop) -> Input:
    return Input("Enveloppe annuelle médiane de la famille", fmt_meur(env), str(pop.year), pop.source)


def _size_project_cap(fam: str, rec, facts: dict, pih) -> tuple[list[SizedFigure], str]:
    """A cap per project → the number of projects the family's median envelope funds at least."""
    pop = facts.get("population")
    if pop is None or pih is None:
        return [], "population ou enveloppe par habitant manquante"
    v, figures = rec.values, []
    env = yearly_envelope(pih["median"], pop.value)
    for lv in ("q1", "median", "q3"):
        cap = Fraction(v[lv])
        if cap <= 0:
            continue
        k = math.floor(env / cap)
        inputs = (_evidence_input(f"Plafond par projet, {QUARTILE_LABELS[lv]}", v[lv], 0, "€", int(v["n"]), rec),
                  _median_envelope_input(env, pop))
        figures.append(SizedFigure(
            fam, rec.id, "projets financés", lv, Fraction(k), "projets", f"{k} projet(s)",
            f"⌊{fmt_meur(env)} ÷ {fmt_eur(cap)}⌋ = {k} projet(s) par an au moins (chaque projet au "
            "plafond)", inputs))
    return figures, ""


def _size_investment_share(fam: str, rec, facts: dict, pih) -> tuple[list[SizedFigure], str]:
    """A share of the investment budget → a yearly envelope."""
    inv = facts.get("investment_budget")
    if inv is None:
        return [], "budget d'investissement de la Métropole non sourcé"
    v, figures = rec.values, []
    for lv in ("q1", "median", "q3"):
        env = Fraction(v[lv]) / 100 * Fraction(inv.value)
        inputs = (_evidence_input(f"Part du budget d'investissement, {QUARTILE_LABELS[lv]}", v[lv], 1,
                                  "%", int(v["n"]), rec),
                  _fact_input("Budget d'investissement de la Métropole", inv))
        figures.append(SizedFigure(fam, rec.id, "enveloppe annuelle (part de l'investissement)", lv, env,
                                   "€", fmt_meur(env), f"{fmt_number(v[lv], 1)} % × "
                                   f"{fmt_meur(inv.value)} = {fmt_meur(env)} par an", inputs))
    return figures, ""


def _size_envelope_period(fam: str, rec, facts: dict, pih) -> tuple[list[SizedFigure], str]:
    """A period in years → the envelope of the whole period at the family's median yearly envelope."""
    pop = facts.get("population")
    if pop is None or pih is None:
        return [], "population ou enveloppe par habitant manquante"
    v, figures = rec.values, []
    env = yearly_envelope(pih["median"], pop.value)
    for lv in ("q1", "median", "q3"):
        total = env * Fraction(v[lv])
        inputs = (_evidence_input(f"Durée, {QUARTILE_LABELS[lv]}", v[lv], 1, "ans", int(v["n"]), rec),
                  _median_envelope_input(env, pop))
        figures.append(SizedFigure(fam, rec.id, "enveloppe de la période", lv, total, "€",
                                   fmt_meur(total), f"{fmt_meur(env)} par an × {fmt_number(v[lv], 1)} "
                                   f"ans = {fmt_meur(total)}", inputs))
    return figures, ""


_SIZERS = {
    "per_inhabitant_per_year": _size_per_inhabitant,
    "project_cap": _size_project_cap,
    "share_of_investment_budget": _size_investment_share,
    "envelope_period_years": _size_envelope_period,
}


def _rule_parameter(rec) -> str | None:
    """The design parameter of a ``parameter_range`` recommendation (from its formatted label)."""

    label = rec.formatted.get("parameter", "")
    for name, p in PARAMETERS.items():
        if p.label_fr.lower() == label:
            return name
    return None
