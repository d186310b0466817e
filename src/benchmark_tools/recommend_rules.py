"""Rule evaluation: one function per rule type (:data:`RULES`), the outcome of each rule, the emitted préconisations.

A rule of ``benchmark/recommendations.yml`` is emitted when its type's condition holds (the
function of :data:`RULES` for its type) *and* at least one supporting case carries a source; its
French text template is then filled with the computed numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .formats import fmt_quantity, fmt_share
from .provenance import split_sources
from .recommend_evidence import (
    CaseSupport,
    FamilyEvidence,
    ParameterEvidence,
    norm_text,
    parameter_fact,
    raw_text,
)
from .schema_rules import Practice, RecommendationConfig, Rule, Territory
from .vocabulary import PARAMETERS, OutcomeStatus, Parameter, item_label


@dataclass(frozen=True)
class Recommendation:
    """One emitted recommendation with its evidence."""

    id: str
    family: str
    rule_type: str
    title: str
    text: str
    priority: int
    effort: str
    horizon: str
    tradeoffs: tuple[str, ...]
    supports: tuple[CaseSupport, ...]
    criteria: tuple[str, ...]
    sources: tuple[str, ...]
    values: dict
    formatted: dict
    #: Share of the joint draws (seeded subsample) in which the rule is retained, the leader
    #: group recomputed in each draw (see :func:`~benchmark_tools.recommend_stability.preconisation_stability`);
    #: None = not computed.
    retention: float | None = None


@dataclass(frozen=True)
class RuleOutcome:
    """What happened to a rule: emitted, condition not met, not enough evidence, or over the cap."""

    rule_id: str
    status: OutcomeStatus
    reason: str


def practice_label(practice: Practice, param: Parameter) -> str:
    """The practice in words, for the préconisation texts (« canaux de vote comprenant « en ligne » »)."""
    op = practice.op
    if op == "equals":
        v = practice.equals
        if isinstance(v, bool):
            return f"{param.label_fr.lower()} : {'oui' if v else 'non'}"
        return f"{param.label_fr.lower()} : {item_label(v)}"
    if op == "contains":
        return f"{param.label_fr.lower()} comprenant « {item_label(practice.contains)} »"
    if op == "in_":
        return f"{param.label_fr.lower()} parmi : " + ", ".join(item_label(x) for x in practice.in_ or [])
    if op == "at_most":
        return f"{param.label_fr.lower()} au plus {fmt_quantity(practice.at_most, 0, param.unit)}"
    return f"{param.label_fr.lower()} au moins {fmt_quantity(practice.at_least, 0, param.unit)}"


# --------------------------------------------------------------------------- one rule being evaluated


@dataclass
class _Draft:
    """A rule being evaluated: what its check reads, and the numbers, texts and cases it fills in."""

    rule: Rule
    ev: FamilyEvidence
    cfg: RecommendationConfig
    project: Any
    min_n: int
    fmt: dict[str, str]
    values: dict[str, float] = field(default_factory=dict)
    supports: list[CaseSupport] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    #: The cases the text names (criterion rules: the leaders reaching the leaders' median).
    text_cases: list[CaseSupport] = field(default_factory=list)

    def unmet(self, reason: str) -> RuleOutcome:
        return RuleOutcome(self.rule.id, OutcomeStatus.CONDITION_NOT_MET, reason)

    def lacking(self, reason: str) -> RuleOutcome:
        return RuleOutcome(self.rule.id, OutcomeStatus.INSUFFICIENT_DATA, reason)


def _draft(rule: Rule, ev: FamilyEvidence, cfg: RecommendationConfig, project) -> _Draft:
    """The draft of a rule with the placeholders every rule type has."""
    baseline_names = [project.case(b).name for b in ev.baseline_ids]
    fmt = {"famille": ev.family_label.lower(), "n_leaders": str(len(ev.leader_ids)),
           "baseline_name": " ; ".join(baseline_names) if baseline_names else "aucun dispositif rennais",
           "population": "le groupe de tête" if rule.population == "leaders" else "l'ensemble des cas"}
    return _Draft(rule, ev, cfg, project, rule.min_n or cfg.agreement.min_n, fmt, criteria=list(rule.criteria))


#: A rule type's check: None when its condition holds (the draft filled in), else the outcome saying why not.
RuleCheck = Callable[[_Draft], RuleOutcome | None]


# --------------------------------------------------------------------------- criterion rules


def _read_criterion(d: _Draft) -> RuleOutcome | None:
    """Common part of the criterion rules: the criterion's numbers, the leaders' records, enough leaders."""
    ce = d.ev.criteria.get(d.rule.criterion)
    if ce is None:
        return d.unmet("critère sans objet pour cette famille")
    if d.rule.criterion not in d.criteria:
        d.criteria.insert(0, d.rule.criterion)
    d.fmt["criterion"] = ce.label.lower()
    d.fmt["n"] = str(ce.n_leaders)
    d.values["n"] = ce.n_leaders
    for k in ("leaders_q1", "leaders_median", "leaders_q3", "baseline", "rest_median"):
        d.values[k] = getattr(ce, k)
        d.fmt[k] = norm_text(getattr(ce, k))
    crit = d.project.catalogue.criterion(ce.criterion_id)
    unit = crit.unit_for(d.ev.family, d.project.families) or ""
    for k in ("baseline_raw", "leaders_median_raw", "rest_median_raw"):
        d.values[k] = getattr(ce, k)
        d.fmt[k] = raw_text(getattr(ce, k), crit.type, unit)
    d.supports = list(ce.supports)
    d.text_cases = _cases_reaching_median(d, ce, crit, unit)
    if ce.n_leaders < d.min_n:
        return d.lacking(f"{ce.n_leaders} meneur(s) documenté(s) sur ce critère (minimum {d.min_n})")
    return None


def _cases_reaching_median(d: _Draft, ce, crit, unit: str) -> list[CaseSupport]:
    """The leaders whose value reaches the leaders' median (``{target_level}`` set to that level).

    The practice named in the text is the leaders' median level (rounded towards the weaker side
    for a level): ``{cases}`` lists only the leaders that reach it.
    """
    if not np.isfinite(ce.leaders_median_raw):
        return []
    if crit.type == "ordinal":
        target = float(np.floor(ce.leaders_median_raw))
        d.fmt["target_level"] = (crit.levels or {}).get(int(target), raw_text(target, crit.type, unit)).rstrip(".")
    else:
        target = ce.leaders_median_raw
        d.fmt["target_level"] = raw_text(target, crit.type, unit)
    higher = crit.direction == "higher" or crit.type == "ordinal"
    return [s for s, x in zip(ce.supports, ce.support_raw, strict=True) if (x >= target if higher else x <= target)]


def _baseline_below_leaders(d: _Draft) -> RuleOutcome | None:
    """Rennes is below the leaders' first quartile on the criterion, and the leaders agree."""
    failed = _read_criterion(d)
    if failed is not None:
        return failed
    ce, ag = d.ev.criteria[d.rule.criterion], d.cfg.agreement
    if ce.baseline_id is None:
        return d.lacking("valeur du dispositif rennais non documentée sur ce critère")
    d.values["share_above"] = ce.share_above
    d.fmt["share_above"] = fmt_share(ce.share_above)
    agree = ce.iqr <= ag.max_iqr or ce.share_above >= (d.rule.min_share or ag.min_share)
    if not (ce.baseline < ce.leaders_q1):
        return d.unmet(f"le dispositif rennais ({norm_text(ce.baseline)}) n'est pas sous le premier quartile "
                       f"des meneurs ({norm_text(ce.leaders_q1)})")
    if not agree:
        return d.unmet("les meneurs ne s'accordent pas (écart interquartile trop grand "
                       "et part au-dessus du dispositif rennais trop faible)")
    d.supports = [s for s, x in zip(ce.supports, ce.support_norm, strict=True) if x > ce.baseline]
    if ce.baseline_support is not None:
        d.supports.append(ce.baseline_support)
    return None


