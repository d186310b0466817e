"""The short note: 4–8 pages of PDF, an editable DOCX, and the same numbers as the full report."""

from __future__ import annotations

import re

import pytest
from docx import Document
from notekit import SERVICES, make_note_project, write_consultation
from pypdf import PdfReader

from benchmark_tools.formats import fmt_meur
from benchmark_tools.note import build_note, note_html, priority_rows, report_sections, write_note
from benchmark_tools.project import load_project
from benchmark_tools.scenarios import scenario_rows


def _flat(text: str) -> str:
    """Text without any kind of space (PDF extraction changes thin and non-breaking spaces)."""
    return re.sub(r"[\s\u00a0\u202f]+", "", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_note_project(tmp_path_factory.mktemp("note"))
    for service, ranking in SERVICES.items():
        write_consultation(root, service, ranking)
    write_consultation(root, "Service <script>alert(1)</script>", SERVICES["Direction des finances"],
                       date="2027-01-20", open_questions=["Budget <b>annexe</b> ?"])
    project = load_project(root)
    content = build_note(project)
    out = root / "reports" / "latest"
    paths = write_note(project, out, content=content)
    return project, content, paths


def test_pdf_has_four_to_eight_pages(built):
    _, _, paths = built
    n = len(PdfReader(str(paths["pdf"])).pages)
    assert 4 <= n <= 8


def test_pdf_shows_the_scenario_costs_and_priorities(built):
    _, content, paths = built
    text = _flat("".join(p.extract_text() for p in PdfReader(str(paths["pdf"])).pages))
    for fs in content.scenarios.values():
        for sc in fs.scenarios:
            assert _flat(fmt_meur(sc.yearly_cost)) in text
    for p in content.priorities:
        assert _flat(p.title)[:30] in text


def test_docx_has_headings_tables_per_family_and_a_picture(built):
    _, content, paths = built
    doc = Document(str(paths["docx"]))
    styles = [p.style.name for p in doc.paragraphs]
    assert "Heading 1" in styles and "Heading 2" in styles
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    for fs in content.scenarios.values():
        assert fs.family_label in h2
    # One scenario table per family, each with its header row, plus the figures and priorities tables.
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert sum(h == ["", "Sobre", "Médian", "Ambitieux"] for h in headers) == len(content.scenarios) == 3
    assert len(doc.inline_shapes) >= 1
    body = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    for fs in content.scenarios.values():
        for row in scenario_rows(fs)[1:]:
            assert row[2] in body


def test_note_and_report_show_the_same_numbers(built):
    """The report's sections and the note are built from separate runs, as in « make report »."""
    project, content, _ = built
    again = build_note(project, with_chart=False)  # what the report notebook computes
    report_html = "".join(b.html for b in report_sections(again))
    note = note_html(content)
    for fam, fs in content.scenarios.items():
        assert scenario_rows(fs) == scenario_rows(again.scenarios[fam])
        for row in scenario_rows(fs):
            for cell in row:
                esc = cell.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#x27;")
                assert esc in note and esc in report_html
    assert priority_rows(content) == priority_rows(again)
    for p in content.priorities:
        assert p.title.replace("'", "&#x27;") in report_html
    assert [f.text for f in content.sizing.figures] == [f.text for f in again.sizing.figures]
    for f in content.sizing.figures:
        assert f.formula.replace("'", "&#x27;") in report_html


def test_services_views_in_the_note(built):
    _, content, _ = built
    assert content.services_sentence.startswith("4 réunion(s)")
    assert set(SERVICES) <= set(content.services_table.columns)
    assert any("Question de Direction des finances" in q for q in content.open_questions)
    assert any("CGCT L.5215-26" in c for c in content.constraints)


def test_text_from_files_is_escaped(built):
    _, content, paths = built
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>annexe</b>" not in html and "&lt;b&gt;annexe&lt;/b&gt;" in html


def test_retention_share_is_shown_when_exposed(built):
    from dataclasses import replace

    from benchmark_tools.note import _stability

    project, content, _ = built
    from benchmark_tools.recommend import recommend_all

    rec = recommend_all(project).sets["budget_participatif"].recommendations[0]
    rec = replace(rec, values={**rec.values, "retention_share": 0.83})
    assert "retenue dans 83\u00a0% des tirages" in _stability(rec, "budget_participatif", None)


@pytest.mark.slow  # two command-line runs, one renders the PDF: make test-slow, CI
def test_cli_note_writes_pdf_and_docx_or_says_what_to_do(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    cli = Path(sys.executable).parent / "benchmark-tools"
    root = make_note_project(tmp_path / "p")
    env = dict(os.environ, BENCHMARK_ROOT=str(root), OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    r = subprocess.run([str(cli), "note"], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "make report" in r.stderr and "Traceback" not in r.stderr
    out = tmp_path / "sortie"
    r = subprocess.run([str(cli), "note", "--out", str(out)], cwd=root, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert (out / "note_de_synthese.pdf").stat().st_size > 0 and (out / "note_de_synthese.docx").stat().st_size > 0
