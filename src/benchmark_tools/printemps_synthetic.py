"""A synthetic Printemps citoyen edition, for tests and benches (never presented as real).

Like SALib's analytic test problems, it ships with the package so that tests and ``make bench`` use the
same generator. :func:`write_synthetic_edition` writes ``data/printemps/<edition>/`` in a project copy:
an ``edition.yml`` and ``n`` proposals spread over the 43 real communes (their INSEE codes come from
``benchmark/territory/communes_rennes_metropole.yml``), with fixed dates and windows, shared places,
holders with several actions — every title says « (synthétique) ».
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import yaml

from .printemps_model import COMMUNES_FILE, edition_folder

FORMATS = [("atelier", "Atelier", True), ("balade", "Balade commentée", True), ("chantier", "Chantier participatif", True),
           ("conference_debat", "Conférence-débat", True), ("fresque", "Fresque (climat, biodiversité…)", True),
           ("projection", "Projection", False), ("visite", "Visite", False), ("jeu", "Jeu", True)]
THEMES = ["alimentation", "biodiversité", "énergie", "mobilités", "déchets et réemploi", "démocratie locale"]
KEYWORDS = ["climat", "transition", "biodiversité", "énergie", "réemploi", "vélo", "jardin", "alimentation",
            "déchets", "eau", "citoyen", "démocratie"]
HOLDERS = ["habitant", "collectif", "association", "commune", "acteur_public"]


def edition_settings(edition: str = "2099", start=dt.date(2099, 4, 20), end=dt.date(2099, 6, 21)) -> dict:
    return {
        "id": edition, "title": f"Printemps citoyen {edition} (édition synthétique de test)",
        "start": start.isoformat(), "end": end.isoformat(), "deadline": (start - dt.timedelta(days=70)).isoformat(),
        "criteria": [
            {"id": "expression", "label": "S'exprimer ou faire", "description": "Les participants s'expriment ou agissent."},
            {"id": "transitions", "label": "Lien avec les transitions", "description": "L'action traite des transitions."},
            {"id": "gratuite", "label": "Gratuit et accessible", "description": "L'action est gratuite et accessible."}],
        "themes": THEMES,
        "formats": [{"id": i, "label": lab, "participative": part} for i, lab, part in FORMATS],
        "transition_keywords": KEYWORDS,
        "planning": {"weekend_share_min": 0.35, "max_actions_per_place_per_day": 1, "max_week_share": 0.2,
                     "solver_seconds": 20, "animation_budget_eur": 3000},
        "contacts_file": f"data/printemps/{edition}/contacts.local.yml",
    }


def write_synthetic_edition(root: Path, n: int = 150, seed: int = 20261204, edition: str = "2099",
                            fixed_share: float = 0.3) -> Path:
    """Write a synthetic edition of ``n`` proposals into the project at ``root``; return its folder."""
    rng = np.random.default_rng(seed)
    communes = [c["insee"] for c in yaml.safe_load(root.joinpath(*COMMUNES_FILE).read_text(encoding="utf-8"))["communes"]]
    folder = edition_folder(root, edition)
    (folder / "propositions").mkdir(parents=True, exist_ok=True)
    s = edition_settings(edition)
    (folder / "edition.yml").write_text(yaml.safe_dump(s, allow_unicode=True, sort_keys=False), encoding="utf-8")
    start, end = dt.date.fromisoformat(s["start"]), dt.date.fromisoformat(s["end"])
    span = (end - start).days
    n_holders = max(1, n // 3)
    places = [f"lieu_{i:03d}" for i in range(max(1, n // 4))]
    for i in range(n):
        code = communes[i % len(communes)] if i < len(communes) else communes[int(rng.integers(len(communes)))]
        fmt = FORMATS[int(rng.integers(len(FORMATS)))][0]
        first = start + dt.timedelta(days=int(rng.integers(0, span - 14)))
        p = {
            "id": f"action_{i:03d}", "title": f"Action {i} : {THEMES[i % len(THEMES)]} (synthétique)",
            "description": f"Action synthétique de test sur {KEYWORDS[i % len(KEYWORDS)]}, pour le programme.",
            "holder_type": HOLDERS[i % len(HOLDERS)], "holder": f"porteur_{int(rng.integers(n_holders)):03d}",
            "communes": [code], "format": fmt, "audience": "tout public",
            "accessibility": "accessible aux personnes en fauteuil" if rng.random() < 0.8 else None,
            "free": bool(rng.random() < 0.9), "start_time": f"{int(rng.integers(9, 19)):02d}:00",
            "duration_hours": float(rng.choice([1.0, 1.5, 2.0, 3.0])),
            "place": {"id": places[int(rng.integers(len(places)))], "name": f"Salle synthétique {i % 40}",
                      "address": f"{i} rue de l'Exemple", "capacity": int(rng.integers(15, 120))},
            "themes": [THEMES[i % len(THEMES)]],
        }
        if rng.random() < fixed_share:
            p["date"] = first.isoformat()
        else:
            p["window"] = {"start": first.isoformat(), "end": (first + dt.timedelta(days=int(rng.integers(3, 15)))).isoformat()}
        if p["accessibility"] is None:
            del p["accessibility"]
        (folder / "propositions" / f"{p['id']}.yml").write_text(yaml.safe_dump(p, allow_unicode=True, sort_keys=False),
                                                                 encoding="utf-8")
    return folder
