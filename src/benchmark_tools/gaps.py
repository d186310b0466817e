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

from .formats import fmt_number, fmt_pct
from .joint import JointScorer, draw_joint
from .project import load_recommendation_config, load_territory
from .ranking import rank_desc
from .recommend_evidence import evidence_for, family_evidence, report_params
from .recommend_rules import run_rules
from .recommend_stability import leader_group_counts
from .runcache import project_computation

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
    ref = _reference_run(scorer, seed, n_draws, top_k)
    lead0 = frozenset(np.flatnonzero((ref.p_top >= p_top_min) & eligible).tolist())
    prio0 = priorities(ref.p_top, ref.ranks, None) if priorities is not None else frozenset()
    mm = scorer.model
    rows = []
    for c in range(mm.n_cells):  # loop over cells; the levels and draws of a cell are one batch
        i, j = int(mm.cell_case[c]), int(mm.cell_criterion[c])
        r = rank_desc(_fixed_cell_scores(scorer, ref, c, i, mm.quantiles(j, levels)), scorer.tie_tolerance)
        width = _interval_width(r)[:, i]
        pt = ((r > 0) & (r <= top_k)).mean(axis=1)  # (L, n)
        lead_change = np.array([frozenset(np.flatnonzero((pt[a] >= p_top_min) & eligible).tolist()) != lead0
                                for a in range(levels)])
        if priorities is not None:
            prio_change = np.array([priorities(pt[a], r[a], i) != prio0 for a in range(levels)])
        else:
            prio_change = np.zeros(levels, dtype=bool)
        rows.append({
            "case": i, "criterion": j, "width": float(ref.width[i]),
            "width_reduction": float(ref.width[i] - width.mean()),
            "p_leaders_change": float(lead_change.mean()),
            "p_priority_change": float(prio_change.mean()),
            "p_change": float((lead_change | prio_change).mean()),
            "baseline": bool(baseline[i]),
        })
    return _sorted_gaps(pd.DataFrame(rows, columns=_CELL_COLUMNS))


_CELL_COLUMNS = ["case", "criterion", "width", "width_reduction", "p_leaders_change", "p_priority_change",
                 "p_change", "baseline"]


@dataclass
class _Reference:
    """The reference joint run that every fixed cell is compared with (common random numbers)."""

    weights: np.ndarray  # (K, D)
    values: np.ndarray  # cell values (K, M)
    dimension_scores: np.ndarray  # (K, n, D)
    scores: np.ndarray  # (K, n)
    ranks: np.ndarray  # (K, n)
    width: np.ndarray  # 5–95 % rank interval width per case (n,)
    p_top: np.ndarray  # P(top k) per case (n,)


def _reference_run(scorer: JointScorer, seed, n_draws: int, top_k: int) -> _Reference:
    """The seeded joint draws with no cell fixed, scored and ranked."""
    weights, u = draw_joint(scorer, n_draws, seed)
    vals = scorer.cell_values(u)
    s0 = scorer.dimension_scores(vals)
    sc0 = scorer.aggregate(s0, weights)
    r0 = rank_desc(sc0, scorer.tie_tolerance)
    return _Reference(weights, vals, s0, sc0, r0, _interval_width(r0), ((r0 > 0) & (r0 <= top_k)).mean(axis=0))


def _fixed_cell_scores(scorer: JointScorer, ref: _Reference, c: int, i: int, q: np.ndarray) -> np.ndarray:
    """Scores ``(L, K, n)`` with cell ``c`` (of case ``i``) fixed at each level ``q`` (L,), other cells as in ``ref``.

    For a separable method only case ``i`` is rescored (the other cases' scores do not depend on it).
    """
    levels, (k, n, d) = len(q), ref.dimension_scores.shape
    dd = scorer.cell_group[c] % d
    delta = scorer.cell_coef[c] * (q[:, None] - ref.values[None, :, c])  # (L, K)
    tiled = np.tile(ref.weights, (levels, 1))
    if scorer.method in _SEPARABLE:
        si = np.broadcast_to(ref.dimension_scores[:, i, :], (levels, k, d)).copy()
        si[:, :, dd] += delta
        new_i = scorer.aggregate(si.reshape(levels * k, 1, d), tiled)[:, 0]
        sc = np.broadcast_to(ref.scores, (levels, k, n)).copy()
        sc[:, :, i] = new_i.reshape(levels, k)
        return sc
    s = np.broadcast_to(ref.dimension_scores, (levels, k, n, d)).copy()
    s[:, :, i, dd] += delta
    return scorer.aggregate(s.reshape(levels * k, n, d), tiled).reshape(levels, k, n)


def _sorted_gaps(df: pd.DataFrame) -> pd.DataFrame:
    """Rennes' cells that matter first, then by decreasing ``p_change`` and ``width_reduction``."""
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

    return project_computation("family_gaps", _family_gaps, project, family, params)


