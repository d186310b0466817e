"""Faults (issue 18, items 7 and 11): a report or an import killed part-way, two reports at once,
a full disk. The steps that take time (notebooks, rendering) are replaced by controllable stubs,
so the run is killed at a known point; a subprocess is used only where a signal is sent."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchmark_tools import report_run as report
from benchmark_tools.cli import app
from benchmark_tools.errors import InputError
from projectkit import make_project, valid_case, write_case

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"

REPORT_SCRIPT = r"""
import os, signal, sys, time
from pathlib import Path
from benchmark_tools import report_run as report
import benchmark_tools.pipeline as pipeline

root, mode, gate = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])

def fake_execute(src, out_dir, params, root, **kw):
    (out_dir / "moitie.txt").write_text("écrit à moitié")
    if mode == "wait":
        gate.with_suffix(".started").write_text("1")
        while not gate.exists():
            time.sleep(0.05)
        return report.NotebookRun(src.name, 0.0, out_dir / "x.ipynb")
    os.kill(os.getpid(), getattr(signal, mode))
    time.sleep(60)

report.execute_notebook = fake_execute
report.write_explorer_page = lambda *a, **k: None
pipeline.write_scores = lambda *a, **k: []
report.run_report([], root=root, reports_dir=root / "reports", notebooks=[root / "notebooks" / "00_essai.py"])
"""


@pytest.fixture
def proj(tmp_path):
    """A synthetic project with one good run in reports/ (latest → runs/bon)."""
    root = make_project(tmp_path)
    write_case(root, valid_case())
    (root / "notebooks").mkdir()
    (root / "notebooks" / "00_essai.py").write_text("# %%\nx = 1\n", encoding="utf-8")
    good = root / "reports" / "runs" / "bon"
    good.mkdir(parents=True)
    (good / "preconisations.html").write_text("<p>bon</p>", encoding="utf-8")
    report._switch_latest(root / "reports", good)
    return root


def _env():
    return dict(os.environ, PYTHONPATH=str(SRC), OMP_NUM_THREADS="1", MPLBACKEND="Agg")


def _runs(root):
    return sorted(p.name for p in (root / "reports" / "runs").iterdir())


def _latest(root):
    return (root / "reports" / "latest").resolve().name


@pytest.fixture
def stubs(monkeypatch):
    """In-process stubs for the slow steps; ``stubs.fail`` makes the notebook step raise."""
    import benchmark_tools.pipeline as pipeline

    class S:
        fail = None

    def fake_execute(src, out_dir, params, root, **kw):
        (out_dir / "moitie.txt").write_text("écrit")
        if S.fail is not None:
            raise S.fail
        return report.NotebookRun(src.name, 0.0, out_dir / "x.ipynb")

    monkeypatch.setattr(report, "execute_notebook", fake_execute)
    monkeypatch.setattr(report, "write_explorer_page", lambda *a, **k: None)
    monkeypatch.setattr(pipeline, "write_scores", lambda *a, **k: [])
    return S


def _run_in_process(root):
    return report.run_report([], root=root, reports_dir=root / "reports",
                             notebooks=[root / "notebooks" / "00_essai.py"], echo=lambda *a: None)


def _kill_run(root, mode):
    return subprocess.run([sys.executable, "-c", REPORT_SCRIPT, str(root), mode, str(root / "gate")],
                          env=_env(), capture_output=True, text=True, timeout=120)


def test_sigterm_marks_the_run_failed_and_keeps_latest(proj):
    proc = _kill_run(proj, "SIGTERM")
    assert proc.returncode != 0
    assert _latest(proj) == "bon"
    runs = _runs(proj)
    assert not [r for r in runs if r.endswith(".partial")], runs
    assert len([r for r in runs if r.endswith(".failed")]) == 1, runs


def test_sigkill_leaves_latest_and_the_next_run_cleans_the_partial(proj, stubs):
    proc = _kill_run(proj, "SIGKILL")
    assert proc.returncode == -signal.SIGKILL
    assert _latest(proj) == "bon"
    partial = [r for r in _runs(proj) if r.endswith(".partial")]
    assert len(partial) == 1  # what a killed process leaves; the next start deals with it
    final = _run_in_process(proj)
    runs = _runs(proj)
    assert not [r for r in runs if r.endswith(".partial")], runs
    assert partial[0].replace(".partial", ".failed") in runs
    assert _latest(proj) == final.name and (final / "parametres.yml").is_file()


def test_two_reports_at_once_cannot_leave_latest_half_written(proj, stubs):
    gate = proj / "gate"
    first = subprocess.Popen([sys.executable, "-c", REPORT_SCRIPT, str(proj), "wait", str(gate)], env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = gate.with_suffix(".started")
        for _ in range(1200):
            if started.exists() or first.poll() is not None:
                break
            time.sleep(0.05)
        assert started.exists(), first.communicate()
        with pytest.raises(InputError, match="un autre rapport est déjà en cours"):
            _run_in_process(proj)
        assert _latest(proj) == "bon"
        gate.write_text("go")
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            first.kill()
    latest = proj / "reports" / "latest"
    assert not latest.resolve().name.endswith((".partial", ".failed"))
    assert (latest / "parametres.yml").is_file() and (latest / "moitie.txt").is_file()


def test_full_disk_names_the_path_and_removes_the_run_folder(proj, stubs):
    stubs.fail = OSError(errno.ENOSPC, "No space left on device")  # a write() error carries no path
    res = CliRunner().invoke(app, ["report"], env={"BENCHMARK_ROOT": str(proj)})
    assert res.exit_code == 1
    out = res.output
    assert "disque plein" in out and "«  »" not in out
    assert str(proj / "reports" / "runs") in out
    assert _runs(proj) == ["bon"] and _latest(proj) == "bon"


def test_oserror_without_path_is_named_by_the_cli(proj, monkeypatch):
    def boom(*a, **k):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("benchmark_tools.cli.run_report", boom)
    res = CliRunner().invoke(app, ["report"], env={"BENCHMARK_ROOT": str(proj)})
    assert res.exit_code == 1 and "«  »" not in res.output and "Input/output error" in res.output


# --------------------------------------------------------------------------- import-xlsx killed

IMPORT_SCRIPT = r"""
import os, signal, sys
from pathlib import Path
from benchmark_tools.project import load_project
from benchmark_tools.workbook import import_workbook

