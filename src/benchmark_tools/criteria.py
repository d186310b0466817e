"""Readable views of the criteria catalogue, and a redundancy check between criteria.

- :func:`criteria_table`: one row per criterion, French columns, for a notebook or a workbook;
- :func:`criteria_markdown`: the French annex of the report (per dimension, each criterion with
  its description, 0–4 grid or bounds, evidence, applicability and sources);
- :func:`redundancy`: pairwise Pearson correlations between criteria over the cases, to spot
  double counting (step 4 of the JRC ten-step guide for composite indicators).

The catalogue is the :class:`benchmark_tools.schema.Catalogue` returned by
:func:`benchmark_tools.project.load_catalogue`; a plain mapping read from ``criteria.yml`` is
also accepted and validated on the fly.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .htmlsafe import safe_url
from .schema import Catalogue, Criterion, Families, Sources
from .textutil import escape_md

#: Families shown when no family is asked for (the three reference families).
_MAIN_FAMILIES = ("budget_participatif", "appel_a_projets", "fonds_de_concours")

#: Short French labels used when no :class:`Families` object is given.
_FAMILY_SHORT = {
    "budget_participatif": "BP",
    "appel_a_projets": "AAP",
    "fonds_de_concours": "FdC",
}
_FAMILY_LABEL = {
    "budget_participatif": "budget participatif",
    "appel_a_projets": "appel à projets",
    "fonds_de_concours": "fonds de concours",
}
_STATUS_FR = {
    "applies": "s'applique",
    "adapted": "adapté",
    "not_applicable": "non applicable",
}
_TYPE_FR = {"ordinal": "ordinal (0–4)", "numeric": "numérique"}
_DIRECTION_FR = {"higher": "plus haut = mieux", "lower": "plus bas = mieux"}

TABLE_COLUMNS = ["Code", "Clé YAML", "Critère", "Dimension", "Type", "Niveaux/Bornes", "Applicabilité", "Sources"]


# --------------------------------------------------------------------------- helpers


def _as_catalogue(catalogue) -> Catalogue:
    if isinstance(catalogue, Catalogue):
        return catalogue
    if isinstance(catalogue, Mapping):
        return Catalogue.model_validate(catalogue)
    raise TypeError("catalogue : un Catalogue (project.load_catalogue()) ou le contenu de criteria.yml est attendu.")


def _as_sources(sources) -> Sources | None:
    if sources is None or isinstance(sources, Sources):
        return sources
    if isinstance(sources, Mapping):
        return Sources.model_validate(sources)
    raise TypeError("sources : un objet Sources (project.load_sources()) ou le contenu de sources.yml est attendu.")


def _number(x: float) -> str:
    """A bound in French notation: 0, 15, 0,5."""
    x = float(x)
    text = f"{x:g}" if x != int(x) else str(int(x))
    return text.replace(".", ",")


def _family_label(family: str, families: Families | None) -> str:
    """Family label in lower case, to be used inside a sentence."""
    label = families.label(family) if families is not None else _FAMILY_LABEL.get(family, family)
    return label[:1].lower() + label[1:]


def _main_families(families: Families | None) -> list[str]:
    return list(families.main) if families is not None else list(_MAIN_FAMILIES)


def _app(crit: Criterion, family: str, families: Families | None):
    """Applicability of a criterion for a family (cousins inherit when ``families`` is given)."""
    return crit.applicability_for(family, families) if families is not None else crit.applicability_for(family)


def _status(crit: Criterion, family: str, families: Families | None) -> str:
    return _app(crit, family, families).status


def _bounds_text(crit: Criterion, family: str | None, families: Families | None) -> str:
    """"0–15 % (plus haut = mieux)" for a numeric criterion, for a family when given."""
    if family is not None:
        low, high = crit.goalposts_for(family, families) if families is not None else crit.goalposts_for(family)
        unit = crit.unit_for(family, families) if families is not None else crit.unit_for(family)
    else:
        low, high = crit.goalposts
        unit = crit.unit
    unit_txt = f" {unit}" if unit else ""
    return f"{_number(low)}–{_number(high)}{unit_txt} ({_DIRECTION_FR[crit.direction]})"


def _levels_short(crit: Criterion) -> str:
    levels = crit.levels or {}
    lo, hi = levels.get(0, ""), levels.get(4, "")
    return f"0 : {lo} → 4 : {hi}"


def _applicability_text(crit: Criterion, family: str | None, families: Families | None) -> str:
    if family is not None:
        status = _status(crit, family, families)
        app = _app(crit, family, families)
        text = _STATUS_FR[status]
        return f"{text} : {_clause(app.note)}" if app.note and status != "applies" else text
    parts = []
    for fam in _main_families(families):
        short = _FAMILY_SHORT.get(fam, fam)
        parts.append(f"{short} : {_STATUS_FR[_status(crit, fam, families)]}")
    return " · ".join(parts)


# --------------------------------------------------------------------------- table


def criteria_table(catalogue, family: str | None = None, families: Families | None = None) -> pd.DataFrame:
    """The catalogue as a table, one row per criterion, French column names.

    Parameters
    ----------
    catalogue : Catalogue or mapping
        From :func:`benchmark_tools.project.load_catalogue` (or the parsed ``criteria.yml``).
    family : str, optional
        When given, applicability, unit and bounds are those of this family (a cousin family
        inherits from its reference family when ``families`` is given). Otherwise the
        applicability column summarises the three main families.
    families : Families, optional
        From :func:`benchmark_tools.project.load_families`, to resolve cousin families and labels.

    Returns
    -------
    pandas.DataFrame
        Columns ``Code, Critère, Dimension, Type, Niveaux/Bornes, Applicabilité, Sources``, in
        catalogue order.
    """
    cat = _as_catalogue(catalogue)
    dim_label = {d.id: f"{d.label_fr} ({d.code})" for d in cat.dimensions}
    rows = []
    for crit in cat.criteria:
        if crit.type == "ordinal":
            grid = _levels_short(crit)
        else:
            grid = _bounds_text(crit, family, families)
        rows.append(
            {
                "Code": crit.code,
                "Clé YAML": crit.id,
                "Critère": crit.label_fr,
                "Dimension": dim_label.get(crit.dimension, crit.dimension),
                "Type": _TYPE_FR[crit.type],
                "Niveaux/Bornes": grid,
                "Applicabilité": _applicability_text(crit, family, families),
                "Sources": ", ".join(crit.sources),
            }
        )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


# --------------------------------------------------------------------------- readable text view and calibration


def _wrap(text: str, width: int, indent: str, first: str | None = None) -> list[str]:
    import textwrap

    return textwrap.wrap(_oneline(text), width=width, initial_indent=indent if first is None else first,
                         subsequent_indent=indent, break_on_hyphens=False) or [indent.rstrip()]


def criteria_text(catalogue, family: str | None = None, families: Families | None = None, width: int = 100) -> str:
    """The catalogue for a terminal or a notebook ``print``: one block per criterion, ``width`` columns.

    Each block gives the code and the YAML key to write under ``scores:``, the dimension, the type
    and applicability, all five levels of an ordinal grid (or the unit and bounds of a numeric
    criterion) and the evidence to look for. With ``family``, criteria not applicable to it are
    left out and applicability, units and bounds are those of the family.
    """
    cat = _as_catalogue(catalogue)
    dim_label = {d.id: f"{d.label_fr} ({d.code})" for d in cat.dimensions}
    out: list[str] = []
    for crit in cat.criteria:
        if family is not None and _status(crit, family, families) == "not_applicable":
            continue
        out += _wrap(f"{crit.code} {crit.label_fr} — clé YAML : scores.{crit.id}", width, "    ", "")
        out += _wrap(f"{dim_label.get(crit.dimension, crit.dimension)} · {_TYPE_FR[crit.type]} · "
                     f"{_applicability_text(crit, family, families)}", width, "    ", "  ")
        if crit.type == "ordinal":
            for lvl in sorted(crit.levels or {}):
                out += _wrap(crit.levels[lvl], width, "        ", f"  {lvl} : ")
        else:
            out += _wrap(f"Bornes : {_bounds_text(crit, family, families)}", width, "    ", "  ")
            if crit.derived_from:
                out += _wrap(f"Calculé par l'outil à partir des faits du cas ({crit.derived_from}) quand l'unité "
                             "est celle du critère ; sinon à saisir à la main, avec la formule dans note.",
                             width, "    ", "  ")
        out += _wrap(f"À chercher : {crit.evidence}", width, "    ", "  ")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


LEVELS_COLUMNS = ["Code", "Clé YAML", "Critère", "Niveau", "Texte"]


def criteria_levels(catalogue, family: str | None = None, families: Families | None = None) -> pd.DataFrame:
    """Every level of every ordinal criterion, one row each: the grid to read in a notebook.

    Columns ``Code, Clé YAML, Critère, Niveau, Texte``; with ``family``, criteria not applicable
    to it are left out.
    """
    cat = _as_catalogue(catalogue)
    rows = []
    for crit in cat.criteria:
        if crit.type != "ordinal" or (family is not None and _status(crit, family, families) == "not_applicable"):
            continue
        for lvl in sorted(crit.levels or {}):
            rows.append({"Code": crit.code, "Clé YAML": crit.id, "Critère": crit.label_fr, "Niveau": lvl,
                         "Texte": _oneline(crit.levels[lvl])})
    return pd.DataFrame(rows, columns=LEVELS_COLUMNS)


CALIBRATION_COLUMNS = ["Niveau", "Texte du niveau", "Cas", "Famille", "Preuve", "Source", "Année"]


def calibration_table(cases, catalogue, criterion_id: str, families: Families | None = None,
                      family: str | None = None) -> pd.DataFrame:
    """Level by level, the cases coded at that level of an ordinal criterion, with their quotation.

    So that the same evidence gets the same level everywhere: read down a level and check that
    every quotation supports it (issue 20, coding consistency).

    Parameters
    ----------
    cases : list of Case
        For instance ``project.cases``.
    catalogue : Catalogue
    criterion_id : str
        The YAML key of an ordinal criterion (``decision_power``).
    families : Families, optional
        For the family labels.
    family : str, optional
        Only the cases of this family.

    Returns
    -------
    pandas.DataFrame
        Columns ``Niveau, Texte du niveau, Cas, Famille, Preuve, Source, Année``, sorted by level
        then case id; a level no case is coded at has no row.

    Raises
    ------
    KeyError
        Unknown criterion. ``ValueError`` for a numeric criterion (no levels).
    """
    cat = _as_catalogue(catalogue)
    crit = cat.criterion(criterion_id)
    if crit.type != "ordinal":
        raise ValueError(f"le critère « {criterion_id} » est numérique : pas de niveaux à comparer")
    rows = []
    for case in sorted(cases, key=lambda c: c.id):
        if family is not None and case.family != family:
            continue
        f = case.scores.get(criterion_id)
        if f is None or f.value is None or isinstance(f.value, bool) or not isinstance(f.value, (int, float)):
            continue
        lvl = int(f.value)
        rows.append({"Niveau": lvl, "Texte du niveau": (crit.levels or {}).get(lvl, ""), "Cas": case.id,
                     "Famille": families.label(case.family) if families is not None else case.family,
                     "Preuve": _oneline(f.note), "Source": f.source or "", "Année": f.year})
    df = pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)
    return df.sort_values(["Niveau", "Cas"], kind="stable").reset_index(drop=True)


def calibration_text(cases, catalogue, criterion_id: str, families: Families | None = None,
                     family: str | None = None, width: int = 100) -> str:
    """:func:`calibration_table` for a terminal: every level of the grid, then its cases and quotations."""
    cat = _as_catalogue(catalogue)
    crit = cat.criterion(criterion_id)
    df = calibration_table(cases, cat, criterion_id, families, family)
    out = _wrap(f"{crit.code} {crit.label_fr} (scores.{crit.id}) — {len(df)} cas codés", width, "    ", "")
    out.append("")
    for lvl in sorted(crit.levels or {}):
        sub = df[df["Niveau"] == lvl]
        out += _wrap(crit.levels[lvl], width, "    ", f"Niveau {lvl} ({len(sub)} cas) : ")
        if sub.empty:
            out.append("  (aucun cas)")
        for _, r in sub.iterrows():
            out += _wrap(r["Preuve"] or "(sans preuve citée)", width, "      ",
                         f"  - {r['Cas']} ({r['Famille']}, {r['Année']}) : ")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def calibration_markdown(cases, catalogue, families: Families | None = None) -> str:
    """Calibration tables of every ordinal criterion, for the report's criteria annex (Markdown)."""

    cat = _as_catalogue(catalogue)
    out = ["## Tables de calibration du codage", "",
           "Pour chaque critère de grille, les cas codés à chaque niveau avec la preuve citée : une même preuve "
           "doit recevoir le même niveau partout.", ""]
    for crit in cat.criteria:
        if crit.type != "ordinal":
            continue
        df = calibration_table(cases, cat, crit.id, families)
        out += [f"### {crit.code} — {escape_md(crit.label_fr)} (`{crit.id}`)", "",
                "| Niveau | Cas | Preuve |", "|---|---|---|"]
        for _, r in df.iterrows():
            out.append(f"| {r['Niveau']} | {escape_md(r['Cas'])} | {escape_md(r['Preuve'])} |")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- markdown annex


