"""Profiles of the typology: each case's (or design's) normalised values, facts and names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .cases import derived_fact, short_names
from .errors import InputError
from .matrix import DecisionMatrix
from .pipeline import get_profile
from .scoring import score

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


LEVELS = ("dimensions", "criteria")


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
    fams = _checked_families(project, families)
    prof = get_profile(project, profile)
    normalisation = normalisation or (project.report.normalisation if project.report
                                      else settings.scoring.default_normalisation)
    design_ids = _checked_designs(project, designs, fams)
    feat_ids, feat_labels, na = _features(project, level, fams)
    rows: dict[str, list] = {k: [] for k in ("row", "id", "family", "name", "baseline", "facts", "design")}
    for fam in fams:
        _add_family_rows(rows, project, fam, design_ids, prof, normalisation, level)
    if not rows["id"]:
        raise InputError("Aucun cas dans les familles demandées : " + ", ".join(fams) + ".")
    ids = rows["id"]
    values = pd.DataFrame(np.array(rows["row"]), index=pd.Index(ids, name="cas"), columns=feat_ids)
    values = values[[f for f in feat_ids if f not in na]]
    short = _short_labels(project, fams, ids, rows["name"], rows["design"])
    return Profiles(
        values=values,
        family=pd.Series(rows["family"], index=values.index, name="famille"),
        names=pd.Series(rows["name"], index=values.index, name="nom"),
        short=pd.Series(short, index=values.index, name="nom court"),
        baseline=pd.Series(rows["baseline"], index=values.index, name="Rennes"),
        feature_labels=feat_labels,
        level=level,
        facts=pd.DataFrame(rows["facts"], index=values.index),
        not_applicable=sorted(na, key=feat_ids.index),
        is_design=pd.Series(rows["design"], index=values.index, name="candidat"),
    )


def _checked_families(project, families: Sequence[str] | None) -> list[str]:
    """The families of the typology (default: the report's), all known."""
    fams = list(families or (project.report.families if project.report else project.families.main))
    unknown = [f for f in fams if f not in project.families.ids]
    if unknown:
        raise InputError(f"Familles inconnues : {', '.join(unknown)} (attendu parmi : "
                         f"{', '.join(project.families.ids)}).")
    return fams


def _checked_designs(project, designs: Sequence[str] | str | None, fams: list[str]) -> list[str]:
    """The candidate designs to place: known, and of one of the typology's families."""
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
    return design_ids


def _features(project, level: str, fams: list[str]) -> tuple[list[str], dict[str, str], set[str]]:
    """Feature ids, their French labels, and the criteria not applicable to one of the families."""
    cat = project.catalogue
    if level == "dimensions":
        return list(cat.dimension_ids), {d.id: d.label_fr for d in cat.dimensions}, set()
    na = {c.id for c in cat.criteria
          if any(c.status_for(f, project.families) == "not_applicable" for f in fams)}
    return list(cat.criterion_ids), {c.id: c.label_fr for c in cat.criteria}, na


def _add_family_rows(rows: dict[str, list], project, fam: str, design_ids: list[str], prof,
                     normalisation: str, level: str) -> None:
    """Append the profiles of one family's cases, then of its designs, to ``rows``."""
    cat, settings = project.catalogue, project.settings
    cases = project.cases_of(fam)
    fam_designs = [project.designs[d] for d in design_ids if project.designs[d].family == fam]
    if not cases and not fam_designs:
        return
    if not cases:
        raise InputError(f"Famille « {project.families.label(fam)} » : aucun cas auquel comparer "
                         f"les dispositifs candidats.")
    members = list(cases) + fam_designs
    matrix = DecisionMatrix.from_cases(list(cases), cat, fam, project.families)
    res = score(matrix, prof, settings, normalisation=normalisation)
    block = np.array(res.dimension_scores if level == "dimensions" else res.normalised, dtype=float)
    if fam_designs:
        # Designs are scored with the cases (same scales) but their rows only are kept.
        mat_d = DecisionMatrix.from_cases(members, cat, fam, project.families)
        res_d = score(mat_d, prof, settings, normalisation=normalisation)
        block_d = res_d.dimension_scores if level == "dimensions" else res_d.normalised
        block = np.vstack([block, np.array(block_d, dtype=float)[len(cases):]])
    for obj, row in zip(members, block, strict=True):
        rows["row"].append(row)
        rows["id"].append(obj.id)
        rows["family"].append(fam)
        rows["name"].append(obj.name)
        rows["baseline"].append(bool(obj.baseline))
        rows["facts"].append(_case_facts(obj))
        rows["design"].append(obj.id in design_ids)


def _short_labels(project, fams: list[str], ids: list[str], names: list[str], is_design: list[bool]) -> list[str]:
    """Short names: the cases' (told apart within the families), the designs' without their parenthesis."""
    flabels = {f: project.families.label(f) for f in fams}
    case_pos = [i for i, d in enumerate(is_design) if not d]
    by_id = {c.id: c for c in project.cases}
    names_of = short_names([by_id[ids[i]] for i in case_pos], flabels)
    short = [design_short_name(n) for n in names]
    for i in case_pos:
        short[i] = names_of[ids[i]]
    return short
