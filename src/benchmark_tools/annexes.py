"""Split the long annexes (criteria reference, case sheets, data coverage) out of the main PDF into ``annexes.pdf``.

The HTML report keeps everything on one page with its anchors. For paper, the criteria reference
and the case sheets (about two thirds of the pages) go to a second PDF, so that the main PDF
stays short; in the main PDF each moved heading stays in place (same anchor, so the table of
contents still links to it) with one sentence pointing to ``annexes.pdf``.

The split works on the top-level notebook cells of the rendered page (``<div class="cell …">``
siblings inside ``<main class="rapport">``), so both halves stay well-formed HTML.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .htmlsafe import drop_attachments, pdf_url_fetcher

#: Headings (text of the ``<h3>``) that may open the moved part (the first one found wins) and of the
#: first section that stays: the facts to find, the criteria reference and calibration tables, the case
#: sheets and the data coverage tables move; the bibliography and the glossary stay in the main PDF.
FIRST_MOVED = ("Faits à rechercher en priorité", "Référentiel des critères")
FIRST_KEPT = "Bibliographie"
ANNEX_PDF = "annexes.pdf"

_CELL = '<div class="cell '
_H3 = re.compile(r'<h3 id="([^"]+)"[^>]*>(.*?)</h3>', re.S)


@dataclass(frozen=True)
class Split:
    main: str
    annexes: str
    moved: tuple[str, ...]  # headings moved to the annexes


def _cell_start(html: str, pos: int) -> int:
    i = html.rfind(_CELL, 0, pos)
    return i if i >= 0 else pos


def _heading_pos(html: str, text: str) -> int:
    for m in _H3.finditer(html):
        label = re.sub(r"<[^>]+>", "", m.group(2)).strip()
        if label == text:
            return m.start()
    return -1


def split_annexes(html: str) -> Split | None:
    """The main page without the long annexes, and the annexes as their own page; None if not found."""
    starts = [p for p in (_heading_pos(html, h) for h in FIRST_MOVED) if p >= 0]
    a, b = (min(starts) if starts else -1), _heading_pos(html, FIRST_KEPT)
    first_cell = html.find(_CELL)
    end = html.rfind("</main>")
    if min(a, b, first_cell, end) < 0 or not a < b:
        return None
    a, b = _cell_start(html, a), _cell_start(html, b)
    moved_html = html[a:b]
    # The moved sections' headings (h3; the case sheets and dimensions inside use h4).
    heads = [(m.group(1), re.sub(r"<[^>]+>", "", m.group(2)).strip()) for m in _H3.finditer(moved_html)]
    stub = "".join(
        f'{_CELL}border-box-sizing text_cell rendered"><h3 id="{hid}">{label}</h3>'
        f"<p>Cette annexe est dans le second PDF, <strong>{ANNEX_PDF}</strong> (même dossier) ; la page HTML du "
        "rapport la contient aussi.</p></div>\n" for hid, label in heads)
    main = html[:a] + stub + html[b:]
    annexes = (html[:first_cell] + '<h1 id="annexes-pdf">Annexes du rapport</h1>\n' + moved_html + html[end:])
    return Split(main, annexes, tuple(label for _, label in heads))


def render_split_pdfs(html_path, main_pdf, annex_pdf, render) -> bool:
    """Render the main PDF without the long annexes and ``annexes.pdf`` with them.

    ``render(html_path, pdf_path)`` is the report's PDF renderer. Returns False (and renders the
    whole page as the main PDF) when the annex headings are not found.
    """
    html_path = Path(html_path)
    split = split_annexes(html_path.read_text(encoding="utf-8"))
    if split is None:
        render(html_path, main_pdf)
        return False
    tmp_main = html_path.with_name("_principal.html")
    tmp_annex = html_path.with_name("_annexes.html")
    try:
        tmp_main.write_text(split.main, encoding="utf-8")
        tmp_annex.write_text(split.annexes, encoding="utf-8")
        render(tmp_main, main_pdf)
        render(tmp_annex, annex_pdf)
    finally:
        tmp_main.unlink(missing_ok=True)
        tmp_annex.unlink(missing_ok=True)
    return True


def render_pdf(html_path: Path, pdf_path: Path) -> None:
    """A4 PDF from the HTML with WeasyPrint (page numbers and running title from the CSS).

    The renderer reads the page's own ``data:`` figures and nothing else (no file of the machine,
    nothing from the network), and no ``rel=attachment`` is honoured: see :mod:`.htmlsafe`.
    """
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    import weasyprint  # heavy (≈ 1 s): imported when a PDF is rendered, not with the package

    page = drop_attachments(Path(html_path).read_text(encoding="utf-8"))
    # No base URL: a relative reference resolves to nothing rather than to the run folder.
    weasyprint.HTML(string=page, url_fetcher=pdf_url_fetcher()).write_pdf(str(pdf_path))
