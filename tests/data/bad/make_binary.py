"""Generate the binary (or byte-sensitive) files of the bad-input corpus into a folder.

These files are not committed: a non-UTF-8 file, a byte-order mark or Windows line endings would
be changed by an editor or by git, a huge file would bloat the repository, and workbooks are
binary. ``tests/test_bad_inputs.py`` calls :func:`make_all` into a temporary folder.

Usage: ``python tests/data/bad/make_binary.py DOSSIER``
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
URL = "https://example.org/ville-corpus"

#: A valid case for the workbooks (same as ville_corpus_bp.yml, with an alternative value).
WORKBOOK_CASE = {
    "id": "ville_classeur_bp",
    "name": "Budget participatif de Ville-Classeur",
    "family": "budget_participatif",
    "territory": "Ville-Classeur",
    "country": "FR",
    "level": "commune",
    "baseline": False,
    "summary": "Cas synthétique du corpus d'entrées invalides, saisi dans un classeur.",
    "population": {"value": 100000, "year": 2020, "source": URL, "confidence": "documented"},
    "design": {
        "envelope": {"value": 1000000, "year": 2020, "source": URL, "confidence": "documented",
                     "note": "Retenu : règlement.",
                     "alternatives": [{"value": 900000, "year": 2020, "source": URL, "confidence": "documented"}]},
        "envelope_period_years": {"value": 1, "year": 2020, "source": URL, "confidence": "documented"},
        "voting_channels": {"value": ["en_ligne", "urne"], "year": 2020, "source": URL, "confidence": "documented"},
    },
    "outcomes": {
        "projects_submitted": {"value": 200, "year": 2020, "source": URL, "confidence": "documented"},
        "projects_retained": {"value": 30, "year": 2020, "source": URL, "confidence": "documented"},
    },
    "scores": {
        "decision_power": {"value": 3, "year": 2020, "source": URL, "confidence": "coded",
                           "note": "« le vote des habitants est contraignant » → niveau 3"},
    },
}


def _base_text() -> str:
    return (HERE / "ville_corpus_bp.yml").read_text(encoding="utf-8")


def _find(ws, case_id: str, field: str, alternative=None) -> int:
    """Row of the ``faits`` sheet holding ``field`` of ``case_id``."""
    for row in ws.iter_rows(min_row=2):
        if row[0].value == case_id and row[1].value == field and row[2].value == alternative:
            return row[0].row
    raise KeyError(field)


def _col(name: str) -> str:
    from openpyxl.utils import get_column_letter

    from benchmark_tools.workbook import CASE_COLUMNS

    return get_column_letter(CASE_COLUMNS.index(name) + 1)


def _workbooks(out: Path) -> list[Path]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from benchmark_tools.workbook import CASE_COLUMNS, build_workbook

    def fresh():
        wb = build_workbook([WORKBOOK_CASE])
        return wb, wb["cas"], wb["faits"]

    made = []

    def save(wb, name):
        p = out / name
        wb.save(p)
        made.append(p)

    wb, _, _ = fresh()
    save(wb, "wb_valid.xlsx")

    wb, _, _ = fresh()
    del wb["faits"]
    save(wb, "wb_missing_sheet.xlsx")

    wb, _, wf = fresh()
    r = _find(wf, "ville_classeur_bp", "design.envelope")
    wf.merge_cells(f"D{r}:E{r}")
    save(wb, "wb_merged.xlsx")

    wb, _, wf = fresh()
    r = _find(wf, "ville_classeur_bp", "design.envelope")
    wf[f"D{r}"] = "=900000+100000"
    save(wb, "wb_formula.xlsx")

    wb, _, wf = fresh()
    r = _find(wf, "ville_classeur_bp", "outcomes.projects_submitted")
    wf[f"D{r}"] = dt.datetime(2024, 5, 1)
    save(wb, "wb_date_number.xlsx")

    wb, _, wf = fresh()
    r = _find(wf, "ville_classeur_bp", "design.envelope")
    wf[f"D{r}"] = "1 M€"
    save(wb, "wb_text_number.xlsx")

    wb, _, wf = fresh()
    r = _find(wf, "ville_classeur_bp", "design.envelope")
    wf[f"B{r}"] = "design.enveloppe"
    save(wb, "wb_unknown_field.xlsx")

    wb, _, wf = fresh()
    r = _find(wf, "ville_classeur_bp", "outcomes.projects_retained")
    wf[f"A{r}"] = "ville_inconnue_bp"
    save(wb, "wb_unknown_case.xlsx")

    wb, wc, _ = fresh()
    wc[f"{_col('territory')}2"] = None
    save(wb, "wb_empty_required.xlsx")

    wb, _, wf = fresh()
    r = _find(wf, "ville_classeur_bp", "scores.decision_power")
    wf[f"D{r}"] = 5
    save(wb, "wb_bad_level.xlsx")

    wb, wc, _ = fresh()
    extra = get_column_letter(len(CASE_COLUMNS) + 1)  # first column after the known ones
    wc[f"{extra}1"] = "couleur"
    wc[f"{extra}2"] = "rouge"
    save(wb, "wb_unknown_column.xlsx")

    wb, _, wf = fresh()
    r = _find(wf, "ville_classeur_bp", "design.envelope")
    wf[f"E{r}"] = dt.date(2020, 1, 1)
    save(wb, "wb_date_year.xlsx")

    # Not a workbook at all: a CSV saved with the .xlsx extension.
    p = out / "wb_not_xlsx.xlsx"
    p.write_text("id;family\nville_classeur_bp;budget_participatif\n", encoding="utf-8")
    made.append(p)
    # Re-open one file to make sure the generator writes what openpyxl reads back.
    load_workbook(out / "wb_valid.xlsx")
    return made


def make_all(out: Path | str) -> list[Path]:
    """Write every generated file of the corpus into ``out``; return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = _base_text()
    files = {
        "non_utf8.yml": base.replace("Ville-Corpus\n", "Ville-Corpus\n", 1).replace(
            "territory: Ville-Corpus", "territory: Montréal").encode("latin-1", errors="replace"),
        "bom.yml": b"\xef\xbb\xbf" + base.encode("utf-8"),
        "crlf.yml": base.replace("\n", "\r\n").encode("utf-8"),
        "huge.yml": (base + "# " + "x" * 200 + "\n").encode("utf-8") * 1 + (
            ("# remplissage " + "y" * 100 + "\n") * 12_000).encode("utf-8"),
        "deep_nesting.yml": ("id: ville_corpus_bp\nname: " + "[" * 3000 + "]" * 3000 + "\n").encode("utf-8"),
        "control_char.yml": base.replace("territory: Ville-Corpus", "territory: Ville\x07Corpus").encode("utf-8"),
    }
    made = []
    for name, data in files.items():
        p = out / name
        p.write_bytes(data)
        made.append(p)
    made += _workbooks(out)
    return made


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bad_generated")
    for p in make_all(target):
        print(p)
