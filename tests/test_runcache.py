"""Tests of benchmark_tools.runcache (issue 19, item 5): each analysis computed once per run.

What is checked: a result comes back bit-identical to an uncached computation (from the memo, and
from the run folder in another process); any change of an input — seed, draws, prior, method,
normalisation, one matrix value, one weight, one setting — is a different key, hence a new
computation; the fingerprint refuses what it cannot describe; callers get their own copy.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from benchmark_tools import joint, runcache
from benchmark_tools.project import load_settings
from projectkit import REPO

SRC = REPO / "src"


# --------------------------------------------------------------------------- helpers


def assert_same(a, b, path="résultat"):
    """Bit-for-bit equality of two results (arrays: dtype, shape and every value, NaN included)."""
    assert type(a) is type(b), f"{path}: {type(a)} ≠ {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        if a.dtype.kind in "fc":
            assert np.array_equal(a.view(np.uint8), b.view(np.uint8)), path  # bits, -0.0 and NaN included
        else:
            assert np.array_equal(a, b), path
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert np.float64(a).tobytes() == np.float64(b).tobytes(), path
    else:
        assert a == b, path


def _settings(**robustness):
    s = load_settings(REPO)
    return s.model_copy(update={"robustness": s.robustness.model_copy(update={"n_draws": 300, **robustness})})


@pytest.fixture
def problem(engine_matrix, engine_make_profile):
    profile = engine_make_profile({"emp": 2.0, "inc": 1.0, "eco": 1.0})
    return engine_matrix, profile, _settings(missing_prior="family")


def _mc(matrix, profile, settings, seed=11, **kw):
    return joint.joint_monte_carlo(matrix, profile, settings, seed, **kw)


def _uncached(monkeypatch, f, *a, **kw):
    monkeypatch.setenv(runcache.ENV_OFF, "1")
    try:
        return f(*a, **kw)
    finally:
        monkeypatch.delenv(runcache.ENV_OFF)


def _misses(name="joint_monte_carlo"):
    return runcache.stats()[(name, "miss")]


def _hits(name="joint_monte_carlo"):
    return runcache.stats()[(name, "hit")]


# --------------------------------------------------------------------------- fingerprints


def test_fingerprint_tells_close_inputs_apart():
    fp = runcache.fingerprint
    assert len({fp(1), fp(1.0), fp("1"), fp(True), fp(None), fp([1]), fp((1,))}) == 7
    assert fp(["ab"]) != fp(["a", "b"])
    assert fp(0.1) != fp(np.nextafter(0.1, 1.0))  # one bit apart
    a = np.arange(6, dtype=float)
    assert fp(a) != fp(a.reshape(2, 3)) and fp(a) != fp(a.astype(np.float32))
    assert fp(a) == fp(np.arange(6, dtype=float))  # same content, another object
    assert fp({"x": 1, "y": 2}) != fp({"y": 2, "x": 1})  # order kept: a needless miss, never a stale hit


def test_fingerprint_refuses_what_it_cannot_describe():
    with pytest.raises(TypeError, match="type non pris en charge"):
        runcache.fingerprint({"a": object()})


def test_an_input_without_fingerprint_is_computed_every_time():
    calls = []
    for _ in range(2):
        assert runcache.cached("essai", (object(),), lambda: calls.append(1) or 42) == 42
    assert len(calls) == 2 and runcache.stats()[("essai", "uncached")] == 2


# --------------------------------------------------------------------------- the joint Monte Carlo


def test_same_inputs_are_computed_once_and_match_the_uncached_result(problem, monkeypatch):
    matrix, profile, settings = problem
    reference = _uncached(monkeypatch, _mc, matrix, profile, settings)
    assert _misses() == 0 and _hits() == 0  # the switch really turns the cache off
    first = _mc(matrix, profile, settings)
    second = _mc(matrix, profile, settings)
    assert (_misses(), _hits()) == (1, 1)
    assert_same(first, reference)
    assert_same(second, reference)


def test_explicit_defaults_are_the_same_computation(problem):
    matrix, profile, settings = problem
    _mc(matrix, profile, settings)
    _mc(matrix, profile, settings, n_draws=300, prior="family", method=settings.scoring.default_method,
        normalisation=settings.scoring.default_normalisation)
    assert (_misses(), _hits()) == (1, 1)


def _with_value(matrix, i, j, v):
    values = np.array(matrix.values)
    values[i, j] = v
    return matrix.replace(values=values)


CHANGES = {
    "seed": lambda m, p, s: (m, p, s, {"seed": 12}),
    "n_draws": lambda m, p, s: (m, p, s, {"n_draws": 301}),
    "prior": lambda m, p, s: (m, p, s, {"prior": "uniform"}),
    "method": lambda m, p, s: (m, p, s, {"method": "geometric"}),
    "normalisation": lambda m, p, s: (m, p, s, {"normalisation": "minmax"}),
    "keep_cells": lambda m, p, s: (m, p, s, {"keep_cells": True}),
    "one matrix value": lambda m, p, s: (_with_value(m, 0, 0, 3.0), p, s, {}),
    "one profile weight": lambda m, p, s: (m, p.model_copy(update={"dimension_weights": {
        **p.dimension_weights, "eco": 1.5}}), s, {}),
    "one setting": lambda m, p, s: (m, p, s.model_copy(update={"robustness": s.robustness.model_copy(
        update={"noise_factor": s.robustness.noise_factor * 1.5})}), {}),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_changed_input_misses_the_cache(problem, change, monkeypatch):
    matrix, profile, settings = problem
    m2, p2, s2, kw = CHANGES[change](matrix, profile, settings)
    seed = kw.pop("seed", 11)
    _mc(matrix, profile, settings)
    changed = _mc(m2, p2, s2, seed=seed, **kw)
    assert (_misses(), _hits()) == (2, 0), change
    # What the miss returned is the computation of the changed inputs.
    assert_same(changed, _uncached(monkeypatch, _mc, m2, p2, s2, seed=seed, **kw))


def test_a_seed_change_changes_the_draws(problem):
    # Guards the test above: the two seeds give different results, so a stale hit would show.
    matrix, profile, settings = problem
    a, b = _mc(matrix, profile, settings, seed=11), _mc(matrix, profile, settings, seed=12)
    assert not np.array_equal(a.weights, b.weights)


def test_each_caller_gets_its_own_copy(problem):
    matrix, profile, settings = problem
    first = _mc(matrix, profile, settings)
    kept = first.p_top_k.copy()
    first.p_top_k[:] = -1.0
    first.notes = "modifié"
    second = _mc(matrix, profile, settings)
    assert np.array_equal(second.p_top_k, kept) and not hasattr(second, "notes")


def test_a_generator_seed_is_never_cached(problem):
    matrix, profile, settings = problem
    a = _mc(matrix, profile, settings, seed=np.random.default_rng(3))
    b = _mc(matrix, profile, settings, seed=np.random.default_rng(3))
    assert _misses() == 0 and _hits() == 0
    assert np.array_equal(a.weights, b.weights)


def test_weights_only_prior_is_cached_too(problem, monkeypatch):
    matrix, profile, settings = problem
    s = settings.model_copy(update={"robustness": settings.robustness.model_copy(update={"missing_prior": "none"})})
    reference = _uncached(monkeypatch, joint.joint_from_settings, matrix, profile, s, 5, n_draws=200)
    first = joint.joint_from_settings(matrix, profile, s, 5, n_draws=200)
    second = joint.joint_from_settings(matrix, profile, s, 5, n_draws=200)
    assert (_misses("weights_monte_carlo"), _hits("weights_monte_carlo")) == (1, 1)
    assert_same(first, reference)
    assert_same(second, reference)
    joint.joint_from_settings(matrix, profile, s, 6, n_draws=200)
    assert _misses("weights_monte_carlo") == 2


# --------------------------------------------------------------------------- the run folder


def test_the_run_folder_serves_another_process(problem, tmp_path, monkeypatch):
    matrix, profile, settings = problem
    folder = tmp_path / "cache"
    monkeypatch.setenv(runcache.ENV_DIR, str(folder))
    reference = _uncached(monkeypatch, _mc, matrix, profile, settings)
    _mc(matrix, profile, settings)
    assert len(list(folder.glob("joint_monte_carlo-*.pkl"))) == 1
    (tmp_path / "inputs.pkl").write_bytes(pickle.dumps((matrix, profile, settings)))
    script = (
        "import pickle, sys\n"
        "from pathlib import Path\n"
        "from benchmark_tools import joint, runcache\n"
        "m, p, s = pickle.loads(Path(sys.argv[1]).read_bytes())\n"
        "r = joint.joint_monte_carlo(m, p, s, 11)\n"
        "Path(sys.argv[2]).write_bytes(pickle.dumps((r, dict(runcache.stats()))))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC), OMP_NUM_THREADS="1")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "inputs.pkl"), str(tmp_path / "out.pkl")],
                   env=env, check=True, timeout=120)
    result, stats = pickle.loads((tmp_path / "out.pkl").read_bytes())
    assert stats == {("joint_monte_carlo", "hit"): 1}
    assert_same(result, reference)
    counts = runcache.journal_summary(folder)
    assert counts == {"joint_monte_carlo": {"miss": 1, "hit": 1}}
    assert "1 calcul(s), 1 réutilisation(s)" in runcache.summary_text(folder)


def test_a_matrix_from_the_cache_is_still_read_only(problem, tmp_path, monkeypatch):
    matrix, profile, settings = problem
    monkeypatch.setenv(runcache.ENV_DIR, str(tmp_path))
    runcache.cached("matrice", (matrix,), lambda: matrix)
    runcache.clear_memo()
    again = runcache.cached("matrice", (matrix,), lambda: pytest.fail("recalculé"))
    assert not again.values.flags.writeable
    assert_same(again.values, np.asarray(matrix.values))
    assert dict(again.dimension_of) == dict(matrix.dimension_of)


# --------------------------------------------------------------------------- a family's analysis


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from benchmark_tools.project import load_project
    from tinyproject import make_tiny_project

    root = make_tiny_project(tmp_path_factory.mktemp("tiny") / "proj")
    return load_project(root)


def test_family_analysis_is_shared_and_bit_identical(tiny, monkeypatch):
    from benchmark_tools.analysis import analyse_family
    from benchmark_tools.recommend import report_params

    family = tiny.report.families[0]
    params = report_params(tiny, {"n_draws": 200})
    reference = _uncached(monkeypatch, analyse_family, tiny, family, params)
    assert reference.monte_carlo is not None  # the costly steps ran
    first = analyse_family(tiny, family, params)
    second = analyse_family(tiny, family, params)
    assert (_misses("analyse_family"), _hits("analyse_family")) == (1, 1)
    assert_same(first, reference)
    assert_same(second, reference)
    analyse_family(tiny, family, params.model_copy(update={"seed": params.seed + 1}))
    analyse_family(tiny, family, params, sobol=False)
    assert _misses("analyse_family") == 3


def test_facts_to_find_follow_every_file_of_the_project(tmp_path, monkeypatch):
    from benchmark_tools.gaps import family_gaps
    from benchmark_tools.project import load_project
    from benchmark_tools.recommend import report_params
    from tinyproject import make_tiny_project

    root = make_tiny_project(tmp_path / "proj")
    project = load_project(root)
    family = project.report.families[0]
    params = report_params(project, {"n_draws": 200})
    reference = _uncached(monkeypatch, family_gaps, project, family, params)
    assert_same(family_gaps(project, family, params), reference)
    assert_same(family_gaps(project, family, params), reference)
    assert (_misses("family_gaps"), _hits("family_gaps")) == (1, 1)
    # A file the step reads on its own (the rules): one more byte is a new key.
    rules = root / "benchmark" / "recommendations.yml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# commentaire\n", encoding="utf-8")
    family_gaps(project, family, params)
    assert _misses("family_gaps") == 2
    # An in-memory change of the project (a case edited after loading): a new key too.
    case = project.cases_of(family)[0]
    project.cases[project.cases.index(case)] = case.model_copy(update={"name": case.name + " (modifié)"})
    family_gaps(project, family, params)
    assert _misses("family_gaps") == 3


def test_commands_after_a_report_read_its_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(runcache.ENV_DIR, raising=False)
    with runcache.latest_run(tmp_path):  # no report yet: memo only
        assert runcache.cache_dir() is None
    folder = tmp_path / "reports" / "latest" / "cache"
    folder.mkdir(parents=True)
    with runcache.latest_run(tmp_path):
        assert runcache.cache_dir() == folder.resolve()
        runcache.cached("essai", (1,), lambda: "calculé")
    assert runcache.cache_dir() is None
    assert runcache.journal_summary(folder) == {"essai": {"miss": 1, "hit": 0}}
    runcache.clear_memo()
    with runcache.latest_run(tmp_path):
        assert runcache.cached("essai", (1,), lambda: pytest.fail("recalculé")) == "calculé"
    monkeypatch.setenv(runcache.ENV_DIR, str(tmp_path / "autre"))
    with runcache.latest_run(tmp_path):  # a run in progress keeps its own folder
        assert runcache.cache_dir() == tmp_path / "autre"
