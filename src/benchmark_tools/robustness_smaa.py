"""SMAA-2 (Lahdelma & Salminen 2001): rank acceptability, central weights, confidence, winning indices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .ranking import rank_desc
from .robustness_draws import draw_weights
from .robustness_mc import MonteCarloResult
from .robustness_ranks import BatchScorer, _position_shares, _score_and_rank, _tie_sizes, _tol
from .vocabulary import acceptability_id


@dataclass
class SMAAResult:
    """SMAA-2 descriptive measures (Lahdelma & Salminen 2001).

    Attributes
    ----------
    acceptability : ndarray (n, n)
        ``acceptability[i, r]`` = b_i^{r+1}: share of the weight draws giving case i rank
        r + 1 (ties split evenly over the positions the tied group occupies). Restricted to
        the cases ranked in every draw and to their number of positions, rows and columns
        sum to 1.
    central_weights : ndarray (n, D)
        Mean weight vector over the draws in which the case is first (a shared first place
        counts with weight 1/m); NaN when the case is never first.
    confidence : ndarray (n,)
        Confidence factor p_i^c: share of the evaluation scenarios in which case i is first
        when the weights are its central weights (NaN when it has none). Definition used: the
        only uncertainty besides the weights is the set of (method, normalisation)
        scenarios in ``confidence_scenarios`` (by default the one fixed scenario of the run,
        so the factor is then 1 or 0 — or 1/m for an m-way tie).
    holistic : ndarray (n,)
        Holistic acceptability Σ_r α_r b_i^r with linear meta-weights
        α_r = (N − r)/(N − 1) (α_1 = 1, α_N = 0), N = number of ranked cases.
    ranked : ndarray of bool (n,)
        Cases ranked in every draw.
    winning : ndarray (n, n) or None
        Pairwise winning indices (only with ``pairwise=True``): ``winning[i, k]`` = share of
        draws in which case i is ranked strictly ahead of case k (both ranked).
    """

    case_ids: list[str]
    dimension_ids: list[str]
    acceptability: np.ndarray
    central_weights: np.ndarray
    confidence: np.ndarray
    holistic: np.ndarray
    ranked: np.ndarray
    n_draws: int
    confidence_scenarios: list[tuple[str | None, str | None]] = field(default_factory=list)
    winning: np.ndarray | None = None

    def to_dataframe(self, max_rank: int | None = None) -> pd.DataFrame:
        """One row per case: acceptabilities b1…bN, confidence factor, holistic index (column ids).

        Parameters
        ----------
        max_rank : int, optional
            Only the first ``max_rank`` acceptability columns (default: all ranked positions).
        """
        n_pos = int(self.ranked.sum()) or self.acceptability.shape[1]
        n_pos = min(n_pos, max_rank) if max_rank else n_pos
        df = pd.DataFrame({"case": self.case_ids})
        for r in range(n_pos):
            df[acceptability_id(r + 1)] = self.acceptability[:, r]
        df["confidence_factor"] = self.confidence
        df["holistic_acceptability"] = self.holistic
        df["ranked_in_all_draws"] = self.ranked
        return df.sort_values(
            "holistic_acceptability", ascending=False, kind="stable"
        ).reset_index(drop=True)

    def winning_dataframe(self) -> pd.DataFrame:
        """Pairwise winning indices: share of draws in which the row case beats the column case."""
        if self.winning is None:
            raise ValueError("Indices de victoire non calculés : relancer avec pairwise=True.")
        return pd.DataFrame(
            self.winning,
            index=pd.Index(self.case_ids, name="cas (devant)"),
            columns=pd.Index(self.case_ids, name="cas (derrière)"),
        )

    def central_weights_dataframe(self) -> pd.DataFrame:
        """Central weight vectors, one row per case, one column per dimension."""
        df = pd.DataFrame(self.central_weights, columns=[f"poids central : {d}" for d in self.dimension_ids])
        df.insert(0, "cas", self.case_ids)
        return df


def smaa_from_draws(
    weights: np.ndarray,
    ranks: np.ndarray,
    *,
    scorer: BatchScorer | None = None,
    case_ids: Sequence[str] | None = None,
    dimension_ids: Sequence[str] | None = None,
    method: str | None = None,
    normalisation: str | None = None,
    confidence_scenarios: Sequence[tuple[str | None, str | None]] | None = None,
    pairwise: bool = False,
) -> SMAAResult:
    """SMAA-2 measures from an existing ``(K, D)`` weight sample and its ``(K, n)`` ranks.

    One pass over the rank array (bincount, one matrix product); the scorer is called once
    per confidence scenario on the ``(n, D)`` array of central weights.

    Parameters
    ----------
    weights : ndarray (K, D)
    ranks : ndarray of int (K, n)
        Competition ranks (0 = not ranked), e.g. ``MonteCarloResult.ranks``.
    scorer : BatchScorer, optional
        Needed for the confidence factors (NaN without it).
    method, normalisation : str, optional
        The scenario of the run (default confidence scenario).
    confidence_scenarios : sequence of (method, normalisation), optional
        Scenarios over which the confidence factor is a share (see :class:`SMAAResult`).
    pairwise : bool
        Also compute the pairwise winning indices (n passes over the rank array).
    """
    weights = np.asarray(weights, dtype=float)
    ranks = np.asarray(ranks)
    k, n = ranks.shape
    d = weights.shape[1]
    m = _tie_sizes(ranks)
    acc = _position_shares(ranks, m)
    ranked = (ranks > 0).all(axis=0)
    central, n_first = _central_weights(weights, ranks, m)
    scenarios = list(confidence_scenarios) if confidence_scenarios else [(method, normalisation)]
    return SMAAResult(
        case_ids=list(case_ids if case_ids is not None else getattr(scorer, "case_ids", range(n))),
        dimension_ids=list(
            dimension_ids if dimension_ids is not None else getattr(scorer, "dimension_ids", range(d))
        ),
        acceptability=acc,
        central_weights=central,
        confidence=_confidence(scorer, central, n_first, scenarios),
        holistic=acc @ _holistic_meta_weights(ranked),
        ranked=ranked,
        n_draws=k,
        confidence_scenarios=scenarios,
        winning=_winning_indices(ranks) if pairwise else None,
    )


def _central_weights(weights: np.ndarray, ranks: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean weights over the draws where each case is first (a shared first counts 1/m), and that count."""
    first = np.where(ranks == 1, 1.0 / np.maximum(m, 1), 0.0)
    n_first = first.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        central = (first.T @ weights) / n_first[:, None]
    central[n_first == 0] = np.nan
    return central, n_first


