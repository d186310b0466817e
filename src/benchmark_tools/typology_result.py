"""The typology's result objects: components, clusters, tables, summary in words, neighbours."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError
from .formats import fmt_decimal
from .schema import TypologyReading


def silhouette_reading(value: float, reading: TypologyReading | None = None) -> str:
    """French reading of a mean silhouette.

    Parameters
    ----------
    value : float
    reading : TypologyReading, optional
        ``settings.typology.reading`` (its bands, Kaufman & Rousseeuw 1990, ch. 2); default: the
        schema's defaults.
    """
    if not np.isfinite(value):
        return "silhouette indéfinie"
    for bound, text in (reading or TypologyReading()).silhouette_bands:
        if value >= bound:
            return text
    return "pas de structure substantielle : les groupes sont des repères de lecture, pas des types"


@dataclass
class PCAResult:
    """Principal components of the imputed profiles.

    Attributes
    ----------
    explained_variance_ratio : ndarray (q,)
    loadings : DataFrame (features × components)
        Coordinates of the unit feature vectors on the components (``components_.T``).
    coordinates : DataFrame (cases × components)
    mean : ndarray
        Centre of the profiles (used to project designs).
    """

    explained_variance_ratio: np.ndarray
    loadings: pd.DataFrame
    coordinates: pd.DataFrame
    mean: np.ndarray
    components: np.ndarray

    def to_dataframe(self) -> pd.DataFrame:
        """Explained variance per component (French labels)."""
        evr = self.explained_variance_ratio
        return pd.DataFrame({
            "composante": [f"CP{i + 1}" for i in range(evr.size)],
            "variance expliquée": evr,
            "variance expliquée cumulée": np.cumsum(evr),
        })

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (np.atleast_2d(x) - self.mean) @ self.components.T


@dataclass
class ClusterDescription:
    """One cluster: members, name, distinctive features and facts."""

    number: int
    name: str
    members: list[str]
    feature_gaps: pd.DataFrame
    fact_gaps: pd.DataFrame

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class TypologyResult:
    """The typology of a set of cases (see the module docstring for the method).

    Attributes
    ----------
    profiles : DataFrame
        Imputed profiles of the retained cases (cases × features), values in [0, 1].
    raw_profiles : DataFrame
        Profiles before imputation, retained and excluded cases.
    imputed : DataFrame of bool
        Which cells of ``profiles`` were imputed.
    imputed_share : Series
        Share of imputed cells per retained case.
    excluded : DataFrame
        Cases left out, with their share of observed features and the reason.
    missing_rule : str
        The rule for missing values, in French.
    level : str
    feature_labels : dict
    family, names, short, baseline : Series (index: case id, retained cases)
    facts : DataFrame
    pca : PCAResult
    k : int
    silhouettes : DataFrame
        Mean silhouette of Ward and k-means for each k tried.
    labels : Series
        Main partition (Ward), cluster numbers from 0.
    kmeans_labels : Series
    agreement : float
        Adjusted Rand index between Ward and k-means.
    clusters : list of ClusterDescription
    centroids : DataFrame (clusters × features)
    seed : int
    n_neighbours : int
    designs : DataFrame
        Placed designs: profile, coordinates, nearest cluster (empty when none).
    """

    profiles: pd.DataFrame
    raw_profiles: pd.DataFrame
    imputed: pd.DataFrame
    imputed_share: pd.Series
    excluded: pd.DataFrame
    missing_rule: str
    level: str
    feature_labels: dict[str, str]
    family: pd.Series
    names: pd.Series
    short: pd.Series
    baseline: pd.Series
    facts: pd.DataFrame
    pca: PCAResult
    k: int
    silhouettes: pd.DataFrame
    labels: pd.Series
    kmeans_labels: pd.Series
    agreement: float
    clusters: list[ClusterDescription]
    centroids: pd.DataFrame
    seed: int
    n_neighbours: int
    design_profiles: pd.DataFrame
    design_names: pd.Series
    design_short: pd.Series
    #: ``settings.typology.reading``: the words of :meth:`summary_text`.
    reading: TypologyReading = field(default_factory=TypologyReading)

    # ------------------------------------------------------------------ tables
    @property
    def cluster_names(self) -> dict[int, str]:
        return {c.number: c.name for c in self.clusters}

    def to_dataframe(self) -> pd.DataFrame:
        """One row per retained case: family, cluster, first components, imputed share."""
        coords = self.pca.coordinates
        df = pd.DataFrame({
            "cas": self.names,
            "nom court": self.short,
            "famille": self.family,
            "Rennes": self.baseline,
            "groupe": self.labels + 1,
            "nom du groupe": self.labels.map(self.cluster_names),
            "groupe k-means": self.kmeans_labels + 1,
            "part imputée": self.imputed_share,
        }, index=self.profiles.index)
        for c in coords.columns[:2]:
            df[c] = coords[c]
        df.index.name = "identifiant"
        df.attrs["règle des valeurs manquantes"] = self.missing_rule
        return df

    @property
    def silhouette(self) -> float:
        """Mean silhouette of the main (Ward) partition at the chosen k."""
        row = self.silhouettes[self.silhouettes["k"] == self.k]
        return float(row["silhouette Ward"].iloc[0]) if len(row) else float("nan")

    def summary_text(self) -> str:
        """What the typology shows, in French, with its limits."""
        lvl = "des dimensions" if self.level == "dimensions" else "des critères"
        fams = sorted(set(self.family))
        out = [f"Typologie de {len(self.profiles)} cas ({', '.join(fams)}) sur les scores normalisés {lvl}."]
        if len(self.excluded):
            out.append(f"{len(self.excluded)} cas écartés faute de données : "
                       + ", ".join(self.excluded.index) + ".")
        out.append(f"Part moyenne de valeurs imputées : {100 * float(self.imputed_share.mean()):.0f} %. "
                   + self.missing_rule)
        evr = self.pca.explained_variance_ratio
        for j in range(min(2, evr.size)):
            load = self.pca.loadings.iloc[:, j]
            top = load.abs().sort_values(ascending=False).index[:3]
            feats = ", ".join(f"{self.feature_labels.get(self.profiles.columns[i], self.profiles.columns[i])}"
                              f" ({fmt_decimal(load.iloc[i], '+.2f')})" for i in top)
            out.append(f"Composante {j + 1} : {100 * evr[j]:.0f} % de la variance ; portée surtout par {feats}.")
        out.append(f"{self.k} groupes (classification de Ward, k choisi entre les bornes des réglages par la "
                   f"silhouette moyenne : {fmt_decimal(self.silhouette, '.2f')}, {silhouette_reading(self.silhouette, self.reading)}). "
                   f"Accord avec les k-moyennes (indice de Rand ajusté) : {fmt_decimal(self.agreement, '.2f')}.")
        for c in self.clusters:
            members = ", ".join(self.short[m] for m in c.members)
            out.append(f"Groupe {c.number + 1} « {c.name} » ({c.size} cas) : {members}.")
        for cid in self.profiles.index[self.baseline.to_numpy(dtype=bool)]:
            nb = self.neighbours(cid)
            out.append(f"{self.short[cid]} : groupe {int(self.labels[cid]) + 1} ; plus proches voisins : "
                       + ", ".join(self.short[v] for v in nb["voisin"]) + ".")
        return "\n".join(out)

    def clusters_dataframe(self) -> pd.DataFrame:
        """One row per cluster: name, size, members, distinctive features."""
        rows = []
        for c in self.clusters:
            top = c.feature_gaps.head(3)
            rows.append({
                "groupe": c.number + 1,
                "nom": c.name,
                "effectif": c.size,
                "cas": ", ".join(self.short[m] for m in c.members),
                "traits distinctifs": "; ".join(
                    f"{r['caractéristique']} {fmt_decimal(r['écart'], '+.2f')}" for _, r in top.iterrows()),
            })
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ neighbours
    def _all_profiles(self) -> pd.DataFrame:
        if len(self.design_profiles):
            return pd.concat([self.profiles, self.design_profiles])
        return self.profiles

    def neighbours(self, case_id: str, n: int | None = None) -> pd.DataFrame:
        """The ``n`` nearest retained cases of a case or placed design (Euclidean distance).

        Parameters
        ----------
        case_id : str
        n : int, optional
            Default: ``settings.typology.n_neighbours`` (stored in :attr:`n_neighbours`).
        """
        allp = self._all_profiles()
        if case_id not in allp.index:
            if case_id in self.excluded.index:
                raise InputError(f"Le cas « {case_id} » a été écarté de la typologie "
                                 f"({self.excluded.loc[case_id, 'motif']}).")
            raise InputError(f"Cas inconnu dans la typologie : « {case_id} ».")
        n = self.n_neighbours if n is None else int(n)
        x = allp.loc[case_id].to_numpy(dtype=float)
        others = self.profiles.drop(index=case_id, errors="ignore")
        d = np.sqrt(((others.to_numpy(dtype=float) - x) ** 2).sum(axis=1))
        order = np.argsort(d, kind="stable")[:n]
        idx = others.index[order]
        return pd.DataFrame({
            "voisin": list(idx),
            "nom": [self.names[i] for i in idx],
            "famille": [self.family[i] for i in idx],
            "groupe": [int(self.labels[i]) + 1 for i in idx],
            "distance": d[order],
        })

    def neighbours_dataframe(self, n: int | None = None) -> pd.DataFrame:
        """Nearest neighbours of every retained case and placed design, one row each."""
        rows = []
        for cid in self._all_profiles().index:
            nb = self.neighbours(cid, n)
            rows.append({"cas": cid, "voisins": ", ".join(nb["voisin"]),
                         "distances": ", ".join(f"{x:.2f}" for x in nb["distance"])})
        return pd.DataFrame(rows)

    def place(self) -> pd.DataFrame:
        """Placed designs: nearest cluster centre and components (empty when none)."""
        if not len(self.design_profiles):
            return pd.DataFrame(columns=["dispositif", "groupe le plus proche", "nom du groupe"])
        x = self.design_profiles.to_numpy(dtype=float)
        c = self.centroids.to_numpy(dtype=float)
        d = np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2))
        nearest = d.argmin(axis=1)
        coords = self.pca.transform(x)
        df = pd.DataFrame({
            "dispositif": list(self.design_names),
            "groupe le plus proche": nearest + 1,
            "nom du groupe": [self.cluster_names[int(j)] for j in nearest],
            "distance au centre": d[np.arange(len(x)), nearest],
        }, index=self.design_profiles.index)
        for j in range(min(2, coords.shape[1])):
            df[f"CP{j + 1}"] = coords[:, j]
        return df
