"""Facts of a case: derived values, criterion values, coverage and the case sheet.

Derived values (€ per inhabitant, selection and delivery rates, turnout) are computed here
from the recorded facts, never typed in a case file, so that the formula is always the same
and its inputs are traceable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem
from .formats import fmt_number, fmt_value
from .htmlsafe import host as url_host
from .htmlsafe import safe_url
from .provenance import grade_text, primary_share, split_sources
from .schema import Case, Catalogue, Fact, Families
from .textutil import escape_md
from .vocabulary import DESIGN_FIELDS, OUTCOME_FIELDS


@dataclass(frozen=True)
class Derivation:
    """A derived value: its inputs (fact paths), the formula in words, and the function."""

    name: str
    label_fr: str
    inputs: tuple[str, ...]
    formula: str
    unit: str

    def compute(self, values: list[float]) -> float | None:
        a = values
        if self.name == "per_inhabitant_per_year":
            return a[0] / a[1] / a[2] if a[1] > 0 and a[2] > 0 else None
        if self.name in ("selection_rate_pct", "ballot_rate_pct", "delivery_rate_pct",
                         "turnout_derived_pct", "commune_coverage_pct", "admin_cost_pct"):
            return 100.0 * a[0] / a[1] if a[1] > 0 else None
        raise KeyError(self.name)  # pragma: no cover


DERIVATIONS: dict[str, Derivation] = {
    d.name: d
    for d in [
        Derivation("per_inhabitant_per_year", "Enveloppe par habitant et par an",
                   ("design.envelope", "design.envelope_period_years", "population"),
                   "enveloppe / durée en années / population", "par hab. et par an"),
        Derivation("selection_rate_pct", "Taux de sélection",
                   ("outcomes.projects_retained", "outcomes.projects_submitted"),
                   "100 × projets retenus / projets déposés", "%"),
        Derivation("ballot_rate_pct", "Part des projets soumis au vote",
                   ("outcomes.projects_on_ballot", "outcomes.projects_submitted"),
                   "100 × projets soumis au vote / projets déposés", "%"),
        Derivation("delivery_rate_pct", "Taux de réalisation",
                   ("outcomes.projects_delivered", "outcomes.projects_retained"),
                   "100 × projets réalisés / projets retenus", "%"),
        Derivation("turnout_derived_pct", "Taux de participation (calculé)",
                   ("outcomes.voters_count", "population"),
                   "100 × votants / population", "%"),
        Derivation("commune_coverage_pct", "Couverture communale",
                   ("outcomes.communes_beneficiaries", "outcomes.communes_total"),
                   "100 × communes bénéficiaires / communes du territoire", "%"),
        Derivation("admin_cost_pct", "Coût de gestion rapporté à l'enveloppe",
                   ("outcomes.organisation_cost", "design.envelope"),
                   "100 × coût d'organisation / enveloppe", "%"),
    ]
}

#: Names a criterion may use in ``derived_from``: derivations plus facts used as they are.
DERIVABLE = set(DERIVATIONS) | {"turnout_pct", "own_contribution_min", "climate_share_pct",
                                "share_of_investment_budget"}


def _num(f: Fact | None) -> float | None:
    if f is None or f.value is None or isinstance(f.value, (bool, str, list)):
        return None
    return float(f.value)


def _year_of(facts: list[Fact]):
    years = [f.year for f in facts if f.year is not None]
    if not years:
        return None
    # A derived value refers to the latest year among its inputs; mixed years are said in the note.
    def key(y):
        return int(str(y)[-4:])
    return max(years, key=key)


#: Largest gap in years between the inputs of a derived value, from
#: ``settings.evidence.edition_tolerance_years`` (set when a project is loaded, see
#: :func:`set_edition_tolerance`). None: no project loaded, no limit.
_EDITION_TOLERANCE: int | None = None


def set_edition_tolerance(years: int | None) -> None:
    """Set the edition tolerance used when no ``tolerance`` is passed (called by the validator)."""
    global _EDITION_TOLERANCE
    _EDITION_TOLERANCE = None if years is None else int(years)


def _span(year) -> tuple[int, int] | None:
    """First and last year of ``2016`` or ``2015-2016``; None when unreadable."""
    try:
        parts = [int(p) for p in str(year).split("-")]
    except ValueError:
        return None
    return (min(parts), max(parts)) if parts else None


def edition_gap(facts: list[Fact]) -> int:
    """Largest gap in years between the years of ``facts`` (a period counts for each of its years).

    ``2021`` and ``2015-2016`` are 5 years apart; ``2016`` and ``2015-2016`` are 0 apart. Facts
    without a readable year are left out (the validator already asks for the year).
    """
    spans = [s for f in facts if f.year is not None and (s := _span(f.year)) is not None]
    if len(spans) < 2:
        return 0
    return max(0, max(lo for lo, _ in spans) - min(hi for _, hi in spans))


def _inputs(case: Case, name: str):
    d = DERIVATIONS[name]
    facts = [case.fact(p) for p in d.inputs]
    return d, facts, [_num(f) for f in facts]


def derivation_refusal(case: Case, name: str, tolerance: int | None = None) -> str | None:
    """Why the derived value ``name`` is not computed although all its inputs are given, or None.

    A derived value combines inputs of one edition: when their years are more than ``tolerance``
    years apart (default: ``settings.evidence.edition_tolerance_years`` of the loaded project), it
    is not derived, and the reason, in French, names each input with its year.
    """
    if name not in DERIVATIONS:
        return None
    tol = _EDITION_TOLERANCE if tolerance is None else tolerance
    d, facts, values = _inputs(case, name)
    if tol is None or any(v is None for v in values):
        return None
    gap = edition_gap(facts)
    if gap <= tol:
        return None
    inputs = ", ".join(f"{FIELD_LABELS.get(p.split('.')[-1], p).lower()} {f.year}" for p, f in zip(d.inputs, facts, strict=True))
    return (f"non calculé : données de millésimes trop éloignés ({inputs} ; écart de {gap} ans, "
            f"tolérance {tol} an{'s' if tol > 1 else ''})")


def derived_fact(case: Case, name: str, tolerance: int | None = None) -> Fact | None:
    """The derived value ``name`` for ``case`` as a Fact (confidence ``derived``), or None.

    None when an input is missing, or when the inputs' years are more than ``tolerance`` years
    apart (see :func:`derivation_refusal`, which gives the reason).
    """
    if name == "turnout_pct":
        f = case.outcomes.turnout_pct
        if f is not None and f.value is not None:
            return f
        return derived_fact(case, "turnout_derived_pct", tolerance)
    if name in ("own_contribution_min", "share_of_investment_budget"):
        return getattr(case.design, name)
    if name == "climate_share_pct":
        return case.outcomes.climate_share_pct
    d, facts, values = _inputs(case, name)
    if any(v is None for v in values):
        return None
    if derivation_refusal(case, name, tolerance) is not None:
        return None
    result = d.compute(values)
    if result is None:
        return None
    years = sorted({str(f.year) for f in facts if f.year is not None})
    inputs = ", ".join(f"{p.split('.')[-1]} = {fmt_value(f.value)} ({f.year})" for p, f in zip(d.inputs, facts, strict=False))
    note = f"{d.formula} ; {inputs}"
    if len(years) > 1:
        note += " — attention : années différentes"
    sources = " ; ".join(dict.fromkeys(f.source for f in facts if f.source))
    return Fact(value=float(result), year=_year_of(facts), source=sources, confidence="derived", note=note)


def derivation_refusals(case: Case, tolerance: int | None = None) -> dict[str, str]:
    """Every derived value not computed because its inputs' years are too far apart, with the reason."""
    out = {}
    for name in DERIVATIONS:
        reason = derivation_refusal(case, name, tolerance)
        if reason is not None:
            out[name] = reason
    return out


def derived_values(case: Case) -> dict[str, Fact]:
    """Every derived value that the case's facts allow."""
    out = {}
    for name in DERIVATIONS:
        f = derived_fact(case, name)
        if f is not None:
            out[name] = f
    return out


def criterion_fact(case: Case, criterion, families: Families | None = None) -> Fact | None:
    """The fact giving a criterion's value for a case: coded score, else derived value."""
    f = case.scores.get(criterion.id)
    if f is not None and f.value is not None:
        return f
    if criterion.derived_from:
        # An adapted measure in another unit (e.g. applications per 10,000 inhabitants) is not
        # the derived quantity: derive only when the family uses the criterion's own unit.
        if criterion.unit_for(case.family, families) != criterion.unit:
            return None
        d = derived_fact(case, criterion.derived_from)
        if d is not None and d.value is not None:
            return d
    return None


def criterion_values(case: Case, catalogue: Catalogue, families: Families | None = None) -> dict[str, float | None]:
    """Raw value of every criterion for ``case`` (level 0–4 or number), None when missing."""
    out: dict[str, float | None] = {}
    for c in catalogue.criteria:
        f = criterion_fact(case, c, families)
        out[c.id] = None if f is None else float(f.value)
    return out


def coverage_table(cases: list[Case], catalogue: Catalogue, families: Families, policy=None) -> pd.DataFrame:
    """Coverage per case: applicable criteria, criteria with a value, share; plus fact counts.

    With ``policy`` (the project's ``source_policy``), a column « Sources primaires » gives the
    share of the case's sourced values whose source is primary (:mod:`provenance`).
    """
    rows = []
    for case in cases:
        vals = criterion_values(case, catalogue, families)
        applicable = [c for c in catalogue.criteria if c.status_for(case.family, families) != "not_applicable"]
        n_val = sum(vals[c.id] is not None for c in applicable)
        n_facts = sum(
            1 for group, names in (("design", DESIGN_FIELDS), ("outcomes", OUTCOME_FIELDS))
            for n in names if (f := case.fact(f"{group}.{n}")) is not None and f.value is not None
        )
        rows.append({
            "case_id": case.id, "Cas": case.name, "Famille": families.label(case.family),
            "family": case.family,
            "Critères applicables": len(applicable), "Critères renseignés": n_val,
            "Couverture": n_val / len(applicable) if applicable else np.nan,
            "Faits sourcés": n_facts,
        })
        if policy is not None:

            rows[-1]["Sources primaires"] = primary_share(case, policy)
    return pd.DataFrame(rows)


def coverage_status(case: Case, catalogue: Catalogue, families: Families) -> tuple[int, int, list]:
    """(criteria with a value, applicable criteria, applicable criteria still empty) for a case."""
    vals = criterion_values(case, catalogue, families)
    applicable = [c for c in catalogue.criteria if c.status_for(case.family, families) != "not_applicable"]
    empty = [c for c in applicable if vals[c.id] is None]
    return len(applicable) - len(empty), len(applicable), empty


def coverage_words(n_val: int, n_app: int, threshold: float) -> str:
    """« 7/32 = 22 % < 25 % » (the shares rounded down so that the comparison reads true)."""
    share = n_val / n_app if n_app else 0.0
    sign = "<" if share < threshold else "≥"
    return f"{n_val}/{n_app} = {int(share * 100)} % {sign} {round(threshold * 100):g} %"


def low_coverage_problems(cases: list[Case], catalogue: Catalogue, families: Families, threshold: float,
                          files: dict[str, str] | None = None) -> list:
    """A warning (not an error) for each case under the coverage threshold, with the empty criteria.

    Such a case is still scored but shown apart (``scoring.low_coverage_policy``): the warning
    says how far it is from being ranked and which criteria to document.
    """

    out = []
    for case in cases:
        n_val, n_app, empty = coverage_status(case, catalogue, families)
        if n_app and n_val / n_app < threshold:
            out.append(Problem((files or {}).get(case.id, f"{case.id}.yml"),
                               f"couverture sous le seuil de classement ({coverage_words(n_val, n_app, threshold)}) : "
                               "le cas est montré à part, sans rang ; critères encore vides : "
                               + ", ".join(c.id for c in empty),
                               case_id=case.id, field="scores", severity="warning"))
    return out


def criterion_coverage(cases: list[Case], catalogue: Catalogue, families: Families) -> pd.DataFrame:
    """Share of cases of each family with a value for each criterion (N/A shown as NaN)."""
    fams = sorted({c.family for c in cases})
    data = {}
    for fam in fams:
        fc = [c for c in cases if c.family == fam]
        col = {}
        for crit in catalogue.criteria:
            if crit.status_for(fam, families) == "not_applicable":
                col[crit.id] = np.nan
            else:
                col[crit.id] = np.mean([criterion_values(c, catalogue, families)[crit.id] is not None for c in fc])
        data[families.label(fam)] = col
    df = pd.DataFrame(data)
    df.index.name = "criterion_id"
    return df


