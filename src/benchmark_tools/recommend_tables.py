"""Tables read from the evidence: what distinguishes the leaders, recommended parameter ranges, indicators to follow."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .formats import fmt_number, fmt_quantity, fmt_share
from .recommend_evidence import CriterionEvidence, FamilyEvidence, ParameterEvidence, norm_text
from .recommend_rules import Recommendation
from .vocabulary import PARAMETERS, Parameter, item_label

_PRACTICE_COLUMNS = ["Type", "Élément", "Meneurs", "n meneurs", "Autres cas", "n autres", "Écart", "Rennes",
                     "Cas meneurs", "Sources"]


def distinguishing_practices(ev: FamilyEvidence, min_n: int) -> pd.DataFrame:
    """What distinguishes the leaders from the other cases, criterion by criterion and parameter by parameter.

    Criteria: median of the normalised values (1 = best) among leaders and among the other
    cases. Parameters: median for numbers, share of cases for yes/no and for each list or
    calendar value. Only rows with at least ``min_n`` documented leaders and other cases are
    kept; sorted by decreasing gap. Each row names the leaders that show it, with their sources.
    """
    rows = [_criterion_row(ce) for ce in ev.criteria.values() if ce.n_leaders >= min_n and ce.n_rest >= min_n]
    for name, pe in ev.parameters.items():
        rows += _parameter_rows(ev, pe, PARAMETERS[name], min_n)
    df = pd.DataFrame(rows, columns=_PRACTICE_COLUMNS)
    return df.sort_values("Écart", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def _criterion_row(ce: CriterionEvidence) -> dict:
    """Leaders' and other cases' medians of one criterion (normalised)."""
    return {
        "Type": "critère", "Élément": f"{ce.code} {ce.label}", "Meneurs": norm_text(ce.leaders_median),
        "n meneurs": ce.n_leaders, "Autres cas": norm_text(ce.rest_median), "n autres": ce.n_rest,
        "Écart": ce.leaders_median - ce.rest_median,
        "Rennes": norm_text(ce.baseline) if np.isfinite(ce.baseline) else "non documenté",
        "Cas meneurs": "; ".join(f"{s.name} ({s.value})" for s in ce.supports),
        "Sources": " ; ".join(dict.fromkeys(s.source for s in ce.supports if s.source)),
    }


def _has(v, k) -> bool:
    """Whether a parameter value (a list, or one value) shows the item ``k``."""
    return (k in v) if isinstance(v, list) else (v == k)


def _parameter_rows(ev: FamilyEvidence, pe: ParameterEvidence, param: Parameter, min_n: int) -> list[dict]:
    """Rows of one parameter: its medians (number), or the shares of each value shown by some case."""
    lead = [(v, sup) for _, v, sup in pe.leader_values]
    rest = [v for c, v, _ in pe.all_values if c not in ev.leader_ids]
    if len(lead) < min_n or len(rest) < min_n:
        return []
    base = pe.baseline_support.value if pe.baseline_support else "non documenté"
    if param.kind == "number":
        lm, rm = float(np.median([v for v, _ in lead])), float(np.median(rest))
        items = [(param.label_fr, lm, rm, fmt_quantity(lm, param.decimals, param.unit),
                  fmt_quantity(rm, param.decimals, param.unit), lambda v: True)]
    else:
        if param.kind == "bool":
            keys = [True]
        else:
            keys = list(param.vocabulary) or sorted({x for v, _ in lead for x in (v if isinstance(v, list) else [v])})
        items = []
        for k in keys:
            ls = float(np.mean([_has(v, k) for v, _ in lead]))
            rs_ = float(np.mean([_has(v, k) for v in rest]))
            if ls == 0 and rs_ == 0:
                continue
            label = param.label_fr if k is True else f"{param.label_fr} : {item_label(k)}"
            items.append((label, ls, rs_, fmt_share(ls), fmt_share(rs_), (lambda v, k=k: _has(v, k))))
    rows = []
    for label, lv, rv, ltxt, rtxt, holds in items:
        shown = [sup for v, sup in lead if holds(v)]
        rows.append({
            "Type": "paramètre", "Élément": label, "Meneurs": ltxt, "n meneurs": len(lead), "Autres cas": rtxt,
            "n autres": len(rest), "Écart": (lv - rv) if param.kind != "number" else np.nan, "Rennes": base,
            "Cas meneurs": "; ".join(f"{s.name} ({s.value})" for s in shown),
            "Sources": " ; ".join(dict.fromkeys(s.source for s in shown if s.source)),
        })
    return rows


def _range_text(s: dict, param: Parameter) -> str:
    if s["n"] == 0:
        return "—"
    d, u = param.decimals, param.unit
    return f"{fmt_quantity(s['median'], d, u)} [{fmt_quantity(s['q1'], d, u)} – {fmt_quantity(s['q3'], d, u)}]"


def _shares_text(s: dict, top: int = 3) -> str:
    if s["n"] == 0:
        return "—"
    items = sorted(((v, str(k)) for k, v in s["shares"].items() if np.isfinite(v) and v > 0), reverse=True)[:top]
    return ", ".join(f"{'oui' if k == 'True' else item_label(k)} {fmt_share(v)}" for v, k in items) or "aucun"


def ranges_table(ev: FamilyEvidence, names: list[str]) -> pd.DataFrame:
    """Median and interquartile range among leaders and among all cases, with Rennes' value."""
    rows = []
    for name in names:
        pe = ev.parameters[name]
        param = PARAMETERS[name]
        if param.kind == "number":
            lead, allc = _range_text(pe.leaders, param), _range_text(pe.all_cases, param)
        else:
            lead, allc = _shares_text(pe.leaders), _shares_text(pe.all_cases)
        note = ""
        if pe.excluded_currency:
            note = f"hors {len(pe.excluded_currency)} cas en devise autre que l'euro"
        rows.append({
            "Paramètre": pe.label, "Meneurs : médiane [Q1 – Q3] ou parts": lead, "n meneurs": pe.leaders["n"],
            "Tous les cas : médiane [Q1 – Q3] ou parts": allc, "n tous": pe.all_cases["n"],
            "Rennes (valeur actuelle)": pe.baseline_support.value if pe.baseline_support else "non documenté",
            "Source (Rennes)": (pe.baseline_support.source or "") if pe.baseline_support else "",
            "Remarque": note,
        })
    return pd.DataFrame(rows)


def indicators_table(project, family: str, recs: list[Recommendation], ev: FamilyEvidence) -> pd.DataFrame:
    """The criteria of the préconisations as indicators to follow: unit, measure, Rennes today, leaders' median."""
    rows, seen = [], set()
    for r in recs:
        for cid in r.criteria:
            if cid in seen:
                continue
            seen.add(cid)
            crit = project.catalogue.criterion(cid)
            ce = ev.criteria.get(cid)
            unit = crit.unit_for(family, project.families) or ("niveau 0–4" if crit.type == "ordinal" else "")
            rows.append({
                "Indicateur": f"{crit.code} {crit.label_fr}", "Unité": unit,
                "Mesure": " ".join(crit.evidence.split()),
                "Rennes aujourd'hui": (ce.baseline_support.value if ce is not None and ce.baseline_support else "non documenté"),
                "Médiane des meneurs": ("—" if ce is None or not np.isfinite(ce.leaders_median_raw)
                                         else fmt_number(ce.leaders_median_raw, 1)),
            })
    return pd.DataFrame(rows, columns=["Indicateur", "Unité", "Mesure", "Rennes aujourd'hui", "Médiane des meneurs"])
