"""The rules of the cases, catalogue, profiles and settings, collecting all problems.

:func:`benchmark_tools.project.validate_project` reads the definition (``benchmark/``) and the
cases (``data/cases``), checks each file against its schema and calls the rules here (unique ids,
known criteria, applicability, plausible ranges, sources present, weights). They never raise for
a user's mistake: they return the problems, each naming the file, the case, the field, what was
expected and what was found. Every plausibility bound is read from ``settings.yml``
(:func:`validation_bound`).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from urllib.parse import urlsplit

from .cases import DERIVABLE
from .errors import Problem, short
from .provenance import split_sources
from .schema import (
    YEAR_PATTERN,
    Case,
    Catalogue,
    Fact,
    Families,
    Profile,
    ReportParams,
    Settings,
    Sources,
    ValidationSettings,
)
from .vocabulary import DESIGN_FIELDS, IDENTITY_FACTS, MAIN_FAMILIES, OUTCOME_FIELDS

_URL = re.compile(r"^https?://\S+$")

# --------------------------------------------------------------------------- links (one rule everywhere)

#: Characters a URL never holds as written in a file: whitespace, angle brackets, double quote,
#: backtick, backslash. The apostrophe is a legal URL character (RFC 3986 sub-delims, used in
#: French page names); the report escapes it in attributes like any other text.
_URL_FORBIDDEN = re.compile(r"[\s<>\"`\\]")
#: A text that begins with a URL scheme (``javascript:``, ``data:``, ``file:``, ``mailto:``…).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(?=\S)")
#: Targets of markdown links ``[texte](cible)`` and autolinks ``<cible>`` in free texts.
_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)|<([A-Za-z][A-Za-z0-9+.\-]*:[^>\s]*)>")
#: Keys whose text is a source or an address (checked by :func:`url_problem`).
LINK_KEYS = {"source": True, "url": False}  # key -> a citation is allowed instead of a URL


def url_problem(text: str, citation_allowed: bool = True) -> tuple[str, str] | None:
    """Why ``text`` is not an acceptable source or address, or None if it is.

    A source is either a well-formed ``http``/``https`` URL (no whitespace, no ``<``, ``>`` or
    quotes, a host) or, when ``citation_allowed``, a citation that does not look like a link
    and is never turned into one. Any other scheme (``javascript:``, ``data:``, ``file:``,
    ``vbscript:``…) is refused: the report would make it a link that runs script or reads the
    disk. This is the only place the rule is written.

    Returns
    -------
    (message, expected) or None
    """
    t = text.strip()
    expected = "une URL http(s)://hôte/… sans espace, < > ni guillemets" + (
        ", ou une référence de document" if citation_allowed else "")
    m = _SCHEME.match(t)
    looks_like_link = t.lower().startswith("http") or m is not None or "://" in t
    if not looks_like_link:
        if citation_allowed:
            return None
        return "adresse invalide : une URL http(s) complète est attendue", expected
    if m is not None and m.group(1).lower() not in ("http", "https"):
        return (f"lien refusé : seul http ou https est accepté (« {m.group(1).lower()}: » ouvrirait un script, "
                "des données ou un fichier local)", expected)
    if not re.match(r"^https?://", t, flags=re.I):
        return "URL mal formée : elle doit commencer par « http:// » ou « https:// »", expected
    if _URL_FORBIDDEN.search(t):
        return "URL mal formée : espace, tabulation, < >, guillemet droit ou barre oblique inverse dans l'adresse", expected
    try:
        parts = urlsplit(t)
        host = parts.hostname
    except ValueError:
        host = None
    if not host or "." not in host and host != "localhost":
        return "URL mal formée : le nom d'hôte manque ou est invalide", expected
    return None


def link_target_problem(target: str) -> tuple[str, str] | None:
    """The rule for the target of a markdown link in a free text: an http(s) URL or ``#ancre``."""
    if target.startswith("#") or not target:
        return None
    return url_problem(target, citation_allowed=False)


