"""Fitting the typology: imputation, principal components, Ward and k-means clusters, the entry point."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import InputError
from .schema import TypologyReading
from .typology_clusters import describe_clusters
from .typology_place import impute_design_profiles
from .typology_profiles import build_profiles
from .typology_result import PCAResult, TypologyResult

#: Number of k-means starts (an algorithmic constant, not a modelling choice): the best of
#: these seeded starts is kept, which makes the result insensitive to one unlucky start.
KMEANS_N_INIT = 20


def _threadpool_limits():
    # Imported with scikit-learn, when a typology is fitted (see the module's note on threads).
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Cluster numbers 0…k-1 by decreasing size, ties by first appearance (deterministic)."""
    labels = np.asarray(labels)
    uniq = list(dict.fromkeys(labels.tolist()))
    sizes = {u: int((labels == u).sum()) for u in uniq}
    order = sorted(uniq, key=lambda u: (-sizes[u], uniq.index(u)))
    mapping = {u: i for i, u in enumerate(order)}
    return np.array([mapping[u] for u in labels.tolist()], dtype=int)


def impute(values: pd.DataFrame, family: pd.Series, min_observed_share: float):
    """Apply the missing-value rule; return (imputed, mask, share, excluded, dropped, rule)."""
    if not 0 <= min_observed_share <= 1:
        raise InputError(f"Part minimale de valeurs observées hors de [0, 1] : {min_observed_share!r}.")
    x = values.astype(float)
    observed = x.notna().mean(axis=1)
    keep = observed >= min_observed_share
    excluded = pd.DataFrame({
        "famille": family[~keep],
        "part observée": observed[~keep],
        "motif": [f"{100 * s:.0f} % des caractéristiques renseignées, sous le seuil de "
                  f"{100 * min_observed_share:.0f} %" for s in observed[~keep]],
    })
    excluded.index.name = "cas"
    kept = x[keep]
    dropped = [c for c in kept.columns if kept[c].isna().all()]
    kept = kept.drop(columns=dropped)
    mask = kept.isna()
    fam = family[keep]
    overall = kept.mean(axis=0)
    fam_means = kept.groupby(fam).mean()
    filled = kept.copy()
    for f in fam.unique():
        rows = fam == f
        fill = fam_means.loc[f].fillna(overall)
        filled.loc[rows] = kept.loc[rows].fillna(fill)
    share = mask.mean(axis=1) if kept.shape[1] else pd.Series(0.0, index=kept.index)
    rule = (
        f"Un cas est écarté s'il a moins de {100 * min_observed_share:.0f} % de ses caractéristiques "
        "renseignées (cas listés à part). Une caractéristique renseignée pour aucun cas retenu est "
        "écartée. Toute autre valeur manquante est remplacée par la moyenne de la caractéristique "
        "parmi les cas retenus de la même famille, ou, à défaut, parmi tous les cas retenus ; "
        "la part de valeurs ainsi imputées est donnée pour chaque cas.")
    return filled, mask, share, excluded, dropped, rule


def _silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    # scikit-learn is heavy to import: only when a typology is fitted.
    from sklearn.metrics import silhouette_score

    if len(np.unique(labels)) < 2 or len(np.unique(labels)) >= len(labels):
        return float("nan")
    return float(silhouette_score(x, labels, metric="euclidean"))


def cluster_profiles(x: np.ndarray, k_min: int, k_max: int, seed: int):
    """Ward and k-means partitions of ``x`` with k chosen by the Ward silhouette.

    Returns
    -------
    k : int
    ward : ndarray of int (n,)
    kmeans : ndarray of int (n,)
    silhouettes : DataFrame with columns ``k``, ``silhouette Ward``, ``silhouette k-means``
    """
    # scikit-learn is heavy to import: only when a typology is fitted.
    from sklearn.cluster import AgglomerativeClustering, KMeans

    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    if k_min < 2 or k_max < k_min:
        raise InputError(f"Bornes du nombre de groupes invalides : k_min={k_min}, k_max={k_max}.")
    hi = min(k_max, n - 1)
    if hi < k_min:
        raise InputError(f"Trop peu de cas ({n}) pour former au moins {k_min} groupes "
                         "(il en faut au moins k_min + 1).")
    rows = []
    parts = {}
    with _threadpool_limits():
        for k in range(k_min, hi + 1):
            ward = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x)
            km = KMeans(n_clusters=k, n_init=KMEANS_N_INIT, random_state=seed).fit_predict(x)
            parts[k] = (_relabel_by_size(ward), _relabel_by_size(km))
            rows.append({"k": k, "silhouette Ward": _silhouette(x, ward),
                         "silhouette k-means": _silhouette(x, km)})
    sil = pd.DataFrame(rows)
    scores = sil["silhouette Ward"].to_numpy()
    if np.isfinite(scores).any():
        k = int(sil["k"].to_numpy()[int(np.nanargmax(scores))])  # first max → smaller k on ties
    else:
        k = int(sil["k"].iloc[0])
    ward, km = parts[k]
    return k, ward, km, sil


