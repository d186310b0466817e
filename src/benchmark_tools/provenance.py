"""Provenance of the values: the grade of each cited source, from its domain.

The grade of a source is read from ``benchmark/sources_policy.yml`` (see its header):

- ``primaire`` — the authority's own sites, official journals, open-data portals, INSEE and
  national statistics offices;
- ``presse`` — newspapers, trade press, observatories, research;
- ``secondaire`` — encyclopaedias, blogs, partisan sites, document-sharing copies: allowed only
  with a note on the record saying why no primary source was found;
- ``refuse`` — staging and test hosts, proxies, typosquatted mirrors, betting markets…:
  ``validate`` fails;
- ``citation`` — a source that is not a URL (a bibliographic reference). It cannot be checked
  from its domain, so it is treated like ``secondaire`` (a note is expected). An official
  document (deliberation, official journal) should be cited by its URL, which then grades
  ``primaire``.

Matching rule: the host name, lower-cased, without a leading ``www.`` or a trailing dot, matches
an entry when it equals it or is one of its subdomains; the longest matching entry wins (so a
subdomain can be graded apart from its parent); the ``suffixes`` are tried next; a host matching
nothing takes the ``unlisted`` grade, and ``validate`` warns, naming the domain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import pandas as pd

from .errors import Problem, short
from .schema import POLICY_GRADES, Case, Fact, SourcePolicy
from .vocabulary import DESIGN_FIELDS, IDENTITY_FACTS, OUTCOME_FIELDS

Grade = Literal["primaire", "presse", "secondaire", "refuse", "citation"]

#: Grades in order of quality, best first (used to sort and to pick the weakest of joined sources).
GRADES: tuple[str, ...] = ("primaire", "presse", "secondaire", "citation", "refuse")

#: French labels shown in the case sheet and the report.
GRADE_LABELS = {"primaire": "primaire", "presse": "presse", "secondaire": "secondaire",
                "citation": "référence", "refuse": "refusée"}

POLICY_FILE = "sources_policy.yml"


@dataclass(frozen=True)
class SourceGrade:
    """The grade of one source and how it was found.

    Attributes
    ----------
    grade : str
        One of :data:`GRADES`.
    host : str or None
        The normalised host name (None for a non-URL citation).
    entry : str or None
        The policy entry (domain or suffix) that matched; None when unlisted.
    listed : bool
        False when the host matched no entry (the ``unlisted`` grade was applied).
    """

    grade: str
    host: str | None
    entry: str | None
    listed: bool


def host_of(url: str) -> str | None:
    """The host name of ``url`` as the policy compares it, or None when ``url`` is not an http(s) URL.

    Lower-cased, without a leading ``www.`` nor a trailing dot; port and credentials dropped.
    """
    text = (url or "").strip()
    if not text.lower().startswith(("http://", "https://")):
        return None
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host or None


def _norm_entry(entry: str) -> str:
    e = entry.strip().lower().rstrip(".")
    return e[4:] if e.startswith("www.") else e


def _matches(host: str, entry: str) -> bool:
    return host == entry or host.endswith("." + entry)


def _longest(host: str, lists) -> tuple[str, str] | None:
    """(grade, entry) of the longest entry of ``lists`` matching ``host``, or None."""
    best: tuple[str, str] | None = None
    for g in POLICY_GRADES:
        for raw in getattr(lists, g):
            entry = _norm_entry(raw)
            if entry and _matches(host, entry) and (best is None or len(entry) > len(best[1])):
                best = (g, entry)
    return best


def classify(source: str, policy: SourcePolicy) -> SourceGrade:
    """The grade of one source (a URL or a citation) under ``policy``."""
    host = host_of(source)
    if host is None:
        return SourceGrade("citation", None, None, True)
    hit = _longest(host, policy.domains) or _longest(host, policy.suffixes)
    if hit is None:
        return SourceGrade(policy.unlisted, host, None, False)
    return SourceGrade(hit[0], host, hit[1], True)


def grade(url: str, policy: SourcePolicy) -> Grade:
    """The grade of a source: ``primaire``, ``presse``, ``secondaire``, ``refuse`` or ``citation``.

    Parameters
    ----------
    url : str
        A URL as stored in a case file, or a citation (then ``citation``).
    policy : SourcePolicy
        The project's ``benchmark/sources_policy.yml`` (``project.source_policy``).
    """
    return classify(url, policy).grade  # type: ignore[return-value]


def split_sources(source: str | None) -> list[str]:
    """The sources of a record: a derived value joins its inputs' sources with « ; »."""
    return [s.strip() for s in (source or "").split(" ; ") if s.strip()]


def grade_of_fact(f: Fact, policy: SourcePolicy) -> str | None:
    """The weakest grade among a record's sources, or None when it has none."""
    grades = [classify(s, policy).grade for s in split_sources(f.source)]
    return max(grades, key=GRADES.index) if grades else None


