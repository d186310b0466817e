"""One rule for every text of the data files that reaches the report's HTML (and its PDF).

Every string read from a YAML file or a workbook — names, summaries, notes, quotations, rubric
texts, source titles and URLs, territory and design texts, profile labels — is inserted into the
report as *text*: it goes through :func:`text` (or, where the project writes Markdown on purpose,
through :func:`markdown`, which has raw HTML disabled). A source becomes a link only when it is a
well-formed ``http``/``https`` URL (:func:`safe_url`); anything else — ``javascript:``, ``data:``,
``file:``, a URL carrying whitespace, quotes or angle brackets — is shown as plain text.

Two further walls stand behind this rule: the report page carries a Content-Security-Policy
(:data:`CSP`: no script at all, inline styles and ``data:`` images only), and the PDF renderer
reads nothing but the page's own ``data:`` resources (:func:`pdf_url_fetcher`) and never embeds
an attachment (:func:`drop_attachments`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .textutil import escape_html, slug

#: The report's Content-Security-Policy: no script, no external resource, inline styles and
#: ``data:`` images (the figures) only.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'"

#: rel of every link made from the data: the opened page gets no handle on the report.
LINK_REL = "noopener noreferrer"

# scheme://host[:port][/path?query#fragment] — host without userinfo ("@"), nothing that could end an
# attribute or a tag, no whitespace or control character anywhere.
_SAFE_URL = re.compile(
    r"https?://[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff.-]*[A-Za-z0-9\u00a1-\uffff])?(?::\d{1,5})?"
    r"(?:[/?#][^\s\x00-\x1f\x7f<>\"'`\\]*)?",
    re.IGNORECASE,
)


#: ``value`` as inert HTML text (also safe inside a double- or single-quoted attribute): the
#: project's one escaping function, :func:`benchmark_tools.textutil.escape_html`.
text = escape_html


def safe_url(value) -> str | None:
    """``value`` when it is a well-formed ``http``/``https`` URL that may become a link, else None.

    Refused: any other scheme (``javascript:``, ``data:``, ``file:``, ``vbscript:``…), an empty
    host, userinfo (``https://a@b``), whitespace or control characters, ``<``, ``>``, quotes,
    backquote and backslash — anything a browser or a PDF renderer could read as more than a URL.
    """
    if not isinstance(value, str):
        return None
    if re.search(r"\s", value) or not _SAFE_URL.fullmatch(value):
        return None
    return value


def host(url: str) -> str:
    """The host of a safe URL (its link label)."""
    return url.split("/", 3)[2].split(":")[0] if url.count("/") >= 2 else url


def link(url, label=None) -> str:
    """``<a href>`` for a safe URL (labelled by ``label`` or its host), escaped plain text otherwise."""
    ok = safe_url(url)
    if ok is None:
        return text(url)
    return f'<a href="{text(ok)}" rel="{LINK_REL}">{text(host(ok) if label is None else label)}</a>'


def sources(value, sep: str = " ; ") -> str:
    """A ``source`` field (one or several references joined by ``sep``): URLs as links, the rest as text."""
    if not value:
        return ""
    return text(sep).join(link(s) for s in str(value).split(sep))


# --------------------------------------------------------------------------- Markdown


def _validate_link(url: str) -> bool:
    # markdown-it hands the normalised (percent-encoded) destination: same rule as the links.
    return safe_url(url) is not None


@lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    # No image from the data: a figure of the report is always the project's own data: image.
    md.disable("image")
    md.validateLink = _validate_link

    def link_open(renderer, tokens, idx, options, env):
        tok = tokens[idx]
        href = tok.attrGet("href") or ""
        if safe_url(href) is None:  # second check, whatever markdown-it let through
            tok.attrs = {}
        else:
            tok.attrs = {"href": href, "rel": LINK_REL}
        return renderer.renderToken(tokens, idx, options, env)

    def heading_open(renderer, tokens, idx, options, env):
        # Headings carry an id (table of contents, annex split), made of ASCII letters only.
        tok = tokens[idx]
        inline = tokens[idx + 1]
        seen = env.setdefault("ids", {})
        base = slug(inline.content, sep="-", default="section")
        n = seen.get(base, 0)
        seen[base] = n + 1
        tok.attrs = {"id": base if n == 0 else f"{base}-{n}"}
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("heading_open", heading_open)
    return md


def markdown(source: str) -> str:
    """Markdown written by the project (with data escaped in it) as HTML: raw HTML is shown as text,
    links only for safe ``http``/``https`` URLs (with ``rel="noopener noreferrer"``), no images."""
    return _renderer().render(source or "", {})


# --------------------------------------------------------------------------- PDF


_ATTACHMENT = re.compile(r"(\brel\s*=\s*[\"']?[^\"'>]*?)\battachment\b", re.IGNORECASE)


def drop_attachments(html_text: str) -> str:
    """The page with every ``rel=attachment`` neutralised: WeasyPrint would embed the target in the PDF.

    The report itself never asks for an attachment, so any such token comes from data that got
    past the escaping: it is replaced (``rel=nofollow``), never honoured.
    """
    return _ATTACHMENT.sub(r"\1nofollow", html_text)


def pdf_url_fetcher():
    """A WeasyPrint URL fetcher that serves ``data:`` URLs only (the page's own figures).

    ``file:``, ``http(s):`` and every other scheme are refused: the PDF never carries a file of the
    machine that rendered it nor anything fetched from the network.
    """
    import weasyprint

    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint ≥ 68
        return weasyprint.URLFetcher(allowed_protocols=("data",), allow_redirects=False)

    def fetch(url, *args, **kwargs):  # pragma: no cover - older WeasyPrint
        if not str(url).lower().startswith("data:"):
            raise ValueError(f"ressource refusée dans le PDF : {url[:80]}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch
