"""Evidence-linked recommendations (préconisations) for each instrument family.

The chain, for one family:

1. **Leaders.** The robust top group is not one ranking: it is the set of cases whose
   probability of being in the top *k* under random weights (Monte Carlo of
   :mod:`benchmark_tools.robustness`, profile and seed from ``report.yml``, every other
   parameter from ``settings.robustness``) is at least ``leaders.p_top_k_min`` of
   ``benchmark/recommendations.yml``. Rennes' own instruments (``baseline: true``) are never
   counted among the leaders they are compared with.
2. **Evidence.** Criterion by criterion (normalised values, 1 = best) and design parameter by
   design parameter (numbers, yes/no, lists), the leaders are compared with the other cases
   (median, quartiles, share) and with Rennes' current instrument (the family's baseline).
3. **Rules.** ``recommendations.yml`` holds the rules: a condition from a small closed
   vocabulary (:data:`RULE_TYPES`), a French text template filled with the computed numbers,
   a priority, an effort, a horizon and the trade-offs the text must mention. A rule is only
   emitted when its condition holds *and* at least one supporting case carries a source.

Everything configurable lives in ``benchmark/recommendations.yml`` and in the territory
profile ``benchmark/territory/rennes_metropole.yml`` (sourced facts only); nothing here is a
hidden constant except the closed vocabularies.
"""

from __future__ import annotations

import difflib
import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np
import pandas as pd
from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from .cases import criterion_fact, derived_fact
from .config import find_root, load_model, rel
from .errors import InputError, Problem, ValidationFailed, short
from .schema import DESIGN_FIELDS, YEAR_PATTERN, Case, ReportParams
from .textutil import escape_md, fmt_number

TERRITORY_FILE = ("benchmark", "territory", "rennes_metropole.yml")
RULES_FILE = ("benchmark", "recommendations.yml")

RULE_TYPES = ("baseline_below_leaders", "leaders_above_rest", "baseline_missing_practice",
              "leaders_share_at_least", "parameter_range")
CRITERION_RULES = ("baseline_below_leaders", "leaders_above_rest")

HORIZONS = ("court", "moyen", "long")
HORIZON_LABELS = {"court": "Court terme", "moyen": "Moyen terme", "long": "Long terme"}

_COMMON_PLACEHOLDERS = {"famille", "n_leaders", "cases", "baseline_name", "territory_value", "population"}
PLACEHOLDERS: dict[str, set[str]] = {
    "baseline_below_leaders": {"criterion", "baseline", "baseline_raw", "leaders_q1", "leaders_median",
                               "leaders_q3", "leaders_median_raw", "share_above", "n", "target_level"},
    "leaders_above_rest": {"criterion", "leaders_median", "rest_median", "gap", "n", "n_rest", "baseline",
                           "leaders_median_raw", "rest_median_raw", "target_level"},
    "baseline_missing_practice": {"parameter", "practice", "share", "k", "n", "baseline_value"},
    "leaders_share_at_least": {"parameter", "practice", "share", "k", "n", "rest_share", "n_rest",
                               "baseline_value"},
    "parameter_range": {"parameter", "q1", "median", "q3", "n", "baseline_value",
                        "all_q1", "all_median", "all_q3", "n_all"},
}


# --------------------------------------------------------------------------- design parameters


@dataclass(frozen=True)
class Parameter:
    """A design parameter the rules may name: how to read it from a case and show it."""

    name: str
    label_fr: str
    kind: str  # number | bool | list | vocab
    unit: str = ""
    decimals: int = 0
    monetary: bool = False
    vocabulary: tuple[str, ...] = ()


def _vocab(name):
    extra = DESIGN_FIELDS[name][1]
    return tuple(extra) if extra else ()


PARAMETERS: dict[str, Parameter] = {p.name: p for p in [
    Parameter("per_inhabitant_per_year", "Enveloppe par habitant et par an", "number", "€", 2, monetary=True),
    Parameter("envelope", "Enveloppe de l'édition ou de la période", "number", "€", 0, monetary=True),
    Parameter("envelope_period_years", "Durée couverte par l'enveloppe", "number", "ans", 0),
    Parameter("share_of_investment_budget", "Part du budget d'investissement", "number", "%", 1),
    Parameter("project_cap", "Plafond par projet", "number", "€", 0, monetary=True),
    Parameter("project_min", "Plancher par projet", "number", "€", 0, monetary=True),
    Parameter("funding_rate", "Taux de financement de base", "number", "%", 0),
    Parameter("funding_rate_max", "Taux maximal avec bonifications", "number", "%", 0),
    Parameter("own_contribution_min", "Autofinancement minimum du porteur", "number", "%", 0),
    Parameter("min_age_vote", "Âge minimum pour voter", "number", "ans", 0),
    Parameter("min_age_propose", "Âge minimum pour proposer", "number", "ans", 0),
    Parameter("voting_channels", "Canaux de vote", "list", vocabulary=_vocab("voting_channels")),
    Parameter("voting_channels_count", "Nombre de canaux de vote", "number", "", 0),
    Parameter("proposer_types", "Types de porteurs admis", "list", vocabulary=_vocab("proposer_types")),
    Parameter("climate_focus", "Dédié à la transition écologique", "bool"),
    Parameter("nationality_condition", "Condition de nationalité", "bool"),
    Parameter("frequency", "Fréquence (calendrier)", "vocab", vocabulary=_vocab("frequency")),
    Parameter("delivery_tracking_level", "Niveau de suivi public de la réalisation (grille 0–4)", "number",
              "niveau", 0),
]}

_ITEM_LABELS = {
    "en_ligne": "en ligne", "urne": "urne (papier)", "reunion_publique": "réunion publique", "sms": "SMS",
    "mairie": "en mairie", "mobile": "urne mobile", "ecoles": "dans les écoles",
    "conseils_de_quartier": "conseils de quartier", "etablissements_scolaires": "établissements scolaires",
    "coproprietes": "copropriétés", "ess": "structures de l'ESS",
}


def item_label(item) -> str:
    return _ITEM_LABELS.get(str(item), str(item))


# --------------------------------------------------------------------------- French numbers


def _fr(x: float | None, decimals: int = 0, unit: str = "") -> str:
    """French number; NaN/None → « non documenté »."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "non documenté"
    if unit == "%":
        return fmt_number(float(x), decimals) + "\u00a0%"
    if unit == "ans":
        return fmt_number(float(x), decimals) + "\u00a0ans"
    if unit == "niveau":
        return "niveau " + fmt_number(float(x), decimals)
    return fmt_number(float(x), decimals, unit)


def _share(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "non documenté"
    return fmt_number(100 * float(x), 0) + "\u00a0%"


def parse_french_number(text: str) -> float:
    """The first number of a French-formatted text (tests, round trips): « 1 234,5 € » → 1234.5."""
    m = re.search(r"-?\d[\d\u202f\u00a0 ]*(?:,\d+)?", text)
    if not m:
        raise ValueError(f"aucun nombre dans {text!r}")
    return float(re.sub(r"[\u202f\u00a0 ]", "", m.group(0)).replace(",", "."))


# --------------------------------------------------------------------------- territory profile


from .schema import Strict as _Strict  # noqa: E402 - the same strict base as every other file model

TerritoryValue = Union[StrictBool, StrictInt, StrictFloat, StrictStr, list[StrictStr]]  # noqa: UP007 - same form as schema.Value


class TerritoryFact(_Strict):
    """One sourced fact of the territory profile (the value is required: no source, no fact)."""

    value: TerritoryValue
    year: StrictInt | StrictStr
    source: StrictStr
    confidence: Literal["documented", "derived", "coded"]
    note: StrictStr | None = None
    alternatives: list[TerritoryFact] = Field(default_factory=list)


TerritoryFact.model_rebuild()


class TerritoryInstrument(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: StrictStr
    family: StrictStr
    case_id: StrictStr | None = None
    owner: StrictStr | None = None
    facts: dict[str, TerritoryFact]


class TerritoryConstraint(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: StrictStr
    kind: Literal["institutionnel", "juridique", "capacite", "financier"]
    facts: dict[str, TerritoryFact]


class Territory(_Strict):
    """The territory profile of ``benchmark/territory/rennes_metropole.yml``."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: StrictStr
    level: Literal["commune", "epci", "departement", "region", "etat", "autre"]
    summary: StrictStr
    facts: dict[str, TerritoryFact]
    instruments: list[TerritoryInstrument] = Field(default_factory=list)
    constraints: list[TerritoryConstraint] = Field(default_factory=list)
    gaps: list[StrictStr] = Field(default_factory=list)

    def fact(self, path: str) -> TerritoryFact | None:
        """A fact by path: ``communes`` (top level), ``<instrument id>.<fact>`` or ``<constraint id>.<fact>``."""
        if "." not in path:
            return self.facts.get(path)
        owner, name = path.split(".", 1)
        for group in (self.instruments, self.constraints):
            for obj in group:
                if obj.id == owner:
                    return obj.facts.get(name)
        return None


