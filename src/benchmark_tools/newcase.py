"""A commented template for a new case, written where it belongs."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .errors import InputError
from .safeio import write_text_atomic
from .schema import DESIGN_FIELDS, OUTCOME_FIELDS

_FIELD_HELP = {
    "envelope": "enveloppe (nombre, dans la devise)", "envelope_period_years": "années couvertes par l'enveloppe",
    "investment_budget": "budget d'investissement annuel de la collectivité",
    "share_of_investment_budget": "part du budget d'investissement, en % (si la source la donne)",
    "project_cap": "plafond par projet", "project_min": "plancher par projet",
    "funding_rate": "taux de financement de base, en %", "funding_rate_max": "taux maximal avec bonus, en %",
    "bonus_rules": "règles de bonification (texte)", "own_contribution_min": "autofinancement minimum, en %",
    "proposers": "qui peut proposer (texte de la source)",
    "proposer_types": "liste : habitants, collectifs, associations, ess, entreprises, communes, coproprietes, etablissements_scolaires, conseils_de_quartier, autres",
    "voters": "qui peut voter (texte)", "min_age_propose": "âge minimum pour proposer",
    "min_age_vote": "âge minimum pour voter", "nationality_condition": "true ou false",
    "residency_rule": "règle de résidence (texte)", "selection_method": "vote, jury, comité… (texte)",
    "voting_channels": "liste : en_ligne, urne, reunion_publique, sms, mairie, mobile, ecoles",
    "ballot_rule": "règles du bulletin (texte)", "sub_envelopes": "sous-enveloppes (texte)",
    "themes": "thèmes (texte)", "climate_focus": "true si dédié à la transition écologique",
    "eco_criteria": "critères écologiques (texte)", "calendar": "calendrier (texte)",
    "frequency": "annuelle, biennale, pluriannuelle, ponctuelle ou continue",
    "steering_body": "instance de pilotage (texte)", "support": "accompagnement des porteurs (texte)",
    "legal_basis": "fondement juridique (texte)",
    "participants": "nombre de participants", "voters_count": "nombre de votants",
    "turnout_pct": "taux de participation en % (si la source le donne)", "applications": "candidatures reçues",
    "projects_submitted": "projets déposés", "projects_eligible": "projets recevables",
    "projects_on_ballot": "projets soumis au vote", "projects_retained": "projets retenus",
    "projects_delivered": "projets réalisés", "climate_share_pct": "part des lauréats liés à l'écologie, en %",
    "communes_total": "nombre de communes du territoire", "communes_beneficiaries": "communes bénéficiaires",
    "organisation_cost": "coût d'organisation",
}


def slugify(name: str) -> str:
    """An identifier from a French name: ``"Budget participatif de Lyon"`` → ``budget_participatif_de_lyon``."""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-zA-Z0-9]+", "_", s).strip("_").lower()
    if not s or not s[0].isalpha():
        s = "cas_" + s
    return s[:60].rstrip("_")


def template_text(case_id: str, family: str, name: str) -> str:
    """The text of a commented template (valid YAML once the summary and territory are filled)."""
    rec = "{value: , year: , source: , confidence: documented, note: }"
    lines = [
        "# Nouveau cas — format complet : data/README.md",
        "# Règle d'or : une valeur n'est écrite que si une page publique la donne ; l'URL va dans « source »,",
        "# l'année dans « year ». Sans source, laissez le champ commenté : l'outil gère les valeurs manquantes.",
        f"id: {case_id}",
        f'name: "{name}"',
        f"family: {family}",
        'territory: "À COMPLÉTER"',
        "country: FR",
        "level: commune            # commune | epci | departement | region | etat | autre",
        "baseline: false",
        '# edition: "2024"',
        "# url: https://…",
        "summary: >-",
        "  À COMPLÉTER : deux à quatre phrases, en français, qui ne disent que des faits sourcés ci-dessous.",
        f"# population: {rec}",
        f"# first_year: {rec}",
        f"# editions_count: {rec}",
        f"# active: {rec}",
        "design:",
        "  currency: EUR",
    ]
    for n in DESIGN_FIELDS:
        lines.append(f"  # {n}: {rec}   # {_FIELD_HELP.get(n, '')}")
    lines.append("outcomes:")
    for n in OUTCOME_FIELDS:
        lines.append(f"  # {n}: {rec}   # {_FIELD_HELP.get(n, '')}")
    lines += [
        "scores:",
        "  # Une note par critère de grille (benchmark-tools criteria --family " + family + "), par exemple :",
        "  # decision_power: {value: 3, year: 2024, source: https://…, confidence: coded, note: \"« citation de la source » → niveau 3\"}",
        "",
    ]
    return "\n".join(lines)


def write_template(project, family: str, name: str, case_id: str | None = None) -> Path:
    """Write the template for a new case in ``data/cases/<family>/<id>.yml``; never overwrite."""
    cid = case_id or slugify(name)
    if not re.match(r"^[a-z][a-z0-9_]*$", cid):
        raise InputError(f"identifiant invalide « {cid} » (attendu : minuscules, chiffres et _, commençant par une lettre)")
    if any(c.id == cid for c in project.cases):
        raise InputError(f"un cas « {cid} » existe déjà ({project.case_files[cid].relative_to(project.root)})")
    path = project.root / "data" / "cases" / family / f"{cid}.yml"
    if path.exists():
        raise InputError(f"le fichier {path.relative_to(project.root)} existe déjà")
    return write_text_atomic(path, template_text(cid, family, name), overwrite=False)
