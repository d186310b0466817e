"""Robustness and sensitivity of a ranking: Monte Carlo, SMAA-2, Sobol, leave-one-out, agreement.

Everything here works against the ``BatchScorer`` protocol (:class:`benchmark_tools.scoring.BatchScorer`): a callable
that takes a ``(K, D)`` array of dimension weights and returns ``(K, n)`` scores (higher is
better, NaN for a case left out of the ranking) without a loop over ``K``. A whole uncertainty
analysis is therefore one scorer call (Monte Carlo, SMAA) or one call per
(method, normalisation) combination (Sobol), followed by array arithmetic on the ``(K, n)``
rank array: no loop over draws anywhere in this module.

Ranks are competition ranks from :func:`benchmark_tools.ranking.rank_desc` (1 = best, ties
share the best rank, 0 = not ranked).

Contents
--------
- :func:`draw_weights` — random weight vectors (multiplicative / Dirichlet / simplex, bounds);
- :func:`monte_carlo` (:func:`monte_carlo_from_settings`) → :class:`MonteCarloResult`: rank
  percentiles, P(first), P(top k), stable/fragile labels with their reason;
- :func:`smaa`, :func:`smaa_from_monte_carlo` → :class:`SMAAResult`: rank acceptability,
  central weights, confidence factors, holistic acceptability, pairwise winning indices;
- :func:`sobol_analysis` → :class:`SobolResult`: S1 and ST of the mean absolute rank shift
  for the weights, the method and the normalisation;
- :func:`leave_one_dimension_out`, :func:`leave_one_criterion_out` → :class:`LeaveOneOutResult`;
- :func:`kendall_tau`, :func:`weighted_spearman`, :func:`agreement_matrix`,
  :func:`compare_methods`, :func:`compare_profiles`;
- :func:`rank_reversal` → :class:`RankReversalResult`;
- :func:`engine_rescore_without`, :func:`engine_scores_on_subset`: the callables the last
  two checks need, built on :mod:`benchmark_tools.scoring`.

Sources for the methods
-----------------------
- Monte Carlo on weights, rank percentiles, mean absolute rank shift as the output of the
  variance-based analysis: Saisana, Saltelli & Tarantola (2005), *J. R. Stat. Soc. A* 168(2),
  and COINr (``get_noisy_weights``, ``get_sensitivity``).
- SMAA-2: Lahdelma, R. & Salminen, P. (2001), SMAA-2: Stochastic multicriteria acceptability
  analysis for group decision making, *Operations Research* 49(3), 444–454.
- Sobol indices: SALib (Saltelli 2002/2010 estimators, bootstrap confidence intervals).
- Weighted Spearman ``r_w``: Pinto da Costa, J. & Soares, C. (2005), *Aust. N. Z. J. Stat.*
  47(4), 515–529; the formula used by pymcdm (Sałabun & Urbaniak 2020).

Every function that draws random numbers takes a ``seed`` (an int, ``None`` or a
``numpy.random.Generator``) passed to :func:`numpy.random.default_rng`: the same seed gives
identical results. The deterministic checks (leave-one-out, agreement, rank reversal) take none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from benchmark_tools.ranking import DEFAULT_TIE_TOLERANCE, rank_desc

from . import scoring
from .formats import fmt_pct
from .matrix import NOT_APPLICABLE

SCHEMES = ("multiplicative", "dirichlet", "simplex")

# Rejection sampling under bounds: give up after this many candidates per requested draw
# (and at most _MAX_CANDIDATES in all), drawing at most _MAX_BATCH rows at a time to bound
# memory. Structural limits of the algorithm (not modelling choices), hence module constants.
_MAX_CANDIDATES_PER_DRAW = 2000
_MAX_CANDIDATES = 10_000_000
_MAX_BATCH = 262_144


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


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(seed)


def _as_bounds(bounds, dimension_ids: Sequence[str] | None, d: int) -> np.ndarray | None:
    """Bounds as a ``(D, 2)`` array; a mapping is keyed by dimension id (missing → [0, 1])."""
    if bounds is None:
        return None
    if isinstance(bounds, Mapping):
        if not bounds:
            return None
        if dimension_ids is None:
            raise ValueError(
                "Des bornes données par dimension demandent la liste des dimensions "
                "(argument dimension_ids)."
            )
        unknown = sorted(set(bounds) - set(dimension_ids))
        if unknown:
            raise ValueError(
                f"Bornes pour des dimensions inconnues : {', '.join(unknown)} "
                f"(attendu : {', '.join(dimension_ids)})."
            )
        b = np.tile([0.0, 1.0], (d, 1))
        for j, dim in enumerate(dimension_ids):
            if dim in bounds:
                b[j] = bounds[dim]
        return b
    b = np.asarray(bounds, dtype=float)
    if b.shape != (d, 2):
        raise ValueError(f"Les bornes doivent former un tableau ({d}, 2) ; trouvé : {b.shape}.")
    return b


def _normalised(nominal) -> np.ndarray:
    w = np.asarray(nominal, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("Les poids nominaux doivent former un vecteur non vide.")
    if np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("Les poids nominaux doivent être positifs ou nuls, et pas tous nuls.")
    return w / w.sum()


def _support_range(w: np.ndarray, scheme: str, f: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest normalised weight each dimension can take under a scheme."""
    d = w.size
    if scheme == "simplex":
        return np.zeros(d), np.ones(d)
    pos = w > 0
    if scheme == "dirichlet":
        # Every point of the face spanned by the positive weights has positive density.
        return np.zeros(d), np.where(pos, 1.0, 0.0)
    # multiplicative: weight j is largest when it gets (1 + f) and all others (1 - f).
    lo_m, hi_m = 1.0 - f, 1.0 + f
    total = w.sum()
    rest = total - w
    wmax = w * hi_m / (w * hi_m + rest * lo_m)
    wmin = w * lo_m / (w * lo_m + rest * hi_m)
    return np.where(pos, wmin, 0.0), np.where(pos, wmax, 0.0)