def grade_text(source: str | None, policy: SourcePolicy | None) -> str:
    """The French label(s) of a record's source(s): « primaire », « primaire ; presse »."""
    if policy is None:
        return ""
    return " ; ".join(GRADE_LABELS[classify(s, policy).grade] for s in split_sources(source))


def case_records(case: Case) -> Iterator[tuple[str, Fact]]:
    """Every sourced record of a case, with its field path (alternatives included)."""
    paths = list(IDENTITY_FACTS) + [f"design.{n}" for n in DESIGN_FIELDS] + \
        [f"outcomes.{n}" for n in OUTCOME_FIELDS]
    items = [(p, case.fact(p)) for p in paths] + [(f"scores.{k}", f) for k, f in case.scores.items()]
    for path, f in items:
        if f is None or f.value is None:
            continue
        yield path, f
        for i, alt in enumerate(f.alternatives):
            if alt.value is not None:
                yield f"{path}.alternatives[{i}]", alt


def primary_share(case: Case, policy: SourcePolicy) -> float:
    """Share of the case's sourced records (alternatives left out) whose source is ``primaire``.

    NaN when the case has no sourced record.
    """
    grades = [grade_of_fact(f, policy) for p, f in case_records(case) if ".alternatives[" not in p]
    grades = [g for g in grades if g is not None]
    return float("nan") if not grades else sum(g == "primaire" for g in grades) / len(grades)


def sources_table(cases: list[Case], policy: SourcePolicy) -> pd.DataFrame:
    """One row per cited source of every record: case, field, source, host, grade, note present.

    Useful in a notebook (``sources_table(proj.cases, proj.source_policy)``) to list the refused,
    unlisted or unannotated secondary sources.
    """
    rows = []
    for case in cases:
        for path, f in case_records(case):
            for s in split_sources(f.source):
                g = classify(s, policy)
                rows.append({"case_id": case.id, "field": path, "source": s, "host": g.host,
                             "grade": g.grade, "listed": g.listed, "has_note": bool((f.note or "").strip())})
    return pd.DataFrame(rows, columns=["case_id", "field", "source", "host", "grade", "listed", "has_note"])


def check_sources(cases: list[Case], case_files: dict[str, str], policy: SourcePolicy) -> list[Problem]:
    """Problems of the cited sources under the policy, all collected.

    - an error for each record citing a ``refuse`` source (file, case, field, host);
    - a warning for each ``secondaire`` (or non-URL ``citation``) source on a record without a note;
    - a warning for each unlisted domain, once per domain, with the number of records citing it
      and the first of them.

    Parameters
    ----------
    cases : list of Case
    case_files : dict
        Case id → file path shown in messages.
    policy : SourcePolicy
    """
    out: list[Problem] = []
    unlisted: dict[str, list[tuple[str, str, str]]] = {}
    for case in cases:
        file = str(case_files.get(case.id, f"{case.id}.yml"))
        for path, f in case_records(case):
            for s in split_sources(f.source):
                g = classify(s, policy)
                field = f"{path}.source"
                if g.grade == "refuse":
                    out.append(Problem(file, f"source refusée par benchmark/{POLICY_FILE} (hôte « {g.host} ») : "
                                       "remplacez-la par une source primaire, ou laissez la valeur vide",
                                       case_id=case.id, field=field,
                                       expected="une source primaire, de presse ou secondaire annotée",
                                       found=short(s)))
                elif g.listed and g.grade in ("secondaire", "citation") and not (f.note or "").strip():
                    # (an unlisted host gets one warning per domain below, not one per record)
                    what = "source secondaire" if g.grade == "secondaire" else "référence sans URL"
                    out.append(Problem(file, f"{what} sans note : dites dans « note » pourquoi aucune source "
                                       "primaire n'a été trouvée", case_id=case.id, field=f"{path}.note",
                                       expected="une note", found=short(s), severity="warning"))
                if not g.listed:
                    unlisted.setdefault(g.host, []).append((file, case.id, field))
    for host, where in sorted(unlisted.items()):
        file, cid, field = where[0]
        out.append(Problem(file, f"domaine non classé « {host} » ({len(where)} enregistrement(s)) : ajoutez-le "
                           f"à benchmark/{POLICY_FILE} dans la bonne catégorie (catégorie retenue d'ici là : "
                           f"{policy.unlisted})", case_id=cid, field=field,
                           expected="un domaine listé", found=host, severity="warning"))
    return out


def check_policy(policy: SourcePolicy, file: str) -> list[Problem]:
    """A domain listed under two grades is ambiguous: an error naming both."""
    out = []
    for section in ("domains", "suffixes"):
        seen: dict[str, str] = {}
        lists = getattr(policy, section)
        for g in POLICY_GRADES:
            for raw in getattr(lists, g):
                e = _norm_entry(raw)
                if e in seen and seen[e] != g:
                    out.append(Problem(file, f"domaine classé deux fois (« {seen[e]} » et « {g} »)",
                                       field=f"{section}.{g}", expected="une seule catégorie", found=e))
                seen.setdefault(e, g)
    return out


