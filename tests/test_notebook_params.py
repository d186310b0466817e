"""The notebooks' parameters come from ``benchmark/report.yml`` (one place): their parameters cells
declare the names with None, the runner injects the run's values, and a notebook opened in JupyterLab
fills the missing ones from report.yml. Unknown parameters are still refused."""

from __future__ import annotations

import ast

import jupytext
import pytest

from benchmark_tools import report_blocks as rp
from benchmark_tools.errors import InputError
from benchmark_tools.report_run import _declared, notebook_paths, run_report
from benchmark_tools.run_params import load_params
from benchmark_tools.schema import ReportParams
from tinyproject import REPO

ALL_NOTEBOOKS = sorted((REPO / "notebooks").glob("*.py"))
REPORT_NOTEBOOKS = notebook_paths(REPO)
#: Parameters the runner passes besides those of report.yml.
RUNNER_ONLY = {"run_dir"}


def _parameters(path) -> dict:
    """Name → literal value of the notebook's parameters cell."""
    nb = jupytext.read(path)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    out = {}
    for node in ast.parse(cell.source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        out[target.id] = ast.literal_eval(node.value)
    return out


def _report_values() -> set:
    """Every value of report.yml, list items included."""
    out = set()
    for v in load_params(REPO).model_dump().values():
        out.update(v if isinstance(v, list) else [v])
    return out


def test_the_report_notebooks_are_found():
    assert len(REPORT_NOTEBOOKS) >= 5
    assert "90_rapport.py" in {p.name for p in REPORT_NOTEBOOKS}


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.name)
def test_report_notebook_parameters_are_none_and_known(path):
    params = _parameters(path)
    assert params, "the parameters cell declares parameters"
    assert {k: v for k, v in params.items() if v is not None} == {}, "a default written here repeats report.yml"
    # Every name is one the runner injects: a misspelt name would silently keep None.
    assert set(params) - set(ReportParams.model_fields) - RUNNER_ONLY == set()
    assert set(_declared(jupytext.read(path))) == set(params)  # the runner sees the same names


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_no_parameters_cell_repeats_a_report_yml_value(path):
    params = _parameters(path)
    named_after_report = {k: v for k, v in params.items() if k in ReportParams.model_fields and v is not None}
    assert named_after_report == {}
    repeated = {k: v for k, v in params.items() if v is not None
                and any(x in _report_values() for x in (v if isinstance(v, list) else [v]))}
    assert repeated == {}


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.name)
def test_opened_notebook_gets_the_report_yml_values(path, monkeypatch):
    # As in JupyterLab: nothing injected, the None values are filled from report.yml.
    monkeypatch.setenv("BENCHMARK_ROOT", str(REPO))
    params = _parameters(path)
    got = rp.run_params(**{k: v for k, v in params.items() if k not in RUNNER_ONLY})
    assert got == load_params(REPO)


def test_injected_values_win_over_report_yml(monkeypatch):
    monkeypatch.setenv("BENCHMARK_ROOT", str(REPO))
    got = rp.run_params(profile="gestion", seed=7, n_draws=None, families=("fonds_de_concours",))
    base = load_params(REPO)
    assert (got.profile, got.seed, got.families) == ("gestion", 7, ["fonds_de_concours"])
    assert (got.n_draws, got.method, got.title) == (base.n_draws, base.method, base.title)


def test_unknown_parameter_is_refused_by_the_notebook_and_the_runner(monkeypatch, tmp_path):
    monkeypatch.setenv("BENCHMARK_ROOT", str(REPO))
    with pytest.raises(InputError, match="colour"):
        rp.run_params(colour="red")
    # The runner checks --set before running anything: nothing is written.
    with pytest.raises(InputError, match="colour"):
        run_report(["colour=red"], root=REPO, reports_dir=tmp_path / "reports", echo=lambda *a: None)
    assert not (tmp_path / "reports").exists()
