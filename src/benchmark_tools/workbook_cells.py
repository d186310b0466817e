"""Cell values both ways: a value written into a workbook cell, a typed value read from one (problems in French)."""

from __future__ import annotations

import datetime as _dt
import difflib
import re

from .errors import Problem, short

# openpyxl is imported inside the functions that touch a workbook: every command of the CLI imports
# this module, and only the workbook commands need openpyxl (≈ 0.13 s to import).

_NUMERIC_KINDS = ("number", "integer", "percent", "population", "age", "year", "level")
_TRUE = {"true", "vrai", "oui", "yes"}
_FALSE = {"false", "faux", "non", "no"}

#: Longest text an Excel cell holds.
MAX_CELL_CHARS = 32_767


def set_cell(cell, value):
    """Write a value; text is always text (a note starting with « = » must not become a formula)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, list):
        value = ", ".join(str(x) for x in value)
    if isinstance(value, str):
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise ValueError("le texte contient un caractère de contrôle qu'un classeur ne peut pas contenir")
        if len(value) > MAX_CELL_CHARS:
            raise ValueError(f"texte trop long pour une cellule de classeur ({len(value)} caractères, "
                             f"au plus {MAX_CELL_CHARS})")
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


SKIP = object()  # a cell whose content was refused (the problem is already reported)


class CellReader:
    """Reads the cells of one workbook, collecting problems in French."""

    def __init__(self, display: str):
        self.display = display
        self.problems: list[Problem] = []

    def add(self, message, ref, case_id=None, dotted=None, **kw):
        where = ref + (f" ({dotted})" if dotted else "")
        self.problems.append(Problem(self.display, message, case_id=case_id or None, field=where, **kw))

    def header(self, ws, expected, required) -> dict[str, int] | None:
        from openpyxl.utils import get_column_letter

        cols: dict[str, int] = {}
        for cell in ws[1]:
            v = cell.value
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            name = str(v).strip().lower()
            ref = f"{ws.title}!{cell.coordinate}"
            if name not in expected:
                hint = difflib.get_close_matches(name, expected, n=1)
                self.add("colonne inconnue" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""), ref,
                         expected="une des colonnes : " + ", ".join(expected), found=short(str(v)))
            elif name in cols:
                self.add("colonne en double", ref, expected="une seule colonne « " + name + " »",
                         found=f"colonnes {get_column_letter(cols[name])} et {cell.column_letter}")
            else:
                cols[name] = cell.column
        missing = [c for c in required if c not in cols]
        for c in missing:
            self.add(f"colonne obligatoire « {c} » absente de la ligne d'en-tête", f"{ws.title}!1",
                     expected="en-têtes : " + ", ".join(expected), found="en-têtes : " + ", ".join(cols) if cols else "aucun")
        return None if missing else cols

    def structure(self, ws) -> None:
        """Merged cells and data in columns without a header are refused."""
        for rng in ws.merged_cells.ranges:
            self.add("cellules fusionnées : défusionnez-les (une valeur par cellule)", f"{ws.title}!{rng.coord}",
                     expected="des cellules simples", found=f"plage fusionnée {rng.coord}")

    def raw(self, ws, cell, case_id, dotted):
        """The cell's value, or SKIP when it is a formula, an error or a date where none is allowed."""
        from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

        v = cell.value
        ref = f"{ws.title}!{cell.coordinate}"
        if cell.data_type == "f" or isinstance(v, (ArrayFormula, DataTableFormula)):
            text = v.text if isinstance(v, ArrayFormula) else str(v)
            self.add("formule dans une cellule : remplacez-la par sa valeur (copier, puis « collage spécial : "
                     "valeurs »)", ref, case_id, dotted, expected="une valeur", found=short(text))
            return SKIP
        if cell.data_type == "e":
            self.add("cellule en erreur", ref, case_id, dotted, expected="une valeur", found=short(str(v)))
            return SKIP
        if isinstance(v, str):
            v = v.strip()
            return v if v else None
        return v

    def text(self, ws, cell, case_id, dotted):
        v = self.raw(ws, cell, case_id, dotted)
        if v is SKIP or v is None or isinstance(v, str):
            return v
        if isinstance(v, bool):
            self.add("un texte est attendu", f"{ws.title}!{cell.coordinate}", case_id, dotted,
                     expected="du texte", found="VRAI" if v else "FAUX")
            return SKIP
        if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
            self.add("une date a été saisie : écrivez-la comme du texte (format de cellule « Texte »)",
                     f"{ws.title}!{cell.coordinate}", case_id, dotted, expected="du texte", found=_iso(v))
            return SKIP
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    def boolean(self, ws, cell, case_id, dotted):
        v = self.raw(ws, cell, case_id, dotted)
        if v is SKIP or v is None or isinstance(v, bool):
            return v
        if isinstance(v, str) and v.lower() in _TRUE | _FALSE:
            return v.lower() in _TRUE
        self.add("VRAI ou FAUX est attendu", f"{ws.title}!{cell.coordinate}", case_id, dotted,
                 expected="VRAI ou FAUX (oui / non)", found=short(v if isinstance(v, str) else str(v)))
        return SKIP

    def value(self, ws, cell, kind: str, case_id, dotted):
        """A fact's value converted from its cell according to the kind of the field."""
        ref = f"{ws.title}!{cell.coordinate}"
        if kind in _NUMERIC_KINDS:
            v = self.raw(ws, cell, case_id, dotted)
            if v is SKIP or v is None:
                return v
            if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
                self.add("une date a été saisie dans une colonne de nombres : écrivez le nombre "
                         "(et mettez la cellule au format « Nombre » ou « Standard »)", ref, case_id, dotted,
                         expected="un nombre", found=f"la date {_iso(v)}")
                return SKIP
            if isinstance(v, bool):
                self.add("un nombre est attendu", ref, case_id, dotted, expected="un nombre",
                         found="VRAI" if v else "FAUX")
                return SKIP
            if isinstance(v, str):
                hint = ""
                if re.match(r"^\d{4}-\d\d-\d\d", v):
                    hint = " (une date a été saisie dans une colonne de nombres)"
                elif re.fullmatch(r"-?\d+(\.\d+)?", v):
                    hint = " : la cellule contient du texte ; mettez-la au format « Nombre »"
                elif re.search(r"\d", v):
                    hint = " : du texte a été saisi ; écrivez le nombre sans unité ni espace, avec un point décimal (3500000)"
                self.add("un nombre est attendu" + hint, ref, case_id, dotted, expected="un nombre", found=short(v))
                return SKIP
            return v
        if kind == "bool":
            return self.boolean(ws, cell, case_id, dotted)
        v = self.text(ws, cell, case_id, dotted)
        if kind == "list" and isinstance(v, str):
            return [x.strip() for x in v.split(",") if x.strip()]
        return v

    def year(self, ws, cell, case_id, dotted):
        ref = f"{ws.title}!{cell.coordinate}"
        v = self.raw(ws, cell, case_id, dotted)
        if v is SKIP or v is None:
            return v
        if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
            self.add("une date a été saisie : écrivez l'année (2023) ou la période en texte (2024-2026)", ref,
                     case_id, dotted, expected="une année", found=f"la date {_iso(v)}")
            return SKIP
        if isinstance(v, bool):
            self.add("année invalide", ref, case_id, dotted, expected="une année", found="VRAI" if v else "FAUX")
            return SKIP
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str) and re.fullmatch(r"\d{4}", v):
            return int(v)
        return v


def _iso(v) -> str:
    if isinstance(v, _dt.datetime) and v.time() == _dt.time(0):
        return v.date().isoformat()
    return v.isoformat()
