"""Typology of the cases: the one import for profiles, principal components, clusters, neighbours.

This module owns no computation: it gathers the public names of the ``typology_*`` modules —
:mod:`~benchmark_tools.typology_profiles` (step 1), :mod:`~benchmark_tools.typology_fit` (steps 2–4 and
the entry point :func:`typology`), :mod:`~benchmark_tools.typology_clusters` (step 5),
:mod:`~benchmark_tools.typology_result` (tables, words, step 6), :mod:`~benchmark_tools.typology_place`
(candidate designs). The figures (map, loadings, dendrogram) are in :mod:`benchmark_tools.plots`.

The question answered here is descriptive, not evaluative: *which kinds of schemes are there*
among the cases of one or several families, and *which existing schemes resemble a given one*
(a Rennes scheme or a candidate design)?

Steps
-----
1. **Profiles** (:func:`build_profiles`). Each case is described by the scoring engine's
   normalised values (``0`` = worst, ``1`` = best, same scale for every feature), either at
   the *dimension* level (the dimension scores of :func:`benchmark_tools.scoring.score`, the
   default, ``settings.typology.level``) or at the *criterion* level (the normalised criteria).
   Each family is normalised with its own goalposts, as in the rankings.
2. **Missing values** (stated in :attr:`TypologyResult.missing_rule`):

   - a case whose share of observed features is below ``min_observed_share`` (default:
     ``settings.scoring.coverage_threshold``) is left out and listed, with its share;
   - at the criterion level, a criterion *not applicable* to one of the families studied is
     left out (imputing it would invent a value that has no meaning);
   - a feature observed in no retained case is left out;
   - any other missing cell is imputed by the **mean of that feature among the retained cases
     of the same family**, or, when no case of the family has it, by the mean among all
     retained cases; the share of imputed cells is reported per case.
3. **Principal components** (PCA, scikit-learn, on the imputed profiles, centred but not
   rescaled: every feature is already on the same 0–1 scale, so a feature that varies more
   between cases rightly weighs more).
4. **Clusters**: hierarchical agglomerative clustering with Ward's criterion (the
   « classification ascendante hiérarchique » of French social science) is the main
   partition; the number of clusters ``k`` is the one, within ``[k_min, k_max]`` (settings),
   that maximises the mean silhouette of the Ward partition (ties → the smaller ``k``), read in
   words with the bands of ``settings.typology.reading``.
   k-means with the same ``k`` (seeded, several starts) is reported alongside, with the
   adjusted Rand index between the two partitions as a check of stability. Both are
   deterministic: Ward has no randomness and k-means uses the seed.
5. **Description** of each cluster: the features and the design facts (dedicated to the
   ecological transition, frequency, minimum voting age, envelope per inhabitant and per year,
   funding rates, minimum own contribution) whose cluster mean departs most from the overall
   mean, and a French name built from its most distinctive features (how many, and how
   marked: ``settings.typology.reading``).
6. **Nearest neighbours** of any case (or design): Euclidean distance on the imputed profiles.

Candidate designs (``benchmark/designs``) can be *placed* on the map — projected on the
principal components, attached to the nearest cluster centre, given neighbours — without
taking part in the fit, so that adding a design never changes the typology of the real cases.

k-means, PCA and the silhouette run inside ``threadpoolctl.threadpool_limits(1)``: on the
small machines this project runs on, BLAS/OpenMP threads only add overhead and make timings
erratic.
"""

from __future__ import annotations

from .typology_clusters import DIMENSION_PHRASES, describe_clusters
from .typology_fit import KMEANS_N_INIT, cluster_profiles, fit_typology, impute, typology
from .typology_place import impute_design_profiles
from .typology_profiles import (
    DESCRIPTIVE_FACTS,
    LEVELS,
    Profiles,
    build_profiles,
    design_short_name,
    plot_label,
)
from .typology_result import ClusterDescription, PCAResult, TypologyResult, silhouette_reading

__all__ = [
    "DESCRIPTIVE_FACTS", "DIMENSION_PHRASES", "KMEANS_N_INIT", "LEVELS", "ClusterDescription", "PCAResult",
    "Profiles", "TypologyResult", "build_profiles", "cluster_profiles", "describe_clusters", "design_short_name",
    "fit_typology", "impute", "impute_design_profiles", "plot_label", "silhouette_reading", "typology",
]
