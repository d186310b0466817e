"""The steps of the analysis chained for one family: matrix → scores → tables and files.

The command line, the notebooks and the report call these functions, so that the same
inputs always go through the same steps.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import InputError
from .matrix import DecisionMatrix
from .safeio import write_text_atomic
from .scoring import ScoreResult, score
from .vocabulary import labelled


def family_matrix(project, family: str) -> DecisionMatrix:
    """Decision matrix of the cases of one family (cousin families are their own matrix)."""
    cases = project.cases_of(family)
    if not cases:
        raise InputError(f"aucun cas dans la famille « {project.families.label(family)} »")
    return DecisionMatrix.from_cases(cases, project.catalogue, family, project.families)


def get_profile(project, profile: str | None):
    pid = profile or (project.report.profile if project.report else None)
    if pid not in project.profiles:
        raise InputError(f"profil inconnu « {pid} » (attendu : {', '.join(sorted(project.profiles))})")
    return project.profiles[pid]


def score_family(project, family: str, profile: str | None = None, method: str | None = None,
                 normalisation: str | None = None) -> ScoreResult:
    """Score the cases of ``family`` with a profile (default: ``report.yml``) and method."""
    return score(family_matrix(project, family), get_profile(project, profile), project.settings,
                 method=method, normalisation=normalisation)


def scores_table(result: ScoreResult, sort: bool = True) -> pd.DataFrame:
    """The scores with their French column labels (dimensions by their catalogue label), for people."""
    m = result.matrix
    return labelled(result.to_dataframe(sort=sort), dict(zip(m.dimension_ids, m.dimension_labels, strict=True)))


def ranking_table(result: ScoreResult) -> pd.DataFrame:
    """The ranking as shown to people: rank, case, score, coverage, status."""
    df = scores_table(result)
    out = pd.DataFrame({
        "Rang": [str(r) if r > 0 else "—" for r in df["rang"]],
        "Cas": df["cas"],
        "Score": df["score"].map(lambda x: "—" if pd.isna(x) else f"{x:.3f}"),
        "Couverture": df["couverture"].map(lambda x: f"{100 * x:.0f} %"),
        "Statut": df["statut"],
    })
    return out.reset_index(drop=True)


def scores_csv(result: ScoreResult) -> str:
    """Scores as CSV text, byte-identical for identical inputs (fixed precision, LF, stable order)."""
    df = scores_table(result, sort=False).sort_index()
    return df.to_csv(float_format="%.10f", lineterminator="\n")


def write_scores(project, params, out_dir: Path) -> list[Path]:
    """Write ``scores_<family>.csv`` for every family of the run."""
    written = []
    for fam in params.families:
        if not project.cases_of(fam):
            continue
        res = score_family(project, fam, params.profile, params.method, params.normalisation)
        written.append(write_text_atomic(Path(out_dir) / f"scores_{fam}.csv", scores_csv(res)))
    return written
