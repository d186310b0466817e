"""Reading a workbook back: the « cas » and « faits » rows into case data, each value located by its cell."""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, short
from .vocabulary import IDENTITY_FACTS, LEVELS
from .workbook_cells import SKIP, CellReader
from .workbook_layout import (
    CASE_COLUMNS,
    CASE_REQUIRED,
    FACT_COLUMNS,
    FACT_KEY_ORDER,
    FACT_REQUIRED,
    MAX_ROWS,
    MAX_WORKBOOK_BYTES,
    SHEET_CASES,
    SHEET_FACTS,
    fact_paths,
)


@dataclass
class FactLoc:
    """Where one fact of a case was read: its cells, and those of each alternative."""

    cols: dict = field(default_factory=dict)           # column name -> "faits!D12"
    alts: list = field(default_factory=list)           # one dict per alternative


@dataclass
class CaseLoc:
    """Where one case was read: its row, its cells and the cells of each of its facts."""

    row: int
    cols: dict = field(default_factory=dict)           # column name -> "cas!B3"
    facts: dict = field(default_factory=dict)          # dotted path -> FactLoc

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


@dataclass
class ParsedCase:
    """One case read from the workbook, with the cells it came from and the cells already refused."""

    data: dict
    loc: CaseLoc
    bad_facts: set = field(default_factory=set)       # fact paths with a refused cell
    bad_top: bool = False


# --------------------------------------------------------------------------- the workbook and its sheets


