"""Aggregation: normalised criteria → dimension scores → one score per case.

Pure array functions without checks (the checks live in :mod:`benchmark_tools.scoring`,
the one validating entry point). Every function takes a *batch* of weight vectors,
shape (K, D) or (K, m), and returns scores of shape (K, n), with no Python loop over K:
robustness analyses call them with thousands of weight vectors at once.

Two levels, as in composite indicators (OECD/JRC Handbook; COINr's ``a_amean``):

1. **Within a dimension**: missing-aware weighted arithmetic mean of the normalised
   criteria. A missing or not-applicable criterion is left out and the remaining weights of
   that dimension are renormalised, so a gap in the evidence is neither a zero nor a
   penalty; a dimension without any value is ``NaN``.
2. **Across dimensions**, the method being a parameter:

   - :func:`arithmetic` — weighted arithmetic mean (fully compensatory);
   - :func:`geometric` — weighted geometric mean (a weak dimension is harder to offset);
     dimension scores are floored at ``floor`` (``settings.scoring.geometric_floor``)
     because one zero would otherwise make the whole score zero;
   - :func:`topsis` — closeness to the ideal case (Hwang & Yoon 1981) on the dimension
     scores, the ideal and anti-ideal being the best and worst dimension scores among the
     reference cases;
   - :func:`promethee_ii` — PROMETHEE II net flows (Brans & Vincke 1985) on the dimension
     scores, with the "usual", "v_shape" or "linear" preference function.

   A missing dimension is left out and the weights renormalised: per case for the means and
   for TOPSIS distances, per *pair* of cases for PROMETHEE (a pair is compared on the
   dimensions both cases have).

Flat versions (criteria directly, no hierarchy) — :func:`weighted_sum_flat`,
:func:`topsis_flat`, :func:`promethee_ii_flat` — reproduce the textbook methods, for
comparison with scikit-criteria and pymcdm and for the benchmark.

Shapes: ``n`` cases, ``m`` criteria, ``D`` dimensions, ``K`` weight vectors. Scores may be
given per weight vector, shape (K, n, D) (when criterion weights vary, the dimension scores
vary too); every across-dimension function accepts (n, D) or (K, n, D).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------- helpers


def _batch(weights: np.ndarray) -> np.ndarray:
    """Weights as a 2-D float array (K, ·)."""
    return np.atleast_2d(np.asarray(weights, dtype=float))


def _wdot(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σ_d w[k, d] · x[(k,) i, d] → (K, n), for x of shape (n, D) or (K, n, D)."""
    if x.ndim == 2:
        return weights @ x.T
    return np.einsum("kd,knd->kn", weights, x)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _reference(n: int, reference: np.ndarray | None) -> np.ndarray:
    return np.ones(n, dtype=bool) if reference is None else np.asarray(reference, dtype=bool)


# --------------------------------------------------------------------------- within dimensions


def within_weights(available: np.ndarray, dimension_index: np.ndarray, criterion_weights) -> np.ndarray:
    """Weight of each criterion inside its dimension, renormalised per case.

    ``ω[k, i, j] = c[k, j]·a[i, j] / Σ_{j' in dim(j)} c[k, j']·a[i, j']``: the weights of the
    criteria of a dimension that have a value sum to 1 for each case; a criterion without a
    value (missing or not applicable) gets 0.

    Parameters
    ----------
    available : bool ndarray (n, m)
    dimension_index : int ndarray (m,)
        Position of each criterion's dimension.
    criterion_weights : ndarray (m,) or (K, m)
        Relative weights of the criteria within their dimension (≥ 0).

    Returns
    -------
    ndarray (n, m) for 1-D weights, (K, n, m) for a batch; 0 where a dimension has no
    value (its weights are undefined and never used).
    """
    c = np.asarray(criterion_weights, dtype=float)
    single = c.ndim == 1
    c = _batch(c)
    a = np.asarray(available, dtype=float)
    d_count = int(dimension_index.max()) + 1 if dimension_index.size else 0
    g = np.zeros((dimension_index.size, d_count))
    g[np.arange(dimension_index.size), dimension_index] = 1.0
    cw = c[:, None, :] * a[None, :, :]  # (K, n, m)
    totals = cw @ g  # (K, n, D)
    per_criterion_total = totals[:, :, dimension_index]  # (K, n, m)
    w = np.where(per_criterion_total > 0, cw / np.where(per_criterion_total > 0, per_criterion_total, 1.0), 0.0)
    return w[0] if single else w


