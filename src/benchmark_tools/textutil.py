"""Small text helpers shared by the report, the command line and the notebooks."""

from __future__ import annotations

import html
import math
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def escape_html(text) -> str:
    """Text from the data, made inert in HTML (``<script>`` shows as text)."""
    return html.escape("" if text is None else str(text), quote=True)


def escape_md(text) -> str:
    """Text from the data, made inert in Markdown *and* in the HTML Markdown may contain."""
    s = "" if text is None else str(text)
    s = html.escape(s, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", s).replace("\n", " ")


def fmt_number(x, decimals: int = 0, unit: str = "") -> str:
    """French number format: thin space for thousands, comma for decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, bool):
        return "oui" if x else "non"
    if isinstance(x, (int, float)):
        s = f"{x:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
        return s + (f"\u00a0{unit}" if unit else "")
    return str(x)


def fmt_pct(x, decimals: int = 0) -> str:
    """A share in [0, 1] as a French percentage."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return fmt_number(100 * x, decimals) + "\u00a0%"


def fmt_value(v) -> str:
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, float) and v.is_integer() and abs(v) >= 1000:
        return fmt_number(v)
    if isinstance(v, int) and abs(v) >= 10000:
        return fmt_number(v)
    return "—" if v is None else str(v)
