"""Typology of the cases: profiles, principal components, clusters, nearest neighbours.

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
   that maximises the mean silhouette of the Ward partition (ties → the smaller ``k``).
   k-means with the same ``k`` (seeded, several starts) is reported alongside, with the
   adjusted Rand index between the two partitions as a check of stability. Both are
   deterministic: Ward has no randomness and k-means uses the seed.
5. **Description** of each cluster: the features and the design facts (dedicated to the
   ecological transition, frequency, minimum voting age, envelope per inhabitant and per year,
   funding rates, minimum own contribution) whose cluster mean departs most from the overall
   mean, and a French name built from the two most distinctive features.
6. **Nearest neighbours** of any case (or design): Euclidean distance on the imputed profiles.

Candidate designs (``benchmark/designs``) can be *placed* on the map — projected on the
principal components, attached to the nearest cluster centre, given neighbours — without
taking part in the fit, so that adding a design never changes the typology of the real cases.

k-means, PCA and the silhouette run inside ``threadpoolctl.threadpool_limits(1)``: on the
small machines this project runs on, BLAS/OpenMP threads only add overhead and make timings
erratic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .cases import derived_fact, short_names
from .errors import InputError
from .formats import fmt_decimal
from .matrix import DecisionMatrix
from .pipeline import get_profile
from .scoring import score

#: Number of k-means starts (an algorithmic constant, not a modelling choice): the best of
#: these seeded starts is kept, which makes the result insensitive to one unlucky start.
KMEANS_N_INIT = 20

#: Design facts used to describe the clusters: field → (French label, kind).
#: kind "bool": share of cases where the fact is true; "number": mean; "category": mode.
DESCRIPTIVE_FACTS: dict[str, tuple[str, str]] = {
    "climate_focus": ("Dédié à la transition écologique (part des cas)", "bool"),
    "frequency": ("Fréquence la plus courante", "category"),
    "min_age_vote": ("Âge minimum pour voter (moyenne)", "number"),
    "per_inhabitant_per_year": ("Enveloppe par habitant et par an (médiane, €)", "median"),
    "funding_rate": ("Taux de financement de base (moyenne, %)", "number"),
    "funding_rate_max": ("Taux de financement maximal (moyenne, %)", "number"),
    "own_contribution_min": ("Autofinancement minimum (moyenne, %)", "number"),
    "nationality_condition": ("Condition de nationalité (part des cas)", "bool"),
}

#: Phrases used to name a cluster from a distinctive dimension: (above average, below average).
DIMENSION_PHRASES: dict[str, tuple[str, str]] = {
    "empowerment": ("pouvoir d'agir fort", "pouvoir d'agir faible"),
    "inclusion": ("inclusion forte", "inclusion faible"),
    "deliberation": ("délibération riche", "délibération limitée"),
    "ecology": ("ambition écologique forte", "ambition écologique faible"),
    "accountability": ("redevabilité forte", "redevabilité faible"),
    "efficiency": ("gestion efficiente", "gestion lourde"),
    "territory": ("ancrage territorial fort", "ancrage territorial faible"),
}

LEVELS = ("dimensions", "criteria")

#: Longest label drawn next to a point of the map (longer ones are cut with « … »).
MAP_LABEL_CHARS = 34

#: Reading of the mean silhouette (Kaufman & Rousseeuw 1990, *Finding Groups in Data*, ch. 2):
#: (lower bound, French wording). Below the last bound: no substantial structure.
SILHOUETTE_READING = (
    (0.71, "structure forte"),
    (0.51, "structure raisonnable"),
    (0.26, "structure faible, peut-être artificielle"),
)


def silhouette_reading(value: float) -> str:
    """French reading of a mean silhouette (see :data:`SILHOUETTE_READING`)."""
    if not np.isfinite(value):
        return "silhouette indéfinie"
    for bound, text in SILHOUETTE_READING:
        if value >= bound:
            return text
    return "pas de structure substantielle : les groupes sont des repères de lecture, pas des types"


# --------------------------------------------------------------------------- small helpers


def _threadpool_limits():
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def _elide(prefix: str, word: str) -> str:
    """French elision: « de » + « efficience » → « d'efficience »."""
    if prefix.endswith("e") and word[:1].lower() in "aeiouyhéèêàâîôû":
        return prefix[:-1] + "'" + word
    return f"{prefix} {word}"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Cluster numbers 0…k-1 by decreasing size, ties by first appearance (deterministic)."""
    labels = np.asarray(labels)
    uniq = list(dict.fromkeys(labels.tolist()))
    sizes = {u: int((labels == u).sum()) for u in uniq}
    order = sorted(uniq, key=lambda u: (-sizes[u], uniq.index(u)))
    mapping = {u: i for i, u in enumerate(order)}
    return np.array([mapping[u] for u in labels.tolist()], dtype=int)


def design_short_name(name: str) -> str:
    """Short label of a candidate design: its name without a trailing parenthesis."""
    name = str(name).strip()
    if name.endswith(")") and " (" in name:
        name = name[: name.rindex(" (")]
    return name


def plot_label(text: str, max_chars: int | None = None) -> str:
    """Text safe for the default matplotlib font (CJK and other far scripts removed), shortened."""
    out = "".join(ch for ch in str(text) if ord(ch) < 0x2E80)
    out = out.replace("()", "").replace("  ", " ").strip()
    if max_chars is not None and len(out) > max_chars:
        out = out[: max_chars - 1].rstrip() + "…"
    return out


# --------------------------------------------------------------------------- profiles


@dataclass
class Profiles:
    """Raw profiles of cases before imputation.

    Attributes
    ----------
    values : DataFrame (cases × features)
        Normalised values in [0, 1], NaN where the engine has none.
    family : Series
        Family of each case (index: case id).
    names, short : Series
        Full and short names (index: case id).
    baseline : Series of bool
    feature_labels : dict
        Feature id → French label.
    not_applicable : list of str
        Features dropped because they do not apply to one of the families.
    facts : DataFrame
        Design facts of each case (:data:`DESCRIPTIVE_FACTS`), NaN/None when unknown.
    level : str
    is_design : Series of bool
    """

    values: pd.DataFrame
    family: pd.Series
    names: pd.Series
    short: pd.Series
    baseline: pd.Series
    feature_labels: dict[str, str]
    level: str
    facts: pd.DataFrame
    not_applicable: list[str] = field(default_factory=list)
    is_design: pd.Series | None = None


def _case_facts(case) -> dict[str, object]:

    out: dict[str, object] = {}
    for name in DESCRIPTIVE_FACTS:
        if name == "per_inhabitant_per_year":
            f = derived_fact(case, name)
        else:
            f = getattr(case.design, name, None)
        v = None if f is None else f.value
        out[name] = v
    return out


def build_profiles(project, families: Sequence[str] | None = None, level: str | None = None,
                   profile: str | None = None, normalisation: str | None = None,
                   designs: Sequence[str] | str | None = None) -> Profiles:
    """Normalised profiles of the cases (and optionally designs) of one or several families.

    Parameters
    ----------
    project : Project
        The loaded project (:func:`benchmark_tools.project.load_project`).
    families : list of str, optional
        Default: ``project.report.families``.
    level : {"dimensions", "criteria"}, optional
        Default: ``settings.typology.level``.
    profile : str, optional
        Profile whose within-dimension criterion weights build the dimension scores
        (default: ``project.report.profile``).
    normalisation : str, optional
        Default: ``project.report.normalisation`` (goalposts in the shipped settings). With a
        data-driven normalisation, designs are put on the scale fitted on the cases.
    designs : list of str or "all", optional
        Candidate designs to place (only those of the chosen families).
    """

    settings = project.settings
    level = level or settings.typology.level
    if level not in LEVELS:
        raise InputError(f"Niveau de typologie inconnu : {level!r} (attendu : dimensions ou criteria).")
    fams = list(families or (project.report.families if project.report else project.families.main))
    unknown = [f for f in fams if f not in project.families.ids]
    if unknown:
        raise InputError(f"Familles inconnues : {', '.join(unknown)} (attendu parmi : "
                         f"{', '.join(project.families.ids)}).")
    prof = get_profile(project, profile)
    normalisation = normalisation or (project.report.normalisation if project.report
                                      else settings.scoring.default_normalisation)
    if designs == "all":
        design_ids = [d for d, obj in project.designs.items() if obj.family in fams]
    else:
        design_ids = list(designs or [])
    for d in design_ids:
        if d not in project.designs:
            raise InputError(f"Dispositif candidat inconnu : « {d} » (attendu parmi : "
                             f"{', '.join(sorted(project.designs)) or 'aucun'}).")
        if project.designs[d].family not in fams:
            raise InputError(f"Le dispositif candidat « {d} » relève de la famille "
                             f"« {project.designs[d].family} », absente des familles de la typologie "
                             f"({', '.join(fams)}).")
    cat = project.catalogue
    if level == "dimensions":
        feat_ids = list(cat.dimension_ids)
        feat_labels = {d.id: d.label_fr for d in cat.dimensions}
    else:
        feat_ids = list(cat.criterion_ids)
        feat_labels = {c.id: c.label_fr for c in cat.criteria}
    na: set[str] = set()
    if level == "criteria":
        for c in cat.criteria:
            if any(c.status_for(f, project.families) == "not_applicable" for f in fams):
                na.add(c.id)

    rows, fam_col, names, terr, base, facts, is_design, ids = [], [], [], [], [], [], [], []
    for fam in fams:
        cases = project.cases_of(fam)
        fam_designs = [project.designs[d] for d in design_ids if project.designs[d].family == fam]
        if not cases and not fam_designs:
            continue
        if not cases:
            raise InputError(f"Famille « {project.families.label(fam)} » : aucun cas auquel comparer "
                             f"les dispositifs candidats.")
        members = list(cases) + fam_designs
        matrix = DecisionMatrix.from_cases(list(cases), cat, fam, project.families)
        res = score(matrix, prof, settings, normalisation=normalisation)
        block = res.dimension_scores if level == "dimensions" else res.normalised
        block = np.array(block, dtype=float)
        if fam_designs:
            # Designs are scored with the cases (same scales) but their rows only are kept.
            mat_d = DecisionMatrix.from_cases(members, cat, fam, project.families)
            res_d = score(mat_d, prof, settings, normalisation=normalisation)
            block_d = res_d.dimension_scores if level == "dimensions" else res_d.normalised
            block = np.vstack([block, np.array(block_d, dtype=float)[len(cases):]])
        for obj, row in zip(members, block, strict=True):
            rows.append(row)
            ids.append(obj.id)
            fam_col.append(fam)
            names.append(obj.name)
            terr.append(obj.territory)
            base.append(bool(obj.baseline))
            facts.append(_case_facts(obj))
            is_design.append(obj.id in design_ids)
    if not ids:
        raise InputError("Aucun cas dans les familles demandées : " + ", ".join(fams) + ".")
    values = pd.DataFrame(np.array(rows), index=pd.Index(ids, name="cas"), columns=feat_ids)
    values = values[[f for f in feat_ids if f not in na]]
    flabels = {f: project.families.label(f) for f in fams}
    case_pos = [i for i, d in enumerate(is_design) if not d]
    by_id = {c.id: c for c in project.cases}
    names_of = short_names([by_id[ids[i]] for i in case_pos], flabels)
    case_short = [names_of[ids[i]] for i in case_pos]
    short = [design_short_name(n) for n in names]
    for i, sname in zip(case_pos, case_short, strict=True):
        short[i] = sname
    return Profiles(
        values=values,
        family=pd.Series(fam_col, index=values.index, name="famille"),
        names=pd.Series(names, index=values.index, name="nom"),
        short=pd.Series(short, index=values.index, name="nom court"),
        baseline=pd.Series(base, index=values.index, name="Rennes"),
        feature_labels=feat_labels,
        level=level,
        facts=pd.DataFrame(facts, index=values.index),
        not_applicable=sorted(na, key=feat_ids.index),
        is_design=pd.Series(is_design, index=values.index, name="candidat"),
    )


# --------------------------------------------------------------------------- result objects


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
                   f"silhouette moyenne : {fmt_decimal(self.silhouette, '.2f')}, {silhouette_reading(self.silhouette)}). "
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


# --------------------------------------------------------------------------- fitting


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


def _fact_summary(facts: pd.DataFrame, members) -> list[dict]:
    rows = []
    for name, (label, kind) in DESCRIPTIVE_FACTS.items():
        if name not in facts.columns:
            continue
        col = facts[name]
        known = col[col.notna()]
        sub = known[known.index.isin(members)]
        if sub.empty:
            continue
        if kind == "bool":
            cv = float(np.mean([bool(v) for v in sub]))
            ov = float(np.mean([bool(v) for v in known]))
        elif kind in ("number", "median"):
            f = np.mean if kind == "number" else np.median
            num_sub = [float(v) for v in sub if isinstance(v, (int, float)) and not isinstance(v, bool)]
            num_all = [float(v) for v in known if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if not num_sub:
                continue
            cv, ov = float(f(num_sub)), float(f(num_all))
        else:
            cv = pd.Series([str(v) for v in sub]).mode().iloc[0]
            ov = pd.Series([str(v) for v in known]).mode().iloc[0]
        rows.append({"fait": label, "moyenne du groupe": cv, "moyenne générale": ov,
                     "cas renseignés": f"{len(sub)}/{len(members)}"})
    return rows


def _name_cluster(gaps: pd.DataFrame, level: str, n_features: int = 2, force: bool = False) -> str:
    """French name from the most distinctive features (cluster mean − overall mean).

    ``n_features`` traits at most; a trait less than half as marked as the first is left out
    unless ``force`` (used to tell apart two clusters that would get the same name).
    """
    if gaps.empty or not np.isfinite(gaps["écart"]).any() or gaps["écart"].abs().max() == 0:
        return "Profil moyen"
    top = gaps.iloc[:n_features]
    first = abs(top["écart"].iloc[0])
    parts = []
    for _, r in top.iterrows():
        # A trait half as marked as the first does not characterise the group.
        if parts and abs(r["écart"]) < first / 2 and not force:
            break
        fid, up = r["identifiant"], r["écart"] > 0
        if level == "dimensions" and fid in DIMENSION_PHRASES:
            parts.append(DIMENSION_PHRASES[fid][0 if up else 1])
        else:
            label = str(r["caractéristique"])
            word = label[:1].lower() + label[1:]
            parts.append(_elide("plus de" if up else "moins de", word))
    return _capitalise(", ".join(parts))


def describe_clusters(profiles: pd.DataFrame, labels: pd.Series, feature_labels: Mapping[str, str],
                      facts: pd.DataFrame | None, level: str) -> list[ClusterDescription]:
    """Distinctive features and facts of each cluster, and its proposed French name."""
    overall = profiles.mean(axis=0)
    out = []
    for g in sorted(labels.unique()):
        members = list(labels.index[labels == g])
        cm = profiles.loc[members].mean(axis=0)
        gap = cm - overall
        gaps = pd.DataFrame({
            "identifiant": list(profiles.columns),
            "caractéristique": [feature_labels.get(c, c) for c in profiles.columns],
            "moyenne du groupe": cm.to_numpy(),
            "moyenne générale": overall.to_numpy(),
            "écart": gap.to_numpy(),
        })
        gaps = gaps.iloc[np.argsort(-np.abs(gaps["écart"].to_numpy()), kind="stable")].reset_index(drop=True)
        fact_rows = _fact_summary(facts, members) if facts is not None else []
        out.append(ClusterDescription(int(g), _name_cluster(gaps, level), members, gaps, pd.DataFrame(fact_rows)))
    # Clusters that share a name get one more distinctive trait, then a number if still equal.
    n_feat = profiles.shape[1]
    for extra in range(3, n_feat + 1):
        names = [c.name for c in out]
        clash = {n for n in names if names.count(n) > 1}
        if not clash:
            break
        for c in out:
            if c.name in clash:
                c.name = _name_cluster(c.feature_gaps, level, n_features=extra, force=True)
    seen: dict[str, int] = {}
    for c in out:
        if c.name in seen:
            seen[c.name] += 1
            c.name = f"{c.name} ({seen[c.name]})"
        else:
            seen[c.name] = 1
    return out


def fit_typology(profiles: pd.DataFrame, family: pd.Series | None = None, *, k_min: int, k_max: int,
                 n_neighbours: int, seed: int, min_observed_share: float = 0.0,
                 feature_labels: Mapping[str, str] | None = None, names: pd.Series | None = None,
                 short: pd.Series | None = None, baseline: pd.Series | None = None,
                 facts: pd.DataFrame | None = None, level: str = "dimensions",
                 design_profiles: pd.DataFrame | None = None, design_names: pd.Series | None = None,
                 design_short: pd.Series | None = None) -> TypologyResult:
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
    """
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
    from sklearn.metrics import adjusted_rand_score

    ward_s = pd.Series(ward, index=kept, name="groupe")
    km_s = pd.Series(km, index=kept, name="groupe k-means")
    clusters = describe_clusters(filled, ward_s, labels_map,
                                 facts.loc[kept] if facts is not None else None, level)
    centroids = filled.groupby(ward_s).mean()
    names = (names if names is not None else pd.Series(idx, index=idx)).reindex(kept)
    short = (short if short is not None else names).reindex(kept)
    baseline = (baseline if baseline is not None else pd.Series(False, index=idx)).reindex(kept)
    if design_profiles is not None and len(design_profiles):
        dp = design_profiles.astype(float)[list(filled.columns)].copy()
        overall = filled.mean(axis=0)
        for d in dp.index:
            fam = family_all.get(d) if d in family_all.index else None
            ref = filled[family.reindex(kept) == fam].mean(axis=0) if fam is not None else overall
            dp.loc[d] = dp.loc[d].fillna(ref.fillna(overall))
        dn = (design_names if design_names is not None else pd.Series(dp.index, index=dp.index))
        ds = (design_short if design_short is not None else dn)
    else:
        dp = pd.DataFrame(columns=filled.columns, dtype=float)
        dn = pd.Series(dtype=object)
        ds = pd.Series(dtype=object)
    if len(dp):
        rule += (" Les dispositifs candidats, placés sur la carte sans entrer dans le calcul, ne sont "
                 "jamais écartés : leurs valeurs manquantes sont remplacées par la moyenne des cas "
                 "retenus de leur famille.")
    if dropped:
        rule += " Caractéristiques écartées faute de données : " + ", ".join(
            labels_map.get(c, c) for c in dropped) + "."
    return TypologyResult(
        profiles=filled, raw_profiles=profiles, imputed=mask, imputed_share=share,
        excluded=excluded, missing_rule=rule, level=level, feature_labels=labels_map,
        family=family.reindex(kept), names=names, short=short, baseline=baseline,
        facts=facts.loc[kept] if facts is not None else pd.DataFrame(index=kept),
        pca=pca, k=k, silhouettes=sil, labels=ward_s, kmeans_labels=km_s,
        agreement=float(adjusted_rand_score(ward, km)), clusters=clusters, centroids=centroids,
        seed=int(seed), n_neighbours=int(n_neighbours), design_profiles=dp,
        design_names=dn, design_short=ds,
    )


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
        design_short=prof.short[is_d])
    if prof.not_applicable:
        res.missing_rule += (" Critères sans objet pour au moins une des familles, écartés : "
                             + ", ".join(prof.feature_labels[c] for c in prof.not_applicable) + ".")
    return res


