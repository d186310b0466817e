"""Checks of the files that turn rankings into préconisations: territory, rules, consultations.

Pure functions: they take the typed objects (:mod:`benchmark_tools.schema_rules`) and what they
are checked against, and return every problem found (never raise). Loading is done by
:mod:`benchmark_tools.project`.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import string

from .errors import Problem, short
from .schema import YEAR_PATTERN
from .schema_rules import Consultation, RecommendationConfig, Rule, Territory, TerritoryFact
from .vocabulary import _COMMON_PLACEHOLDERS, CRITERION_RULES, PARAMETERS, PLACEHOLDERS, Parameter

#: Keys meant for a personal name, refused at any depth of a consultation file (personal data).
PERSONAL_KEYS = {"nom", "noms", "name", "names", "prenom", "prénom", "prenoms", "prénoms", "participants",
                 "personnes", "people", "persons", "attendees", "presents", "présents", "contact", "contacts",
                 "email", "emails", "courriel", "telephone", "téléphone", "interlocuteur", "interlocuteurs"}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_URL = re.compile(r"^https?://\S+$")


def check_territory_fact(f: TerritoryFact, file: str, path: str, line) -> list[Problem]:
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
        out += check_territory_fact(alt, file, f"{path}.alternatives[{i}]", line)
    return out


def placeholders(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as exc:
        raise ValueError(f"gabarit mal formé : {exc}") from None


class _Problems:
    """The problems of one file, each located by its key path in the YAML document (when read from one)."""

    def __init__(self, file: str, doc=None):
        self.file, self.doc, self.problems = file, doc, []

    def add(self, msg: str, field: str, loc: tuple, expected=None, found=None) -> None:
        self.problems.append(Problem(self.file, msg, field=field, line=self.doc.line_of(loc) if self.doc is not None
                                 else None, expected=expected, found=found))


def _hint(word, choices) -> str:
    """« — vouliez-vous dire « x » ? » for the closest of ``choices``, or nothing."""
    h = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" — vouliez-vous dire « {h[0]} » ?" if h else ""


def check_rules(cfg: RecommendationConfig, file: str, catalogue, families, territory: Territory | None,
                doc=None) -> list[Problem]:
    """Cross-file checks of the rules: names of criteria, parameters, families, placeholders, trade-offs."""
    out = _Problems(file, doc)
    crit_ids = catalogue.criterion_ids if catalogue is not None else None
    fam_main = list(families.main) if families is not None else None
    _check_limits_and_ranges(out, cfg, fam_main)
    seen: set[str] = set()
    for i, r in enumerate(cfg.rules):
        base, loc = f"rules[{i}]", ("rules", i)
        if r.id in seen:
            out.add("identifiant de règle en double", base + ".id", loc + ("id",), expected="un identifiant unique",
                    found=r.id)
        seen.add(r.id)
        if fam_main is not None and r.family != "all" and r.family not in fam_main:
            out.add("famille inconnue" + _hint(r.family, fam_main), base + ".family", loc + ("family",),
                    expected="all ou " + ", ".join(fam_main), found=r.family)
        if r.type in CRITERION_RULES:
            _check_criterion_target(out, r, base, loc, crit_ids)
        else:
            _check_parameter_target(out, r, base, loc)
        _check_references(out, cfg, r, base, loc, crit_ids, territory)
        _check_placeholders(out, r, base, loc)
    return out.problems


def _check_limits_and_ranges(out: _Problems, cfg: RecommendationConfig, fam_main: list[str] | None) -> None:
    """Limits in order; ranges keyed by a main family and naming known parameters."""
    if cfg.limits.min_per_family > cfg.limits.max_per_family:
        out.add("limites incohérentes : le minimum dépasse le maximum", "limits", ("limits",),
                expected=f"≤ {cfg.limits.max_per_family}", found=str(cfg.limits.min_per_family))
    for fam, names in cfg.ranges.items():
        if fam_main is not None and fam not in fam_main:
            out.add("famille inconnue" + _hint(fam, fam_main), f"ranges.{fam}", ("ranges", fam),
                    expected=", ".join(fam_main), found=fam)
        for j, name in enumerate(names):
            if name not in PARAMETERS:
                out.add("paramètre inconnu" + _hint(name, PARAMETERS), f"ranges.{fam}[{j}]", ("ranges", fam, j),
                        expected="un paramètre parmi : " + ", ".join(PARAMETERS), found=name)


def _check_criterion_target(out: _Problems, r: Rule, base: str, loc: tuple, crit_ids) -> None:
    """A criterion rule names a known criterion, and neither a parameter nor a practice."""
    if r.criterion is None:
        out.add(f"une règle « {r.type} » porte sur un critère : indiquez « criterion »", base + ".criterion", loc,
                expected="un identifiant de benchmark/criteria.yml", found="rien")
    elif crit_ids is not None and r.criterion not in crit_ids:
        out.add("critère inconnu" + _hint(r.criterion, crit_ids), base + ".criterion", loc + ("criterion",),
                expected="un identifiant de benchmark/criteria.yml", found=r.criterion)
    if r.parameter is not None or r.practice is not None:
        out.add(f"une règle « {r.type} » ne prend ni « parameter » ni « practice »", base + ".parameter",
                loc + ("parameter",), expected="rien", found=short(r.parameter or "practice"))


def _check_parameter_target(out: _Problems, r: Rule, base: str, loc: tuple) -> None:
    """A parameter rule names a known parameter, no criterion, and what its type needs (practice, numbers)."""
    if r.parameter is None:
        out.add(f"une règle « {r.type} » porte sur un paramètre de conception : indiquez « parameter »",
                base + ".parameter", loc, expected=", ".join(PARAMETERS), found="rien")
    elif r.parameter not in PARAMETERS:
        out.add("paramètre inconnu" + _hint(r.parameter, PARAMETERS), base + ".parameter", loc + ("parameter",),
                expected="un paramètre parmi : " + ", ".join(PARAMETERS), found=r.parameter)
    if r.criterion is not None:
        out.add(f"une règle « {r.type} » ne prend pas « criterion » (utilisez « criteria » pour les indicateurs)",
                base + ".criterion", loc + ("criterion",), expected="rien", found=r.criterion)
    param = PARAMETERS.get(r.parameter or "")
    if r.type in ("baseline_missing_practice", "leaders_share_at_least"):
        _check_practice(out, r, param, base, loc)
    if r.type == "parameter_range":
        if param is not None and param.kind != "number":
            out.add("une fourchette ne se calcule que sur un paramètre numérique", base + ".parameter",
                    loc + ("parameter",), expected="un paramètre numérique", found=r.parameter)
        if r.practice is not None:
            out.add("une règle « parameter_range » ne prend pas « practice »", base + ".practice",
                    loc + ("practice",), expected="rien", found="practice")


#: The practice operators that fit each kind of parameter.
_PRACTICE_OPS = {"number": ("at_most", "at_least", "equals"), "bool": ("equals",), "list": ("contains",),
                 "vocab": ("equals", "in_")}


def _check_practice(out: _Problems, r: Rule, param: Parameter | None, base: str, loc: tuple) -> None:
    """A practice rule has a practice whose operator fits the parameter and whose values are known, and a min_share."""
    if r.practice is None:
        out.add("la pratique recherchée manque", base + ".practice", loc,
                expected="equals, contains, in, at_most ou at_least", found="rien")
    elif param is not None:
        op = r.practice.op
        ok = _PRACTICE_OPS[param.kind]
        if op not in ok:
            out.add(f"opérateur non adapté au paramètre « {param.name} »", base + ".practice",
                    loc + ("practice",), expected=", ".join(o.rstrip("_") for o in ok), found=op.rstrip("_"))
        items = [r.practice.contains] if op == "contains" else (r.practice.in_ or []) if op == "in_" else \
            ([r.practice.equals] if op == "equals" and param.kind == "vocab" else [])
        for it in items:
            if param.vocabulary and it not in param.vocabulary:
                out.add("valeur inconnue" + _hint(it, param.vocabulary), base + ".practice", loc + ("practice",),
                        expected="parmi : " + ", ".join(param.vocabulary), found=str(it))
    if r.min_share is None:
        out.add("« min_share » est requis pour cette règle", base + ".min_share", loc,
                expected="une part entre 0 et 1", found="rien")


def _check_references(out: _Problems, cfg: RecommendationConfig, r: Rule, base: str, loc: tuple, crit_ids,
                      territory: Territory | None) -> None:
    """min_gap where needed; indicator criteria, trade-offs and territory fact that exist."""
    if r.type == "leaders_above_rest" and r.min_gap is None:
        out.add("« min_gap » est requis (écart minimal des médianes normalisées)", base + ".min_gap", loc,
                expected="un nombre entre 0 et 1", found="rien")
    for j, c in enumerate(r.criteria):
        if crit_ids is not None and c not in crit_ids:
            out.add("critère inconnu" + _hint(c, crit_ids), f"{base}.criteria[{j}]", loc + ("criteria", j),
                    expected="un identifiant de benchmark/criteria.yml", found=c)
    for j, t in enumerate(r.tradeoffs):
        if t not in cfg.tradeoffs:
            out.add("arbitrage inconnu" + _hint(t, cfg.tradeoffs), f"{base}.tradeoffs[{j}]", loc + ("tradeoffs", j),
                    expected=", ".join(cfg.tradeoffs), found=t)
    if r.territory_fact is not None and territory is not None and territory.fact(r.territory_fact) is None:
        out.add("fait du territoire introuvable", base + ".territory_fact", loc + ("territory_fact",),
                expected="<identifiant de dispositif ou de contrainte>.<fait>", found=r.territory_fact)


def _check_placeholders(out: _Problems, r: Rule, base: str, loc: tuple) -> None:
    """The text template is well formed and uses only the placeholders of its rule type."""
    try:
        names = placeholders(r.text)
    except ValueError as exc:
        out.add(str(exc), base + ".text", loc + ("text",))
        return
    allowed = PLACEHOLDERS[r.type] | _COMMON_PLACEHOLDERS
    for name in names:
        if name not in allowed:
            out.add("champ de gabarit inconnu pour ce type de règle" + _hint(name, allowed), base + ".text",
                    loc + ("text",), expected="parmi : " + ", ".join(sorted(allowed)), found="{" + name + "}")
    if "territory_value" in names and r.territory_fact is None:
        out.add("{territory_value} demande « territory_fact »", base + ".territory_fact", loc,
                expected="<dispositif ou contrainte>.<fait>", found="rien")


def check_territory(obj: Territory, doc, file: str, family_ids: list[str] | None, case_ids) -> list[Problem]:
    """Checks of the territory profile: each fact's source (URL), year and note, unique ids, known
    families and, for ``case_id``, an existing case (a warning: a renamed case must not block every
    command).

    Parameters
    ----------
    family_ids : list of str or None
        The families of ``families.yml`` (None: not checked, the file is invalid itself).
    case_ids : collection of str
        The ids of the case files under ``data/cases``.
    """
    problems: list[Problem] = []
    fam_ids = family_ids

    def line(*loc):
        return doc.line_of(loc) if doc is not None else None

    for name, f in obj.facts.items():
        problems += check_territory_fact(f, file, f"facts.{name}", line("facts", name))
    seen: set[str] = set()
    for key, group in (("instruments", obj.instruments), ("constraints", obj.constraints)):
        for i, item in enumerate(group):
            base = f"{key}[{i}]"
            if item.id in seen:
                problems.append(Problem(file, "identifiant en double", field=base + ".id", line=line(key, i, "id"),
                                        expected="un identifiant unique", found=item.id))
            seen.add(item.id)
            for name, f in item.facts.items():
                problems += check_territory_fact(f, file, f"{base}.facts.{name}", line(key, i, "facts", name))
            if key == "instruments":
                if fam_ids is not None and item.family not in fam_ids:
                    hint = difflib.get_close_matches(item.family, fam_ids, n=1)
                    problems.append(Problem(file, "famille inconnue" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""),
                                            field=base + ".family", line=line(key, i, "family"),
                                            expected=", ".join(fam_ids), found=item.family))
                if item.case_id and item.case_id not in case_ids:
                    # A warning, not an error: a renamed case must not block every command, but the
                    # comparison with Rennes' current value will be missing until the link is fixed.
                    problems.append(Problem(file, "cas introuvable dans data/cases : la comparaison avec ce "
                                            "dispositif rennais sera absente", field=base + ".case_id",
                                            line=line(key, i, "case_id"), expected="l'identifiant d'un cas existant",
                                            found=item.case_id, severity="warning"))
    return problems


def personal_keys(data, path="", loc=()) -> list[tuple[str, tuple]]:
    """(dotted path, location) of every key meant for a personal name, at any depth."""
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            p = f"{path}.{k}" if path else str(k)
            if str(k).strip().lower() in PERSONAL_KEYS:
                out.append((p, loc + (k,)))
            out += personal_keys(v, p, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += personal_keys(v, f"{path}[{i}]", loc + (i,))
    return out


def check_consultation(obj: Consultation, file: str, doc, dim_ids: list[str]) -> list[Problem]:
    out = []

    def line(*loc):
        return doc.line_of(loc) if doc is not None else None

    if not _DATE.match(obj.date):
        out.append(Problem(file, "date invalide", field="date", line=line("date"), expected="AAAA-MM-JJ",
                           found=obj.date))
    else:
        try:
            _dt.date.fromisoformat(obj.date)
        except ValueError:
            out.append(Problem(file, "date inexistante", field="date", line=line("date"), expected="AAAA-MM-JJ",
                               found=obj.date))
    unknown = [d for d in obj.ranking if d not in dim_ids]
    for d in unknown:
        out.append(Problem(file, "dimension inconnue dans le classement", field=f"ranking.{d}", line=line("ranking", d),
                           expected=", ".join(dim_ids), found=d))
    for d in dim_ids:
        if d not in obj.ranking:
            out.append(Problem(file, "dimension non classée", field="ranking", line=line("ranking"),
                               expected=f"un rang pour « {d} »", found="rien"))
    for d, r in obj.ranking.items():
        if r < 1 or r > len(dim_ids):
            out.append(Problem(file, "rang hors limites", field=f"ranking.{d}", line=line("ranking", d),
                               expected=f"un entier de 1 à {len(dim_ids)}", found=str(r)))
    return out
