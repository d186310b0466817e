"""Shared synthetic fixtures. Names start with ``engine_`` (scoring engine) to avoid clashes."""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import pytest

from benchmark_tools import runcache
from benchmark_tools.matrix import MISSING, NOT_APPLICABLE, VALUE, DecisionMatrix
from benchmark_tools.schema import Profile, PrometheeSettings, ScoringSettings

#: Variables a test (or the report runner it calls) may set for the process: each test starts with
#: the values the session started with, whatever the order the tests run in (``-m "not slow"``
#: leaves out the tests whose teardown used to clear a leaked project root).
_ISOLATED_ENV = ("BENCHMARK_ROOT", runcache.ENV_DIR, runcache.ENV_OFF)
_SESSION_ENV = {k: os.environ.get(k) for k in _ISOLATED_ENV}


@pytest.fixture(autouse=True)
def _isolated_run_state():
    """Per test: the session's project root and cache variables, and an empty computation memo.

    The memo is emptied so that a test that patches the engine computes with its patch instead
    of reading a result another test computed.
    """
    for k, v in _SESSION_ENV.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    runcache.clear_memo()
    yield
    runcache.clear_memo()


def _engine_settings(policy="apart", threshold=0.5, preference="linear", q=0.05, p=0.30,
                     floor=0.01, method="arithmetic", normalisation="goalposts",
                     methods=("arithmetic", "geometric", "topsis", "promethee"),
                     normalisations=("goalposts", "minmax", "zscore", "rank")):
    """Settings stand-in: the real ``ScoringSettings`` model plus the two robustness lists used."""
    scoring = ScoringSettings(
        coverage_threshold=threshold, low_coverage_policy=policy, geometric_floor=floor,
        tie_tolerance=1e-9,
        promethee=PrometheeSettings(preference_function=preference, q=q, p=p, s=0.15),
        default_method=method, default_normalisation=normalisation)
    return SimpleNamespace(scoring=scoring,
                           robustness=SimpleNamespace(methods=list(methods), normalisations=list(normalisations)))


def _engine_profile(dimension_weights, criterion_weights=None, pid="test"):
    return Profile(id=pid, label_fr="Profil de test", viewpoint="test", rationale="test",
                   dimension_weights=dict(dimension_weights), criterion_weights=dict(criterion_weights or {}))


@pytest.fixture
def engine_make_settings():
    """Factory: ``engine_make_settings(policy="exclude", ...)``."""
    return _engine_settings


@pytest.fixture
def engine_make_profile():
    """Factory: ``engine_make_profile({"dim": weight, ...}, {"criterion": weight})``."""
    return _engine_profile


@pytest.fixture
def engine_matrix() -> DecisionMatrix:
    """6 cases × 6 criteria in 3 dimensions, ordinal and numeric, with gaps.

    - ``emp`` (empowerment): two ordinal criteria ``e1``, ``e2``;
    - ``inc`` (inclusion): ``i1`` numeric % (goalposts 0–20, higher), ``i2`` numeric (0–10, lower);
    - ``eco`` (ecology): ``x1`` ordinal, ``x2`` numeric not applicable to the family.

    Case ``f`` has only one value (low coverage); case ``b`` misses ``e2``; case ``c`` misses
    the whole ``inc`` dimension.
    """
    nan = np.nan
    values = np.array([
        # e1   e2   i1    i2   x1   x2
        [4.0, 3.0, 12.0, 2.0, 1.0, nan],   # a
        [2.0, nan, 18.0, 5.0, 3.0, nan],   # b
        [3.0, 3.0, nan, nan, 4.0, nan],    # c
        [1.0, 0.0, 25.0, 1.0, 2.0, nan],   # d
        [0.0, 2.0, 5.0, 9.0, 0.0, nan],    # e
        [4.0, nan, nan, nan, nan, nan],    # f
    ])
    status = np.where(np.isfinite(values), VALUE, MISSING)
    status[:, 5] = NOT_APPLICABLE
    return DecisionMatrix.from_arrays(
        values,
        case_ids=["a", "b", "c", "d", "e", "f"],
        case_names=["Alpha", "Bêta", "Gamma", "Delta", "Epsilon", "Phi"],
        criterion_ids=["e1", "e2", "i1", "i2", "x1", "x2"],
        dimension_of={"e1": "emp", "e2": "emp", "i1": "inc", "i2": "inc", "x1": "eco", "x2": "eco"},
        dimension_ids=["emp", "inc", "eco"],
        status=status,
        types=["ordinal", "ordinal", "numeric", "numeric", "ordinal", "numeric"],
        directions=["higher", "higher", "higher", "lower", "higher", "higher"],
        goalposts=[[0, 4], [0, 4], [0, 20], [0, 10], [0, 4], [0, 100]],
        family="budget_participatif",
        criterion_labels=["Pouvoir de décision", "Suivi", "Participation", "Coût", "Climat", "Surface"],
        dimension_labels=["Pouvoir d'agir", "Inclusion", "Écologie"],
    )
