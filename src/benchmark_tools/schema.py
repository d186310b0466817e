"""Typed, strict models of every YAML file of the benchmark (pydantic v2).

Unknown keys are errors (``extra="forbid"``), so a misspelt field is caught instead of being
silently ignored. Structural checks live here; checks across files (ids, criterion names,
applicability, plausible ranges) live in :mod:`benchmark_tools.validate`.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from .vocabulary import (  # noqa: F401 - re-exported: the schema's vocabulary
    CONFIDENCES,
    DESIGN_FIELDS,
    IDENTITY_FACTS,
    LEVELS,
    MAIN_FAMILIES,
    METHODS,
    NORMALISATIONS,
    OUTCOME_FIELDS,
)

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
YEAR_PATTERN = re.compile(r"^(19|20)\d\d(-(19|20)\d\d)?$")



class Strict(BaseModel):
    """Base model: unknown keys are errors; objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- facts and cases

Value = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr] | None


class Fact(Strict):
    """One sourced value: ``{value, year, source, confidence, note}``.

    ``value`` is ``None`` when the fact is missing (no source found); otherwise ``source``,
    ``year`` and ``confidence`` are required (checked by the validator, which names the field).
    ``alternatives`` keeps the values of other sources when sources disagree.
    """

    value: Value = None
    year: StrictInt | StrictStr | None = None
    source: StrictStr | None = None
    confidence: Literal["documented", "derived", "coded"] | None = None
    note: StrictStr | None = None
    alternatives: list[Fact] = Field(default_factory=list)

    @property
    def missing(self) -> bool:
        return self.value is None


class Design(Strict):
    """Design parameters of a case (every field optional, each a :class:`Fact`)."""

    currency: StrictStr = "EUR"
    envelope: Fact | None = None
    envelope_period_years: Fact | None = None
    investment_budget: Fact | None = None
    share_of_investment_budget: Fact | None = None
    project_cap: Fact | None = None
    project_min: Fact | None = None
    funding_rate: Fact | None = None
    funding_rate_max: Fact | None = None
    bonus_rules: Fact | None = None
    own_contribution_min: Fact | None = None
    proposers: Fact | None = None
    proposer_types: Fact | None = None
    voters: Fact | None = None
    min_age_propose: Fact | None = None
    min_age_vote: Fact | None = None
    nationality_condition: Fact | None = None
    residency_rule: Fact | None = None
    selection_method: Fact | None = None
    voting_channels: Fact | None = None
    ballot_rule: Fact | None = None
    sub_envelopes: Fact | None = None
    themes: Fact | None = None
    climate_focus: Fact | None = None
    eco_criteria: Fact | None = None
    calendar: Fact | None = None
    frequency: Fact | None = None
    steering_body: Fact | None = None
    support: Fact | None = None
    legal_basis: Fact | None = None


class Outcomes(Strict):
    """Outcomes of a case (every field optional, each a :class:`Fact`)."""

    participants: Fact | None = None
    voters_count: Fact | None = None
    turnout_pct: Fact | None = None
    applications: Fact | None = None
    projects_submitted: Fact | None = None
    projects_eligible: Fact | None = None
    projects_on_ballot: Fact | None = None
    projects_retained: Fact | None = None
    projects_delivered: Fact | None = None
    climate_share_pct: Fact | None = None
    communes_total: Fact | None = None
    communes_beneficiaries: Fact | None = None
    organisation_cost: Fact | None = None


class Case(Strict):
    """One real instrument of another (or the same) territory, with sourced facts and coded scores."""

    id: str = Field(pattern=ID_PATTERN)
    name: StrictStr
    short_name: StrictStr | None = None
    family: StrictStr
    territory: StrictStr
    country: str = Field(pattern=r"^[A-Z]{2}$")
    level: Literal["commune", "epci", "departement", "region", "etat", "autre"]
    baseline: StrictBool = False
    edition: StrictStr | None = None
    url: StrictStr | None = None
    summary: StrictStr
    population: Fact | None = None
    first_year: Fact | None = None
    editions_count: Fact | None = None
    active: Fact | None = None
    design: Design = Field(default_factory=Design)
    outcomes: Outcomes = Field(default_factory=Outcomes)
    scores: dict[str, Fact] = Field(default_factory=dict)

    @field_validator("design", "outcomes", "scores", mode="before")
    @classmethod
    def _empty_section(cls, v):
        # An empty section left in a template ("outcomes:" with only comments) reads as None.
        return {} if v is None else v

    def fact(self, path: str) -> Fact | None:
        """The fact at ``design.envelope`` / ``outcomes.voters_count`` / ``population``."""
        obj = self
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj if isinstance(obj, Fact) else None

    def value(self, path: str):
        f = self.fact(path)
        return None if f is None else f.value