def _leaders_above_rest(d: _Draft) -> RuleOutcome | None:
    """The leaders' median exceeds the other cases' median by at least ``min_gap`` on the criterion."""
    failed = _read_criterion(d)
    if failed is not None:
        return failed
    ce = d.ev.criteria[d.rule.criterion]
    if ce.n_rest < d.min_n:
        return d.lacking(f"{ce.n_rest} autre(s) cas documenté(s) (minimum {d.min_n})")
    gap = ce.leaders_median - ce.rest_median
    d.values["gap"] = gap
    d.values["n_rest"] = ce.n_rest
    d.fmt["gap"] = norm_text(gap)
    d.fmt["n_rest"] = str(ce.n_rest)
    if gap < d.rule.min_gap:
        return d.unmet(f"écart des médianes {norm_text(gap)} < {norm_text(d.rule.min_gap)}")
    if ce.baseline_support is not None:
        d.supports.append(ce.baseline_support)
    return None


# --------------------------------------------------------------------------- design-parameter rules


def _read_parameter(d: _Draft) -> tuple[ParameterEvidence, Parameter]:
    """Common part of the parameter rules: the parameter's name and Rennes' value in words."""
    pe = d.ev.parameters[d.rule.parameter]
    param = PARAMETERS[d.rule.parameter]
    d.fmt["parameter"] = param.label_fr.lower()
    d.fmt["baseline_value"] = pe.baseline_support.value if pe.baseline_support else "non documenté"
    return pe, param