root, when = Path(sys.argv[1]), sys.argv[2]
project = load_project(root)
real_replace, count = os.replace, [0]

def replace(src, dst):
    # « temps »: killed while the temporaries are written; « rename »: during the renames.
    hit = str(dst).endswith(".import.tmp") if when == "temps" else str(dst).endswith(".yml")
    if hit:
        count[0] += 1
        if count[0] == 4:
            os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst)

os.replace = replace
import_workbook(project, root / "cas.xlsx")
"""

N_IMPORT = 10


@pytest.fixture
def import_proj(tmp_path):
    """A project whose workbook describes 10 new cases (exported, then the files removed)."""
    from benchmark_tools.project import load_project
    from benchmark_tools.workbook import export_workbook

    root = make_project(tmp_path)
    ids = [f"cas_{i:02d}" for i in range(N_IMPORT)]
    for cid in ids:
        write_case(root, valid_case(id=cid))
    export_workbook(load_project(root), root / "cas.xlsx")
    for cid in ids:
        (root / "data" / "cases" / "budget_participatif" / f"{cid}.yml").unlink()
    return root, ids


def _case_files(root):
    return sorted(p.name for p in (root / "data" / "cases").rglob("*") if p.is_file())


@pytest.mark.parametrize("when,complete", [("temps", False), ("rename", True)])
def test_import_killed_is_all_or_nothing(import_proj, when, complete):
    root, ids = import_proj
    proc = subprocess.run([sys.executable, "-c", IMPORT_SCRIPT, str(root), when], env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    for p in (root / "data" / "cases").rglob("*.yml"):
        yaml.safe_load(p.read_text(encoding="utf-8"))  # never a half-written YAML
    # The next start (any command) finishes or undoes the batch.
    res = CliRunner().invoke(app, ["validate"], env={"BENCHMARK_ROOT": str(root)})
    assert res.exit_code == 0, res.output
    names = _case_files(root)
    expected = sorted(f"{c}.yml" for c in ids) if complete else []
    assert names == expected, names  # no hidden temporary, no journal left either


def test_import_full_disk_changes_nothing(import_proj, monkeypatch):
    from benchmark_tools import safeio

    root, ids = import_proj
    real, count = safeio.write_text_atomic, [0]

    def full(path, text, **kw):
        count[0] += 1
        if count[0] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, text, **kw)

    monkeypatch.setattr(safeio, "write_text_atomic", full)
    res = CliRunner().invoke(app, ["import-xlsx", str(root / "cas.xlsx")], env={"BENCHMARK_ROOT": str(root)})
    assert res.exit_code == 1
    assert "aucun fichier de cas n'a été modifié" in res.output and "data/cases/budget_participatif/cas_0" in res.output
    assert _case_files(root) == []
