"""Test helpers: a throw-away copy of the project definition and valid case dictionaries."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]

URL = "https://example.org/page-publique-du-dispositif"

VALID_CASE = {
    "id": "ville_test_bp",
    "name": "Budget participatif de Ville-Test",
    "family": "budget_participatif",
    "territory": "Ville-Test",
    "country": "FR",
    "level": "commune",
    "summary": "Un cas synthétique pour les tests.",
    "population": {"value": 100000, "year": 2020, "source": URL, "confidence": "documented"},
    "design": {
        "envelope": {"value": 1000000, "year": 2020, "source": URL, "confidence": "documented"},
        "envelope_period_years": {"value": 1, "year": 2020, "source": URL, "confidence": "documented"},
        "min_age_vote": {"value": 16, "year": 2020, "source": URL, "confidence": "documented"},
        "voting_channels": {"value": ["en_ligne", "urne"], "year": 2020, "source": URL, "confidence": "documented"},
    },
    "outcomes": {
        "voters_count": {"value": 5000, "year": 2020, "source": URL, "confidence": "documented"},
        "projects_submitted": {"value": 200, "year": 2020, "source": URL, "confidence": "documented"},
        "projects_retained": {"value": 30, "year": 2020, "source": URL, "confidence": "documented"},
        "projects_delivered": {"value": 15, "year": 2022, "source": URL, "confidence": "documented"},
    },
    "scores": {
        "decision_power": {"value": 3, "year": 2020, "source": URL, "confidence": "coded",
                           "note": "« le vote des habitants est contraignant » → niveau 3"},
    },
}


def valid_case(**changes) -> dict:
    d = copy.deepcopy(VALID_CASE)
    d.update(changes)
    return d


def make_project(tmp_path: Path, with_cases: bool = False) -> Path:
    """A copy of the project's benchmark/ definition in ``tmp_path`` with an empty data/cases."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "benchmark", root / "benchmark")
    (root / "data" / "cases").mkdir(parents=True)
    if with_cases:
        shutil.copytree(REPO / "data" / "cases", root / "data" / "cases", dirs_exist_ok=True)
    else:
        drop_status_quo_designs(root)
    return root


def drop_status_quo_designs(root: Path) -> None:
    """Remove the status-quo designs of a project copy that has no real cases.

    A status quo reads the real Rennes case it names (``status_quo_of``): without that case it
    cannot load.
    """
    for f in (root / "benchmark" / "designs").glob("*.yml"):
        if "status_quo_of" in f.read_text(encoding="utf-8"):
            f.unlink()


def write_case(root: Path, data: dict, family: str | None = None, name: str | None = None) -> Path:
    fam = family or data.get("family", "budget_participatif")
    path = root / "data" / "cases" / fam / f"{name or data.get('id', 'x')}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
