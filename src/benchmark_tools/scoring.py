"""Scoring: the one validating entry point of the engine.

:func:`score` turns a :class:`~benchmark_tools.matrix.DecisionMatrix` (one family), a
weighting profile and the settings into a :class:`ScoreResult`: overall and dimension
scores, ranks, effective weights, contributions and explanation tables for the report.
:func:`score_batch` and :func:`make_batch_scorer` do the same for many weight vectors at
once (robustness analyses), with no Python loop over the weight vectors.

The steps (OECD/JRC Handbook, steps 5–7):

1. coverage: a case with fewer than ``settings.scoring.coverage_threshold`` of its
   applicable criteria documented is flagged; by ``low_coverage_policy`` it is either
   ``"exclude"``-d (no score, rank 0) or kept ``"apart"`` (scored, shown apart, not ranked).
   Only the other cases — the *reference set* — define the data-driven scales (min–max,
   z-score, rank), the TOPSIS ideal and the PROMETHEE comparisons, so a poorly documented
   case never moves the ranked ones;
2. normalisation (:mod:`benchmark_tools.normalize`, by name);
3. dimension scores: missing-aware weighted mean of the criteria of each dimension;
4. aggregation across dimensions (:mod:`benchmark_tools.aggregate`, by name);
5. competition ranks (:func:`benchmark_tools.ranking.rank_desc`), within the family.

The functions of :mod:`normalize` and :mod:`aggregate` do no checks; everything the user
can get wrong (names, weight shapes, negative or all-zero weights) is checked here and
reported as :class:`~benchmark_tools.errors.InputError` with a French message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchmark_tools import aggregate as agg
from benchmark_tools.errors import InputError
from benchmark_tools.matrix import DecisionMatrix
from benchmark_tools.normalize import NORMALISERS
from benchmark_tools.ranking import rank_desc
from benchmark_tools.vocabulary import (
    CASE_STATUS_LABELS,
    METHOD_LABELS,
    METHODS,
    NORMALISATION_LABELS,
    NORMALISATIONS,
)

POLICIES = ("apart", "exclude")

STATUS_RANKED = CASE_STATUS_LABELS["ranked"]
STATUS_APART = CASE_STATUS_LABELS["apart"]
STATUS_EXCLUDED = CASE_STATUS_LABELS["excluded"]
STATUS_UNSCORED = CASE_STATUS_LABELS["unscored"]


@dataclass(frozen=True)
class ExplanationTable:
    """A table the report can show as is: a French caption and its data."""

    caption: str
    data: pd.DataFrame


# --------------------------------------------------------------------------- validation


def _check_name(value: str | None, default: str, allowed, what: str) -> str:
    name = default if value is None else value
    if name not in allowed:
        raise InputError(f"{what} inconnue : {name!r} (attendu parmi : {', '.join(allowed)}).")
    return name


def _check_weights(weights: Any, size: int, what: str, names) -> np.ndarray:
    """Weights as float (K, size): finite, ≥ 0 and not all zero in any row."""
    try:
        w = np.array(weights, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{what} : des nombres sont attendus.") from None
    if w.ndim not in (1, 2) or w.shape[-1] != size:
        raise InputError(
            f"{what} : forme {w.shape} reçue, attendu ({size},) ou (K, {size}) — "
            f"un poids par élément : {', '.join(names)}.")
    w2 = np.atleast_2d(w)
    if w2.shape[0] == 0:
        raise InputError(f"{what} : aucun vecteur de poids.")
    if not np.isfinite(w2).all():
        raise InputError(f"{what} : les poids doivent être des nombres finis.")
    if (w2 < 0).any():
        k, j = np.argwhere(w2 < 0)[0]
        raise InputError(f"{what} : poids négatif pour « {names[j]} » ({w2[k, j]:g}) ; "
                         "les poids doivent être positifs ou nuls.")
    if (w2.sum(axis=1) <= 0).any():
        raise InputError(f"{what} : tous les poids sont nuls ; au moins un poids doit être positif.")
    return w2


def _profile_dimension_weights(matrix: DecisionMatrix, profile) -> np.ndarray:
    raw = dict(profile.dimension_weights)
    unknown = sorted(set(raw) - set(matrix.dimension_ids))
    if unknown:
        raise InputError(f"Profil « {profile.id} » : dimensions inconnues {', '.join(unknown)} "
                         f"(attendu parmi : {', '.join(matrix.dimension_ids)}).")
    w = [raw.get(d, 0.0) for d in matrix.dimension_ids]
    _check_weights(w, len(matrix.dimension_ids), f"Profil « {profile.id} », poids des dimensions",
                   matrix.dimension_ids)
    return np.asarray(profile.normalised_dimension_weights(list(matrix.dimension_ids)), dtype=float)


def _criterion_weights(matrix: DecisionMatrix, profile, override) -> np.ndarray:
    """Relative criterion weights (m,) from the profile (missing → 1) or an override."""
    ids = matrix.criterion_ids
    if override is None:
        raw = dict(getattr(profile, "criterion_weights", {}) or {})
        source = f"Profil « {profile.id} », poids des critères"
    elif isinstance(override, Mapping):
        raw = dict(override)
        source = "Poids des critères"
    else:
        w = _check_weights(override, len(ids), "Poids des critères", ids)
        if w.shape[0] != 1:
            raise InputError("Poids des critères : un seul vecteur attendu ici "
                             "(utiliser score_batch pour plusieurs vecteurs).")
        return w[0]
    unknown = sorted(set(raw) - set(ids))
    if unknown:
        raise InputError(f"{source} : critères inconnus {', '.join(unknown)}.")
    w = np.array([float(raw.get(c, 1.0)) for c in ids])
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError(f"{source} : les poids doivent être des nombres positifs ou nuls.")
    return w


def _scoring_settings(settings):
    sc = settings.scoring
    if sc.low_coverage_policy not in POLICIES:
        raise InputError(f"Réglage low_coverage_policy inconnu : {sc.low_coverage_policy!r} "
                         f"(attendu parmi : {', '.join(POLICIES)}).")
    pr = sc.promethee
    if pr.preference_function not in agg.PREFERENCE_FUNCTIONS:
        raise InputError(f"Fonction de préférence PROMETHEE inconnue : {pr.preference_function!r} "
                         f"(attendu parmi : {', '.join(agg.PREFERENCE_FUNCTIONS)}).")
    if pr.preference_function in ("linear", "level") and not pr.p > pr.q:
        raise InputError(f"PROMETHEE ({pr.preference_function}) : le seuil de préférence p ({pr.p:g}) "
                         f"doit dépasser le seuil d'indifférence q ({pr.q:g}).")
    return sc


# --------------------------------------------------------------------------- shared core


@dataclass(frozen=True, eq=False)
class _Prepared:
    """Everything that does not depend on the weights or the method."""

    matrix: DecisionMatrix
    coverage: np.ndarray
    low_coverage: np.ndarray
    eligible: np.ndarray  # coverage high enough to be ranked
    reference: np.ndarray  # cases fitting data-driven scales (eligible, or all if none is)
    policy: str
    threshold: float
    tie_tolerance: float


def _prepare(matrix: DecisionMatrix, settings) -> _Prepared:
    if not isinstance(matrix, DecisionMatrix):
        raise InputError(f"Une matrice de décision (DecisionMatrix) est attendue, reçu {type(matrix).__name__}.")
    if matrix.n_cases == 0:
        raise InputError(f"La matrice de la famille « {matrix.family} » ne contient aucun cas.")
    sc = _scoring_settings(settings)
    coverage = matrix.coverage_array()
    threshold = float(sc.coverage_threshold)
    eligible = np.nan_to_num(coverage, nan=0.0) >= threshold
    eligible &= np.isfinite(coverage) & (coverage > 0)
    low = ~eligible
    reference = eligible if eligible.any() else np.ones(matrix.n_cases, dtype=bool)
    return _Prepared(matrix, coverage, low, eligible, reference, sc.low_coverage_policy, threshold,
                     float(sc.tie_tolerance))


def _normalise(prep: _Prepared, normalisation: str) -> np.ndarray:
    m = prep.matrix
    if normalisation == "goalposts":
        bad = [m.criterion_ids[j] for j in range(m.n_criteria)
               if m.types[j] == "numeric" and m.available[:, j].any()
               and not np.isfinite(m.goalposts[j]).all()]
        if bad:
            raise InputError("Normalisation par bornes fixes impossible : bornes manquantes pour "
                             f"{', '.join(bad)} (famille {m.family}).")
    return NORMALISERS[normalisation](
        np.array(m.values), types=m.types, directions=m.directions, goalposts=m.goalposts,
        reference=prep.reference)


def _aggregate(method: str, s: np.ndarray, w: np.ndarray, settings, reference: np.ndarray,
               promethee_cache=None) -> np.ndarray:
    """Across-dimension aggregation by name; s (n, D) or (K, n, D), w (K, D) → (K, n)."""
    sc = settings.scoring
    if method == "arithmetic":
        return agg.arithmetic(s, w)
    if method == "geometric":
        return agg.geometric(s, w, float(sc.geometric_floor))
    if method == "topsis":
        return agg.topsis(s, w, reference)
    pr = sc.promethee
    if promethee_cache is not None:
        return agg.promethee_net_from_tables(promethee_cache, w)
    return agg.promethee_ii(s, w, pr.preference_function, float(pr.q), float(pr.p), reference,
                            float(pr.s))


def _apply_policy(prep: _Prepared, raw_scores: np.ndarray):
    """Apply the low-coverage policy to (K, n) scores; return (scores, ranked)."""
    scores = np.array(raw_scores, dtype=float)
    if prep.policy == "exclude":
        scores[:, prep.low_coverage] = np.nan
    ranked = prep.eligible[None, :] & np.isfinite(scores)
    return scores, ranked


def _finalise(prep: _Prepared, raw_scores: np.ndarray):
    """Apply the low-coverage policy and rank; return (scores, ranks, ranked)."""
    scores, ranked = _apply_policy(prep, raw_scores)
    ranks = rank_desc(np.where(ranked, scores, np.nan), prep.tie_tolerance)
    return scores, ranks, ranked


def _freeze_arrays(obj) -> None:
    """Make the array fields of a result read-only (results are records, not workspaces)."""
    for name, value in vars(obj).items():
        if isinstance(value, np.ndarray):
            frozen = np.array(value, copy=True)
            frozen.setflags(write=False)
            object.__setattr__(obj, name, frozen)


# --------------------------------------------------------------------------- single scoring


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """Scores of the cases of one family for one profile, method and normalisation.

    Attributes
    ----------
    matrix : DecisionMatrix
    profile_id, method, normalisation : str
    scores : ndarray (n,)
        Overall scores (higher is better; NaN for excluded or unscored cases). In [0, 1]
        except PROMETHEE II net flows, in [−1, 1].
    dimension_scores : ndarray (n, D)
        Weighted mean of the normalised criteria of each dimension, in [0, 1]; NaN when the
        case has no value in the dimension.
    ranks : ndarray of int (n,)
        Competition ranks among the ranked cases (1 = best); 0 for cases not ranked.
    ranked, low_coverage : bool ndarray (n,)
    coverage : ndarray (n,)
        Share of the applicable criteria that have a value.
    normalised : ndarray (n, m)
    dimension_weights : ndarray (D,)
        The profile's weights, normalised to sum to 1.
    criterion_weights : ndarray (m,)
        Relative weights of the criteria within their dimension (profile; 1 by default).
    case_dimension_weights : ndarray (n, D)
        Dimension weights renormalised per case over its scored dimensions.
    effective_weights : ndarray (n, m)
        Weight each criterion really had for each case: its within-dimension weight after
        leaving out the criteria without a value, times its dimension's per-case weight.
        Each row sums to 1 (0 for a criterion without a value).
    contributions : ndarray (n, m)
        Effective weight × normalised value (NaN where there is no value). For the
        arithmetic method they sum to the score; for the other methods they are the terms
        of the equivalent arithmetic mean, shown to explain the profile, not the score
        (see :attr:`contributions_note`).
    policy : str
    coverage_threshold : float
    """

    matrix: DecisionMatrix
    profile_id: str
    method: str
    normalisation: str
    scores: np.ndarray
    dimension_scores: np.ndarray
    ranks: np.ndarray
    ranked: np.ndarray
    low_coverage: np.ndarray
    coverage: np.ndarray
    normalised: np.ndarray
    dimension_weights: np.ndarray
    criterion_weights: np.ndarray
    case_dimension_weights: np.ndarray
    effective_weights: np.ndarray
    contributions: np.ndarray
    policy: str
    coverage_threshold: float

    def __post_init__(self) -> None:
        _freeze_arrays(self)

    @property
    def case_ids(self) -> tuple[str, ...]:
        return self.matrix.case_ids

    @property
    def contributions_note(self) -> str:
        """What the per-criterion contributions mean for this method (French)."""
        if self.method == "arithmetic":
            return ("Contribution = poids effectif × valeur normalisée ; la somme des contributions "
                    "d'un cas est égale à son score.")
        return (f"Méthode « {METHOD_LABELS[self.method]} » : les contributions affichées "
                "(poids effectif × valeur normalisée) sont celles de la moyenne arithmétique pondérée "
                "équivalente ; elles montrent ce que pèse chaque critère, mais ne s'additionnent pas "
                "en score pour cette méthode.")

    def status_ids(self) -> list[str]:
        """Status id of each case: ``ranked``, ``apart``, ``excluded`` or ``unscored``."""
        out = []
        for i in range(self.matrix.n_cases):
            if self.ranked[i]:
                out.append("ranked")
            elif self.low_coverage[i]:
                out.append("excluded" if self.policy == "exclude" else "apart")
            else:
                out.append("unscored")
        return out

    def status_labels(self) -> list[str]:
        """French status of each case: ranked, apart, excluded, or without score."""
        return [CASE_STATUS_LABELS[s] for s in self.status_ids()]

    @property
    def leader(self) -> str | None:
        """Identifier of the first ranked case (first in matrix order among ties)."""
        if not self.ranked.any():
            return None
        first = np.flatnonzero(self.ranks == 1)
        return self.matrix.case_ids[int(first[0])]

    def to_dataframe(self, sort: bool = True) -> pd.DataFrame:
        """One row per case: name, score, rank, status id, coverage and dimension scores.

        Columns are ids (``case``, ``score``, ``rank``, ``status``, ``coverage``, then the
        dimension ids), indexed by ``case_id``; :func:`~benchmark_tools.vocabulary.labelled`
        gives the French table. Sorted by rank (ranked cases first) unless ``sort=False``.
        """
        m = self.matrix
        df = pd.DataFrame({
            "case": list(m.case_names),
            "score": self.scores,
            "rank": self.ranks,
            "status": self.status_ids(),
            "coverage": self.coverage,
        }, index=pd.Index(m.case_ids, name="case_id"))
        for k, dim in enumerate(m.dimension_ids):
            df[dim] = self.dimension_scores[:, k]
        if sort:
            key = np.where(self.ranked, self.ranks, np.iinfo(np.int64).max)
            order = np.lexsort((-np.nan_to_num(self.scores, nan=-np.inf), key))
            df = df.iloc[order]
        df.attrs["méthode"] = METHOD_LABELS[self.method]
        df.attrs["normalisation"] = NORMALISATION_LABELS[self.normalisation]
        df.attrs["profil"] = self.profile_id
        return df

    def gap_to_leader(self, case_id: str) -> pd.DataFrame:
        """Decomposition by dimension of the gap between the leader and a case.

        For dimension d: ``w̃_L,d · s_L,d − w̃_C,d · s_C,d`` where ``w̃`` are the dimension weights
        renormalised per case and ``s`` the dimension scores (a missing dimension counts 0).
        When both cases have the same dimensions this is ``w_d · (s_L,d − s_C,d)``. For the
        arithmetic method the column sums exactly to the gap of overall scores; for the
        other methods it decomposes the gap of the equivalent arithmetic mean, and
        ``attrs["écart de score"]`` holds the method's own gap.

        Returns
        -------
        DataFrame indexed by dimension label, columns ``poids (meneur)``, ``poids (cas)``,
        ``score meneur``, ``score cas``, ``contribution à l'écart``; ``attrs`` give the
        leader, the case, ``écart de score`` and ``écart décomposé`` (the column's sum).
        """
        i = self.matrix.case_index(case_id)
        lead = self.leader
        if lead is None:
            raise InputError("Aucun cas n'est classé : pas de meneur auquel se comparer.")
        L = self.matrix.case_index(lead)
        wl, wc = self.case_dimension_weights[L], self.case_dimension_weights[i]
        sl, sc = self.dimension_scores[L], self.dimension_scores[i]
        contrib = wl * np.nan_to_num(sl) - wc * np.nan_to_num(sc)
        df = pd.DataFrame({
            "poids (meneur)": wl,
            "poids (cas)": wc,
            "score meneur": sl,
            "score cas": sc,
            "contribution à l'écart": contrib,
        }, index=pd.Index(self.matrix.dimension_labels, name="dimension"))
        df.attrs.update({
            "meneur": lead,
            "cas": case_id,
            "écart de score": float(self.scores[L] - self.scores[i]),
            "écart décomposé": float(contrib.sum()),
            "méthode": METHOD_LABELS[self.method],
        })
        return df

    def explanations(self) -> list[ExplanationTable]:
        """Tables that explain the scores, with French captions, for the report."""
        m = self.matrix
        idx = pd.Index(m.case_names, name="cas")
        cols = pd.Index(m.criterion_labels, name="critère")
        norm_label = NORMALISATION_LABELS[self.normalisation]
        tables = [
            ExplanationTable(
                f"Valeurs normalisées (normalisation : {norm_label}) ; 1 = meilleur. "
                "Case vide : donnée manquante ou critère sans objet pour la famille.",
                pd.DataFrame(self.normalised, index=idx, columns=cols)),
            ExplanationTable(
                "Scores par dimension : moyenne pondérée des critères renseignés de la dimension "
                "(les critères manquants sont écartés et les poids répartis sur les autres).",
                pd.DataFrame(self.dimension_scores, index=idx,
                             columns=pd.Index(m.dimension_labels, name="dimension"))),
            ExplanationTable(
                "Poids effectifs : poids de la dimension (réparti sur les dimensions renseignées du cas) "
                "× poids du critère dans sa dimension (réparti sur les critères renseignés). "
                "La somme vaut 1 pour chaque cas ; 0 pour un critère sans valeur.",
                pd.DataFrame(self.effective_weights, index=idx, columns=cols)),
            ExplanationTable(
                "Contributions par critère. " + self.contributions_note,
                pd.DataFrame(self.contributions, index=idx, columns=cols)),
        ]
        return tables


def score(matrix: DecisionMatrix, profile, settings, method: str | None = None,
          normalisation: str | None = None, criterion_weights=None) -> ScoreResult:
    """Score and rank the cases of one family for one weighting profile.

    Parameters
    ----------
    matrix : DecisionMatrix
        One family (rankings are within a family).
    profile : Profile
        Dimension weights (normalised to 1) and optional within-dimension criterion weights.
    settings : Settings
        ``settings.scoring`` gives the defaults and thresholds.
    method : {"arithmetic", "geometric", "topsis", "promethee"}, optional
        Default ``settings.scoring.default_method``.
    normalisation : {"goalposts", "minmax", "zscore", "rank"}, optional
        Default ``settings.scoring.default_normalisation``.
    criterion_weights : mapping criterion → weight, or array (m,), optional
        Replaces the profile's criterion weights (relative, within each dimension).

    Returns
    -------
    ScoreResult

    Raises
    ------
    InputError
        Unknown method or normalisation, wrong weight shape, negative or all-zero weights,
        missing goalposts.
    """
    prep = _prepare(matrix, settings)
    sc = settings.scoring
    method = _check_name(method, sc.default_method, METHODS, "Méthode d'agrégation")
    normalisation = _check_name(normalisation, sc.default_normalisation, NORMALISATIONS,
                                "Normalisation")
    wd = _profile_dimension_weights(matrix, profile)
    cw = _criterion_weights(matrix, profile, criterion_weights)
    normalised = _normalise(prep, normalisation)
    avail = matrix.available
    s = agg.dimension_scores(normalised, avail, matrix.dimension_index, cw, len(matrix.dimension_ids))
    raw = _aggregate(method, s, wd[None, :], settings, prep.reference)
    scores, ranks, ranked = _finalise(prep, raw)
    within = agg.within_weights(avail, matrix.dimension_index, cw)
    case_dim_w = agg.dimension_weights_per_case(s, wd)
    effective = case_dim_w[:, matrix.dimension_index] * within
    contributions = np.where(avail, effective * np.nan_to_num(normalised), np.nan)
    return ScoreResult(
        matrix=matrix, profile_id=str(profile.id), method=method, normalisation=normalisation,
        scores=scores[0], dimension_scores=s, ranks=ranks[0], ranked=ranked[0],
        low_coverage=prep.low_coverage, coverage=prep.coverage, normalised=normalised,
        dimension_weights=wd, criterion_weights=cw, case_dimension_weights=case_dim_w,
        effective_weights=effective, contributions=contributions, policy=prep.policy,
        coverage_threshold=prep.threshold)


# --------------------------------------------------------------------------- batch scoring


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Scores and ranks for K weight vectors.

    Attributes
    ----------
    case_ids : tuple of str
    scores : ndarray (K, n)
        As in :class:`ScoreResult` (cases kept "apart" have a score, excluded cases NaN).
    ranks : ndarray of int (K, n)
        Competition ranks among ranked cases; 0 for cases not ranked.
    ranked : bool ndarray (K, n)
    low_coverage : bool ndarray (n,)
    method, normalisation : str
    """

    case_ids: tuple[str, ...]
    scores: np.ndarray
    ranks: np.ndarray
    ranked: np.ndarray
    low_coverage: np.ndarray
    method: str
    normalisation: str

    def __post_init__(self) -> None:
        _freeze_arrays(self)

    def to_dataframe(self) -> pd.DataFrame:
        """Long table: one row per weight vector and case (column ids ``draw``, ``case``, ``score``, ``rank``)."""
        k, n = self.scores.shape
        return pd.DataFrame({
            "draw": np.repeat(np.arange(k), n),
            "case": np.tile(np.array(self.case_ids, dtype=object), k),
            "score": self.scores.ravel(),
            "rank": self.ranks.ravel(),
        })


def score_batch(matrix: DecisionMatrix, profile, settings, weights=None, *, criterion_weights=None,
                method: str | None = None, normalisation: str | None = None) -> BatchResult:
    """Score the cases for K weight vectors at once (no loop over K).

    Parameters
    ----------
    matrix, profile, settings
        As in :func:`score`.
    weights : array (K, D) or (D,), optional
        Dimension weights (rows need not sum to 1). Default: the profile's.
    criterion_weights : array (K, m) or (m,), optional
        Relative criterion weights within dimensions. Default: the profile's.
        When both are batches, they must have the same K (row k goes with row k).
    method, normalisation : str, optional

    Returns
    -------
    BatchResult
        Row k equals ``score(...)`` with the k-th weight vectors.
    """
    prep = _prepare(matrix, settings)
    sc = settings.scoring
    method = _check_name(method, sc.default_method, METHODS, "Méthode d'agrégation")
    normalisation = _check_name(normalisation, sc.default_normalisation, NORMALISATIONS,
                                "Normalisation")
    dims, crits = matrix.dimension_ids, matrix.criterion_ids
    wd = (_profile_dimension_weights(matrix, profile)[None, :] if weights is None
          else _check_weights(weights, len(dims), "Poids des dimensions", dims))
    cw = (_criterion_weights(matrix, profile, None)[None, :] if criterion_weights is None
          else _check_weights(criterion_weights, len(crits), "Poids des critères", crits))
    k = max(wd.shape[0], cw.shape[0])
    if wd.shape[0] not in (1, k) or cw.shape[0] not in (1, k):
        raise InputError(f"Poids des dimensions ({wd.shape[0]} vecteurs) et des critères "
                         f"({cw.shape[0]} vecteurs) : nombres de vecteurs différents.")
    normalised = _normalise(prep, normalisation)
    n_dim = len(dims)
    if cw.shape[0] == 1:
        s = agg.dimension_scores(normalised, matrix.available, matrix.dimension_index, cw[0], n_dim)
    else:
        s = agg.dimension_scores(normalised, matrix.available, matrix.dimension_index, cw, n_dim)
    w = np.broadcast_to(wd, (k, n_dim)) if s.ndim == 3 else wd
    raw = _aggregate(method, s, np.ascontiguousarray(w), settings, prep.reference)
    scores, ranks, ranked = _finalise(prep, np.broadcast_to(raw, (k, matrix.n_cases)))
    return BatchResult(matrix.case_ids, scores, ranks, ranked, prep.low_coverage, method, normalisation)


class BatchScorer:
    """Scores for many dimension-weight vectors, with everything else fixed (robustness).

    Implements the ``BatchScorer`` protocol used by :mod:`benchmark_tools.robustness`: ``scorer(weights (K, D),
    method=None, normalisation=None) -> (K, n)`` scores, higher is better, NaN for every
    case that is not ranked (low coverage, whatever the policy, or no score). Normalised
    values, dimension scores and the PROMETHEE preference tensor are computed once per
    normalisation and reused across calls.
    """

    def __init__(self, matrix: DecisionMatrix, profile, settings):
        self._prep = _prepare(matrix, settings)
        self._settings = settings
        sc = settings.scoring
        self.case_ids: list[str] = list(matrix.case_ids)
        #: Scores closer than this are tied (``scoring.tie_tolerance``); callers rank with it.
        self.tie_tolerance: float = self._prep.tie_tolerance
        self.dimension_ids: list[str] = list(matrix.dimension_ids)
        self.nominal_weights: np.ndarray = _profile_dimension_weights(matrix, profile)
        self._criterion_weights = _criterion_weights(matrix, profile, None)
        rob = getattr(settings, "robustness", None)
        methods = tuple(getattr(rob, "methods", None) or METHODS)
        normalisations = tuple(getattr(rob, "normalisations", None) or NORMALISATIONS)
        for name in methods:
            _check_name(name, name, METHODS, "Méthode d'agrégation")
        for name in normalisations:
            _check_name(name, name, NORMALISATIONS, "Normalisation")
        self.methods: tuple[str, ...] = methods
        self.normalisations: tuple[str, ...] = normalisations
        self.default_method = _check_name(None, sc.default_method, METHODS, "Méthode d'agrégation")
        self.default_normalisation = _check_name(None, sc.default_normalisation, NORMALISATIONS,
                                                 "Normalisation")
        self._scores: dict[str, np.ndarray] = {}
        self._pref: dict[str, agg.PrometheeTables] = {}

    def dimension_scores(self, normalisation: str) -> np.ndarray:
        """Dimension scores (n, D) for a normalisation (cached)."""
        if normalisation not in self._scores:
            m = self._prep.matrix
            x = _normalise(self._prep, normalisation)
            self._scores[normalisation] = agg.dimension_scores(
                x, m.available, m.dimension_index, self._criterion_weights, len(m.dimension_ids))
        return self._scores[normalisation]

    def __call__(self, weights, *, method: str | None = None, normalisation: str | None = None) -> np.ndarray:
        method = _check_name(method, self.default_method, METHODS, "Méthode d'agrégation")
        normalisation = _check_name(normalisation, self.default_normalisation, NORMALISATIONS,
                                    "Normalisation")
        w = _check_weights(weights, len(self.dimension_ids), "Poids des dimensions", self.dimension_ids)
        s = self.dimension_scores(normalisation)
        cache = None
        if method == "promethee":
            if normalisation not in self._pref:
                pr = self._settings.scoring.promethee
                self._pref[normalisation] = agg.promethee_tables(
                    s, pr.preference_function, float(pr.q), float(pr.p), self._prep.reference,
                    float(pr.s))
            cache = self._pref[normalisation]
        raw = _aggregate(method, s, w, self._settings, self._prep.reference, cache)
        scores, ranked = _apply_policy(self._prep, raw)  # ranks are the caller's business
        return np.where(ranked, scores, np.nan)


def make_batch_scorer(matrix: DecisionMatrix, profile, settings) -> BatchScorer:
    """The batch scorer consumed by the robustness module (see :class:`BatchScorer`)."""
    return BatchScorer(matrix, profile, settings)