class CandidateDesign(Case):
    """An instrument Rennes Métropole could launch, coded ex ante.

    Same fields as a case; scores carry their reasoning in ``note`` and need no public source.
    ``status_quo`` marks the Métropole's current instruments; ``status_quo_of`` names the case it
    reproduces: its facts and scores are then read from that case (the file only adds what differs),
    so the status quo can never drift from the case it describes.
    """

    status_quo: StrictBool = False
    status_quo_of: StrictStr | None = None
    rationale: StrictStr | None = None


# --------------------------------------------------------------------------- catalogue


class Dimension(Strict):
    id: str = Field(pattern=ID_PATTERN)
    code: StrictStr
    label_fr: StrictStr
    label_en: StrictStr
    description: StrictStr | None = None


class Applicability(Strict):
    status: Literal["applies", "adapted", "not_applicable"]
    note: StrictStr | None = None
    unit: StrictStr | None = None
    goalposts: tuple[float, float] | None = None


class Criterion(Strict):
    id: str = Field(pattern=ID_PATTERN)
    code: StrictStr
    dimension: StrictStr
    label_fr: StrictStr
    label_en: StrictStr
    description: StrictStr
    type: Literal["ordinal", "numeric"]
    levels: dict[int, StrictStr] | None = None
    unit: StrictStr | None = None
    direction: Literal["higher", "lower"] = "higher"
    goalposts: tuple[float, float] | None = None
    derived_from: StrictStr | None = None
    evidence: StrictStr
    applicability: dict[str, Applicability]
    sources: list[StrictStr]
    construction: StrictStr | None = None

    def applicability_for(self, family: str, families: Families | None = None) -> Applicability:
        ref = families.reference_of(family) if families is not None else family
        app = self.applicability.get(family) or self.applicability.get(ref)
        return app if app is not None else Applicability(status="applies")

    def status_for(self, family: str, families: Families | None = None) -> str:
        return self.applicability_for(family, families).status

    def goalposts_for(self, family: str, families: Families | None = None):
        app = self.applicability_for(family, families)
        return tuple(app.goalposts) if app.goalposts is not None else self.goalposts

    def unit_for(self, family: str, families: Families | None = None):
        app = self.applicability_for(family, families)
        return app.unit or self.unit


class Catalogue(Strict):
    dimensions: list[Dimension]
    criteria: list[Criterion]

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def dimension(self, did: str) -> Dimension:
        for d in self.dimensions:
            if d.id == did:
                return d
        raise KeyError(did)

    def criteria_of(self, dim_id: str) -> list[Criterion]:
        return [c for c in self.criteria if c.dimension == dim_id]


class Source(Strict):
    key: StrictStr
    citation: StrictStr
    url: StrictStr | None = None
    note: StrictStr | None = None


class Sources(Strict):
    sources: list[Source]

    def get(self, key: str) -> Source | None:
        for s in self.sources:
            if s.key == key:
                return s
        return None


class Family(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label_fr: StrictStr
    label_plural_fr: StrictStr
    label_en: StrictStr
    reference: StrictStr | None = None
    description: StrictStr | None = None


class Families(Strict):
    families: list[Family]

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.families]

    @property
    def main(self) -> list[str]:
        return [f.id for f in self.families if f.reference is None]

    def get(self, fid: str) -> Family:
        for f in self.families:
            if f.id == fid:
                return f
        raise KeyError(fid)

    def reference_of(self, fid: str) -> str:
        try:
            f = self.get(fid)
        except KeyError:
            return fid
        return f.reference or f.id

    def label(self, fid: str, plural: bool = False) -> str:
        try:
            f = self.get(fid)
        except KeyError:
            return fid
        return f.label_plural_fr if plural else f.label_fr


