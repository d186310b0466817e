"""Description and French names of the clusters: distinctive features and design facts."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .schema import TypologyReading
from .typology_profiles import DESCRIPTIVE_FACTS
from .typology_result import ClusterDescription

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


def _elide(prefix: str, word: str) -> str:
    """French elision: « de » + « efficience » → « d'efficience »."""
    if prefix.endswith("e") and word[:1].lower() in "aeiouyhéèêàâîôû":
        return prefix[:-1] + "'" + word
    return f"{prefix} {word}"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


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


def _name_cluster(gaps: pd.DataFrame, level: str, reading: TypologyReading, n_features: int | None = None,
                  force: bool = False) -> str:
    """French name from the most distinctive features (cluster mean − overall mean).

    ``n_features`` traits at most (default ``reading.name_traits``); a trait whose gap is below
    ``reading.name_trait_min_ratio`` times the first trait's is left out unless ``force`` (used to
    tell apart two clusters that would get the same name).
    """
    if gaps.empty or not np.isfinite(gaps["écart"]).any() or gaps["écart"].abs().max() == 0:
        return "Profil moyen"
    top = gaps.iloc[:reading.name_traits if n_features is None else n_features]
    first = abs(top["écart"].iloc[0])
    parts = []
    for _, r in top.iterrows():
        # A trait much less marked than the first does not characterise the group.
        if parts and abs(r["écart"]) < first * reading.name_trait_min_ratio and not force:
            break
        parts.append(_trait_phrase(r["identifiant"], str(r["caractéristique"]), r["écart"] > 0, level))
    return _capitalise(", ".join(parts))


def _trait_phrase(fid: str, label: str, up: bool, level: str) -> str:
    """One trait in words: the dimension's phrase, or « plus de / moins de » + the feature."""
    if level == "dimensions" and fid in DIMENSION_PHRASES:
        return DIMENSION_PHRASES[fid][0 if up else 1]
    return _elide("plus de" if up else "moins de", label[:1].lower() + label[1:])


def _feature_gaps(profiles: pd.DataFrame, members: list[str], overall: pd.Series,
                  feature_labels: Mapping[str, str]) -> pd.DataFrame:
    """Cluster mean, overall mean and gap of every feature, largest gap (in absolute value) first."""
    cm = profiles.loc[members].mean(axis=0)
    gaps = pd.DataFrame({
        "identifiant": list(profiles.columns),
        "caractéristique": [feature_labels.get(c, c) for c in profiles.columns],
        "moyenne du groupe": cm.to_numpy(),
        "moyenne générale": overall.to_numpy(),
        "écart": (cm - overall).to_numpy(),
    })
    return gaps.iloc[np.argsort(-np.abs(gaps["écart"].to_numpy()), kind="stable")].reset_index(drop=True)


def _distinct_names(out: list[ClusterDescription], n_feat: int, level: str, reading: TypologyReading) -> None:
    """Clusters that share a name get one more distinctive trait, then a number if still equal."""
    for extra in range(reading.name_traits + 1, n_feat + 1):
        names = [c.name for c in out]
        clash = {n for n in names if names.count(n) > 1}
        if not clash:
            break
        for c in out:
            if c.name in clash:
                c.name = _name_cluster(c.feature_gaps, level, reading, n_features=extra, force=True)
    seen: dict[str, int] = {}
    for c in out:
        if c.name in seen:
            seen[c.name] += 1
            c.name = f"{c.name} ({seen[c.name]})"
        else:
            seen[c.name] = 1


def describe_clusters(profiles: pd.DataFrame, labels: pd.Series, feature_labels: Mapping[str, str],
                      facts: pd.DataFrame | None, level: str,
                      reading: TypologyReading | None = None) -> list[ClusterDescription]:
    """Distinctive features and facts of each cluster, and its proposed French name.

    ``reading`` (``settings.typology.reading``, default: the schema's) sets how many traits name a
    cluster and how marked a trait must be to enter the name.
    """
    reading = reading or TypologyReading()
    overall = profiles.mean(axis=0)
    out = []
    for g in sorted(labels.unique()):
        members = list(labels.index[labels == g])
        gaps = _feature_gaps(profiles, members, overall, feature_labels)
        fact_rows = _fact_summary(facts, members) if facts is not None else []
        out.append(ClusterDescription(int(g), _name_cluster(gaps, level, reading), members, gaps,
                                      pd.DataFrame(fact_rows)))
    _distinct_names(out, profiles.shape[1], level, reading)
    return out
