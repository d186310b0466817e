"""The project's names, defined once with their French labels.

Method and normalisation names, the kinds of fact a case holds, the rule types and the design
parameters the préconisations may name: the schema (allowed values), the engine (registries keyed
by these names), the command line (help texts) and the report (labels) all read them from here.
A test checks that the engine's registries have exactly these keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

# --------------------------------------------------------------------------- cases

MAIN_FAMILIES = ("budget_participatif", "appel_a_projets", "fonds_de_concours")
LEVELS = ("commune", "epci", "departement", "region", "etat", "autre")
CONFIDENCES = ("documented", "derived", "coded")

#: Kind of value expected for each design and outcome field: (kind, extra).
#: kinds: number (>= 0), integer (>= 0), percent (0–100), text, bool, list (vocabulary), age.
DESIGN_FIELDS: dict[str, tuple[str, object]] = {
    "envelope": ("number", None),
    "envelope_period_years": ("number", None),
    "investment_budget": ("number", None),
    "share_of_investment_budget": ("percent", None),
    "project_cap": ("number", None),
    "project_min": ("number", None),
    "funding_rate": ("percent", None),
    "funding_rate_max": ("percent", None),
    "bonus_rules": ("text", None),
    "own_contribution_min": ("percent", None),
    "proposers": ("text", None),
    "proposer_types": ("list", ("habitants", "collectifs", "associations", "ess", "entreprises",
                                "communes", "coproprietes", "etablissements_scolaires",
                                "conseils_de_quartier", "autres")),
    "voters": ("text", None),
    "min_age_propose": ("age", None),
    "min_age_vote": ("age", None),
    "nationality_condition": ("bool", None),
    "residency_rule": ("text", None),
    "selection_method": ("text", None),
    "voting_channels": ("list", ("en_ligne", "urne", "reunion_publique", "sms", "mairie", "mobile", "ecoles")),
    "ballot_rule": ("text", None),
    "sub_envelopes": ("text", None),
    "themes": ("text", None),
    "climate_focus": ("bool", None),
    "eco_criteria": ("text", None),
    "calendar": ("text", None),
    "frequency": ("vocab", ("annuelle", "biennale", "pluriannuelle", "ponctuelle", "continue")),
    "steering_body": ("text", None),
    "support": ("text", None),
    "legal_basis": ("text", None),
}

OUTCOME_FIELDS: dict[str, tuple[str, object]] = {
    "participants": ("integer", None),
    "voters_count": ("integer", None),
    "turnout_pct": ("percent", None),
    "applications": ("integer", None),
    "projects_submitted": ("integer", None),
    "projects_eligible": ("integer", None),
    "projects_on_ballot": ("integer", None),
    "projects_retained": ("integer", None),
    "projects_delivered": ("integer", None),
    "climate_share_pct": ("percent", None),
    "communes_total": ("integer", None),
    "communes_beneficiaries": ("integer", None),
    "organisation_cost": ("number", None),
}

IDENTITY_FACTS: dict[str, tuple[str, object]] = {
    "population": ("population", None),
    "first_year": ("year", None),
    "editions_count": ("integer", None),
    "active": ("bool", None),
}


# --------------------------------------------------------------------------- methods

#: Across-dimension aggregation methods, by the name used in settings, files and reports.
METHODS = ("arithmetic", "geometric", "topsis", "promethee")

#: French labels of :data:`METHODS` (tables, captions, method section, CLI help).
METHOD_LABELS: dict[str, str] = {
    "arithmetic": "moyenne arithmétique pondérée",
    "geometric": "moyenne géométrique pondérée",
    "topsis": "TOPSIS (proximité relative à l'idéal)",
    "promethee": "PROMETHEE II (flux nets)",
}

#: Normalisations of criterion values, by name.
NORMALISATIONS = ("goalposts", "minmax", "zscore", "rank")

#: French labels of :data:`NORMALISATIONS`, saying what the engine does (see :mod:`normalize`).
NORMALISATION_LABELS: dict[str, str] = {
    "goalposts": "bornes fixes (niveau / 4 ; min–max sur les bornes du critère)",
    "minmax": "min–max sur les cas classés",
    "zscore": "score z (loi normale) sur les cas classés",
    "rank": "rangs fractionnaires parmi les cas classés",
}


# --------------------------------------------------------------------------- préconisation rules

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


class OutcomeStatus(StrEnum):
    """What happened to a rule; the values are the identifiers written in the outcome tables."""

    EMITTED = "emis"
    CONDITION_NOT_MET = "condition_non_remplie"
    INSUFFICIENT_DATA = "donnees_insuffisantes"
    CAP = "plafond"


#: French label of each status of a rule not retained (« Règles non retenues »).
OUTCOME_LABELS: dict[OutcomeStatus, str] = {
    OutcomeStatus.CONDITION_NOT_MET: "condition non remplie",
    OutcomeStatus.INSUFFICIENT_DATA: "données insuffisantes",
    OutcomeStatus.CAP: "au-delà du plafond de préconisations",
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


#: To whom an instrument is addressed, by proposer type (« s'adressent d'abord aux habitants »).
PROPOSER_LABELS_TO: dict[str, str] = {"habitants": "aux habitants", "collectifs": "aux collectifs", "associations": "aux associations",
    "communes": "aux communes", "ess": "aux structures de l'ESS", "entreprises": "aux entreprises",
    "etablissements_scolaires": "aux établissements scolaires",
    "conseils_de_quartier": "aux conseils de quartier", "coproprietes": "aux copropriétés",
    "autres": "à d'autres porteurs"}


# --------------------------------------------------------------------------- result tables

#: Status of a case in a ranking: engine id → French label.
CASE_STATUS_LABELS: dict[str, str] = {
    "ranked": "classé",
    "apart": "à part (couverture faible)",
    "excluded": "exclu (couverture faible)",
    "unscored": "non noté (aucune donnée pondérée)",
}

#: Status of one cell of the decision matrix: engine id → French label.
CELL_STATUS_LABELS: dict[str, str] = {
    "value": "valeur",
    "missing": "donnée manquante",
    "not_applicable": "sans objet",
}

#: Columns (and index names) of the engine's result tables: id → French label shown to people.
#: The engine's ``to_dataframe()`` emit the ids; :func:`labelled` puts these labels at presentation.
COLUMN_LABELS: dict[str, str] = {
    # cases and scores (scoring.ScoreResult, BatchResult, matrix.DecisionMatrix)
    "case_id": "identifiant",
    "case": "cas",
    "criterion": "critère",
    "draw": "tirage",
    "score": "score",
    "rank": "rang",
    "status": "statut",
    "coverage": "couverture",
    # Monte Carlo (robustness_mc.MonteCarloResult, joint.JointMonteCarloResult)
    "nominal_rank": "rang nominal",
    "median_rank": "rang médian",
    "rank_p05": "rang P5",
    "rank_p95": "rang P95",
    "p_first": "P(1er)",
    "nominal_score": "score nominal",
    "mean_score": "score moyen",
    "share_ranked": "part des tirages classés",
    "stability": "stabilité",
    "reason": "motif",
    "n_missing_drawn": "critères manquants tirés",
    "low_coverage": "sous le seuil de couverture",
    "nominal_rank_available": "rang nominal (cas disponibles)",
    # SMAA-2 (robustness_smaa.SMAAResult)
    "confidence_factor": "facteur de confiance",
    "holistic_acceptability": "acceptabilité holistique",
    "ranked_in_all_draws": "classé dans tous les tirages",
    # Sobol (robustness_sobol.SobolResult)
    "factor": "facteur",
    "factor_id": "identifiant",
    "s1": "indice de premier ordre S1",
    "st": "indice total ST",
    # one at a time (robustness_oat.LeaveOneOutResult, RankReversalResult)
    "removed_dimension": "dimension retirée",
    "removed_criterion": "critère retiré",
    "mean_rank_shift": "décalage moyen de rang",
    "max_rank_shift": "décalage maximal de rang",
    "leader_changed": "changement de tête",
    "kendall_tau": "tau de Kendall avec le classement nominal",
    "removed_case": "cas retiré",
    "pairs_compared": "paires comparées",
    "pairs_reversed": "paires inversées",
    "share_reversed": "part de paires inversées",
    "pairs_changed": "paires modifiées (égalités comprises)",
}


def p_top_id(k: int) -> str:
    """Column id of P(top k)."""
    return f"p_top_{k}"


def acceptability_id(rank: int) -> str:
    """Column id of the rank acceptability b_rank (SMAA-2)."""
    return f"acceptability_rank_{rank}"


def sobol_bound_id(index: str, side: str, conf_level: float) -> str:
    """Column id of a bound of a Sobol index: ``index`` "s1" or "st", ``side`` "low" or "high"."""
    return f"{index}_{side}_{100 * conf_level:.0f}"


def without_id(item: str) -> str:
    """Column id of the ranks without one item (dimension or criterion id)."""
    return f"without_{item}"


_BOUND_WORDS = {"low": "basse", "high": "haute"}

#: Parametrised column ids (see the ``*_id`` functions above) → their French label.
_PATTERN_LABELS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"p_top_(\d+)"), lambda m: f"P(top {m[1]})"),
    (re.compile(r"acceptability_rank_(\d+)"), lambda m: f"acceptabilité rang {m[1]}"),
    (re.compile(r"(s1|st)_(low|high)_(\d+)"),
     lambda m: f"{m[1].upper()} borne {_BOUND_WORDS[m[2]]} ({m[3]} %)"),
    (re.compile(r"without_(.+)"), lambda m: f"sans {m[1]}"),
]


def column_label(column: str) -> str | None:
    """French label of an engine column id (fixed or parametrised), None when it has none."""
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    for pattern, label in _PATTERN_LABELS:
        m = pattern.fullmatch(column)
        if m:
            return label(m)
    return None


def labelled(df, dimension_labels: Mapping[str, str] | None = None):
    """An engine result table with its French column labels, for people (report, CSV, console).

    Columns and index names are renamed with :data:`COLUMN_LABELS`, the parametrised labels of
    :func:`column_label` and ``dimension_labels`` (dimension id → label, from the catalogue);
    a ``status`` column's values become their French labels (:data:`CASE_STATUS_LABELS`).
    Columns without a label are left as they are. The table itself is not modified.
    """
    dims = dict(dimension_labels or {})

    def label(name):
        if not isinstance(name, str):
            return name
        return dims.get(name) or column_label(name) or name

    out = df.copy()
    if "status" in out.columns:
        out["status"] = [CASE_STATUS_LABELS.get(s, s) for s in out["status"]]
    out = out.rename(columns=label)
    out.index.names = [label(n) for n in out.index.names]
    out.columns.names = [label(n) for n in out.columns.names]
    return out