def check_links(data, file: str, doc=None, case_id: str | None = None, loc=()) -> list[Problem]:
    """Every source, address and markdown link of a parsed YAML file, by :func:`url_problem`.

    Walks the raw data, so it covers cases (sources of every record and alternative, ``url``),
    ``sources.yml``, the criteria catalogue, designs and the territory profile alike.
    """
    out: list[Problem] = []
    if isinstance(data, dict):
        if case_id is None and not loc and isinstance(data.get("id"), str):
            case_id = data["id"]
        for k, v in data.items():
            if isinstance(v, str) and k in LINK_KEYS:
                # A value read on several pages cites each of them, joined by « ; » (like a derived
                # value's inputs): every part is checked on its own.
                parts = split_sources(v) if k == "source" else [v]
                bad = next(((pb, part) for part in parts or [v]
                            if (pb := url_problem(part, citation_allowed=LINK_KEYS[k]))), None)
                if bad:
                    out.append(_link_problem(file, doc, case_id, loc + (k,), bad[0], bad[1]))
                    continue
            out += check_links(v, file, doc, case_id, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += check_links(v, file, doc, case_id, loc + (i,))
    elif isinstance(data, str) and ("](" in data or "<" in data):
        for m in _MD_LINK.finditer(data):
            target = m.group(1) if m.group(1) is not None else m.group(2)
            pb = link_target_problem(target)
            if pb:
                out.append(_link_problem(file, doc, case_id, loc, ("lien de texte refusé — " + pb[0], pb[1]), target))
    return out


def _link_problem(file, doc, case_id, loc, pb, found) -> Problem:
    dotted = "".join(f"[{p}]" if isinstance(p, int) else (("." if i else "") + str(p)) for i, p in enumerate(loc))
    return Problem(file, pb[0], case_id=case_id, field=dotted or None,
                   line=doc.line_of(loc) if doc is not None else None, expected=pb[1], found=short(found))


def _suggest(word: str, choices) -> str:
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""


def validation_bound(settings: Settings | None, name: str):
    """The plausibility bound ``validation.<name>`` of ``settings.yml``.

    Without settings (``settings.yml`` unreadable, reported on its own, or a caller that has none),
    the bound is the :class:`~benchmark_tools.schema.ValidationSettings` model's default; a bound the
    model has no default for is None and its check is skipped. No number here may differ from the
    settings.
    """
    if settings is not None:
        return getattr(settings.validation, name)
    spec = ValidationSettings.model_fields[name]
    return None if spec.is_required() else spec.default


# --------------------------------------------------------------------------- facts


def check_fact(f: Fact, kind: str, extra, *, file: str, case_id: str, path: str, line,
               settings: Settings | None, require_source: bool = True) -> list[Problem]:
    """Rules for one fact record: source, year, confidence, note, and the kind of value."""
    out: list[Problem] = []

    def p(msg, **kw):
        out.append(Problem(file, msg, case_id=case_id, field=path + kw.pop("sub", ""), line=line, **kw))

    v = f.value
    vs = settings.validation if settings else None
    min_source_length = validation_bound(settings, "min_source_length")  # None without settings: no length check
    if v is None:
        if f.alternatives:
            p("valeur manquante alors que des valeurs alternatives sont données : choisissez la valeur retenue")
        return out
    if require_source and not f.source:
        p("valeur sans source : indiquez l'URL de la page publique (ou la référence du document), "
          "ou laissez la valeur vide", sub=".source", expected="une URL ou une référence", found="rien")
    elif (f.source and min_source_length is not None and not _URL.match(f.source.strip())
          and len(f.source.strip()) < min_source_length):
        p("source trop vague : donnez l'URL ou une référence complète", sub=".source",
          expected="une URL http(s)://… ou une référence de document", found=short(f.source))
    if f.year is None:
        p("année manquante : à quelle année la valeur se rapporte-t-elle ?", sub=".year",
          expected="une année (2023) ou une période (2024-2026)", found="rien")
    else:
        ys = str(f.year)
        if not YEAR_PATTERN.match(ys):
            p("année invalide", sub=".year", expected="une année (2023) ou une période (2024-2026)", found=short(f.year))
        elif vs is not None:
            yrs = [int(y) for y in ys.split("-")]
            if min(yrs) < vs.min_year or max(yrs) > vs.max_year:
                p("année hors de la plage plausible", sub=".year", expected=f"entre {vs.min_year} et {vs.max_year}", found=ys)
            if len(yrs) == 2 and yrs[0] > yrs[1]:
                p("période à l'envers", sub=".year", expected="début-fin", found=ys)
    if f.confidence is None:
        p("niveau de confiance manquant", sub=".confidence", expected="documented, derived ou coded", found="rien")
    elif f.confidence in ("derived", "coded") and not (f.note and f.note.strip()):
        what = "la formule" if f.confidence == "derived" else "la preuve citée (entre guillemets)"
        p(f"note obligatoire pour une valeur « {f.confidence} » : indiquez {what}", sub=".note",
          expected=what, found="rien")
    out += check_value(v, kind, extra, file=file, case_id=case_id, path=path + ".value", line=line, settings=settings)
    for i, alt in enumerate(f.alternatives):
        if alt.value is None:
            p("valeur alternative vide", sub=f".alternatives[{i}]")
            continue
        if alt.alternatives:
            p("une valeur alternative ne peut pas avoir elle-même d'alternatives", sub=f".alternatives[{i}]")
        if not alt.source:
            p("valeur alternative sans source", sub=f".alternatives[{i}].source", expected="une URL", found="rien")
        out += check_value(alt.value, kind, extra, file=file, case_id=case_id,
                           path=f"{path}.alternatives[{i}].value", line=line, settings=settings)
    return out


def check_value(v, kind: str, extra, *, file, case_id, path, line, settings) -> list[Problem]:
    """The value of a fact has the kind its field expects, within a plausible range."""
    def prob(msg, expected, found=None):
        return [Problem(file, msg, case_id=case_id, field=path, line=line, expected=expected,
                        found=short(v) if found is None else found)]

    is_num = isinstance(v, (int, float)) and not isinstance(v, bool)
    if kind in ("number", "integer", "percent", "population", "age", "year", "level"):
        if not is_num:
            hint = ""
            if isinstance(v, str) and re.match(r"^\d{4}-\d\d-\d\d", v):
                hint = " (une date a été saisie dans un champ numérique)"
            elif isinstance(v, str) and re.search(r"\d", v):
                hint = " (écrivez le nombre sans unité ni espace, avec un point décimal : 3500000)"
            return prob("un nombre est attendu" + hint, "un nombre")
        if v != v:  # NaN
            return prob("valeur non numérique (NaN)", "un nombre")
        if v in (float("inf"), float("-inf")):
            return prob("valeur infinie : un nombre fini est attendu", "un nombre fini")
        if kind in ("integer", "age", "year", "level") and not float(v).is_integer():
            return prob("un nombre entier est attendu", "un entier")
        if kind == "percent" and not 0 <= v <= 100:
            return prob("pourcentage hors de l'intervalle 0–100", "entre 0 et 100")
        if kind == "population":
            maxp = validation_bound(settings, "max_population")  # None without settings: only the sign is checked
            if not 0 < v or (maxp is not None and v > maxp):
                return prob("population invalide : elle doit être positive et plausible",
                            f"entre 1 et {maxp:.0f}" if maxp is not None else "un nombre > 0")
        elif kind == "age" and not 0 <= v <= 120:
            return prob("âge hors de la plage plausible", "entre 0 et 120")
        elif kind == "year":
            # Without settings the plausible years are unknown: the range check is skipped.
            lo, hi = validation_bound(settings, "min_year"), validation_bound(settings, "max_year")
            if lo is not None and hi is not None and not lo <= v <= hi:
                return prob("année hors de la plage plausible", f"entre {lo} et {hi}")
        elif kind == "level":
            if not 0 <= v <= 4:
                return prob("niveau hors de la grille", "un entier de 0 à 4")
        elif v < 0:
            return prob("valeur négative", "un nombre positif ou nul")
    elif kind == "text":
        if not isinstance(v, str):
            return prob("un texte est attendu", "du texte")
    elif kind == "bool":
        if not isinstance(v, bool):
            return prob("true ou false est attendu", "true ou false")
    elif kind == "list":
        if not isinstance(v, list):
            return prob("une liste est attendue", "une liste, par exemple [en_ligne, urne]")
        bad = [x for x in v if x not in extra]
        if bad:
            return prob("valeur inconnue dans la liste" + _suggest(bad[0], extra), "parmi : " + ", ".join(extra), short(bad[0]))
    elif kind == "vocab":
        if v not in extra:
            return prob("valeur non reconnue" + _suggest(v, extra), "parmi : " + ", ".join(extra))
    return []


# --------------------------------------------------------------------------- cases


def criterion_value_kind(crit) -> str:
    """Kind of value a criterion's score takes: ``level`` (grid 0–4), ``percent`` or ``number``."""
    if crit.type == "ordinal":
        return "level"
    return "percent" if (crit.unit or "").strip() == "%" else "number"


def check_case(case: Case, doc, file: str, path: Path, *, catalogue: Catalogue | None,
               families: Families | None, settings: Settings | None,
               ex_ante: bool = False) -> list[Problem]:
    out: list[Problem] = []
    cid = case.id

    def line(*loc):
        return doc.line_of(loc) if doc is not None else None

    if path.stem != case.id:
        out.append(Problem(file, "le nom du fichier ne correspond pas à l'identifiant du cas : renommez le fichier "
                           "ou corrigez « id »", case_id=cid, field="id", line=line("id"),
                           expected=f"{case.id}.yml", found=path.name))
    if families is not None:
        if case.family not in families.ids:
            out.append(Problem(file, "famille inconnue" + _suggest(case.family, families.ids), case_id=cid,
                               field="family", line=line("family"), expected="une de : " + ", ".join(families.ids),
                               found=short(case.family)))
        elif not ex_ante and path.parent.name in families.ids and path.parent.name != case.family:
            out.append(Problem(file, "le dossier du fichier ne correspond pas à sa famille : déplacez le fichier",
                               case_id=cid, field="family", line=line("family"),
                               expected=f"data/cases/{case.family}/", found=f"{path.parent.name}/"))
    if not case.summary.strip():
        out.append(Problem(file, "résumé vide", case_id=cid, field="summary", line=line("summary")))
    for name, (kind, extra) in IDENTITY_FACTS.items():
        f = getattr(case, name)
        if f is not None:
            out += check_fact(f, kind, extra, file=file, case_id=cid, path=name, line=line(name),
                              settings=settings, require_source=not ex_ante)
    for group, fields in (("design", DESIGN_FIELDS), ("outcomes", OUTCOME_FIELDS)):
        obj = getattr(case, group)
        for name, (kind, extra) in fields.items():
            f = getattr(obj, name)
            if f is not None:
                out += check_fact(f, kind, extra, file=file, case_id=cid, path=f"{group}.{name}",
                                  line=line(group, name), settings=settings, require_source=not ex_ante)
    # Consistency between counts: a filter cannot keep more projects than it received.
    o = case.outcomes
    chain = [("projects_submitted", o.projects_submitted), ("projects_on_ballot", o.projects_on_ballot),
             ("projects_retained", o.projects_retained)]
    known = [(n, f.value, f.year) for n, f in chain if f is not None and isinstance(f.value, (int, float))]
    for (n1, v1, y1), (n2, v2, y2) in zip(known, known[1:], strict=False):
        if y1 == y2 and v2 > v1:
            out.append(Problem(file, f"incohérence : {n2} ({v2}) dépasse {n1} ({v1}) pour la même année",
                               case_id=cid, field=f"outcomes.{n2}", line=line("outcomes", n2),
                               expected=f"≤ {v1}", found=str(v2)))
    out += check_case_bounds(case, file, line, settings)
    d = case.design
    if (d.funding_rate and d.funding_rate_max and isinstance(d.funding_rate.value, (int, float))
            and isinstance(d.funding_rate_max.value, (int, float)) and d.funding_rate_max.value < d.funding_rate.value):
        out.append(Problem(file, "le taux maximal est inférieur au taux de base", case_id=cid,
                           field="design.funding_rate_max", line=line("design", "funding_rate_max"),
                           expected=f"≥ {d.funding_rate.value}", found=str(d.funding_rate_max.value)))
    if catalogue is not None:
        ids = catalogue.criterion_ids
        for crit_id, f in case.scores.items():
            fpath = f"scores.{crit_id}"
            ln = line("scores", crit_id)
            if crit_id not in ids:
                out.append(Problem(file, "critère inconnu" + _suggest(crit_id, ids), case_id=cid, field=fpath,
                                   line=ln, expected="un identifiant de benchmark/criteria.yml", found=short(crit_id)))
                continue
            crit = catalogue.criterion(crit_id)
            if families is not None and case.family in families.ids and f.value is not None \
                    and crit.status_for(case.family, families) == "not_applicable":
                out.append(Problem(file, f"critère non applicable à la famille « {families.label(case.family)} » : "
                                   "retirez cette note", case_id=cid, field=fpath, line=ln,
                                   expected="aucune valeur", found=short(f.value)))
            kind = criterion_value_kind(crit)
            out += check_fact(f, kind, None, file=file, case_id=cid, path=fpath, line=ln, settings=settings,
                              require_source=not ex_ante)
            if crit.type == "ordinal" and f.value is not None and f.confidence not in (None, "coded"):
                out.append(Problem(file, "une note de grille doit être « coded », avec la preuve citée dans note",
                                   case_id=cid, field=fpath + ".confidence", line=ln,
                                   expected="coded", found=short(f.confidence)))
    return out


#: ISO 4217 codes of the currencies in use (a case's amounts are in one of them).
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD
XCG XOF XPF YER ZAR ZMW ZWG
""".split())

#: Fields holding an amount of money, bounded by ``validation.max_amount``.
AMOUNT_FIELDS = ("design.envelope", "design.investment_budget", "design.project_cap", "design.project_min",
                 "outcomes.organisation_cost")


def _num(f):
    if f is None or isinstance(f.value, bool) or not isinstance(f.value, (int, float)):
        return None
    v = f.value
    return v if v == v and v not in (float("inf"), float("-inf")) else None


def _has_formula(text: str | None) -> bool:
    """Two ``$`` in a label: matplotlib would read the text between them as a formula."""
    return bool(text) and text.count("$") >= 2


def check_case_bounds(case: Case, file: str, line, settings: Settings | None) -> list[Problem]:
    """Numbers no real file holds, and checks across fields (each names both fields)."""
    out: list[Problem] = []
    cid = case.id
    max_amount = validation_bound(settings, "max_amount")

    def p(msg, fpath, loc, expected, found):
        out.append(Problem(file, msg, case_id=cid, field=fpath, line=line(*loc), expected=expected, found=found))

    max_len = validation_bound(settings, "max_name_length")
    for name in ("name", "short_name", "territory"):
        text = getattr(case, name)
        if text is None:
            continue
        if len(text) > max_len:
            p("texte trop long pour un nom (réglage validation.max_name_length)", name, (name,),
              f"au plus {max_len} caractères", f"{len(text)} caractères")
        if _has_formula(text):
            p("deux « $ » dans un nom : les graphiques liraient une formule ; écrivez « USD » ou « dollars »",
              name, (name,), "au plus un « $ »", short(text))
    currency = case.design.currency
    if currency not in ISO_4217:
        p("devise inconnue : un code ISO 4217 à trois lettres majuscules est attendu", "design.currency",
          ("design", "currency"), "EUR, USD, GBP, CHF…", short(currency))
    for path in AMOUNT_FIELDS:
        v = _num(case.fact(path))
        if v is not None and v > max_amount:
            p("montant invraisemblable (réglage validation.max_amount de settings.yml)", path + ".value",
              tuple(path.split(".")), f"au plus {max_amount:g}", f"{v:g}")
    years = _num(case.design.envelope_period_years)
    if years is not None:
        max_years = validation_bound(settings, "max_envelope_years")
        if years <= 0 or years > max_years:
            p("période de l'enveloppe invalide : le montant par habitant et par an la divise",
              "design.envelope_period_years.value", ("design", "envelope_period_years"),
              f"un nombre d'années > 0 et ≤ {max_years:g}", f"{years:g}")
    pop = _num(case.population)
    o = case.outcomes
    for name in ("voters_count", "participants"):
        n = _num(getattr(o, name))
        if pop is not None and n is not None and n > pop:
            p(f"incohérence : outcomes.{name} ({n:g}) dépasse population ({pop:g})", f"outcomes.{name}.value",
              ("outcomes", name), f"≤ population ({pop:g})", f"{n:g}")
    delivered, retained = _num(o.projects_delivered), _num(o.projects_retained)
    if delivered is not None and retained is not None and delivered > retained:
        p(f"incohérence : outcomes.projects_delivered ({delivered:g}) dépasse outcomes.projects_retained "
          f"({retained:g})", "outcomes.projects_delivered.value", ("outcomes", "projects_delivered"),
          f"≤ projects_retained ({retained:g})", f"{delivered:g}")
    return out


def check_settings(st: Settings, file: str, doc=None) -> list[Problem]:
    """Checks across fields of settings.yml and the run sizes the machine can hold."""
    out: list[Problem] = []
    vs = st.validation

    def p(msg, loc, expected, found):
        out.append(Problem(file, msg, field=".".join(loc), line=doc.line_of(loc) if doc else None,
                           expected=expected, found=found))

    pm = st.scoring.promethee
    if pm.q > pm.p:
        p("PROMETHEE : le seuil d'indifférence q dépasse le seuil de préférence p (les deux champs "
          "scoring.promethee.q et scoring.promethee.p)", ("scoring", "promethee", "q"), f"q ≤ p ({pm.p:g})",
          f"q = {pm.q:g}")
    ty = st.typology
    if ty.k_min > ty.k_max:
        p("typologie : typology.k_min dépasse typology.k_max", ("typology", "k_min"), f"≤ k_max ({ty.k_max})",
          str(ty.k_min))
    if st.robustness.n_draws > vs.max_n_draws:
        p("trop de tirages : au-delà, la mémoire de la machine (2 cœurs, quelques Go) ne suffit pas "
          "(borne : validation.max_n_draws)", ("robustness", "n_draws"), f"au plus {vs.max_n_draws}",
          str(st.robustness.n_draws))
    if st.robustness.sobol_n > vs.max_sobol_n:
        p("échantillon de Sobol trop grand : au-delà, la mémoire de la machine (2 cœurs, quelques Go) ne suffit "
          "pas (borne : validation.max_sobol_n)", ("robustness", "sobol_n"), f"au plus {vs.max_sobol_n}",
          str(st.robustness.sobol_n))
    if st.robustness.sobol_bootstrap > vs.max_sobol_bootstrap:
        p("trop de rééchantillonnages de Sobol : au-delà, la machine (2 cœurs) y passe des heures "
          "(borne : validation.max_sobol_bootstrap)", ("robustness", "sobol_bootstrap"),
          f"au plus {vs.max_sobol_bootstrap}", str(st.robustness.sobol_bootstrap))
    if st.explorer.n_draws > vs.max_n_draws:
        p("trop de tirages (borne : validation.max_n_draws)", ("explorer", "n_draws"),
          f"au plus {vs.max_n_draws}", str(st.explorer.n_draws))
    return out


def check_report_params(rp: ReportParams, file: str, settings: Settings | None, doc=None) -> list[Problem]:
    """report.yml (or ``--set``): run size bounded by what the machine holds."""
    if settings is None:
        return []
    mx = settings.validation.max_n_draws
    if rp.n_draws > mx:
        return [Problem(file, "trop de tirages : au-delà, la mémoire de la machine (2 cœurs, quelques Go) ne "
                        "suffit pas (borne : validation.max_n_draws de settings.yml)", field="n_draws",
                        line=doc.line_of(("n_draws",)) if doc else None, expected=f"au plus {mx}",
                        found=str(rp.n_draws))]
    return []


def check_templates(data, file: str, doc=None, loc=()) -> list[Problem]:
    """Rule texts are filled with ``str.format``: only plain ``{nom}`` fields are allowed.

    A format spec (``{median:>1000000000}``) would make a gigabyte of text; a conversion or an
    attribute access (``{x!r}``, ``{x.__class__}``) has no place in a French sentence.
    """
    import string

    out: list[Problem] = []
    if isinstance(data, dict):
        for k, v in data.items():
            out += check_templates(v, file, doc, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += check_templates(v, file, doc, loc + (i,))
    elif isinstance(data, str) and "{" in data:
        try:
            fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(data) if f is not None]
        except ValueError as exc:
            fields, bad = [], str(exc)
            out.append(Problem(file, "accolade mal fermée dans un texte à trous", field=".".join(map(str, loc)),
                               line=doc.line_of(loc) if doc else None, expected="{nom}", found=bad))
        for f, spec, conv in fields:
            if spec or conv or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", f):
                whole = "{" + f + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
                out.append(Problem(file, "champ de texte à trous refusé : seul « {nom} » est accepté (pas de format "
                                   "ni de conversion)", field=".".join(map(str, loc)),
                                   line=doc.line_of(loc) if doc else None, expected="{nom}", found=short(whole)))
    return out


# --------------------------------------------------------------------------- catalogue, profiles


def check_catalogue(cat: Catalogue, doc, file: str, families: Families | None, sources: Sources | None) -> list[Problem]:
    out = []

    def p(msg, cid=None, field=None, loc=(), **kw):
        out.append(Problem(file, msg, case_id=cid, field=field, line=doc.line_of(loc) if doc else None, **kw))

    dims = cat.dimension_ids
    for i, d in enumerate(dims):
        if dims.index(d) != i:
            p("identifiant de dimension en double", d, "dimensions", ("dimensions", i))
    seen = set()
    for i, c in enumerate(cat.criteria):
        loc = ("criteria", i)
        if c.id in seen:
            p("identifiant de critère en double", c.id, "id", loc + ("id",))
        seen.add(c.id)
        if c.dimension not in dims:
            p("dimension inconnue" + _suggest(c.dimension, dims), c.id, "dimension", loc + ("dimension",),
              expected=", ".join(dims), found=short(c.dimension))
        if c.type == "ordinal":
            if c.levels is None or sorted(c.levels) != [0, 1, 2, 3, 4]:
                p("une grille ordinale doit décrire les niveaux 0, 1, 2, 3 et 4", c.id, "levels", loc + ("levels",),
                  expected="0 à 4", found=str(sorted(c.levels or {})))
            elif any(not t.strip() for t in c.levels.values()):
                p("texte de niveau vide", c.id, "levels", loc + ("levels",))
        else:
            if c.goalposts is None:
                p("un critère numérique doit avoir des bornes fixes (goalposts)", c.id, "goalposts", loc,
                  expected="[bas, haut]", found="rien")
            elif c.goalposts[0] >= c.goalposts[1]:
                p("bornes dans le mauvais ordre ou égales", c.id, "goalposts", loc + ("goalposts",),
                  expected="bas < haut", found=str(list(c.goalposts)))
            if not c.unit:
                p("un critère numérique doit avoir une unité", c.id, "unit", loc)
        if c.derived_from and c.derived_from not in DERIVABLE:
            p("valeur dérivée inconnue" + _suggest(c.derived_from, DERIVABLE), c.id, "derived_from",
              loc + ("derived_from",), expected=", ".join(sorted(DERIVABLE)), found=short(c.derived_from))
        for fam, app in c.applicability.items():
            if fam not in MAIN_FAMILIES:
                p("famille inconnue dans l'applicabilité" + _suggest(fam, MAIN_FAMILIES), c.id,
                  f"applicability.{fam}", loc + ("applicability", fam), expected=", ".join(MAIN_FAMILIES), found=fam)
            if app.goalposts is not None and app.goalposts[0] >= app.goalposts[1]:
                p("bornes dans le mauvais ordre", c.id, f"applicability.{fam}.goalposts", loc + ("applicability", fam))
            if app.status == "adapted" and not app.note:
                p("une applicabilité « adapted » doit expliquer l'adaptation dans note", c.id,
                  f"applicability.{fam}.note", loc + ("applicability", fam))
        if not c.sources:
            p("au moins une source est requise", c.id, "sources", loc + ("sources",))
        elif sources is not None:
            keys = [s.key for s in sources.sources]
            for k in c.sources:
                if k not in keys:
                    p("clé de source absente de benchmark/sources.yml" + _suggest(k, keys), c.id, "sources",
                      loc + ("sources",), found=k)
    for d in dims:
        if not cat.criteria_of(d):
            p("dimension sans critère", d, "dimensions")
    return out


def check_profile(pr: Profile, doc, file: str, path: Path, cat: Catalogue | None,
                  settings: Settings | None = None) -> list[Problem]:
    out = []

    def p(msg, field=None, loc=(), **kw):
        out.append(Problem(file, msg, case_id=pr.id, field=field, line=doc.line_of(loc) if doc else None, **kw))

    max_weight = validation_bound(settings, "max_weight")
    max_name_length = validation_bound(settings, "max_name_length")
    if path.stem != pr.id:
        p("le nom du fichier ne correspond pas à l'identifiant du profil", "id", ("id",),
          expected=f"{pr.id}.yml", found=path.name)
    ws = pr.dimension_weights
    max_w = max_weight

    def bad_weight(group, k, v) -> bool:
        if v != v or v in (float("inf"), float("-inf")) or abs(v) > max_w:
            p("poids invalide : un nombre fini et raisonnable est attendu (réglage validation.max_weight)",
              f"{group}.{k}", (group, k), expected=f"entre 0 et {max_w:g}", found=str(v))
            return True
        return False

    if any(bad_weight("dimension_weights", k, v) for k, v in list(ws.items())) | \
            any(bad_weight("criterion_weights", k, v) for k, v in list(pr.criterion_weights.items())):
        return out
    for k, v in ws.items():
        if v < 0:
            p("poids négatif", f"dimension_weights.{k}", ("dimension_weights", k), expected="≥ 0", found=str(v))
    for name in ("label_fr", "label_en"):
        text = getattr(pr, name)
        if text is not None and not text.strip():
            p("libellé vide", name, (name,), expected="un libellé", found='""')
        elif text is not None and len(text) > max_name_length:
            p("libellé trop long (réglage validation.max_name_length)", name, (name,),
              expected=f"au plus {max_name_length} caractères", found=f"{len(text)} caractères")
        elif _has_formula(text):
            p("deux « $ » dans un libellé : les graphiques liraient une formule", name, (name,),
              expected="au plus un « $ »", found=short(text))
    if all(v <= 0 for v in ws.values()):
        p("tous les poids sont nuls ou négatifs : au moins une dimension doit compter", "dimension_weights",
          ("dimension_weights",), expected="au moins un poids > 0", found=str(dict(ws)))
    if cat is not None:
        dims = cat.dimension_ids
        for k in ws:
            if k not in dims:
                p("dimension inconnue" + _suggest(k, dims), f"dimension_weights.{k}", ("dimension_weights", k),
                  expected=", ".join(dims), found=k)
        for d in dims:
            if d not in ws:
                p("poids manquant pour une dimension (écrivez 0 pour l'exclure)", f"dimension_weights.{d}",
                  ("dimension_weights",), expected="un nombre ≥ 0", found="rien")
        cids = cat.criterion_ids
        for k, v in pr.criterion_weights.items():
            if k not in cids:
                p("critère inconnu" + _suggest(k, cids), f"criterion_weights.{k}", ("criterion_weights", k), found=k)
            if v < 0:
                p("poids négatif", f"criterion_weights.{k}", ("criterion_weights", k), expected="≥ 0", found=str(v))
        for d in dims:
            crit = cat.criteria_of(d)
            if crit and all(pr.criterion_weight(c.id) <= 0 for c in crit):
                p(f"tous les critères de la dimension « {d} » ont un poids nul", "criterion_weights", ("criterion_weights",))
    return out


# --------------------------------------------------------------------------- whole project


def _check_case_folder(path: Path, cases_root: Path, families: Families | None, file: str, cid: str) -> list[Problem]:
    """A case file lives in ``data/cases/<famille>/``: not directly in data/cases, not in an unknown folder."""
    try:
        parts = path.resolve().relative_to(cases_root).parts
    except ValueError:
        return []  # a file given outside data/cases (checked alone)
    if len(parts) < 2:
        return [Problem(file, "cas placé directement dans data/cases : rangez-le dans le dossier de sa famille",
                        case_id=cid, expected="data/cases/<famille>/" + path.name, found=file)]
    if families is not None and (len(parts) != 2 or parts[0] not in families.ids):
        return [Problem(file, "dossier de famille inconnu : les cas vont dans data/cases/<famille>/"
                        + _suggest(parts[0], families.ids), case_id=cid,
                        expected="un dossier parmi : " + ", ".join(families.ids), found="/".join(parts[:-1]) + "/")]
    return []


