"""Evidence of the préconisations: the robust leader group of a family and how it compares with the others and Rennes.

For one family, :func:`family_evidence` finds the leaders (non-Rennes cases whose probability of
being in the top *k* under the joint Monte Carlo reaches ``leaders.p_top_k_min`` of
``benchmark/recommendations.yml``) and compares them, criterion by criterion (normalised values,
1 = best) and design parameter by design parameter, with the other cases and with Rennes' current
instrument. :func:`evidence_for` recomputes the same evidence for another leader group (one draw's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .cases import criterion_fact, derived_fact
from .errors import InputError
from .formats import fmt_number, fmt_quantity
from .joint import joint_from_settings
from .matrix import DecisionMatrix
from .pipeline import get_profile
from .project import load_recommendation_config
from .schema import Case, ReportParams
from .schema_rules import RecommendationConfig
from .scoring import score
from .vocabulary import PARAMETERS, Parameter, item_label


@dataclass(frozen=True)
class CaseSupport:
    """One case backing a statement: its value and the record that documents it."""

    case_id: str
    name: str
    value: str
    source: str | None
    year: Any
    note: str | None
    p_top_k: float | None = None


@dataclass(frozen=True)
class CriterionEvidence:
    criterion_id: str
    label: str
    code: str
    n_leaders: int
    leaders_q1: float
    leaders_median: float
    leaders_q3: float
    leaders_median_raw: float
    n_rest: int
    rest_median: float
    rest_median_raw: float
    baseline_id: str | None
    baseline: float  # normalised, NaN if undocumented
    baseline_raw: float
    share_above: float  # share of leaders strictly above the baseline (NaN without baseline)
    supports: tuple[CaseSupport, ...]
    baseline_support: CaseSupport | None
    support_norm: tuple[float, ...] = ()
    support_raw: tuple[float, ...] = ()

    @property
    def iqr(self) -> float:
        return self.leaders_q3 - self.leaders_q1


@dataclass(frozen=True)
class ParameterEvidence:
    parameter: str
    label: str
    kind: str
    unit: str
    decimals: int
    leaders: dict  # numeric: n, q1, median, q3 ; others: n, shares {item: share}
    all_cases: dict
    baseline_id: str | None
    baseline_value: Any
    baseline_support: CaseSupport | None
    leader_values: tuple[tuple[str, Any, CaseSupport], ...]
    all_values: tuple[tuple[str, Any, CaseSupport], ...]
    excluded_currency: tuple[str, ...] = ()


def _quartiles(x) -> tuple[float, float, float]:
    """(Q1, median, Q3) of the finite values.

    The quartiles are *attained* values (inverted CDF, as the rank percentiles of the robustness
    module): with two or three leaders, an interpolated quartile would put Rennes "below the
    lower quartile" while it equals one of the leaders. The median is the usual one.
    """
    a = np.asarray([v for v in x if v is not None and np.isfinite(v)], dtype=float)
    if a.size == 0:
        return (np.nan, np.nan, np.nan)
    q1, q3 = np.percentile(a, [25, 75], method="inverted_cdf")
    return float(q1), float(np.median(a)), float(q3)


def parameter_fact(case: Case, name: str, catalogue=None, families=None):
    """(value, Fact) of a design parameter for a case, or (None, None)."""
    if name == "per_inhabitant_per_year":
        f = derived_fact(case, name)
        return (None, None) if f is None else (float(f.value), f)
    if name == "voting_channels_count":
        f = case.design.voting_channels
        if f is None or not isinstance(f.value, list):
            return None, None
        return float(len(f.value)), f
    if name == "delivery_tracking_level":
        if catalogue is None:
            return None, None
        try:
            crit = catalogue.criterion("delivery_tracking")
        except KeyError:
            return None, None
        f = criterion_fact(case, crit, families)
        return (None, None) if f is None or f.value is None else (float(f.value), f)
    f = getattr(case.design, name, None)
    if f is None or f.value is None:
        return None, None
    v = f.value
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = float(v)
    return v, f


def _support(case: Case, value_text: str, f, p_top=None) -> CaseSupport:
    return CaseSupport(case.id, case.name, value_text, getattr(f, "source", None), getattr(f, "year", None),
                       getattr(f, "note", None), p_top)


def _value_text(param: Parameter, v) -> str:
    if isinstance(v, list):
        return ", ".join(item_label(x) for x in v) or "aucun"
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, str):
        return item_label(v)
    if param.name in ("min_age_vote", "min_age_propose") and v == 0:
        return "aucun âge minimum (0\u00a0ans)"
    return fmt_quantity(v, param.decimals, param.unit)


@dataclass
class FamilyEvidence:
    """Leaders and evidence of one family (the input of the rules)."""

    family: str
    family_label: str
    profile_id: str
    method: str
    normalisation: str
    seed: int
    n_draws: int
    top_k: int
    p_top_k_min: float
    coverage_threshold: float
    engine_coverage_threshold: float
    leaders_table: pd.DataFrame
    leader_ids: list[str]
    baseline_ids: list[str]
    baseline_in_top_group: list[str]
    rest_ids: list[str]
    criteria: dict[str, CriterionEvidence]
    parameters: dict[str, ParameterEvidence]
    p_top: dict[str, float]
    prior: str = "none"
    context: Any = None


def report_params(project, params) -> ReportParams:
    base = project.report
    if params is None:
        if base is None:
            raise InputError("paramètres d'exécution introuvables : benchmark/report.yml manque")
        return base
    if isinstance(params, ReportParams):
        return params
    if isinstance(params, Mapping):
        data = base.model_dump() if base is not None else {}
        data.update(params)
        return ReportParams.model_validate(data)
    raise InputError(f"paramètres : ReportParams ou table de clés attendue, reçu {type(params).__name__}")


def family_evidence(project, family: str, params=None, config: RecommendationConfig | None = None) -> FamilyEvidence:
    """Leaders and the evidence the rules read, for one main family.

    Parameters
    ----------
    project : Project
    family : str
        A main family (``families.main``).
    params : ReportParams or mapping, optional
        Profile, method, normalisation, seed and draws (default ``report.yml``).
    config : RecommendationConfig, optional
        Default: ``benchmark/recommendations.yml``.

    Returns
    -------
    FamilyEvidence
        Leaders = non-Rennes cases whose P(top k) under the Monte Carlo of
        ``settings.robustness`` (seeded) reaches ``leaders.p_top_k_min``; ranking uses
        ``leaders.coverage_threshold`` when set (said in the output). Per criterion: quartiles
        of the normalised values among leaders, median of the other cases, Rennes' value (the
        best documented Rennes instrument of the family). Per design parameter: values among
        leaders and among all non-Rennes cases (monetary values in euros only), and Rennes'.
    """

    rp = report_params(project, params)
    cfg = config or load_recommendation_config(project.root, project.catalogue, project.families)
    if family not in project.families.main:
        raise InputError(f"famille « {family} » : les préconisations portent sur "
                         + ", ".join(project.families.main))
    cases = project.cases_of(family)
    if not cases:
        raise InputError(f"aucun cas dans la famille « {project.families.label(family)} »")
    settings = project.settings
    engine_thr = float(settings.scoring.coverage_threshold)
    thr = engine_thr if cfg.leaders.coverage_threshold is None else float(cfg.leaders.coverage_threshold)
    # Only the identification of leaders uses this threshold (documented in the output).
    s_lead = settings.model_copy(update={"scoring": settings.scoring.model_copy(update={"coverage_threshold": thr})})
    matrix = DecisionMatrix.from_cases(cases, project.catalogue, family, project.families)
    profile = get_profile(project, rp.profile)
    # Leaders are defined on the joint uncertainty (weights and missing values drawn together,
    # prior ``robustness.missing_prior``; ``none`` = weights only, available-case rule).
    mc = joint_from_settings(matrix, profile, s_lead, rp.seed, n_draws=rp.n_draws, method=rp.method,
                             normalisation=rp.normalisation)
    nominal = score(matrix, profile, s_lead, method=rp.method, normalisation=rp.normalisation)
    ids = list(matrix.case_ids)
    by_id = {c.id: c for c in cases}
    p_top = dict(zip(ids, (float(x) for x in mc.p_top_k), strict=True))
    baseline_ids = [c.id for c in cases if c.baseline]
    top_group = [cid for cid in ids if p_top[cid] >= cfg.leaders.p_top_k_min]
    leaders = sorted([cid for cid in top_group if cid not in baseline_ids], key=lambda c: -p_top[c])
    ctx = _EvidenceContext(project, family, rp, cfg, profile, matrix, nominal, mc, ids, by_id, baseline_ids,
                           p_top, top_group, thr, engine_thr, {}, str(s_lead.robustness.missing_prior))
    return evidence_for(ctx, leaders)


@dataclass
class _EvidenceContext:
    """What the evidence of a family needs besides the leader group (computed once)."""

    project: Any
    family: str
    rp: ReportParams
    cfg: Any
    profile: Any
    matrix: Any
    nominal: Any
    mc: Any
    ids: list
    by_id: dict
    baseline_ids: list
    p_top: dict
    top_group: list
    thr: float
    engine_thr: float
    facts: dict
    prior: str = "none"

    def parameter_fact(self, case, name):
        key = (case.id, name)
        if key not in self.facts:
            self.facts[key] = parameter_fact(case, name, self.project.catalogue, self.project.families)
        return self.facts[key]



def evidence_for(ctx: _EvidenceContext, leaders: list[str]) -> FamilyEvidence:
    """The evidence the rules read, for a given leader group (robust group, or one draw's)."""
    project, family, rp, mc = ctx.project, ctx.family, ctx.rp, ctx.mc
    rest = [cid for cid in ctx.ids if cid not in leaders and cid not in ctx.baseline_ids]
    idx = {c: i for i, c in enumerate(ctx.ids)}
    # Column j of the matrix is the j-th criterion of the catalogue.
    criteria = {crit.id: _criterion_evidence(ctx, idx, j, crit, leaders, rest)
                for j, crit in enumerate(project.catalogue.criteria)
                if crit.status_for(family, project.families) != "not_applicable"}
    parameters = {name: _parameter_evidence(ctx, name, param, leaders, rest) for name, param in PARAMETERS.items()}
    return FamilyEvidence(
        family=family, family_label=project.families.label(family), profile_id=ctx.profile.id, method=rp.method,
        normalisation=rp.normalisation, seed=rp.seed, n_draws=rp.n_draws, top_k=mc.top_k,
        p_top_k_min=ctx.cfg.leaders.p_top_k_min, coverage_threshold=ctx.thr, engine_coverage_threshold=ctx.engine_thr,
        leaders_table=_leaders_table(ctx, leaders), leader_ids=leaders, baseline_ids=ctx.baseline_ids,
        baseline_in_top_group=[b for b in ctx.baseline_ids if b in ctx.top_group], rest_ids=rest,
        criteria=criteria, parameters=parameters, p_top=ctx.p_top, prior=ctx.prior, context=ctx)


def _leaders_table(ctx: _EvidenceContext, leaders: list[str]) -> pd.DataFrame:
    """Every case with its P(top k), nominal rank, coverage and group, by decreasing P(top k)."""
    ids, by_id, p_top, baseline_ids = ctx.ids, ctx.by_id, ctx.p_top, ctx.baseline_ids
    cov = dict(zip(ids, ctx.nominal.coverage, strict=True))
    nom_rank = dict(zip(ids, ctx.nominal.ranks, strict=True))
    return pd.DataFrame({
        "case_id": ids,
        "Cas": [by_id[c].name for c in ids],
        "P(top k)": [p_top[c] for c in ids],
        "Rang nominal": [int(nom_rank[c]) if nom_rank[c] > 0 else None for c in ids],
        "Couverture": [float(cov[c]) for c in ids],
        "Groupe": ["référence rennaise" if c in baseline_ids else ("tête" if c in leaders else "autres") for c in ids],
    }).sort_values("P(top k)", ascending=False, kind="stable").reset_index(drop=True)


def _criterion_evidence(ctx: _EvidenceContext, idx: dict[str, int], j: int, crit, leaders: list[str],
                        rest: list[str]) -> CriterionEvidence:
    """One criterion: leaders' quartiles, other cases' median, Rennes' value and the leaders' records."""
    families = ctx.project.families
    norm = ctx.nominal.normalised[:, j]
    raw = ctx.matrix.values[:, j]
    lv = [norm[idx[c]] for c in leaders if np.isfinite(norm[idx[c]])]
    rv = [norm[idx[c]] for c in rest if np.isfinite(norm[idx[c]])]
    q1, med, q3 = _quartiles(lv)
    _, rmed, _ = _quartiles(rv)
    lraw = [raw[idx[c]] for c in leaders if np.isfinite(raw[idx[c]])]
    rraw = [raw[idx[c]] for c in rest if np.isfinite(raw[idx[c]])]
    unit = crit.unit_for(ctx.family, families) or ""

    def text(x):
        return raw_text(x, crit.type, unit)

    b_id, b_norm, b_raw = _criterion_baseline(ctx, idx, norm, raw)
    b_sup = None
    if b_id is not None:
        b_sup = _support(ctx.by_id[b_id], text(b_raw), criterion_fact(ctx.by_id[b_id], crit, families))
    sups, sup_norm, sup_raw = [], [], []
    for c in leaders:
        v = raw[idx[c]]
        if np.isfinite(v) and np.isfinite(norm[idx[c]]):
            sups.append(_support(ctx.by_id[c], text(v), criterion_fact(ctx.by_id[c], crit, families), ctx.p_top[c]))
            sup_norm.append(float(norm[idx[c]]))
            sup_raw.append(float(v))
    share_above = (float(np.mean([x > b_norm for x in lv])) if (lv and np.isfinite(b_norm)) else np.nan)
    return CriterionEvidence(
        crit.id, crit.label_fr, crit.code, len(lv), q1, med, q3,
        float(np.median(lraw)) if lraw else np.nan, len(rv), rmed,
        float(np.median(rraw)) if rraw else np.nan, b_id, b_norm, b_raw, share_above, tuple(sups), b_sup,
        tuple(sup_norm), tuple(sup_raw))


def _criterion_baseline(ctx: _EvidenceContext, idx: dict[str, int], norm: np.ndarray,
                        raw: np.ndarray) -> tuple[str | None, float, float]:
    """(id, normalised, raw value) of Rennes on a criterion, or (None, NaN, NaN).

    The best documented Rennes instrument of the family (conservative reading).
    """
    b_id, b_norm, b_raw = None, np.nan, np.nan
    for b in ctx.baseline_ids:
        v = norm[idx[b]]
        if np.isfinite(v) and (b_id is None or v > b_norm):
            b_id, b_norm, b_raw = b, float(v), float(raw[idx[b]])
    return b_id, b_norm, b_raw


def _parameter_evidence(ctx: _EvidenceContext, name: str, param: Parameter, leaders: list[str],
                        rest: list[str]) -> ParameterEvidence:
    """One design parameter: values among leaders, among all non-Rennes cases, and Rennes' value.

    Monetary values are compared in euros only: cases in another currency are left out (and listed).
    """
    lv, av, excluded = [], [], []
    for group, out in ((leaders, lv), (leaders + rest, av)):
        for c in group:
            case = ctx.by_id[c]
            if param.monetary and case.design.currency != "EUR":
                if out is av:
                    excluded.append(c)
                continue
            v, f = ctx.parameter_fact(case, name)
            if v is None:
                continue
            out.append((c, v, _support(case, _value_text(param, v), f, ctx.p_top.get(c))))
    b_id, b_val, b_sup = None, None, None
    for b in ctx.baseline_ids:
        case = ctx.by_id[b]
        if param.monetary and case.design.currency != "EUR":
            continue
        v, f = ctx.parameter_fact(case, name)
        if v is not None and b_id is None:
            b_id, b_val, b_sup = b, v, _support(case, _value_text(param, v), f)
    return ParameterEvidence(
        name, param.label_fr, param.kind, param.unit, param.decimals,
        _summary(param, [v for _, v, _ in lv]), _summary(param, [v for _, v, _ in av]),
        b_id, b_val, b_sup, tuple(lv), tuple(av), tuple(excluded))


def norm_text(x) -> str:
    """A normalised value (1 = best) with two decimals, or « non documenté »."""
    return "non documenté" if x is None or not np.isfinite(x) else fmt_number(float(x), 2)


def raw_text(x: float, ctype: str, unit: str) -> str:
    """A raw criterion value in words: « 3 sur 4 » for a level, the number and its unit otherwise."""
    if x is None or not np.isfinite(x):
        return "non documenté"
    if ctype == "ordinal":
        return f"{fmt_number(x, 0 if float(x).is_integer() else 1)} sur 4"
    return fmt_quantity(x, 1, "%" if unit == "%" else "") + ("" if unit in ("%", "") else f" {unit}")


def _summary(param: Parameter, values: list) -> dict:
    if param.kind == "number":
        q1, med, q3 = _quartiles(values)
        return {"n": len(values), "q1": q1, "median": med, "q3": q3}
    if param.kind == "bool":
        return {"n": len(values), "shares": {True: float(np.mean([v is True for v in values])) if values else np.nan}}
    if param.kind == "list":
        items = param.vocabulary or sorted({x for v in values for x in v})
        return {"n": len(values),
                "shares": {it: (float(np.mean([it in v for v in values])) if values else np.nan) for it in items}}
    items = param.vocabulary or sorted(set(values))
    return {"n": len(values),
            "shares": {it: (float(np.mean([v == it for v in values])) if values else np.nan) for it in items}}


# --------------------------------------------------------------------------- rule evaluation
