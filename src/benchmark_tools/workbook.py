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

import datetime as _dt
import difflib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pydantic
import yaml

from .cases import FIELD_LABELS
from .errors import InputError, Problem, ValidationFailed, short
from .modelio import pydantic_problems, rel
from .safeio import write_all_or_nothing, write_bytes_atomic
from .schema import Case
from .validate import check_case, criterion_value_kind
from .vocabulary import CONFIDENCES, DESIGN_FIELDS, IDENTITY_FACTS, LEVELS, OUTCOME_FIELDS
from .yamlio import YamlDocument, read_yaml

SHEET_CASES = "cas"
SHEET_FACTS = "faits"
SHEET_README = "lisez-moi"

#: Columns of the ``cas`` sheet, in order; the first seven must be filled.
CASE_COLUMNS = ("id", "family", "name", "short_name", "territory", "country", "level", "baseline", "edition",
                "url", "summary", "currency")
CASE_REQUIRED = ("id", "family", "name", "territory", "country", "level", "summary")
#: Columns of the ``faits`` sheet, in order; ``case_id`` and ``field`` must be filled.
FACT_COLUMNS = ("case_id", "field", "alternative", "value", "year", "source", "confidence", "note")
FACT_REQUIRED = ("case_id", "field")
#: Order of the keys of a case file (as in the example of data/README.md).
CASE_KEY_ORDER = ("id", "name", "short_name", "family", "territory", "country", "level", "baseline", "edition", "url",
                  "summary", "population", "first_year", "editions_count", "active", "design", "outcomes",
                  "scores")
FACT_KEY_ORDER = ("value", "year", "source", "confidence", "note")
#: Above this size a file is not read (a workbook of a few hundred cases weighs well under 1 MB).
MAX_WORKBOOK_BYTES = 20_000_000
MAX_ROWS = 100_000

_NUMERIC_KINDS = ("number", "integer", "percent", "population", "age", "year", "level")
_TRUE = {"true", "vrai", "oui", "yes"}
_FALSE = {"false", "faux", "non", "no"}
# Design fields in the order of data/README.md: the currency right after the envelope.
_DESIGN_ORDER = ["envelope", "envelope_period_years", "currency"] + [
    n for n in DESIGN_FIELDS if n not in ("envelope", "envelope_period_years")]

_COLUMN_WIDTHS = {
    SHEET_CASES: {"id": 34, "family": 26, "name": 48, "short_name": 20, "territory": 24, "country": 9, "level": 13,
                  "baseline": 10, "edition": 28, "url": 50, "summary": 90, "currency": 10},
    SHEET_FACTS: {"case_id": 34, "field": 34, "alternative": 12, "value": 28, "year": 12, "source": 60,
                  "confidence": 14, "note": 90},
}


# --------------------------------------------------------------------------- fields and kinds


def fact_paths(catalogue) -> dict[str, tuple[str, object]]:
    """Every value accepted in the ``field`` column, with the kind of value it expects."""
    out: dict[str, tuple[str, object]] = dict(IDENTITY_FACTS)
    out.update({f"design.{n}": k for n, k in DESIGN_FIELDS.items()})
    out.update({f"outcomes.{n}": k for n, k in OUTCOME_FIELDS.items()})
    if catalogue is not None:
        for c in catalogue.criteria:
            out[f"scores.{c.id}"] = (criterion_value_kind(c), None)
    return out


def _kind_label(kind: str, extra) -> str:
    return {
        "number": "nombre ≥ 0", "integer": "entier ≥ 0", "percent": "pourcentage (0 à 100)",
        "population": "nombre d'habitants", "age": "âge (entier)", "year": "année (entier)",
        "level": "niveau de grille, entier de 0 à 4", "text": "texte", "bool": "VRAI ou FAUX (oui / non)",
        "list": "liste séparée par des virgules, parmi : " + ", ".join(extra or ()),
        "vocab": "un mot parmi : " + ", ".join(extra or ()),
    }.get(kind, kind)


# --------------------------------------------------------------------------- canonical case data


