"""The services' views: one YAML file per meeting in ``benchmark/consultations/``.

A file records a meeting with one service of the Métropole: the service, the date, the
**roles** present (never personal names: a field meant for names is refused), their ranking of
the seven dimensions, the constraints they raised (each with a reference: a legal article, a
budget calendar, a deliberation…) and the questions they left open.

The ranking becomes a weighting profile through the rank-order rule of
:mod:`benchmark_tools.weights` (rank order centroid by default). For each préconisation, the
report then says whether it is still emitted when the leaders are identified under each
service's profile instead of the report's profile.

Files are validated like every other YAML of the project: unknown keys are errors, and each
error names the file, the field, the line, what was expected and what was found.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, StrictInt, StrictStr

from .config import find_root, load_model, rel
from .errors import InputError, Problem, ValidationFailed
from .schema import Profile, Strict
from .weights import profile_from_ranking
from .yamlio import dump_yaml

FOLDER = ("benchmark", "consultations")

#: Keys that would hold personal names: refused wherever they appear, with a dedicated message.
PERSONAL_KEYS = {"nom", "noms", "name", "names", "prenom", "prénom", "prenoms", "prénoms", "participants",
                 "personnes", "people", "persons", "attendees", "presents", "présents", "contact", "contacts",
                 "email", "emails", "courriel", "telephone", "téléphone", "interlocuteur", "interlocuteurs"}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
    file: str
    data: Consultation
    profile: Profile

    @property
    def service(self) -> str:
        return self.data.service


def _slug(text: str) -> str:
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_") or "service"


def _personal_keys(data, path="", loc=()) -> list[tuple[str, tuple]]:
    """(dotted path, location) of every key meant for a personal name, at any depth."""
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            p = f"{path}.{k}" if path else str(k)
            if str(k).strip().lower() in PERSONAL_KEYS:
                out.append((p, loc + (k,)))
            out += _personal_keys(v, p, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _personal_keys(v, f"{path}[{i}]", loc + (i,))
    return out


def _check(obj: Consultation, file: str, doc, dim_ids: list[str]) -> list[Problem]:
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


def load_consultation(path: Path, root: Path, dim_ids: list[str]) -> tuple[LoadedConsultation | None, list[Problem]]:
    """Read and check one consultation file; (None, problems) when it is invalid."""
    file = rel(path, root)
    from .yamlio import read_yaml

    doc, problems = read_yaml(path, file)
    if doc is None:
        return None, problems
    personal = _personal_keys(doc.data)
    if personal:
        return None, problems + [
            Problem(file, "les noms de personnes ne sont pas enregistrés (données personnelles) : indiquez seulement "
                    "les fonctions dans « roles_present »", field=p, line=doc.line_of(loc),
                    expected="aucun champ de nom", found=str(loc[-1])) for p, loc in personal]
    obj, doc, problems = load_model(path, Consultation, root)
    if obj is None:
        return None, problems
    problems += _check(obj, file, doc, dim_ids)
    if [p for p in problems if p.severity == "error"]:
        return None, problems
    pid = "consultation_" + _slug(obj.service)
    data = profile_from_ranking(pid, f"Classement du service : {obj.service}", dict(obj.ranking), obj.rule,
                                viewpoint=f"{obj.service} (réunion du {obj.date})",
                                rationale="Classement des dimensions donné en réunion.", dimension_ids=dim_ids)
    return LoadedConsultation(file, obj, Profile.model_validate(data)), problems


def load_consultations(root: Path | str | None = None, dim_ids: list[str] | None = None) -> list[LoadedConsultation]:
    """Every consultation of ``benchmark/consultations/*.yml``, sorted by date then service.

    Raises
    ------
    ValidationFailed
        With every problem of every file (all collected).
    """
    root = Path(root) if root else find_root()
    if dim_ids is None:
        from .config import load_catalogue

        dim_ids = [d.id for d in load_catalogue(root).dimensions]
    folder = root.joinpath(*FOLDER)
    out, problems = [], []
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        item, probs = load_consultation(path, root, dim_ids)
        problems += probs
        if item is not None:
            out.append(item)
    if [p for p in problems if p.severity == "error"]:
        raise ValidationFailed(problems)
    services = [c.profile.id for c in out]
    dup = sorted({s for s in services if services.count(s) > 1})
    # Two meetings with the same service keep their own profile (suffix by date).
    if dup:
        out = [LoadedConsultation(c.file, c.data, c.profile.model_copy(
            update={"id": f"{c.profile.id}_{c.data.date.replace('-', '')}"})) if c.profile.id in dup else c
            for c in out]
    return sorted(out, key=lambda c: (c.data.date, c.data.service))


def template(service: str, dim_ids: list[str], date: str | None = None) -> str:
    """The YAML template of a new consultation (written with the project's YAML emitter)."""
    data = {
        "service": service,
        "date": date or _dt.date.today().isoformat(),
        "roles_present": ["fonction de la première personne présente (pas de nom)", "autre fonction"],
        "ranking": {d: i for i, d in enumerate(dim_ids, start=1)},
        "rule": "roc",
        "constraints": [{"text": "contrainte évoquée par le service",
                         "reference": "article de loi, délibération ou calendrier budgétaire"}],
        "open_questions": ["question laissée ouverte par le service"],
    }
    head = ("# Réunion avec un service de la Métropole : complétez puis lancez « make validate ».\n"
            "# Pas de nom de personne : seulement les fonctions. Classement : 1 = dimension la plus importante\n"
            "# (ex aequo permis). rule : roc (centroïde des rangs) ou rank_sum (somme des rangs).\n")
    return head + dump_yaml(data)


def new_consultation(service: str, root: Path | str | None = None, date: str | None = None) -> Path:
    """Write ``benchmark/consultations/<date>_<service>.yml`` from the template; never overwrite."""
    from .config import load_catalogue

    root = Path(root) if root else find_root()
    if not service.strip():
        raise InputError("nom du service vide : indiquez le service rencontré (par exemple « Direction des finances »).")
    dim_ids = [d.id for d in load_catalogue(root).dimensions]
    text = template(service.strip(), dim_ids, date)
    day = date or _dt.date.today().isoformat()
    path = root.joinpath(*FOLDER) / f"{day}_{_slug(service)}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as fh:
        fh.write(text)
    return path


# --------------------------------------------------------------------------- stability of préconisations


@dataclass
class ServiceCheck:
    """Whether each préconisation holds under each service's profile."""

    consultations: list[LoadedConsultation]
    holds: dict[tuple[str, str], dict[str, bool]]  # (family, rec id) -> {service: emitted?}
    titles: dict[tuple[str, str], str]

    def holds_everywhere(self, family: str, rec_id: str) -> bool | None:
        h = self.holds.get((family, rec_id))
        return None if not h else all(h.values())

    def to_dataframe(self):
        import pandas as pd

        rows = []
        for (fam, rid), by in self.holds.items():
            row = {"Famille": fam, "Préconisation": self.titles[(fam, rid)]}
            row.update({s: ("oui" if v else "non") for s, v in by.items()})
            row["Tient pour tous"] = "oui" if all(by.values()) else "non"
            rows.append(row)
        return pd.DataFrame(rows)


def check_under_services(project, recommendations, consultations: list[LoadedConsultation], params=None) -> ServiceCheck:
    """Re-run the recommendations of each family under each service's profile.

    The profiles are added to a copy of the project's profile table only for this check; the
    report's own recommendations are not changed.
    """
    from .recommend import recommend

    holds: dict[tuple[str, str], dict[str, bool]] = {}
    titles = {}
    for fam, rs in recommendations.sets.items():
        for r in rs.recommendations:
            holds[(fam, r.id)] = {}
            titles[(fam, r.id)] = r.title
    if not consultations:
        return ServiceCheck([], holds, titles)
    saved = project.profiles
    try:
        project.profiles = dict(saved)
        for c in consultations:
            project.profiles[c.profile.id] = c.profile
        base = params.model_dump() if hasattr(params, "model_dump") else dict(params or {})
        for c in consultations:
            for fam, rs in recommendations.sets.items():
                p = dict(base)
                p["profile"] = c.profile.id
                emitted = {r.id for r in recommend(project, fam, p).recommendations}
                for r in rs.recommendations:
                    holds[(fam, r.id)][c.service] = r.id in emitted
    finally:
        project.profiles = saved
    return ServiceCheck(consultations, holds, titles)
