"""The command line, run as the analyst runs it, on a temporary copy of the project."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "benchmark-tools"
DIMS_ORDER = ["ecology", "empowerment", "inclusion", "territory", "accountability", "deliberation", "efficiency"]


@pytest.fixture
def root(tmp_path):
    """A copy of benchmark/ and data/ (the real ones are never written)."""
    r = tmp_path / "proj"
    shutil.copytree(REPO / "benchmark", r / "benchmark")
    shutil.copytree(REPO / "data", r / "data")
    return r


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, BENCHMARK_ROOT=str(root), OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    return subprocess.run([str(CLI), *args], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _no_traceback(proc):
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr


def test_validate_on_the_project(root):
    proc = run(root, "validate")
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    n_files = len(list((root / "data" / "cases").rglob("*.yml")))
    assert f"Tout est valide : {n_files} cas" in proc.stdout


@pytest.mark.slow  # several runs of the command line: make test-slow, CI
def test_new_case_writes_a_template_that_validates_and_never_overwrites(root):
    proc = run(root, "new-case", "--family", "budget_participatif", "--name", "Budget participatif de Testville")
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    path = root / "data" / "cases" / "budget_participatif" / "testville_bp.yml"
    assert path.is_file()
    assert "testville_bp.yml" in proc.stdout
    proc = run(root, "validate", str(path))
    assert proc.returncode == 0, proc.stderr
    # A second call with the same name refuses to overwrite the (possibly filled) file.
    path.write_text(path.read_text(encoding="utf-8") + "# complété à la main\n", encoding="utf-8")
    before = _hashes(root)
    proc = run(root, "new-case", "--family", "budget_participatif", "--name", "Budget participatif de Testville",
               "--id", "testville_bp")
    _no_traceback(proc)
    assert proc.returncode != 0
    assert "existe déjà" in proc.stderr
    assert _hashes(root) == before


def test_show_prints_the_case_with_its_sources(root):
    path = sorted((root / "data" / "cases" / "budget_participatif").glob("*.yml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = [f["source"] for grp in ("design", "outcomes") for f in (data.get(grp) or {}).values()
               if isinstance(f, dict) and f.get("value") is not None and f.get("source")]
    assert sources
    proc = run(root, "show", data["id"])
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert data["name"] in proc.stdout
    assert "source : " in proc.stdout
    for s in sources:
        assert s in proc.stdout


def _roc(n: int) -> np.ndarray:
    """Rank order centroid weights of positions 1..n, written out from the definition."""
    return np.array([sum(1.0 / j for j in range(k, n + 1)) / n for k in range(1, n + 1)])


def test_profile_from_ranking_writes_roc_weights(root):
    catalogue = yaml.safe_load((root / "benchmark" / "criteria.yml").read_text(encoding="utf-8"))
    dims = [d["id"] for d in catalogue["dimensions"]]
    assert sorted(dims) == sorted(DIMS_ORDER)
    proc = run(root, "profile-from-ranking", "mon_profil", " > ".join(DIMS_ORDER), "--label", "Mon profil")
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    path = root / "benchmark" / "profiles" / "mon_profil.yml"
    prof = yaml.safe_load(path.read_text(encoding="utf-8"))
    got = np.array([prof["dimension_weights"][d] for d in DIMS_ORDER])
    np.testing.assert_allclose(got, _roc(len(DIMS_ORDER)), atol=1e-4)
    assert got[0] > got[1] > got[-1]
    assert run(root, "validate", str(path)).returncode == 0


def test_profile_from_ranking_with_ties(root):
    ranking = "ecology > empowerment = inclusion > territory > accountability > deliberation > efficiency"
    proc = run(root, "profile-from-ranking", "ex_aequo", ranking, "--label", "Ex æquo")
    assert proc.returncode == 0, proc.stderr
    prof = yaml.safe_load((root / "benchmark" / "profiles" / "ex_aequo.yml").read_text(encoding="utf-8"))
    w = _roc(7)
    tied = (w[1] + w[2]) / 2
    np.testing.assert_allclose(prof["dimension_weights"]["empowerment"], tied, atol=1e-4)
    np.testing.assert_allclose(prof["dimension_weights"]["inclusion"], tied, atol=1e-4)
    np.testing.assert_allclose(prof["dimension_weights"]["ecology"], w[0], atol=1e-4)


def test_profile_from_ranking_refuses_an_unknown_dimension(root):
    before = _hashes(root)
    bad = " > ".join(["ecologie"] + DIMS_ORDER[1:])
    proc = run(root, "profile-from-ranking", "mauvais", bad, "--label", "Mauvais")
    _no_traceback(proc)
    assert proc.returncode != 0
    assert "dimension inconnue « ecologie »" in proc.stderr
    assert "vouliez-vous dire « ecology »" in proc.stderr
    assert _hashes(root) == before


def test_criteria_markdown_lists_every_criterion(root):
    catalogue = yaml.safe_load((root / "benchmark" / "criteria.yml").read_text(encoding="utf-8"))
    proc = run(root, "criteria", "--format", "markdown")
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    codes = [c["code"] for c in catalogue["criteria"]]
    assert len(codes) > 10
    missing = [c for c in codes if c not in proc.stdout]
    assert not missing


def test_score_writes_a_csv(root, tmp_path):
    out = tmp_path / "x.csv"
    proc = run(root, "score", "--family", "budget_participatif", "--out", str(out))
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    ids = {yaml.safe_load(p.read_text(encoding="utf-8"))["id"]
           for p in (root / "data" / "cases" / "budget_participatif").glob("*.yml")}
    assert len(rows) == len(ids)
    first_column = next(iter(rows[0]))
    assert {r[first_column] for r in rows} == ids  # one row per case of the family, keyed by its id
    assert "score" in rows[0]


@pytest.mark.slow  # three runs of the command line, a workbook each way: make test-slow, CI
def test_export_then_import_dry_run(root, tmp_path):
    book = tmp_path / "cas.xlsx"
    proc = run(root, "export-xlsx", "--out", str(book))
    assert proc.returncode == 0, proc.stderr
    before = _hashes(root)
    proc = run(root, "import-xlsx", str(book), "--dry-run")
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "0 fichier(s) de cas seraient écrits" in proc.stdout
    assert _hashes(root) == before
