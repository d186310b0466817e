"""Tests of benchmark_tools.runsched: the report's steps side by side (issue 19, item 9).

Notebook execution is replaced by a stub (no kernel), so these tests check the scheduling
rules — the report notebook first, every record returned, the callback as soon as the report
notebook is done, the first error raised — not timings. The child PDF renderer is run for real
on a one-paragraph page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmark_tools import runsched
from benchmark_tools.errors import InputError

NAMES = ["10_a.py", "20_b.py", "30_c.py", "90_rapport.py"]


@dataclass
class Rec:
    name: str
    seconds: float


def _run(workers, execute, on_first=None):
    lines = []
    out = runsched.run_notebooks([Path(n) for n in NAMES], execute, first="90_rapport.py", workers=workers,
                                 echo=lines.append, on_first=on_first)
    return out, lines


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_report_notebook_starts_first_and_every_record_comes_back(workers):
    started, lock = [], threading.Lock()

    def execute(path):
        with lock:
            started.append(path.name)
        return Rec(path.name, 0.0)

    seen = []
    out, lines = _run(workers, execute, on_first=seen.append)
    assert started[0] == "90_rapport.py"
    assert sorted(started) == sorted(NAMES)
    assert sorted(out) == sorted(NAMES) and all(out[n].name == n for n in NAMES)
    assert [r.name for r in seen] == ["90_rapport.py"]
    assert sum("terminé en" in line for line in lines) == len(NAMES)


def test_several_workers_really_run_side_by_side():
    # Two notebooks that can only finish together: run one after the other, they would wait forever.
    barrier = threading.Barrier(2, timeout=30)

    def execute(path):
        if path.name in ("90_rapport.py", "10_a.py"):
            barrier.wait()
        return Rec(path.name, 0.0)

    out, _ = _run(2, execute)
    assert sorted(out) == sorted(NAMES)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_first_error_is_raised(workers):
    class Boom(Exception):
        pass

    def execute(path):
        if path.name == "20_b.py":
            raise Boom("le notebook 20_b.py a échoué")
        return Rec(path.name, 0.0)

    with pytest.raises(Boom, match="20_b.py"):
        _run(workers, execute)


def test_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv(runsched.ENV_WORKERS, "1")
    assert runsched.default_workers() == 1
    monkeypatch.setenv(runsched.ENV_WORKERS, "deux")
    with pytest.raises(InputError, match="BENCHMARK_WORKERS"):
        runsched.default_workers()
    monkeypatch.delenv(runsched.ENV_WORKERS)
    assert 1 <= runsched.default_workers() <= runsched.MAX_WORKERS


@pytest.mark.slow  # starts two renderer processes: make test-slow, CI
def test_child_renders_a_pdf_and_reports_its_failure(tmp_path):
    page = "<!DOCTYPE html><html><body><p>Une page de test.</p></body></html>"
    out = tmp_path / "page.pdf"
    child = runsched.ChildRender(out)
    child.send(page)
    child.wait()
    assert out.read_bytes().startswith(b"%PDF")
    bad = runsched.ChildRender(tmp_path / "absent" / "page.pdf", page)
    with pytest.raises(OSError, match="le rendu de page.pdf a échoué"):
        bad.wait()
    unused = runsched.ChildRender(tmp_path / "inutile.pdf")
    unused.stop()
    assert not (tmp_path / "inutile.pdf").exists()


def test_the_other_notebooks_wait_for_the_hold_once():
    events, lock = [], threading.Lock()

    def execute(path):
        with lock:
            events.append(path.name)
        return Rec(path.name, 0.0)

    def hold():
        with lock:
            events.append("attente")

    _run(2, execute)  # no hold: nothing waits
    events.clear()
    runsched.run_notebooks([Path(n) for n in NAMES], execute, first="90_rapport.py", workers=2,
                           echo=lambda *a: None, hold_others=hold)
    assert events.count("attente") == 1
    others = [e for e in events if e not in ("attente", "90_rapport.py")]
    assert events.index("attente") < events.index(others[0])