_FIELD_LABELS = {
    "envelope": "Enveloppe", "envelope_period_years": "Durée couverte (années)",
    "investment_budget": "Budget d'investissement", "share_of_investment_budget": "Part du budget d'investissement (%)",
    "project_cap": "Plafond par projet", "project_min": "Plancher par projet",
    "funding_rate": "Taux de financement (%)", "funding_rate_max": "Taux maximal avec bonus (%)",
    "bonus_rules": "Bonifications", "own_contribution_min": "Autofinancement minimum (%)",
    "proposers": "Qui peut proposer", "proposer_types": "Types de porteurs", "voters": "Qui peut voter",
    "min_age_propose": "Âge minimum pour proposer", "min_age_vote": "Âge minimum pour voter",
    "nationality_condition": "Condition de nationalité", "residency_rule": "Règle de résidence",
    "selection_method": "Mode de sélection", "voting_channels": "Canaux de vote",
    "ballot_rule": "Règles du bulletin", "sub_envelopes": "Sous-enveloppes", "themes": "Thèmes",
    "climate_focus": "Dédié à la transition écologique", "eco_criteria": "Critères écologiques",
    "calendar": "Calendrier", "frequency": "Fréquence", "steering_body": "Instance de pilotage",
    "support": "Accompagnement", "legal_basis": "Fondement juridique",
    "participants": "Participants", "voters_count": "Votants", "turnout_pct": "Taux de participation (%)",
    "applications": "Candidatures", "projects_submitted": "Projets déposés",
    "projects_eligible": "Projets recevables", "projects_on_ballot": "Projets soumis au vote",
    "projects_retained": "Projets retenus", "projects_delivered": "Projets réalisés",
    "climate_share_pct": "Part des lauréats liés à l'écologie (%)", "communes_total": "Communes du territoire",
    "communes_beneficiaries": "Communes bénéficiaires", "organisation_cost": "Coût d'organisation",
    "population": "Population", "first_year": "Première édition", "editions_count": "Nombre d'éditions",
    "active": "Toujours actif",
}
FIELD_LABELS = _FIELD_LABELS

_CONF = {"documented": "documenté", "derived": "calculé", "coded": "codé"}


def facts_table(case: Case, policy=None) -> pd.DataFrame:
    """Every recorded fact of a case (identity, design, outcomes) with its source, one row each.

    With ``policy`` (:class:`~benchmark_tools.schema.SourcePolicy`), a column « Qualité » gives
    the grade of each source (:mod:`benchmark_tools.provenance`).
    """
    rows = []
    for path in ["population", "first_year", "editions_count", "active"] + \
            [f"design.{n}" for n in DESIGN_FIELDS] + [f"outcomes.{n}" for n in OUTCOME_FIELDS]:
        f = case.fact(path)
        if f is None or f.value is None:
            continue
        name = path.split(".")[-1]
        rows.append({"field": path, "Fait": _FIELD_LABELS.get(name, name), "Valeur": fmt_value(f.value),
                     "Année": f.year, "Confiance": _CONF.get(f.confidence, f.confidence),
                     "Source": f.source, "Note": f.note or "",
                     "Autres sources": len(f.alternatives)})
    for name, f in derived_values(case).items():
        rows.append({"field": f"derived.{name}", "Fait": DERIVATIONS[name].label_fr,
                     "Valeur": fmt_number(f.value, 2 if f.value < 100 else 0), "Année": f.year,
                     "Confiance": "calculé", "Source": f.source, "Note": f.note, "Autres sources": 0})
    df = pd.DataFrame(rows, columns=["field", "Fait", "Valeur", "Année", "Confiance", "Source", "Note", "Autres sources"])
    if policy is not None:

        df["Qualité"] = [grade_text(src, policy) for src in df["Source"]]
    return df


def scores_table(case: Case, catalogue: Catalogue, families: Families, policy=None) -> pd.DataFrame:
    """Every criterion for a case: value (or missing / not applicable), evidence and source.

    With ``policy``, a column « Qualité » gives the grade of each source.
    """
    rows = []
    for c in catalogue.criteria:
        status = c.status_for(case.family, families)
        f = criterion_fact(case, c, families)
        if status == "not_applicable":
            value, level_text = "sans objet", ""
        elif f is None:
            value, level_text = "non renseigné", ""
        else:
            value = fmt_value(f.value) if c.type == "ordinal" else fmt_number(f.value, 1)
            level_text = (c.levels or {}).get(int(f.value), "") if c.type == "ordinal" else (c.unit_for(case.family, families) or "")
        rows.append({"criterion_id": c.id, "Code": c.code, "Critère": c.label_fr,
                     "Valeur": value, "Niveau": level_text,
                     "Preuve": (f.note or "") if f is not None else "",
                     "Source": (f.source or "") if f is not None else "",
                     "Année": f.year if f is not None else None})
    df = pd.DataFrame(rows)
    if policy is not None:

        df["Qualité"] = [grade_text(src, policy) for src in df["Source"]]
    return df