def _parameter_range(d: _Draft) -> RuleOutcome | None:
    """Median and quartiles of a numeric parameter (among leaders or all cases): enough values documented."""
    pe, param = _read_parameter(d)
    leaders = d.rule.population == "leaders"
    pop = pe.leaders if leaders else pe.all_cases
    pool = pe.leader_values if leaders else pe.all_values
    d.fmt["population"] = "le groupe de tête" if leaders else "l'ensemble des cas"
    if pop["n"] < d.min_n:
        return d.lacking(f"{pop['n']} valeur(s) documentée(s) (minimum {d.min_n})")
    for k in ("q1", "median", "q3"):
        d.values[k] = pop[k]
        d.fmt[k] = fmt_quantity(pop[k], param.decimals, param.unit)
        d.values["all_" + k] = pe.all_cases[k]
        d.fmt["all_" + k] = fmt_quantity(pe.all_cases[k], param.decimals, param.unit)
    d.values["n"] = pop["n"]
    d.fmt["n"] = str(pop["n"])
    d.values["n_all"] = pe.all_cases["n"]
    d.fmt["n_all"] = str(pe.all_cases["n"])
    if isinstance(pe.baseline_value, float):
        d.values["baseline_value"] = pe.baseline_value
    d.supports = [s for _, _, s in pool]
    if pe.baseline_support is not None:
        d.supports.append(pe.baseline_support)
    return None


def _read_practice(d: _Draft) -> RuleOutcome | None:
    """Common part of the practice rules: how many cases (leaders or all) show the practice, enough documented."""
    pe, param = _read_parameter(d)
    practice = d.rule.practice
    d.fmt["practice"] = practice_label(practice, param)
    pool = pe.leader_values if d.rule.population == "leaders" else pe.all_values
    d.fmt["population"] = "des meneurs" if d.rule.population == "leaders" else "de l'ensemble des cas"
    n = len(pool)
    k = sum(practice.holds(v) for _, v, _ in pool)
    d.values["n"], d.values["k"] = n, k
    d.fmt["n"], d.fmt["k"] = str(n), str(k)
    if n < d.min_n:
        return d.lacking(f"{n} cas documenté(s) sur ce paramètre (minimum {d.min_n})")
    share = k / n
    d.values["share"] = share
    d.fmt["share"] = fmt_share(share)
    d.supports = [s for _, v, s in pool if practice.holds(v)]
    return None


def _share_too_low(d: _Draft) -> RuleOutcome | None:
    """The practice's share is under the rule's ``min_share``."""
    share = d.values["share"]
    if share < d.rule.min_share:
        return d.unmet(f"part {d.fmt['population']} {fmt_share(share)} < {fmt_share(d.rule.min_share)}")
    return None


def _baseline_missing_practice(d: _Draft) -> RuleOutcome | None:
    """Rennes lacks a practice that at least ``min_share`` of the cases show."""
    failed = _read_practice(d)
    if failed is not None:
        return failed
    pe = d.ev.parameters[d.rule.parameter]
    if pe.baseline_id is None:
        return d.lacking("paramètre non documenté pour le dispositif rennais")
    if any(d.rule.practice.holds(v) for v in _baseline_values(d.ev, d.project, d.rule.parameter)):
        return d.unmet("le dispositif rennais a déjà cette pratique")
    failed = _share_too_low(d)
    if failed is not None:
        return failed
    d.supports.append(pe.baseline_support)
    return None


def _leaders_share_at_least(d: _Draft) -> RuleOutcome | None:
    """At least ``min_share`` of the cases show the practice (and, with ``min_gap``, more than the others)."""
    failed = _read_practice(d)
    if failed is not None:
        return failed
    pe, practice = d.ev.parameters[d.rule.parameter], d.rule.practice
    rest_vals = [v for c, v, _ in pe.all_values if c not in d.ev.leader_ids]
    n_rest = len(rest_vals)
    rest_share = (sum(practice.holds(v) for v in rest_vals) / n_rest) if n_rest else np.nan
    d.values["rest_share"], d.values["n_rest"] = rest_share, n_rest
    d.fmt["rest_share"], d.fmt["n_rest"] = fmt_share(rest_share), str(n_rest)
    failed = _share_too_low(d)
    if failed is not None:
        return failed
    if d.rule.min_gap is not None and d.rule.population == "leaders":
        if n_rest < d.min_n:
            return d.lacking(f"{n_rest} autre(s) cas documenté(s) (minimum {d.min_n})")
        if d.values["share"] - rest_share < d.rule.min_gap:
            return d.unmet("la pratique ne distingue pas les meneurs des autres cas")
    if pe.baseline_support is not None:
        d.supports.append(pe.baseline_support)
    return None


