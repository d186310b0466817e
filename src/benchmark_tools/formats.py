"""French number formats, in one place: thousands, decimals, percentages, euros.

Every number a reader sees (report, note, CLI, notebooks, explorer) goes through these
functions, so that « 1 234,5 € » and « 92 % » look the same everywhere: a narrow no-break
space (U+202F) between thousands, a comma for decimals and a no-break space (U+00A0) before a
unit or a percent sign.
"""

from __future__ import annotations

import math
import numbers
import re

MISSING = "—"


def _is_missing(x) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def fmt_number(x, decimals: int = 0, unit: str = "") -> str:
    """French number format: narrow space for thousands, comma for decimals, unit after a space."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    if isinstance(x, bool):
        return "oui" if x else "non"
    if isinstance(x, numbers.Real):  # int, float, Fraction and numpy numbers
        value = x if isinstance(x, (int, float)) else float(x)  # Fraction has no "f" format before 3.12
        s = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
        return s + (f"\u00a0{unit}" if unit else "")
    return str(x)


def fmt_decimal(x: float, spec: str) -> str:
    """``format(x, spec)`` with a French decimal comma (axis labels, compact tables)."""
    return format(x, spec).replace(".", ",")


def fmt_pct(x, decimals: int = 0) -> str:
    """A share in [0, 1] as a French percentage (« 92 % »); missing → « — »."""
    if _is_missing(x):
        return MISSING
    return fmt_number(100 * float(x), decimals) + "\u00a0%"


def fmt_value(v) -> str:
    """A fact's value as shown in a table: lists joined, booleans in words, large numbers grouped."""
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, float) and v.is_integer() and abs(v) >= 1000:
        return fmt_number(v)
    if isinstance(v, int) and abs(v) >= 10000:
        return fmt_number(v)
    return MISSING if v is None else str(v)


def fmt_eur(euros) -> str:
    """Euros, whole: « 42 000 € »."""
    return fmt_number(float(euros), 0, "€")


def fmt_meur(euros, decimals: int = 2) -> str:
    """Euros as « 2,05 M€ » (from one million) or « 42 k€ » (below)."""
    x = float(euros)
    if abs(x) < 1e6:
        return fmt_number(round(x / 1e3), 0) + "\u00a0k€"
    return fmt_number(x / 1e6, decimals) + "\u00a0M€"


def fmt_quantity(x, decimals: int = 0, unit: str = "", missing: str = "non documenté") -> str:
    """A quantity of a design parameter in its unit (€, %, ans, niveau); missing → ``missing``."""
    if _is_missing(x):
        return missing
    if unit == "%":
        return fmt_number(float(x), decimals) + "\u00a0%"
    if unit == "ans":
        return fmt_number(float(x), decimals) + "\u00a0ans"
    if unit == "niveau":
        return "niveau " + fmt_number(float(x), decimals)
    return fmt_number(float(x), decimals, unit)


def fmt_share(x, missing: str = "non documenté") -> str:
    """A share in [0, 1] as a whole percentage; missing → ``missing`` (préconisation texts)."""
    return missing if _is_missing(x) else fmt_pct(x)


def parse_french_number(text: str) -> float:
    """The first number of a French-formatted text (tests, round trips): « 1 234,5 € » → 1234.5."""
    m = re.search(r"-?\d[\d\u202f\u00a0 ]*(?:,\d+)?", text)
    if not m:
        raise ValueError(f"aucun nombre dans {text!r}")
    return float(re.sub(r"[\u202f\u00a0 ]", "", m.group(0)).replace(",", "."))
