"""The package's structure follows the flow: definition + cases → model → engine → robustness →
insight → report → CLI.

Read from the source with :mod:`ast` (nothing is imported): the import graph between the package's
modules has no cycle, every import goes to the same layer or a lower one, the engine imports no
I/O, presentation or command-line module, and no function imports a module of the package (an
import hidden in a function is how a cycle hides). Each module also imports on its own in a fresh
interpreter, in two different orders.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "benchmark_tools"

#: The layers, lowest first. A module imports modules of its own layer or of lower layers only.
LAYERS: dict[str, tuple[str, ...]] = {
    "foundation": ("errors", "textutil", "formats", "vocabulary", "htmlsafe", "yamlio", "safeio", "schema",
                   "schema_rules", "modelio"),
    # runcache is the run's content-keyed memo: the engine may use it because a hit returns a result
    # bit-identical to a recomputation (tests/test_runcache.py), so no result depends on it.
    "model": ("cases", "criteria", "provenance", "matrix", "runcache", "weights", "newcase"),
    "loading": ("validate", "validate_rules", "run_params", "project", "workbook_layout", "workbook_cells",
                "workbook_readme", "workbook_write", "workbook_read", "workbook"),
    "engine": ("normalize", "aggregate", "ranking", "scoring", "robustness", "robustness_draws", "robustness_ranks",
               "robustness_words", "robustness_mc", "robustness_smaa", "robustness_sobol", "robustness_agreement",
               "robustness_oat", "joint"),
    "pipeline": ("pipeline",),
    "insight": ("analysis", "typology", "typology_profiles", "typology_result", "typology_clusters", "typology_fit",
                "typology_place", "designs", "recommend_evidence", "recommend_rules", "recommend_stability",
                "recommend_tables", "recommend_render", "recommend", "gaps", "sizing", "scenarios", "consultations",
                "printemps_model", "printemps_plan", "printemps_synthetic"),
    "presentation": ("plots", "report_html", "report_blocks", "uncertainty_report", "note", "annexes",
                     "explorer_widgets", "explorer", "explorer_page", "printemps_publish", "printemps_form"),
    "run": ("runsched", "report_run"),
    "cli": ("cli_common", "cli", "cli_printemps"),
}
LAYER_OF = {m: i for i, mods in enumerate(LAYERS.values()) for m in mods}

#: The engine computes on arrays: it never reads or writes files, formats a report or parses a command.
ENGINE = set(LAYERS["engine"]) | {"matrix"}
NOT_FOR_ENGINE = ({"yamlio", "safeio", "modelio", "project", "workbook", "workbook_layout", "workbook_cells",
                   "workbook_readme", "workbook_write", "workbook_read", "validate", "validate_rules", "run_params",
                   "newcase"}
                  | set(LAYERS["presentation"]) | set(LAYERS["run"]) | set(LAYERS["cli"]))


def _modules() -> list[str]:
    return sorted(p.stem for p in PKG.glob("*.py") if p.stem != "__init__")


def _own(node: ast.ImportFrom) -> list[str]:
    """The package modules an ``import from`` names (relative or absolute)."""
    mod = node.module or ""
    if node.level == 0 and not (mod == "benchmark_tools" or mod.startswith("benchmark_tools.")):
        return []
    if node.level > 1:
        return []
    mod = mod.removeprefix("benchmark_tools").lstrip(".")
    return [mod.split(".")[0]] if mod else [a.name for a in node.names]


def _graph() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """(module → modules imported at top level, [(module, function, line)] of imports inside functions)."""
    graph, inner = {}, []
    for name in _modules():
        tree = ast.parse((PKG / f"{name}.py").read_text(encoding="utf-8"))
        graph[name] = {m for node in tree.body if isinstance(node, ast.ImportFrom) for m in _own(node)}
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, ast.ImportFrom) and _own(node):
                        inner.append((name, fn.name, node.lineno))
    return graph, inner


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None (depth-first search with colours)."""
    colour = dict.fromkeys(graph, 0)
    stack: list[str] = []

    def visit(v):
        colour[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in graph:
                continue
            if colour[w] == 1:
                return stack[stack.index(w):] + [w]
            if colour[w] == 0:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        colour[v] = 2
        return None

    for v in sorted(graph):
        if colour[v] == 0:
            found = visit(v)
            if found:
                return found
    return None


def test_every_module_has_a_layer():
    assert sorted(set(_modules()) - set(LAYER_OF)) == []
    assert sorted(set(LAYER_OF) - set(_modules())) == []


def test_cycle_detection_finds_a_planted_cycle():
    # The check itself can fail: a three-module cycle is found, an acyclic graph is not.
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle():
    graph, _ = _graph()
    assert _cycle(graph) is None


def test_no_function_level_import_of_the_package():
    _, inner = _graph()
    assert inner == []


def test_imports_go_down_the_layers():
    graph, _ = _graph()
    upward = [(m, LAYERS_NAME[LAYER_OF[m]], d, LAYERS_NAME[LAYER_OF[d]])
              for m, deps in graph.items() for d in deps if d in LAYER_OF and LAYER_OF[d] > LAYER_OF[m]]
    assert upward == []


LAYERS_NAME = list(LAYERS)


def test_engine_imports_no_io_presentation_or_cli():
    graph, _ = _graph()
    bad = sorted((m, d) for m in ENGINE for d in graph[m] if d in NOT_FOR_ENGINE)
    assert bad == []


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_each_module_imports_in_any_order(order):
    mods = _modules()
    if order == "backward":
        mods = mods[::-1]
    code = "import importlib\n" + "".join(f"importlib.import_module('benchmark_tools.{m}')\n" for m in mods)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(PKG.parent), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert res.returncode == 0, res.stderr[-2000:]


#: Size limits of the issue "one-way structure": a module owns one concern, a function one step.
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 80


def test_modules_and_functions_stay_small():
    big_modules, long_functions = [], []
    for name in _modules():
        text = (PKG / f"{name}.py").read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            big_modules.append((name, text.count("\n")))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long_functions.append((name, node.name, n))
    assert big_modules == [] and long_functions == []


def test_module_map_lists_every_module():
    # The developers' map (src/benchmark_tools/README.md) names every module of the package.
    text = (PKG / "README.md").read_text(encoding="utf-8")
    assert [m for m in _modules() if f"| `{m}` |" not in text] == []