def _family_gaps(project, family: str, params=None) -> GapsResult:
    """:func:`family_gaps` computed.

    The prior is ``robustness.missing_prior`` (``"family"`` when it is ``"none"``: a cell
    needs a prior to be fixed at its levels). The priorities are recomputed at each level as in
    :func:`benchmark_tools.recommend.recommend`: the rules evaluated on the level's robust
    leader group, kept when retained in at least ``robustness.priority_min_share`` of the draws
    (leader group of each draw recomputed). Rule evaluations are cached by leader group.
    """

    rp = report_params(project, params)
    settings = project.settings
    rs = settings.robustness
    territory = load_territory(project.root)
    cfg = load_recommendation_config(project.root, project.catalogue, project.families, territory)
    ctx = family_evidence(project, family, rp, cfg).context
    prior = rs.missing_prior if rs.missing_prior != "none" else "family"
    thr_settings = settings.model_copy(update={"scoring": settings.scoring.model_copy(
        update={"coverage_threshold": ctx.thr})})
    scorer = JointScorer(ctx.matrix, ctx.profile, thr_settings, prior, method=rp.method,
                         normalisation=rp.normalisation)
    eligible = np.array([c not in ctx.baseline_ids for c in ctx.ids])
    priorities = _PriorityRules(project, family, ctx, cfg, territory, eligible, float(rs.priority_min_share))
    raw = cell_gaps(scorer, rp.seed, n_draws=int(rs.gaps_draws), levels=int(rs.gaps_levels), top_k=int(rs.top_k),
                    p_top_min=float(cfg.leaders.p_top_k_min), eligible=eligible, baseline=~eligible,
                    priorities=priorities)
    return GapsResult(family, prior, int(rs.gaps_draws), int(rs.gaps_levels), _gaps_table(project, family, ctx, raw))


class _PriorityRules:
    """The ``priorities`` callable of :func:`cell_gaps` for one family (see :func:`family_gaps`).

    Rule evaluations are cached by leader group; the reference run's result is kept so that a fixed
    cell that cannot have changed any draw's leader group returns it without re-evaluation.
    """

    _BIG = np.iinfo(np.int64).max

    def __init__(self, project, family: str, ctx, cfg, territory, eligible: np.ndarray, min_share: float):
        self.project, self.family, self.ctx, self.cfg, self.territory = project, family, ctx, cfg, territory
        self.eligible, self.min_share = eligible, min_share
        self.cache: dict[frozenset, frozenset] = {}
        self.ref: dict = {}

    def kept_rules(self, group: frozenset) -> frozenset:
        """Ids of the rules kept when the leaders are the cases at positions ``group``."""
        if group not in self.cache:
            ctx = self.ctx
            leaders = sorted((ctx.ids[j] for j in group), key=lambda x: -ctx.p_top[x])
            kept, _ = run_rules(evidence_for(ctx, leaders), self.cfg, self.territory, self.project, self.family)
            self.cache[group] = frozenset(r.id for r in kept)
        return self.cache[group]

    def in_group(self, ranks: np.ndarray, case: int, size: int) -> np.ndarray:
        """Whether ``case`` is in each draw's leader group (same tie rule as leader_group_counts)."""
        key = np.where((ranks > 0) & self.eligible[None, :], ranks, self._BIG)
        ki = key[:, case:case + 1]
        before = (key < ki) | ((key == ki) & (np.arange(len(self.ctx.ids)) < case)[None, :])
        return (before.sum(axis=1) < size) & (ki[:, 0] < self._BIG)

    def __call__(self, pt: np.ndarray, ranks: np.ndarray, case) -> frozenset:
        eligible, ref = self.eligible, self.ref
        robust = frozenset(np.flatnonzero((pt >= self.cfg.leaders.p_top_k_min) & eligible).tolist())
        size = max(len(robust), int(self.cfg.leaders.min_leaders))
        if case is None:
            ref.update(robust=robust, ranks=ranks)
        elif robust == ref["robust"] and (not eligible[case] or np.array_equal(
                self.in_group(ranks, case, size), self.in_group(ref["ranks"], case, size))):
            # Only this case's score moved: the others keep their order, so each draw's group
            # changes only where this case enters or leaves it. Nothing changed: same priorities.
            return ref["result"]
        kept = self.kept_rules(robust)
        count: dict[str, int] = {}
        for g, m in leader_group_counts(ranks, eligible, size).items():
            for rid in self.kept_rules(frozenset(g)):
                count[rid] = count.get(rid, 0) + m
        result = frozenset(r for r in kept if count.get(r, 0) / ranks.shape[0] >= self.min_share)
        if case is None:
            ref["result"] = result
        return result


def _gaps_table(project, family: str, ctx, raw: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`cell_gaps` with the case and criterion names, the evidence and whom to ask."""
    crits = [project.catalogue.criterion(c) for c in ctx.matrix.criterion_ids]
    ids, by_id = ctx.ids, ctx.by_id
    return pd.DataFrame({
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
