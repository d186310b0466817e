"""Rank statistics on a ``(K, n)`` rank array, and the batched-scorer protocol they run on."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .ranking import DEFAULT_TIE_TOLERANCE, rank_desc


class BatchScorer(Protocol):
    """The engine's batched scorer (``benchmark_tools.scoring.make_batch_scorer``)."""

    case_ids: list[str]
    dimension_ids: list[str]
    nominal_weights: np.ndarray
    methods: tuple[str, ...]
    normalisations: tuple[str, ...]

    def __call__(
        self, weights: np.ndarray, *, method: str | None = None, normalisation: str | None = None
    ) -> np.ndarray: ...


def _rank_histogram(ranks: np.ndarray) -> np.ndarray:
    """``counts[i, r]`` = number of draws in which case i has rank r (r = 0: not ranked)."""
    k, n = ranks.shape
    idx = ranks + (n + 1) * np.arange(n)
    return np.bincount(idx.ravel(), minlength=n * (n + 1)).reshape(n, n + 1)


def _hist_quantile(counts: np.ndarray, q: float) -> np.ndarray:
    """Quantile of the ranks from a histogram (inverted CDF: always an attained rank).

    For case i: the smallest rank r with (share of ranked draws with rank ≤ r) ≥ q; NaN
    when the case is never ranked. Equals ``np.quantile(..., method="inverted_cdf")``.
    """
    c = counts[:, 1:]
    tot = c.sum(axis=1)
    cdf = np.cumsum(c, axis=1)
    # Compare counts (integers) to q·total to avoid rounding at exact boundaries.
    reached = cdf >= q * tot[:, None] - 1e-9
    r = np.argmax(reached, axis=1).astype(float) + 1
    r[tot == 0] = np.nan
    return r


def _tie_sizes(ranks: np.ndarray) -> np.ndarray:
    """Number of cases sharing each case's rank in its draw (0 for unranked cases).

    Only draws that contain a tie are processed: with competition ranks, a draw of m ranked
    cases has a tie exactly when its ranks sum to less than m (m + 1) / 2, a cheap test that
    spares the (K, n + 1) bincount in the usual tie-free case.
    """
    k, n = ranks.shape
    ranked = ranks > 0
    m = ranked.astype(np.int64)
    n_ranked = m.sum(axis=1)
    tied_rows = np.flatnonzero(ranks.sum(axis=1) != n_ranked * (n_ranked + 1) // 2)
    if tied_rows.size:
        sub = ranks[tied_rows]
        idx = sub + (n + 1) * np.arange(tied_rows.size)[:, None]
        per_draw = np.bincount(idx.ravel(), minlength=tied_rows.size * (n + 1))
        per_draw = per_draw.reshape(tied_rows.size, n + 1)
        m[tied_rows] = np.where(sub > 0, np.take_along_axis(per_draw, sub, axis=1), 0)
    return m


def _position_shares(ranks: np.ndarray, m: np.ndarray | None = None) -> np.ndarray:
    """Share of draws in which case i occupies position r (``(n, n)``), ties split.

    A group of m tied cases with competition rank s occupies positions s … s+m−1; each
    member gets 1/m of each of those positions, so that in every draw each occupied position
    is filled exactly once. Without ties this is the plain rank histogram.
    """
    k, n = ranks.shape
    if m is None:
        m = _tie_sizes(ranks)
    ranked = ranks > 0
    if not np.any(m > 1):
        return _rank_histogram(ranks)[:, 1:] / k
    acc = np.zeros(n * n)
    case = np.broadcast_to(np.arange(n), ranks.shape)
    inv = np.where(ranked, 1.0 / np.maximum(m, 1), 0.0)
    # Loop over the offset inside a tie group (at most the largest tie size), not over draws.
    for off in range(int(m.max())):
        sel = ranked & (m > off)
        pos = ranks[sel] - 1 + off
        acc += np.bincount(case[sel] * n + pos, weights=inv[sel], minlength=n * n)
    return acc.reshape(n, n) / k


def _mean_abs_shift(ranks: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    """Mean absolute rank change per row over cases ranked in both (NaN if none)."""
    both = (ranks > 0) & (nominal > 0)
    diff = np.where(both, np.abs(ranks - nominal), 0)
    cnt = both.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, diff.sum(axis=-1) / np.maximum(cnt, 1), np.nan)


def _tol(scorer) -> float:
    """The scorer's tie tolerance (test scorers without one rank with the default)."""
    return float(getattr(scorer, "tie_tolerance", DEFAULT_TIE_TOLERANCE))


def _score_and_rank(scorer, weights, method, normalisation):
    scores = np.asarray(scorer(weights, method=method, normalisation=normalisation), dtype=float)
    return scores, rank_desc(scores, _tol(scorer))