def case_sheet_markdown(case: Case, catalogue: Catalogue, families: Families, policy=None) -> str:
    """One case as readable French Markdown (facts with sources, scores with evidence).

    With ``policy``, each source shows its grade and the sheet gives the share of primary sources.

    All text that comes from the data is escaped, so a case text containing HTML stays inert.
    """
    e = escape_md
    vals = criterion_values(case, catalogue, families)
    applicable = [c for c in catalogue.criteria if c.status_for(case.family, families) != "not_applicable"]
    n_val = sum(vals[c.id] is not None for c in applicable)
    lines = [f"#### {e(case.name)}", ""]
    meta = [f"**Famille** : {e(families.label(case.family))}", f"**Territoire** : {e(case.territory)} ({e(case.country)})"]
    if case.edition:
        meta.append(f"**Édition décrite** : {e(case.edition)}")
    if case.baseline:
        meta.append("**Dispositif de référence de Rennes Métropole**")
    meta.append(f"**Couverture** : {n_val} critères renseignés sur {len(applicable)} applicables")
    if policy is not None:

        share = primary_share(case, policy)
        if share == share:
            meta.append(f"**Sources primaires** : {round(100 * share)} % des valeurs sourcées")
    lines.append(" · ".join(meta))
    lines += ["", e(case.summary), ""]
    q_head, q_sep = (" Qualité |", "---|") if policy is not None else ("", "")

    def q(r):
        return f" {e(r['Qualité'])} |" if policy is not None else ""

    ft = facts_table(case, policy)
    if len(ft):
        lines += ["| Fait | Valeur | Année | Confiance | Source |" + q_head, "|---|---|---|---|---|" + q_sep]
        for _, r in ft.iterrows():
            lines.append(f"| {e(r['Fait'])} | {e(r['Valeur'])} | {e(r['Année'])} | {e(r['Confiance'])} | {_link(r['Source'])} |" + q(r))
        lines.append("")
    refusals = derivation_refusals(case)
    if refusals:
        lines += [f"*Valeurs non calculées* — {e(DERIVATIONS[k].label_fr)} : {e(v)}." for k, v in refusals.items()]
        lines.append("")
    st = scores_table(case, catalogue, families, policy)
    coded = st[~st["Valeur"].isin(["non renseigné", "sans objet"])]
    if len(coded):
        lines += ["| Critère | Valeur | Preuve | Source |" + q_head, "|---|---|---|---|" + q_sep]
        for _, r in coded.iterrows():
            lines.append(f"| {e(r['Code'])} {e(r['Critère'])} | {e(r['Valeur'])} | {e(r['Preuve'])} | {_link(r['Source'])} |" + q(r))
        lines.append("")
    return "\n".join(lines)


def _link(source: str | None) -> str:
    """A source field as Markdown: each well-formed http(s) URL as a link labelled by its site,
    anything else (a citation, a malformed or non-web URL) as escaped text, never a link."""
    if not source:
        return ""
    parts = []
    for s in split_sources(source):
        url = safe_url(s)
        if url is not None:
            # safe_url excludes whitespace and angle brackets: the <…> destination cannot be broken.
            parts.append(f"[{escape_md(url_host(url))}](<{url}>)")
        else:
            parts.append(escape_md(s))
    return " ; ".join(parts)