_URL = re.compile(r"^https?://\S+$")
_SAFE_URL = re.compile(r"^https?://[^\s<>()\[\]`|]+$")


def _check_territory_fact(f: TerritoryFact, file: str, path: str, line) -> list[Problem]:
    out = []
    if not _URL.match(f.source.strip()):
        out.append(Problem(file, "source : une URL publique est attendue", field=path + ".source", line=line,
                           expected="https://…", found=short(f.source)))
    if not YEAR_PATTERN.match(str(f.year)):
        out.append(Problem(file, "année invalide", field=path + ".year", line=line,
                           expected="une année (2023) ou une période (2024-2026)", found=short(f.year)))
    if f.confidence in ("derived", "coded") and not (f.note or "").strip():
        out.append(Problem(file, f"note obligatoire pour une valeur « {f.confidence} »", field=path + ".note",
                           line=line, expected="la formule ou la preuve citée", found="rien"))
    for i, alt in enumerate(f.alternatives):
        out += _check_territory_fact(alt, file, f"{path}.alternatives[{i}]", line)
    return out


def load_territory(root: Path | str | None = None) -> Territory:
    """Load and check the territory profile; raise :class:`ValidationFailed` with French problems.

    Checks: the schema (unknown keys are errors), each fact's source (URL), year and note,
    unique ids, known families (``families.yml``) and, for ``case_id``, an existing case file.
    """
    root = Path(root) if root else find_root()
    path = root.joinpath(*TERRITORY_FILE)
    file = rel(path, root)
    obj, doc, problems = load_model(path, Territory, root)
    if obj is None:
        raise ValidationFailed(problems or [Problem(file, "fichier illisible")])

    def line(*loc):
        return doc.line_of(loc) if doc is not None else None

    for name, f in obj.facts.items():
        problems += _check_territory_fact(f, file, f"facts.{name}", line("facts", name))
    fam_ids = None
    try:
        from .config import load_families
        fam_ids = load_families(root).ids
    except ValidationFailed:
        pass
    seen: set[str] = set()
    for key, group in (("instruments", obj.instruments), ("constraints", obj.constraints)):
        for i, item in enumerate(group):
            base = f"{key}[{i}]"
            if item.id in seen:
                problems.append(Problem(file, "identifiant en double", field=base + ".id", line=line(key, i, "id"),
                                        expected="un identifiant unique", found=item.id))
            seen.add(item.id)
            for name, f in item.facts.items():
                problems += _check_territory_fact(f, file, f"{base}.facts.{name}", line(key, i, "facts", name))
            if key == "instruments":
                if fam_ids is not None and item.family not in fam_ids:
                    hint = difflib.get_close_matches(item.family, fam_ids, n=1)
                    problems.append(Problem(file, "famille inconnue" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""),
                                            field=base + ".family", line=line(key, i, "family"),
                                            expected=", ".join(fam_ids), found=item.family))
                if item.case_id and not list((root / "data" / "cases").glob(f"*/{item.case_id}.yml")):
                    # A warning, not an error: a renamed case must not block every command, but the
                    # comparison with Rennes' current value will be missing until the link is fixed.
                    problems.append(Problem(file, "cas introuvable dans data/cases : la comparaison avec ce "
                                            "dispositif rennais sera absente", field=base + ".case_id",
                                            line=line(key, i, "case_id"), expected="l'identifiant d'un cas existant",
                                            found=item.case_id, severity="warning"))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationFailed(problems)
    return obj


# --------------------------------------------------------------------------- rules configuration


class Practice(_Strict):
    """What counts as having a practice: exactly one operator."""

    equals: StrictBool | StrictInt | StrictFloat | StrictStr | None = None
    contains: StrictStr | None = None
    in_: list[StrictStr] | None = Field(default=None, alias="in")
    at_most: StrictInt | StrictFloat | None = None
    at_least: StrictInt | StrictFloat | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one(self):
        ops = [k for k in ("equals", "contains", "in_", "at_most", "at_least") if getattr(self, k) is not None]
        if len(ops) != 1:
            raise ValueError("une pratique a exactement un opérateur parmi equals, contains, in, at_most, at_least")
        return self

    @property
    def op(self) -> str:
        for k in ("equals", "contains", "in_", "at_most", "at_least"):
            if getattr(self, k) is not None:
                return k
        raise AssertionError  # pragma: no cover

    def holds(self, value) -> bool:
        op = self.op
        if op == "equals":
            return value == self.equals
        if op == "contains":
            return isinstance(value, list) and self.contains in value
        if op == "in_":
            return value in (self.in_ or [])
        if op == "at_most":
            return isinstance(value, (int, float)) and not isinstance(value, bool) and value <= self.at_most
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= self.at_least

    def label(self, param: Parameter) -> str:
        op = self.op
        if op == "equals":
            v = self.equals
            if isinstance(v, bool):
                return f"{param.label_fr.lower()} : {'oui' if v else 'non'}"
            return f"{param.label_fr.lower()} : {item_label(v)}"
        if op == "contains":
            return f"{param.label_fr.lower()} comprenant « {item_label(self.contains)} »"
        if op == "in_":
            return f"{param.label_fr.lower()} parmi : " + ", ".join(item_label(x) for x in self.in_ or [])
        if op == "at_most":
            return f"{param.label_fr.lower()} au plus {_fr(self.at_most, 0, param.unit)}"
        return f"{param.label_fr.lower()} au moins {_fr(self.at_least, 0, param.unit)}"


class LeadersConfig(_Strict):
    p_top_k_min: float = Field(gt=0, le=1)
    coverage_threshold: float | None = Field(default=None, ge=0, le=1)
    min_leaders: int = Field(ge=1)


class AgreementConfig(_Strict):
    max_iqr: float = Field(ge=0, le=1)
    min_share: float = Field(gt=0, le=1)
    min_n: int = Field(ge=1)


class LimitsConfig(_Strict):
    min_per_family: int = Field(ge=0)
    max_per_family: int = Field(ge=1)


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    family: StrictStr
    type: Literal["baseline_below_leaders", "leaders_above_rest", "baseline_missing_practice",
                  "leaders_share_at_least", "parameter_range"]
    title: StrictStr
    criterion: StrictStr | None = None
    parameter: StrictStr | None = None
    practice: Practice | None = None
    min_share: float | None = Field(default=None, gt=0, le=1)
    min_gap: float | None = Field(default=None, ge=0)
    min_n: int | None = Field(default=None, ge=1)
    population: Literal["leaders", "all"] = "leaders"
    territory_fact: StrictStr | None = None
    text: StrictStr
    priority: int = Field(ge=1, le=3)
    effort: Literal["faible", "moyen", "fort"]
    horizon: Literal["court", "moyen", "long"]
    tradeoffs: list[StrictStr] = Field(default_factory=list)
    criteria: list[StrictStr] = Field(default_factory=list)


class RecommendationConfig(_Strict):
    """``benchmark/recommendations.yml``."""

    leaders: LeadersConfig
    agreement: AgreementConfig
    limits: LimitsConfig
    tradeoffs: dict[str, StrictStr]
    ranges: dict[str, list[StrictStr]]
    rules: list[Rule]