def _raw_draws(
    w: np.ndarray,
    n: int,
    scheme: str,
    rng: np.random.Generator,
    noise_factor: float | None,
    concentration: float | None,
) -> np.ndarray:
    d = w.size
    if scheme == "multiplicative":
        u = rng.uniform(1.0 - noise_factor, 1.0 + noise_factor, size=(n, d))
        out = w * u
    elif scheme == "dirichlet":
        pos = np.flatnonzero(w > 0)
        out = np.zeros((n, d))
        # numpy's Dirichlet needs alpha > 0: zero-weight dimensions stay at 0.
        out[:, pos] = rng.dirichlet(concentration * w[pos], size=n)
    elif scheme == "simplex":
        out = rng.dirichlet(np.ones(d), size=n)
    else:  # pragma: no cover - checked by the caller
        raise AssertionError(scheme)
    return out / out.sum(axis=1, keepdims=True)


def draw_weights(
    nominal,
    n: int,
    scheme: str,
    rng_seed=None,
    noise_factor: float | None = None,
    concentration: float | None = None,
    bounds=None,
    *,
    dimension_ids: Sequence[str] | None = None,
) -> np.ndarray:
    """Random dimension-weight vectors around (or regardless of) the nominal weights.

    Parameters
    ----------
    nominal : array_like, shape (D,)
        Nominal weights (positive or zero, normalised here).
    n : int
        Number of vectors to draw.
    scheme : {"multiplicative", "dirichlet", "simplex"}
        - ``"multiplicative"`` (COINr's ``get_noisy_weights``): each weight is multiplied by
          an independent ``U(1 - f, 1 + f)`` factor, then the vector is renormalised; a zero
          weight stays zero.
        - ``"dirichlet"``: Dirichlet with parameters ``concentration × nominal``: its mean is
          the nominal vector and the spread shrinks as the concentration grows (variance of
          weight j = w_j (1 − w_j) / (c + 1)); a zero weight stays zero.
        - ``"simplex"``: uniform on the whole simplex of the D dimensions (SMAA's "no weight
          information"), whatever the nominal weights, zeros included.
    rng_seed : int, Generator or None
        Seed for :func:`numpy.random.default_rng`.
    noise_factor : float
        ``f`` in ``[0, 1)``, required by ``"multiplicative"`` (settings: ``robustness.noise_factor``).
    concentration : float
        ``c > 0``, required by ``"dirichlet"`` (settings: ``robustness.dirichlet_concentration``).
    bounds : array_like (D, 2) or mapping {dimension_id: (lo, hi)}, optional
        Bounds on the *normalised* weights. Draws outside are rejected and redrawn. A mapping
        needs ``dimension_ids``; unlisted dimensions are unbounded.
    dimension_ids : sequence of str, optional
        Dimension ids in the order of ``nominal`` (for mapping bounds and messages).

    Returns
    -------
    ndarray, shape (n, D)
        Rows sum to 1.

    Raises
    ------
    ValueError
        Unknown scheme, missing parameter, or bounds that no draw of the scheme can satisfy
        (checked analytically first, then by the rejection rate), with a French message.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"Schéma de tirage inconnu : {scheme!r} (attendu : {', '.join(SCHEMES)}).")
    w = _normalised(nominal)
    d = w.size
    n = int(n)
    if n < 0:
        raise ValueError("Le nombre de tirages doit être positif.")
    if scheme == "multiplicative":
        if noise_factor is None or not 0 <= noise_factor < 1:
            raise ValueError(
                "Le schéma « multiplicative » demande un facteur de bruit f dans [0, 1) "
                f"(trouvé : {noise_factor!r})."
            )
    if scheme == "dirichlet":
        if concentration is None or not concentration > 0:
            raise ValueError(
                "Le schéma « dirichlet » demande une concentration strictement positive "
                f"(trouvé : {concentration!r})."
            )
    rng = _rng(rng_seed)
    b = _as_bounds(bounds, dimension_ids, d)
    if b is None:
        return _raw_draws(w, n, scheme, rng, noise_factor, concentration)

    names = list(dimension_ids) if dimension_ids is not None else [f"n°{j + 1}" for j in range(d)]
    lo, hi = b[:, 0], b[:, 1]
    bad = np.flatnonzero(~np.isfinite(lo) | ~np.isfinite(hi) | (lo > hi) | (lo < 0) | (hi > 1))
    if bad.size:
        raise ValueError(
            "Bornes de poids invalides (attendu : 0 ≤ bas ≤ haut ≤ 1) pour : "
            + ", ".join(f"{names[j]} [{lo[j]:g}, {hi[j]:g}]" for j in bad)
            + "."
        )
    if lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
        raise ValueError(
            "Bornes de poids impossibles à respecter : la somme des bornes basses "
            f"({lo.sum():.3g}) doit être ≤ 1 et celle des bornes hautes ({hi.sum():.3g}) ≥ 1."
        )
    smin, smax = _support_range(w, scheme, noise_factor)
    out_of_reach = np.flatnonzero((lo > smax + 1e-12) | (hi < smin - 1e-12))
    if out_of_reach.size:
        raise ValueError(
            f"Bornes de poids hors d'atteinte du schéma « {scheme} » : "
            + ", ".join(
                f"{names[j]} borné à [{lo[j]:g}, {hi[j]:g}] mais tiré dans "
                f"[{smin[j]:.3g}, {smax[j]:.3g}]"
                for j in out_of_reach
            )
            + "."
        )
    accepted: list[np.ndarray] = []
    n_ok = 0
    n_tried = 0
    limit = min(max(n, 1) * _MAX_CANDIDATES_PER_DRAW, _MAX_CANDIDATES)
    rate = 1.0
    while n_ok < n:
        # Batch size from the acceptance rate seen so far, so that usually one or two
        # batches suffice; never a Python loop over single draws.
        want = max(1024, 1.2 * (n - n_ok) / max(rate, 1e-6))
        batch = int(min(limit - n_tried, _MAX_BATCH, want))
        if batch <= 0:
            raise ValueError(
                f"Bornes de poids trop étroites pour le schéma « {scheme} » : "
                f"{n_ok} tirage(s) acceptable(s) sur {n_tried} essais pour {n} demandés (taux "
                f"{n_ok / max(n_tried, 1):.2e}). Élargir les bornes ou le bruit."
            )
        cand = _raw_draws(w, batch, scheme, rng, noise_factor, concentration)
        ok = np.all((cand >= lo - 1e-12) & (cand <= hi + 1e-12), axis=1)
        accepted.append(cand[ok])
        n_ok += int(ok.sum())
        n_tried += batch
        rate = n_ok / n_tried
    return np.concatenate(accepted, axis=0)[:n]


# ---------------------------------------------------------------------------------------------
# Rank statistics on a (K, n) rank array
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------------------------


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
        """One row per case, French column labels, sorted by nominal rank (excluded last)."""
        nom = self.nominal_ranks.astype(float)
        nom[nom == 0] = np.nan
        data = {
            "cas": self.case_ids,
            "rang nominal": nom,
            "rang médian": self.median_rank,
            "rang P5": self.rank_p05,
            "rang P95": self.rank_p95,
            "P(1er)": self.p_first,
            f"P(top {self.top_k})": self.p_top_k,
            "score nominal": self.nominal_scores,
            "score moyen": self.mean_score,
            "part des tirages classés": self.share_ranked,
        }
        if self.stability is not None:
            data["stabilité"] = self.stability
            data["motif"] = self.stability_reason
        df = pd.DataFrame(data)
        return df.sort_values("rang nominal", na_position="last", kind="stable").reset_index(
            drop=True
        )


def _stability_labels(
    nominal_ranks: np.ndarray,
    ranks: np.ndarray,
    p_top_k: np.ndarray,
    top_k: int,
    threshold: float,
    tolerance: int,
    reference_word: str = "nominal",
) -> tuple[list[str], list[str]]:
    """Stable/fragile labels with the reason in French words.

    ``nominal_ranks`` is the rank the draws are compared with (``reference_word`` names it in
    the reason: "nominal", or "médian" for the joint Monte Carlo); 0 = not ranked.
    """
    k = ranks.shape[0]
    within = (np.abs(ranks - nominal_ranks) <= tolerance) & (ranks > 0)
    p_within = within.sum(axis=0) / k
    labels, reasons = [], []
    seuil = fmt_pct(threshold)
    for i, r0 in enumerate(nominal_ranks):
        if r0 == 0:
            labels.append("exclu")
            reasons.append(f"non classé au scénario {reference_word}" if reference_word == "nominal"
                           else "jamais classé dans les tirages")
            continue
        if r0 <= top_k:
            p = p_top_k[i]
            what = f"reste parmi les {top_k} premiers dans {fmt_pct(p)} des tirages"
        else:
            p = p_within[i]
            ecart = "garde son rang" if tolerance == 0 else f"reste à ±{tolerance} rang(s) de son rang"
            what = f"{ecart} {reference_word} ({int(r0)}) dans {fmt_pct(p)} des tirages"
        stable = p >= threshold
        labels.append("stable" if stable else "fragile")
        reasons.append(f"{what} ({'≥' if stable else '<'} seuil de {seuil})")
    return labels, reasons


def _tol(scorer) -> float:
    """The scorer's tie tolerance (test scorers without one rank with the default)."""
    return float(getattr(scorer, "tie_tolerance", DEFAULT_TIE_TOLERANCE))


