"""Three scenarios per family (sobre, médian, ambitieux) from the observed quartiles and the candidate designs.

For each main family:

- the **key parameters** take the first quartile, the median and the third quartile of what the
  cases of the family do (all cases with a value in euros, Rennes' own instruments excluded,
  exactly the ranges of the préconisations);
- the **yearly cost** for the Métropole is the envelope per inhabitant times its population
  (:mod:`benchmark_tools.sizing`); with the cap per project, the number of projects it funds;
- **what comparable cases obtained**: the cases whose envelope per inhabitant falls in the
  scenario's band (≤ Q1, between Q1 and Q3, ≥ Q3) and, for each outcome (participants or voters,
  turnout, projects retained, share of ecology projects), the range and the number of cases;
- the **candidate designs** of ``benchmark/designs/`` whose envelope per inhabitant falls in the band;
- the **trade-offs** and **what must be decided politically**, written from these numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from .cases import derived_fact
from .formats import fmt_meur, fmt_number
from .sizing import territory_numbers, yearly_envelope

SCENARIOS = (("sobre", "Sobre", "q1"), ("median", "Médian", "median"), ("ambitieux", "Ambitieux", "q3"))

#: Outcomes shown for comparable cases: (label, how to read it).
OUTCOMES = (
    ("Participants ou votants", "participation"),
    ("Taux de participation", "turnout_pct"),
    ("Projets retenus", "projects_retained"),
    ("Part de projets écologiques", "climate_share_pct"),
)


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    per_inhabitant: float | None
    yearly_cost: Fraction | None
    project_cap: float | None
    projects_funded: int | None
    duration_years: float | None
    comparable_ids: tuple[str, ...]
    outcomes: dict  # label -> (min, max, n) or None
    designs: tuple[str, ...]
    tradeoff: str


@dataclass
class FamilyScenarios:
    family: str
    family_label: str
    scenarios: list[Scenario]
    n_cases: int  # cases with an envelope per inhabitant
    n_cap: int = 0
    n_duration: int = 0
    decisions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dataframe(self) -> pd.DataFrame:
        """One row per line of the table, one column per scenario (French)."""
        rows = scenario_rows(self)
        return pd.DataFrame(rows[1:], columns=rows[0])


def _outcome_value(case, key: str) -> float | None:
    if key == "participation":
        for name in ("voters_count", "participants"):
            f = getattr(case.outcomes, name, None)
            if f is not None and isinstance(f.value, (int, float)):
                return float(f.value)
        return None
    if key == "turnout_pct":
        try:
            f = derived_fact(case, "turnout_pct")
        except KeyError:
            f = None
        return float(f.value) if f is not None and isinstance(f.value, (int, float)) else None
    f = getattr(case.outcomes, key, None)
    return float(f.value) if f is not None and isinstance(f.value, (int, float)) and not isinstance(f.value, bool) \
        else None


def _band(key: str, v: float, q1: float, q3: float) -> bool:
    if key == "sobre":
        return v <= q1
    if key == "ambitieux":
        return v >= q3
    return q1 < v < q3


def family_scenarios(project, rs, territory) -> FamilyScenarios:
    """The three scenarios of one family.

    Parameters
    ----------
    project : Project
    rs : RecommendationSet
        The family's recommendations (its evidence holds the observed quartiles).
    territory : Territory
    """
    ev = rs.evidence
    facts, _ = territory_numbers(territory)
    pop = facts.get("population")
    pe = ev.parameters
    pih, cap, dur = (pe[n].all_cases for n in ("per_inhabitant_per_year", "project_cap", "envelope_period_years"))
    vals = {cid: v for cid, v, _ in pe["per_inhabitant_per_year"].all_values}
    by_id = {c.id: c for c in project.cases_of(ev.family)}
    designs = {}
    for d in getattr(project, "designs", {}).values():
        if d.family != ev.family or getattr(d, "status_quo", False):
            continue
        f = derived_fact(d, "per_inhabitant_per_year")
        if f is not None and isinstance(f.value, (int, float)):
            designs[d.name] = float(f.value)
    notes = []
    scen = []
    have = pih["n"] > 0 and math.isfinite(pih["median"])
    for key, label, q in SCENARIOS:
        if not have:
            scen.append(Scenario(key, label, None, None, None, None, None, (), {}, (), ""))
            continue
        v = pih[q]
        cost = yearly_envelope(v, pop.value) if pop is not None else None
        c = cap[q] if cap["n"] > 0 and math.isfinite(cap[q]) else None
        k = math.floor(cost / Fraction(c)) if cost is not None and c else None
        d = dur[q] if dur["n"] > 0 and math.isfinite(dur[q]) else None
        comp = tuple(cid for cid, x in vals.items() if _band(key, x, pih["q1"], pih["q3"]))
        outs = {}
        for olabel, okey in OUTCOMES:
            xs = [x for x in (_outcome_value(by_id[cid], okey) for cid in comp if cid in by_id) if x is not None]
            outs[olabel] = (min(xs), max(xs), len(xs)) if xs else None
        dnames = tuple(n for n, x in designs.items() if _band(key, x, pih["q1"], pih["q3"]))
        trade = _tradeoff(key, cost, k, c)
        scen.append(Scenario(key, label, v, cost, c, k, d, comp, outs, dnames, trade))
    if not have:
        notes.append("Aucun cas de la famille ne documente une enveloppe par habitant en euros : pas de scénario "
                     "chiffré.")
    if pop is None:
        notes.append("Population de la Métropole manquante : coûts non calculés.")
    decisions = _decisions(ev.family_label.lower(), scen, rs)
    return FamilyScenarios(ev.family, ev.family_label, scen, int(pih["n"]), int(cap["n"]), int(dur["n"]), decisions,
                           notes)


def _tradeoff(key: str, cost, k, cap) -> str:
    money = fmt_meur(cost) + " par an" if cost is not None else "coût non calculé"
    if key == "sobre":
        base = "Coût contenu, mais moins de moyens et une visibilité moindre"
    elif key == "median":
        base = "Ordre de grandeur le plus courant chez les autres"
    else:
        base = "Plus de moyens et de visibilité, mais charge d'instruction et de réalisation plus lourde"
    extra = f" ; au plafond, {k} projet(s) au moins" if k is not None else ""
    return f"{base} ({money}{extra})."


def _decisions(family_label: str, scen: list[Scenario], rs) -> list[str]:
    out = []
    costs = [s.yearly_cost for s in scen if s.yearly_cost is not None]
    if costs:
        out.append(f"Niveau de l'enveloppe annuelle : entre {fmt_meur(min(costs))} et {fmt_meur(max(costs))} selon "
                   "le scénario, à inscrire au budget métropolitain.")
    caps = [s.project_cap for s in scen if s.project_cap is not None]
    if caps and min(caps) != max(caps):
        out.append(f"Plafond par projet : de {fmt_number(min(caps), 0, '€')} à {fmt_number(max(caps), 0, '€')} "
                   "(peu de gros projets ou beaucoup de petits).")
    durs = [s.duration_years for s in scen if s.duration_years is not None]
    if durs and min(durs) != max(durs):
        out.append(f"Durée de l'engagement : de {fmt_number(min(durs), 0)} à {fmt_number(max(durs), 0)} ans.")
    for t in dict.fromkeys(t for r in rs.recommendations for t in r.tradeoffs):
        out.append(t)
    return out


def _range(o, unit: str = "", dec: int = 0) -> str:
    if o is None:
        return "non documenté"
    lo, hi, n = o
    u = unit
    txt = fmt_number(lo, dec, u) if lo == hi else f"{fmt_number(lo, dec)} – {fmt_number(hi, dec, u)}"
    return f"{txt} ({n} cas)"


def scenario_rows(fs: FamilyScenarios) -> list[list[str]]:
    """The table of one family as rows of French text; the first row is the header.

    The note and the full report both render these rows, so they show the same numbers.
    """
    head = ["", *[s.label for s in fs.scenarios]]
    rows = [head]

    def line(label, fn):
        rows.append([label, *[fn(s) for s in fs.scenarios]])

    line(f"Enveloppe par habitant et par an (Q1, médiane, Q3 de {fs.n_cases} cas)", lambda s: "—" if s.per_inhabitant is None
         else fmt_number(s.per_inhabitant, 2, "€"))
    line("Coût annuel pour la Métropole", lambda s: "—" if s.yearly_cost is None else fmt_meur(s.yearly_cost))
    line(f"Plafond par projet ({fs.n_cap} cas)", lambda s: "non documenté" if s.project_cap is None else fmt_number(s.project_cap, 0, "€"))
    line("Projets financés au plafond (au moins)", lambda s: "—" if s.projects_funded is None else str(s.projects_funded))
    line(f"Durée de l'enveloppe ({fs.n_duration} cas)", lambda s: "non documenté" if s.duration_years is None
         else fmt_number(s.duration_years, 0) + "\u00a0an(s)")
    line("Cas comparables (enveloppe par habitant dans la tranche)", lambda s: str(len(s.comparable_ids)))
    for olabel, okey in OUTCOMES:
        unit, dec = ("%", 0) if okey in ("turnout_pct", "climate_share_pct") else ("", 0)
        line(f"Obtenu par ces cas : {olabel.lower()}", lambda s, o=olabel, u=unit, d=dec: _range(s.outcomes.get(o), u, d))
    line("Dispositif candidat dans la tranche", lambda s: ", ".join(s.designs) or "—")
    line("Arbitrage", lambda s: s.tradeoff or "—")
    return rows


def all_scenarios(project, recommendations, territory) -> dict[str, FamilyScenarios]:
    """Scenarios of every family of a :class:`~benchmark_tools.recommend.RecommendationReport`."""
    return {fam: family_scenarios(project, rs, territory) for fam, rs in recommendations.sets.items()}


def band_edges(fs: FamilyScenarios) -> tuple[float, float] | None:
    """(Q1, Q3) of the envelope per inhabitant, the edges of the bands."""
    q = [s.per_inhabitant for s in fs.scenarios]
    return None if q[0] is None else (float(q[0]), float(q[2]))


__all__ = ["SCENARIOS", "FamilyScenarios", "Scenario", "all_scenarios", "band_edges", "family_scenarios",
           "scenario_rows"]
