"""Writing a workbook: the case rows, the « cas » and « faits » sheets, drop-down lists and the export command."""

from __future__ import annotations

import io
from pathlib import Path

from .errors import InputError, ValidationFailed
from .modelio import rel
from .safeio import write_bytes_atomic
from .vocabulary import CONFIDENCES, IDENTITY_FACTS, LEVELS, OUTCOME_FIELDS
from .workbook_cells import set_cell
from .workbook_layout import (
    CASE_COLUMNS,
    DESIGN_ORDER,
    FACT_COLUMNS,
    SHEET_CASES,
    SHEET_FACTS,
    SHEET_README,
)
from .workbook_readme import readme_sheet
from .yamlio import read_yaml

# openpyxl is imported inside the functions that write a workbook (see workbook_cells).

_COLUMN_WIDTHS = {
    SHEET_CASES: {"id": 34, "family": 26, "name": 48, "short_name": 20, "territory": 24, "country": 9, "level": 13,
                  "baseline": 10, "edition": 28, "url": 50, "summary": 90, "currency": 10},
    SHEET_FACTS: {"case_id": 34, "field": 34, "alternative": 12, "value": 28, "year": 12, "source": 60,
                  "confidence": 14, "note": 90},
}


def _styles():
    from openpyxl.styles import Alignment, Font, PatternFill

    return (Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79"),
            Alignment(vertical="center", wrap_text=False))


def _letter(columns, name: str) -> str:
    """Column letter of ``name`` in a sheet laid out as ``columns``."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(columns.index(name) + 1)


def _header(ws, columns, widths):
    from openpyxl.utils import get_column_letter

    font, fill, align = _styles()
    for j, name in enumerate(columns, start=1):
        c = ws.cell(row=1, column=j, value=name)
        c.font, c.fill, c.alignment = font, fill, align
        ws.column_dimensions[get_column_letter(j)].width = widths.get(name, 16)
    ws.row_dimensions[1].height = 20


def _fact_rows(case_id: str, path: str, rec) -> list[list]:
    rows = []
    if not isinstance(rec, dict):
        return rows
    for i, r in enumerate([rec] + list(rec.get("alternatives") or [])):
        rows.append([case_id, path, i or None, r.get("value"), r.get("year"), r.get("source"),
                     r.get("confidence"), r.get("note")])
    return rows


def case_rows(data: dict) -> tuple[list, list[list]]:
    """The row of the ``cas`` sheet and the rows of the ``faits`` sheet for one case's data."""
    design = data.get("design") or {}
    crow = [data.get(k) for k in CASE_COLUMNS[:-1]] + [design.get("currency")]
    frows: list[list] = []
    cid = data.get("id")
    for name in IDENTITY_FACTS:
        if data.get(name) is not None:
            frows += _fact_rows(cid, name, data[name])
    for n in DESIGN_ORDER:
        if n != "currency" and design.get(n) is not None:
            frows += _fact_rows(cid, f"design.{n}", design[n])
    outcomes = data.get("outcomes") or {}
    for n in OUTCOME_FIELDS:
        if outcomes.get(n) is not None:
            frows += _fact_rows(cid, f"outcomes.{n}", outcomes[n])
    for n, rec in (data.get("scores") or {}).items():
        frows += _fact_rows(cid, f"scores.{n}", rec)
    return crow, frows


def _fill(ws, r: int, row: list, where) -> None:
    """Write ``row`` at row ``r`` of ``ws``; ``where(j, exc)`` names the case and field of a refused value."""
    for j, v in enumerate(row, start=1):
        try:
            set_cell(ws.cell(row=r, column=j), v)
        except ValueError as exc:
            raise InputError(where(j, exc)) from None


