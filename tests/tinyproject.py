"""A tiny synthetic project for the notebook and report tests: the real definition (benchmark/)
with a handful of invented cases, coded at random with a fixed seed. Nothing here is about a
real place; the names are invented and the source is example.org."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import yaml

from projectkit import drop_status_quo_designs

REPO = Path(__file__).resolve().parents[1]
SRC = "https://example.org/cas-synthetique"

TOWNS = {
    "budget_participatif": ["Ville-Sentinelle", "Bourg-Témoin", "Cité-Essai", "Port-Modèle", "Val-Exemple"],
    "appel_a_projets": ["Agglo-Sentinelle", "Pays-Témoin", "Métropole-Essai", "Vallée-Exemple"],
    "fonds_de_concours": ["Communauté-Sentinelle", "Métropole-Témoin", "Agglo-Essai", "Pays-Exemple"],
}


def _fact(v, year=2024):
    return {"value": v, "year": year, "source": SRC, "confidence": "documented"}


def make_tiny_project(dest: Path, seed: int = 7) -> Path:
    """Write a tiny project in ``dest`` and return its root."""
    rng = np.random.default_rng(seed)
    root = Path(dest)
    shutil.copytree(REPO / "benchmark", root / "benchmark")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    drop_status_quo_designs(root)
    (root / "pyproject.toml").write_text("# tiny test project\n", encoding="utf-8")
    cat = yaml.safe_load((REPO / "benchmark" / "criteria.yml").read_text(encoding="utf-8"))
    for family, towns in TOWNS.items():
        folder = root / "data" / "cases" / family
        folder.mkdir(parents=True)
        for k, town in enumerate(towns):
            cid = f"{family[:3]}_{k}"
            scores = {}
            for c in cat["criteria"]:
                app = c.get("applicability", {}).get(family, {}).get("status", "applies")
                if c["type"] != "ordinal" or app == "not_applicable" or rng.random() < 0.15:
                    continue
                lvl = int(rng.integers(0, 5))
                scores[c["id"]] = {"value": lvl, "year": 2024, "source": SRC, "confidence": "coded",
                                   "note": f"« règle synthétique » → niveau {lvl}"}
            case = {
                "id": cid, "name": f"Dispositif de {town}", "family": family, "territory": town,
                "country": "FR", "level": "commune" if family == "budget_participatif" else "epci",
                "baseline": k == 0, "edition": "2024",
                "summary": f"Cas synthétique de test ({town}). <script>alert('x')</script>",
                "population": _fact(int(rng.integers(20_000, 500_000))),
                "design": {"envelope": _fact(int(rng.integers(100_000, 5_000_000))),
                           "envelope_period_years": _fact(1),
                           "min_age_vote": _fact(int(rng.integers(0, 18)))},
                "outcomes": {"projects_submitted": _fact(200), "projects_retained": _fact(int(rng.integers(10, 60))),
                             "projects_delivered": _fact(int(rng.integers(0, 10)))},
                "scores": scores,
            }
            (folder / f"{cid}.yml").write_text(yaml.safe_dump(case, allow_unicode=True, sort_keys=False),
                                               encoding="utf-8")
    return root
