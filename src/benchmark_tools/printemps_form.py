"""Printemps citoyen: the proposal form as a workbook, and its import (all or nothing).

:func:`export_form` writes a workbook with one row per proposal (existing ones pre-filled) and a sheet
of allowed values (formats, holder types, communes with their INSEE code). :func:`import_form` reads it
back: every row is checked with the same rules as the YAML files — including the refusal of e-mail
addresses and phone numbers — and every problem is reported with its sheet, row and column
(``propositions!C5``). Only when no row has an error are the proposal files written, first into a
staging folder, then moved into ``propositions/``; a single error writes nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import yaml
from pydantic import ValidationError

from .errors import Problem, ValidationFailed
from .modelio import rel
from .printemps_model import (
    HOLDER_TYPES,
    Edition,
    Proposal,
    _check_proposal,
    personal_data_problems,
)

SHEET = "propositions"
COLUMNS = ["id", "title", "description", "holder_type", "holder", "communes", "format", "audience",
           "accessibility", "free", "date", "window_start", "window_end", "start_time", "duration_hours",
           "place_id", "place_name", "place_address", "place_capacity", "themes"]
HEADERS_FR = {"id": "identifiant", "title": "titre", "description": "description", "holder_type": "type de porteur",
              "holder": "identifiant du porteur", "communes": "communes (codes INSEE, virgules)", "format": "format",
              "audience": "public", "accessibility": "accessibilité", "free": "gratuit (oui/non)",
              "date": "date fixe (AAAA-MM-JJ)", "window_start": "fenêtre : début", "window_end": "fenêtre : fin",
              "start_time": "heure de début (HH:MM)", "duration_hours": "durée (heures)", "place_id": "identifiant du lieu",
              "place_name": "lieu", "place_address": "adresse", "place_capacity": "capacité", "themes": "thèmes (virgules)"}


def _letter(j: int) -> str:
    return chr(ord("A") + j)


def export_form(edition: Edition, path: Path) -> Path:
    """Write the proposal workbook (existing proposals pre-filled) and return its path."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([HEADERS_FR[c] for c in COLUMNS])
    ws.append(COLUMNS)  # row 2: the keys, read back by the import (row 1 is for people)
    for p in edition.proposals:
        ws.append([
            p.id, p.title, p.description, p.holder_type, p.holder, ", ".join(p.communes), p.format, p.audience,
            p.accessibility, "oui" if p.free else "non", p.date.isoformat() if p.date else None,
            p.window.start.isoformat() if p.window else None, p.window.end.isoformat() if p.window else None,
            p.start_time, p.duration_hours, p.place.id, p.place.name, p.place.address, p.place.capacity,
            ", ".join(p.themes)])
    lists = wb.create_sheet("listes")
    lists.append(["formats", "types de porteur", "code INSEE", "commune", "thèmes"])
    fmts = edition.settings.format_ids()
    communes = edition.communes.communes if edition.communes else []
    for i in range(max(len(fmts), len(HOLDER_TYPES), len(communes), len(edition.settings.themes))):
        lists.append([fmts[i] if i < len(fmts) else None, HOLDER_TYPES[i] if i < len(HOLDER_TYPES) else None,
                      communes[i].insee if i < len(communes) else None, communes[i].name if i < len(communes) else None,
                      edition.settings.themes[i] if i < len(edition.settings.themes) else None])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _cell_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    text = str(v).strip()
    return text or None


def _row_to_dict(row: dict) -> tuple[dict, list[tuple[str, str, str]]]:
    """A proposal mapping from one row of text cells; problems as (column, message, found)."""
    bad = []
    free = (row.get("free") or "").lower()
    if free not in ("oui", "non"):
        bad.append(("free", "répondre « oui » ou « non »", row.get("free") or "(vide)"))
    out = {k: row.get(k) for k in ("id", "title", "description", "holder_type", "holder", "format", "audience",
                                    "accessibility", "date", "start_time")}
    out["free"] = free == "oui"
    out["communes"] = [c.strip() for c in (row.get("communes") or "").split(",") if c.strip()]
    out["themes"] = [t.strip() for t in (row.get("themes") or "").split(",") if t.strip()]
    if row.get("window_start") or row.get("window_end"):
        out["window"] = {"start": row.get("window_start"), "end": row.get("window_end")}
    capacity = None
    for key in ("duration_hours", "place_capacity"):
        raw = row.get(key)
        if raw is None:
            continue
        try:
            num = float(raw.replace(",", "."))
        except ValueError:
            bad.append((key, "un nombre est attendu", raw))
            continue
        if key == "duration_hours":
            out[key] = num
        else:
            capacity = int(num) if num.is_integer() else num
    place = {"id": row.get("place_id"), "name": row.get("place_name"), "address": row.get("place_address"),
             "capacity": capacity}
    out["place"] = {k: v for k, v in place.items() if v is not None}
    return {k: v for k, v in out.items() if v is not None}, bad


