"""Printemps citoyen: the typed files of an edition and their loading, with located French errors.

An edition lives in ``data/printemps/<edition>/``:

- ``edition.yml`` — the settings of the edition (:class:`EditionSettings`): period, deadline, the
  three labelling criteria, themes, formats, the planning targets, where contacts are kept;
- ``propositions/<id>.yml`` — one file per proposal (:class:`Proposal`): holder type, communes (INSEE
  codes), title, description, format, audience, accessibility, free or not, fixed date or window of
  possible dates, place and capacity;
- ``labellisation.yml`` (optional) — the panel's decision and reason per proposal (:class:`PanelSheet`);
- ``bilan.yml`` (optional) — what happened: action held, participants (:class:`ReviewSheet`).

The communes come from ``benchmark/territory/communes_rennes_metropole.yml`` (INSEE codes and
populations, sourced). **No personal data** enters these files: contacts go to the file named by
``contacts_file`` (ignored by git), and :func:`personal_data_problems` refuses an e-mail address or a
phone number in any text of a committed file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr, model_validator

from .errors import Problem
from .modelio import load_model, rel
from .schema import ID_PATTERN, Fact, Strict

COMMUNES_FILE = ("benchmark", "territory", "communes_rennes_metropole.yml")
EDITIONS_DIR = ("data", "printemps")
HOLDER_TYPES = ("habitant", "collectif", "association", "commune", "acteur_public")
HOLDER_LABELS = {"habitant": "habitant·e", "collectif": "collectif d'habitants", "association": "association",
                 "commune": "commune", "acteur_public": "acteur public"}
DECISIONS = ("labellisee", "refusee", "a_revoir")
DECISION_LABELS = {"labellisee": "labellisée", "refusee": "refusée", "a_revoir": "à revoir"}

# An e-mail address, or a French phone number (0X XX XX XX XX, +33 X …), anywhere in a text.
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE_RE = re.compile(r"(?<!\d)(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")


# --------------------------------------------------------------------------- territory


class Commune(Strict):
    insee: str = Field(pattern=r"^\d[\dAB]\d{3}$")
    name: StrictStr
    population: Fact


class CommuneList(Strict):
    id: StrictStr
    epci: dict[str, StrictStr]
    population_total: Fact
    communes: list[Commune]

    def by_code(self) -> dict[str, Commune]:
        return {c.insee: c for c in self.communes}


# --------------------------------------------------------------------------- edition


class Criterion(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: StrictStr
    description: StrictStr


class FormatSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: StrictStr
    participative: StrictBool  # the participants express themselves or act (criterion 1)


class PlanningTargets(Strict):
    weekend_share_min: float = Field(ge=0, le=1)
    max_actions_per_place_per_day: StrictInt = Field(ge=1)
    max_week_share: float = Field(gt=0, le=1)  # no week holds more than this share of the actions
    solver_seconds: float = Field(gt=0, le=600)
    animation_budget_eur: float = Field(ge=0)


class EditionSettings(Strict):
    id: str = Field(pattern=r"^\d{4}$")
    title: StrictStr
    start: dt.date
    end: dt.date
    deadline: dt.date | None = None
    criteria: list[Criterion] = Field(min_length=1)
    themes: list[StrictStr]
    formats: list[FormatSpec] = Field(min_length=1)
    transition_keywords: list[StrictStr] = Field(min_length=1)  # pre-check of criterion 2
    planning: PlanningTargets
    contacts_file: StrictStr
    sources: dict[str, Fact] = Field(default_factory=dict)  # public facts of a real edition

    @model_validator(mode="after")
    def _period(self):
        if self.end < self.start:
            raise ValueError(f"la fin de l'édition ({self.end}) précède son début ({self.start})")
        if not self.contacts_file.endswith(".local.yml") and not self.contacts_file.startswith("~"):
            raise ValueError("contacts_file doit être hors du dépôt (« ~/… ») ou un fichier « *.local.yml », "
                             "ignoré par git : les coordonnées des porteurs n'entrent jamais dans le dépôt")
        return self

    def format_ids(self) -> list[str]:
        return [f.id for f in self.formats]


class Window(Strict):
    start: dt.date
    end: dt.date


class Place(Strict):
    id: str = Field(pattern=ID_PATTERN)  # a shared place has the same id in several proposals
    name: StrictStr
    address: StrictStr | None = None
    capacity: StrictInt | None = Field(default=None, ge=1)


class Proposal(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: StrictStr = Field(min_length=3, max_length=160)
    description: StrictStr = Field(min_length=10, max_length=3000)
    holder_type: Literal["habitant", "collectif", "association", "commune", "acteur_public"]
    holder: str = Field(pattern=ID_PATTERN)  # an identifier, never a person's name
    communes: list[StrictStr] = Field(min_length=1)
    format: StrictStr
    audience: StrictStr
    accessibility: StrictStr | None = None
    free: StrictBool
    date: dt.date | None = None
    window: Window | None = None
    start_time: StrictStr | None = Field(default=None, pattern=r"^([01]\d|2[0-3])[:h][0-5]\d$")
    duration_hours: float = Field(gt=0, le=12)
    place: Place
    themes: list[StrictStr] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind_of_date(self):
        if (self.date is None) == (self.window is None):
            raise ValueError("indiquer soit une date fixe (`date`), soit une fenêtre de dates possibles (`window`), "
                             "pas les deux ni aucune")
        if self.window is not None and self.window.end < self.window.start:
            raise ValueError(f"fenêtre inversée : {self.window.start} → {self.window.end}")
        return self


class Decision(Strict):
    decision: Literal["labellisee", "refusee", "a_revoir"]
    reason: StrictStr = Field(min_length=3)


class PanelSheet(Strict):
    edition: StrictStr
    decisions: dict[str, Decision]


class Outcome(Strict):
    held: StrictBool
    participants: StrictInt | None = Field(default=None, ge=0)
    source: StrictStr


class ReviewSheet(Strict):
    edition: StrictStr
    outcomes: dict[str, Outcome]


# --------------------------------------------------------------------------- loading


@dataclass
class Edition:
    """One edition loaded: settings, proposals, panel decisions and review, with every problem found."""

    root: Path
    folder: Path
    settings: EditionSettings | None
    communes: CommuneList | None
    proposals: list[Proposal] = field(default_factory=list)
    panel: PanelSheet | None = None
    review: ReviewSheet | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def proposal(self, pid: str) -> Proposal:
        return next(p for p in self.proposals if p.id == pid)

    def labelled(self) -> list[Proposal]:
        """The proposals the panel labelled (all of them when no panel sheet exists yet)."""
        if self.panel is None:
            return list(self.proposals)
        return [p for p in self.proposals if (d := self.panel.decisions.get(p.id)) and d.decision == "labellisee"]


def _texts(value, path=""):
    """Every string in a parsed YAML value, with its dotted path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _texts(v, f"{path}[{i}]")