def _open(path: Path, display: str):
    """(openpyxl workbook, []) or (None, [the problem]) for a missing, huge or unreadable file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None, [Problem(display, "fichier introuvable", expected="un classeur .xlsx existant")]
    except OSError as exc:
        return None, [Problem(display, f"fichier illisible ({exc.strerror})")]
    if size > MAX_WORKBOOK_BYTES:
        return None, [Problem(display, "classeur trop volumineux", expected=f"au plus {MAX_WORKBOOK_BYTES} octets",
                              found=f"{size} octets")]
    # openpyxl is imported here, when a workbook is read (see workbook_cells).
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(path, data_only=False), []
    except Exception as exc:  # BadZipFile, InvalidFileException, KeyError on a damaged archive…
        kind = type(exc).__name__
        return None, [Problem(display, "le fichier n'est pas un classeur Excel lisible (.xlsx) : enregistrez-le au "
                              "format « Classeur Excel (.xlsx) »", expected="un classeur .xlsx",
                              found=f"fichier illisible ({kind})")]


def _sheets(wb, reader: CellReader):
    """((cas sheet, its columns), (faits sheet, its columns)), or None when the layout is refused."""
    display, P = reader.display, reader.problems
    missing = [s for s in (SHEET_CASES, SHEET_FACTS) if s not in wb.sheetnames]
    for s in missing:
        P.append(Problem(display, f"feuille « {s} » absente du classeur", field=s,
                         expected=f"les feuilles « {SHEET_CASES} » et « {SHEET_FACTS} »",
                         found="feuilles : " + ", ".join(f"« {n} »" for n in wb.sheetnames)))
    if missing:
        return None
    ws_c, ws_f = wb[SHEET_CASES], wb[SHEET_FACTS]
    for ws in (ws_c, ws_f):
        reader.structure(ws)
        if ws.max_row > MAX_ROWS:
            P.append(Problem(display, "trop de lignes", field=ws.title, expected=f"au plus {MAX_ROWS}",
                             found=str(ws.max_row)))
            return None
    hc = reader.header(ws_c, CASE_COLUMNS, CASE_REQUIRED)
    hf = reader.header(ws_f, FACT_COLUMNS, FACT_REQUIRED)
    if hc is None or hf is None:
        return None
    return (ws_c, hc), (ws_f, hf)


def _blank(row) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in row)


def _stray_cells(reader: CellReader, ws, row, header: dict[str, int]) -> None:
    """A value in a column without a header is refused (it would be lost silently)."""
    for c in row:
        if c.column not in header.values() and c.value not in (None, ""):
            reader.add("valeur dans une colonne sans en-tête", f"{ws.title}!{c.coordinate}",
                       expected="une cellule vide", found=short(str(c.value)))


# --------------------------------------------------------------------------- sheet « cas »


def _case_cell(reader: CellReader, ws, name: str, cell, raw_id, cid):
    if name == "id":
        return raw_id
    if name == "baseline":
        return reader.boolean(ws, cell, cid, name)
    return reader.text(ws, cell, cid, name)


def _read_case_row(reader: CellReader, ws, row, hc: dict[str, int]) -> tuple[str | None, ParsedCase]:
    """The identifier and the parsed case of one row of the « cas » sheet."""
    r = row[0].row
    cells = {name: ws.cell(row=r, column=j) for name, j in hc.items()}
    _stray_cells(reader, ws, row, hc)
    loc = CaseLoc(row=r, cols={n: f"{ws.title}!{ws.cell(row=r, column=hc[n]).coordinate}"
                               if n in hc else f"{ws.title}!A{r}" for n in CASE_COLUMNS})
    raw_id = reader.text(ws, cells["id"], None, "id")
    cid = raw_id if isinstance(raw_id, str) else None
    data: dict = {}
    pc = ParsedCase(data=data, loc=loc)
    for name in CASE_COLUMNS:
        if name not in cells:
            continue
        v = _case_cell(reader, ws, name, cells[name], raw_id, cid)
        if v is SKIP:
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
    return cid, pc


def _read_cases_sheet(reader: CellReader, ws, hc: dict[str, int]) -> tuple[dict[str, ParsedCase], list[str]]:
    """The cases of the « cas » sheet by identifier, and their order."""
    cases: dict[str, ParsedCase] = {}
    order: list[str] = []
    for row in ws.iter_rows(min_row=2):
        if _blank(row):
            continue
        cid, pc = _read_case_row(reader, ws, row, hc)
        if cid is None:
            continue
        if cid in cases:
            reader.add("identifiant de cas en double dans la feuille « cas »", pc.loc.cols["id"], cid, "id",
                       expected="un identifiant unique", found=f"déjà utilisé ligne {cases[cid].loc.row}")
            continue
        cases[cid] = pc
        order.append(cid)
    return cases, order


# --------------------------------------------------------------------------- sheet « faits »


@dataclass
class _FactRow:
    """One row of the « faits » sheet being read."""

    row: int
    cells: dict
    refs: dict
    case_id: str | None = None
    path: str | None = None


def _fact_target(reader: CellReader, ws, fr: _FactRow, cases: dict, order: list[str], known: dict):
    """The case a fact row belongs to, or None when the row names no known case and field."""
    cid = reader.text(ws, fr.cells["case_id"], None, "case_id")
    path_ = reader.text(ws, fr.cells["field"], cid if isinstance(cid, str) else None, "field")
    if cid is None:
        reader.add("cellule obligatoire vide : à quel cas ce fait se rapporte-t-il ?", fr.refs["case_id"],
                   None, "case_id", expected="un identifiant de la feuille « cas »", found="rien")
    if path_ is None:
        reader.add("cellule obligatoire vide : quel champ ce fait renseigne-t-il ?", fr.refs["field"],
                   cid if isinstance(cid, str) else None, "field",
                   expected="un champ en chemin pointé (design.envelope…)", found="rien")
    if not isinstance(cid, str) or not isinstance(path_, str):
        return None
    if cid not in cases:
        hint = difflib.get_close_matches(cid, order, n=1)
        reader.add("cas inconnu : ce case_id n'est pas dans la feuille « cas »"
                   + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""), fr.refs["case_id"], cid,
                   "case_id", expected="un identifiant de la feuille « cas »", found=short(cid))
        return None
    pc = cases[cid]
    fr.case_id, fr.path = cid, path_
    if path_ == "design.currency":
        reader.add("la devise se saisit dans la colonne « currency » de la feuille « cas »", fr.refs["field"],
                   cid, path_, expected="une ligne de la feuille « cas »", found=short(path_))
        pc.bad_facts.add(path_)
        return None
    if path_ not in known:
        hint = difflib.get_close_matches(path_, list(known), n=1)
        reader.add("champ inconnu" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""),
                   fr.refs["field"], cid, path_,
                   expected="un champ de la feuille « lisez-moi » (design.envelope, scores.decision_power…)",
                   found=short(path_))
        pc.bad_facts.add(path_)
        return None
    return pc


def _alternative_no(reader: CellReader, ws, fr: _FactRow):
    """The row's alternative number (None for the retained value), or SKIP when the cell is refused."""
    if "alternative" not in fr.cells:
        return None
    a = reader.raw(ws, fr.cells["alternative"], fr.case_id, fr.path)
    if isinstance(a, str) and a.isdigit():
        a = int(a)
    if isinstance(a, float) and a.is_integer():
        a = int(a)
    if a is SKIP:
        return SKIP
    if a is not None and (isinstance(a, bool) or not isinstance(a, int) or a < 1):
        reader.add("numéro d'alternative invalide : laissez vide pour la valeur retenue, 1, 2… pour "
                   "les autres sources", fr.refs["alternative"], fr.case_id, fr.path,
                   expected="vide ou un entier ≥ 1", found=short(a) if isinstance(a, str) else str(a))
        return SKIP
    return a