def _canonical_fact(f) -> dict:
    if not isinstance(f, dict):
        return f
    out = {"value": f.get("value")}
    for k in FACT_KEY_ORDER[1:]:
        if f.get(k) is not None:
            out[k] = f[k]
    alts = f.get("alternatives")
    if alts:
        out["alternatives"] = [_canonical_fact(a) for a in alts]
    for k, v in f.items():  # unknown keys are kept so that the validator still sees them
        if k not in out and k not in FACT_KEY_ORDER and k != "alternatives":
            out[k] = v
    return out


def canonical_case(data: dict, catalogue=None) -> dict:
    """A case's data in the canonical form the tool writes.

    Keys in the order of data/README.md; a fact always has ``value`` (``null`` when missing)
    and its other keys only when filled; empty sections and empty optional keys are dropped.
    Two files that describe the same case with the same values have equal canonical forms.
    """
    out: dict = {}
    for k in CASE_KEY_ORDER:
        v = data.get(k)
        if v is None or (k in ("design", "outcomes", "scores") and not v):
            continue
        if k in IDENTITY_FACTS:
            out[k] = _canonical_fact(v)
        elif k == "design" and isinstance(v, dict):
            order = [n for n in _DESIGN_ORDER if n in v] + [n for n in v if n not in _DESIGN_ORDER]
            out[k] = {n: (v[n] if n == "currency" else _canonical_fact(v[n])) for n in order}
        elif k == "outcomes" and isinstance(v, dict):
            order = [n for n in OUTCOME_FIELDS if n in v] + [n for n in v if n not in OUTCOME_FIELDS]
            out[k] = {n: _canonical_fact(v[n]) for n in order}
        elif k == "scores" and isinstance(v, dict):
            ids = catalogue.criterion_ids if catalogue is not None else []
            order = [n for n in ids if n in v] + [n for n in v if n not in ids]
            out[k] = {n: _canonical_fact(v[n]) for n in order}
        else:
            out[k] = v
    for k, v in data.items():
        if k not in CASE_KEY_ORDER and v is not None:
            out[k] = v
    return out


class _CaseDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter: ~5× faster
    """Block style; lists of words in flow style (``[en_ligne, urne]``); long text folded (``>-``)."""


def _represent_str(dumper, s: str):
    style = None
    if "\t" in s:
        style = '"'  # a tab must not reach an indentation: escaped in double quotes
    elif "\n" in s:
        style = "|"
    elif len(s) > 80 and " " in s:
        style = ">"  # long text folded over several lines, as in the hand-written files
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


def _represent_list(dumper, seq):
    flow = all(isinstance(x, (str, int, float, bool)) and len(str(x)) < 40 for x in seq)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", seq, flow_style=flow)


_CaseDumper.add_representer(str, _represent_str)
_CaseDumper.add_representer(list, _represent_list)
_CaseDumper.ignore_aliases = lambda self, data: True  # never write anchors (the reader refuses them)


def case_yaml(data: dict, catalogue=None) -> str:
    """The text of a case file: canonical order, UTF-8, block style, readable."""
    body = yaml.dump(canonical_case(data, catalogue), Dumper=_CaseDumper, allow_unicode=True,
                     sort_keys=False, default_flow_style=False, width=100)
    return "# Cas du benchmark — format : data/README.md (écrit par benchmark-tools import-xlsx)\n" + body


# --------------------------------------------------------------------------- export


def _styles():
    from openpyxl.styles import Alignment, Font, PatternFill

    return (Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79"),
            Alignment(vertical="center", wrap_text=False))


#: Longest text an Excel cell holds.
MAX_CELL_CHARS = 32_767


def _set(cell, value):
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
    for n in _DESIGN_ORDER:
        if n != "currency" and design.get(n) is not None:
            frows += _fact_rows(cid, f"design.{n}", design[n])
    outcomes = data.get("outcomes") or {}
    for n in OUTCOME_FIELDS:
        if outcomes.get(n) is not None:
            frows += _fact_rows(cid, f"outcomes.{n}", outcomes[n])
    for n, rec in (data.get("scores") or {}).items():
        frows += _fact_rows(cid, f"scores.{n}", rec)
    return crow, frows