def _holistic_meta_weights(ranked: np.ndarray) -> np.ndarray:
    """Linear meta-weights α_r = (N − r)/(N − 1) over the N cases ranked in every draw."""
    n = ranked.size
    n_r = int(ranked.sum())
    alpha = np.zeros(n)
    if n_r > 1:
        alpha[:n_r] = (n_r - np.arange(1, n_r + 1)) / (n_r - 1)
    elif n_r == 1:
        alpha[0] = 1.0
    return alpha


def _confidence(scorer, central: np.ndarray, n_first: np.ndarray,
                scenarios: list[tuple[str | None, str | None]]) -> np.ndarray:
    """Confidence factors: share of the scenarios in which a case is first at its central weights."""
    confidence = np.full(central.shape[0], np.nan)
    has = np.flatnonzero(n_first > 0)
    if scorer is None or not has.size:
        return confidence
    share = np.zeros(has.size)
    for meth, norm in scenarios:
        s = np.asarray(scorer(central[has], method=meth, normalisation=norm), dtype=float)
        r = rank_desc(s, _tol(scorer))  # row j: ranking under the central weights of case has[j]
        rj = r[np.arange(has.size), has]
        mj = _tie_sizes(r)[np.arange(has.size), has]
        share += np.where(rj == 1, 1.0 / np.maximum(mj, 1), 0.0)
    confidence[has] = share / len(scenarios)
    return confidence


def _winning_indices(ranks: np.ndarray) -> np.ndarray:
    """``winning[i, k]``: share of draws in which case i is ranked strictly ahead of case k."""
    k, n = ranks.shape
    ranked_kn = ranks > 0
    winning = np.empty((n, n))
    for i in range(n):  # loop over cases (n), each a vectorised pass over the K draws
        beats = (ranks[:, i, None] < ranks) & ranked_kn & ranked_kn[:, i, None]
        winning[i] = beats.sum(axis=0) / k
    return winning


def smaa_from_monte_carlo(
    mc: MonteCarloResult,
    scorer: BatchScorer | None = None,
    confidence_scenarios: Sequence[tuple[str | None, str | None]] | None = None,
    pairwise: bool = False,
) -> SMAAResult:
    """SMAA-2 measures on the draws of a :class:`MonteCarloResult` (no new scoring)."""
    return smaa_from_draws(
        mc.weights,
        mc.ranks,
        scorer=scorer,
        case_ids=mc.case_ids,
        dimension_ids=mc.dimension_ids,
        method=mc.method,
        normalisation=mc.normalisation,
        confidence_scenarios=confidence_scenarios,
        pairwise=pairwise,
    )


def smaa(
    scorer: BatchScorer,
    n_draws: int,
    seed,
    scheme: str = "simplex",
    *,
    noise_factor: float | None = None,
    concentration: float | None = None,
    bounds=None,
    method: str | None = None,
    normalisation: str | None = None,
    confidence_scenarios: Sequence[tuple[str | None, str | None]] | None = None,
    pairwise: bool = False,
) -> SMAAResult:
    """SMAA-2 with weights drawn by :func:`draw_weights` (default: uniform on the simplex,
    i.e. no preference information, as in Lahdelma & Salminen 2001)."""
    dims = list(scorer.dimension_ids)
    w = draw_weights(
        scorer.nominal_weights, n_draws, scheme, seed, noise_factor, concentration, bounds,
        dimension_ids=dims,
    )
    _, ranks = _score_and_rank(scorer, w, method, normalisation)
    return smaa_from_draws(
        w, ranks, scorer=scorer, method=method, normalisation=normalisation,
        confidence_scenarios=confidence_scenarios, pairwise=pairwise,
    )
