"""Monte Carlo over the dimension weights: rank percentiles, P(first), P(top k), stability labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .robustness_draws import draw_weights
from .robustness_ranks import BatchScorer, _hist_quantile, _rank_histogram, _score_and_rank
from .robustness_words import _stability_labels
from .vocabulary import p_top_id

#: Bounds of the rank interval (quantiles of the rank over the draws). Not a setting: the fields
#: (``rank_p05``, ``rank_p95``), the column names (« rang P5 ») and every text of the report
#: (« intervalle 5–95 % ») name these two levels.
RANK_INTERVAL = (0.05, 0.95)


@dataclass
class MonteCarloResult:
    """Rank distribution of every case under random dimension weights.

    Attributes
    ----------
    case_ids : list of str
    dimension_ids : list of str
    scheme : str
    seed : object
    top_k : int
    weights : ndarray (K, D)
        Normalised weights drawn.
    ranks : ndarray of int (K, n)
        Competition ranks per draw, 0 = not ranked.
    scores : ndarray (K, n) or None
        Scores per draw (kept unless ``keep_scores=False``).
    nominal_scores, nominal_ranks : ndarray (n,)
    rank_counts : ndarray (n, n + 1)
        ``rank_counts[i, r]``: draws with rank r (column 0: not ranked).
    median_rank, rank_p05, rank_p95 : ndarray (n,)
        Over the draws where the case is ranked (inverted-CDF quantiles, always an attained
        rank); NaN for a case never ranked.
    p_first, p_top_k : ndarray (n,)
        Shares of all draws (a tie for first counts as first).
    mean_score : ndarray (n,)
        Mean over the draws where the case is ranked.
    share_ranked : ndarray (n,)
        Share of draws in which the case is ranked (1 normally, 0 for an excluded case).
    stability, stability_reason : list of str or None
        ``"stable"`` / ``"fragile"`` and the reason in French (see :func:`monte_carlo`).
    """

    case_ids: list[str]
    dimension_ids: list[str]
    scheme: str
    seed: Any
    top_k: int
    weights: np.ndarray
    ranks: np.ndarray
    scores: np.ndarray | None
    nominal_scores: np.ndarray
    nominal_ranks: np.ndarray
    rank_counts: np.ndarray
    median_rank: np.ndarray
    rank_p05: np.ndarray
    rank_p95: np.ndarray
    p_first: np.ndarray
    p_top_k: np.ndarray
    mean_score: np.ndarray
    share_ranked: np.ndarray
    method: str | None = None
    normalisation: str | None = None
    stability_threshold: float | None = None
    rank_tolerance: int | None = None
    stability: list[str] | None = None
    stability_reason: list[str] | None = None

    @property
    def n_draws(self) -> int:
        return int(self.ranks.shape[0])

    def to_dataframe(self) -> pd.DataFrame:
        """One row per case, column ids (French: ``vocabulary.labelled``), by nominal rank (excluded last)."""
        nom = self.nominal_ranks.astype(float)
        nom[nom == 0] = np.nan
        data = {
            "case": self.case_ids,
            "nominal_rank": nom,
            "median_rank": self.median_rank,
            "rank_p05": self.rank_p05,
            "rank_p95": self.rank_p95,
            "p_first": self.p_first,
            p_top_id(self.top_k): self.p_top_k,
            "nominal_score": self.nominal_scores,
            "mean_score": self.mean_score,
            "share_ranked": self.share_ranked,
        }
        if self.stability is not None:
            data["stability"] = self.stability
            data["reason"] = self.stability_reason
        df = pd.DataFrame(data)
        return df.sort_values("nominal_rank", na_position="last", kind="stable").reset_index(
            drop=True
        )


def monte_carlo(
    scorer: BatchScorer,
    n_draws: int,
    scheme: str,
    seed,
    top_k: int,
    *,
    noise_factor: float | None = None,
    concentration: float | None = None,
    bounds=None,
    method: str | None = None,
    normalisation: str | None = None,
    stability_threshold: float | None = None,
    rank_tolerance: int = 1,
    keep_scores: bool = True,
) -> MonteCarloResult:
    """Uncertainty analysis of the ranking under random dimension weights (COINr "UA").

    Draws ``n_draws`` weight vectors with :func:`draw_weights` around
    ``scorer.nominal_weights``, scores them in one batched call and summarises the rank
    distribution of every case.

    Parameters
    ----------
    scorer : BatchScorer
    n_draws : int
        Settings: ``robustness.n_draws``.
    scheme : {"multiplicative", "dirichlet", "simplex"}
        Settings: ``robustness.weight_scheme``.
    seed : int, Generator or None
    top_k : int
        Settings: ``robustness.top_k``.
    noise_factor, concentration, bounds
        Passed to :func:`draw_weights` (settings: ``noise_factor``, ``dirichlet_concentration``,
        ``bounds`` keyed by dimension id).
    method, normalisation : str, optional
        Fixed for the whole run (None = the scorer's defaults).
    stability_threshold : float, optional
        Settings: ``robustness.stability_threshold``. When given, each ranked case gets a
        label: a case nominally in the top k is ``"stable"`` when it stays in the top k in at
        least that share of draws; any other case when its rank stays within
        ``± rank_tolerance`` of its nominal rank in at least that share of draws; otherwise
        ``"fragile"``. A case excluded from the nominal ranking is labelled ``"exclu"``.
    rank_tolerance : int
        Rank band used by the stability rule for cases outside the top k.
    keep_scores : bool
        Keep the ``(K, n)`` score array in the result (memory: 8·K·n bytes).

    Returns
    -------
    MonteCarloResult
    """
    if top_k < 1:
        raise ValueError("top_k doit être un entier ≥ 1.")
    dims = list(scorer.dimension_ids)
    nominal_w = np.asarray(scorer.nominal_weights, dtype=float)
    nom_scores, nom_ranks = _score_and_rank(scorer, nominal_w[None, :], method, normalisation)
    nom_scores, nom_ranks = nom_scores[0], nom_ranks[0]
    weights = draw_weights(
        nominal_w, n_draws, scheme, seed, noise_factor, concentration, bounds, dimension_ids=dims
    )
    scores, ranks = _score_and_rank(scorer, weights, method, normalisation)
    return summarise_draws(
        list(scorer.case_ids), dims, scheme, seed, top_k, weights, scores, ranks, nom_scores,
        nom_ranks, method=method, normalisation=normalisation,
        stability_threshold=stability_threshold, rank_tolerance=rank_tolerance,
        keep_scores=keep_scores,
    )


def summarise_draws(
    case_ids: Sequence[str],
    dimension_ids: Sequence[str],
    scheme: str,
    seed,
    top_k: int,
    weights: np.ndarray,
    scores: np.ndarray,
    ranks: np.ndarray,
    nominal_scores: np.ndarray,
    nominal_ranks: np.ndarray,
    *,
    method: str | None = None,
    normalisation: str | None = None,
    stability_threshold: float | None = None,
    rank_tolerance: int = 1,
    keep_scores: bool = True,
    result_class=None,
    stability_reference: np.ndarray | None = None,
    **extra,
) -> MonteCarloResult:
    """Rank statistics of a ``(K, n)`` rank array (shared by :func:`monte_carlo` and the joint
    Monte Carlo of :mod:`benchmark_tools.joint`).

    ``stability_reference`` (n,) replaces the nominal ranks as the rank the stability rule
    measures the draws against (the joint Monte Carlo uses the median rank over the draws:
    with missing values drawn, the nominal rank is not the headline). ``result_class`` and
    ``extra`` build a subclass of :class:`MonteCarloResult` with more fields.
    """
    k, n = ranks.shape
    counts = _rank_histogram(ranks)
    n_ranked = counts[:, 1:].sum(axis=1)
    ranked = ranks > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.where(ranked, scores, 0.0).sum(axis=0) / n_ranked
    mean_score = np.where(n_ranked > 0, mean_score, np.nan)
    p_top = counts[:, 1 : top_k + 1].sum(axis=1) / k
    cls = result_class or MonteCarloResult
    res = cls(
        case_ids=list(case_ids),
        dimension_ids=list(dimension_ids),
        scheme=scheme,
        seed=seed,
        top_k=int(top_k),
        weights=weights,
        ranks=ranks,
        scores=scores if keep_scores else None,
        nominal_scores=nominal_scores,
        nominal_ranks=nominal_ranks,
        rank_counts=counts,
        median_rank=_hist_quantile(counts, 0.5),
        rank_p05=_hist_quantile(counts, RANK_INTERVAL[0]),
        rank_p95=_hist_quantile(counts, RANK_INTERVAL[1]),
        p_first=counts[:, 1] / k,
        p_top_k=p_top,
        mean_score=mean_score,
        share_ranked=n_ranked / k,
        method=method,
        normalisation=normalisation,
        stability_threshold=stability_threshold,
        rank_tolerance=rank_tolerance,
        **extra,
    )
    if stability_threshold is not None:
        if stability_reference is None:
            res.stability, res.stability_reason = _stability_labels(
                nominal_ranks, ranks, p_top, top_k, stability_threshold, rank_tolerance
            )
        else:
            res.stability, res.stability_reason = _stability_labels(
                stability_reference, ranks, p_top, top_k, stability_threshold, rank_tolerance,
                reference_word="médian",
            )
    return res


def monte_carlo_from_settings(
    scorer: BatchScorer, robustness_settings, seed, **overrides
) -> MonteCarloResult:
    """:func:`monte_carlo` with every parameter taken from ``settings.robustness``.

    ``overrides`` replace single keyword arguments (e.g. ``method="topsis"``).
    """
    rs = robustness_settings
    kw = dict(
        n_draws=rs.n_draws,
        scheme=rs.weight_scheme,
        top_k=rs.top_k,
        noise_factor=rs.noise_factor,
        concentration=rs.dirichlet_concentration,
        bounds=dict(getattr(rs, "bounds", {}) or {}) or None,
        stability_threshold=rs.stability_threshold,
    )
    kw.update(overrides)
    return monte_carlo(scorer, seed=seed, **kw)
