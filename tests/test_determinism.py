"""Same inputs, same outputs: scores CSV byte for byte, Monte Carlo draws for a given seed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from benchmark_tools import pipeline
from benchmark_tools.project import load_project
from benchmark_tools.robustness import monte_carlo
from benchmark_tools.scoring import make_batch_scorer
from projectkit import REPO

METHODS = ("arithmetic", "geometric", "topsis", "promethee")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """A copy of benchmark/ and data/ taken once, so that both runs read the same files."""
    root = tmp_path_factory.mktemp("snapshot")
    shutil.copytree(REPO / "benchmark", root / "benchmark")
    shutil.copytree(REPO / "data", root / "data")
    return root


@pytest.fixture(scope="module")
def project(snapshot):
    return load_project(snapshot)


def _families(project):
    return [f for f in project.families.ids if project.cases_of(f)]


def _all_csv(project) -> dict[tuple[str, str], str]:
    return {(fam, m): pipeline.scores_csv(pipeline.score_family(project, fam, method=m))
            for fam in _families(project) for m in METHODS}


def test_scores_csv_is_byte_identical_on_a_second_run(project, snapshot):
    assert _families(project)
    first = _all_csv(project)
    second = _all_csv(load_project(snapshot))  # a fresh load: nothing cached between the runs
    assert first.keys() == second.keys()
    for key in first:
        assert first[key] == second[key], key
        assert first[key].endswith("\n") and "\r" not in first[key]


@pytest.mark.slow  # two interpreters score every family with four methods: make test-slow, CI
def test_scores_csv_is_identical_across_processes(project, snapshot):
    """Hash randomisation (set and dict order of strings) must not change any output."""
    code = (
        "import hashlib\n"
        "from benchmark_tools import pipeline\n"
        "from benchmark_tools.project import load_project\n"
        f"p = load_project({str(snapshot)!r})\n"
        "h = hashlib.sha256()\n"
        "for f in p.families.ids:\n"
        "    if p.cases_of(f):\n"
        "        for m in ('arithmetic', 'geometric', 'topsis', 'promethee'):\n"
        "            h.update(pipeline.scores_csv(pipeline.score_family(p, f, method=m)).encode())\n"
        "print(h.hexdigest())\n"
    )
    digests = []
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, OMP_NUM_THREADS="1")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        digests.append(out.stdout.strip())
    assert digests[0] == digests[1]
    local = hashlib.sha256()
    for text in _all_csv(project).values():
        local.update(text.encode())
    assert local.hexdigest() == digests[0]


def _scorer(project, family):
    matrix = pipeline.family_matrix(project, family)
    profile = pipeline.get_profile(project, None)
    return make_batch_scorer(matrix, profile, project.settings)


@pytest.mark.parametrize("scheme", ["multiplicative", "dirichlet", "simplex"])
def test_monte_carlo_same_seed_same_result(project, snapshot, scheme):
    rs = project.settings.robustness
    fam = max(_families(project), key=lambda f: len(project.cases_of(f)))
    kw = dict(n_draws=300, scheme=scheme, top_k=rs.top_k, noise_factor=rs.noise_factor,
              concentration=rs.dirichlet_concentration, stability_threshold=rs.stability_threshold)
    a = monte_carlo(_scorer(project, fam), seed=20241128, **kw)
    b = monte_carlo(_scorer(load_project(snapshot), fam), seed=20241128, **kw)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.scores, b.scores)
    np.testing.assert_array_equal(a.p_top_k, b.p_top_k)
    assert a.case_ids == b.case_ids
    assert list(a.stability) == list(b.stability)
    # A different seed gives different draws (so the equality above is not vacuous).
    c = monte_carlo(_scorer(project, fam), seed=7, **kw)
    assert not np.array_equal(a.weights, c.weights)