def build_workbook(cases: list[dict], catalogue=None, families=None):
    """An openpyxl workbook holding ``cases`` (case data as read from the YAML files)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws_c = wb.active
    ws_c.title = SHEET_CASES
    ws_f = wb.create_sheet(SHEET_FACTS)
    _header(ws_c, CASE_COLUMNS, _COLUMN_WIDTHS[SHEET_CASES])
    _header(ws_f, FACT_COLUMNS, _COLUMN_WIDTHS[SHEET_FACTS])
    # Rows are counted here: ``Worksheet.max_row`` scans every cell at each call, which made the
    # export quadratic in the number of cases (189 s for 800 cases).
    r_c = r_f = 1
    for data in cases:
        crow, frows = case_rows(data)
        r_c += 1
        r = r_c
        for j, v in enumerate(crow, start=1):
            try:
                _set(ws_c.cell(row=r, column=j), v)
            except ValueError as exc:
                raise InputError(f"cas « {data.get('id')} », champ « {CASE_COLUMNS[j - 1]} » : {exc}") from None
        for row in frows:
            r_f += 1
            r = r_f
            for j, v in enumerate(row, start=1):
                try:
                    _set(ws_f.cell(row=r, column=j), v)
                except ValueError as exc:
                    raise InputError(f"cas « {row[0]} », champ « {row[1]}.{FACT_COLUMNS[j - 1]} » : {exc}") from None
    ws_c.freeze_panes = "B2"
    ws_f.freeze_panes = "C2"
    ws_c.auto_filter.ref = f"A1:{_letter(CASE_COLUMNS, 'currency')}{max(r_c, 2)}"
    ws_f.auto_filter.ref = f"A1:{_letter(FACT_COLUMNS, 'note')}{max(r_f, 2)}"
    # Drop-down lists for the closed vocabularies (Excel and LibreOffice show them; typing stays free).
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
    _readme_sheet(wb.create_sheet(SHEET_README), catalogue, families)
    return wb


def _readme_sheet(ws, catalogue, families) -> None:
    from openpyxl.styles import Alignment, Font


    bold = Font(bold=True)
    title = Font(bold=True, size=14)
    rows: list[tuple] = [
        ("Saisie des cas du benchmark dans un classeur", None, None, "title"),
        ("Ce classeur se réimporte avec : benchmark-tools import-xlsx FICHIER.xlsx (essai sans écriture : "
         "--dry-run). Tout est vérifié avec les règles de « benchmark-tools validate » ; si une seule cellule "
         "est invalide, rien n'est écrit et chaque problème donne la feuille, la cellule, le cas et le champ.",),
        ("Règle d'or : chaque valeur a sa source (URL publique), son année et sa confiance. Sans source, "
         "laissez la valeur vide : l'outil gère les valeurs manquantes et ne devine jamais.",),
        ("Le classeur décrit chaque cas en entier : à l'import, le fichier data/cases/<famille>/<id>.yml d'un "
         "cas présent dans la feuille « cas » est réécrit à partir du classeur (une ligne de faits supprimée "
         "disparaît du fichier) ; un cas absent du classeur n'est pas touché ; un fichier dont le contenu ne "
         "change pas n'est pas réécrit.",),
        ("À éviter : cellules fusionnées, formules (collez les valeurs), dates dans une colonne de nombres, "
         "nombres saisis comme du texte (« 3,5 M€ » : écrivez 3500000).",),
        (None,),
        ("Feuille « cas » : une ligne par cas", None, None, "h"),
        ("colonne", "obligatoire", "contenu", "head"),
        ("id", "oui", "identifiant du cas = nom du fichier : minuscules, chiffres et _ (ex. lyon_bp)"),
        ("family", "oui", "famille du dispositif (liste ci-dessous)"),
        ("name", "oui", "nom du dispositif, en français"),
        ("short_name", "non", "libellé court pour les graphiques (« Rennes (Ville) »)"),
        ("territory", "oui", "territoire (ville, intercommunalité, département…)"),
        ("country", "oui", "code pays ISO à deux lettres majuscules : FR, ES, PT…"),
        ("level", "oui", "échelon : " + ", ".join(LEVELS)),
        ("baseline", "non", "VRAI pour les dispositifs de Rennes Métropole et de la Ville de Rennes"),
        ("edition", "non", "l'édition décrite, en texte (« Saison 6 (2022-2023) »)"),
        ("url", "non", "page principale du dispositif"),
        ("summary", "oui", "résumé de 2 à 4 phrases, en français, écrit par nous"),
        ("currency", "non", "devise des montants (EUR si vide)"),
        (None,),
        ("Feuille « faits » : une ligne par valeur sourcée", None, None, "h"),
        ("colonne", "obligatoire", "contenu", "head"),
        ("case_id", "oui", "identifiant d'un cas de la feuille « cas »"),
        ("field", "oui", "champ, en chemin pointé : population, design.envelope, outcomes.voters_count, "
                         "scores.decision_power… (liste complète ci-dessous)"),
        ("alternative", "non", "vide pour la valeur retenue ; 1, 2… pour les valeurs d'autres sources qui "
                               "divergent (même case_id et même field, sur des lignes supplémentaires)"),
        ("value", "non", "la valeur (nombre sans unité ni espace, texte, VRAI/FAUX, ou liste séparée par "
                         "des virgules) ; vide s'il n'y a pas de source"),
        ("year", "si valeur", "année (2023) ou période en texte (2024-2026) à laquelle la valeur se rapporte"),
        ("source", "si valeur", "URL publique ou référence complète du document"),
        ("confidence", "si valeur", ", ".join(CONFIDENCES) + " (documented : écrit par la source ; derived : "
                                    "calculé, formule dans note ; coded : niveau de grille, preuve citée dans note)"),
        ("note", "si derived ou coded", "citation exacte, formule ou raisonnement"),
        (None,),
        ("Vocabulaires", None, None, "h"),
    ]
    if families is not None:
        rows.append(("family", "", ", ".join(families.ids)))
    rows += [
        ("level", "", ", ".join(LEVELS)),
        ("confidence", "", ", ".join(CONFIDENCES)),
        ("design.voting_channels", "", ", ".join(DESIGN_FIELDS["voting_channels"][1])),
        ("design.proposer_types", "", ", ".join(DESIGN_FIELDS["proposer_types"][1])),
        ("design.frequency", "", ", ".join(DESIGN_FIELDS["frequency"][1])),
        (None,),
        ("Champs acceptés dans la colonne « field »", None, None, "h"),
        ("field", "type de valeur", "sens", "head"),
    ]
    for path, (kind, extra) in fact_paths(None).items():
        rows.append((path, _kind_label(kind, extra), FIELD_LABELS.get(path.split(".")[-1], "")))
    if catalogue is not None:
        for c in catalogue.criteria:
            kind = criterion_value_kind(c)
            what = _kind_label(kind, None) if c.type == "ordinal" else f"nombre ({c.unit or ''})"
            rows.append((f"scores.{c.id}", what, f"{c.code} {c.label_fr}"))
    for i, row in enumerate(rows, start=1):
        style = row[3] if len(row) > 3 else None
        for j, v in enumerate(row[:3], start=1):
            if v is not None:
                _set(ws.cell(row=i, column=j), v)
        cell = ws.cell(row=i, column=1)
        if style == "title":
            cell.font = title
        elif style in ("h", "head"):
            for j in range(1, 4):
                ws.cell(row=i, column=j).font = bold
        if len(row) == 1 and row[0]:
            cell.alignment = Alignment(wrap_text=False)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 100


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


# --------------------------------------------------------------------------- import: reading cells


@dataclass
class _FactLoc:
    cols: dict = field(default_factory=dict)           # column name -> "faits!D12"
    alts: list = field(default_factory=list)           # one dict per alternative


@dataclass
class _CaseLoc:
    row: int
    cols: dict = field(default_factory=dict)           # column name -> "cas!B3"
    facts: dict = field(default_factory=dict)          # dotted path -> _FactLoc

    def ref(self, dotted: str | None) -> str:
        """The cell a problem on ``dotted`` (``design.envelope.alternatives[0].value``) points to."""
        if not dotted:
            return self.cols["id"]
        tokens = re.findall(r"[^.\[\]]+", dotted)
        if tokens[0] in self.cols:
            return self.cols[tokens[0]]
        if tokens[:2] == ["design", "currency"]:
            return self.cols["currency"]
        n = 1 if tokens[0] in IDENTITY_FACTS else 2
        floc = self.facts.get(".".join(tokens[:n]))
        if floc is None:
            return self.cols["id"]
        cols, rest = floc.cols, tokens[n:]
        if rest[:1] == ["alternatives"] and len(rest) > 1 and rest[1].isdigit():
            i = int(rest[1])
            cols = floc.alts[i] if i < len(floc.alts) else cols
            rest = rest[2:]
        if rest and rest[0] in cols:
            return cols[rest[0]]
        return cols.get("value", cols["field"])


_SKIP = object()  # a cell whose content was refused (the problem is already reported)


class _Reader:
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
        """The cell's value, or _SKIP when it is a formula, an error or a date where none is allowed."""
        from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

        v = cell.value
        ref = f"{ws.title}!{cell.coordinate}"
        if cell.data_type == "f" or isinstance(v, (ArrayFormula, DataTableFormula)):
            text = v.text if isinstance(v, ArrayFormula) else str(v)
            self.add("formule dans une cellule : remplacez-la par sa valeur (copier, puis « collage spécial : "
                     "valeurs »)", ref, case_id, dotted, expected="une valeur", found=short(text))
            return _SKIP
        if cell.data_type == "e":
            self.add("cellule en erreur", ref, case_id, dotted, expected="une valeur", found=short(str(v)))
            return _SKIP
        if isinstance(v, str):
            v = v.strip()
            return v if v else None
        return v

    def text(self, ws, cell, case_id, dotted):
        v = self.raw(ws, cell, case_id, dotted)
        if v is _SKIP or v is None or isinstance(v, str):
            return v
        if isinstance(v, bool):
            self.add("un texte est attendu", f"{ws.title}!{cell.coordinate}", case_id, dotted,
                     expected="du texte", found="VRAI" if v else "FAUX")
            return _SKIP
        if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
            self.add("une date a été saisie : écrivez-la comme du texte (format de cellule « Texte »)",
                     f"{ws.title}!{cell.coordinate}", case_id, dotted, expected="du texte", found=_iso(v))
            return _SKIP
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    def boolean(self, ws, cell, case_id, dotted):
        v = self.raw(ws, cell, case_id, dotted)
        if v is _SKIP or v is None or isinstance(v, bool):
            return v
        if isinstance(v, str) and v.lower() in _TRUE | _FALSE:
            return v.lower() in _TRUE
        self.add("VRAI ou FAUX est attendu", f"{ws.title}!{cell.coordinate}", case_id, dotted,
                 expected="VRAI ou FAUX (oui / non)", found=short(v if isinstance(v, str) else str(v)))
        return _SKIP

    def value(self, ws, cell, kind: str, case_id, dotted):
        """A fact's value converted from its cell according to the kind of the field."""
        ref = f"{ws.title}!{cell.coordinate}"
        if kind in _NUMERIC_KINDS:
            v = self.raw(ws, cell, case_id, dotted)
            if v is _SKIP or v is None:
                return v
            if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
                self.add("une date a été saisie dans une colonne de nombres : écrivez le nombre "
                         "(et mettez la cellule au format « Nombre » ou « Standard »)", ref, case_id, dotted,
                         expected="un nombre", found=f"la date {_iso(v)}")
                return _SKIP
            if isinstance(v, bool):
                self.add("un nombre est attendu", ref, case_id, dotted, expected="un nombre",
                         found="VRAI" if v else "FAUX")
                return _SKIP
            if isinstance(v, str):
                hint = ""
                if re.match(r"^\d{4}-\d\d-\d\d", v):
                    hint = " (une date a été saisie dans une colonne de nombres)"
                elif re.fullmatch(r"-?\d+(\.\d+)?", v):
                    hint = " : la cellule contient du texte ; mettez-la au format « Nombre »"
                elif re.search(r"\d", v):
                    hint = " : du texte a été saisi ; écrivez le nombre sans unité ni espace, avec un point décimal (3500000)"
                self.add("un nombre est attendu" + hint, ref, case_id, dotted, expected="un nombre", found=short(v))
                return _SKIP
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
        if v is _SKIP or v is None:
            return v
        if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
            self.add("une date a été saisie : écrivez l'année (2023) ou la période en texte (2024-2026)", ref,
                     case_id, dotted, expected="une année", found=f"la date {_iso(v)}")
            return _SKIP
        if isinstance(v, bool):
            self.add("année invalide", ref, case_id, dotted, expected="une année", found="VRAI" if v else "FAUX")
            return _SKIP
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str) and re.fullmatch(r"\d{4}", v):
            return int(v)
        return v


