"""Hostile but schema-shaped text in every free-text field: the rendered report stays inert.

The corpus (tests/hostilekit.py) goes into a loaded synthetic project in memory — bypassing
``validate``, which refuses some of it: the rendering must be safe on its own — then the report
notebook runs in-process, is rendered by the real exporter (HTML with its CSP) and by WeasyPrint
(main PDF and annexes.pdf). The page is opened in headless Chromium.
"""

from __future__ import annotations

import re
import secrets
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browserkit import launch, needs_chromium
from hostilekit import execute_in_process, payloads, poison, url_payloads

from tinyproject import make_tiny_project

pytestmark = pytest.mark.slow  # renders the whole report (about 40 s)


class _Scan(HTMLParser):
    """Every element, attribute and link of a page (what the browser will build, statically)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.srcs: list[str] = []
        self.rels: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k.lower().startswith("on"):
                self.handlers.append((tag, k))
            if k == "href":
                self.links.append(v or "")
            if k in ("src", "srcdoc", "data", "action", "formaction", "background", "poster"):
                self.srcs.append(f"{tag}.{k}={(v or '')[:40]}")
            if k == "rel":
                self.rels.append(v or "")


def scan(html: str) -> _Scan:
    s = _Scan()
    s.feed(html)
    return s


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The rendered hostile report: (html text, run folder, canary token, fields poisoned)."""
    from benchmark_tools import project as project_module
    from benchmark_tools.annexes import ANNEX_PDF, render_pdf, render_split_pdfs
    from benchmark_tools.project import load_project
    from benchmark_tools.report_run import REPORT_NOTEBOOK, render_html

    base = tmp_path_factory.mktemp("hostile")
    root = make_tiny_project(base / "proj")
    token = "CANARI-" + secrets.token_hex(8)
    canary = base / "canari.txt"
    canary.write_text(token + "\n", encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("BENCHMARK_ROOT", str(root))
    mp.setenv("MPLBACKEND", "Agg")
    try:
        project = load_project(root)
        fields = poison(project, payloads(canary), url_payloads(canary))
        mp.setattr(project_module, "load_project", lambda *a, **k: project)
        nb = execute_in_process(root / "notebooks" / REPORT_NOTEBOOK, {"n_draws": 200})
    finally:
        mp.undo()
    import nbformat

    out = base / "run"
    out.mkdir()
    executed = out / "90_rapport.ipynb"
    nbformat.write(nb, executed)
    html = render_html(executed, "<img src=x onerror=alert('titre')>")
    page = out / "preconisations.html"
    page.write_text(html, encoding="utf-8")
    render_split_pdfs(page, out / "preconisations.pdf", out / ANNEX_PDF, render_pdf)
    return html, out, token, fields


def test_every_kind_of_text_field_was_poisoned(hostile):
    *_, fields = hostile
    for f in ["Case.name", "Case.short_name", "Case.summary", "Case.edition", "Case.territory", "Fact.note",
              "Fact.source", "Profile.label_fr", "Profile.viewpoint", "Criterion.description", "Criterion.levels",
              "Criterion.label_fr", "Source.citation", "Source.url", "Family.label_fr"]:
        assert f in fields, f


def test_corpus_is_large_enough(tmp_path):
    assert len(payloads(tmp_path / "c")) >= 25


def test_page_has_no_active_markup(hostile):
    html, *_ = hostile
    s = scan(html)
    assert s.handlers == []
    for bad in ("script", "iframe", "object", "embed", "form", "base", "svg", "math", "video", "details", "link"):
        assert bad not in s.tags, bad
    # Links: in-page anchors and well-formed http(s) only.
    for href in s.links:
        assert href.startswith("#") or re.fullmatch(r"https?://[^\s<>\"'`]+", href), href
    # Resources: only the report's own data: images.
    for src in s.srcs:
        assert src.startswith("img.src=data:image/"), src
    assert not any("attachment" in r for r in s.rels)
    # The page's own title (Jinja, autoescaped) and the CSP.
    assert "<title>&lt;img src=x onerror=alert('titre')&gt;</title>" in html
    assert 'http-equiv="Content-Security-Policy"' in html


def test_payload_text_is_shown_not_executed(hostile):
    html, *_ = hostile
    # The payloads are still there, as text.
    assert "&lt;img src=x onerror=alert('img')&gt;" in html
    assert "&lt;script&gt;alert('script')&lt;/script&gt;" in html


def _pdf_checks(path: Path, token: str):
    from pypdf import PdfReader

    raw = path.read_bytes()
    assert token.encode() not in raw
    reader = PdfReader(str(path))
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    text = []
    for page in reader.pages:
        for a in page.get("/Annots") or []:
            a = a.get_object()
            assert a.get("/Subtype") != "/FileAttachment"
            uri = (a.get("/A") or {}).get("/URI")
            if uri is not None:
                assert str(uri).startswith(("http://", "https://")), uri
        text.append(page.extract_text() or "")
    assert token not in "".join(text)
    assert b"/EmbeddedFile" not in raw


def test_pdfs_embed_no_file_and_no_attachment(hostile):
    _, out, token, _ = hostile
    from benchmark_tools.annexes import ANNEX_PDF

    _pdf_checks(out / "preconisations.pdf", token)
    if (out / ANNEX_PDF).exists():
        _pdf_checks(out / ANNEX_PDF, token)


@pytest.mark.browser
@needs_chromium
def test_hostile_report_in_headless_chromium(hostile):
    from playwright.sync_api import sync_playwright

    _, out, _, _ = hostile
    dialogs, requests = [], []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.goto((out / "preconisations.html").resolve().as_uri())
            page.wait_for_timeout(1500)  # let any animation or load handler fire
            # Hover and toggle everything once: handlers on mouse events would fire now.
            page.mouse.move(300, 300)
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_timeout(300)
            on_attrs = page.evaluate(
                "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
                ".filter(a => a.name.toLowerCase().startsWith('on')).map(a => e.tagName + '.' + a.name))")
            bad_links = page.evaluate(
                "[...document.querySelectorAll('a[href], area[href]')].map(a => a.getAttribute('href').trim())"
                ".filter(h => /^(javascript|data|file|vbscript):/i.test(h))")
            bad_res = page.evaluate(
                "[...document.querySelectorAll('[src], [srcdoc], iframe, object, embed, script, svg')]"
                ".filter(e => !(e.tagName === 'IMG' && e.src.startsWith('data:image/'))).map(e => e.outerHTML.slice(0, 80))")
            n_figures = page.evaluate(
                "[...document.querySelectorAll('img.figure')].filter(i => i.complete && i.naturalWidth > 0).length")
        finally:
            browser.close()
    assert dialogs == []
    assert on_attrs == []
    assert bad_links == []
    assert bad_res == []
    assert n_figures >= 5  # the figures still render under the CSP
    assert all(r.startswith(("data:", "file://" + str(out.resolve()))) for r in requests), requests
