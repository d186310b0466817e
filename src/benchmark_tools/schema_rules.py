"""Typed models of the files that turn rankings into préconisations.

``benchmark/territory/rennes_metropole.yml`` (the territory profile), ``benchmark/recommendations.yml``
(the rules) and ``benchmark/consultations/*.yml`` (meetings with the Métropole's services). Strict,
like every file model of :mod:`benchmark_tools.schema`: an unknown key is an error. Their checks
across files live in :mod:`benchmark_tools.validate_rules`; their loading in :mod:`benchmark_tools.project`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from .schema import Profile, Strict
from .vocabulary import HORIZONS, RULE_TYPES

# --------------------------------------------------------------------------- territory profile

TerritoryValue = Union[StrictBool, StrictInt, StrictFloat, StrictStr, list[StrictStr]]  # noqa: UP007 - same form as schema.Value


class TerritoryFact(Strict):
    """One sourced fact of the territory profile (the value is required: no source, no fact)."""

    value: TerritoryValue
    year: StrictInt | StrictStr
    source: StrictStr
    confidence: Literal["documented", "derived", "coded"]
    note: StrictStr | None = None
    alternatives: list[TerritoryFact] = Field(default_factory=list)


TerritoryFact.model_rebuild()


class TerritoryInstrument(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: StrictStr
    family: StrictStr
    case_id: StrictStr | None = None
    owner: StrictStr | None = None
    facts: dict[str, TerritoryFact]


class TerritoryConstraint(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: StrictStr
    kind: Literal["institutionnel", "juridique", "capacite", "financier"]
    facts: dict[str, TerritoryFact]


class Territory(Strict):
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


# --------------------------------------------------------------------------- rules


class Practice(Strict):
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


class LeadersConfig(Strict):
    p_top_k_min: float = Field(gt=0, le=1)
    coverage_threshold: float | None = Field(default=None, ge=0, le=1)
    min_leaders: int = Field(ge=1)


class AgreementConfig(Strict):
    max_iqr: float = Field(ge=0, le=1)
    min_share: float = Field(gt=0, le=1)
    min_n: int = Field(ge=1)


class LimitsConfig(Strict):
    min_per_family: int = Field(ge=0)
    max_per_family: int = Field(ge=1)


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    family: StrictStr
    type: Literal[RULE_TYPES]
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
    horizon: Literal[HORIZONS]
    tradeoffs: list[StrictStr] = Field(default_factory=list)
    criteria: list[StrictStr] = Field(default_factory=list)


class RecommendationConfig(Strict):
    """``benchmark/recommendations.yml``."""

    leaders: LeadersConfig
    agreement: AgreementConfig
    limits: LimitsConfig
    tradeoffs: dict[str, StrictStr]
    ranges: dict[str, list[StrictStr]]
    rules: list[Rule]


# --------------------------------------------------------------------------- consultations


class Constraint(Strict):
    """A constraint raised by the service, with what it rests on."""

    text: StrictStr = Field(min_length=3)
    reference: StrictStr = Field(min_length=3)


class Consultation(Strict):
    """``benchmark/consultations/<fichier>.yml``: one meeting with one service."""

    service: StrictStr = Field(min_length=2)
    date: StrictStr
    roles_present: list[StrictStr] = Field(min_length=1)
    ranking: dict[str, StrictInt]
    rule: Literal["roc", "rank_sum"] = "roc"
    constraints: list[Constraint] = Field(default_factory=list)
    open_questions: list[StrictStr] = Field(default_factory=list)
    notes: StrictStr | None = None


@dataclass(frozen=True)
class LoadedConsultation:
    """A checked consultation with the weight profile its ranking gives (see :mod:`weights`)."""

    file: str
    data: Consultation
    profile: Profile

    @property
    def service(self) -> str:
        return self.data.service
