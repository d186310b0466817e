"""A tiny synthetic project prepared for the note, sizing and consultation tests.

Built on :func:`tinyproject.make_tiny_project` (invented cases, example.org sources); each case
also gets a cap per project, and the ``min_n`` of the rules is lowered so that the numeric
préconisations (envelope per inhabitant, cap per project) are emitted with five cases.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tinyproject import make_tiny_project

CAPS = [20_000, 50_000, 80_000, 150_000, 300_000]

SERVICES = {
    "Direction des finances": ["efficiency", "accountability", "territory", "empowerment", "inclusion",
                               "deliberation", "ecology"],
    "Direction de la transition écologique": ["ecology", "empowerment", "inclusion", "territory", "accountability",
                                              "deliberation", "efficiency"],
    "Direction des relations aux communes": ["territory", "efficiency", "accountability", "inclusion", "ecology",
                                             "empowerment", "deliberation"],
}


def make_note_project(dest: Path, population: int | None = None) -> Path:
    root = make_tiny_project(dest)
    for folder in (root / "data" / "cases").iterdir():
        for k, path in enumerate(sorted(folder.glob("*.yml"))):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            data["design"]["project_cap"] = {"value": CAPS[k % len(CAPS)], "year": 2024,
                                             "source": "https://example.org/cas-synthetique",
                                             "confidence": "documented"}
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rules = root / "benchmark" / "recommendations.yml"
    rules.write_text(re.sub(r"min_n: \d+", "min_n: 2", rules.read_text(encoding="utf-8")), encoding="utf-8")
    if population is not None:
        set_population(root, population)
    return root


def set_population(root: Path, population: int) -> None:
    """Change the territory's population (the only edit of the territory file in the tests)."""
    path = root / "benchmark" / "territory" / "rennes_metropole.yml"
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(r"(\n  population:\n    value: )\d+", rf"\g<1>{population}", text, count=1)
    assert n == 1, "population fact not found in the territory file"
    path.write_text(new, encoding="utf-8")


def write_consultation(root: Path, service: str, ranking: list[str], date: str = "2027-01-15", **extra) -> Path:
    data = {"service": service, "date": date, "roles_present": ["direction", "chargé de mission"],
            "ranking": {d: i for i, d in enumerate(ranking, start=1)},
            "constraints": [{"text": f"Contrainte de {service}", "reference": "CGCT L.5215-26"}],
            "open_questions": [f"Question de {service} ?"]}
    data.update(extra)
    folder = root / "benchmark" / "consultations"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{date}_{abs(hash(service)) % 10_000}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
