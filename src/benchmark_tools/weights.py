"""Weights from a ranking of dimensions (or criteria), and new weighting profiles.

An elected official or a manager finds it easier to *rank* the seven dimensions than to
give them percentages. Two classical "surrogate weight" rules turn such a ranking into
weights summing to 1:

- **rank order centroid** (ROC, Barron & Barrett 1996): the centroid of the set of weight
  vectors compatible with the ranking; it gives much weight to the first items;
- **rank sum** (RS, Stillwell, Seaver & Edwards 1981): weights proportional to
  ``n + 1 - position``; flatter than ROC.

Ties are allowed: tied items occupy consecutive positions and share equally the sum of
the weights of those positions (the average of their weights), so that the total stays 1
and the order of tied items does not matter.

References
----------
Barron, F. H., & Barrett, B. E. (1996). Decision quality using ranked attribute weights.
*Management Science*, 42(11), 1515–1523.
Stillwell, W. G., Seaver, D. A., & Edwards, W. (1981). A comparison of weight
approximation techniques in multiattribute utility decision making. *Organizational
Behavior and Human Performance*, 28(1), 62–77.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .yamlio import dump_yaml

RULES = ("roc", "rank_sum")


def _positional_weights(n: int, rule: str) -> np.ndarray:
    """Weights of positions 1..n (no ties) for a rule; sums to 1."""
    k = np.arange(1, n + 1, dtype=float)
    if rule == "roc":
        # w_k = (1/n) * sum_{j=k}^{n} 1/j : reversed cumulative sum of 1/j.
        inv = 1.0 / k
        return np.cumsum(inv[::-1])[::-1] / n
    if rule == "rank_sum":
        # w_k = 2 (n + 1 - k) / (n (n + 1))
        return 2.0 * (n + 1 - k) / (n * (n + 1))
    raise ValueError(f"Règle de pondération inconnue : {rule!r} (attendu : {', '.join(RULES)}).")


def _weights_from_ranks(ranks: Sequence[float] | np.ndarray, rule: str) -> np.ndarray:
    """Weights for items given their ranks (1 = most important), ties averaged."""
    r = np.asarray(ranks, dtype=float)
    if r.ndim != 1 or r.size == 0:
        raise ValueError("Le classement doit être une liste non vide de rangs.")
    if not np.all(np.isfinite(r)) or np.any(r < 1):
        raise ValueError("Les rangs doivent être des nombres finis supérieurs ou égaux à 1.")
    n = r.size
    pos_w = _positional_weights(n, rule)
    # Positions are given by sorting the ranks, so competition ranks (1, 1, 3) and dense
    # ranks (1, 1, 2) describe the same ranking.
    order = np.argsort(r, kind="stable")
    sorted_r = r[order]
    w_sorted = np.empty(n)
    start = 0
    while start < n:
        stop = start
        while stop + 1 < n and sorted_r[stop + 1] == sorted_r[start]:
            stop += 1
        w_sorted[start : stop + 1] = pos_w[start : stop + 1].mean()
        start = stop + 1
    weights = np.empty(n)
    weights[order] = w_sorted
    return weights


def rank_order_centroid(ranks: Sequence[float] | np.ndarray) -> np.ndarray:
    """Rank order centroid weights (Barron & Barrett 1996).

    For ``n`` items without ties, the item in position ``k`` (1 = most important) gets
    ``w_k = (1/n) * sum_{j=k}^{n} 1/j``; e.g. for three items ``w_1 = (1 + 1/2 + 1/3)/3``.

    Parameters
    ----------
    ranks : sequence of numbers
        Rank of each item, 1 = most important. Equal ranks are ties: tied items share
        the average of the weights of the positions they occupy.

    Returns
    -------
    ndarray
        One weight per item, in the input order, non-negative, summing to 1.
    """
    return _weights_from_ranks(ranks, "roc")


def rank_sum(ranks: Sequence[float] | np.ndarray) -> np.ndarray:
    """Rank-sum weights (Stillwell, Seaver & Edwards 1981).

    For ``n`` items without ties, the item in position ``k`` gets
    ``w_k = 2 (n + 1 - k) / (n (n + 1))``.

    Parameters
    ----------
    ranks : sequence of numbers
        Rank of each item, 1 = most important; ties as in :func:`rank_order_centroid`.

    Returns
    -------
    ndarray
        One weight per item, in the input order, summing to 1.
    """
    return _weights_from_ranks(ranks, "rank_sum")


def weights_from_ranking(ranking: Mapping[str, int], rule: str = "roc") -> dict[str, float]:
    """Weights of named items from their ranks.

    Parameters
    ----------
    ranking : mapping str -> int
        Item id (e.g. a dimension id) -> rank, 1 = most important; ties allowed.
    rule : {"roc", "rank_sum"}
        Surrogate-weight rule.

    Returns
    -------
    dict str -> float
        Weights summing to 1, in the order of ``ranking``.
    """
    if rule not in RULES:
        raise ValueError(f"Règle de pondération inconnue : {rule!r} (attendu : {', '.join(RULES)}).")
    if not ranking:
        raise ValueError("Le classement est vide.")
    keys = list(ranking)
    w = _weights_from_ranks([ranking[k] for k in keys], rule)
    return {k: float(v) for k, v in zip(keys, w, strict=True)}


_RULE_LABELS = {
    "roc": "centroïde des rangs (rank order centroid, Barron & Barrett 1996)",
    "rank_sum": "somme des rangs (rank sum, Stillwell, Seaver & Edwards 1981)",
}


def profile_from_ranking(
    profile_id: str,
    label: str,
    ranking: Mapping[str, int],
    rule: str = "roc",
    viewpoint: str = "",
    rationale: str = "",
    *,
    label_en: str | None = None,
    dimension_ids: Sequence[str] | None = None,
    decimals: int = 4,
) -> dict[str, Any]:
    """Content of a new weighting profile built from a ranking of the dimensions.

    Parameters
    ----------
    profile_id : str
        Identifier (snake_case), also the file name ``benchmark/profiles/<id>.yml``.
    label : str
        French label.
    ranking : mapping str -> int
        Dimension id -> rank (1 = most important; ties allowed).
    rule : {"roc", "rank_sum"}
        Surrogate-weight rule.
    viewpoint, rationale : str
        Who holds this view, and why this ranking (French). The ranking and the rule are
        appended to the rationale so the profile documents how its weights were made.
    label_en : str, optional
        English label; defaults to ``label``.
    dimension_ids : sequence of str, optional
        All dimension ids of the catalogue: when given, every dimension must be ranked
        and no unknown id is accepted.
    decimals : int
        Rounding of the weights written to YAML (the tool renormalises them anyway).

    Returns
    -------
    dict
        Mapping ready for :func:`write_profile` (format of ``benchmark/README.md``).
    """
    if dimension_ids is not None:
        unknown = sorted(set(ranking) - set(dimension_ids))
        missing = [d for d in dimension_ids if d not in ranking]
        if unknown:
            raise ValueError(f"Dimensions inconnues dans le classement : {', '.join(unknown)}.")
        if missing:
            raise ValueError(f"Dimensions non classées : {', '.join(missing)}.")
        ranking = {d: ranking[d] for d in dimension_ids}
    weights = weights_from_ranking(ranking, rule)
    ordered = ", ".join(f"{k} ({ranking[k]})" for k in sorted(ranking, key=lambda k: ranking[k]))
    note = f"Poids calculés par la règle de la {_RULE_LABELS[rule]} à partir du classement : {ordered}."
    full_rationale = f"{rationale.strip()} {note}".strip()
    return {
        "id": profile_id,
        "label_fr": label,
        "label_en": label_en if label_en is not None else label,
        "viewpoint": viewpoint.strip(),
        "rationale": full_rationale,
        "dimension_weights": {k: round(v, decimals) for k, v in weights.items()},
        # Keeps how the weights were obtained, so the profile can be re-derived or audited.
        "elicitation": {"rule": rule, "ranking": {k: int(ranking[k]) for k in ranking}},
    }


def write_profile(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Write a profile to YAML, refusing to overwrite an existing file.

    Parameters
    ----------
    path : str or Path
        Target file, e.g. ``benchmark/profiles/mon_profil.yml``.
    data : mapping
        Profile content, e.g. from :func:`profile_from_ranking`.

    Returns
    -------
    Path
        The written path.

    Raises
    ------
    FileExistsError
        If the file already exists (profiles are edited by hand, never overwritten).
    """
    p = Path(path)
    if p.exists():
        raise FileExistsError(f"Le profil {p} existe déjà : choisissez un autre identifiant ou supprimez-le à la main.")
    p.parent.mkdir(parents=True, exist_ok=True)
    text = dump_yaml(dict(data))
    # "x" mode: a concurrent writer cannot be silently overwritten between the check and the write.
    with p.open("x", encoding="utf-8") as fh:
        fh.write(text)
    return p
