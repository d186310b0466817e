"""Agreement between rankings: Kendall tau, weighted Spearman, matrices over methods and profiles."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .ranking import rank_desc
from .robustness_ranks import BatchScorer, _score_and_rank


def _common_reranked(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Ranks restricted to the cases ranked in both (rank > 0, not NaN), re-ranked 1..m."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError("Les deux classements doivent porter sur les mêmes cas.")
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    xs, ys = x[ok], y[ok]
    if ok.all():
        return xs, ys
    # Lower rank = better: rank_desc on the negated ranks keeps competition ties.
    return rank_desc(-xs).astype(float), rank_desc(-ys).astype(float)


def weighted_spearman(x, y) -> float:
    """Weighted Spearman rank correlation r_w (Pinto da Costa & Soares 2005).

    ``r_w = 1 − 6 Σ (x_i − y_i)² ((N − x_i + 1) + (N − y_i + 1)) / (N⁴ + N³ − N² − N)``:
    disagreements near the top of the rankings weigh more. Same formula as pymcdm's
    ``weighted_spearman``. Only cases ranked in both (rank > 0, not NaN) are compared, after
    re-ranking them 1..N.
    """
    xs, ys = _common_reranked(x, y)
    n = xs.size
    if n < 2:
        return float("nan")
    num = 6.0 * np.sum((xs - ys) ** 2 * ((n - xs + 1) + (n - ys + 1)))
    den = n**4 + n**3 - n**2 - n
    return float(1.0 - num / den)


def kendall_tau(x, y) -> float:
    """Kendall's tau-b between two rankings (scipy), on the cases ranked in both."""
    # scipy.stats is slow to import: only when an agreement is measured.
    from scipy.stats import kendalltau

    xs, ys = _common_reranked(x, y)
    if xs.size < 2:
        return float("nan")
    return float(kendalltau(xs, ys).statistic)


MEASURES: dict[str, Callable[[Any, Any], float]] = {
    "kendall": kendall_tau,
    "weighted_spearman": weighted_spearman,
}
MEASURE_LABELS = {"kendall": "tau de Kendall", "weighted_spearman": "Spearman pondéré r_w"}


def agreement_matrix(rankings: Mapping[str, np.ndarray], measure: str = "kendall") -> pd.DataFrame:
    """Pairwise agreement between named rankings, as a symmetric DataFrame.

    Parameters
    ----------
    rankings : mapping name → ranks (n,)
        Ranks 1 = best over the same cases in the same order (0 or NaN = not ranked).
    measure : {"kendall", "weighted_spearman"}
    """
    if measure not in MEASURES:
        raise ValueError(f"Mesure inconnue : {measure!r} (attendu : {', '.join(MEASURES)}).")
    f = MEASURES[measure]
    names = list(rankings)
    mat = np.eye(len(names))
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            mat[a, b] = mat[b, a] = f(rankings[names[a]], rankings[names[b]])
    df = pd.DataFrame(mat, index=names, columns=names)
    df.index.name = MEASURE_LABELS[measure]
    return df


def method_rankings(
    scorer: BatchScorer,
    *,
    weights: np.ndarray | None = None,
    normalisation: str | None = None,
    methods: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Ranks under each aggregation method (nominal weights unless given)."""
    w = np.asarray(scorer.nominal_weights if weights is None else weights, dtype=float)[None, :]
    return {
        m: _score_and_rank(scorer, w, m, normalisation)[1][0]
        for m in (methods if methods is not None else scorer.methods)
    }


def normalisation_rankings(
    scorer: BatchScorer,
    *,
    weights: np.ndarray | None = None,
    method: str | None = None,
    normalisations: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Ranks under each normalisation (nominal weights unless given)."""
    w = np.asarray(scorer.nominal_weights if weights is None else weights, dtype=float)[None, :]
    return {
        nm: _score_and_rank(scorer, w, method, nm)[1][0]
        for nm in (normalisations if normalisations is not None else scorer.normalisations)
    }


def profile_rankings(
    scorers: Mapping[str, BatchScorer],
    *,
    method: str | None = None,
    normalisation: str | None = None,
) -> dict[str, np.ndarray]:
    """Ranks under each profile: one scorer per profile (its criterion weights may differ),
    each evaluated at its own nominal dimension weights. All scorers must list the same cases
    in the same order."""
    out: dict[str, np.ndarray] = {}
    ref = None
    for name, sc in scorers.items():
        if ref is None:
            ref = list(sc.case_ids)
        elif list(sc.case_ids) != ref:
            raise ValueError(f"Le profil {name!r} ne porte pas sur les mêmes cas que les autres.")
        w = np.asarray(sc.nominal_weights, dtype=float)[None, :]
        out[name] = _score_and_rank(sc, w, method, normalisation)[1][0]
    return out


def compare_methods(scorer: BatchScorer, measure: str = "kendall", **kw) -> pd.DataFrame:
    """Agreement matrix between the rankings of the scorer's methods."""
    return agreement_matrix(method_rankings(scorer, **kw), measure)


def compare_profiles(
    scorers: Mapping[str, BatchScorer], measure: str = "kendall", **kw
) -> pd.DataFrame:
    """Agreement matrix between the rankings of several profiles (one scorer each)."""
    return agreement_matrix(profile_rankings(scorers, **kw), measure)
