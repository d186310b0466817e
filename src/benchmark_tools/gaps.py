"""The facts most worth finding: which missing cell would change the conclusions if documented.

For each missing-but-applicable cell (case × criterion) of a family, :func:`cell_gaps` fixes
the cell at each of ``robustness.gaps_levels`` values of its prior (the mid-quantiles of the
prior of :mod:`benchmark_tools.joint`), reruns a smaller seeded joint Monte Carlo
(``robustness.gaps_draws`` draws) with *common random numbers* (the same weights and the same
values for every other cell as the reference run) and compares:

- the width of the case's 5–95 % rank interval (expected reduction over the levels);
- the leader group (non-Rennes cases with P(top k) ≥ ``leaders.p_top_k_min``): share of the
  levels at which it differs from the reference run's;
- the priority préconisations, when a ``priorities`` callable is given (the project-level
  :func:`family_gaps` builds it from the rules): share of the levels at which they differ.

Everything but the loop over cells is batched: the levels of one cell are scored together as
one ``(L·K, n)`` array, and only the case of the cell is rescored for the arithmetic and
geometric means (the other cases' scores do not depend on it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .joint import JointScorer, draw_joint
from .ranking import rank_desc
from .textutil import fmt_number


def fmt_pct(x: float) -> str:
    """A share as a French percentage (« 25 % »)."""
    return f"{fmt_number(100 * float(x), 0)}\u00a0%"

# Methods whose score of a case depends only on that case's dimension scores.
_SEPARABLE = ("arithmetic", "geometric")


def _interval_width(ranks: np.ndarray) -> np.ndarray:
    """P95 − P5 of the ranks per case over the first axis (inverted CDF), ranks (..., K, n)."""
    k = ranks.shape[-2]
    srt = np.sort(np.where(ranks > 0, ranks, np.iinfo(np.int64).max), axis=-2)
    lo = srt[..., int(np.ceil(0.05 * k - 1e-9)) - 1 if k > 1 else 0, :]
    hi = srt[..., int(np.ceil(0.95 * k - 1e-9)) - 1, :]
    return (hi - lo).astype(float)


@dataclass
class GapsResult:
    """Missing cells ranked by how much documenting them would change the conclusions."""

    family: str
    prior: str
    n_draws: int
    levels: int
    table: pd.DataFrame

    def to_dataframe(self) -> pd.DataFrame:
        return self.table.copy()

    def top(self, n: int) -> pd.DataFrame:
        return self.table.head(n).reset_index(drop=True)


def cell_gaps(scorer: JointScorer, seed, *, n_draws: int, levels: int, top_k: int, p_top_min: float,
              eligible: np.ndarray, baseline: np.ndarray | None = None,
              priorities: Callable[[np.ndarray, np.ndarray], frozenset] | None = None) -> pd.DataFrame:
    """Effect of documenting each missing cell (see the module docstring).

    Parameters
    ----------
    scorer : JointScorer
        With a prior other than ``"none"``.
    seed : int
    n_draws, levels : int
        Settings ``robustness.gaps_draws`` and ``robustness.gaps_levels``.
    top_k : int
    p_top_min : float
        ``leaders.p_top_k_min`` of ``recommendations.yml``.
    eligible : bool ndarray (n,)
        Cases that can be leaders (non-Rennes).
    baseline : bool ndarray (n,), optional
        Rennes' own instruments (their gaps come first when they matter).
    priorities : callable, optional
        ``priorities(p_top (n,), ranks (K, n), case) -> frozenset`` of priority rule ids; ``case``
        is the position of the case whose cell is fixed (None for the reference run), so that
        the callable can skip draws whose leader groups cannot have changed.

    Returns
    -------
    DataFrame
        One row per missing cell: ``case``, ``criterion`` (positions), ``width``,
        ``width_reduction``, ``p_leaders_change``, ``p_priority_change``, ``p_change``,
        ``baseline``, sorted (Rennes' cells that matter first, then by ``p_change`` and
        ``width_reduction``).
    """
    n = len(scorer.case_ids)
    baseline = np.zeros(n, dtype=bool) if baseline is None else np.asarray(baseline, dtype=bool)
    weights, u = draw_joint(scorer, n_draws, seed)
    vals = scorer.cell_values(u)  # (K, M)
    s0 = scorer.dimension_scores(vals)  # (K, n, D)
    sc0 = scorer.aggregate(s0, weights)
    tol = scorer.tie_tolerance
    r0 = rank_desc(sc0, tol)
    k = r0.shape[0]
    w0 = _interval_width(r0)
    pt0 = ((r0 > 0) & (r0 <= top_k)).mean(axis=0)
    lead0 = frozenset(np.flatnonzero((pt0 >= p_top_min) & eligible).tolist())
    prio0 = priorities(pt0, r0, None) if priorities is not None else frozenset()
    mm = scorer.model
    d = len(scorer.dimension_ids)
    separable = scorer.method in _SEPARABLE
    rows = []
    for c in range(mm.n_cells):  # loop over cells; the levels and draws of a cell are one batch
        i, j = int(mm.cell_case[c]), int(mm.cell_criterion[c])
        q = mm.quantiles(j, levels)  # (L,)
        g = scorer.cell_group[c]
        dd = g % d
        delta = scorer.cell_coef[c] * (q[:, None] - vals[None, :, c])  # (L, K)
        if separable:
            si = np.broadcast_to(s0[:, i, :], (levels, k, d)).copy()
            si[:, :, dd] += delta
            new_i = scorer.aggregate(si.reshape(levels * k, 1, d), np.tile(weights, (levels, 1)))[:, 0]
            sc = np.broadcast_to(sc0, (levels, k, n)).copy()
            sc[:, :, i] = new_i.reshape(levels, k)
        else:
            s = np.broadcast_to(s0, (levels, k, n, d)).copy()
            s[:, :, i, dd] += delta
            sc = scorer.aggregate(s.reshape(levels * k, n, d), np.tile(weights, (levels, 1))).reshape(levels, k, n)
        r = rank_desc(sc, tol)  # (L, K, n)
        width = _interval_width(r)[:, i]
        pt = ((r > 0) & (r <= top_k)).mean(axis=1)  # (L, n)
        lead_change = np.array([frozenset(np.flatnonzero((pt[a] >= p_top_min) & eligible).tolist()) != lead0
                                for a in range(levels)])
        if priorities is not None:
            prio_change = np.array([priorities(pt[a], r[a], i) != prio0 for a in range(levels)])
        else:
            prio_change = np.zeros(levels, dtype=bool)
        rows.append({
            "case": i, "criterion": j, "width": float(w0[i]),
            "width_reduction": float(w0[i] - width.mean()),
            "p_leaders_change": float(lead_change.mean()),
            "p_priority_change": float(prio_change.mean()),
            "p_change": float((lead_change | prio_change).mean()),
            "baseline": bool(baseline[i]),
        })
    df = pd.DataFrame(rows, columns=["case", "criterion", "width", "width_reduction", "p_leaders_change",
                                     "p_priority_change", "p_change", "baseline"])
    if not len(df):
        return df
    matters = df["baseline"] & ((df["p_change"] > 0) | (df["width_reduction"] > 0))
    df = df.assign(_m=~matters, _p=-df["p_change"], _w=-df["width_reduction"])
    return df.sort_values(["_m", "_p", "_w", "case", "criterion"], kind="stable").drop(
        columns=["_m", "_p", "_w"]).reset_index(drop=True)


def family_gaps(project, family: str, params=None) -> GapsResult:
    """:func:`cell_gaps` for one family of the project, with names, evidence and whom to ask.

    Computed once per run for a given project and parameters
    (:func:`benchmark_tools.runcache.project_computation`).
    """
    from .runcache import project_computation

    return project_computation("family_gaps", _family_gaps, project, family, params)


def _family_gaps(project, family: str, params=None) -> GapsResult:
    """:func:`family_gaps` computed.

    The prior is ``robustness.missing_prior`` (``"family"`` when it is ``"none"``: a cell
    needs a prior to be fixed at its levels). The priorities are recomputed at each level as in
    :func:`benchmark_tools.recommend.recommend`: the rules evaluated on the level's robust
    leader group, kept when retained in at least ``robustness.priority_min_share`` of the draws
    (leader group of each draw recomputed). Rule evaluations are cached by leader group.
    """
    from .recommend import (
        _evidence_for,
        _params,
        _run_rules,
        family_evidence,
        leader_group_counts,
        load_recommendation_config,
        load_territory,
    )

    rp = _params(project, params)
    settings = project.settings
    rs = settings.robustness
    territory = load_territory(project.root)
    cfg = load_recommendation_config(project.root, project.catalogue, project.families, territory)
    ev = family_evidence(project, family, rp, cfg)
    ctx = ev.context
    prior = rs.missing_prior if rs.missing_prior != "none" else "family"
    thr_settings = settings.model_copy(update={"scoring": settings.scoring.model_copy(
        update={"coverage_threshold": ctx.thr})})
    scorer = JointScorer(ctx.matrix, ctx.profile, thr_settings, prior, method=rp.method,
                         normalisation=rp.normalisation)
    ids = ctx.ids
    eligible = np.array([c not in ctx.baseline_ids for c in ids])
    baseline = ~eligible
    cache: dict[frozenset, frozenset] = {}

    def kept_rules(group: frozenset) -> frozenset:
        if group not in cache:
            leaders = sorted((ids[j] for j in group), key=lambda x: -ctx.p_top[x])
            kept, _ = _run_rules(_evidence_for(ctx, leaders), cfg, territory, project, family)
            cache[group] = frozenset(r.id for r in kept)
        return cache[group]

    min_share = float(rs.priority_min_share)

    big = np.iinfo(np.int64).max
    ref: dict = {}

    def in_group(ranks: np.ndarray, case: int, size: int) -> np.ndarray:
        """Whether ``case`` is in each draw's leader group (same tie rule as leader_group_counts)."""
        key = np.where((ranks > 0) & eligible[None, :], ranks, big)
        ki = key[:, case:case + 1]
        before = (key < ki) | ((key == ki) & (np.arange(len(ids)) < case)[None, :])
        return (before.sum(axis=1) < size) & (ki[:, 0] < big)

    def priorities(pt: np.ndarray, ranks: np.ndarray, case) -> frozenset:
        robust = frozenset(np.flatnonzero((pt >= cfg.leaders.p_top_k_min) & eligible).tolist())
        size = max(len(robust), int(cfg.leaders.min_leaders))
        if case is None:
            ref.update(robust=robust, ranks=ranks)
        elif robust == ref["robust"] and (not eligible[case] or np.array_equal(
                in_group(ranks, case, size), in_group(ref["ranks"], case, size))):
            # Only this case's score moved: the others keep their order, so each draw's group
            # changes only where this case enters or leaves it. Nothing changed: same priorities.
            return ref["result"]
        kept = kept_rules(robust)
        count: dict[str, int] = {}
        for g, m in leader_group_counts(ranks, eligible, size).items():
            for rid in kept_rules(frozenset(g)):
                count[rid] = count.get(rid, 0) + m
        result = frozenset(r for r in kept if count.get(r, 0) / ranks.shape[0] >= min_share)
        if case is None:
            ref["result"] = result
        return result

    raw = cell_gaps(scorer, rp.seed, n_draws=int(rs.gaps_draws), levels=int(rs.gaps_levels), top_k=int(rs.top_k),
                    p_top_min=float(cfg.leaders.p_top_k_min), eligible=eligible, baseline=baseline,
                    priorities=priorities)
    cat = project.catalogue
    crits = [cat.criterion(c) for c in ctx.matrix.criterion_ids]
    by_id = ctx.by_id
    out = pd.DataFrame({
        "Famille": project.families.label(family),
        "Cas": [by_id[ids[i]].name for i in raw["case"]],
        "identifiant": [ids[i] for i in raw["case"]],
        "Dispositif rennais": ["oui" if b else "non" for b in raw["baseline"]],
        "Critère": [f"{crits[j].code} {crits[j].label_fr}" for j in raw["criterion"]],
        "critère (identifiant)": [crits[j].id for j in raw["criterion"]],
        "Intervalle de rang actuel (largeur)": raw["width"],
        "Réduction attendue de l'intervalle": raw["width_reduction"],
        "P(changement du groupe de tête)": raw["p_leaders_change"],
        "P(changement d'une priorité)": raw["p_priority_change"],
        "P(changement d'une conclusion)": raw["p_change"],
        "Preuve qui trancherait": [" ".join(crits[j].evidence.split()) for j in raw["criterion"]],
        "À qui demander": [_whom(by_id[ids[i]]) for i in raw["case"]],
    })
    return GapsResult(family, prior, int(rs.gaps_draws), int(rs.gaps_levels), out)