def _score_and_rank(scorer, weights, method, normalisation):
    scores = np.asarray(scorer(weights, method=method, normalisation=normalisation), dtype=float)
    return scores, rank_desc(scores, _tol(scorer))


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
        rank_p05=_hist_quantile(counts, 0.05),
        rank_p95=_hist_quantile(counts, 0.95),
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


# ---------------------------------------------------------------------------------------------
# SMAA-2
# ---------------------------------------------------------------------------------------------


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
        """One row per case: acceptabilities b1…bN, confidence factor, holistic index.

        Parameters
        ----------
        max_rank : int, optional
            Only the first ``max_rank`` acceptability columns (default: all ranked positions).
        """
        n_pos = int(self.ranked.sum()) or self.acceptability.shape[1]
        n_pos = min(n_pos, max_rank) if max_rank else n_pos
        df = pd.DataFrame({"cas": self.case_ids})
        for r in range(n_pos):
            df[f"acceptabilité rang {r + 1}"] = self.acceptability[:, r]
        df["facteur de confiance"] = self.confidence
        df["acceptabilité holistique"] = self.holistic
        df["classé dans tous les tirages"] = self.ranked
        return df.sort_values(
            "acceptabilité holistique", ascending=False, kind="stable"
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
    first = np.where(ranks == 1, 1.0 / np.maximum(m, 1), 0.0)
    n_first = first.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        central = (first.T @ weights) / n_first[:, None]
    central[n_first == 0] = np.nan
    n_r = int(ranked.sum())
    alpha = np.zeros(n)
    if n_r > 1:
        alpha[:n_r] = (n_r - np.arange(1, n_r + 1)) / (n_r - 1)
    elif n_r == 1:
        alpha[0] = 1.0
    holistic = acc @ alpha
    scenarios = list(confidence_scenarios) if confidence_scenarios else [(method, normalisation)]
    confidence = np.full(n, np.nan)
    has = np.flatnonzero(n_first > 0)
    if scorer is not None and has.size:
        share = np.zeros(has.size)
        for meth, norm in scenarios:
            s = np.asarray(scorer(central[has], method=meth, normalisation=norm), dtype=float)
            r = rank_desc(s, _tol(scorer))  # row j: ranking under the central weights of case has[j]
            rj = r[np.arange(has.size), has]
            mj = _tie_sizes(r)[np.arange(has.size), has]
            share += np.where(rj == 1, 1.0 / np.maximum(mj, 1), 0.0)
        confidence[has] = share / len(scenarios)
    winning = None
    if pairwise:
        ranked_kn = ranks > 0
        winning = np.empty((n, n))
        for i in range(n):  # loop over cases (n), each a vectorised pass over the K draws
            beats = (ranks[:, i, None] < ranks) & ranked_kn & ranked_kn[:, i, None]
            winning[i] = beats.sum(axis=0) / k
    return SMAAResult(
        case_ids=list(case_ids if case_ids is not None else getattr(scorer, "case_ids", range(n))),
        dimension_ids=list(
            dimension_ids if dimension_ids is not None else getattr(scorer, "dimension_ids", range(d))
        ),
        acceptability=acc,
        central_weights=central,
        confidence=confidence,
        holistic=holistic,
        ranked=ranked,
        n_draws=k,
        confidence_scenarios=scenarios,
        winning=winning,
    )


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


# ---------------------------------------------------------------------------------------------
# Sobol (SALib)
# ---------------------------------------------------------------------------------------------


@dataclass
class SobolResult:
    """Variance-based sensitivity of the mean absolute rank shift (Sobol / Saltelli).

    Attributes
    ----------
    factors : list of str
        Factor ids: ``"weight:<dimension_id>"``, ``"method"``, ``"normalisation"``.
    labels : list of str
        French labels of the factors.
    S1, S1_conf, ST, ST_conf : ndarray
        First-order and total indices and the half-width of their bootstrap confidence
        interval at ``conf_level`` (SALib's ``Z × std`` of the bootstrap replicates).
    output : ndarray (N (F + 2),)
        Model output per sample row: mean absolute rank shift from the nominal ranking.
    """

    factors: list[str]
    labels: list[str]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    output: np.ndarray
    n_base: int
    conf_level: float
    seed: Any
    methods: tuple[str, ...]
    normalisations: tuple[str, ...]
    constant_output: bool = False

    def to_dataframe(self) -> pd.DataFrame:
        """One row per factor, French labels, sorted by total index."""
        lvl = f"{100 * self.conf_level:.0f} %"
        df = pd.DataFrame(
            {
                "facteur": self.labels,
                "identifiant": self.factors,
                "indice de premier ordre S1": self.S1,
                f"S1 borne basse ({lvl})": self.S1 - self.S1_conf,
                f"S1 borne haute ({lvl})": self.S1 + self.S1_conf,
                "indice total ST": self.ST,
                f"ST borne basse ({lvl})": self.ST - self.ST_conf,
                f"ST borne haute ({lvl})": self.ST + self.ST_conf,
            }
        )
        return df.sort_values("indice total ST", ascending=False, kind="stable").reset_index(
            drop=True
        )


def _derived_seed(rng: np.random.Generator) -> int:
    # SALib's analyze() treats seed 0 as "no seed": always hand it a positive integer.
    return int(rng.integers(1, 2**31 - 1))


def sobol_analysis(
    scorer: BatchScorer,
    n_base: int,
    seed,
    noise_factor: float,
    *,
    methods: Sequence[str] | None = None,
    normalisations: Sequence[str] | None = None,
    n_bootstrap: int,
    conf_level: float = 0.95,
    nominal_method: str | None = None,
    nominal_normalisation: str | None = None,
    dimension_labels: Mapping[str, str] | None = None,
) -> SobolResult:
    """Sobol first-order and total indices of the ranking's mean absolute rank shift.

    Factors (independent, as SALib's estimators require):

    - one multiplier ``U(1 − f, 1 + f)`` per dimension weight; the weights are the nominal
      ones times the multipliers, renormalised (COINr's noisy weights);
    - the aggregation method, when ``methods`` has more than one entry, and the
      normalisation, when ``normalisations`` has more than one: each sampled as ``U(0, 1)``
      and mapped to an index ``⌊u·m⌋`` (equal probability per option).

    The model output of a sample row is the mean absolute difference between its ranks and
    the nominal ranks (nominal weights, ``nominal_method``/``nominal_normalisation``) over
    the cases ranked in both. The sample is grouped by (method, normalisation) so that the
    scorer is called once per combination.

    Parameters
    ----------
    scorer : BatchScorer
    n_base : int
        Base sample size N (settings: ``robustness.sobol_n``); a power of 2 for Sobol'
        sequences. The scorer evaluates N (F + 2) weight vectors.
    seed : int, Generator or None
    noise_factor : float
        Settings: ``robustness.noise_factor``.
    methods, normalisations : sequence of str, optional
        Options of the discrete factors (settings: ``robustness.methods`` /
        ``robustness.normalisations``); None or a single entry = not a factor.
    n_bootstrap : int
        Bootstrap resamples for the confidence intervals (settings: ``robustness.sobol_bootstrap``).
    conf_level : float
        Confidence level of the intervals.
    dimension_labels : mapping, optional
        French label per dimension id (default: the id).

    Returns
    -------
    SobolResult
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if not 0 < noise_factor < 1:
        raise ValueError(f"Le facteur de bruit doit être dans ]0, 1[ (trouvé : {noise_factor!r}).")
    rng = _rng(seed)
    dims = list(scorer.dimension_ids)
    d = len(dims)
    methods = tuple(methods) if methods else ()
    normalisations = tuple(normalisations) if normalisations else ()
    labels_fr = dict(dimension_labels or {})
    factors = [f"weight:{dim}" for dim in dims]
    labels = [f"poids : {labels_fr.get(dim, dim)}" for dim in dims]
    bounds = [[1.0 - noise_factor, 1.0 + noise_factor]] * d
    vary_m = len(methods) > 1
    vary_n = len(normalisations) > 1
    if vary_m:
        factors.append("method")
        labels.append("méthode d'agrégation")
        bounds.append([0.0, 1.0])
    if vary_n:
        factors.append("normalisation")
        labels.append("normalisation")
        bounds.append([0.0, 1.0])
    problem = {"num_vars": len(factors), "names": factors, "bounds": bounds}
    sample = sobol_sample.sample(
        problem, int(n_base), calc_second_order=False, seed=_derived_seed(rng)
    )
    w0 = np.asarray(scorer.nominal_weights, dtype=float)
    weights = sample[:, :d] * w0
    weights /= weights.sum(axis=1, keepdims=True)
    col = d
    if vary_m:
        mi = np.minimum((sample[:, col] * len(methods)).astype(int), len(methods) - 1)
        col += 1
    else:
        mi = np.zeros(len(sample), dtype=int)
    if vary_n:
        ni = np.minimum((sample[:, col] * len(normalisations)).astype(int), len(normalisations) - 1)
    else:
        ni = np.zeros(len(sample), dtype=int)
    # Options actually used per combination index; a fixed choice is the single option given,
    # or the nominal one when none is given.
    m_opts = methods if vary_m else ((methods[0] if methods else nominal_method),)
    n_opts = normalisations if vary_n else (
        (normalisations[0] if normalisations else nominal_normalisation),
    )

    _, nom_ranks = _score_and_rank(scorer, w0[None, :], nominal_method, nominal_normalisation)
    nom_ranks = nom_ranks[0]
    y = np.empty(len(sample))
    combo = mi * len(n_opts) + ni
    # One scorer call per (method, normalisation) combination present in the sample.
    for c in np.unique(combo):
        sel = np.flatnonzero(combo == c)
        meth, norm = m_opts[c // len(n_opts)], n_opts[c % len(n_opts)]
        _, r = _score_and_rank(scorer, weights[sel], meth, norm)
        y[sel] = _mean_abs_shift(r, nom_ranks)
    if np.any(np.isnan(y)):
        raise ValueError(
            "Aucun cas classé à la fois au scénario nominal et dans certains tirages : "
            "l'analyse de Sobol est impossible."
        )
    nf = len(factors)
    if np.ptp(y) <= np.finfo(float).eps:
        # No rank ever moves: every index is 0 (SALib would divide by a zero variance).
        z = np.zeros(nf)
        return SobolResult(
            factors, labels, z, z.copy(), z.copy(), z.copy(), y, int(n_base), conf_level, seed,
            methods, normalisations, constant_output=True,
        )
    si = sobol_analyze.analyze(
        problem,
        y,
        calc_second_order=False,
        num_resamples=int(n_bootstrap),
        conf_level=conf_level,
        seed=_derived_seed(rng),
    )
    return SobolResult(
        factors=factors,
        labels=labels,
        S1=np.asarray(si["S1"], dtype=float),
        S1_conf=np.asarray(si["S1_conf"], dtype=float),
        ST=np.asarray(si["ST"], dtype=float),
        ST_conf=np.asarray(si["ST_conf"], dtype=float),
        output=y,
        n_base=int(n_base),
        conf_level=conf_level,
        seed=seed,
        methods=methods,
        normalisations=normalisations,
    )


# ---------------------------------------------------------------------------------------------
# Rank agreement
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Leave-one-out
# ---------------------------------------------------------------------------------------------


@dataclass
class LeaveOneOutResult:
    """Rank changes when one dimension (or criterion) is left out.

    Attributes
    ----------
    kind : {"dimension", "criterion"}
    removed : list of str
        Ids of the items left out, one per row of ``ranks``.
    ranks : ndarray (m, n)
        Ranks without each item (0 = not ranked; a row of 0 = not computable).
    nominal_ranks : ndarray (n,)
    mean_abs_shift, max_abs_shift : ndarray (m,)
        Over the cases ranked in both.
    leader_changed : ndarray of bool (m,)
        Whether the nominal first (all of them, if tied) is no longer first.
    kendall : ndarray (m,)
        Kendall's tau-b between the ranking without the item and the nominal one.
    """

    kind: str
    removed: list[str]
    case_ids: list[str]
    ranks: np.ndarray
    nominal_ranks: np.ndarray
    mean_abs_shift: np.ndarray
    max_abs_shift: np.ndarray
    leader_changed: np.ndarray
    kendall: np.ndarray

    def to_dataframe(self) -> pd.DataFrame:
        """One row per item left out, French labels, largest shift first."""
        col = "dimension retirée" if self.kind == "dimension" else "critère retiré"
        df = pd.DataFrame(
            {
                col: self.removed,
                "décalage moyen de rang": self.mean_abs_shift,
                "décalage maximal de rang": self.max_abs_shift,
                "changement de tête": self.leader_changed,
                "tau de Kendall avec le classement nominal": self.kendall,
            }
        )
        return df.sort_values("décalage moyen de rang", ascending=False, kind="stable").reset_index(
            drop=True
        )

    def rank_table(self) -> pd.DataFrame:
        """Ranks of every case (rows) without each item (columns), nominal first."""
        data = {"rang nominal": self.nominal_ranks}
        for j, item in enumerate(self.removed):
            data[f"sans {item}"] = self.ranks[j]
        df = pd.DataFrame(data, index=pd.Index(self.case_ids, name="cas"))
        return df.replace(0, np.nan)


def _loo_summary(kind, removed, case_ids, ranks, nominal) -> LeaveOneOutResult:
    ranks = np.asarray(ranks)
    both = (ranks > 0) & (nominal > 0)
    diff = np.where(both, np.abs(ranks - nominal), 0)
    valid = ranks.any(axis=1)
    mean = _mean_abs_shift(ranks, nominal)
    mx = np.where(valid, diff.max(axis=1, initial=0), np.nan).astype(float)
    leaders = nominal == 1
    changed = np.array([bool(v) and bool(np.any(r[leaders] != 1)) for r, v in zip(ranks, valid, strict=True)])
    tau = np.array([kendall_tau(r, nominal) if v else np.nan for r, v in zip(ranks, valid, strict=True)])
    mean = np.where(valid, mean, np.nan)
    return LeaveOneOutResult(kind, list(removed), list(case_ids), ranks, nominal, mean, mx, changed, tau)


def leave_one_dimension_out(
    scorer: BatchScorer, *, method: str | None = None, normalisation: str | None = None
) -> LeaveOneOutResult:
    """Rank shifts when each dimension's weight is set to 0 (the others renormalised).

    One batched scorer call with D weight vectors. A dimension whose removal would leave
    no positive weight gets a row of NaN statistics.
    """
    w0 = np.asarray(scorer.nominal_weights, dtype=float)
    d = w0.size
    _, nom = _score_and_rank(scorer, w0[None, :], method, normalisation)
    w = np.tile(w0, (d, 1))
    w[np.arange(d), np.arange(d)] = 0.0
    ok = w.sum(axis=1) > 0
    ranks = np.zeros((d, len(scorer.case_ids)), dtype=np.int64)
    if ok.any():
        ranks[ok] = _score_and_rank(scorer, w[ok], method, normalisation)[1]
    return _loo_summary("dimension", scorer.dimension_ids, scorer.case_ids, ranks, nom[0])


def leave_one_criterion_out(
    rescore_without: Callable[[str], np.ndarray],
    criterion_ids: Sequence[str],
    nominal_scores: np.ndarray,
    case_ids: Sequence[str],
) -> LeaveOneOutResult:
    """Rank shifts when each criterion is left out.

    Parameters
    ----------
    rescore_without : callable
        ``rescore_without(criterion_id) -> ndarray (n,)``: the scores of the n cases (same
        order as ``case_ids``, NaN = not ranked) recomputed with that criterion removed from
        the catalogue (its dimension averaging over the remaining criteria; coverage and
        normalisation recomputed as the engine does). The engine or the caller builds it,
        e.g. by dropping the criterion's column before calling ``make_batch_scorer`` and
        scoring the nominal weights.
    criterion_ids : sequence of str
        Criteria to leave out, one at a time.
    nominal_scores : ndarray (n,)
        Scores with every criterion.
    case_ids : sequence of str
    """
    nom = rank_desc(np.asarray(nominal_scores, dtype=float))
    ranks = np.vstack(
        [rank_desc(np.asarray(rescore_without(c), dtype=float)) for c in criterion_ids]
    ) if len(criterion_ids) else np.zeros((0, nom.size), dtype=np.int64)
    return _loo_summary("criterion", criterion_ids, case_ids, ranks, nom)


# ---------------------------------------------------------------------------------------------
# Rank reversal
# ---------------------------------------------------------------------------------------------


@dataclass
class RankReversalResult:
    """Pairs of cases whose order changes when another case is removed.

    Attributes
    ----------
    removed : list of str
        The case removed in each row (only cases ranked with everyone present).
    n_pairs : ndarray (m,)
        Pairs of remaining cases ranked in both situations.
    n_reversed : ndarray (m,)
        Pairs in strict opposite order (a ahead of b, then b ahead of a).
    n_changed : ndarray (m,)
        Pairs whose relation changes at all (including a tie appearing or being broken).
    leader_changed : ndarray of bool (m,)
        Whether the best remaining case (by the full ranking) is no longer first.
    """

    removed: list[str]
    n_pairs: np.ndarray
    n_reversed: np.ndarray
    n_changed: np.ndarray
    leader_changed: np.ndarray

    def to_dataframe(self) -> pd.DataFrame:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(self.n_pairs > 0, self.n_reversed / np.maximum(self.n_pairs, 1), np.nan)
        return pd.DataFrame(
            {
                "cas retiré": self.removed,
                "paires comparées": self.n_pairs,
                "paires inversées": self.n_reversed,
                "part de paires inversées": share,
                "paires modifiées (égalités comprises)": self.n_changed,
                "changement de tête": self.leader_changed,
            }
        )


def rank_reversal(
    scores_on_subset: Callable[[np.ndarray], np.ndarray],
    case_ids: Sequence[str],
    *,
    full_scores: np.ndarray | None = None,
) -> RankReversalResult:
    """Rank reversal when one case is removed (test 2 of Wang & Triantaphyllou 2008 in spirit).

    Parameters
    ----------
    scores_on_subset : callable
        ``scores_on_subset(keep) -> ndarray (len(keep),)``: ``keep`` is a sorted integer
        array of case positions (into ``case_ids``); the function returns the scores of those
        cases, in that order, recomputed *as if only they existed* (so that set-dependent
        steps — min-max or z-score normalisation, TOPSIS ideals, PROMETHEE flows — see the
        smaller set). NaN = not ranked.
    case_ids : sequence of str
    full_scores : ndarray (n,), optional
        Scores with every case (default: ``scores_on_subset(arange(n))``).

    Returns
    -------
    RankReversalResult
        One row per removable case (those ranked in the full set). The loop is over removed
        cases (one recomputation each); pair comparisons are vectorised.
    """
    n = len(case_ids)
    allidx = np.arange(n)
    full = np.asarray(
        scores_on_subset(allidx) if full_scores is None else full_scores, dtype=float
    )
    sign_full = np.sign(full[:, None] - full[None, :])  # NaN where a score is NaN
    iu = np.triu_indices(n - 1, k=1)
    removed, pairs, rev, chg, lead = [], [], [], [], []
    for j in np.flatnonzero(np.isfinite(full)):
        keep = np.delete(allidx, j)
        sub = np.asarray(scores_on_subset(keep), dtype=float)
        sf = sign_full[np.ix_(keep, keep)][iu]
        ss = np.sign(sub[:, None] - sub[None, :])[iu]
        ok = np.isfinite(sf) & np.isfinite(ss)
        removed.append(case_ids[j])
        pairs.append(int(ok.sum()))
        rev.append(int(np.sum(ok & (sf * ss < 0))))
        chg.append(int(np.sum(ok & (sf != ss))))
        fk = full[keep]
        if np.isfinite(fk).any() and np.isfinite(sub).any():
            best_full = np.flatnonzero(fk == np.nanmax(fk))
            lead.append(bool(np.any(sub[best_full] != np.nanmax(sub))))
        else:
            lead.append(False)
    return RankReversalResult(
        removed, np.array(pairs), np.array(rev), np.array(chg), np.array(lead, dtype=bool)
    )


# ---------------------------------------------------------------------------------------------
# Callables built on the engine (for leave-one-criterion-out and rank reversal)
# ---------------------------------------------------------------------------------------------


def _engine_scores(matrix, profile, settings, method, normalisation) -> np.ndarray:

    res = scoring.score(matrix, profile, settings, method=method, normalisation=normalisation)
    return np.where(res.ranked, res.scores, np.nan)


def engine_rescore_without(matrix, profile, settings, *, method: str | None = None,
                           normalisation: str | None = None) -> Callable[[str], np.ndarray]:
    """A ``rescore_without(criterion_id)`` for :func:`leave_one_criterion_out`, on the engine.

    The criterion is marked "not applicable" for every case of the
    :class:`~benchmark_tools.matrix.DecisionMatrix`: it then leaves the mean of its dimension
    (the other criteria's weights are renormalised) and the coverage count, exactly as if it
    were not in the catalogue. Scores of cases that are not ranked are NaN.
    """

    ids = list(matrix.criterion_ids)

    def rescore_without(criterion_id: str) -> np.ndarray:
        if criterion_id not in ids:
            raise ValueError(f"Critère inconnu : {criterion_id!r}.")
        status = np.array(matrix.status)
        status[:, ids.index(criterion_id)] = NOT_APPLICABLE
        return _engine_scores(matrix.replace(status=status), profile, settings, method, normalisation)

    return rescore_without


def engine_scores_on_subset(matrix, profile, settings, *, method: str | None = None,
                            normalisation: str | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """A ``scores_on_subset(keep)`` for :func:`rank_reversal`, on the engine.

    Scores the sub-matrix of the cases ``keep`` (row positions), so that the data-driven
    scales, the TOPSIS ideal and the PROMETHEE comparisons see only those cases.
    """

    def scores_on_subset(keep: np.ndarray) -> np.ndarray:
        keep = np.asarray(keep, dtype=int)
        sub = matrix.replace(
            case_ids=tuple(matrix.case_ids[i] for i in keep),
            case_names=tuple(matrix.case_names[i] for i in keep),
            values=np.asarray(matrix.values)[keep],
            status=np.asarray(matrix.status)[keep],
        )
        return _engine_scores(sub, profile, settings, method, normalisation)

    return scores_on_subset