def _fact_record(reader: CellReader, ws, fr: _FactRow, kind: str, alt_no, pc: ParsedCase) -> dict:
    """The fact's record (value, year, source, confidence, note) read from its cells."""
    rec: dict = {}
    sub = f"{fr.path}.alternatives[{alt_no - 1}]" if alt_no else fr.path
    for name in FACT_KEY_ORDER:
        if name not in fr.cells:
            continue
        dotted = f"{sub}.{name}"
        if name == "value":
            v = reader.value(ws, fr.cells[name], kind, fr.case_id, dotted)
        elif name == "year":
            v = reader.year(ws, fr.cells[name], fr.case_id, dotted)
        else:
            v = reader.text(ws, fr.cells[name], fr.case_id, dotted)
        if v is SKIP:
            pc.bad_facts.add(fr.path)
            continue
        rec[name] = v
    rec.setdefault("value", None)
    return {k: v for k, v in rec.items() if v is not None or k == "value"}


def _read_facts_sheet(reader: CellReader, ws, hf: dict[str, int], cases: dict[str, ParsedCase],
                      order: list[str], known: dict) -> tuple[dict, dict]:
    """The retained record of each (case, field) and the list of its alternatives."""
    mains: dict[tuple[str, str], dict] = {}
    alts: dict[tuple[str, str], list] = {}
    for row in ws.iter_rows(min_row=2):
        if _blank(row):
            continue
        r = row[0].row
        fr = _FactRow(row=r, cells={name: ws.cell(row=r, column=j) for name, j in hf.items()},
                      refs={name: f"{ws.title}!{ws.cell(row=r, column=j).coordinate}" for name, j in hf.items()})
        _stray_cells(reader, ws, row, hf)
        pc = _fact_target(reader, ws, fr, cases, order, known)
        if pc is None:
            continue
        alt_no = _alternative_no(reader, ws, fr)
        if alt_no is SKIP:
            pc.bad_facts.add(fr.path)
            continue
        rec = _fact_record(reader, ws, fr, known[fr.path][0], alt_no, pc)
        key = (fr.case_id, fr.path)
        if alt_no is not None:
            alts.setdefault(key, []).append((alt_no, r, rec, fr.refs))
        elif key in mains:
            reader.add("fait en double : une seule ligne sans numéro d'alternative par cas et par champ",
                       fr.refs["field"], fr.case_id, fr.path, expected="une ligne retenue",
                       found=f"déjà renseigné ligne {mains[key]['_row']}")
            pc.bad_facts.add(fr.path)
        else:
            rec["_row"] = r
            mains[key] = rec
            pc.loc.facts.setdefault(fr.path, FactLoc()).cols = dict(fr.refs)
    return mains, alts


def _attach_alternatives(reader: CellReader, cases: dict[str, ParsedCase], mains: dict, alts: dict) -> None:
    """Each retained record takes its alternatives, in the order of their numbers."""
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
        floc = pc.loc.facts.setdefault(path_, FactLoc())
        floc.alts = [refs for _, _, _, refs in lst]
        mains[key]["alternatives"] = [rec for _, _, rec, _ in lst]


def _assemble(cases: dict[str, ParsedCase], mains: dict) -> None:
    """Put each retained record (with its alternatives) at its dotted path in its case's data."""
    for (cid, path_), rec in mains.items():
        rec.pop("_row", None)
        data = cases[cid].data
        parts = path_.split(".")
        if len(parts) == 1:
            data[parts[0]] = rec
        else:
            data.setdefault(parts[0], {})[parts[1]] = rec


def read_workbook(project, path: Path, display: str) -> tuple[list[ParsedCase], list[Problem]]:
    """The cases a workbook describes, in the order of the « cas » sheet, and every problem of its cells."""
    wb, problems = _open(path, display)
    if wb is None:
        return [], problems
    reader = CellReader(display)
    sheets = _sheets(wb, reader)
    if sheets is None:
        return [], reader.problems
    (ws_c, hc), (ws_f, hf) = sheets
    cases, order = _read_cases_sheet(reader, ws_c, hc)
    mains, alts = _read_facts_sheet(reader, ws_f, hf, cases, order, fact_paths(project.catalogue))
    _attach_alternatives(reader, cases, mains, alts)
    _assemble(cases, mains)
    return [cases[c] for c in order], reader.problems


_CASE_EXPECTED = {
    "id": "un identifiant (minuscules, chiffres et _)",
    "family": "une famille (voir la feuille « lisez-moi »)",
    "name": "le nom du dispositif",
    "territory": "le territoire",
    "country": "un code pays (FR…)",
    "level": "un échelon (" + ", ".join(LEVELS) + ")",
    "summary": "un résumé en français",
}