def _oneline(text: str | None) -> str:
    return " ".join((text or "").split())


def _clause(text: str | None) -> str:
    """A note on one line without its final full stop, to sit inside parentheses."""
    return _oneline(text).rstrip(" .")


def _criterion_markdown(crit: Criterion, family: str | None, families: Families | None) -> list[str]:
    out = [f"### {crit.code} — {crit.label_fr} (`{crit.id}`)", ""]
    out.append(f"*{crit.label_en}* — {_TYPE_FR[crit.type]}.")
    out.append("")
    out.append(_oneline(crit.description))
    out.append("")
    if crit.type == "ordinal":
        out.append("Grille :")
        out.append("")
        for lvl in sorted((crit.levels or {}).keys()):
            out.append(f"- **{lvl}** — {_oneline(crit.levels[lvl])}")
        out.append("")
    else:
        if family is not None:
            out.append(f"Unité et bornes : {_bounds_text(crit, family, families)}.")
        else:
            out.append("Unité et bornes :")
            out.append("")
            out.append(f"- par défaut : {_bounds_text(crit, None, families)} ;")
            # Family-specific bounds are part of the definition: show them when they differ.
            for fam in _main_families(families):
                app = _app(crit, fam, families)
                if app.status != "not_applicable" and (app.unit or app.goalposts is not None):
                    out.append(f"- famille « {_family_label(fam, families)} » : {_bounds_text(crit, fam, families)} ;")
            out[-1] = out[-1][:-2] + "."
        out.append("")
        if crit.derived_from:
            out.append(
                f"Valeur calculée par l'outil à partir des faits du cas (`{crit.derived_from}`) quand ils sont renseignés."
            )
            out.append("")
    out.append(f"Données : {_oneline(crit.evidence)}")
    out.append("")
    if family is not None:
        out.append(f"Applicabilité ({_family_label(family, families)}) : {_applicability_text(crit, family, families)}.")
    else:
        lines = []
        for fam in _main_families(families):
            status = _status(crit, fam, families)
            app = _app(crit, fam, families)
            txt = f"{_family_label(fam, families)} : {_STATUS_FR[status]}"
            if app.note and status != "applies":
                txt += f" ({_clause(app.note)})"
            lines.append(txt)
        out.append("Applicabilité : " + " ; ".join(lines) + ".")
    out.append("")
    if crit.construction:
        out.append(f"Construction propre au projet : {_oneline(crit.construction)}")
        out.append("")
    out.append("Sources : " + ", ".join(f"[{k}]" for k in crit.sources) + ".")
    out.append("")
    return out