def _column_of(loc: tuple, message: str = "") -> str:
    if not loc:  # a rule on the whole row: the date/window rule is the only one
        return "date" if "date" in message else "id"
    head = str(loc[0])
    if head == "window" and len(loc) > 1:
        return f"window_{loc[1]}"
    if head == "place" and len(loc) > 1:
        return f"place_{loc[1]}"
    return head if head in COLUMNS else "id"


def read_form(edition: Edition, path: Path) -> tuple[list[Proposal], list[Problem]]:
    """Read and check every row; return the proposals and every problem (sheet!cell located)."""
    import openpyxl

    path = Path(path)
    file = rel(path, edition.root) if path.is_relative_to(edition.root) else str(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise ValidationFailed([Problem(file, "classeur illisible", expected="un fichier .xlsx exporté par "
                                        "« printemps export-form »", found=type(exc).__name__)]) from None
    if SHEET not in wb.sheetnames:
        raise ValidationFailed([Problem(file, f"feuille « {SHEET} » absente", expected=SHEET,
                                        found=", ".join(wb.sheetnames))])
    rows = list(wb[SHEET].iter_rows(values_only=True))
    keys = [str(k).strip() if k else "" for k in (rows[1] if len(rows) > 1 else [])]
    missing = [c for c in COLUMNS if c not in keys]
    if missing:
        raise ValidationFailed([Problem(file, "colonnes manquantes en ligne 2", field=f"{SHEET}!2",
                                        expected=", ".join(COLUMNS), found=", ".join(missing))])
    col = {k: j for j, k in enumerate(keys)}
    problems: list[Problem] = []
    proposals: list[Proposal] = []
    seen: dict[str, int] = {}
    for i, values in enumerate(rows[2:], start=3):
        row = {k: _cell_text(values[col[k]]) if col[k] < len(values) else None for k in COLUMNS}
        if not any(row.values()):
            continue

        def where(column, row_number=i):
            return f"{SHEET}!{_letter(col[column])}{row_number}"

        data, bad = _row_to_dict(row)
        pid = row.get("id")
        for column, msg, found in bad:
            problems.append(Problem(file, msg, case_id=pid, field=where(column), found=found))
        for p in personal_data_problems(data, file, pid):
            column = p.field.split(".")[0].split("[")[0]
            problems.append(Problem(file, p.message, case_id=pid, field=where(_column_of((column,))),
                                    expected=p.expected, found=p.found))
        try:
            prop = Proposal.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(file, err["msg"], case_id=pid, field=where(_column_of(err["loc"], err["msg"])),
                                        found=str(err.get("input"))[:60] if err.get("input") is not None else "(vide)"))
            continue
        if prop.id in seen:
            problems.append(Problem(file, "identifiant déjà utilisé", case_id=prop.id, field=where("id"),
                                    expected="un identifiant unique", found=f"ligne {seen[prop.id]}"))
            continue
        seen[prop.id] = i
        for p in _check_proposal(prop, edition.settings, edition.communes, f"propositions/{prop.id}.yml"):
            column = p.field.split(".")[0].split("[")[0] if p.field else "id"
            if column == "id" and p.message.startswith("le nom du fichier"):
                continue
            problems.append(Problem(file, p.message, case_id=prop.id, field=where(_column_of((column,))),
                                    expected=p.expected, found=p.found))
        proposals.append(prop)
    return proposals, problems


def import_form(edition: Edition, path: Path) -> list[Path]:
    """Import the workbook: all proposal files written, or none (raises :class:`ValidationFailed`)."""
    proposals, problems = read_form(edition, path)
    if problems:
        raise ValidationFailed(problems)
    target = edition.folder / "propositions"
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=edition.folder))
    try:
        for p in proposals:
            data = p.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
            (staging / f"{p.id}.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                                 encoding="utf-8")
        written = []
        # Every file is complete in the staging folder before the first one is moved.
        for f in sorted(staging.iterdir()):
            f.replace(target / f.name)
            written.append(target / f.name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