def personal_data_problems(data, file: str, item_id: str | None = None) -> list[Problem]:
    """An e-mail address or a phone number in any text of a committed file is refused."""
    out = []
    for path, text in _texts(data):
        for kind, rx in (("une adresse électronique", EMAIL_RE), ("un numéro de téléphone", PHONE_RE)):
            if rx.search(text):
                out.append(Problem(file, f"{kind} dans un fichier versionné : les coordonnées vont dans le fichier de "
                                         "contacts hors dépôt (contacts_file de edition.yml)",
                                   case_id=item_id, field=path, expected="aucune donnée personnelle",
                                   found=rx.search(text).group(0)[:3] + "…"))
    return out


def load_communes(root: Path) -> tuple[CommuneList | None, list[Problem]]:
    path = root.joinpath(*COMMUNES_FILE)
    obj, _, problems = load_model(path, CommuneList, root)
    if obj is not None:
        codes = [c.insee for c in obj.communes]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            problems.append(Problem(rel(path, root), "code INSEE en double", field="communes",
                                    expected="43 codes distincts", found=", ".join(dup)))
    return obj, problems


def _check_proposal(p: Proposal, settings: EditionSettings, communes: CommuneList | None, file: str) -> list[Problem]:
    out = []

    def bad(fld, msg, expected=None, found=None):
        out.append(Problem(file, msg, case_id=p.id, field=fld, expected=expected, found=found))

    if Path(file).stem != p.id:
        bad("id", "le nom du fichier ne correspond pas à l'identifiant", f"{p.id}.yml", Path(file).name)
    if p.format not in settings.format_ids():
        bad("format", "format inconnu", ", ".join(settings.format_ids()), p.format)
    known = communes.by_code() if communes else {}
    for i, code in enumerate(p.communes):
        if known and code not in known:
            bad(f"communes[{i}]", "commune hors de Rennes Métropole ou code INSEE inconnu",
                "un code INSEE des 43 communes (benchmark/territory/communes_rennes_metropole.yml)", code)
    for what, day in (("date", p.date), ("window.start", p.window and p.window.start),
                      ("window.end", p.window and p.window.end)):
        if day is not None and not settings.start <= day <= settings.end:
            bad(what, "date hors de la période de l'édition", f"entre {settings.start} et {settings.end}", str(day))
    unknown_themes = [t for t in p.themes if t not in settings.themes]
    if unknown_themes:
        bad("themes", "thème inconnu", ", ".join(settings.themes), ", ".join(unknown_themes))
    return out