def criteria_markdown(
    catalogue,
    family: str | None = None,
    families: Families | None = None,
    sources=None,
) -> str:
    """The French annex describing every criterion, in Markdown.

    Parameters
    ----------
    catalogue : Catalogue or mapping
        The criteria catalogue.
    family : str, optional
        Restrict the annex to one family: criteria not applicable to it are listed apart at
        the end of their dimension, with the reason; bounds are those of the family.
    families : Families, optional
        To resolve cousin families and French labels.
    sources : Sources or mapping, optional
        From :func:`benchmark_tools.project.load_sources`; when given, a bibliography of the
        sources cited is appended (citation, URL and verification note).

    Returns
    -------
    str
        Markdown text (headings from level 2).
    """
    cat = _as_catalogue(catalogue)
    src = _as_sources(sources)
    out = _criteria_intro(cat, family, families)
    for dim in cat.dimensions:
        out.extend(_dimension_markdown(cat, dim, family, families))
    if src is not None:
        out.extend(_cited_sources_markdown(cat, src, family, families))
    return "\n".join(out).rstrip() + "\n"


def _criteria_intro(cat, family: str | None, families: Families | None) -> list[str]:
    """Title and opening paragraph of the annex (counts and the scoring conventions)."""
    title = "## Critères du benchmark"
    if family is not None:
        title += f" — {_family_label(family, families)}"
    n_app = sum(_status(c, family, families) != "not_applicable" for c in cat.criteria) if family else len(cat.criteria)
    return [title, "",
            f"{len(cat.criteria)} critères en {len(cat.dimensions)} dimensions"
            + (f", dont {n_app} applicables à cette famille." if family else ".")
            + " Les critères ordinaux sont notés de 0 à 4 (plus haut = mieux) ; les critères numériques sont"
            " ramenés à 0–1 entre des bornes fixes. Un critère non applicable est traité comme manquant,"
            " pas comme un zéro.",
            ""]


