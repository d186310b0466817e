"""The bad-input corpus (tests/data/bad/) through the real command line.

Each entry of ``tests/data/bad/expected.yml`` is run with the ``benchmark-tools`` command, on its own
temporary copy of the project (benchmark/ and data/): in-process through typer's test runner (the same
entry point, arguments and error handler, without starting Python 70 times), and for a few entries
(:data:`SUBPROCESS`) as a real subprocess, so that the installed script and the exit codes seen by a
shell stay covered. For every entry: the exit status is
the expected one (never 0), the French message names the file, the case and the field, there is no
Python traceback, and no file of the project is created or changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "data" / "bad"
CLI = Path(sys.executable).parent / "benchmark-tools"
EXPECTED = yaml.safe_load((BAD / "expected.yml").read_text(encoding="utf-8"))["entries"]

sys.path.insert(0, str(BAD))
import make_binary  # noqa: E402


def _tree_hashes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() or p.is_symlink():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "lien"
    return out


def _run(args: list[str], root: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    env = dict(os.environ, BENCHMARK_ROOT=str(root), OMP_NUM_THREADS="1", MPLBACKEND="Agg",
               PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([str(CLI), *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


#: Entries also run as real subprocesses (the installed script, its exit status and its stderr).
SUBPROCESS = ("malformed.yml", "report_unknown_parameter", "import_missing_workbook")


class _Result:
    """What a subprocess would give: stdout, stderr and the exit status."""

    def __init__(self, stdout: str, stderr: str, returncode: int):
        self.stdout, self.stderr, self.returncode = stdout, stderr, returncode


def _run_in_process(args: list[str], root: Path) -> _Result:
    from typer.testing import CliRunner

    from benchmark_tools.cli import app

    env = {"BENCHMARK_ROOT": str(root), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    old = Path.cwd()
    os.chdir(root)
    try:
        res = CliRunner().invoke(app, args, env=env)
    finally:
        os.chdir(old)
    stderr = res.stderr
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        # An exception that escaped the error handler: what a user would see as a traceback.
        stderr += f"\nTraceback (in-process): {type(res.exception).__name__}: {res.exception}"
    return _Result(res.stdout, stderr, res.exit_code)


def _available(entry: dict) -> bool:
    mod = entry.get("requires")
    return mod is None or importlib.util.find_spec(mod) is not None


def _run_entry(name: str, entry: dict, base: Path, generated: Path, work: Path, subprocess_run: bool) -> dict:
    root = work / (re.sub(r"[^A-Za-z0-9_]", "_", name) + ("_sp" if subprocess_run else ""))
    shutil.copytree(base, root)
    placed = None
    if "place" in entry:
        src = (generated if entry.get("generated") else BAD) / name
        placed = root / entry["place"]
        placed.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, placed)
    for other, target in (entry.get("with") or {}).items():
        dst = root / target
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BAD / other, dst)
    command = entry["command"].replace("{placed}", entry.get("place", ""))
    before = _tree_hashes(root)
    args = shlex.split(command)
    proc = _run(args, root) if subprocess_run else _run_in_process(args, root)
    after = _tree_hashes(root)
    return {"proc": proc, "before": before, "after": after, "placed": placed}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Run every entry once (in parallel: each has its own copy of the project)."""
    tmp = tmp_path_factory.mktemp("corpus")
    base = tmp / "base"
    (base).mkdir()
    shutil.copytree(REPO / "benchmark", base / "benchmark")
    shutil.copytree(REPO / "data", base / "data")
    generated = tmp / "generated"
    make_binary.make_all(generated)
    work = tmp / "runs"
    work.mkdir()
    todo = {n: e for n, e in EXPECTED.items() if _available(e)}
    # In-process runs change the working directory and the environment: one at a time.
    out = {n: _run_entry(n, e, base, generated, work, False) for n, e in todo.items()}
    for n in SUBPROCESS:
        if n in todo:
            out[f"{n} (sous-processus)"] = _run_entry(n, todo[n], base, generated, work, True)
    return out


