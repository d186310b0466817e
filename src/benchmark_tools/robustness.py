"""Robustness and sensitivity of a ranking: the one import for Monte Carlo, SMAA-2, Sobol, one-at-a-time checks.

This module owns no computation: it gathers the public names of the ``robustness_*`` modules, one per
concern, so that callers write ``from benchmark_tools import robustness as rb`` and ``rb.monte_carlo``:

- :mod:`~benchmark_tools.robustness_draws` — random weight vectors;
- :mod:`~benchmark_tools.robustness_ranks` — rank statistics on a ``(K, n)`` rank array, ``BatchScorer``;
- :mod:`~benchmark_tools.robustness_mc` — Monte Carlo over the weights;
- :mod:`~benchmark_tools.robustness_smaa` — SMAA-2;
- :mod:`~benchmark_tools.robustness_sobol` — Sobol indices;
- :mod:`~benchmark_tools.robustness_agreement` — agreement between rankings;
- :mod:`~benchmark_tools.robustness_oat` — leave-one-out and rank reversal;
- :mod:`~benchmark_tools.robustness_words` — stability and agreement in words, with the thresholds of
  ``settings.robustness``.

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

from .robustness_agreement import (
    MEASURE_LABELS,
    MEASURES,
    agreement_matrix,
    compare_methods,
    compare_profiles,
    kendall_tau,
    method_rankings,
    normalisation_rankings,
    profile_rankings,
    weighted_spearman,
)
from .robustness_draws import SCHEMES, draw_weights
from .robustness_mc import MonteCarloResult, monte_carlo, monte_carlo_from_settings, summarise_draws
from .robustness_oat import (
    LeaveOneOutResult,
    RankReversalResult,
    engine_rescore_without,
    engine_scores_on_subset,
    leave_one_criterion_out,
    leave_one_dimension_out,
    rank_reversal,
)
from .robustness_ranks import (
    BatchScorer,
    _hist_quantile,
    _mean_abs_shift,
    _position_shares,
    _rank_histogram,
    _tie_sizes,
)
from .robustness_smaa import SMAAResult, smaa, smaa_from_draws, smaa_from_monte_carlo
from .robustness_sobol import SobolResult, sobol_analysis
from .robustness_words import agreement_change_word, sobol_negligible

# The rank helpers keep their leading underscore: they are the engine's internals, re-exported
# because the joint Monte Carlo (joint.py) and the tests read them through this module.
__all__ = [
    "MEASURES", "MEASURE_LABELS", "SCHEMES", "BatchScorer", "LeaveOneOutResult", "MonteCarloResult",
    "RankReversalResult", "SMAAResult", "SobolResult", "_hist_quantile", "_mean_abs_shift",
    "_position_shares", "_rank_histogram", "_tie_sizes", "agreement_change_word", "agreement_matrix",
    "compare_methods", "compare_profiles", "draw_weights", "engine_rescore_without", "engine_scores_on_subset",
    "kendall_tau", "leave_one_criterion_out", "leave_one_dimension_out", "method_rankings", "monte_carlo",
    "monte_carlo_from_settings", "normalisation_rankings", "profile_rankings", "rank_reversal", "smaa",
    "smaa_from_draws", "smaa_from_monte_carlo", "sobol_analysis", "sobol_negligible", "summarise_draws",
    "weighted_spearman",
]
