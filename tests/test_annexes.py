"""The long annexes go to annexes.pdf; the main PDF keeps their headings (same anchors) and a pointer."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from benchmark_tools.annexes import ANNEX_PDF, render_split_pdfs, split_annexes

HEAD = "<html><head><style>p{}</style></head><body>\n<main class=\"rapport\">\n"


def _cell(inner: str) -> str:
    return f'<div class="cell border-box-sizing text_cell rendered"><div class="inner_cell">{inner}</div></div>\n'


def _page(n_sheets: int = 30) -> str:
    sheets = "".join(_cell(f'<h4 id="cas-{i}">Cas {i}</h4>' + "<p>fait</p>" * 40) for i in range(n_sheets))
    return (HEAD + _cell('<nav class="toc"><a href="#ref">Référentiel des critères</a></nav>')
            + _cell('<h2 id="Preco">Préconisations</h2><p>texte principal</p>')
            + _cell('<h3 id="ref">Référentiel des critères</h3>') + _cell("<p>critère EMP1</p>")
            + _cell('<h3 id="fiches">Fiches des cas</h3>') + sheets
            + _cell('<h3 id="couv">Couverture des données et conflits de sources</h3><p>tableau</p>')
            + _cell('<h3 id="biblio">Bibliographie</h3><p>références</p>') + "</main>\n</body>\n</html>\n")


def _balanced(html: str) -> bool:
    return html.count("<div") == html.count("</div>")


def test_split_moves_the_long_annexes_and_keeps_the_anchors():
    s = split_annexes(_page())
    assert s.moved == ("Référentiel des critères", "Fiches des cas", "Couverture des données et conflits de sources")
    assert "critère EMP1" not in s.main and "Cas 3" not in s.main and "tableau" not in s.main
    assert "texte principal" in s.main and "références" in s.main
    for anchor in ("ref", "fiches", "couv"):
        assert f'id="{anchor}"' in s.main  # the table of contents still links somewhere
    assert s.main.count(ANNEX_PDF) == 3
    assert "critère EMP1" in s.annexes and "Cas 29" in s.annexes and "texte principal" not in s.annexes
    assert "<style>" in s.annexes and s.annexes.rstrip().endswith("</html>")
    assert _balanced(s.main) and _balanced(s.annexes)


def test_no_annex_headings_means_no_split():
    assert split_annexes(HEAD + _cell("<p>rien</p>") + "</main></body></html>") is None


@pytest.mark.slow  # renders three PDFs: make test-slow, CI
def test_split_pdfs_page_counts(tmp_path):
    import weasyprint

    def render(h, p):
        weasyprint.HTML(filename=str(h)).write_pdf(str(p))

    html = tmp_path / "preconisations.html"
    html.write_text(_page(), encoding="utf-8")
    whole = tmp_path / "whole.pdf"
    render(html, whole)
    assert render_split_pdfs(html, tmp_path / "main.pdf", tmp_path / "annexes.pdf", render)
    n_whole, n_main, n_annex = (len(PdfReader(str(p)).pages)
                                for p in (whole, tmp_path / "main.pdf", tmp_path / "annexes.pdf"))
    assert n_main < n_whole and n_annex > n_main
    text = re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(str(tmp_path / "main.pdf")).pages))
    assert "annexes.pdf" in text and "Cas 12" not in text
    assert not list(tmp_path.glob("_*.html"))  # temporary pages removed


def test_the_facts_to_find_open_the_moved_part_when_present():
    page = _page(2).replace('<h3 id="ref">', '<h3 id="faits">Faits à rechercher en priorité</h3><p>liste des faits</p>'
                            '</div></div>\n<div class="cell border-box-sizing text_cell rendered"><div class="inner_cell">'
                            '<h3 id="ref">', 1)
    s = split_annexes(page)
    assert s.moved[:2] == ("Faits à rechercher en priorité", "Référentiel des critères")
    assert "liste des faits" in s.annexes and "liste des faits" not in s.main
    assert 'id="faits"' in s.main and _balanced(s.main) and _balanced(s.annexes)
