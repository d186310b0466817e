"""Sobol first-order and total indices (SALib) of the mean absolute rank shift."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .robustness_draws import _rng
from .robustness_ranks import BatchScorer, _mean_abs_shift, _score_and_rank


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
