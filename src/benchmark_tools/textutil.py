"""Escaping of data text for HTML and Markdown (number formats live in :mod:`benchmark_tools.formats`)."""

from __future__ import annotations

import html
import re
import unicodedata

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def escape_html(text) -> str:
    """Text from the data, made inert in HTML (``<script>`` shows as text)."""
    return html.escape("" if text is None else str(text), quote=True)


def escape_md(text) -> str:
    """Text from the data, made inert in Markdown *and* in the HTML Markdown may contain."""
    s = "" if text is None else str(text)
    s = html.escape(s, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", s).replace("\n", " ")


def slug(text: str, sep: str = "_", default: str = "") -> str:
    """ASCII identifier from a French label: « Direction des Finances » → ``direction_des_finances``.

    ``sep`` joins the words (``-`` for HTML anchors); ``default`` is returned when nothing is left.
    """
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", sep, s).strip(sep) or default