def _dimension_markdown(cat, dim, family: str | None, families: Families | None) -> list[str]:
    """One dimension: heading, description, its criteria, then those not applicable to ``family``."""
    out = [f"### {dim.label_fr} ({dim.code})", ""]
    if dim.description:
        out += [_oneline(dim.description), ""]
    left_out = []
    for crit in cat.criteria_of(dim.id):
        if family is not None and _status(crit, family, families) == "not_applicable":
            left_out.append(crit)
            continue
        # Criterion headings one level below the dimension.
        block = _criterion_markdown(crit, family, families)
        block[0] = "#" + block[0]
        out.extend(block)
    if left_out:
        items = []
        for c in left_out:
            note = _app(c, family, families).note
            items.append(f"{c.code} {c.label_fr}" + (f" ({_clause(note)})" if note else ""))
        out += ["Non applicables à cette famille : " + " ; ".join(items) + ".", ""]
    return out


def _cited_sources_markdown(cat, src, family: str | None, families: Families | None) -> list[str]:
    """The bibliography of the sources cited by the criteria shown (citation, URL, verification note)."""
    cited = []
    for crit in cat.criteria:
        if family is not None and _status(crit, family, families) == "not_applicable":
            continue
        for k in crit.sources:
            if k not in cited:
                cited.append(k)
    out = ["### Sources citées", ""]
    for k in sorted(cited):
        s = src.get(k)
        if s is None:
            out.append(f"- **[{k}]** — référence absente de sources.yml.")
            continue
        line = f"- **[{k}]** {_oneline(s.citation)}"
        if s.url:
            # Only a well-formed http(s) URL becomes an autolink; anything else stays text.
            line += f" <{s.url}>" if safe_url(s.url) else f" {escape_md(s.url)}"
        if s.note:
            line += f" — *{_oneline(s.note)}*"
        out.append(line)
    out.append("")
    return out


