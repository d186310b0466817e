"""Stability of the préconisations: how often each rule is retained when the leader group is recomputed in the draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .recommend_evidence import FamilyEvidence, evidence_for
from .recommend_rules import run_rules
from .schema_rules import RecommendationConfig


@dataclass
class PreconisationStability:
    """How often each rule is retained when the leader group is recomputed in the joint draws.

    Attributes
    ----------
    shares : dict rule id → share of the subsampled draws in which the rule is retained
    n_draws : int
        Draws of the seeded subsample (``robustness.preconisation_draws``).
    group_size : int
        Size of the leader group of each draw: the ``group_size`` best non-Rennes cases of the
        draw, ``group_size`` = size of the robust group (at least ``leaders.min_leaders``).
    min_share : float
        ``robustness.priority_min_share``: a préconisation retained in at least this share of
        the draws is a priority, the others are leads (pistes).
    prior : str
    leader_share : dict case id → share of the draws in which the case is in the draw's group
    n_groups : int
        Distinct leader groups met in the subsample (the rules are evaluated once per group).
    """

    shares: dict
    n_draws: int
    group_size: int
    min_share: float
    prior: str
    leader_share: dict
    n_groups: int

    def is_priority(self, rule_id: str) -> bool:
        return self.shares.get(rule_id, 0.0) >= self.min_share


def leader_group_counts(ranks: np.ndarray, eligible: np.ndarray, group_size: int) -> dict[tuple[int, ...], int]:
    """The leader group of each draw and how many draws have it: ``{positions: count}``.

    A draw's group is its ``group_size`` best-ranked eligible cases (``eligible`` (n,) bool:
    non-Rennes cases; ``ranks`` (S, n) competition ranks, 0 = not ranked). Ties at the
    boundary are broken by case order (stable sort). Vectorised: one argsort and one
    ``np.unique`` over the rows.
    """
    big = np.iinfo(np.int64).max
    key = np.where((ranks > 0) & eligible[None, :], ranks, big)
    order = np.argsort(key, axis=1, kind="stable")[:, :group_size]
    ok = np.take_along_axis(key, order, axis=1) < big
    # Unranked slots become -1 (dropped below); sorting makes a group independent of its order.
    rows = np.sort(np.where(ok, order, -1), axis=1)
    uniq, counts = np.unique(rows, axis=0, return_counts=True)
    return {tuple(int(j) for j in row if j >= 0): int(c) for row, c in zip(uniq, counts, strict=True)}


def preconisation_stability(ev: FamilyEvidence, cfg: RecommendationConfig, territory, project,
                            family: str) -> PreconisationStability:
    """Share of the joint draws in which each rule is retained (issue 14, item 3).

    A seeded subsample of ``robustness.preconisation_draws`` draws of the Monte Carlo that
    defined the leaders (joint over weights and missing values) is taken; in each draw the
    leader group is that draw's best non-Rennes cases (as many as in the robust group), the
    evidence is recomputed for that group and the rules are evaluated. The evidence itself is
    the documented values only (a préconisation never quotes a drawn value); what the draws
    change is who leads. Rules are evaluated once per distinct group met.
    """
    ctx = ev.context
    rs = project.settings.robustness
    mc = ctx.mc
    k = mc.ranks.shape[0]
    s = min(int(rs.preconisation_draws), k)
    rng = np.random.default_rng(np.random.SeedSequence(ctx.rp.seed).spawn(3)[2])
    rows = np.sort(rng.choice(k, size=s, replace=False))
    eligible = np.array([c not in ctx.baseline_ids for c in ctx.ids])
    size = max(len(ev.leader_ids), int(cfg.leaders.min_leaders))
    counts = leader_group_counts(mc.ranks[rows], eligible, size)
    shares: dict[str, float] = {}
    lead_share: dict[str, float] = {}
    for g, c in counts.items():
        leaders = sorted((ctx.ids[j] for j in g), key=lambda x: -ctx.p_top[x])
        kept, _ = run_rules(evidence_for(ctx, leaders), cfg, territory, project, family)
        for r in kept:
            shares[r.id] = shares.get(r.id, 0.0) + c / s
        for cid in leaders:
            lead_share[cid] = lead_share.get(cid, 0.0) + c / s
    return PreconisationStability(shares, s, size, float(rs.priority_min_share), ctx.prior, lead_share, len(counts))
