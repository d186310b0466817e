"""HTML building blocks of the report and the notebooks: escaped headings, tables, figures, paragraphs.

Every text from the data goes through :func:`benchmark_tools.htmlsafe.text`; numbers are
formatted by :mod:`benchmark_tools.formats`. The report's sections themselves are composed in
:mod:`benchmark_tools.report_blocks`.
"""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .formats import fmt_number, fmt_pct
from .htmlsafe import link
from .htmlsafe import text as e
from .plots import style
from .textutil import slug as _ascii_slug


class Html:
    """A piece of HTML that a notebook displays as is."""

    def __init__(self, html: str):
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def slug(text: str) -> str:
    """HTML anchor of a heading: ASCII words joined by hyphens."""
    return _ascii_slug(text, sep="-")


def heading(text: str, level: int = 2, anchor: str | None = None, new_page: bool = False) -> Html:
    cls = ' class="saut"' if new_page and level == 2 else ""
    return Html(f'<h{level} id="{e(anchor or slug(text))}"{cls}>{e(text)}</h{level}>')


def setup_notebook() -> None:
    """Figures as SVG (sharp on screen and paper), French-friendly pandas display."""
    try:  # matplotlib_inline exists only under IPython (the notebooks), not in the command line
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg")
    except Exception:  # pragma: no cover - outside IPython
        pass

    style()
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)


def html_table(df: pd.DataFrame, caption: str | None = None, *, pct: list[str] | None = None,
               dec: dict[str, int] | None = None, link_cols: list[str] | None = None, index: bool = False,
               css_class: str = "tableau") -> Html:
    """A readable, escaped HTML table: numbers right-aligned and formatted the French way."""
    pct = set(pct or [])
    dec = dec or {}
    link_cols = set(link_cols or [])
    cols = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    numeric = {c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}
    out = [f'<table class="{css_class}">']
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(
        f'<th class="num">{e(c)}</th>' if c in {str(x) for x in numeric} else f"<th>{e(c)}</th>" for c in cols) + "</tr></thead><tbody>")
    for idx, row in df.iterrows():
        cells = [f"<td>{e(idx)}</td>"] if index else []
        for c in df.columns:
            v = row[c]
            if c in pct:
                cells.append(f'<td class="num">{fmt_pct(v, dec.get(c, 0))}</td>')
            elif c in numeric:
                if isinstance(v, (float, np.floating)) and np.isnan(v):
                    txt = "—"
                elif isinstance(v, (int, np.integer)) or (isinstance(v, float) and float(v).is_integer() and c not in dec):
                    txt = fmt_number(int(v)) if abs(v) >= 10000 else str(int(v))
                else:
                    txt = fmt_number(float(v), dec.get(c, 2))
                cells.append(f'<td class="num">{txt}</td>')
            elif c in link_cols and isinstance(v, str):
                cells.append(f"<td>{link(v)}</td>")
            elif isinstance(v, bool) or isinstance(v, np.bool_):
                cells.append(f"<td>{'oui' if v else 'non'}</td>")
            else:
                cells.append(f"<td>{e('' if v is None or (isinstance(v, float) and np.isnan(v)) else v)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return Html("".join(out))


def figure(fig, alt: str = "Graphique") -> Html:
    """A matplotlib figure as an SVG ``data:`` image, closed so it is not shown twice.

    The figure's labels come from the data: as an image the SVG is never part of the page's DOM
    (no markup of a label can act), and the page's Content-Security-Policy allows ``data:`` images
    only.
    """

    # The first axes title, when there is one, says what the figure shows.
    alt = next((ax.get_title() for ax in fig.axes if ax.get_title()), alt)
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    b64 = base64.b64encode(buf.getvalue()).decode("ascii")
    return Html(f'<img class="figure" alt="{e(alt)}" src="data:image/svg+xml;base64,{b64}">')


def paragraph(text: str, css_class: str | None = None) -> Html:
    """Text from the data as escaped paragraphs (one per line)."""
    cls = f' class="{e(css_class)}"' if css_class else ""
    return Html("".join(f"<p{cls}>{e(line)}</p>" for line in str(text).splitlines() if line.strip()))
