"""Sobol first-order and total indices (SALib) of the mean absolute rank shift."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .robustness_draws import _rng
from .robustness_ranks import BatchScorer, _mean_abs_shift, _score_and_rank
from .schema import RobustnessSettings
from .vocabulary import sobol_bound_id


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
        """One row per factor (its French label and id), column ids, sorted by total index."""
        lvl = self.conf_level
        df = pd.DataFrame(
            {
                "factor": self.labels,
                "factor_id": self.factors,
                "s1": self.S1,
                sobol_bound_id("s1", "low", lvl): self.S1 - self.S1_conf,
                sobol_bound_id("s1", "high", lvl): self.S1 + self.S1_conf,
                "st": self.ST,
                sobol_bound_id("st", "low", lvl): self.ST - self.ST_conf,
                sobol_bound_id("st", "high", lvl): self.ST + self.ST_conf,
            }
        )
        return df.sort_values("st", ascending=False, kind="stable").reset_index(
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
    conf_level: float | None = None,
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
    the cases ranked in both (:func:`_sobol_output`).

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
    conf_level : float, optional
        Confidence level of the intervals (settings: ``robustness.sobol_conf_level``, whose
        default it takes when not given).
    dimension_labels : mapping, optional
        French label per dimension id (default: the id).
    """
    # SALib is an optional heavy dependency, only needed when a Sobol analysis is run.
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if not 0 < noise_factor < 1:
        raise ValueError(f"Le facteur de bruit doit être dans ]0, 1[ (trouvé : {noise_factor!r}).")
    if conf_level is None:
        conf_level = RobustnessSettings.model_fields["sobol_conf_level"].default
    rng = _rng(seed)
    dims = list(scorer.dimension_ids)
    methods = tuple(methods) if methods else ()
    normalisations = tuple(normalisations) if normalisations else ()
    problem, labels = _sobol_problem(dims, noise_factor, methods, normalisations, dimension_labels)
    factors = problem["names"]
    sample = sobol_sample.sample(
        problem, int(n_base), calc_second_order=False, seed=_derived_seed(rng)
    )
    y = _sobol_output(scorer, sample, methods, normalisations, nominal_method, nominal_normalisation)
    constant = bool(np.ptp(y) <= np.finfo(float).eps)
    if constant:
        # No rank ever moves: every index is 0 (SALib would divide by a zero variance).
        z = np.zeros(len(factors))
        indices = (z, z.copy(), z.copy(), z.copy())
    else:
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=int(n_bootstrap),
                                   conf_level=conf_level, seed=_derived_seed(rng))
        indices = tuple(np.asarray(si[key], dtype=float) for key in ("S1", "S1_conf", "ST", "ST_conf"))
    return SobolResult(factors, labels, *indices, output=y, n_base=int(n_base), conf_level=conf_level,
                       seed=seed, methods=methods, normalisations=normalisations, constant_output=constant)


def _sobol_problem(dims: list[str], noise_factor: float, methods: tuple[str, ...],
                   normalisations: tuple[str, ...], dimension_labels: Mapping[str, str] | None) -> tuple[dict, list[str]]:
    """SALib's problem (factor names and bounds) and the French label of each factor."""
    labels_fr = dict(dimension_labels or {})
    factors = [f"weight:{dim}" for dim in dims]
    labels = [f"poids : {labels_fr.get(dim, dim)}" for dim in dims]
    bounds = [[1.0 - noise_factor, 1.0 + noise_factor]] * len(dims)
    if len(methods) > 1:
        factors.append("method")
        labels.append("méthode d'agrégation")
        bounds.append([0.0, 1.0])
    if len(normalisations) > 1:
        factors.append("normalisation")
        labels.append("normalisation")
        bounds.append([0.0, 1.0])
    return {"num_vars": len(factors), "names": factors, "bounds": bounds}, labels


def _option_index(u: np.ndarray, n_options: int) -> np.ndarray:
    """A ``U(0, 1)`` column mapped to an option index ``⌊u·m⌋`` (equal probability per option)."""
    return np.minimum((u * n_options).astype(int), n_options - 1)


def _sobol_output(scorer: BatchScorer, sample: np.ndarray, methods: tuple[str, ...],
                  normalisations: tuple[str, ...], nominal_method: str | None,
                  nominal_normalisation: str | None) -> np.ndarray:
    """Mean absolute rank shift from the nominal ranking of every sample row.

    The sample is grouped by (method, normalisation) so that the scorer is called once per
    combination present in it.
    """
    d = len(scorer.dimension_ids)
    vary_m, vary_n = len(methods) > 1, len(normalisations) > 1
    w0 = np.asarray(scorer.nominal_weights, dtype=float)
    weights = sample[:, :d] * w0
    weights /= weights.sum(axis=1, keepdims=True)
    mi = _option_index(sample[:, d], len(methods)) if vary_m else np.zeros(len(sample), dtype=int)
    col = d + 1 if vary_m else d
    ni = _option_index(sample[:, col], len(normalisations)) if vary_n else np.zeros(len(sample), dtype=int)
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
    return y
