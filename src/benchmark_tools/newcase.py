"""A commented template for a new case, written where it belongs."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from .errors import InputError
from .safeio import write_text_atomic
from .vocabulary import DESIGN_FIELDS, OUTCOME_FIELDS

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


#: Longest default identifier (a file name one reads at a glance).
MAX_DEFAULT_ID = 30
# Words that say the kind of instrument, not the place: left out of a default identifier.
_GENERIC = {"budget", "budgets", "participatif", "participative", "participatifs", "fonds", "fond", "de", "du",
            "des", "la", "le", "les", "l", "d", "a", "au", "aux", "et", "en", "pour", "concours", "appel",
            "appels", "projets", "projet", "dispositif", "the", "of", "for", "participatory"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def family_abbreviation(family: str) -> str:
    """``budget_participatif`` → ``bp``, ``appel_a_projets`` → ``aap``, ``fonds_de_concours`` → ``fdc``."""
    return "".join(part[0] for part in family.split("_") if part)


def default_id(name: str, family: str, taken, territory: str | None = None) -> str:
    """A short identifier (≤ 30 characters): the place, then the family's abbreviation.

    From ``territory`` when given, else from the words of ``name`` that are not generic
    (« Budget participatif de Lyon » → ``lyon_bp``); ``_2``, ``_3``… when already taken.
    """
    words = slugify(territory or name).split("_")
    place = [w for w in words if w not in _GENERIC] or words
    abbr = family_abbreviation(family)
    room = MAX_DEFAULT_ID - len(abbr) - 3  # "_" + abbreviation, and room for "_9"
    stem = ""
    for w in place:
        cand = f"{stem}_{w}" if stem else w
        if len(cand) > room:
            break
        stem = cand
    stem = stem or place[0][:room]
    if not stem[0].isalpha():
        stem = "cas_" + stem
    base = f"{stem}_{abbr}"[:MAX_DEFAULT_ID]
    cid, n = base, 1
    while cid in taken:
        n += 1
        cid = f"{base}_{n}"
    return cid


def check_text_option(value: str, option: str, *, max_length: int = 300) -> str:
    """A text given on the command line: not empty, no control character, not too long."""
    if value is None or not value.strip():
        raise InputError(f"{option} est vide (attendu : un texte)")
    if _CONTROL.search(value):
        code = ord(_CONTROL.search(value).group())
        raise InputError(f"{option} contient un caractère de contrôle invisible U+{code:04X} : supprimez-le "
                         "(attendu : du texte imprimable)")
    if len(value) > max_length:
        raise InputError(f"{option} est trop long (attendu : au plus {max_length} caractères, trouvé : {len(value)})")
    return value


def _dump(data: dict) -> str:
    """One or a few keys as YAML, through the emitter (never by string formatting)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def template_text(case_id: str, family: str, name: str, territory: str | None = None) -> str:
    """The text of a commented template (valid YAML once the summary and territory are filled).

    Every value that comes from the user (identifier, name, family, territory) is written by the
    YAML emitter, so quotes, backslashes and line breaks cannot break the file or add keys; the
    comments are fixed text.
    """
    rec = "{value: , year: , source: , confidence: documented, note: }"
    lines = [
        "# Nouveau cas — format complet : data/README.md",
        "# Règle d'or : une valeur n'est écrite que si une page publique la donne ; l'URL va dans « source »,",
        "# l'année dans « year ». Sans source, laissez le champ commenté : l'outil gère les valeurs manquantes.",
        _dump({"id": case_id, "name": name, "family": family,
               "territory": territory if territory else "À COMPLÉTER", "country": "FR"}).rstrip("\n"),
        "# level : commune | epci | departement | region | etat | autre",
        "level: commune",
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
        "  # Une note par critère de grille (benchmark-tools criteria --family <famille>), par exemple :",
        "  # decision_power: {value: 3, year: 2024, source: https://…, confidence: coded, note: \"« citation de la source » → niveau 3\"}",
        "",
    ]
    return "\n".join(lines)


def write_template(project, family: str, name: str, case_id: str | None = None,
                   territory: str | None = None) -> Path:
    """Write the template for a new case in ``data/cases/<family>/<id>.yml``; never overwrite."""
    max_len = project.settings.validation.max_name_length if project.settings else 300
    check_text_option(name, "--name", max_length=max_len)
    if territory is not None:
        check_text_option(territory, "--territory", max_length=max_len)
    folder = project.root / "data" / "cases" / family
    taken = {c.id for c in project.cases} | ({p.stem for p in folder.glob("*.yml")} if folder.is_dir() else set())
    cid = case_id or default_id(name, family, taken, territory)
    if not re.match(r"^[a-z][a-z0-9_]*$", cid):
        raise InputError(f"identifiant invalide « {cid} » (attendu : minuscules, chiffres et _, commençant par une lettre)")
    if any(c.id == cid for c in project.cases):
        raise InputError(f"un cas « {cid} » existe déjà ({project.case_files[cid].relative_to(project.root)})")
    path = folder / f"{cid}.yml"
    if path.exists():
        raise InputError(f"le fichier {path.relative_to(project.root)} existe déjà")
    return write_text_atomic(path, template_text(cid, family, name, territory), overwrite=False)
