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
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .project import CONSULTATIONS_FOLDER, find_root, load_catalogue
from .recommend import recommend
from .schema_rules import LoadedConsultation
from .textutil import slug
from .yamlio import dump_yaml

#: Keys that would hold personal names: refused wherever they appear, with a dedicated message.


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
    root = Path(root) if root else find_root()
    if not service.strip():
        raise InputError("nom du service vide : indiquez le service rencontré (par exemple « Direction des finances »).")
    dim_ids = [d.id for d in load_catalogue(root).dimensions]
    text = template(service.strip(), dim_ids, date)
    day = date or _dt.date.today().isoformat()
    path = root.joinpath(*CONSULTATIONS_FOLDER) / f"{day}_{slug(service, default='service')}.yml"
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