def _pca(x: np.ndarray, index, seed: int) -> PCAResult:
    # scikit-learn is heavy to import: only when a typology is fitted.
    from sklearn.decomposition import PCA

    q = int(min(x.shape[0] - 1, x.shape[1]))
    if q < 1:
        raise InputError("Trop peu de cas ou de caractéristiques pour une analyse en composantes principales.")
    with _threadpool_limits():
        p = PCA(n_components=q, svd_solver="full", random_state=seed).fit(x)
    comps = np.array(p.components_)
    # Orientation convention (PCA axes have arbitrary signs): the largest loading is positive.
    flip = np.sign(comps[np.arange(q), np.abs(comps).argmax(axis=1)])
    flip[flip == 0] = 1
    comps = comps * flip[:, None]
    cols = [f"CP{i + 1}" for i in range(q)]
    coords = (x - p.mean_) @ comps.T
    return PCAResult(
        explained_variance_ratio=np.array(p.explained_variance_ratio_),
        loadings=pd.DataFrame(comps.T, columns=cols),
        coordinates=pd.DataFrame(coords, index=index, columns=cols),
        mean=np.array(p.mean_),
        components=comps,
    )


def fit_typology(profiles: pd.DataFrame, family: pd.Series | None = None, *, k_min: int, k_max: int,
                 n_neighbours: int, seed: int, min_observed_share: float = 0.0,
                 feature_labels: Mapping[str, str] | None = None, names: pd.Series | None = None,
                 short: pd.Series | None = None, baseline: pd.Series | None = None,
                 facts: pd.DataFrame | None = None, level: str = "dimensions",
                 design_profiles: pd.DataFrame | None = None, design_names: pd.Series | None = None,
                 design_short: pd.Series | None = None,
                 reading: TypologyReading | None = None) -> TypologyResult:
    """Typology of given profiles (cases × features, values in [0, 1], NaN allowed).

    The engine-free core of :func:`typology`; usable on synthetic data.

    Parameters
    ----------
    profiles : DataFrame
    family : Series, optional
        Family of each case (imputation by family mean); default: one family.
    k_min, k_max, n_neighbours : int
        ``settings.typology``.
    seed : int
        Seed of k-means (``report.seed``).
    min_observed_share : float
        Cases with a smaller share of observed features are left out.
    design_profiles : DataFrame, optional
        Profiles of designs to place (not used in the fit); missing cells are imputed by the
        mean of the retained cases of their family (``family`` must then list them too) or
        of all retained cases.
    reading : TypologyReading, optional
        ``settings.typology.reading``: silhouette bands and cluster naming (default: the schema's).
    """
    # scikit-learn is heavy to import: only when a typology is fitted.
    from sklearn.metrics import adjusted_rand_score

    profiles = profiles.astype(float)
    idx = profiles.index
    if family is None:
        family = pd.Series("cas", index=idx)
    family_all = family  # may also list the designs' families
    family = family.reindex(idx)
    labels_map = dict(feature_labels or {})
    filled, mask, share, excluded, dropped, rule = impute(profiles, family, min_observed_share)
    if filled.shape[0] < 3:
        raise InputError(f"Trop peu de cas retenus pour une typologie ({filled.shape[0]}) ; "
                         f"{len(excluded)} cas écartés faute de données.")
    if filled.shape[1] < 1:
        raise InputError("Aucune caractéristique renseignée pour les cas retenus.")
    kept = filled.index
    x = filled.to_numpy(dtype=float)
    pca = _pca(x, kept, seed)
    k, ward, km, sil = cluster_profiles(x, k_min, k_max, seed)
    ward_s = pd.Series(ward, index=kept, name="groupe")
    km_s = pd.Series(km, index=kept, name="groupe k-means")
    clusters = describe_clusters(filled, ward_s, labels_map,
                                 facts.loc[kept] if facts is not None else None, level, reading)
    names = (names if names is not None else pd.Series(idx, index=idx)).reindex(kept)
    short = (short if short is not None else names).reindex(kept)
    baseline = (baseline if baseline is not None else pd.Series(False, index=idx)).reindex(kept)
    dp, dn, ds = impute_design_profiles(filled, family.reindex(kept), family_all, design_profiles,
                                        design_names, design_short)
    rule += _rule_notes(len(dp) > 0, dropped, labels_map)
    return TypologyResult(
        profiles=filled, raw_profiles=profiles, imputed=mask, imputed_share=share,
        excluded=excluded, missing_rule=rule, level=level, feature_labels=labels_map,
        family=family.reindex(kept), names=names, short=short, baseline=baseline,
        facts=facts.loc[kept] if facts is not None else pd.DataFrame(index=kept),
        pca=pca, k=k, silhouettes=sil, labels=ward_s, kmeans_labels=km_s,
        agreement=float(adjusted_rand_score(ward, km)), clusters=clusters,
        centroids=filled.groupby(ward_s).mean(), seed=int(seed), n_neighbours=int(n_neighbours),
        design_profiles=dp, design_names=dn, design_short=ds, reading=reading or TypologyReading(),
    )


