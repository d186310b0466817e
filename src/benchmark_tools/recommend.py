"""Evidence-linked recommendations (préconisations) for each instrument family: the entry points.

The chain, for one family:

1. **Leaders.** The robust top group is not one ranking: it is the set of cases whose
   probability of being in the top *k* under random weights (Monte Carlo of
   :mod:`benchmark_tools.robustness`, profile and seed from ``report.yml``, every other
   parameter from ``settings.robustness``) is at least ``leaders.p_top_k_min`` of
   ``benchmark/recommendations.yml``. Rennes' own instruments (``baseline: true``) are never
   counted among the leaders they are compared with.
2. **Evidence** (:mod:`benchmark_tools.recommend_evidence`). Criterion by criterion (normalised
   values, 1 = best) and design parameter by design parameter (numbers, yes/no, lists), the
   leaders are compared with the other cases (median, quartiles, share) and with Rennes' current
   instrument (the family's baseline).
3. **Rules** (:mod:`benchmark_tools.recommend_rules`). ``recommendations.yml`` holds the rules: a
   condition from a small closed vocabulary (:data:`~benchmark_tools.vocabulary.RULE_TYPES`, one
   function each), a French text template filled with the computed numbers, a priority, an effort,
   a horizon and the trade-offs the text must mention. A rule is only emitted when its condition
   holds *and* at least one supporting case carries a source.
4. **Stability** (:mod:`benchmark_tools.recommend_stability`): how often each rule is retained
   when the leader group is recomputed in the joint draws (priorities and leads).
5. **Rendering** (:mod:`benchmark_tools.recommend_render`, tables in
   :mod:`benchmark_tools.recommend_tables`).

Everything configurable lives in ``benchmark/recommendations.yml`` and in the territory
profile ``benchmark/territory/rennes_metropole.yml`` (sourced facts only); nothing here is a
hidden constant except the closed vocabularies.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .designs import position_design
from .errors import InputError
from .formats import fmt_number, fmt_share
from .project import load_recommendation_config, load_territory
from .recommend_evidence import family_evidence, report_params
from .recommend_render import RecommendationReport, RecommendationSet, complementarity_paragraph
from .recommend_rules import run_rules
from .recommend_stability import preconisation_stability
from .recommend_tables import distinguishing_practices, indicators_table, ranges_table
from .runcache import project_computation
from .schema import ReportParams
from .schema_rules import RecommendationConfig, Territory
from .vocabulary import HORIZONS


def recommend(project, family: str, params=None, *, config: RecommendationConfig | None = None,
              territory: Territory | None = None) -> RecommendationSet:
    """Evaluate the rules of ``benchmark/recommendations.yml`` for one family.

    Parameters
    ----------
    project : Project
        The loaded project (:func:`benchmark_tools.project.load_project`).
    family : str
        One of the main families.
    params : ReportParams or mapping, optional
        Profile, method, normalisation, seed and number of draws (default: ``report.yml``;
        a mapping overrides some keys).
    config, territory : optional
        Already loaded configuration and territory profile (default: read from the project).

    Returns
    -------
    RecommendationSet
        Emitted recommendations sorted by priority (at most ``limits.max_per_family``), each
        with at least one supporting case carrying a source; the outcome of every rule; the
        ranges table; the best candidate design; indicators; roadmap.
    """
    territory = territory or load_territory(project.root)
    cfg = config or load_recommendation_config(project.root, project.catalogue, project.families, territory)
    rp = report_params(project, params)
    ev = family_evidence(project, family, rp, cfg)
    kept, outcomes = run_rules(ev, cfg, territory, project, family)
    stab = preconisation_stability(ev, cfg, territory, project, family)
    kept = [replace(r, retention=stab.shares.get(r.id, 0.0)) for r in kept]
    names = cfg.ranges.get(family, [])
    ranges = ranges_table(ev, names)
    indicators = indicators_table(project, family, kept, ev)
    roadmap = {hz: [r.title for r in kept if r.horizon == hz] for hz in HORIZONS}
    best, design_note = _best_design(project, family, rp)
    notes = []
    if not ev.leader_ids:
        notes.append("Aucun cas n'atteint le seuil de probabilité du groupe de tête : aucune comparaison aux meneurs "
                     "n'est possible pour cette famille.")
    practices = distinguishing_practices(ev, cfg.agreement.min_n)
    return RecommendationSet(ev, kept, outcomes, ranges, indicators, roadmap, best, design_note, notes,
                             cfg.limits.min_per_family, practices, stability=stab)


def _best_design(project, family: str, rp: ReportParams) -> tuple[dict | None, str]:
    """The candidate design of the family with the highest nominal score, and its rank interval.

    Uses :func:`benchmark_tools.designs.position_design` with the run's profile, method,
    normalisation, draws and seed. Status-quo designs (Rennes' current instruments) are shown
    for comparison but are not candidates.
    """
    designs = [d for d in getattr(project, "designs", {}).values() if d.family == family]
    if not designs:
        return None, "Aucun dispositif candidat n'est codé pour cette famille (benchmark/designs/)."
    placed = []
    for d in designs:
        try:
            pos = position_design(project, d.id, profile=rp.profile, method=rp.method,
                                  normalisation=rp.normalisation, n_draws=rp.n_draws, seed=rp.seed)
        except Exception as exc:  # noqa: BLE001 - a design that cannot be placed is reported, not fatal
            return None, f"Positionnement impossible pour « {d.name} » : {exc}"
        placed.append({"id": d.id, "name": d.name, "status_quo": bool(getattr(d, "status_quo", False)),
                       "score": float(pos.score), "rank": int(pos.rank), "n_compared": int(pos.n_compared),
                       "rank_low": pos.rank_p05, "rank_high": pos.rank_p95, "p_top_k": pos.p_top_k,
                       "top_k": pos.top_k})
    candidates = [p for p in placed if not p["status_quo"] and np.isfinite(p["score"])]
    if not candidates:
        return None, "Seul le statu quo est codé pour cette famille : aucun dispositif candidat à comparer."
    best = max(candidates, key=lambda p: p["score"])

    def describe(p):
        rank = f"rang nominal {p['rank']} sur {p['n_compared']}" if p["rank"] > 0 else "non classé"
        interval = (f", rang probable entre {fmt_number(p['rank_low'], 0)} et {fmt_number(p['rank_high'], 0)} "
                    f"(5–95 %), probabilité d'être parmi les {p['top_k']} premiers {fmt_share(p['p_top_k'])}"
                    if p["rank_low"] is not None and np.isfinite(p["rank_low"]) else "")
        return f"« {p['name']} » : score nominal {fmt_number(p['score'], 3)}, {rank}{interval}"

    text = "Dispositif candidat le mieux noté : " + describe(best) + "."
    sq = [p for p in placed if p["status_quo"]]
    if sq:
        text += " Pour comparaison, statu quo " + " ; ".join(describe(p) for p in sq) + "."
    text += " Les niveaux d'un dispositif candidat sont codés ex ante (intentions de conception)."
    return best, text


def recommend_all(project, params=None, families: list[str] | None = None) -> RecommendationReport:
    """:func:`recommend` for every main family of the run that has cases, and the complementarity paragraph.

    Computed once per run for a given project and parameters (the report, then the note):
    :func:`benchmark_tools.runcache.project_computation`.
    """
    return project_computation("recommend_all", _recommend_all, project, params, families)


def _recommend_all(project, params=None, families: list[str] | None = None) -> RecommendationReport:
    territory = load_territory(project.root)
    cfg = load_recommendation_config(project.root, project.catalogue, project.families, territory)
    fams = families or [f for f in (report_params(project, params).families) if f in project.families.main]
    sets = {f: recommend(project, f, params, config=cfg, territory=territory) for f in fams if project.cases_of(f)}
    return RecommendationReport(sets, complementarity_paragraph(project, sets, territory))


def recommendations_text(project, family: str | None = None) -> str:
    """Plain French text of the recommendations (``benchmark-tools recommend``)."""
    if family is not None:
        if family not in project.families.main:
            raise InputError(f"famille « {family} » : les préconisations portent sur "
                             + ", ".join(project.families.main))
        return recommend(project, family).to_text()
    return recommend_all(project).to_text()