# --------------------------------------------------------------------------- redundancy


REDUNDANCY_COLUMNS = ["Critère A", "Critère B", "r", "Paires", "Redondant"]


def redundancy(values: pd.DataFrame, threshold: float, min_pairs: int | None = None) -> pd.DataFrame:
    """Pairwise Pearson correlation between criteria, to spot double counting.

    Each pair of columns is correlated over the cases where *both* values are present
    (pairwise deletion: a case missing one criterion still counts for the others).

    Parameters
    ----------
    values : pandas.DataFrame
        One row per case, one column per criterion; NaN = missing or not applicable. Prefer
        normalised scores (0–1, goalposts of each family) to raw values: an adapted criterion
        is measured in another unit for some families (e.g. ``participation_rate``), and raw
        values of different units must not be correlated together.
    threshold : float
        A pair is flagged when ``|r| > threshold`` (``settings.redundancy.threshold``).
    min_pairs : int, optional
        Fewest cases with both values for ``r`` to be computed
        (``settings.redundancy.min_pairs``); below it ``r`` is NaN and the pair is not
        flagged. Defaults to 3, the smallest number for which ``r`` is not trivially ±1.

    Returns
    -------
    pandas.DataFrame
        Columns ``Critère A, Critère B, r, Paires, Redondant``: one row per pair of columns,
        sorted by decreasing ``|r|`` (pairs without ``r`` last). ``r`` is NaN when a column is
        constant over the common cases.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"Le seuil de redondance doit être dans ]0, 1] (trouvé : {threshold}).")
    min_pairs = 3 if min_pairs is None else int(min_pairs)
    if min_pairs < 3:
        raise ValueError(f"Il faut au moins 3 paires pour calculer une corrélation (trouvé : {min_pairs}).")
    df = values.apply(pd.to_numeric, errors="coerce").astype(float)
    cols = list(df.columns)
    present = df.notna().to_numpy().astype(float)
    counts = present.T @ present
    # pandas computes Pearson r with pairwise deletion and returns NaN below min_periods.
    corr = df.corr(method="pearson", min_periods=min_pairs).to_numpy()
    rows = []
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            r = corr[i, j]
            n = int(counts[i, j])
            if n < min_pairs:
                r = np.nan
            rows.append(
                {
                    "Critère A": cols[i],
                    "Critère B": cols[j],
                    "r": float(r),
                    "Paires": n,
                    "Redondant": bool(np.isfinite(r) and abs(r) > threshold),
                }
            )
    out = pd.DataFrame(rows, columns=REDUNDANCY_COLUMNS)
    if out.empty:
        return out
    key = out["r"].abs().fillna(-1.0)
    out = out.assign(_k=key).sort_values("_k", ascending=False, kind="stable").drop(columns="_k")
    return out.reset_index(drop=True)
