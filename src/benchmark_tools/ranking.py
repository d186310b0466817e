"""Ranks from scores, with ties handled explicitly.

Every module that turns scores into ranks uses these two functions, so that a tie is
treated the same way in the scoring tables, the Monte Carlo summaries and SMAA.
"""

from __future__ import annotations

import numpy as np

#: Default tie tolerance: the value of ``scoring.tie_tolerance`` in ``benchmark/settings.yml``
#: (a test checks that they agree). Scores are in [0, 1] (or [-1, 1] for PROMETHEE net flows);
#: two scores that differ by no more than this are the same score reached by different float
#: paths (71/144 summed in two orders), not a difference worth a rank.
DEFAULT_TIE_TOLERANCE = 1e-9


def rank_desc(scores: np.ndarray, tol: float = DEFAULT_TIE_TOLERANCE) -> np.ndarray:
    """Competition ranks ("1224") along the last axis, 1 = highest score.

    Tied cases share the best of their ranks, as in sports rankings: two cases
    tied for first are both ranked 1 and the next is ranked 3. NaN scores (cases
    left out of a ranking) get rank 0 so they can be masked by the caller.

    Two scores are tied when, sorted from the highest, each differs from the one before it by
    at most ``tol`` (absolute): a run of scores each within ``tol`` of its neighbour forms one
    tied group. The browser explorer applies the same rule.

    Parameters
    ----------
    scores : ndarray, shape (..., n)
        Scores, higher is better. Works on a batch ``(K, n)`` without a loop.
    tol : float
        Tie tolerance (``scoring.tie_tolerance`` in ``settings.yml``); 0 means exact equality.

    Returns
    -------
    ndarray of int, same shape
    """
    s = np.asarray(scores, dtype=float)
    nan = np.isnan(s)
    # NaN sorts last; its rank is reset to 0 at the end.
    key = np.where(nan, -np.inf, s)
    order = np.argsort(-key, axis=-1, kind="stable")
    sorted_desc = np.take_along_axis(key, order, axis=-1)
    n = s.shape[-1]
    pos = np.broadcast_to(np.arange(n), s.shape)
    new_value = np.ones(s.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        gap = sorted_desc[..., :-1] - sorted_desc[..., 1:]
    # -inf - -inf is NaN: NaN cases are tied with each other (their rank is reset anyway).
    new_value[..., 1:] = np.where(np.isnan(gap), False, gap > tol)
    # Each tied run takes the position of its first member: competition ranking.
    first_pos = np.maximum.accumulate(np.where(new_value, pos, 0), axis=-1)
    ranks = np.empty(s.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, first_pos + 1, axis=-1)
    return np.where(nan, 0, ranks)


def rank_desc_simple(scores: np.ndarray) -> np.ndarray:
    """Reference implementation of :func:`rank_desc` by pairwise comparison (for tests)."""
    s = np.asarray(scores, dtype=float)
    nan = np.isnan(s)
    key = np.where(nan, -np.inf, s)
    greater = (key[..., None, :] > key[..., :, None]).sum(axis=-1)
    return np.where(nan, 0, greater + 1)