# --------------------------------------------------------------------------- figures


def pca_figure(result: TypologyResult, components: tuple[int, int] = (0, 1), ax=None,
               label_points: bool = True):
    """Map of the cases on two principal components, coloured by cluster.

    Rennes cases are drawn larger with a black edge and a bold label; placed candidate
    designs are stars. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    coords = result.pca.coordinates
    q = coords.shape[1]
    a, b = components
    if max(a, b) >= q:
        raise InputError(f"Composante demandée absente : seulement {q} composante(s).")
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 7.5))
    else:
        fig = ax.figure
    cmap = plt.get_cmap("tab10")
    for c in result.clusters:
        pts = coords.loc[c.members]
        base = result.baseline.loc[c.members].to_numpy(dtype=bool)
        color = cmap(c.number % 10)
        ax.scatter(pts.iloc[~base, a], pts.iloc[~base, b], s=40, color=color, alpha=0.85,
                   label=f"{c.number + 1}. {c.name} ({c.size})")
        if base.any():
            ax.scatter(pts.iloc[base, a], pts.iloc[base, b], s=110, color=color,
                       edgecolors="black", linewidths=1.6, zorder=3)
    if label_points:
        for cid in coords.index:
            bold = bool(result.baseline[cid])
            ax.annotate(plot_label(result.short[cid], MAP_LABEL_CHARS), (coords.loc[cid].iloc[a], coords.loc[cid].iloc[b]),
                        fontsize=6.5, fontweight="bold" if bold else "normal",
                        xytext=(3, 3), textcoords="offset points")
    if len(result.design_profiles):
        dc = result.pca.transform(result.design_profiles.to_numpy(dtype=float))
        ax.scatter(dc[:, a], dc[:, b], marker="*", s=260, color="black", edgecolors="white",
                   linewidths=0.8, zorder=4, label="Dispositif candidat")
        for j, d in enumerate(result.design_profiles.index):
            ax.annotate(plot_label(result.design_short.get(d, d), MAP_LABEL_CHARS), (dc[j, a], dc[j, b]), fontsize=6.5,
                        fontstyle="italic", xytext=(4, -8), textcoords="offset points")
    ax.scatter([], [], s=110, facecolors="none", edgecolors="black", linewidths=1.6,
               label="Dispositif rennais")
    evr = result.pca.explained_variance_ratio
    ax.set_xlabel(f"Composante {a + 1} ({100 * evr[a]:.0f} % de la variance)")
    ax.set_ylabel(f"Composante {b + 1} ({100 * evr[b]:.0f} % de la variance)")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_title("Typologie des cas : carte des composantes principales")
    ax.legend(fontsize=7, loc="best", frameon=False)
    fig.tight_layout()
    return fig


def loadings_figure(result: TypologyResult, components: tuple[int, int] = (0, 1), ax=None):
    """Correlation-circle-like plot of the feature loadings on two components."""
    import matplotlib.pyplot as plt

    a, b = components
    load = result.pca.loadings
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 6))
    else:
        fig = ax.figure
    for i, fid in enumerate(result.profiles.columns):
        x, y = load.iloc[i, a], load.iloc[i, b]
        ax.arrow(0, 0, x, y, head_width=0.02, color="0.3", length_includes_head=True)
        ax.annotate(result.feature_labels.get(fid, fid), (x, y), fontsize=7)
    lim = max(1e-9, float(np.abs(load.iloc[:, [a, b]].to_numpy()).max())) * 1.2
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel(f"Composante {a + 1}")
    ax.set_ylabel(f"Composante {b + 1}")
    ax.set_title("Contribution des caractéristiques aux composantes")
    fig.tight_layout()
    return fig


def dendrogram_figure(result: TypologyResult, ax=None):
    """Ward dendrogram of the retained cases (labels: short names)."""
    import matplotlib.pyplot as plt
    from scipy.cluster.hierarchy import dendrogram, linkage

    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 5))
    else:
        fig = ax.figure
    z = linkage(result.profiles.to_numpy(dtype=float), method="ward")
    dendrogram(z, labels=[plot_label(result.short[c]) for c in result.profiles.index], ax=ax, leaf_font_size=7,
               leaf_rotation=90)
    ax.set_ylabel("Distance de Ward")
    ax.set_title("Classification ascendante hiérarchique (Ward)")
    fig.tight_layout()
    return fig
