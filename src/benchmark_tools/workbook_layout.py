"""The layout of a case in a workbook and in a case file: sheets, columns, fields and the canonical YAML text."""

from __future__ import annotations

import yaml

from .validate import criterion_value_kind
from .vocabulary import DESIGN_FIELDS, IDENTITY_FACTS, OUTCOME_FIELDS

SHEET_CASES = "cas"
SHEET_FACTS = "faits"
SHEET_README = "lisez-moi"

#: Columns of the ``cas`` sheet, in order; the first seven must be filled.
CASE_COLUMNS = ("id", "family", "name", "short_name", "territory", "country", "level", "baseline", "edition",
                "url", "summary", "currency")
CASE_REQUIRED = ("id", "family", "name", "territory", "country", "level", "summary")
#: Columns of the ``faits`` sheet, in order; ``case_id`` and ``field`` must be filled.
FACT_COLUMNS = ("case_id", "field", "alternative", "value", "year", "source", "confidence", "note")
FACT_REQUIRED = ("case_id", "field")
#: Order of the keys of a case file (as in the example of data/README.md).
CASE_KEY_ORDER = ("id", "name", "short_name", "family", "territory", "country", "level", "baseline", "edition", "url",
                  "summary", "population", "first_year", "editions_count", "active", "design", "outcomes",
                  "scores")
FACT_KEY_ORDER = ("value", "year", "source", "confidence", "note")
#: Above this size a file is not read (a workbook of a few hundred cases weighs well under 1 MB).
MAX_WORKBOOK_BYTES = 20_000_000
MAX_ROWS = 100_000

# Design fields in the order of data/README.md: the currency right after the envelope.
DESIGN_ORDER = ["envelope", "envelope_period_years", "currency"] + [
    n for n in DESIGN_FIELDS if n not in ("envelope", "envelope_period_years")]


# --------------------------------------------------------------------------- fields and kinds


def fact_paths(catalogue) -> dict[str, tuple[str, object]]:
    """Every value accepted in the ``field`` column, with the kind of value it expects."""
    out: dict[str, tuple[str, object]] = dict(IDENTITY_FACTS)
    out.update({f"design.{n}": k for n, k in DESIGN_FIELDS.items()})
    out.update({f"outcomes.{n}": k for n, k in OUTCOME_FIELDS.items()})
    if catalogue is not None:
        for c in catalogue.criteria:
            out[f"scores.{c.id}"] = (criterion_value_kind(c), None)
    return out


def kind_label(kind: str, extra) -> str:
    """The kind of value a field expects, in French words (for the « lisez-moi » sheet)."""
    return {
        "number": "nombre ≥ 0", "integer": "entier ≥ 0", "percent": "pourcentage (0 à 100)",
        "population": "nombre d'habitants", "age": "âge (entier)", "year": "année (entier)",
        "level": "niveau de grille, entier de 0 à 4", "text": "texte", "bool": "VRAI ou FAUX (oui / non)",
        "list": "liste séparée par des virgules, parmi : " + ", ".join(extra or ()),
        "vocab": "un mot parmi : " + ", ".join(extra or ()),
    }.get(kind, kind)


# --------------------------------------------------------------------------- canonical case data


def _canonical_fact(f) -> dict:
    if not isinstance(f, dict):
        return f
    out = {"value": f.get("value")}
    for k in FACT_KEY_ORDER[1:]:
        if f.get(k) is not None:
            out[k] = f[k]
    alts = f.get("alternatives")
    if alts:
        out["alternatives"] = [_canonical_fact(a) for a in alts]
    for k, v in f.items():  # unknown keys are kept so that the validator still sees them
        if k not in out and k not in FACT_KEY_ORDER and k != "alternatives":
            out[k] = v
    return out


def canonical_case(data: dict, catalogue=None) -> dict:
    """A case's data in the canonical form the tool writes.

    Keys in the order of data/README.md; a fact always has ``value`` (``null`` when missing)
    and its other keys only when filled; empty sections and empty optional keys are dropped.
    Two files that describe the same case with the same values have equal canonical forms.
    """
    out: dict = {}
    for k in CASE_KEY_ORDER:
        v = data.get(k)
        if v is None or (k in ("design", "outcomes", "scores") and not v):
            continue
        if k in IDENTITY_FACTS:
            out[k] = _canonical_fact(v)
        elif k == "design" and isinstance(v, dict):
            order = [n for n in DESIGN_ORDER if n in v] + [n for n in v if n not in DESIGN_ORDER]
            out[k] = {n: (v[n] if n == "currency" else _canonical_fact(v[n])) for n in order}
        elif k == "outcomes" and isinstance(v, dict):
            order = [n for n in OUTCOME_FIELDS if n in v] + [n for n in v if n not in OUTCOME_FIELDS]
            out[k] = {n: _canonical_fact(v[n]) for n in order}
        elif k == "scores" and isinstance(v, dict):
            ids = catalogue.criterion_ids if catalogue is not None else []
            order = [n for n in ids if n in v] + [n for n in v if n not in ids]
            out[k] = {n: _canonical_fact(v[n]) for n in order}
        else:
            out[k] = v
    for k, v in data.items():
        if k not in CASE_KEY_ORDER and v is not None:
            out[k] = v
    return out


class _CaseDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter: ~5× faster
    """Block style; lists of words in flow style (``[en_ligne, urne]``); long text folded (``>-``)."""


def _represent_str(dumper, s: str):
    style = None
    if "\t" in s:
        style = '"'  # a tab must not reach an indentation: escaped in double quotes
    elif "\n" in s:
        style = "|"
    elif len(s) > 80 and " " in s:
        style = ">"  # long text folded over several lines, as in the hand-written files
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


def _represent_list(dumper, seq):
    flow = all(isinstance(x, (str, int, float, bool)) and len(str(x)) < 40 for x in seq)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", seq, flow_style=flow)


_CaseDumper.add_representer(str, _represent_str)
_CaseDumper.add_representer(list, _represent_list)
_CaseDumper.ignore_aliases = lambda self, data: True  # never write anchors (the reader refuses them)


def case_yaml(data: dict, catalogue=None) -> str:
    """The text of a case file: canonical order, UTF-8, block style, readable."""
    body = yaml.dump(canonical_case(data, catalogue), Dumper=_CaseDumper, allow_unicode=True,
                     sort_keys=False, default_flow_style=False, width=100)
    return "# Cas du benchmark — format : data/README.md (écrit par benchmark-tools import-xlsx)\n" + body