def _baseline_values(ev: FamilyEvidence, project, name: str) -> list:
    """The documented values of a parameter for every Rennes instrument of the family."""
    vals = []
    for b in ev.baseline_ids:
        v, _ = parameter_fact(project.case(b), name, project.catalogue, project.families)
        if v is not None:
            vals.append(v)
    return vals


#: One check per rule type of :data:`benchmark_tools.vocabulary.RULE_TYPES`.
RULES: dict[str, RuleCheck] = {
    "baseline_below_leaders": _baseline_below_leaders,
    "leaders_above_rest": _leaders_above_rest,
    "baseline_missing_practice": _baseline_missing_practice,
    "leaders_share_at_least": _leaders_share_at_least,
    "parameter_range": _parameter_range,
}


# --------------------------------------------------------------------------- evaluation


def _evaluate(rule: Rule, ev: FamilyEvidence, cfg: RecommendationConfig, territory: Territory | None, project):
    """(Recommendation | None, RuleOutcome): the check of the rule's type, then the sources and the text."""
    d = _draft(rule, ev, cfg, project)
    if len(ev.leader_ids) < cfg.leaders.min_leaders and rule.population == "leaders":
        return None, d.lacking(f"groupe de tête trop petit ({len(ev.leader_ids)} cas, "
                               f"minimum {cfg.leaders.min_leaders})")
    failed = RULES[rule.type](d)
    if failed is not None:
        return None, failed
    return _emit(d, territory)


def _emit(d: _Draft, territory: Territory | None):
    """(Recommendation | None, RuleOutcome) of a rule whose condition holds: at least one sourced case, the text."""
    rule, ev = d.rule, d.ev
    sourced = [s for s in d.supports if s.source and s.case_id not in ev.baseline_ids]
    if not sourced:
        return None, d.lacking("aucun cas meneur sourcé n'illustre la pratique")
    extra_sources = _territory_value(d, territory)
    if d.text_cases:
        named = [s for s in d.text_cases if s.source]
        names = [s.name for s in (named or sourced)]
    else:
        names = [s.name for s in sourced]
    d.fmt["cases"] = ", ".join(names[:4]) + (f" et {len(names) - 4} autre(s)" if len(names) > 4 else "")
    try:
        text = rule.text.format(**d.fmt)
    except KeyError as exc:
        return None, d.lacking(f"valeur manquante pour le gabarit : {exc}")
    trade = tuple(d.cfg.tradeoffs[t] for t in rule.tradeoffs)
    sources = tuple(dict.fromkeys(
        [src for s in d.supports for src in split_sources(s.source)] + extra_sources))
    rec = Recommendation(rule.id, ev.family, rule.type, rule.title, text, rule.priority, rule.effort, rule.horizon,
                         trade, tuple(d.supports), tuple(d.criteria), sources, d.values, d.fmt)
    return rec, RuleOutcome(rule.id, OutcomeStatus.EMITTED, "condition remplie")


def _territory_value(d: _Draft, territory: Territory | None) -> list[str]:
    """Fill ``{territory_value}`` from the rule's territory fact; the fact's source, to cite."""
    if not (d.rule.territory_fact and territory is not None):
        return []
    tf = territory.fact(d.rule.territory_fact)
    v = tf.value
    number = isinstance(v, (int, float)) and not isinstance(v, bool)
    d.fmt["territory_value"] = (fmt_quantity(float(v), 0) if number
                                else ", ".join(v) if isinstance(v, list) else str(v))
    if number:
        d.values["territory_value"] = float(v)
    return [tf.source]


def run_rules(ev: FamilyEvidence, cfg: RecommendationConfig, territory, project, family: str):
    """Evaluate the rules on one evidence set: (kept recommendations, outcome of every rule)."""
    emitted: list[tuple[int, int, Recommendation]] = []
    outcomes: list[RuleOutcome] = []
    for order, rule in enumerate(cfg.rules):
        if rule.family not in ("all", family):
            continue
        rec, outcome = _evaluate(rule, ev, cfg, territory, project)
        outcomes.append(outcome)
        if rec is not None:
            emitted.append((rec.priority, order, rec))
    emitted.sort(key=lambda t: (t[0], t[1]))
    cap = cfg.limits.max_per_family
    kept = [r for _, _, r in emitted[:cap]]
    for _, _, r in emitted[cap:]:
        outcomes = [RuleOutcome(o.rule_id, OutcomeStatus.CAP, f"plafond de {cap} préconisations atteint")
                    if o.rule_id == r.id else o for o in outcomes]
    return kept, outcomes
