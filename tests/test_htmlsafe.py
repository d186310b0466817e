"""The one escaping and link rule (benchmark_tools.htmlsafe), and each place of the report that puts
file text into HTML, fed a hostile string directly: removing the escaping at any one site fails here."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pandas as pd
import pytest

from benchmark_tools import htmlsafe
from benchmark_tools.cases import _link, case_sheet_markdown
from benchmark_tools.report_blocks import bibliography, recommendations_annex, shorten_links
from benchmark_tools.report_html import figure, heading, html_table, paragraph
from benchmark_tools.report_run import insert_toc

TAG = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
BREAKOUT = "https://example.org/<img\tsrc=x\tonerror=alert(document.domain)//"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        handlers = [k for k, _ in attrs if k.lower().startswith("on")]
        src = dict(attrs).get("src") or ""
        if handlers or tag in ("script", "svg", "iframe", "math", "details") or (tag == "img" and not src.startswith("data:image/")):
            self.found.append((tag, attrs))


def _no_raw_tag(html: str):
    """No element with an on* handler, no script/svg/iframe, no image but the report's data: figures."""
    p = _Tags()
    p.feed(html)
    assert p.found == [], (p.found, html[:300])


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("url", [
    "https://example.org", "https://example.org/", "http://example.org/a/b?c=1&d=2#e",
    "https://www.rennes.fr/budget-participatif", "https://example.org:8443/x", "https://bp.ville-île.fr/page",
])
def test_well_formed_web_urls_are_kept(url):
    assert htmlsafe.safe_url(url) == url


@pytest.mark.parametrize("url", [
    BREAKOUT, "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>",
    "file:///etc/hostname", "vbscript:msgbox(1)", "ftp://example.org/", "http", "https://", "https:///x",
    "https://exa mple.org/", "https://example.org/a b", "https://example.org/\"onmouseover=x", "https://example.org/'x",
    "https://example.org/<b>", "https://example.org/`x`", "https://example.org/\\x", "https://user@example.org/",
    "https://example.org/\nx", "https://example.org/\u2028x", "//example.org/x", None, 42,
])
def test_everything_else_is_refused(url):
    assert htmlsafe.safe_url(url) is None


def test_link_makes_an_anchor_only_for_a_safe_url():
    assert htmlsafe.link("https://example.org/p?a=1&b=2") == (
        '<a href="https://example.org/p?a=1&amp;b=2" rel="noopener noreferrer">example.org</a>')
    assert htmlsafe.link("https://example.org/p", "<b>") == (
        '<a href="https://example.org/p" rel="noopener noreferrer">&lt;b&gt;</a>')
    for bad in (BREAKOUT, "javascript:alert(1)", "file:///etc/hostname"):
        out = htmlsafe.link(bad)
        assert "<a" not in out and "<img" not in out
        assert out == htmlsafe.text(bad)


def test_text_escapes_markup_and_both_quotes():
    assert htmlsafe.text("<a href='x' title=\"y\">&</a>") == "&lt;a href=&#x27;x&#x27; title=&quot;y&quot;&gt;&amp;&lt;/a&gt;"
    assert htmlsafe.text(None) == ""


def test_sources_field_links_each_safe_part_only():
    out = htmlsafe.sources("https://example.org/a ; javascript:alert(1) ; Délibération du 3 mai")
    assert out.count("<a ") == 1
    assert "javascript:alert(1)" in out and 'href="javascript' not in out


@pytest.mark.parametrize("md", [
    TAG, "<script>alert(1)</script>", "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))",
    "[x](&#x6A;avascript:alert(1))", "<javascript:alert(1)>", "[x](data:text/html,hi)", "[x](file:///etc/hostname)",
    "![x](https://example.org/a.png)", "<a rel=attachment href=file:///etc/hostname>x</a>", BREAKOUT,
    "<svg><animate onbegin=alert(1)>", "<details open ontoggle=alert(1)>",
])
def test_markdown_has_no_raw_html_and_no_unsafe_link(md):
    out = htmlsafe.markdown(md)
    assert not re.search(r"<(?!/?(p|a|h\d|ul|ol|li|em|strong|code|table|thead|tbody|tr|th|td|br|hr|blockquote|pre)\b)",
                         out), out
    for href in re.findall(r'href="([^"]*)"', out):
        assert htmlsafe.safe_url(href), href
    assert "<img" not in out