def _placeholders(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as exc:
        raise ValueError(f"gabarit mal formé : {exc}") from None


def check_rules(cfg: RecommendationConfig, file: str, catalogue, families, territory: Territory | None,
                doc=None) -> list[Problem]:
    """Cross-file checks of the rules: names of criteria, parameters, families, placeholders, trade-offs."""
    out: list[Problem] = []
    crit_ids = catalogue.criterion_ids if catalogue is not None else None
    fam_main = list(families.main) if families is not None else None

    def p(msg, field, loc, expected=None, found=None):
        out.append(Problem(file, msg, field=field, line=doc.line_of(loc) if doc is not None else None,
                           expected=expected, found=found))

    def hint(word, choices):
        h = difflib.get_close_matches(str(word), list(choices), n=1)
        return f" — vouliez-vous dire « {h[0]} » ?" if h else ""

    if cfg.limits.min_per_family > cfg.limits.max_per_family:
        p("limites incohérentes : le minimum dépasse le maximum", "limits", ("limits",),
          expected=f"≤ {cfg.limits.max_per_family}", found=str(cfg.limits.min_per_family))
    for fam, names in cfg.ranges.items():
        if fam_main is not None and fam not in fam_main:
            p("famille inconnue" + hint(fam, fam_main), f"ranges.{fam}", ("ranges", fam),
              expected=", ".join(fam_main), found=fam)
        for j, name in enumerate(names):
            if name not in PARAMETERS:
                p("paramètre inconnu" + hint(name, PARAMETERS), f"ranges.{fam}[{j}]", ("ranges", fam, j),
                  expected="un paramètre parmi : " + ", ".join(PARAMETERS), found=name)
    seen: set[str] = set()
    for i, r in enumerate(cfg.rules):
        base = f"rules[{i}]"
        loc = ("rules", i)
        if r.id in seen:
            p("identifiant de règle en double", base + ".id", loc + ("id",), expected="un identifiant unique", found=r.id)
        seen.add(r.id)
        if fam_main is not None and r.family != "all" and r.family not in fam_main:
            p("famille inconnue" + hint(r.family, fam_main), base + ".family", loc + ("family",),
              expected="all ou " + ", ".join(fam_main), found=r.family)
        if r.type in CRITERION_RULES:
            if r.criterion is None:
                p(f"une règle « {r.type} » porte sur un critère : indiquez « criterion »", base + ".criterion", loc,
                  expected="un identifiant de benchmark/criteria.yml", found="rien")
            elif crit_ids is not None and r.criterion not in crit_ids:
                p("critère inconnu" + hint(r.criterion, crit_ids), base + ".criterion", loc + ("criterion",),
                  expected="un identifiant de benchmark/criteria.yml", found=r.criterion)
            if r.parameter is not None or r.practice is not None:
                p(f"une règle « {r.type} » ne prend ni « parameter » ni « practice »", base + ".parameter",
                  loc + ("parameter",), expected="rien", found=short(r.parameter or "practice"))
        else:
            if r.parameter is None:
                p(f"une règle « {r.type} » porte sur un paramètre de conception : indiquez « parameter »",
                  base + ".parameter", loc, expected=", ".join(PARAMETERS), found="rien")
            elif r.parameter not in PARAMETERS:
                p("paramètre inconnu" + hint(r.parameter, PARAMETERS), base + ".parameter", loc + ("parameter",),
                  expected="un paramètre parmi : " + ", ".join(PARAMETERS), found=r.parameter)
            if r.criterion is not None:
                p(f"une règle « {r.type} » ne prend pas « criterion » (utilisez « criteria » pour les indicateurs)",
                  base + ".criterion", loc + ("criterion",), expected="rien", found=r.criterion)
            param = PARAMETERS.get(r.parameter or "")
            if r.type in ("baseline_missing_practice", "leaders_share_at_least"):
                if r.practice is None:
                    p("la pratique recherchée manque", base + ".practice", loc,
                      expected="equals, contains, in, at_most ou at_least", found="rien")
                elif param is not None:
                    op = r.practice.op
                    ok = {"number": ("at_most", "at_least", "equals"), "bool": ("equals",),
                          "list": ("contains",), "vocab": ("equals", "in_")}[param.kind]
                    if op not in ok:
                        p(f"opérateur non adapté au paramètre « {param.name} »", base + ".practice",
                          loc + ("practice",), expected=", ".join(o.rstrip("_") for o in ok), found=op.rstrip("_"))
                    items = [r.practice.contains] if op == "contains" else (r.practice.in_ or []) if op == "in_" else \
                        ([r.practice.equals] if op == "equals" and param.kind == "vocab" else [])
                    for it in items:
                        if param.vocabulary and it not in param.vocabulary:
                            p("valeur inconnue" + hint(it, param.vocabulary), base + ".practice", loc + ("practice",),
                              expected="parmi : " + ", ".join(param.vocabulary), found=str(it))
                if r.min_share is None:
                    p("« min_share » est requis pour cette règle", base + ".min_share", loc,
                      expected="une part entre 0 et 1", found="rien")
            if r.type == "parameter_range":
                if param is not None and param.kind != "number":
                    p("une fourchette ne se calcule que sur un paramètre numérique", base + ".parameter",
                      loc + ("parameter",), expected="un paramètre numérique", found=r.parameter)
                if r.practice is not None:
                    p("une règle « parameter_range » ne prend pas « practice »", base + ".practice",
                      loc + ("practice",), expected="rien", found="practice")
        if r.type == "leaders_above_rest" and r.min_gap is None:
            p("« min_gap » est requis (écart minimal des médianes normalisées)", base + ".min_gap", loc,
              expected="un nombre entre 0 et 1", found="rien")
        for j, c in enumerate(r.criteria):
            if crit_ids is not None and c not in crit_ids:
                p("critère inconnu" + hint(c, crit_ids), f"{base}.criteria[{j}]", loc + ("criteria", j),
                  expected="un identifiant de benchmark/criteria.yml", found=c)
        for j, t in enumerate(r.tradeoffs):
            if t not in cfg.tradeoffs:
                p("arbitrage inconnu" + hint(t, cfg.tradeoffs), f"{base}.tradeoffs[{j}]", loc + ("tradeoffs", j),
                  expected=", ".join(cfg.tradeoffs), found=t)
        if r.territory_fact is not None and territory is not None and territory.fact(r.territory_fact) is None:
            p("fait du territoire introuvable", base + ".territory_fact", loc + ("territory_fact",),
              expected="<identifiant de dispositif ou de contrainte>.<fait>", found=r.territory_fact)
        try:
            names = _placeholders(r.text)
        except ValueError as exc:
            p(str(exc), base + ".text", loc + ("text",))
            continue
        allowed = PLACEHOLDERS[r.type] | _COMMON_PLACEHOLDERS
        for name in names:
            if name not in allowed:
                p("champ de gabarit inconnu pour ce type de règle" + hint(name, allowed), base + ".text",
                  loc + ("text",), expected="parmi : " + ", ".join(sorted(allowed)), found="{" + name + "}")
        if "territory_value" in names and r.territory_fact is None:
            p("{territory_value} demande « territory_fact »", base + ".territory_fact", loc,
              expected="<dispositif ou contrainte>.<fait>", found="rien")
    return out


def load_recommendation_config(root: Path | str | None = None, catalogue=None, families=None,
                               territory: Territory | None = None) -> RecommendationConfig:
    """Load ``benchmark/recommendations.yml`` and check it; raise :class:`ValidationFailed` (French)."""
    root = Path(root) if root else find_root()
    path = root.joinpath(*RULES_FILE)
    file = rel(path, root)
    obj, doc, problems = load_model(path, RecommendationConfig, root)
    if obj is None:
        raise ValidationFailed(problems or [Problem(file, "fichier illisible")])
    if catalogue is None or families is None:
        from .config import load_catalogue, load_families
        catalogue = catalogue or load_catalogue(root)
        families = families or load_families(root)
    problems += check_rules(obj, file, catalogue, families, territory, doc)
    if [p for p in problems if p.severity == "error"]:
        raise ValidationFailed(problems)
    return obj


# --------------------------------------------------------------------------- evidence


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
    return _fr(v, param.decimals, param.unit)


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


def _params(project, params) -> ReportParams:
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
    from .joint import joint_from_settings
    from .matrix import DecisionMatrix
    from .pipeline import get_profile
    from .scoring import score

    rp = _params(project, params)
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
    return _evidence_for(ctx, leaders)


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


def _evidence_for(ctx: _EvidenceContext, leaders: list[str]) -> FamilyEvidence:
    """The evidence the rules read, for a given leader group (robust group, or one draw's)."""
    project, family, rp, cfg, profile = ctx.project, ctx.family, ctx.rp, ctx.cfg, ctx.profile
    matrix, nominal, mc, ids, by_id = ctx.matrix, ctx.nominal, ctx.mc, ctx.ids, ctx.by_id
    baseline_ids, p_top, top_group, thr, engine_thr = ctx.baseline_ids, ctx.p_top, ctx.top_group, ctx.thr, ctx.engine_thr
    rest = [cid for cid in ids if cid not in leaders and cid not in baseline_ids]
    cov = dict(zip(ids, nominal.coverage, strict=True))
    nom_rank = dict(zip(ids, nominal.ranks, strict=True))
    table = pd.DataFrame({
        "case_id": ids,
        "Cas": [by_id[c].name for c in ids],
        "P(top k)": [p_top[c] for c in ids],
        "Rang nominal": [int(nom_rank[c]) if nom_rank[c] > 0 else None for c in ids],
        "Couverture": [float(cov[c]) for c in ids],
        "Groupe": ["référence rennaise" if c in baseline_ids else ("tête" if c in leaders else "autres") for c in ids],
    }).sort_values("P(top k)", ascending=False, kind="stable").reset_index(drop=True)

    # ---- criteria
    crit_ev: dict[str, CriterionEvidence] = {}
    idx = {c: i for i, c in enumerate(ids)}
    for j, crit in enumerate(project.catalogue.criteria):
        if crit.status_for(family, project.families) == "not_applicable":
            continue
        norm = nominal.normalised[:, j]
        raw = matrix.values[:, j]

        lv = [norm[idx[c]] for c in leaders if np.isfinite(norm[idx[c]])]
        rv = [norm[idx[c]] for c in rest if np.isfinite(norm[idx[c]])]
        q1, med, q3 = _quartiles(lv)
        _, rmed, _ = _quartiles(rv)
        lraw = [raw[idx[c]] for c in leaders if np.isfinite(raw[idx[c]])]
        rraw = [raw[idx[c]] for c in rest if np.isfinite(raw[idx[c]])]
        # Baseline: the best documented Rennes instrument of the family (conservative reading).
        b_id, b_norm, b_raw, b_sup = None, np.nan, np.nan, None
        for b in baseline_ids:
            v = norm[idx[b]]
            if np.isfinite(v) and (b_id is None or v > b_norm):
                b_id, b_norm, b_raw = b, float(v), float(raw[idx[b]])
        unit = crit.unit_for(family, project.families) or ""

        def rawtext(x, crit=crit, unit=unit):
            return _raw_text(x, crit.type, unit)

        if b_id is not None:
            b_sup = _support(by_id[b_id], rawtext(b_raw), criterion_fact(by_id[b_id], crit, project.families))
        sups, sup_norm, sup_raw = [], [], []
        for c in leaders:
            v = raw[idx[c]]
            if np.isfinite(v) and np.isfinite(norm[idx[c]]):
                sups.append(_support(by_id[c], rawtext(v), criterion_fact(by_id[c], crit, project.families), p_top[c]))
                sup_norm.append(float(norm[idx[c]]))
                sup_raw.append(float(v))
        share_above = (float(np.mean([x > b_norm for x in lv])) if (lv and np.isfinite(b_norm)) else np.nan)
        crit_ev[crit.id] = CriterionEvidence(
            crit.id, crit.label_fr, crit.code, len(lv), q1, med, q3,
            float(np.median(lraw)) if lraw else np.nan, len(rv), rmed,
            float(np.median(rraw)) if rraw else np.nan, b_id, b_norm, b_raw, share_above, tuple(sups), b_sup,
            tuple(sup_norm), tuple(sup_raw))

    # ---- design parameters
    par_ev: dict[str, ParameterEvidence] = {}
    for name, param in PARAMETERS.items():
        lv, av, excluded = [], [], []
        for group, out in ((leaders, lv), (leaders + rest, av)):
            for c in group:
                case = by_id[c]
                if param.monetary and case.design.currency != "EUR":
                    if out is av:
                        excluded.append(c)
                    continue
                v, f = ctx.parameter_fact(case, name)
                if v is None:
                    continue
                out.append((c, v, _support(case, _value_text(param, v), f, p_top.get(c))))
        b_id, b_val, b_sup = None, None, None
        for b in baseline_ids:
            case = by_id[b]
            if param.monetary and case.design.currency != "EUR":
                continue
            v, f = ctx.parameter_fact(case, name)
            if v is not None and b_id is None:
                b_id, b_val, b_sup = b, v, _support(case, _value_text(param, v), f)
        par_ev[name] = ParameterEvidence(
            name, param.label_fr, param.kind, param.unit, param.decimals,
            _summary(param, [v for _, v, _ in lv]), _summary(param, [v for _, v, _ in av]),
            b_id, b_val, b_sup, tuple(lv), tuple(av), tuple(excluded))

    return FamilyEvidence(
        family=family, family_label=project.families.label(family), profile_id=profile.id, method=rp.method,
        normalisation=rp.normalisation, seed=rp.seed, n_draws=rp.n_draws, top_k=mc.top_k,
        p_top_k_min=cfg.leaders.p_top_k_min, coverage_threshold=thr, engine_coverage_threshold=engine_thr,
        leaders_table=table, leader_ids=leaders, baseline_ids=baseline_ids,
        baseline_in_top_group=[b for b in baseline_ids if b in top_group], rest_ids=rest,
        criteria=crit_ev, parameters=par_ev, p_top=p_top, prior=ctx.prior, context=ctx)



def _raw_text(x: float, ctype: str, unit: str) -> str:
    """A raw criterion value in words: « 3 sur 4 » for a level, the number and its unit otherwise."""
    if x is None or not np.isfinite(x):
        return "non documenté"
    if ctype == "ordinal":
        return f"{fmt_number(x, 0 if float(x).is_integer() else 1)} sur 4"
    return _fr(x, 1, "%" if unit == "%" else "") + ("" if unit in ("%", "") else f" {unit}")


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
    #: group recomputed in each draw (see :func:`preconisation_stability`); None = not computed.
    retention: float | None = None


@dataclass(frozen=True)
class RuleOutcome:
    """What happened to a rule: emitted, condition not met, or not enough evidence."""

    rule_id: str
    status: str  # emis | condition_non_remplie | donnees_insuffisantes | plafond
    reason: str


def _fmt_norm(x) -> str:
    return "non documenté" if x is None or not np.isfinite(x) else fmt_number(float(x), 2)


def _evaluate(rule: Rule, ev: FamilyEvidence, cfg: RecommendationConfig, territory: Territory | None, project):
    """(Recommendation | None, RuleOutcome)."""
    ag = cfg.agreement
    min_n = rule.min_n or ag.min_n
    values: dict[str, float] = {}
    fmt: dict[str, str] = {"famille": ev.family_label.lower(), "n_leaders": str(len(ev.leader_ids))}
    supports: list[CaseSupport] = []
    criteria = list(rule.criteria)
    extra_sources: list[str] = []
    text_cases: list[CaseSupport] = []
    baseline_names = [project.case(b).name for b in ev.baseline_ids]
    fmt["baseline_name"] = " ; ".join(baseline_names) if baseline_names else "aucun dispositif rennais"

    def out(status, reason):
        return None, RuleOutcome(rule.id, status, reason)

    fmt["population"] = "le groupe de tête" if rule.population == "leaders" else "l'ensemble des cas"
    if len(ev.leader_ids) < cfg.leaders.min_leaders and rule.population == "leaders":
        return out("donnees_insuffisantes",
                   f"groupe de tête trop petit ({len(ev.leader_ids)} cas, minimum {cfg.leaders.min_leaders})")

    if rule.type in CRITERION_RULES:
        ce = ev.criteria.get(rule.criterion)
        if ce is None:
            return out("condition_non_remplie", "critère sans objet pour cette famille")
        if rule.criterion not in criteria:
            criteria.insert(0, rule.criterion)
        fmt["criterion"] = ce.label.lower()
        fmt["n"] = str(ce.n_leaders)
        values["n"] = ce.n_leaders
        for k in ("leaders_q1", "leaders_median", "leaders_q3", "baseline", "rest_median"):
            values[k] = getattr(ce, k)
            fmt[k] = _fmt_norm(getattr(ce, k))
        crit = project.catalogue.criterion(ce.criterion_id)
        unit = crit.unit_for(ev.family, project.families) or ""

        for k in ("baseline_raw", "leaders_median_raw", "rest_median_raw"):
            values[k] = getattr(ce, k)
            fmt[k] = _raw_text(getattr(ce, k), crit.type, unit)
        supports = list(ce.supports)
        # The practice named in the text is the leaders' median level (rounded towards the
        # weaker side for a level): {cases} lists only the leaders that reach it.
        if np.isfinite(ce.leaders_median_raw):
            if crit.type == "ordinal":
                target = float(np.floor(ce.leaders_median_raw))
                fmt["target_level"] = (crit.levels or {}).get(int(target), _raw_text(target, crit.type, unit)).rstrip(".")
            else:
                target = ce.leaders_median_raw
                fmt["target_level"] = _raw_text(target, crit.type, unit)
            better = (lambda x: x >= target) if crit.direction == "higher" or crit.type == "ordinal" \
                else (lambda x: x <= target)
            text_cases = [s for s, x in zip(ce.supports, ce.support_raw, strict=True) if better(x)]
        else:
            text_cases = []
        if ce.n_leaders < min_n:
            return out("donnees_insuffisantes", f"{ce.n_leaders} meneur(s) documenté(s) sur ce critère (minimum {min_n})")
        if rule.type == "baseline_below_leaders":
            if ce.baseline_id is None:
                return out("donnees_insuffisantes", "valeur du dispositif rennais non documentée sur ce critère")
            values["share_above"] = ce.share_above
            fmt["share_above"] = _share(ce.share_above)
            agree = ce.iqr <= ag.max_iqr or ce.share_above >= (rule.min_share or ag.min_share)
            if not (ce.baseline < ce.leaders_q1):
                return out("condition_non_remplie",
                           f"le dispositif rennais ({_fmt_norm(ce.baseline)}) n'est pas sous le premier quartile "
                           f"des meneurs ({_fmt_norm(ce.leaders_q1)})")
            if not agree:
                return out("condition_non_remplie", "les meneurs ne s'accordent pas (écart interquartile trop grand "
                           "et part au-dessus du dispositif rennais trop faible)")
            supports = [s for s, x in zip(ce.supports, ce.support_norm, strict=True) if x > ce.baseline]
            if ce.baseline_support is not None:
                supports.append(ce.baseline_support)
        else:  # leaders_above_rest
            if ce.n_rest < min_n:
                return out("donnees_insuffisantes", f"{ce.n_rest} autre(s) cas documenté(s) (minimum {min_n})")
            gap = ce.leaders_median - ce.rest_median
            values["gap"] = gap
            values["n_rest"] = ce.n_rest
            fmt["gap"] = _fmt_norm(gap)
            fmt["n_rest"] = str(ce.n_rest)
            if gap < rule.min_gap:
                return out("condition_non_remplie", f"écart des médianes {_fmt_norm(gap)} < {_fmt_norm(rule.min_gap)}")
            if ce.baseline_support is not None:
                supports.append(ce.baseline_support)
    else:
        pe = ev.parameters[rule.parameter]
        param = PARAMETERS[rule.parameter]
        fmt["parameter"] = param.label_fr.lower()
        fmt["baseline_value"] = pe.baseline_support.value if pe.baseline_support else "non documenté"
        if rule.type == "parameter_range":
            pop = pe.leaders if rule.population == "leaders" else pe.all_cases
            pool = pe.leader_values if rule.population == "leaders" else pe.all_values
            fmt["population"] = "le groupe de tête" if rule.population == "leaders" else "l'ensemble des cas"
            if pop["n"] < min_n:
                return out("donnees_insuffisantes", f"{pop['n']} valeur(s) documentée(s) (minimum {min_n})")
            for k in ("q1", "median", "q3"):
                values[k] = pop[k]
                fmt[k] = _fr(pop[k], param.decimals, param.unit)
                values["all_" + k] = pe.all_cases[k]
                fmt["all_" + k] = _fr(pe.all_cases[k], param.decimals, param.unit)
            values["n"] = pop["n"]
            fmt["n"] = str(pop["n"])
            values["n_all"] = pe.all_cases["n"]
            fmt["n_all"] = str(pe.all_cases["n"])
            if isinstance(pe.baseline_value, float):
                values["baseline_value"] = pe.baseline_value
            supports = [s for _, _, s in pool]
            if pe.baseline_support is not None:
                supports.append(pe.baseline_support)
        else:
            practice = rule.practice
            fmt["practice"] = practice.label(param)
            pool = pe.leader_values if rule.population == "leaders" else pe.all_values
            fmt["population"] = "des meneurs" if rule.population == "leaders" else "de l'ensemble des cas"
            n = len(pool)
            k = sum(practice.holds(v) for _, v, _ in pool)
            values["n"], values["k"] = n, k
            fmt["n"], fmt["k"] = str(n), str(k)
            if n < min_n:
                return out("donnees_insuffisantes", f"{n} cas documenté(s) sur ce paramètre (minimum {min_n})")
            share = k / n
            values["share"] = share
            fmt["share"] = _share(share)
            supports = [s for _, v, s in pool if practice.holds(v)]
            if rule.type == "baseline_missing_practice":
                if pe.baseline_id is None:
                    return out("donnees_insuffisantes", "paramètre non documenté pour le dispositif rennais")
                if any(practice.holds(v) for v in _baseline_values(ev, project, rule.parameter)):
                    return out("condition_non_remplie", "le dispositif rennais a déjà cette pratique")
                if share < rule.min_share:
                    return out("condition_non_remplie", f"part {fmt['population']} {_share(share)} < {_share(rule.min_share)}")
                supports.append(pe.baseline_support)
            else:
                rest_vals = [v for c, v, _ in pe.all_values if c not in ev.leader_ids]
                n_rest = len(rest_vals)
                rest_share = (sum(practice.holds(v) for v in rest_vals) / n_rest) if n_rest else np.nan
                values["rest_share"], values["n_rest"] = rest_share, n_rest
                fmt["rest_share"], fmt["n_rest"] = _share(rest_share), str(n_rest)
                if share < rule.min_share:
                    return out("condition_non_remplie", f"part {fmt['population']} {_share(share)} < {_share(rule.min_share)}")
                if rule.min_gap is not None and rule.population == "leaders":
                    if n_rest < min_n:
                        return out("donnees_insuffisantes", f"{n_rest} autre(s) cas documenté(s) (minimum {min_n})")
                    if share - rest_share < rule.min_gap:
                        return out("condition_non_remplie", "la pratique ne distingue pas les meneurs des autres cas")
                if pe.baseline_support is not None:
                    supports.append(pe.baseline_support)
    sourced = [s for s in supports if s.source and s.case_id not in ev.baseline_ids]
    if not sourced:
        return out("donnees_insuffisantes", "aucun cas meneur sourcé n'illustre la pratique")
    if rule.territory_fact and territory is not None:
        tf = territory.fact(rule.territory_fact)
        v = tf.value
        fmt["territory_value"] = (_fr(float(v), 0) if isinstance(v, (int, float)) and not isinstance(v, bool)
                                  else ", ".join(v) if isinstance(v, list) else str(v))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            values["territory_value"] = float(v)
        extra_sources.append(tf.source)
    if rule.type in CRITERION_RULES and text_cases:
        named = [s for s in text_cases if s.source]
        names = [s.name for s in (named or sourced)]
    else:
        names = [s.name for s in sourced]
    fmt["cases"] = ", ".join(names[:4]) + (f" et {len(names) - 4} autre(s)" if len(names) > 4 else "")
    try:
        text = rule.text.format(**fmt)
    except KeyError as exc:
        return out("donnees_insuffisantes", f"valeur manquante pour le gabarit : {exc}")
    trade = tuple(cfg.tradeoffs[t] for t in rule.tradeoffs)
    sources = tuple(dict.fromkeys(
        [src for s in supports if s.source for src in str(s.source).split(" ; ")] + extra_sources))
    rec = Recommendation(rule.id, ev.family, rule.type, rule.title, text, rule.priority, rule.effort, rule.horizon,
                         trade, tuple(supports), tuple(criteria), sources, values, fmt)
    return rec, RuleOutcome(rule.id, "emis", "condition remplie")


def _baseline_values(ev: FamilyEvidence, project, name: str) -> list:
    vals = []
    for b in ev.baseline_ids:
        v, _ = parameter_fact(project.case(b), name, project.catalogue, project.families)
        if v is not None:
            vals.append(v)
    return vals


# --------------------------------------------------------------------------- results


@dataclass
class RecommendationSet:
    """The recommendations of one family, with their evidence, ranges, indicators and roadmap."""

    evidence: FamilyEvidence
    recommendations: list[Recommendation]
    outcomes: list[RuleOutcome]
    ranges: pd.DataFrame
    indicators: pd.DataFrame
    roadmap: dict[str, list[str]]
    best_design: dict | None
    design_note: str
    notes: list[str]
    min_per_family: int
    practices: pd.DataFrame | None = None
    max_supports_shown: int = 8
    stability: PreconisationStability | None = None

    @property
    def priorities(self) -> list[Recommendation]:
        """Préconisations retained in at least ``robustness.priority_min_share`` of the joint draws."""
        if self.stability is None:
            return list(self.recommendations)
        return [r for r in self.recommendations if (r.retention or 0.0) >= self.stability.min_share]

    @property
    def leads(self) -> list[Recommendation]:
        """The other préconisations: leads (pistes) to check, with :meth:`lead_reason`."""
        keep = {r.id for r in self.priorities}
        return [r for r in self.recommendations if r.id not in keep]

    def lead_reason(self, r: Recommendation) -> str:
        """Why a préconisation is only a lead, in French."""
        st = self.stability
        if st is None or r.retention is None:
            return ""
        return (f"retenue dans {_share(r.retention)} des tirages seulement (seuil : {_share(st.min_share)}) : "
                "elle dépend de la composition du groupe de tête, donc des critères non documentés et des poids")

    @property
    def family(self) -> str:
        return self.evidence.family

    def to_dataframe(self) -> pd.DataFrame:
        """One row per recommendation (French column labels)."""
        return pd.DataFrame([{
            "id": r.id, "Famille": self.evidence.family_label, "Priorité": r.priority, "Titre": r.title,
            "Préconisation": r.text, "Effort": r.effort, "Horizon": HORIZON_LABELS[r.horizon],
            "Arbitrages": " ".join(r.tradeoffs), "Cas d'appui": ", ".join(s.case_id for s in r.supports),
            "Critères": ", ".join(r.criteria), "Sources": " ; ".join(r.sources), "Type de règle": r.rule_type,
            "Part des tirages où elle est retenue": r.retention,
            "Statut": ("—" if r.retention is None or self.stability is None else
                       ("prioritaire" if r.retention >= self.stability.min_share else "piste")),
        } for r in self.recommendations], columns=["id", "Famille", "Priorité", "Titre", "Préconisation", "Effort",
                                                    "Horizon", "Arbitrages", "Cas d'appui", "Critères", "Sources",
                                                    "Type de règle", "Part des tirages où elle est retenue", "Statut"])

    # ---------------------------------------------------------------- rendering
    def _header_lines(self, e) -> list[str]:
        ev = self.evidence
        leaders = ", ".join(e(project_name) for project_name in
                            ev.leaders_table.loc[ev.leaders_table["Groupe"] == "tête", "Cas"]) or "aucun"
        from .joint import PRIOR_LABELS

        mc_what = ("Monte Carlo sur les poids" if ev.prior == "none" else
                   "Monte Carlo conjoint sur les poids et les critères non documentés, a priori : "
                   f"{PRIOR_LABELS.get(ev.prior, ev.prior)}")
        lines = [
            f"Groupe de tête robuste : cas dont la probabilité d'être parmi les {ev.top_k} premiers "
            f"({mc_what} ; {ev.n_draws} tirages, graine {ev.seed}, profil « {e(ev.profile_id)} », méthode "
            f"{e(ev.method)}, normalisation {e(ev.normalisation)}) atteint {_share(ev.p_top_k_min)} : "
            f"{len(ev.leader_ids)} cas — {leaders}.",
        ]
        st = self.stability
        if st is not None:
            lines.append(
                f"Stabilité des préconisations : dans {st.n_draws} tirages (sous-échantillon à graine fixée), le groupe "
                f"de tête est recalculé (les {st.group_size} meilleurs cas hors Rennes du tirage) et les règles "
                f"réévaluées ; une préconisation retenue dans au moins {_share(st.min_share)} des tirages est "
                "prioritaire, les autres sont des pistes à vérifier.")
        if ev.coverage_threshold != ev.engine_coverage_threshold:
            lines.append(
                f"Seuil de couverture retenu pour désigner les meneurs : {_share(ev.coverage_threshold)} des critères "
                f"applicables (réglage du moteur : {_share(ev.engine_coverage_threshold)}) ; les écarts reposent donc "
                "sur des cas peu documentés et se lisent comme des indices, pas comme des preuves.")
        if ev.baseline_in_top_group:
            lines.append("Le dispositif rennais figure lui-même dans le groupe de tête : "
                         + ", ".join(e(self._name(b)) for b in ev.baseline_in_top_group) + ".")
        return lines

    def _name(self, case_id):
        row = self.evidence.leaders_table.loc[self.evidence.leaders_table["case_id"] == case_id, "Cas"]
        return row.iloc[0] if len(row) else case_id

    def to_markdown(self) -> str:
        """French Markdown; every text coming from the data is escaped."""
        return self._render(escape_md, md=True)

    def to_text(self) -> str:
        """Plain French text for the terminal."""
        return self._render(lambda x: "" if x is None else str(x), md=False)

    def _render(self, e, md: bool) -> str:
        ev = self.evidence
        h2, h3 = ("## ", "### ") if md else ("", "")
        out = [f"{h2}Préconisations — {e(ev.family_label)}", ""]
        out += self._header_lines(e)
        out.append("")
        recs = self.recommendations
        if len(recs) < self.min_per_family:
            out.append(f"Seules {len(recs)} préconisation(s) sont étayées par les données (objectif : "
                       f"{self.min_per_family}) : les autres règles n'ont pas trouvé de preuve suffisante "
                       "(voir « Règles non retenues »).")
            out.append("")
        for i, r in enumerate(recs, 1):
            out.append(f"{h3}{i}. {e(r.title)} (priorité {r.priority}, effort {r.effort}, "
                       f"{HORIZON_LABELS[r.horizon].lower()})")
            out.append("")
            if r.retention is not None and self.stability is not None:
                if r.retention >= self.stability.min_share:
                    out.append(f"Prioritaire : retenue dans {_share(r.retention)} des tirages.")
                else:
                    out.append(f"Piste : {e(self.lead_reason(r))}.")
                out.append("")
            out.append(e(r.text))
            for t in r.tradeoffs:
                out.append("")
                out.append(("*Arbitrage* : " if md else "Arbitrage : ") + e(t))
            out.append("")
            out.append("Cas d'appui :" if not md else "**Cas d'appui** :")
            # Leaders first, then the other cases, Rennes last; at most max_supports_shown lines.
            ev_ = self.evidence
            order = sorted(r.supports, key=lambda x: (x.case_id in ev_.baseline_ids,
                                                      x.case_id not in ev_.leader_ids))
            shown = order[: self.max_supports_shown]
            if len(order) > self.max_supports_shown:
                base = [x for x in order if x.case_id in ev_.baseline_ids]
                shown = order[: self.max_supports_shown - len(base)] + base
            for s in shown:
                src = s.source or "sans source"
                if md and s.source:
                    src = " ; ".join(f"<{x}>" if _SAFE_URL.match(x) else e(x) for x in s.source.split(" ; "))
                else:
                    src = e(src)
                note = f" — {e(s.note)}" if s.note else ""
                out.append(f"- {e(s.name)} : {e(s.value)} ({e(s.year)}) — {src}{note}")
            if len(r.supports) > len(shown):
                out.append(f"- … et {len(r.supports) - len(shown)} autre(s) cas (liste complète dans to_dataframe()).")
            out.append("")
        if self.practices is not None and len(self.practices):
            pos = self.practices[(self.practices["Écart"] > 0) | self.practices["Écart"].isna()]
            out.append(f"{h3}Ce qui distingue les meneurs des autres cas")
            out.append("")
            if len(pos):
                view = pos.drop(columns=["Sources"]).copy()
                view["Écart"] = view["Écart"].map(lambda x: "—" if pd.isna(x) else fmt_number(float(x), 2))
                out += _table(view, e, md)
            else:
                out.append("Aucun critère ni paramètre documenté ne distingue les meneurs des autres cas.")
            out.append("")
        if self.ranges is not None and len(self.ranges):
            out.append(f"{h3}Fourchettes de paramètres recommandées")
            out.append("")
            out += _table(self.ranges, e, md)
            out.append("")
        out.append(f"{h3}Dispositif candidat le mieux placé")
        out.append("")
        out.append(e(self.design_note))
        out.append("")
        if len(self.indicators):
            out.append(f"{h3}Indicateurs à suivre après le lancement")
            out.append("")
            out += _table(self.indicators, e, md)
            out.append("")
        out.append(f"{h3}Feuille de route")
        out.append("")
        for hz in HORIZONS:
            items = self.roadmap.get(hz, [])
            out.append(f"- {HORIZON_LABELS[hz]} : " + ("; ".join(e(x) for x in items) if items else "—"))
        out.append("")
        skipped = [o for o in self.outcomes if o.status != "emis"]
        if skipped:
            out.append(f"{h3}Règles non retenues")
            out.append("")
            labels = {"condition_non_remplie": "condition non remplie", "donnees_insuffisantes": "données insuffisantes",
                      "plafond": "au-delà du plafond de préconisations"}
            for o in skipped:
                out.append(f"- {e(o.rule_id)} : {labels.get(o.status, o.status)} — {e(o.reason)}")
            out.append("")
        for n in self.notes:
            out.append(e(n))
        return "\n".join(out).rstrip() + "\n"


def _table(df: pd.DataFrame, e, md: bool) -> list[str]:
    cols = list(df.columns)
    if md:
        lines = ["| " + " | ".join(e(c) for c in cols) + " |", "|" + "---|" * len(cols)]
        for _, r in df.iterrows():
            lines.append("| " + " | ".join(e(r[c]) for c in cols) + " |")
        return lines
    return [" · ".join(f"{c} : {r[c]}" for c in cols) for _, r in df.iterrows()]


def distinguishing_practices(ev: FamilyEvidence, min_n: int) -> pd.DataFrame:
    """What distinguishes the leaders from the other cases, criterion by criterion and parameter by parameter.

    Criteria: median of the normalised values (1 = best) among leaders and among the other
    cases. Parameters: median for numbers, share of cases for yes/no and for each list or
    calendar value. Only rows with at least ``min_n`` documented leaders and other cases are
    kept; sorted by decreasing gap. Each row names the leaders that show it, with their sources.
    """
    rows = []
    for ce in ev.criteria.values():
        if ce.n_leaders < min_n or ce.n_rest < min_n:
            continue
        rows.append({
            "Type": "critère", "Élément": f"{ce.code} {ce.label}", "Meneurs": _fmt_norm(ce.leaders_median),
            "n meneurs": ce.n_leaders, "Autres cas": _fmt_norm(ce.rest_median), "n autres": ce.n_rest,
            "Écart": ce.leaders_median - ce.rest_median,
            "Rennes": _fmt_norm(ce.baseline) if np.isfinite(ce.baseline) else "non documenté",
            "Cas meneurs": "; ".join(f"{s.name} ({s.value})" for s in ce.supports),
            "Sources": " ; ".join(dict.fromkeys(s.source for s in ce.supports if s.source)),
        })
    for name, pe in ev.parameters.items():
        param = PARAMETERS[name]
        lead = [(v, sup) for _, v, sup in pe.leader_values]
        rest = [v for c, v, _ in pe.all_values if c not in ev.leader_ids]
        if len(lead) < min_n or len(rest) < min_n:
            continue
        base = pe.baseline_support.value if pe.baseline_support else "non documenté"
        if param.kind == "number":
            lm, rm = float(np.median([v for v, _ in lead])), float(np.median(rest))
            items = [(param.label_fr, lm, rm, _fr(lm, param.decimals, param.unit),
                      _fr(rm, param.decimals, param.unit), lambda v: True)]
        else:
            if param.kind == "bool":
                keys = [True]
            else:
                keys = list(param.vocabulary) or sorted({x for v, _ in lead for x in (v if isinstance(v, list) else [v])})

            def has(v, k):
                return (k in v) if isinstance(v, list) else (v == k)

            items = []
            for k in keys:
                ls = float(np.mean([has(v, k) for v, _ in lead]))
                rs_ = float(np.mean([has(v, k) for v in rest]))
                if ls == 0 and rs_ == 0:
                    continue
                label = param.label_fr if k is True else f"{param.label_fr} : {item_label(k)}"
                items.append((label, ls, rs_, _share(ls), _share(rs_), (lambda v, k=k: has(v, k))))
        for label, lv, rv, ltxt, rtxt, holds in items:
            shown = [sup for v, sup in lead if holds(v)]
            rows.append({
                "Type": "paramètre", "Élément": label, "Meneurs": ltxt, "n meneurs": len(lead), "Autres cas": rtxt,
                "n autres": len(rest), "Écart": (lv - rv) if param.kind != "number" else np.nan, "Rennes": base,
                "Cas meneurs": "; ".join(f"{s.name} ({s.value})" for s in shown),
                "Sources": " ; ".join(dict.fromkeys(s.source for s in shown if s.source)),
            })
    df = pd.DataFrame(rows, columns=["Type", "Élément", "Meneurs", "n meneurs", "Autres cas", "n autres", "Écart",
                                     "Rennes", "Cas meneurs", "Sources"])
    return df.sort_values("Écart", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def _range_text(s: dict, param: Parameter) -> str:
    if s["n"] == 0:
        return "—"
    d, u = param.decimals, param.unit
    return f"{_fr(s['median'], d, u)} [{_fr(s['q1'], d, u)} – {_fr(s['q3'], d, u)}]"


def _shares_text(s: dict, top: int = 3) -> str:
    if s["n"] == 0:
        return "—"
    items = sorted(((v, str(k)) for k, v in s["shares"].items() if np.isfinite(v) and v > 0), reverse=True)[:top]
    return ", ".join(f"{'oui' if k == 'True' else item_label(k)} {_share(v)}" for v, k in items) or "aucun"


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


def _indicators(project, family: str, recs: list[Recommendation], ev: FamilyEvidence) -> pd.DataFrame:
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


def _best_design(project, family: str, rp: ReportParams) -> tuple[dict | None, str]:
    """The candidate design of the family with the highest nominal score, and its rank interval.

    Uses :func:`benchmark_tools.designs.position_design` with the run's profile, method,
    normalisation, draws and seed. Status-quo designs (Rennes' current instruments) are shown
    for comparison but are not candidates.
    """
    designs = [d for d in getattr(project, "designs", {}).values() if d.family == family]
    if not designs:
        return None, "Aucun dispositif candidat n'est codé pour cette famille (benchmark/designs/)."
    try:
        from .designs import position_design
    except ImportError:
        return None, "Le module des dispositifs candidats n'est pas disponible."
    placed = []
    for d in designs:
        try:
            pos = position_design(project, d.id, profile=rp.profile, method=rp.method,
                                  normalisation=rp.normalisation, n_draws=rp.n_draws, seed=rp.seed)
        except Exception as exc:  # noqa: BLE001 - a design that cannot be placed is reported, not fatal
            return None, f"Positionnement impossible pour « {d.name} » : {exc}"
        placed.append({"id": d.id, "name": d.name, "status_quo": bool(getattr(d, "status_quo", False)),
                       "score": float(pos.score), "rank": int(pos.rank), "n_compared": int(pos.n_compared),
                       "rank_low": pos.rank_p05, "rank_high": pos.rank_p95, "p_top_k": pos.p_top_k,
                       "top_k": pos.top_k})
    candidates = [p for p in placed if not p["status_quo"] and np.isfinite(p["score"])]
    if not candidates:
        return None, "Seul le statu quo est codé pour cette famille : aucun dispositif candidat à comparer."
    best = max(candidates, key=lambda p: p["score"])

    def describe(p):
        rank = f"rang nominal {p['rank']} sur {p['n_compared']}" if p["rank"] > 0 else "non classé"
        interval = (f", rang probable entre {fmt_number(p['rank_low'], 0)} et {fmt_number(p['rank_high'], 0)} "
                    f"(5–95 %), probabilité d'être parmi les {p['top_k']} premiers {_share(p['p_top_k'])}"
                    if p["rank_low"] is not None and np.isfinite(p["rank_low"]) else "")
        return f"« {p['name']} » : score nominal {fmt_number(p['score'], 3)}, {rank}{interval}"

    text = "Dispositif candidat le mieux noté : " + describe(best) + "."
    sq = [p for p in placed if p["status_quo"]]
    if sq:
        text += " Pour comparaison, statu quo " + " ; ".join(describe(p) for p in sq) + "."
    text += " Les niveaux d'un dispositif candidat sont codés ex ante (intentions de conception)."
    return best, text




def recommend(project, family: str, params=None, *, config: RecommendationConfig | None = None,
              territory: Territory | None = None) -> RecommendationSet:
    """Evaluate the rules of ``benchmark/recommendations.yml`` for one family.

    Parameters
    ----------
    project : Project
        The loaded project (:func:`benchmark_tools.validate.load_project`).
    family : str
        One of the main families.
    params : ReportParams or mapping, optional
        Profile, method, normalisation, seed and number of draws (default: ``report.yml``;
        a mapping overrides some keys).
    config, territory : optional
        Already loaded configuration and territory profile (default: read from the project).

    Returns
    -------
    RecommendationSet
        Emitted recommendations sorted by priority (at most ``limits.max_per_family``), each
        with at least one supporting case carrying a source; the outcome of every rule; the
        ranges table; the best candidate design; indicators; roadmap.
    """
    territory = territory or load_territory(project.root)
    cfg = config or load_recommendation_config(project.root, project.catalogue, project.families, territory)
    rp = _params(project, params)
    ev = family_evidence(project, family, rp, cfg)
    kept, outcomes = _run_rules(ev, cfg, territory, project, family)
    stab = preconisation_stability(ev, cfg, territory, project, family)
    kept = [replace(r, retention=stab.shares.get(r.id, 0.0)) for r in kept]
    names = cfg.ranges.get(family, [])
    ranges = ranges_table(ev, names)
    indicators = _indicators(project, family, kept, ev)
    roadmap = {hz: [r.title for r in kept if r.horizon == hz] for hz in HORIZONS}
    best, design_note = _best_design(project, family, rp)
    notes = []
    if not ev.leader_ids:
        notes.append("Aucun cas n'atteint le seuil de probabilité du groupe de tête : aucune comparaison aux meneurs "
                     "n'est possible pour cette famille.")
    practices = distinguishing_practices(ev, cfg.agreement.min_n)
    return RecommendationSet(ev, kept, outcomes, ranges, indicators, roadmap, best, design_note, notes,
                             cfg.limits.min_per_family, practices, stability=stab)


def _run_rules(ev: FamilyEvidence, cfg: RecommendationConfig, territory, project, family: str):
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
    kept = [r for _, _, r in emitted[: cfg.limits.max_per_family]]
    for _, _, r in emitted[cfg.limits.max_per_family:]:
        outcomes = [RuleOutcome(o.rule_id, "plafond", f"plafond de {cfg.limits.max_per_family} préconisations atteint")
                    if o.rule_id == r.id else o for o in outcomes]
    return kept, outcomes


@dataclass
class PreconisationStability:
    """How often each rule is retained when the leader group is recomputed in the joint draws.

    Attributes
    ----------
    shares : dict rule id → share of the subsampled draws in which the rule is retained
    n_draws : int
        Draws of the seeded subsample (``robustness.preconisation_draws``).
    group_size : int
        Size of the leader group of each draw: the ``group_size`` best non-Rennes cases of the
        draw, ``group_size`` = size of the robust group (at least ``leaders.min_leaders``).
    min_share : float
        ``robustness.priority_min_share``: a préconisation retained in at least this share of
        the draws is a priority, the others are leads (pistes).
    prior : str
    leader_share : dict case id → share of the draws in which the case is in the draw's group
    n_groups : int
        Distinct leader groups met in the subsample (the rules are evaluated once per group).
    """

    shares: dict
    n_draws: int
    group_size: int
    min_share: float
    prior: str
    leader_share: dict
    n_groups: int

    def is_priority(self, rule_id: str) -> bool:
        return self.shares.get(rule_id, 0.0) >= self.min_share


def leader_group_counts(ranks: np.ndarray, eligible: np.ndarray, group_size: int) -> dict[tuple[int, ...], int]:
    """The leader group of each draw and how many draws have it: ``{positions: count}``.

    A draw's group is its ``group_size`` best-ranked eligible cases (``eligible`` (n,) bool:
    non-Rennes cases; ``ranks`` (S, n) competition ranks, 0 = not ranked). Ties at the
    boundary are broken by case order (stable sort). Vectorised: one argsort and one
    ``np.unique`` over the rows.
    """
    big = np.iinfo(np.int64).max
    key = np.where((ranks > 0) & eligible[None, :], ranks, big)
    order = np.argsort(key, axis=1, kind="stable")[:, :group_size]
    ok = np.take_along_axis(key, order, axis=1) < big
    # Unranked slots become -1 (dropped below); sorting makes a group independent of its order.
    rows = np.sort(np.where(ok, order, -1), axis=1)
    uniq, counts = np.unique(rows, axis=0, return_counts=True)
    return {tuple(int(j) for j in row if j >= 0): int(c) for row, c in zip(uniq, counts, strict=True)}


def preconisation_stability(ev: FamilyEvidence, cfg: RecommendationConfig, territory, project,
                            family: str) -> PreconisationStability:
    """Share of the joint draws in which each rule is retained (issue 14, item 3).

    A seeded subsample of ``robustness.preconisation_draws`` draws of the Monte Carlo that
    defined the leaders (joint over weights and missing values) is taken; in each draw the
    leader group is that draw's best non-Rennes cases (as many as in the robust group), the
    evidence is recomputed for that group and the rules are evaluated. The evidence itself is
    the documented values only (a préconisation never quotes a drawn value); what the draws
    change is who leads. Rules are evaluated once per distinct group met.
    """
    ctx = ev.context
    rs = project.settings.robustness
    mc = ctx.mc
    k = mc.ranks.shape[0]
    s = min(int(rs.preconisation_draws), k)
    rng = np.random.default_rng(np.random.SeedSequence(ctx.rp.seed).spawn(3)[2])
    rows = np.sort(rng.choice(k, size=s, replace=False))
    eligible = np.array([c not in ctx.baseline_ids for c in ctx.ids])
    size = max(len(ev.leader_ids), int(cfg.leaders.min_leaders))
    counts = leader_group_counts(mc.ranks[rows], eligible, size)
    shares: dict[str, float] = {}
    lead_share: dict[str, float] = {}
    for g, c in counts.items():
        leaders = sorted((ctx.ids[j] for j in g), key=lambda x: -ctx.p_top[x])
        kept, _ = _run_rules(_evidence_for(ctx, leaders), cfg, territory, project, family)
        for r in kept:
            shares[r.id] = shares.get(r.id, 0.0) + c / s
        for cid in leaders:
            lead_share[cid] = lead_share.get(cid, 0.0) + c / s
    return PreconisationStability(shares, s, size, float(rs.priority_min_share), ctx.prior, lead_share, len(counts))


# --------------------------------------------------------------------------- all families


@dataclass
class RecommendationReport:
    """Recommendations of every main family and the cross-family complementarity paragraph."""

    sets: dict[str, RecommendationSet]
    complementarity: str

    def to_dataframe(self) -> pd.DataFrame:
        frames = [s.to_dataframe() for s in self.sets.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def to_markdown(self) -> str:
        parts = [s.to_markdown() for s in self.sets.values()]
        parts.append("## Complémentarité des dispositifs\n\n" + escape_md(self.complementarity) + "\n")
        return "\n".join(parts)

    def to_text(self) -> str:
        parts = [s.to_text() for s in self.sets.values()]
        parts.append("Complémentarité des dispositifs\n\n" + self.complementarity + "\n")
        return "\n".join(parts)


_WHO = {"habitants": "aux habitants", "collectifs": "aux collectifs", "associations": "aux associations",
        "communes": "aux communes", "ess": "aux structures de l'ESS", "entreprises": "aux entreprises",
        "etablissements_scolaires": "aux établissements scolaires",
        "conseils_de_quartier": "aux conseils de quartier", "coproprietes": "aux copropriétés",
        "autres": "à d'autres porteurs"}


def _join_fr(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def complementarity_paragraph(project, sets: dict[str, RecommendationSet],
                              territory: Territory | None = None) -> str:
    """A French paragraph built from the data: whom each instrument serves and what is recommended.

    The publics come from the ``proposer_types`` facts of the cases (share of the documented
    cases admitting each type, majority types only); the recommendations are those emitted.
    """
    sentences, main_public = [], {}
    for fam, rs in sets.items():
        label = project.families.label(fam, plural=True).lower()
        pe = rs.evidence.parameters["proposer_types"]
        s = pe.all_cases
        if s["n"] == 0:
            sentences.append(f"Aucun cas de {label} ne documente le type de porteurs admis.")
            continue
        top = sorted(((v, k) for k, v in s["shares"].items() if np.isfinite(v) and v >= 0.5), reverse=True)
        if top:
            main_public[fam] = top[0][1]
            who = _join_fr([f"{_WHO.get(k, k)} ({_share(v)} des cas)" for v, k in top])
            sent = f"Dans les {s['n']} cas documentés, les {label} s'adressent d'abord {who}"
        else:
            sent = f"Dans les {s['n']} cas documentés, les {label} n'ont pas de type de porteur majoritaire"
        if pe.baseline_support is not None:
            sent += f" ; le dispositif rennais de référence admet : {pe.baseline_support.value}"
        p1 = [r.title[0].lower() + r.title[1:] for r in rs.priorities if r.priority == 1]
        if p1:
            sent += " ; préconisations prioritaires : " + _join_fr(p1)
        elif rs.recommendations:
            sent += f" ; {len(rs.recommendations)} préconisation(s) étayée(s), aucune de priorité 1"
        else:
            sent += " ; aucune préconisation n'est étayée par les données"
        sentences.append(sent + ".")
    if main_public:
        publics = {}
        for fam, k in main_public.items():
            publics.setdefault(k, []).append(project.families.label(fam).lower())
        def article(x):
            return ("l'" if x[:1] in "aeéiouh" else "le ") + x

        parts = [f"{_join_fr([article(f) for f in fams])} {'visent' if len(fams) > 1 else 'vise'} surtout "
                 f"{_WHO.get(k, k).replace('aux ', 'les ', 1).replace('à d', 'd', 1)}"
                 for k, fams in publics.items()]
        if len(publics) == len(main_public) and len(main_public) > 1:
            sentences.append("Les instruments se complètent par leur public principal : " + " ; ".join(parts) + ".")
        else:
            sentences.append("Publics principaux : " + " ; ".join(parts)
                             + " — plusieurs instruments visent le même public et doivent être articulés.")
    if territory is not None:
        bp = next((i for i in territory.instruments if i.family == "budget_participatif"), None)
        n_com = territory.facts.get("communes")
        if bp is not None and n_com is not None and isinstance(n_com.value, int) and bp.owner:
            sentences.append(f"Le budget participatif de référence ({bp.name}) est porté par : {bp.owner} ; la "
                             f"Métropole compte {n_com.value} communes ({n_com.year}) : un budget participatif "
                             f"métropolitain toucherait aussi les {n_com.value - 1} autres.")
    return " ".join(sentences)


def recommend_all(project, params=None, families: list[str] | None = None) -> RecommendationReport:
    # Computed once per run for a given project and parameters (the report, then the note).
    from .runcache import project_computation

    return project_computation("recommend_all", _recommend_all, project, params, families)


def _recommend_all(project, params=None, families: list[str] | None = None) -> RecommendationReport:
    territory = load_territory(project.root)
    cfg = load_recommendation_config(project.root, project.catalogue, project.families, territory)
    fams = families or [f for f in (_params(project, params).families) if f in project.families.main]
    sets = {f: recommend(project, f, params, config=cfg, territory=territory) for f in fams if project.cases_of(f)}
    return RecommendationReport(sets, complementarity_paragraph(project, sets, territory))


def recommendations_text(project, family: str | None = None) -> str:
    """Plain French text of the recommendations (``benchmark-tools recommend``)."""
    if family is not None:
        if family not in project.families.main:
            raise InputError(f"famille « {family} » : les préconisations portent sur "
                             + ", ".join(project.families.main))
        return recommend(project, family).to_text()
    return recommend_all(project).to_text()