def _fill_sheets(ws_c, ws_f, cases: list[dict]) -> tuple[int, int]:
    """Write every case's row and fact rows; return the last row written in each sheet."""
    # Rows are counted here: ``Worksheet.max_row`` scans every cell at each call, which made the
    # export quadratic in the number of cases (189 s for 800 cases).
    r_c = r_f = 1
    for data in cases:
        crow, frows = case_rows(data)
        r_c += 1
        _fill(ws_c, r_c, crow,
              lambda j, exc, d=data: f"cas « {d.get('id')} », champ « {CASE_COLUMNS[j - 1]} » : {exc}")
        for row in frows:
            r_f += 1
            _fill(ws_f, r_f, row,
                  lambda j, exc, rw=row: f"cas « {rw[0]} », champ « {rw[1]}.{FACT_COLUMNS[j - 1]} » : {exc}")
    return r_c, r_f


def _drop_down_lists(ws_c, ws_f, families) -> None:
    """Drop-down lists for the closed vocabularies (Excel and LibreOffice show them; typing stays free)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = [(ws_c, _letter(CASE_COLUMNS, "family"), tuple(families.ids) if families is not None else None),
             (ws_c, _letter(CASE_COLUMNS, "level"), LEVELS),
             (ws_f, _letter(FACT_COLUMNS, "confidence"), CONFIDENCES)]
    for ws, col, words in lists:
        if not words:
            continue
        formula = '"' + ",".join(words) + '"'
        if len(formula) > 255:  # Excel's limit for a list written in the rule itself
            continue
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}5000")


def build_workbook(cases: list[dict], catalogue=None, families=None):
    """An openpyxl workbook holding ``cases`` (case data as read from the YAML files)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws_c = wb.active
    ws_c.title = SHEET_CASES
    ws_f = wb.create_sheet(SHEET_FACTS)
    _header(ws_c, CASE_COLUMNS, _COLUMN_WIDTHS[SHEET_CASES])
    _header(ws_f, FACT_COLUMNS, _COLUMN_WIDTHS[SHEET_FACTS])
    r_c, r_f = _fill_sheets(ws_c, ws_f, cases)
    ws_c.freeze_panes = "B2"
    ws_f.freeze_panes = "C2"
    ws_c.auto_filter.ref = f"A1:{_letter(CASE_COLUMNS, 'currency')}{max(r_c, 2)}"
    ws_f.auto_filter.ref = f"A1:{_letter(FACT_COLUMNS, 'note')}{max(r_f, 2)}"
    _drop_down_lists(ws_c, ws_f, families)
    readme_sheet(wb.create_sheet(SHEET_README), catalogue, families)
    return wb


def export_workbook(project, path, *, case_ids: list[str] | None = None) -> Path:
    """Write the project's cases (all, or ``case_ids``; ``[]`` for a blank template) to ``path``.

    The case data are read from the files as written (not re-serialised from the models), so an
    export followed by an import gives back the same data.

    Raises
    ------
    ValidationFailed
        When a case file cannot be read.
    InputError
        When the workbook cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"le classeur doit avoir l'extension .xlsx (attendu : cas.xlsx, trouvé : {path.name})")
    if path.is_dir():
        raise InputError(f"{path} est un dossier : donnez le nom du classeur à écrire (par exemple {path / 'cas.xlsx'})")
    ids = [c.id for c in project.cases] if case_ids is None else list(case_ids)
    datas, problems = [], []
    for cid in ids:
        f = project.case_files.get(cid)
        if f is None:
            raise InputError(f"cas inconnu « {cid} »")
        doc, pr = read_yaml(f, rel(f, project.root))
        problems += [p for p in pr if p.severity == "error"]
        if doc is not None:
            datas.append(doc.data)
    if problems:
        raise ValidationFailed(problems)
    wb = build_workbook(datas, project.catalogue, project.families)
    buf = io.BytesIO()
    wb.save(buf)
    try:
        write_bytes_atomic(path, buf.getvalue())
    except OSError as exc:
        raise InputError(f"impossible d'écrire le classeur {path} : {exc.strerror or exc}") from None
    return path