def test_markdown_links_carry_rel_and_headings_an_ascii_id():
    out = htmlsafe.markdown("### Préconisations — <b>\n\n[site](https://example.org/x) <https://example.org/y>")
    assert '<h3 id="preconisations-b">' in out
    assert out.count('rel="noopener noreferrer"') == 2


def test_attachments_are_neutralised():
    page = '<a\trel=attachment\thref=file:///etc/hostname>x</a><link rel="stylesheet attachment" href="x">'
    out = htmlsafe.drop_attachments(page)
    assert "attachment" not in out


def test_pdf_fetcher_serves_data_only(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    fetch = htmlsafe.pdf_url_fetcher()
    with pytest.raises(ValueError):
        fetch(secret.as_uri())
    with pytest.raises(ValueError):
        fetch("http://127.0.0.1:9/")
    data = "data:text/plain;base64," + base64.b64encode(b"ok").decode()
    res = fetch(data)
    body = res.read() if hasattr(res, "read") else res.get("string")
    assert body == b"ok"


# --------------------------------------------------------------------------- each site


def test_heading_escapes_text_and_anchor():
    out = heading(TAG, 3, anchor='x" onmouseover="alert(1)').html
    _no_raw_tag(out)
    assert 'onmouseover="' not in out


def test_html_table_escapes_caption_headers_index_cells_and_links():
    df = pd.DataFrame({TAG: [TAG, "ok"], "Source": [BREAKOUT, "javascript:alert(1)"]}, index=[TAG, "b"])
    df.index.name = TAG
    out = html_table(df, TAG, link_cols=["Source"], index=True).html
    _no_raw_tag(out)
    assert "<a" not in out
    assert out.count(ESCAPED) >= 4


def test_html_table_links_safe_urls_with_rel():
    out = html_table(pd.DataFrame({"Source": ["https://example.org/p"]}), link_cols=["Source"]).html
    assert '<a href="https://example.org/p" rel="noopener noreferrer">example.org</a>' in out


def test_paragraph_escapes():
    _no_raw_tag(paragraph(TAG + "\n" + TAG, "x\" onclick=\"y").html)


def test_figure_is_a_data_image_with_escaped_alt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmark_tools.plots import style

    style()
    fig, ax = plt.subplots()
    ax.set_title(TAG + " $x$ $")  # "$" from the data: not a formula
    ax.set_yticks([0], ["--><script>alert(1)</script>"])
    out = figure(fig).html
    assert out.startswith('<img class="figure" alt="&lt;img')
    assert "<svg" not in out and "<script" not in out
    _no_raw_tag(out)


def test_case_sheet_links_and_text():
    assert _link(BREAKOUT) == _link(BREAKOUT).replace("<", "")[:0] + _link(BREAKOUT)  # no crash
    for bad in (BREAKOUT, "javascript:alert(1)", "file:///etc/hostname", "http"):
        html = htmlsafe.markdown(_link(bad))
        assert "<a" not in html, html
        _no_raw_tag(html)
    html = htmlsafe.markdown(_link("https://example.org/p ; Délibération <b>"))
    assert html.count("<a ") == 1 and "&lt;b&gt;" in html


def test_case_sheet_markdown_renders_inert(tmp_path):
    from benchmark_tools.schema import Case
    from projectkit import valid_case

    data = valid_case(name=TAG, summary="<script>alert(1)</script>" + TAG, edition=TAG, territory=TAG,
                      short_name=TAG)
    data["population"]["source"] = BREAKOUT
    data["scores"]["decision_power"]["note"] = TAG
    data["scores"]["decision_power"]["source"] = "javascript:alert(1)"
    case = Case.model_validate(data)
    from benchmark_tools.project import load_catalogue, load_families
    from tinyproject import REPO

    cat = load_catalogue(REPO)
    fams = load_families(REPO)
    html = htmlsafe.markdown(case_sheet_markdown(case, cat, fams))
    _no_raw_tag(html)
    assert "<script" not in html
    assert all(htmlsafe.safe_url(h) for h in re.findall(r'href="([^"]*)"', html))


def test_criteria_markdown_source_urls_and_descriptions():
    import yaml

    from benchmark_tools.criteria import criteria_markdown
    from benchmark_tools.project import load_families
    from tinyproject import REPO

    cat = yaml.safe_load((REPO / "benchmark" / "criteria.yml").read_text(encoding="utf-8"))
    cat["criteria"][0]["description"] = "[clic](javascript:alert(1)) " + TAG
    cat["criteria"][0]["label_fr"] = TAG
    key = cat["criteria"][0]["sources"][0]
    sources = {"sources": [{"key": key, "citation": TAG, "url": "javascript:alert(1)", "note": TAG}]}
    fams = load_families(REPO)
    html = htmlsafe.markdown(criteria_markdown(cat, None, fams, sources))
    _no_raw_tag(html)
    assert "javascript:alert(1)" in html  # shown as text
    assert 'href="javascript' not in html


def test_bibliography_escapes_and_links_safe_urls_only():
    srcs = [SimpleNamespace(key=TAG, citation=TAG, url="javascript:alert(1)"),
            SimpleNamespace(key="k", citation="c", url=BREAKOUT),
            SimpleNamespace(key="ok", citation="c", url="https://example.org/ok")]
    project = SimpleNamespace(sources=SimpleNamespace(sources=srcs), cases=[])
    out = bibliography(project).html
    _no_raw_tag(out)
    assert out.count("<a ") == 1 and 'rel="noopener noreferrer"' in out


def test_recommendations_markdown_is_inert():
    class Rep:
        def to_markdown(self):
            return ("## Préconisations — " + TAG + "\n\n" + TAG + " <" + BREAKOUT + "> <javascript:alert(1)> "
                    "https://example.org/ok. [x](javascript:alert(1))\n")

    out = recommendations_annex(Rep()).html
    _no_raw_tag(out)
    hrefs = re.findall(r'href="([^"]*)"', out)
    assert hrefs == ["https://example.org/ok"]
    assert shorten_links("javascript:alert(1)") == "javascript:alert(1)"


def test_toc_keeps_heading_text_escaped():
    page = '<h2 id="a">' + ESCAPED + "</h2><p><!--TOC--></p>"
    out = insert_toc(page)
    assert ESCAPED in out.split("</nav>")[0]
    _no_raw_tag(out)


def test_report_template_has_the_csp():
    from benchmark_tools.report_run import TEMPLATE_DIR

    tpl = (TEMPLATE_DIR / "rapport" / "index.html.j2").read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy" content="{{ resources.report_csp | e }}"' in tpl
    assert "script-src" not in htmlsafe.CSP and "default-src 'none'" in htmlsafe.CSP


# Each layer on its own (the layers overlap: each must hold without the next).


@pytest.mark.parametrize("bad", [BREAKOUT, "javascript:alert(1)", "file:///etc/hostname", "http", "data:text/html,x"])
def test_case_source_markdown_makes_no_link_syntax(bad):
    assert "](" not in _link(bad)


def test_criteria_markdown_source_is_no_autolink():
    import yaml

    from benchmark_tools.criteria import criteria_markdown
    from benchmark_tools.project import load_families
    from tinyproject import REPO

    cat = yaml.safe_load((REPO / "benchmark" / "criteria.yml").read_text(encoding="utf-8"))
    key = cat["criteria"][0]["sources"][0]
    sources = {"sources": [{"key": key, "citation": "c", "url": "javascript:alert(1)"}]}
    md = criteria_markdown(cat, None, load_families(REPO), sources)
    assert "<javascript:" not in md


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/hostname", "vbscript:x",
                                 "ftp://example.org/", "mailto:a@example.org", "tel:+33100000000"])
def test_markdown_renderer_refuses_unsafe_destinations(url):
    assert htmlsafe._renderer().validateLink(url) is False


def test_design_section_escapes_every_text_and_links_safe_sources_only():
    from benchmark_tools.report_blocks import design_section

    ex = pd.DataFrame([{"critère": TAG, "niveau visé": TAG, "cas au niveau": 2, "cas": TAG, "source": src,
                        "preuve": TAG, "année": TAG}
                       for src in (BREAKOUT, "javascript:alert(1)", "https://example.org/ok")])
    pos = SimpleNamespace(design_name=TAG, design_id='x"><img src=x onerror=alert(1)>',
                          summary_text=lambda: TAG + "\n" + TAG,
                          marginal_gains=pd.DataFrame({"critère": [TAG], "gain de score": [0.1]}), examples=ex)
    out = "".join(b.html for b in design_section(pos))
    _no_raw_tag(out)
    assert re.findall(r'href="([^"]*)"', out) == ["https://example.org/ok"]