def test_corpus_is_large_and_complete():
    files = [n for n in EXPECTED if "." in n]
    assert len(files) >= 40
    for name, entry in EXPECTED.items():
        assert entry["status"] != 0, name
        assert entry["fragments"], name
        if "place" in entry and not entry.get("generated"):
            assert (BAD / name).is_file(), f"fichier du corpus absent : {name}"
        for other in entry.get("with") or {}:
            assert (BAD / other).is_file(), other


def test_generator_makes_every_generated_file(tmp_path):
    made = {p.name for p in make_binary.make_all(tmp_path)}
    wanted = {n for n, e in EXPECTED.items() if e.get("generated")}
    assert wanted <= made


_SUMMARY = re.compile(r"^\d+ problème\(s\)")
_PROBLEM = re.compile(r"^(avertissement — )?[^\s:][^:]*(:\d+)?: \S.*$")


@pytest.mark.slow  # the corpus runs the real command line once per bad file (≈ 15 s): make test-slow, CI
@pytest.mark.parametrize("name", list(EXPECTED) + [f"{n} (sous-processus)" for n in SUBPROCESS])
def test_bad_input(name, corpus):
    entry = EXPECTED[name.removesuffix(" (sous-processus)")]
    if name not in corpus:
        pytest.skip(f"module {entry.get('requires')} absent")
    res = corpus[name]
    proc = res["proc"]
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    assert proc.returncode != 0, out
    assert proc.returncode == entry["status"], out
    missing = [f for f in entry["fragments"] if f not in proc.stderr]
    assert not missing, f"fragments absents : {missing}\n--- stderr ---\n{proc.stderr}"
    # Nothing written: same files, same bytes (no partial file, no temporary file left).
    assert res["after"] == res["before"]
    # One consistent form: « fichier:ligne: cas: champ: message (attendu : …, trouvé : …) » or « Erreur : … ».
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines
    for ln in lines:
        if _SUMMARY.match(ln) or ln.startswith("Erreur : "):
            continue
        assert _PROBLEM.match(ln), ln
        if "(attendu : " in ln or "(trouvé : " in ln:
            assert ln.endswith(")"), ln


def test_base_case_of_the_corpus_is_valid(tmp_path):
    """The corpus files are one change away from a valid case: the base itself validates."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "benchmark", root / "benchmark")
    target = root / "data" / "cases" / "budget_participatif" / "ville_corpus_bp.yml"
    target.parent.mkdir(parents=True)
    shutil.copyfile(BAD / "ville_corpus_bp.yml", target)
    proc = _run(["validate", str(target.relative_to(root))], root)
    assert proc.returncode == 0, proc.stderr


def test_html_in_case_text_is_accepted_and_inert(tmp_path):
    """A case whose texts contain <script> and HTML validates, and its sheet escapes them."""
    from benchmark_tools.cases import case_sheet_markdown
    from benchmark_tools.modelio import load_model
    from benchmark_tools.project import validate_project
    from benchmark_tools.schema import Case

    root = tmp_path / "proj"
    shutil.copytree(REPO / "benchmark", root / "benchmark")
    target = root / "data" / "cases" / "budget_participatif" / "ville_corpus_bp.yml"
    target.parent.mkdir(parents=True)
    shutil.copyfile(BAD / "html_case.yml", target)
    proc = _run(["validate", str(target.relative_to(root))], root)
    assert proc.returncode == 0, proc.stderr
    proj = validate_project(root, paths=[target])
    case, _, problems = load_model(target, Case, root)
    assert case is not None and not [p for p in problems if p.severity == "error"]
    assert "<script>" in case.summary and "<script>" in case.name  # kept as written in the data
    md = case_sheet_markdown(case, proj.catalogue, proj.families)
    assert "<script" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md and "&lt;img" in md