def dimension_scores(normalised: np.ndarray, available: np.ndarray, dimension_index: np.ndarray,
                     criterion_weights, n_dimensions: int | None = None) -> np.ndarray:
    """Missing-aware weighted arithmetic mean of the criteria of each dimension.

    Parameters
    ----------
    normalised : ndarray (n, m)
        Normalised values in [0, 1], NaN where there is no value.
    available : bool ndarray (n, m)
        Cells that have a value (status VALUE).
    dimension_index : int ndarray (m,)
    criterion_weights : ndarray (m,) or (K, m)
    n_dimensions : int, optional
        Number of dimensions D (default: ``dimension_index.max() + 1``).

    Returns
    -------
    ndarray (n, D), or (K, n, D) for a batch of criterion weights; NaN for a dimension
    with no value (or whose criteria all have weight 0) for that case.
    """
    c = np.asarray(criterion_weights, dtype=float)
    single = c.ndim == 1
    c = _batch(c)
    d_count = n_dimensions if n_dimensions is not None else int(dimension_index.max()) + 1
    g = np.zeros((dimension_index.size, d_count))
    g[np.arange(dimension_index.size), dimension_index] = 1.0
    a = np.asarray(available, dtype=float)
    x = np.where(a > 0, np.nan_to_num(np.asarray(normalised, dtype=float)), 0.0)
    # num[k, i, d] = Σ_j c[k, j] a[i, j] x[i, j] g[j, d]; den the same without x.
    num = np.einsum("kj,ij,jd->kid", c, a * x, g)
    den = np.einsum("kj,ij,jd->kid", c, a, g)
    s = _ratio(num, den)
    return s[0] if single else s


def dimension_weights_per_case(scores: np.ndarray, weights) -> np.ndarray:
    """Dimension weights renormalised per case over the dimensions that have a score.

    Parameters
    ----------
    scores : ndarray (n, D) or (K, n, D)
    weights : ndarray (D,) or (K, D)

    Returns
    -------
    ndarray (K, n, D) (or (n, D) for 1-D weights and 2-D scores); rows sum to 1, or are all 0
    when a case has no scored dimension of positive weight.
    """
    w = np.asarray(weights, dtype=float)
    single = w.ndim == 1 and scores.ndim == 2
    w = _batch(w)
    avail = ~np.isnan(scores)
    if avail.ndim == 2:
        avail = avail[None]
    ww = w[:, None, :] * avail  # (K, n, D)
    tot = ww.sum(axis=-1, keepdims=True)
    out = np.where(tot > 0, ww / np.where(tot > 0, tot, 1.0), 0.0)
    return out[0] if single else out


# --------------------------------------------------------------------------- across dimensions


def arithmetic(scores: np.ndarray, weights) -> np.ndarray:
    """Weighted arithmetic mean of the dimension scores, missing dimensions left out per case.

    ``S[k, i] = Σ_d w[k, d]·a[i, d]·s[i, d] / Σ_d w[k, d]·a[i, d]``.

    Parameters
    ----------
    scores : ndarray (n, D) or (K, n, D), NaN for a missing dimension
    weights : ndarray (D,) or (K, D), ≥ 0 (need not sum to 1)

    Returns
    -------
    ndarray (K, n); NaN for a case without any scored dimension of positive weight.
    """
    w = _batch(weights)
    s = np.asarray(scores, dtype=float)
    avail = (~np.isnan(s)).astype(float)
    return _ratio(_wdot(w, np.nan_to_num(s) * avail), _wdot(w, avail))


def geometric(scores: np.ndarray, weights, floor: float) -> np.ndarray:
    """Weighted geometric mean of the dimension scores, missing dimensions left out per case.

    ``S[k, i] = exp(Σ_d w[k, d]·a[i, d]·ln max(s[i, d], floor) / Σ_d w[k, d]·a[i, d])``.
    The floor (``settings.scoring.geometric_floor``) keeps a zero dimension from zeroing the
    whole score, while still penalising it strongly: with a floor of 0.01, a zero on one
    dimension out of seven of equal weight multiplies the score by 0.01^(1/7) ≈ 0.52 compared
    with a score of 1 on that dimension.

    Parameters
    ----------
    scores : ndarray (n, D) or (K, n, D)
    weights : ndarray (D,) or (K, D)
    floor : float in (0, 1)

    Returns
    -------
    ndarray (K, n)
    """
    w = _batch(weights)
    s = np.asarray(scores, dtype=float)
    avail = (~np.isnan(s)).astype(float)
    logs = np.log(np.maximum(np.nan_to_num(s, nan=1.0), floor)) * avail
    return np.exp(_ratio(_wdot(w, logs), _wdot(w, avail)))