@dataclass
class _ParsedCase:
    data: dict
    loc: _CaseLoc
    bad_facts: set = field(default_factory=set)       # fact paths with a refused cell
    bad_top: bool = False


def _iso(v) -> str:
    if isinstance(v, _dt.datetime) and v.time() == _dt.time(0):
        return v.date().isoformat()
    return v.isoformat()


def _read_workbook(project, path: Path, display: str) -> tuple[list[_ParsedCase], list[Problem]]:
    reader = _Reader(display)
    P = reader.problems
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return [], [Problem(display, "fichier introuvable", expected="un classeur .xlsx existant")]
    except OSError as exc:
        return [], [Problem(display, f"fichier illisible ({exc.strerror})")]
    if size > MAX_WORKBOOK_BYTES:
        return [], [Problem(display, "classeur trop volumineux", expected=f"au plus {MAX_WORKBOOK_BYTES} octets",
                            found=f"{size} octets")]
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(path, data_only=False)
    except Exception as exc:  # BadZipFile, InvalidFileException, KeyError on a damaged archive…
        kind = type(exc).__name__
        return [], [Problem(display, "le fichier n'est pas un classeur Excel lisible (.xlsx) : enregistrez-le au "
                            "format « Classeur Excel (.xlsx) »", expected="un classeur .xlsx",
                            found=f"fichier illisible ({kind})")]
    missing = [s for s in (SHEET_CASES, SHEET_FACTS) if s not in wb.sheetnames]
    for s in missing:
        P.append(Problem(display, f"feuille « {s} » absente du classeur", field=s,
                         expected=f"les feuilles « {SHEET_CASES} » et « {SHEET_FACTS} »",
                         found="feuilles : " + ", ".join(f"« {n} »" for n in wb.sheetnames)))
    if missing:
        return [], P
    ws_c, ws_f = wb[SHEET_CASES], wb[SHEET_FACTS]
    for ws in (ws_c, ws_f):
        reader.structure(ws)
        if ws.max_row > MAX_ROWS:
            P.append(Problem(display, "trop de lignes", field=ws.title, expected=f"au plus {MAX_ROWS}",
                             found=str(ws.max_row)))
            return [], P
    hc = reader.header(ws_c, CASE_COLUMNS, CASE_REQUIRED)
    hf = reader.header(ws_f, FACT_COLUMNS, FACT_REQUIRED)
    if hc is None or hf is None:
        return [], P

    # ---- sheet « cas »
    cases: dict[str, _ParsedCase] = {}
    order: list[str] = []
    for row in ws_c.iter_rows(min_row=2):
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in row):
            continue
        cells = {name: ws_c.cell(row=row[0].row, column=j) for name, j in hc.items()}
        r = row[0].row
        for c in row:
            if c.column not in hc.values() and c.value not in (None, ""):
                reader.add("valeur dans une colonne sans en-tête", f"{ws_c.title}!{c.coordinate}",
                           expected="une cellule vide", found=short(str(c.value)))
        loc = _CaseLoc(row=r, cols={n: f"{ws_c.title}!{ws_c.cell(row=r, column=hc[n]).coordinate}"
                                    if n in hc else f"{ws_c.title}!A{r}" for n in CASE_COLUMNS})
        raw_id = reader.text(ws_c, cells["id"], None, "id")
        cid = raw_id if isinstance(raw_id, str) else None
        data: dict = {}
        pc = _ParsedCase(data=data, loc=loc)
        for name in CASE_COLUMNS:
            if name not in cells:
                continue
            cell = cells[name]
            if name == "id":
                v = raw_id
            elif name == "baseline":
                v = reader.boolean(ws_c, cell, cid, name)
            else:
                v = reader.text(ws_c, cell, cid, name)
            if v is _SKIP:
                pc.bad_top = True
                continue
            if v is None:
                if name in CASE_REQUIRED:
                    reader.add("cellule obligatoire vide", loc.cols[name], cid, name,
                               expected=_CASE_EXPECTED.get(name, "une valeur"), found="rien")
                    pc.bad_top = True
                continue
            if name == "currency":
                data.setdefault("design", {})["currency"] = v
            else:
                data[name] = v
        if cid is None:
            continue
        if cid in cases:
            reader.add("identifiant de cas en double dans la feuille « cas »", loc.cols["id"], cid, "id",
                       expected="un identifiant unique", found=f"déjà utilisé ligne {cases[cid].loc.row}")
            continue
        cases[cid] = pc
        order.append(cid)

    # ---- sheet « faits »
    known = fact_paths(project.catalogue)
    mains: dict[tuple[str, str], dict] = {}
    alts: dict[tuple[str, str], list] = {}
    for row in ws_f.iter_rows(min_row=2):
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in row):
            continue
        r = row[0].row
        cells = {name: ws_f.cell(row=r, column=j) for name, j in hf.items()}
        refs = {name: f"{ws_f.title}!{ws_f.cell(row=r, column=j).coordinate}" for name, j in hf.items()}
        for c in row:
            if c.column not in hf.values() and c.value not in (None, ""):
                reader.add("valeur dans une colonne sans en-tête", f"{ws_f.title}!{c.coordinate}",
                           expected="une cellule vide", found=short(str(c.value)))
        cid = reader.text(ws_f, cells["case_id"], None, "case_id")
        path_ = reader.text(ws_f, cells["field"], cid if isinstance(cid, str) else None, "field")
        if cid is None:
            reader.add("cellule obligatoire vide : à quel cas ce fait se rapporte-t-il ?", refs["case_id"],
                       None, "case_id", expected="un identifiant de la feuille « cas »", found="rien")
        if path_ is None:
            reader.add("cellule obligatoire vide : quel champ ce fait renseigne-t-il ?", refs["field"],
                       cid if isinstance(cid, str) else None, "field",
                       expected="un champ en chemin pointé (design.envelope…)", found="rien")
        if not isinstance(cid, str) or not isinstance(path_, str):
            continue
        if cid not in cases:
            hint = difflib.get_close_matches(cid, order, n=1)
            reader.add("cas inconnu : ce case_id n'est pas dans la feuille « cas »"
                       + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""), refs["case_id"], cid,
                       "case_id", expected="un identifiant de la feuille « cas »", found=short(cid))
            continue
        pc = cases[cid]
        if path_ == "design.currency":
            reader.add("la devise se saisit dans la colonne « currency » de la feuille « cas »", refs["field"],
                       cid, path_, expected="une ligne de la feuille « cas »", found=short(path_))
            pc.bad_facts.add(path_)
            continue
        if path_ not in known:
            hint = difflib.get_close_matches(path_, list(known), n=1)
            reader.add("champ inconnu" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""),
                       refs["field"], cid, path_,
                       expected="un champ de la feuille « lisez-moi » (design.envelope, scores.decision_power…)",
                       found=short(path_))
            pc.bad_facts.add(path_)
            continue
        kind, _extra = known[path_]
        alt_no = None
        if "alternative" in cells:
            a = reader.raw(ws_f, cells["alternative"], cid, path_)
            if isinstance(a, str) and a.isdigit():
                a = int(a)
            if isinstance(a, float) and a.is_integer():
                a = int(a)
            if a is _SKIP:
                pc.bad_facts.add(path_)
                continue
            if a is not None and (isinstance(a, bool) or not isinstance(a, int) or a < 1):
                reader.add("numéro d'alternative invalide : laissez vide pour la valeur retenue, 1, 2… pour "
                           "les autres sources", refs["alternative"], cid, path_,
                           expected="vide ou un entier ≥ 1", found=short(a) if isinstance(a, str) else str(a))
                pc.bad_facts.add(path_)
                continue
            alt_no = a
        rec: dict = {}
        sub = f"{path_}.alternatives[{alt_no - 1}]" if alt_no else path_
        for name in FACT_KEY_ORDER:
            if name not in cells:
                continue
            dotted = f"{sub}.{name}"
            if name == "value":
                v = reader.value(ws_f, cells[name], kind, cid, dotted)
            elif name == "year":
                v = reader.year(ws_f, cells[name], cid, dotted)
            else:
                v = reader.text(ws_f, cells[name], cid, dotted)
            if v is _SKIP:
                pc.bad_facts.add(path_)
                continue
            rec[name] = v
        rec.setdefault("value", None)
        rec = {k: v for k, v in rec.items() if v is not None or k == "value"}
        key = (cid, path_)
        if alt_no is None:
            if key in mains:
                reader.add("fait en double : une seule ligne sans numéro d'alternative par cas et par champ",
                           refs["field"], cid, path_, expected="une ligne retenue",
                           found=f"déjà renseigné ligne {mains[key]['_row']}")
                pc.bad_facts.add(path_)
                continue
            rec["_row"] = r
            mains[key] = rec
            pc.loc.facts.setdefault(path_, _FactLoc()).cols = dict(refs)
        else:
            alts.setdefault(key, []).append((alt_no, r, rec, refs))

    for key, lst in alts.items():
        cid, path_ = key
        pc = cases[cid]
        if key not in mains:
            for _, _, _, refs in lst:
                reader.add("valeur alternative sans valeur retenue : ajoutez la ligne de la valeur retenue "
                           "(colonne « alternative » vide)", refs["alternative"], cid, path_,
                           expected="une ligne sans numéro d'alternative", found="aucune")
            pc.bad_facts.add(path_)
            continue
        lst.sort(key=lambda t: (t[0], t[1]))
        for (no, _, _, refs), prev in zip(lst[1:], lst[:-1], strict=True):
            if no == prev[0]:
                reader.add("numéro d'alternative en double", refs["alternative"], cid, path_,
                           expected="des numéros distincts (1, 2…)", found=str(no))
                pc.bad_facts.add(path_)
        floc = pc.loc.facts.setdefault(path_, _FactLoc())
        floc.alts = [refs for _, _, _, refs in lst]
        mains[key]["alternatives"] = [rec for _, _, rec, _ in lst]

    for (cid, path_), rec in mains.items():
        rec.pop("_row", None)
        data = cases[cid].data
        parts = path_.split(".")
        if len(parts) == 1:
            data[parts[0]] = rec
        else:
            data.setdefault(parts[0], {})[parts[1]] = rec
    return [cases[c] for c in order], P


