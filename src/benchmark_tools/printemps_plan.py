"""Printemps citoyen: labelling pre-check and the programme (dates chosen by OR-Tools CP-SAT).

:func:`precheck` flags, for the panel, what the proposal's own fields say about the three labelling
criteria — never a decision. :func:`plan` gives every labelled action a date:

- an action with a fixed date keeps it;
- an action with a window of possible dates gets one from the constraint solver, under the hard
  constraints: no two actions of the same holder the same day; at most
  ``planning.max_actions_per_place_per_day`` actions per place and day (places with the same id are
  shared); no two actions of the same format the same day in the same commune;
- the objective is lexicographic: first the number of communes with at least one action (coverage),
  then the number of actions placed, then the balance (no week above ``planning.max_week_share`` of
  the actions, at least ``planning.weekend_share_min`` of them on a Saturday or Sunday), the last two
  as penalties.

When fixed dates already break a hard constraint, the constraint is relaxed to what the fixed actions
need and the conflict is reported. The result says which constraints bind and, for each action that
could not be placed, why on each of its possible days. :func:`outreach` lists the communes left without
any action, with their population, and proposes animations to commission from the catalogue within the
budget.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from .printemps_model import Edition, Proposal

WEEKEND = (5, 6)


# --------------------------------------------------------------------------- labelling pre-check


def precheck(edition: Edition) -> pd.DataFrame:
    """One row per proposal: a flag per criterion ("oui" / "à vérifier") with the reason, for the panel."""
    s = edition.settings
    participative = {f.id: f.participative for f in s.formats}
    keywords = [k.lower() for k in s.transition_keywords]
    rows = []
    for p in edition.proposals:
        text = f"{p.title} {p.description}".lower()
        hits = [k for k in keywords if k in text]
        c1 = participative.get(p.format, False)
        c3 = p.free and bool(p.accessibility)
        rows.append({
            "proposition": p.id, "titre": p.title, "porteur": p.holder_type,
            "s'exprimer ou faire": "oui" if c1 else "à vérifier",
            "motif 1": f"format « {p.format} » " + ("participatif" if c1 else "plutôt d'écoute : vérifier la part d'échange"),
            "lien avec les transitions": "oui" if hits else "à vérifier",
            "motif 2": ("mots repérés : " + ", ".join(hits[:4])) if hits else "aucun mot-clé de transition dans le titre ni la description",
            "gratuit et accessible": "oui" if c3 else "à vérifier",
            "motif 3": ("gratuit ; accessibilité : " + p.accessibility) if c3
            else ("payant" if not p.free else "accessibilité non décrite"),
        })
    return pd.DataFrame(rows)


def panel_template(edition: Edition) -> dict:
    """The panel sheet to fill: one decision and reason per proposal (``labellisation.yml``)."""
    return {"edition": edition.settings.id,
            "decisions": {p.id: {"decision": "a_revoir", "reason": "à examiner par le comité"} for p in edition.proposals}}


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class PlanResult:
    """The programme: a date per placed action, the reasons for the others, what binds."""

    dates: dict[str, dt.date]
    fixed: frozenset[str]
    unplaced: dict[str, str]
    binding: dict[str, int]
    conflicts: list[str]
    covered: frozenset[str]
    status: str
    seconds: float
    actions: tuple[Proposal, ...] = field(repr=False)

    def to_dataframe(self) -> pd.DataFrame:
        rows = []
        for a in self.actions:
            d = self.dates.get(a.id)
            rows.append({"action": a.id, "titre": a.title, "date": d, "communes": ", ".join(a.communes),
                         "format": a.format, "lieu": a.place.name,
                         "statut": "date fixe" if a.id in self.fixed else ("placée" if d else "non placée"),
                         "motif": self.unplaced.get(a.id, "")})
        cols = ["action", "titre", "date", "communes", "format", "lieu", "statut", "motif"]
        return pd.DataFrame(rows, columns=cols).sort_values(["date", "action"], na_position="last").reset_index(drop=True)


def _days(edition: Edition) -> list[dt.date]:
    s = edition.settings
    return [s.start + dt.timedelta(days=i) for i in range((s.end - s.start).days + 1)]


def candidate_days(a: Proposal, days: list[dt.date]) -> list[dt.date]:
    if a.date is not None:
        return [a.date] if a.date in days else []
    return [d for d in days if a.window.start <= d <= a.window.end]


def _groups(actions, cand):
    """Hard-constraint groups: key → (capacity kind, [(action, day)])."""
    g: dict[tuple, list] = defaultdict(list)
    for a in actions:
        for d in cand[a.id]:
            g[("porteur", a.holder, d)].append(a.id)
            g[("lieu", a.place.id, d)].append(a.id)
            for c in a.communes:
                g[("format", c, a.format, d)].append(a.id)
    return g


def _capacity(key, edition) -> int:
    return edition.settings.planning.max_actions_per_place_per_day if key[0] == "lieu" else 1


def _why_not(a: Proposal, cand, dates, by_id, edition) -> str:
    if not cand:
        return "aucune date possible dans la période de l'édition"
    reasons = []
    for d in cand:
        same_day = [by_id[o] for o, od in dates.items() if od == d]
        why = []
        holder = [o.id for o in same_day if o.holder == a.holder]
        if holder:
            why.append("même porteur (" + ", ".join(holder) + ")")
        place = [o.id for o in same_day if o.place.id == a.place.id]
        if len(place) >= edition.settings.planning.max_actions_per_place_per_day:
            why.append("lieu complet (" + ", ".join(place) + ")")
        fmt = [o.id for o in same_day if o.format == a.format and set(o.communes) & set(a.communes)]
        if fmt:
            why.append("même format dans la commune (" + ", ".join(fmt) + ")")
        reasons.append(f"{d:%d/%m} : " + ("; ".join(why) if why else "écarté pour l'équilibre du programme"))
    return " ; ".join(reasons[:6]) + (" ; …" if len(reasons) > 6 else "")


def plan(edition: Edition, actions: list[Proposal] | None = None, seed: int = 0) -> PlanResult:
    """Choose a date for every labelled action; see the module docstring for the rules.

    Parameters
    ----------
    edition : Edition
    actions : list of Proposal, optional
        Default: the labelled proposals (:meth:`Edition.labelled`).
    seed : int
        Seed of the solver's search (``random_seed``), with one worker so that the plan is reproducible.
    """
    from ortools.sat.python import (
        cp_model,  # heavy optional import: only the planning step needs it
    )

    actions = list(actions if actions is not None else edition.labelled())
    s = edition.settings.planning
    days = _days(edition)
    cand = {a.id: candidate_days(a, days) for a in actions}
    by_id = {a.id: a for a in actions}
    fixed = {a.id for a in actions if a.date is not None and cand[a.id]}
    m = cp_model.CpModel()
    x = {(a.id, d): m.NewBoolVar(f"x_{a.id}_{d:%m%d}") for a in actions for d in cand[a.id]}
    placed = {}
    for a in actions:
        placed[a.id] = m.NewBoolVar(f"placed_{a.id}")
        m.Add(sum(x[a.id, d] for d in cand[a.id]) == placed[a.id])
        if a.id in fixed:
            m.Add(placed[a.id] == 1)
    conflicts, binding_groups = _add_capacities(m, x, actions, cand, fixed, edition)
    _add_objective(m, x, placed, actions, s)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(s.solver_seconds)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    status = solver.Solve(m)
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    dates = {aid: d for (aid, d), v in x.items() if ok and solver.Value(v)}
    unplaced = {a.id: _why_not(a, cand[a.id], dates, by_id, edition) for a in actions if a.id not in dates}
    cov = frozenset(c for a in actions if a.id in dates for c in a.communes)
    return PlanResult(dates, frozenset(fixed), unplaced, _binding_counts(binding_groups, dates), conflicts, cov,
                      {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "réalisable (temps limite atteint)"}.get(
                          status, "aucune solution"), solver.WallTime(), tuple(actions))


def _add_capacities(m, x: dict, actions, cand: dict, fixed: set, edition: Edition) -> tuple[list[str], dict]:
    """The hard constraints (one holder, one place, one format per commune and per day) on the CP-SAT model ``m``.

    Returns the conflicts between fixed dates (French) and the groups whose capacity constrains the plan,
    ``key → (action ids, capacity)``. A group with more fixed actions than its capacity gets that number
    as its capacity: the fixed dates are kept and the conflict is reported.
    """
    conflicts, binding_groups = [], {}
    for key, ids in _groups(actions, cand).items():
        cap = _capacity(key, edition)
        n_fixed = sum(1 for i in ids if i in fixed)
        if n_fixed > cap:
            conflicts.append(f"{key[0]} {key[1]} le {key[-1]:%d/%m} : {n_fixed} actions à date fixe ("
                             + ", ".join(i for i in ids if i in fixed) + f") pour {cap} possible(s)")
            cap = n_fixed
        if len(ids) > cap:
            m.Add(sum(x[i, key[-1]] for i in ids) <= cap)
            binding_groups[key] = (ids, cap)
    return conflicts, binding_groups


def _add_objective(m, x: dict, placed: dict, actions, s) -> None:
    """Lexicographic objective: communes covered, then actions placed, then balance (weeks, weekends)."""
    # Coverage of communes.
    codes = sorted({c for a in actions for c in a.communes})
    covered = {c: m.NewBoolVar(f"cov_{c}") for c in codes}
    for c in codes:
        m.Add(covered[c] <= sum(placed[a.id] for a in actions if c in a.communes))
    n = max(len(actions), 1)
    # Spread over weeks: excess over the cap, penalised.
    weeks = defaultdict(list)
    for (_, d), var in x.items():
        weeks[d.isocalendar()[:2]].append(var)
    cap_week = math.ceil(s.max_week_share * n)
    excess = []
    for w, vs in weeks.items():
        e = m.NewIntVar(0, n, f"excess_{w[0]}_{w[1]}")
        m.Add(sum(vs) - cap_week <= e)
        excess.append(e)
    # Weekend share, in hundredths of an action.
    share = round(100 * s.weekend_share_min)
    deficit = m.NewIntVar(0, 100 * n, "weekend_deficit")
    m.Add(100 * sum(v for (aid, d), v in x.items() if d.weekday() in WEEKEND) + deficit
          >= share * sum(placed.values()))
    soft = sum(excess) + deficit
    # Largest possible penalty: every week's excess (≤ n each) plus the deficit (≤ 100 n).
    big1 = (len(weeks) + 100) * n + 1  # one more action placed outweighs any balance penalty
    big2 = big1 * (n + 1)  # one more commune covered outweighs any number of actions
    m.Maximize(big2 * sum(covered.values()) + big1 * sum(placed.values()) - soft)


def _binding_counts(binding_groups: dict, dates: dict) -> dict[str, int]:
    """Number of groups filled to capacity by the plan, per kind (porteur, lieu, format)."""
    binding: dict[str, int] = defaultdict(int)
    for key, (ids, cap) in binding_groups.items():
        if sum(1 for i in ids if dates.get(i) == key[-1]) >= cap:
            binding[key[0]] += 1
    return dict(binding)


def binding_text(result: PlanResult) -> list[str]:
    """Plain French sentences on what limited the programme."""
    labels = {"porteur": "un porteur avait déjà une action ce jour-là",
              "lieu": "un lieu partagé était complet",
              "format": "le même format avait déjà lieu le même jour dans la commune"}
    out = [f"{labels[k]} : {v} jour(s) saturé(s)" for k, v in sorted(result.binding.items())]
    out += [f"conflit entre dates fixes — {c}" for c in result.conflicts]
    return out or ["aucune contrainte n'a limité le programme"]


# --------------------------------------------------------------------------- outreach


def outreach(edition: Edition, result: PlanResult, catalogue: list[dict] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Communes without any action (by population) and the animations to commission within the budget.

    Parameters
    ----------
    catalogue : list of dict, optional
        Entries of ``benchmark/printemps/animations.yml`` (``format``, ``label``, ``cost_eur`` record).
        Only entries with a known cost are proposed; the cheapest is given to the most populous
        uncovered communes first, until the budget ``planning.animation_budget_eur`` is spent.
    """
    rows = [{"code INSEE": c.insee, "commune": c.name, "population": c.population.value,
             "année": c.population.year}
            for c in edition.communes.communes if c.insee not in result.covered]
    gaps = pd.DataFrame(rows, columns=["code INSEE", "commune", "population", "année"])
    gaps = gaps.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)
    priced = sorted((e for e in (catalogue or []) if (e.get("cost_eur") or {}).get("value") is not None),
                    key=lambda e: (e["cost_eur"]["value"], e["format"]))
    budget = float(edition.settings.planning.animation_budget_eur)
    picks = []
    if priced:
        cheapest = priced[0]
        for _, g in gaps.iterrows():
            cost = float(cheapest["cost_eur"]["value"])
            if cost > budget:
                break
            budget -= cost
            picks.append({"commune": g["commune"], "code INSEE": g["code INSEE"], "animation": cheapest["label"],
                          "coût (€)": cost, "source du coût": cheapest["cost_eur"].get("source")})
    return gaps, pd.DataFrame(picks, columns=["commune", "code INSEE", "animation", "coût (€)", "source du coût"])