def _whom(case) -> str:
    """Whom to ask: the instrument's own service (its territory) and website."""
    who = f"service du dispositif ({case.territory})"
    return f"{who} — {case.url}" if case.url else who


def gaps_text(result: GapsResult, top: int) -> str:
    """Plain French text for ``benchmark-tools gaps``."""
    df = result.top(top)
    lines = [f"Faits à rechercher en priorité — {result.table['Famille'].iloc[0] if len(result.table) else result.family}",
             f"(a priori des valeurs manquantes : {result.prior} ; {result.n_draws} tirages par scénario, "
             f"{result.levels} niveaux par case ; {len(result.table)} cases manquantes)", ""]
    if not len(df):
        lines.append("Aucune case manquante.")
    for k, row in df.iterrows():
        p_any = row["P(changement d'une conclusion)"]
        p_lead = row["P(changement du groupe de tête)"]
        p_prio = row["P(changement d'une priorité)"]
        red = row["Réduction attendue de l'intervalle"]
        lines.append(f"{k + 1}. {row['Cas']} — {row['Critère']}"
                     + (" [dispositif rennais]" if row["Dispositif rennais"] == "oui" else ""))
        lines.append(f"   change une conclusion avec une probabilité de {fmt_pct(p_any)} (groupe de tête "
                     f"{fmt_pct(p_lead)}, priorités {fmt_pct(p_prio)}) ; réduit l'intervalle de rang de "
                     f"{fmt_number(red, 1)} rang(s) en moyenne")
        lines.append(f"   preuve : {row['Preuve qui trancherait']}")
        lines.append(f"   à qui demander : {row['À qui demander']}")
    return "\n".join(lines) + "\n"
