"""The services' views: consultation files, their validation, their profiles, and the stability check."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from notekit import SERVICES, make_note_project, write_consultation

from benchmark_tools.consultations import check_under_services, template
from benchmark_tools.errors import ValidationFailed
from benchmark_tools.project import load_consultations, load_project, validate_project
from benchmark_tools.recommend import recommend_all

CLI = Path(sys.executable).parent / "benchmark-tools"
DIMS = SERVICES["Direction des finances"]  # every dimension, once


def _roc(n: int) -> list[Fraction]:
    """Rank order centroid weights of positions 1..n, as exact fractions (Barron & Barrett 1996)."""
    return [sum(Fraction(1, j) for j in range(k, n + 1)) / n for k in range(1, n + 1)]


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    root = make_note_project(tmp_path_factory.mktemp("services"))
    for service, ranking in SERVICES.items():
        write_consultation(root, service, ranking)
    return root


def test_three_services_become_rank_order_profiles(three):
    items = load_consultations(three)
    assert sorted(c.service for c in items) == sorted(SERVICES)
    roc = _roc(7)
    for c in items:
        ranking = SERVICES[c.service]
        for pos, dim in enumerate(ranking):
            # The profile stores weights rounded to 4 decimals (weights.profile_from_ranking).
            assert c.profile.dimension_weights[dim] == pytest.approx(float(roc[pos]), abs=5e-5)
        assert c.profile.elicitation["rule"] == "roc"


def test_each_recommendation_is_checked_under_each_service(three):
    project = load_project(three)
    recs = recommend_all(project)
    before = set(project.profiles)
    check = check_under_services(project, recs, load_consultations(three))
    assert set(project.profiles) == before  # the project's profiles are left as they were
    n_recs = sum(len(rs.recommendations) for rs in recs.sets.values())
    assert len(check.holds) == n_recs > 0
    for by in check.holds.values():
        assert sorted(by) == sorted(SERVICES)
    df = check.to_dataframe()
    assert set(SERVICES) <= set(df.columns) and "Tient pour tous" in df.columns
    # Parameter ranges rest on all cases, not on the leaders: they hold under any profile.
    assert check.holds_everywhere("budget_participatif", "bp_enveloppe") is True


def test_unknown_key_and_bad_values_are_located_and_all_collected(tmp_path):
    root = make_note_project(tmp_path / "p")
    bad = write_consultation(root, "Service A", DIMS, budget=3)
    ranking = dict(zip(DIMS, range(1, 8), strict=True))
    ranking.pop("ecology")
    ranking["ecologie"] = 1
    worse = write_consultation(root, "Service B", DIMS, date="2027-02-30")
    data = yaml.safe_load(worse.read_text(encoding="utf-8"))
    data["ranking"] = ranking
    worse.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        load_consultations(root)
    probs = exc.value.problems
    by_file = {}
    for p in probs:
        by_file.setdefault(p.file, []).append(p)
    a = [p for p in by_file[str(bad.relative_to(root))] if p.field == "budget"]
    assert a and a[0].line == _line_of(bad, "budget:")
    b = by_file[str(worse.relative_to(root))]
    fields = {p.field for p in b}
    assert {"date", "ranking.ecologie", "ranking"} <= fields
    assert next(p for p in b if p.field == "date").line == _line_of(worse, "date:")
    assert next(p for p in b if p.field == "ranking.ecologie").found == "ecologie"
    # validate (make validate) reports them too.
    proj = validate_project(root)
    assert any(p.field == "budget" for p in proj.problems)


@pytest.mark.parametrize("where", ["top", "nested"])
def test_personal_name_field_is_refused(tmp_path, where):
    root = make_note_project(tmp_path / "p")
    if where == "top":
        path = write_consultation(root, "Service C", DIMS, participants=["Jeanne Exemple"])
        key = "participants:"
    else:
        path = write_consultation(root, "Service C", DIMS,
                                  constraints=[{"text": "Plafond", "reference": "CGCT", "nom": "Jean Exemple"}])
        key = "nom:"
    with pytest.raises(ValidationFailed) as exc:
        load_consultations(root)
    [p] = exc.value.problems
    assert "noms de personnes" in p.message
    assert p.line == _line_of(path, key)
    assert p.field.endswith(key[:-1])


def test_cli_writes_a_valid_template_and_never_overwrites(tmp_path):
    root = make_note_project(tmp_path / "p")
    env = dict(os.environ, BENCHMARK_ROOT=str(root), OMP_NUM_THREADS="1")
    args = [str(CLI), "consultation", "new", "Direction des finances", "--date", "2027-01-15"]
    r = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    path = root / "benchmark/consultations/2027-01-15_direction_des_finances.yml"
    assert path.exists()
    [c] = load_consultations(root)
    assert c.service == "Direction des finances" and c.data.date == "2027-01-15"
    r2 = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert r2.returncode == 1 and "existe déjà" in r2.stderr and "Traceback" not in r2.stderr


def test_template_is_yaml_without_name_fields():
    data = yaml.safe_load(template("Service <b>", DIMS, "2027-01-01"))
    assert data["service"] == "Service <b>"
    assert list(data["ranking"]) == DIMS
    assert not {"nom", "name", "participants"} & set(data)


def test_no_consultation_gives_one_sentence(tmp_path):
    from benchmark_tools.note import build_note

    root = make_note_project(tmp_path / "p")
    assert load_consultations(root) == []
    content = build_note(load_project(root), with_chart=False)
    assert content.services_sentence.startswith("Aucune réunion avec les services")
    assert content.services_sentence.count(". ") == 0 and content.services_table is None