def _rule_notes(has_designs: bool, dropped: list[str], labels_map: Mapping[str, str]) -> str:
    """What the missing-value rule adds for placed designs and for features left out."""
    out = ""
    if has_designs:
        out += (" Les dispositifs candidats, placés sur la carte sans entrer dans le calcul, ne sont "
                "jamais écartés : leurs valeurs manquantes sont remplacées par la moyenne des cas "
                "retenus de leur famille.")
    if dropped:
        out += " Caractéristiques écartées faute de données : " + ", ".join(
            labels_map.get(c, c) for c in dropped) + "."
    return out


def typology(project, families: Sequence[str] | None = None, level: str | None = None,
             profile: str | None = None, normalisation: str | None = None,
             designs: Sequence[str] | str | None = None, seed: int | None = None,
             min_observed_share: float | None = None) -> TypologyResult:
    """Typology of the cases of one or several families, from the scoring engine's values.

    Parameters
    ----------
    project : Project
    families : list of str, optional
        Default ``report.families``.
    level : {"dimensions", "criteria"}, optional
        Default ``settings.typology.level``.
    profile, normalisation : str, optional
        Default ``report.profile`` and ``report.normalisation``.
    designs : list of str or "all", optional
        Candidate designs to place on the map (not used in the fit).
    seed : int, optional
        Default ``report.seed``.
    min_observed_share : float, optional
        Default ``settings.scoring.coverage_threshold``.

    Returns
    -------
    TypologyResult
    """
    ts = project.settings.typology
    prof = build_profiles(project, families, level, profile, normalisation, designs)
    seed = seed if seed is not None else (project.report.seed if project.report else 0)
    share = project.settings.scoring.coverage_threshold if min_observed_share is None else min_observed_share
    is_d = prof.is_design if prof.is_design is not None else pd.Series(False, index=prof.values.index)
    cases = prof.values[~is_d]
    dps = prof.values[is_d]
    res = fit_typology(
        cases, prof.family, k_min=ts.k_min, k_max=ts.k_max, n_neighbours=ts.n_neighbours,
        seed=seed, min_observed_share=share, feature_labels=prof.feature_labels,
        names=prof.names, short=prof.short, baseline=prof.baseline, facts=prof.facts[~is_d],
        level=prof.level, design_profiles=dps, design_names=prof.names[is_d],
        design_short=prof.short[is_d], reading=ts.reading)
    if prof.not_applicable:
        res.missing_rule += (" Critères sans objet pour au moins une des familles, écartés : "
                             + ", ".join(prof.feature_labels[c] for c in prof.not_applicable) + ".")
    return res