def case_sheet_text(case: Case, catalogue: Catalogue, families: Families, policy=None,
                    threshold: float | None = None) -> str:
    """One case as plain text for the terminal (``benchmark-tools show``).

    With ``policy``, each source shows its grade; with ``threshold``
    (``settings.scoring.coverage_threshold``), a case under it is flagged with its empty criteria.
    """
    n_val, n_app, empty = coverage_status(case, catalogue, families)
    out = [case.name, "=" * len(case.name),
           f"Famille : {families.label(case.family)} — Territoire : {case.territory} ({case.country})",
           f"Couverture : {n_val}/{n_app} critères applicables renseignés"]
    if threshold is not None and n_app and n_val / n_app < threshold:
        out.append(f"Avertissement : couverture sous le seuil de classement ({coverage_words(n_val, n_app, threshold)}) : "
                   "le cas est montré à part, sans rang. Critères encore vides : " + ", ".join(c.id for c in empty)
                   + " (voir « benchmark-tools show " + case.id + " --todo »).")
    if policy is not None:

        share = primary_share(case, policy)
        if share == share:
            out.append(f"Sources primaires : {round(100 * share)} % des valeurs sourcées")
    out += ["", case.summary, "", "Faits", "-----"]

    def src(r):
        grade = f" [{r['Qualité']}]" if policy is not None and r["Qualité"] else ""
        return f"    source : {r['Source']}{grade}"

    for _, r in facts_table(case, policy).iterrows():
        out.append(f"- {r['Fait']} : {r['Valeur']} ({r['Année']}, {r['Confiance']})")
        out.append(src(r))
        if r["Note"]:
            out.append(f"    note : {r['Note']}")
    for k, reason in derivation_refusals(case).items():
        out.append(f"- {DERIVATIONS[k].label_fr} : {reason}")
    out += ["", "Critères", "--------"]
    for _, r in scores_table(case, catalogue, families, policy).iterrows():
        out.append(f"- {r['Code']} {r['Critère']} : {r['Valeur']}" + (f" — {r['Niveau']}" if r["Niveau"] else ""))
        if r["Preuve"]:
            out.append(f"    preuve : {r['Preuve']}")
        if r["Source"]:
            out.append(src(r))
    return "\n".join(out)


def todo_text(case: Case, catalogue: Catalogue, families: Families) -> str:
    """The applicable criteria of a case still empty, each with its YAML key and the evidence to look for."""
    n_val, n_app, empty = coverage_status(case, catalogue, families)
    out = [f"{case.name} — {len(empty)} critère(s) applicable(s) encore vide(s) sur {n_app}", ""]
    for c in empty:
        out.append(f"- {c.code} {c.label_fr} (clé YAML : scores.{c.id})")
        out.append(f"    à chercher : {' '.join(c.evidence.split())}")
        if c.derived_from and c.unit_for(case.family, families) == c.unit:
            out.append(f"    ou bien : valeur calculée par l'outil à partir des faits du cas ({c.derived_from}) s'ils sont renseignés")
        elif c.derived_from:
            out.append(f"    valeur à saisir à la main dans scores.{c.id} (unité propre à cette famille : "
                       f"{c.unit_for(case.family, families)}), avec sa formule dans note")
    return "\n".join(out)


def short_names(cases, family_labels: dict[str, str] | None = None) -> dict[str, str]:
    """Short labels of cases for charts and tables, the same in every figure and table.

    ``short_name`` when the case file gives one; else the territory; when two cases of the list
    share a territory, the family label is added (« Rennes (Fonds de concours) ») or, within one
    family, what their identifiers do not share (``bordeaux_bp`` / ``bordeaux_bp_climat_2024`` →
    « Bordeaux », « Bordeaux (climat 2024) »).

    Parameters
    ----------
    cases : sequence
        Objects with ``id``, ``territory``, ``family`` and optionally ``short_name``.
    family_labels : dict, optional
        French label of each family (default: the family id).

    Returns
    -------
    dict
        case id → short label.
    """
    cases = list(cases)
    terr = [str(c.territory) for c in cases]
    fams = [getattr(c, "family", None) for c in cases]
    out: dict[str, str] = {}
    for c, t, f in zip(cases, terr, fams, strict=True):
        if getattr(c, "short_name", None):
            out[c.id] = c.short_name
            continue
        if terr.count(t) == 1:
            out[c.id] = t
            continue
        same = [x.id for x, tt, ff in zip(cases, terr, fams, strict=True) if tt == t and ff == f]
        if len(same) == 1:
            out[c.id] = f"{t} ({(family_labels or {}).get(f, f)})"
            continue
        parts = [s.split("_") for s in same]
        n_common = 0
        while all(len(p) > n_common and p[n_common] == parts[0][n_common] for p in parts):
            n_common += 1
        rest = " ".join(c.id.split("_")[n_common:])
        out[c.id] = f"{t} ({rest})" if rest else t
    return out