_CASE_EXPECTED = {
    "id": "un identifiant (minuscules, chiffres et _)",
    "family": "une famille (voir la feuille « lisez-moi »)",
    "name": "le nom du dispositif",
    "territory": "le territoire",
    "country": "un code pays (FR…)",
    "level": "un échelon (" + ", ".join(LEVELS) + ")",
    "summary": "un résumé en français",
}


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


def check_workbook(project, path) -> tuple[list[tuple[Path, dict]], list[Problem]]:
    """Read and check a workbook; return the (target file, case data) pairs and every problem."""
    path = Path(path)
    display = str(path)
    parsed, P = _read_workbook(project, path, display)
    settings = project.settings
    out: list[tuple[Path, dict]] = []
    for pc in parsed:
        data = canonical_case(pc.data, project.catalogue)
        cid = data.get("id")
        fam = data.get("family")
        target = project.root / "data" / "cases" / str(fam) / f"{cid}.yml"
        found: list[Problem] = []
        try:
            case = Case.model_validate(data)
        except pydantic.ValidationError as exc:
            found = pydantic_problems(exc, Case, YamlDocument(display, data, {}), cid)
            case = None
        if case is not None:
            found = check_case(case, None, display, target, catalogue=project.catalogue,
                               families=project.families, settings=settings)
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


__all__ = ["export_workbook", "import_workbook", "check_workbook", "build_workbook", "canonical_case",
           "case_yaml", "fact_paths", "case_rows", "SHEET_CASES", "SHEET_FACTS", "SHEET_README",
           "CASE_COLUMNS", "FACT_COLUMNS"]