class Profile(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label_fr: StrictStr
    label_en: StrictStr | None = None
    viewpoint: StrictStr
    rationale: StrictStr
    dimension_weights: dict[str, StrictInt | StrictFloat]
    criterion_weights: dict[str, StrictInt | StrictFloat] = Field(default_factory=dict)
    elicitation: dict[str, object] | None = None

    def normalised_dimension_weights(self, dim_ids: list[str]) -> np.ndarray:
        w = np.array([float(self.dimension_weights.get(d, 0.0)) for d in dim_ids])
        return w / w.sum()

    def criterion_weight(self, cid: str) -> float:
        return float(self.criterion_weights.get(cid, 1.0))


# --------------------------------------------------------------------------- settings


class PrometheeSettings(Strict):
    preference_function: Literal["usual", "u_shape", "v_shape", "level", "linear", "gaussian"]
    q: float = Field(ge=0)
    p: float = Field(gt=0)
    s: float = Field(gt=0)  # écart de la fonction gaussienne (seulement pour « gaussian »)


class ScoringSettings(Strict):
    coverage_threshold: float = Field(ge=0, le=1)
    low_coverage_policy: Literal["apart", "exclude"]
    geometric_floor: float = Field(gt=0, lt=1)
    tie_tolerance: float = Field(ge=0, le=1e-3)
    promethee: PrometheeSettings
    default_method: Literal[METHODS]
    default_normalisation: Literal[NORMALISATIONS]


class RobustnessSettings(Strict):
    n_draws: StrictInt = Field(gt=0)
    weight_scheme: Literal["multiplicative", "dirichlet", "simplex"]
    noise_factor: float = Field(gt=0, lt=1)
    dirichlet_concentration: float = Field(gt=0)
    top_k: int = Field(gt=0)
    sobol_n: StrictInt = Field(gt=0)
    sobol_bootstrap: StrictInt = Field(gt=0)
    methods: list[Literal[METHODS]]
    normalisations: list[Literal[NORMALISATIONS]]
    stability_threshold: float = Field(gt=0, le=1)
    bounds: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # Missing values as an uncertain input of the Monte Carlo (benchmark_tools.joint).
    missing_prior: Literal["family", "uniform", "none"] = "family"
    missing_uniform_steps: int = Field(default=21, ge=2)
    preconisation_draws: int = Field(default=200, gt=0)
    priority_min_share: float = Field(default=0.8, gt=0, le=1)
    gaps_draws: int = Field(default=300, gt=0)
    gaps_levels: int = Field(default=5, ge=2)
    gaps_top: int = Field(default=20, gt=0)
    # Level of the bootstrap confidence intervals of the Sobol indices.
    sobol_conf_level: float = Field(default=0.95, gt=0, lt=1)
    # Total Sobol index at or below which no tested choice is said to move the ranking.
    sobol_negligible_total: float = Field(default=0.01, ge=0, lt=1)
    # Kendall's tau bands of the words « fortement » (below the first), « sensiblement » (below
    # the second), « peu » (above) for how much a ranking changes.
    kendall_strong_change_below: float = Field(default=0.6, gt=-1, le=1)
    kendall_some_change_below: float = Field(default=0.8, gt=-1, le=1)

    @model_validator(mode="after")
    def _bands_in_order(self):
        if self.kendall_strong_change_below > self.kendall_some_change_below:
            raise ValueError("robustness.kendall_strong_change_below doit être ≤ "
                             "robustness.kendall_some_change_below")
        return self


class TypologyReading(Strict):
    """How the typology is read and its clusters named (the words of the report)."""

    # Mean silhouette: lower bound of « structure forte », « raisonnable », « faible » (Kaufman &
    # Rousseeuw 1990, ch. 2); below the last one, no substantial structure.
    silhouette_strong: float = Field(default=0.71, gt=-1, le=1)
    silhouette_reasonable: float = Field(default=0.51, gt=-1, le=1)
    silhouette_weak: float = Field(default=0.26, gt=-1, le=1)
    # A cluster is named after at most this many distinctive traits…
    name_traits: int = Field(default=2, ge=1, le=10)
    # …leaving out a trait whose gap to the mean is below this share of the first trait's gap.
    name_trait_min_ratio: float = Field(default=0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _bands_in_order(self):
        if not self.silhouette_strong >= self.silhouette_reasonable >= self.silhouette_weak:
            raise ValueError("typology.reading : attendu silhouette_strong ≥ silhouette_reasonable ≥ "
                             "silhouette_weak")
        return self

    @property
    def silhouette_bands(self) -> tuple[tuple[float, str], ...]:
        """(lower bound, French wording), strongest first."""
        return ((self.silhouette_strong, "structure forte"),
                (self.silhouette_reasonable, "structure raisonnable"),
                (self.silhouette_weak, "structure faible, peut-être artificielle"))


class TypologySettings(Strict):
    k_min: int = Field(ge=2)
    k_max: int = Field(ge=2)
    n_neighbours: int = Field(ge=1)
    level: Literal["dimensions", "criteria"]
    reading: TypologyReading = Field(default_factory=TypologyReading)


class ValidationSettings(Strict):
    max_file_bytes: int = Field(gt=0)
    min_year: int
    max_year: int
    max_population: float = Field(gt=0)
    min_source_length: int = Field(ge=1)
    max_amount: float = Field(default=1.0e12, gt=0, le=1e15)
    max_envelope_years: float = Field(default=20, gt=0, le=100)
    max_weight: float = Field(default=1000, gt=0, le=1e9)
    max_name_length: int = Field(default=300, ge=20, le=10_000)
    # Run sizes the team's machine holds (2 cores, a few GB): above, memory blows up.
    max_n_draws: int = Field(default=200_000, ge=1, le=10_000_000)
    max_sobol_n: int = Field(default=16_384, ge=1, le=1_000_000)
    max_sobol_bootstrap: int = Field(default=5_000, ge=1, le=1_000_000)


class RedundancySettings(Strict):
    threshold: float = Field(gt=0, le=1)
    min_pairs: int = Field(ge=3)


class ExplorerSettings(Strict):
    """The offline weight explorer (``explorateur.html``)."""

    # Draws of the in-page Monte Carlo, recomputed at every slider move: kept small.
    n_draws: int = Field(ge=50, le=5000)


class EvidenceSettings(Strict):
    """Rules on the evidence behind the values (issue 20)."""

    # Largest gap, in years, between the years of the inputs of a derived value (€ per inhabitant
    # per year, rates): beyond it the value is not derived and the reason is shown.
    edition_tolerance_years: int = Field(ge=0, le=50)


class ReportSettings(Strict):
    """The rendered report at scale."""

    # Beyond this many cases in a family, the report's tables and case sheets show the top of the
    # ranking and the Rennes instruments; the full tables go to CSV files in the run folder.
    max_table_rows: int = Field(ge=5, le=100_000)


class Settings(Strict):
    scoring: ScoringSettings
    robustness: RobustnessSettings
    typology: TypologySettings
    validation: ValidationSettings
    redundancy: RedundancySettings
    explorer: ExplorerSettings
    evidence: EvidenceSettings
    report: ReportSettings


class ReportParams(Strict):
    """Parameters of one report run (``benchmark/report.yml`` plus ``--set`` overrides)."""

    title: StrictStr
    profile: StrictStr
    method: Literal[METHODS]
    normalisation: Literal[NORMALISATIONS]
    # numpy seeds are non-negative 32-bit… 128-bit integers; a negative seed fails in the notebooks.
    seed: StrictInt = Field(ge=0, lt=2**63)
    n_draws: StrictInt = Field(gt=0)
    families: list[StrictStr]
    language: Literal["fr"]
    data_dir: StrictStr = "data"
    benchmark_dir: StrictStr = "benchmark"

    @field_validator("families")
    @classmethod
    def _non_empty(cls, v):
        if not v:
            raise ValueError("au moins une famille")
        twice = sorted({f for f in v if v.count(f) > 1})
        if twice:
            raise ValueError("famille citée deux fois : " + ", ".join(twice))
        return v


# --------------------------------------------------------------------------- source policy

#: Grades a domain can be given in ``benchmark/sources_policy.yml``.
POLICY_GRADES = ("primaire", "presse", "secondaire", "refuse")


class GradeLists(Strict):
    """Host names (or suffixes) listed under each grade."""

    primaire: list[StrictStr] = Field(default_factory=list)
    presse: list[StrictStr] = Field(default_factory=list)
    secondaire: list[StrictStr] = Field(default_factory=list)
    refuse: list[StrictStr] = Field(default_factory=list)

    @field_validator("primaire", "presse", "secondaire", "refuse", mode="before")
    @classmethod
    def _empty_list(cls, v):
        # A grade left with only comments reads as None.
        return [] if v is None else v


class SourcePolicy(Strict):
    """``benchmark/sources_policy.yml``: the grade of a source from its domain (see :mod:`provenance`)."""

    unlisted: Literal["primaire", "presse", "secondaire", "refuse"]
    suffixes: GradeLists = Field(default_factory=GradeLists)
    domains: GradeLists