def topsis(scores: np.ndarray, weights, reference: np.ndarray | None = None,
           return_distances: bool = False):
    """TOPSIS closeness coefficient on the dimension scores (all "higher is better").

    The ideal (anti-ideal) is, per dimension, the best (worst) score among the reference
    cases. For each case, the dimension weights are renormalised over its scored dimensions
    ``w̃[i, d] = w[d]·a[i, d] / Σ_d w[d]·a[i, d]`` and the weighted Euclidean distances are
    ``D±[i] = sqrt(Σ_d w̃[i, d]² (s[i, d] − s±[d])²)``; the score is ``D− / (D+ + D−)``.
    Because ``w̃`` is linear in the weights, each squared distance is one matrix product of
    the squared deviations with the squared weights, for all K weight vectors at once.
    A case equal to both the ideal and the anti-ideal on all its dimensions (no spread)
    scores 0.5.

    Parameters
    ----------
    scores : ndarray (n, D) or (K, n, D)
    weights : ndarray (D,) or (K, D), ≥ 0
    reference : bool ndarray (n,), optional
        Cases that define the ideal and anti-ideal (the ranked cases). Default: all.
    return_distances : bool
        Also return ``(D+, D−)``, each (K, n).

    Returns
    -------
    ndarray (K, n), in [0, 1]; or ``(closeness, d_plus, d_minus)``.

    References
    ----------
    Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making*. Springer.
    """
    w = _batch(weights)
    s = np.asarray(scores, dtype=float)
    ref = _reference(s.shape[-2], reference)
    ref_s = s[..., ref, :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a dimension nobody has: NaN ideal
        ideal = np.nanmax(ref_s, axis=-2, keepdims=True)
        anti = np.nanmin(ref_s, axis=-2, keepdims=True)
    avail = (~np.isnan(s) & ~np.isnan(ideal)).astype(float)
    dev_plus = np.nan_to_num((s - ideal) ** 2) * avail
    dev_minus = np.nan_to_num((s - anti) ** 2) * avail
    w2 = w**2
    tot = _wdot(w, avail)
    d_plus = np.sqrt(_ratio(_wdot(w2, dev_plus), tot**2))
    d_minus = np.sqrt(_ratio(_wdot(w2, dev_minus), tot**2))
    spread = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(spread > 0, d_minus / np.where(spread > 0, spread, 1.0), 0.5)
    closeness = np.where(np.isnan(d_plus), np.nan, closeness)
    if return_distances:
        return closeness, d_plus, d_minus
    return closeness


# --------------------------------------------------------------------------- PROMETHEE


def preference_usual(d: np.ndarray, q=0.0, p=0.0, s=1.0) -> np.ndarray:
    """Usual criterion (type I): strict preference as soon as the difference is positive."""
    return (d > 0).astype(float)


def preference_u_shape(d: np.ndarray, q=0.0, p=0.0, s=1.0) -> np.ndarray:
    """U-shape, or quasi-criterion (type II): indifference up to q, strict preference beyond."""
    return (d > q).astype(float)


def preference_v_shape(d: np.ndarray, q=0.0, p=1.0, s=1.0) -> np.ndarray:
    """V-shape (type III): preference grows linearly from 0 to 1 as the difference goes to p."""
    return np.clip(d / p, 0.0, 1.0)


def preference_level(d: np.ndarray, q=0.0, p=1.0, s=1.0) -> np.ndarray:
    """Level criterion (type IV): 0 up to q, one half between q and p, 1 beyond p."""
    return np.where(d > p, 1.0, np.where(d > q, 0.5, 0.0))


def preference_linear(d: np.ndarray, q=0.0, p=1.0, s=1.0) -> np.ndarray:
    """Linear with indifference (type V, "V-shape with indifference").

    0 up to the indifference threshold q, 1 beyond the preference threshold p, linear between.
    """
    return np.clip((d - q) / (p - q), 0.0, 1.0)


def preference_gaussian(d: np.ndarray, q=0.0, p=1.0, s=1.0) -> np.ndarray:
    """Gaussian criterion (type VI): ``1 − exp(−d² / 2s²)`` for a positive difference."""
    return np.where(d > 0, -np.expm1(-(d * d) / (2.0 * s * s)), 0.0)


#: The six generalised criteria of Brans, Vincke & Mareschal (1986), by the name used in
#: settings; each takes the difference d and the thresholds q, p (and s for the Gaussian)
#: in the unit of the compared values.
PREFERENCE_FUNCTIONS = {
    "usual": preference_usual,
    "u_shape": preference_u_shape,
    "v_shape": preference_v_shape,
    "level": preference_level,
    "linear": preference_linear,
    "gaussian": preference_gaussian,
}


def apply_preference(diff: np.ndarray, preference, q=0.0, p=1.0, s=1.0) -> np.ndarray:
    """Preference degrees ``P_j(d)`` for differences whose last axis runs over the criteria.

    Parameters
    ----------
    diff : ndarray (..., D)
        Differences ``g_j(a) − g_j(b)``, already oriented (higher is better).
    preference : str or sequence of D str
        One function for every criterion (today's behaviour) or one per criterion, among
        :data:`PREFERENCE_FUNCTIONS`.
    q, p, s : float or ndarray (D,)
        Indifference, preference and Gaussian thresholds, in each criterion's unit.
    """
    if isinstance(preference, str):
        return PREFERENCE_FUNCTIONS[preference](diff, q, p, s)
    kinds = np.asarray(preference, dtype=object)
    width = diff.shape[-1]
    q, p, s = (np.broadcast_to(np.asarray(v, dtype=float), (width,)) for v in (q, p, s))
    out = np.zeros_like(diff, dtype=float)
    # One vectorised call per function type (at most six), not per criterion.
    for kind in dict.fromkeys(kinds):
        cols = np.flatnonzero(kinds == kind)
        out[..., cols] = PREFERENCE_FUNCTIONS[kind](diff[..., cols], q[cols], p[cols], s[cols])
    return out


def pairwise_preferences(scores: np.ndarray, preference, q=0.0, p=1.0, s=1.0):
    """Preference of each case over each other on each dimension, computed once.

    Parameters
    ----------
    scores : ndarray (n, D) or (K, n, D), NaN for a missing dimension
    preference : str or sequence of D str
        A name of :data:`PREFERENCE_FUNCTIONS`, or one per dimension (see
        :func:`apply_preference`).
    q, p, s : float or ndarray (D,)
        Indifference, preference and Gaussian thresholds, in the unit of the scores.

    Returns
    -------
    pref : ndarray (n, n, D) (or (K, n, n, D))
        ``pref[a, b, d] = P_d(a, b)``, 0 where either case lacks dimension d.
    common : ndarray (n, n, D) of float
        1 where both cases have dimension d.
    """
    x = np.asarray(scores, dtype=float)
    diff = x[..., :, None, :] - x[..., None, :, :]  # diff[a, b] = x_a − x_b
    avail = ~np.isnan(x)
    common = (avail[..., :, None, :] & avail[..., None, :, :]).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pref = apply_preference(np.nan_to_num(diff), preference, q, p, s)
    return pref * common, common


def promethee_flows(pref: np.ndarray, common: np.ndarray, weights,
                    reference: np.ndarray | None = None):
    """Positive and negative outranking flows from a precomputed preference tensor.

    The aggregated preference of a over b uses the dimensions both cases have, with the
    weights renormalised over them (per pair):
    ``π[k, a, b] = Σ_d w[k, d]·P_d(a, b)·c[a, b, d] / Σ_d w[k, d]·c[a, b, d]``.
    Flows average π over the other *reference* cases b that share at least one weighted
    dimension with a: ``φ+(a) = mean_b π(a, b)``, ``φ−(a) = mean_b π(b, a)``. With complete
    data and every case in the reference set this is the textbook ``1/(n−1) Σ_b``.
    One ``tensordot`` per flow handles all K weight vectors.

    Returns
    -------
    phi_plus, phi_minus : ndarray (K, n); 0 for a case comparable with no reference case
    (e.g. the only ranked case), NaN for a case without any weighted score.
    """
    w = _batch(weights)
    n = pref.shape[-2]
    ref = _reference(n, reference)
    if pref.ndim == 3:
        num = np.tensordot(w, pref, axes=([1], [2]))  # (K, n, n)
        den = np.tensordot(w, common, axes=([1], [2]))
    else:
        num = np.einsum("kd,kabd->kab", w, pref)
        den = np.einsum("kd,kabd->kab", w, common)
    comparable = den > 0
    pi = np.where(comparable, num / np.where(comparable, den, 1.0), 0.0)
    others = ref[None, :] & ~np.eye(n, dtype=bool)  # b in the reference set, b ≠ a
    valid = comparable & others[None]
    count = valid.sum(axis=-1)
    # The case itself has a weighted score iff its "pair with itself" has a positive weight.
    scored = np.diagonal(den, axis1=-2, axis2=-1) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        phi_plus = (pi * valid).sum(axis=-1) / np.maximum(count, 1)
        phi_minus = (np.swapaxes(pi, -1, -2) * valid).sum(axis=-1) / np.maximum(count, 1)
    # Nobody to compare with: both flows 0 (neutral); no score at all: NaN.
    phi_plus = np.where(scored, phi_plus, np.nan)
    phi_minus = np.where(scored, phi_minus, np.nan)
    return phi_plus, phi_minus


@dataclass(frozen=True)
class PrometheeTables:
    """What PROMETHEE II net flows need, precomputed once for (n, D) scores.

    Pairs of cases are grouped by the set of dimensions both have (their *pattern*): the
    weights renormalised over a pair depend only on its pattern, so the net flow of case a is
    ``Σ_g (Q[a, g]·w) / (pattern_g·w) / count(a)``, where ``Q[a, g]`` sums
    ``P(a, b) − P(b, a)`` over the reference cases b of pattern g. With complete data there is
    one pattern and the net flows are linear in the weights; in general the cost is
    K × n × G × D for G patterns (a handful in practice), instead of K × n².
    """

    q_sums: np.ndarray  # (n, G, D)
    pair_counts: np.ndarray  # (n, G)
    patterns: np.ndarray  # (G, D) of float
    available: np.ndarray  # (n, D) of float: the case has a score on the dimension


def promethee_tables(scores: np.ndarray, preference="usual", q=0.0, p=1.0,
                     reference: np.ndarray | None = None, s=1.0) -> PrometheeTables:
    """Precompute :class:`PrometheeTables` for (n, D) dimension scores."""
    pref, common = pairwise_preferences(scores, preference, q, p, s)
    n, _, d = pref.shape
    ref = _reference(n, reference)
    others = ref[None, :] & ~np.eye(n, dtype=bool)  # b in the reference set, b ≠ a
    diff = (pref - np.swapaxes(pref, 0, 1)) * others[:, :, None]
    patterns, inverse = np.unique(common.reshape(n * n, d), axis=0, return_inverse=True)
    g = patterns.shape[0]
    slot = (np.arange(n)[:, None] * g + inverse.reshape(n, n)).ravel()
    q_sums = np.zeros((n * g, d))
    np.add.at(q_sums, slot, diff.reshape(n * n, d))
    counts = np.bincount(slot, weights=others.ravel().astype(float), minlength=n * g)
    available = (~np.isnan(np.asarray(scores, dtype=float))).astype(float)
    return PrometheeTables(q_sums.reshape(n, g, d), counts.reshape(n, g), patterns, available)


def promethee_net_from_tables(tables: PrometheeTables, weights) -> np.ndarray:
    """Net flows (K, n) for a batch of weights from precomputed tables (no loop over K)."""
    w = _batch(weights)
    den = w @ tables.patterns.T  # (K, G): total weight of each pattern's dimensions
    ok = den > 0
    contrib = np.einsum("agd,kd->kag", tables.q_sums, w)  # (K, n, G)
    with np.errstate(invalid="ignore", divide="ignore"):
        num = np.where(ok[:, None, :], contrib / np.where(ok, den, 1.0)[:, None, :], 0.0).sum(axis=-1)
    count = ok.astype(float) @ tables.pair_counts.T  # (K, n)
    scored = (w @ tables.available.T) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        net = num / np.maximum(count, 1.0)
    # A scored case with nobody to be compared with (e.g. the only ranked case) is neither
    # outranking nor outranked: net flow 0.
    return np.where(scored, np.where(count > 0, net, 0.0), np.nan)


def promethee_ii(scores: np.ndarray, weights, preference="usual", q=0.0, p=1.0,
                 reference: np.ndarray | None = None, s=1.0) -> np.ndarray:
    """PROMETHEE II net flows ``φ = φ+ − φ−`` on the dimension scores, in [−1, 1].

    For (n, D) scores the pairwise preferences are computed once and grouped by pattern of
    common dimensions (:class:`PrometheeTables`); for (K, n, D) scores the (K, n, n, D)
    preference tensor is combined with the weights by :func:`promethee_flows`. Both give
    the same numbers.

    References
    ----------
    Brans, J. P., & Vincke, P. (1985). A preference ranking organisation method.
    *Management Science*, 31(6), 647–656.
    Brans, J. P., Vincke, P., & Mareschal, B. (1986). How to select and how to rank
    projects: the PROMETHEE method. *European Journal of Operational Research*, 24(2),
    228–238 (the six generalised criteria).
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim == 2:
        return promethee_net_from_tables(promethee_tables(x, preference, q, p, reference, s), weights)
    pref, common = pairwise_preferences(x, preference, q, p, s)
    phi_plus, phi_minus = promethee_flows(pref, common, weights, reference)
    return phi_plus - phi_minus


# --------------------------------------------------------------------------- flat versions


def weighted_sum_flat(normalised: np.ndarray, weights) -> np.ndarray:
    """Weighted sum of normalised criteria (no hierarchy), weights rescaled to sum to 1.

    Identical to :func:`arithmetic` applied to criteria instead of dimensions (missing cells
    left out per case). ``normalised`` must already be oriented (1 = best).
    """
    return arithmetic(normalised, weights)


def topsis_flat(values: np.ndarray, weights, higher: np.ndarray, scaling: str = "vector",
                reference: np.ndarray | None = None) -> np.ndarray:
    """Textbook TOPSIS on raw criteria (no hierarchy), complete data.

    Each column is scaled (``"vector"``: ``x / ‖x‖`` as in Hwang & Yoon 1981; ``"minmax"``:
    ``(x − min)/(max − min)``), then weighted; the ideal is the column maximum for a
    "higher is better" criterion and the minimum otherwise (the anti-ideal the reverse);
    the score is ``D− / (D+ + D−)`` with weighted Euclidean distances.

    Parameters
    ----------
    values : ndarray (n, m)
    weights : ndarray (m,) or (K, m)
    higher : bool ndarray (m,)
    scaling : {"vector", "minmax"}
    reference : bool ndarray (n,), optional

    Returns
    -------
    ndarray (K, n)
    """
    x = np.asarray(values, dtype=float)
    ref = _reference(x.shape[0], reference)
    if scaling == "vector":
        r = x / np.sqrt((x[ref] ** 2).sum(axis=0))
    else:
        lo, hi = x[ref].min(axis=0), x[ref].max(axis=0)
        r = (x - lo) / (hi - lo)
    best = np.where(higher, r[ref].max(axis=0), r[ref].min(axis=0))
    worst = np.where(higher, r[ref].min(axis=0), r[ref].max(axis=0))
    w2 = _batch(weights) ** 2
    d_plus = np.sqrt(w2 @ ((r - best) ** 2).T)
    d_minus = np.sqrt(w2 @ ((r - worst) ** 2).T)
    return d_minus / (d_plus + d_minus)


def promethee_ii_flat(values: np.ndarray, weights, higher: np.ndarray, preference="usual",
                      q=0.0, p=1.0, reference: np.ndarray | None = None, s=1.0) -> np.ndarray:
    """PROMETHEE II net flows on raw criteria (no hierarchy); "lower is better" columns negated.

    ``preference`` is one function name or one per criterion (the method as published gives
    each criterion its own generalised criterion); ``q``, ``p`` and ``s`` are in each
    criterion's unit (scalars or (m,) arrays).
    """
    x = np.asarray(values, dtype=float)
    oriented = np.where(np.asarray(higher, dtype=bool), x, -x)
    return promethee_ii(oriented, weights, preference, q, p, reference, s)


# The method names and their French labels: :mod:`benchmark_tools.vocabulary`.
