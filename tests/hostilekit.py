"""A hostile corpus for the report: HTML, script, link and file payloads put into every free-text field of
a loaded synthetic project (in memory, so that ``validate`` is bypassed: the rendering must be safe on its
own), and the report notebook executed in-process on it."""

from __future__ import annotations

import ast
from pathlib import Path

from pydantic import BaseModel


def payloads(canary: Path) -> list[str]:
    """At least 25 hostile strings; the file ones point at ``canary``."""
    f = canary.resolve().as_uri()
    return [
        "<script>alert('script')</script>",
        "<img src=x onerror=alert('img')>",
        "<img\tsrc=x\tonerror=alert(document.domain)//",
        "<img\nsrc=x\nonerror=alert('newline')>",
        "<svg onload=alert('svg')>",
        "<svg><animate onbegin=alert('animate') attributeName=x dur=1s>",
        "<svg><a><animate attributeName=href values=javascript:alert('anim-href') /><text y=20>clic</text></a></svg>",
        "<details open ontoggle=alert('details')>",
        "<body onload=alert('body')>",
        "<video><source onerror=alert('video')></video>",
        "<iframe srcdoc=\"<script>alert('srcdoc')</script>\"></iframe>",
        "<iframe src=javascript:alert('iframe')>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert('mathml')>",
        "<div style=\"background:url(javascript:alert('css'))\">x</div>",
        "<div style=\"width:expression(alert('expr'))\">x</div>",
        "<a href=javascript:alert('href')>clic</a>",
        "<a href=\"&#106;avascript:alert('entity')\">clic</a>",
        "<img src=x &#111;nerror=alert('entity-attr')>",
        "&lt;img src=x onerror=alert('pre-escaped')&gt;",
        "[clic](javascript:alert('md'))",
        "[clic](<javascript:alert('md-pointy')>)",
        "<javascript:alert('autolink')>",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        f"[fichier]({f})",
        f"<a\trel=attachment\thref={f}>pièce</a>",
        f"<link rel=attachment href=\"{f}\">",
        f"<img src=\"{f}\">",
        "<b onmouseover=alert('unclosed')",
        "\"><img src=x onerror=alert('attr-break')>",
        "'><svg onload=alert('quote')>",
        "</textarea></style></script><img src=x onerror=alert('close')>",
        "<object data=javascript:alert('object')></object><embed src=javascript:alert('embed')>",
        "<form action=javascript:alert('form')><button>x</button></form>",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert('meta')\">",
        "<base href=javascript:alert('base')//>",
        "A" * 5000 + "<img src=x onerror=alert('long')>",
    ]


def url_payloads(canary: Path) -> list[str]:
    """Source strings that look like URLs."""
    f = canary.resolve().as_uri()
    return [
        "https://example.org/<img\tsrc=x\tonerror=alert(document.domain)//",
        f"https://example.org/<a\trel=attachment\thref={f}>",
        "javascript:alert('source')",
        "JaVaScRiPt:alert('case')",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        f,
        "vbscript:msgbox(1)",
        "https://example.org/\"onmouseover=\"alert('q')",
        "https://example.org/x ; javascript:alert('second')",
        "http",
        "https://exa mple.org/",
        "https://example.org/" + "a" * 3000,
    ]


#: Text fields of the project's models that come from the data files.
TEXT_FIELDS = {"name", "short_name", "summary", "edition", "territory", "note", "label_fr", "label_plural_fr",
               "label_en", "viewpoint", "rationale", "description", "citation", "evidence", "construction", "title",
               "quotation"}
URL_FIELDS = {"source", "url"}


class Injector:
    """Puts a payload into every text field (cycling through the corpus) and a URL payload into every source."""

    def __init__(self, texts: list[str], urls: list[str]):
        self.texts, self.urls = texts, urls
        self.i = self.j = 0
        self.fields: set[str] = set()

    def text(self) -> str:
        s = self.texts[self.i % len(self.texts)]
        self.i += 1
        return s

    def url(self) -> str:
        s = self.urls[self.j % len(self.urls)]
        self.j += 1
        return s

    def model(self, m, seen=None):
        seen = seen if seen is not None else set()
        if id(m) in seen:
            return
        seen.add(id(m))
        for name in type(m).model_fields:
            v = getattr(m, name)
            if isinstance(v, str) and name in TEXT_FIELDS:
                object.__setattr__(m, name, self.text())
                self.fields.add(f"{type(m).__name__}.{name}")
            elif isinstance(v, str) and name in URL_FIELDS:
                object.__setattr__(m, name, self.url())
                self.fields.add(f"{type(m).__name__}.{name}")
            elif name == "levels" and isinstance(v, dict):
                object.__setattr__(m, name, {k: self.text() for k in v})
                self.fields.add(f"{type(m).__name__}.levels")
            else:
                self.any(v, seen)

    def any(self, v, seen):
        if isinstance(v, BaseModel):
            self.model(v, seen)
        elif isinstance(v, dict):
            for x in v.values():
                self.any(x, seen)
        elif isinstance(v, (list, tuple)):
            for x in v:
                self.any(x, seen)


def poison(project, texts, urls) -> set[str]:
    """Inject the corpus into the cases, catalogue, sources, profiles, families and designs of ``project``."""
    inj = Injector(texts, urls)
    for c in project.cases:
        if c.short_name is None:  # optional field: give it a value to poison
            object.__setattr__(c, "short_name", "")
        inj.model(c)
    for obj in (project.catalogue, project.sources, project.families):
        inj.any(obj, set())
    for p in project.profiles.values():
        inj.model(p)
    for d in project.designs.values():
        inj.any(getattr(d, "design", d), set())
        for attr in ("name", "summary"):
            if isinstance(getattr(d, attr, None), str):
                try:
                    object.__setattr__(d, attr, inj.text())
                    inj.fields.add(f"{type(d).__name__}.{attr}")
                except (AttributeError, TypeError):
                    pass
    return inj.fields


def execute_in_process(source: Path, overrides: dict):
    """The report notebook's cells run in this process; each cell gets its displayed blocks as
    ``text/html`` outputs (what the kernel would give nbconvert). Returns the notebook node."""
    import jupytext
    import nbformat

    nb = jupytext.read(source)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shown: list = []
        ns["display"] = shown.append
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, str(source), "exec"), ns)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), str(source), "eval"), ns)
            if value is not None:
                shown.append(value)
        if "parameters" in cell.metadata.get("tags", []):
            ns.update(overrides)
        outs = []
        for obj in shown:
            html = obj._repr_html_() if hasattr(obj, "_repr_html_") else None
            data = {"text/html": html} if html is not None else {"text/plain": str(obj)}
            outs.append(nbformat.v4.new_output("display_data", data=data))
        cell.outputs = outs
        cell.execution_count = 1
    return nb
