"""The spreadsheet route for cases: export to a workbook, fill it in, import it back.

A workbook has three sheets:

- ``cas``: one row per case (identity: ``id``, ``family``, ``name``, ``short_name``, ``territory``, ``country``,
  ``level``, ``baseline``, ``edition``, ``url``, ``summary``, ``currency``);
- ``faits``: one row per sourced value, in long form (``case_id``, ``field`` as a dotted path such
  as ``design.envelope`` or ``scores.decision_power``, ``alternative``, ``value``, ``year``,
  ``source``, ``confidence``, ``note``). The value retained for a field has an empty
  ``alternative`` cell; the values of other sources are extra rows with the same ``case_id`` and
  ``field`` and ``alternative`` = 1, 2, …;
- ``lisez-moi``: the columns and vocabularies explained in French (ignored on import).

:func:`import_workbook` checks every cell and the cases it describes with the same rules as
``benchmark-tools validate``; it writes the case files only when there is no error at all, and
all or nothing even if the process is killed: every file first to a hidden temporary, then a
journal of the renames (the commit point), then the renames; the next command finishes a
committed batch or removes the temporaries of one that was not (:mod:`benchmark_tools.safeio`). Each
problem names the workbook, the sheet, the cell, the case and the dotted field
(``cas.xlsx: x: faits!D12 (design.envelope.value): un nombre est attendu (…)``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pydantic

from .errors import InputError, Problem, ValidationFailed
from .modelio import drop_set_aside, pydantic_problems, salvage
from .safeio import write_all_or_nothing
from .schema import Case
from .validate import check_case
from .vocabulary import IDENTITY_FACTS
from .workbook_layout import (
    CASE_COLUMNS,
    CASE_KEY_ORDER,
    FACT_COLUMNS,
    SHEET_CASES,
    SHEET_FACTS,
    SHEET_README,
    canonical_case,
    case_yaml,
    fact_paths,
)
from .workbook_read import read_workbook
from .workbook_write import build_workbook, case_rows, export_workbook
from .yamlio import YamlDocument, read_yaml

# --------------------------------------------------------------------------- import: checking and writing


def _fact_of(dotted: str | None) -> str | None:
    if not dotted:
        return None
    tokens = re.findall(r"[^.\[\]]+", dotted)
    if tokens[0] in IDENTITY_FACTS:
        return tokens[0]
    if tokens[0] in ("design", "outcomes", "scores") and len(tokens) > 1:
        return ".".join(tokens[:2])
    return None


def _case_problems(project, data: dict, display: str, target: Path) -> list[Problem]:
    """Every problem of one case's data: the schema's, then the rules' on what the schema accepts.

    A refused cell or key does not hide the other problems of the row: the rules still run on the
    rest (:func:`benchmark_tools.modelio.salvage`).
    """
    cid = data.get("id")
    try:
        case, found, aside = Case.model_validate(data), [], ()
    except pydantic.ValidationError as exc:
        found = pydantic_problems(exc, Case, YamlDocument(display, data, {}), cid)
        case, aside = salvage(Case, data, exc, id_hint=cid if isinstance(cid, str) else None)
    if case is not None:
        found += drop_set_aside(check_case(case, None, display, target, catalogue=project.catalogue,
                                           families=project.families, settings=project.settings), aside)
    return found


def check_workbook(project, path) -> tuple[list[tuple[Path, dict]], list[Problem]]:
    """Read and check a workbook; return the (target file, case data) pairs and every problem."""
    path = Path(path)
    display = str(path)
    parsed, P = read_workbook(project, path, display)
    out: list[tuple[Path, dict]] = []
    for pc in parsed:
        data = canonical_case(pc.data, project.catalogue)
        cid = data.get("id")
        fam = data.get("family")
        target = project.root / "data" / "cases" / str(fam) / f"{cid}.yml"
        found = _case_problems(project, data, display, target)
        for p in found:
            fact = _fact_of(p.field)
            if fact is not None and fact in pc.bad_facts:
                continue  # the refused cell is already reported
            if pc.bad_top and p.message == "champ obligatoire manquant":
                continue
            ref = pc.loc.ref(p.field)
            P.append(Problem(display, p.message, case_id=p.case_id, field=f"{ref} ({p.field})" if p.field else ref,
                             expected=p.expected, found=p.found, severity=p.severity))
        existing = project.case_files.get(cid)
        if existing is not None and fam in (project.families.ids if project.families else []) \
                and existing.resolve() != target.resolve():
            P.append(Problem(display, "ce cas existe déjà dans une autre famille : pour changer de famille, "
                             "déplacez le fichier à la main puis réimportez", case_id=cid,
                             field=f"{pc.loc.cols['family']} (family)",
                             expected=f"family: {existing.parent.name}", found=f"family: {fam}"))
        out.append((target, data))
    return out, P


def import_workbook(project, path, dry_run: bool = False) -> list[Path]:
    """Check a filled workbook and write (or update) the case files it describes.

    Parameters
    ----------
    project : Project
        The loaded project (:func:`benchmark_tools.project.load_project`).
    path : Path
        The workbook (sheets ``cas`` and ``faits``).
    dry_run : bool
        Check only; return the files that would be written.

    Returns
    -------
    list of Path
        Files written (or that would be written); a case whose file already holds the same data
        is not rewritten (so its comments and layout stay).

    Raises
    ------
    ValidationFailed
        With every problem found (workbook, sheet, cell, case, field); nothing is written.
    """
    todo, problems = check_workbook(project, path)
    if any(p.severity == "error" for p in problems):
        raise ValidationFailed(problems)
    writes: list[tuple[Path, str]] = []
    for target, data in todo:
        if target.exists():
            doc, _ = read_yaml(target, str(target))
            if doc is not None and isinstance(doc.data, dict) and \
                    canonical_case(doc.data, project.catalogue) == data:
                continue
        writes.append((target, case_yaml(data, project.catalogue)))
    if dry_run or not writes:
        return [t for t, _ in writes]
    _write_all(writes, project.root / "data" / "cases")
    return [t for t, _ in writes]


def _write_all(writes: list[tuple[Path, str]], folder: Path) -> None:
    """All-or-nothing across files, even if the process is killed (journal in ``data/cases``)."""

    try:
        write_all_or_nothing(folder, writes)
    except OSError as exc:
        raise InputError(f"écriture impossible de « {exc.filename or folder} » ({exc.strerror or exc}) : "
                         "aucun fichier de cas n'a été modifié") from None


# The workbook commands and the names callers use are importable from here.
__all__ = ["export_workbook", "import_workbook", "check_workbook", "build_workbook", "canonical_case",
           "case_yaml", "fact_paths", "case_rows", "SHEET_CASES", "SHEET_FACTS", "SHEET_README",
           "CASE_COLUMNS", "FACT_COLUMNS", "CASE_KEY_ORDER"]