def edition_folder(root: Path, edition: str) -> Path:
    return root.joinpath(*EDITIONS_DIR, str(edition))


def load_edition(root: Path, edition: str) -> Edition:
    """Load an edition and collect every problem (never stops at the first one)."""
    root = Path(root)
    folder = edition_folder(root, edition)
    problems: list[Problem] = []
    communes, cp = load_communes(root)
    problems += cp
    if not (folder / "edition.yml").exists():
        problems.append(Problem(rel(folder, root), "édition introuvable : pas de fichier edition.yml",
                                expected=f"{rel(folder, root)}/edition.yml",
                                found="créer l'édition avec « benchmark-tools printemps new-edition »"))
        return Edition(root, folder, None, communes, problems=problems)
    settings, doc, sp = load_model(folder / "edition.yml", EditionSettings, root)
    problems += sp
    if doc is not None:
        problems += personal_data_problems(doc.data, rel(folder / "edition.yml", root))
    ed = Edition(root, folder, settings, communes, problems=problems)
    if settings is None:
        return ed
    seen: dict[str, str] = {}
    for path in sorted(p for p in (folder / "propositions").glob("*") if not p.name.startswith(".")):
        file = rel(path, root)
        if path.suffix != ".yml":
            ed.problems.append(Problem(file, "fichier ignoré : une proposition est un fichier .yml", expected="*.yml",
                                       found=path.name))
            continue
        obj, pdoc, pp = load_model(path, Proposal, root)
        ed.problems += pp
        if pdoc is not None:
            ed.problems += personal_data_problems(pdoc.data, file, path.stem)
        if obj is None:
            continue
        if obj.id in seen:
            ed.problems.append(Problem(file, "identifiant déjà utilisé", case_id=obj.id, field="id",
                                       expected="un identifiant unique", found=seen[obj.id]))
            continue
        seen[obj.id] = file
        ed.problems += _check_proposal(obj, settings, communes, file)
        ed.proposals.append(obj)
    for name, model, attr in (("labellisation.yml", PanelSheet, "panel"), ("bilan.yml", ReviewSheet, "review")):
        path = folder / name
        if path.exists():
            obj, sdoc, sp = load_model(path, model, root)
            ed.problems += sp
            if sdoc is not None:
                ed.problems += personal_data_problems(sdoc.data, rel(path, root))
            if obj is not None:
                keys = obj.decisions if attr == "panel" else obj.outcomes
                for pid in keys:
                    if pid not in seen:
                        ed.problems.append(Problem(rel(path, root), "proposition inconnue", field=pid,
                                                   expected="un identifiant de propositions/", found=pid))
                setattr(ed, attr, obj)
    return ed
