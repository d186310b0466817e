"""Timings of the scoring engine and the robustness module (``make bench``).

Prints one ``name: value`` line per figure and writes the same figures to
``reports/bench/latest.json``. Everything runs in one process on the same machine, BLAS held
to one thread with threadpoolctl (the team's machine has 2 cores and is shared; the library
loops it is compared with are single-threaded anyway). Each figure is the median of several
repetitions.

Figures
-------
a. flat TOPSIS and flat weighted sum over 10,000 weight vectors, 50 cases × 34 criteria:
   batched numpy (``aggregate.topsis_flat`` / ``aggregate.weighted_sum_flat`` + ranks) against a
   Python loop over scikit-criteria (same rankings asserted on the first 100 vectors);
   target ratio ≥ 100.
b. hierarchical Monte Carlo (10,000 draws) + SMAA-2 on 50 cases × 34 criteria in the
   catalogue's 7 dimensions (``robustness.monte_carlo`` + ``smaa_from_monte_carlo`` on
   ``scoring.make_batch_scorer``); target ≤ 50 ms for the default method.
c. Sobol with 30 weight factors, N = 1024 (32,768 rankings + SALib analysis) on a
   hierarchical synthetic problem (30 dimensions × 2 criteria, 50 cases); target ≤ 1 s.
e. joint Monte Carlo (weights + missing values, ``joint.joint_monte_carlo``, prior ``family``)
   + SMAA-2 for 10,000 draws on 50 cases × 34 criteria with 60 % missing cells; target ≤ 100 ms,
   and its ratio to the weights-only run on the same matrix.
d. validation + scoring of 1,000 and 10,000 synthetic case dicts (pydantic ``Case`` model +
   ``validate.check_case``; ``DecisionMatrix.from_cases`` + ``scoring.score``); target ≤ 5 s
   for 10,000 and close to linear (ratio ≈ 10).
e. the whole report (every notebook, HTML, PDF and note) on 500 synthetic cases, once
   (``--report-cases``; the long tables are cut at ``settings.report.max_table_rows``);
   target < 3 min on 2 cores.

e. the spreadsheet route: ``export-xlsx`` and ``import-xlsx`` (every file written) of 500 and
   2,000 synthetic case files in a throw-away project; targets: ratio 2,000/500 ≤ 5 (near-linear)
   and 2,000 cases under 60 s each way.

f. ``make report`` and ``make test`` timed as whole processes (wall clock of the subprocess, warm
   environment, cores and load average recorded); targets: under 40 s and under 60 s on 2 idle
   cores. Also the per-notebook times and the run's cache line (computed/reused results).

Usage: ``python bench/bench.py [--reps 7] [--slow-reps 3] [--only xlsx|make] [--make-reps 1]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
import threadpoolctl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchmark_tools import aggregate as agg  # noqa: E402
from benchmark_tools import project as config  # noqa: E402
from benchmark_tools import robustness as rb  # noqa: E402
from benchmark_tools import scoring  # noqa: E402
from benchmark_tools.matrix import DecisionMatrix  # noqa: E402
from benchmark_tools.ranking import rank_desc  # noqa: E402
from benchmark_tools.schema import Case, Profile  # noqa: E402

FIGURES: dict[str, object] = {}


def emit(name: str, value) -> None:
    """Record a figure and print it as ``name: value``."""
    if isinstance(value, float):
        value = float(f"{value:.4g}")
    FIGURES[name] = value
    print(f"{name}: {value}", flush=True)


def median_s(f, reps: int) -> float:
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


# --------------------------------------------------------------------------- synthetic problems


def hierarchical_matrix(rng, catalogue, n: int, missing_share: float) -> DecisionMatrix:
    """n synthetic cases on the real catalogue structure (34 criteria, 7 dimensions).

    Ordinal criteria get levels 0–4, numeric ones values in [0, 1] (goalposts (0, 1)), the
    catalogue's directions, and a share of missing cells.
    """
    crits = list(catalogue.criteria)
    types = [c.type for c in crits]
    x = np.where(
        np.array(types) == "ordinal",
        rng.integers(0, 5, size=(n, len(crits))),
        rng.uniform(0, 1, size=(n, len(crits))),
    ).astype(float)
    x[rng.uniform(size=x.shape) < missing_share] = np.nan
    return DecisionMatrix.from_arrays(
        x,
        case_ids=[f"synth_{i:05d}" for i in range(n)],
        criterion_ids=[c.id for c in crits],
        dimension_of={c.id: c.dimension for c in crits},
        dimension_ids=list(catalogue.dimension_ids),
        types=types,
        directions=["higher" if c.type == "ordinal" else c.direction for c in crits],
    )


def load_profile(profile_id: str) -> Profile:
    """One profile file, read on its own: ``config.load_profiles`` validates the whole project,
    and the speed measurement must not depend on the case files being valid."""
    obj, _, problems = config.load_model(ROOT / "benchmark" / "profiles" / f"{profile_id}.yml", Profile, ROOT)
    if obj is None:
        raise SystemExit("profil illisible : " + "; ".join(p.format() for p in problems))
    return obj


def synthetic_profile(dimension_ids, rng) -> Profile:
    return Profile(
        id="synthetique",
        label_fr="Synthétique (mesure de vitesse)",
        viewpoint="Profil de test, poids tirés au hasard.",
        rationale="Mesure de vitesse uniquement.",
        dimension_weights={d: float(w) for d, w in zip(dimension_ids, rng.uniform(0.5, 1.5, len(dimension_ids)), strict=True)},
    )


def fact(value, year=2023):
    return {
        "value": value,
        "year": year,
        "source": "https://example.org/cas-synthetique-pour-mesure-de-vitesse",
        "confidence": "documented",
    }


def synthetic_case_dicts(rng, catalogue, n: int, family: str) -> list[dict]:
    """Case dicts as a YAML file would give them (synthetic values, never written to data/)."""
    ordinal = [c.id for c in catalogue.criteria if c.type == "ordinal"]
    out = []
    for i in range(n):
        levels = rng.integers(0, 5, len(ordinal))
        keep = rng.uniform(size=len(ordinal)) < 0.85
        pop = int(rng.integers(5_000, 2_000_000))
        submitted = int(rng.integers(20, 1500))
        retained = int(rng.integers(1, submitted + 1))
        out.append(
            {
                "id": f"synth_{i:05d}",
                "name": f"Dispositif synthétique {i}",
                "family": family,
                "territory": f"Territoire synthétique {i}",
                "country": "FR",
                "level": "commune",
                "summary": "Cas synthétique généré pour mesurer la vitesse de l'outil.",
                "population": fact(pop),
                "design": {
                    "envelope": fact(float(rng.integers(100_000, 20_000_000))),
                    "envelope_period_years": fact(1),
                },
                "outcomes": {
                    "voters_count": fact(int(pop * rng.uniform(0.01, 0.2))),
                    "projects_submitted": fact(submitted),
                    "projects_retained": fact(retained),
                    "projects_delivered": fact(int(rng.integers(0, retained + 1))),
                },
                "scores": {
                    cid: {**fact(int(v)), "confidence": "coded", "note": "« niveau synthétique » → test"}
                    for cid, v, k in zip(ordinal, levels, keep, strict=True)
                    if k
                },
            }
        )
    return out


# --------------------------------------------------------------------------- figures


def bench_flat(rng, reps: int, slow_reps: int) -> None:
    import skcriteria as skc
    from skcriteria.agg.simple import WeightedSumModel
    from skcriteria.agg.topsis import TOPSIS
    from skcriteria.pipelines import mkpipe
    from skcriteria.preprocessing.scalers import VectorScaler

    n, m, k = 50, 34, 10_000
    higher = np.arange(m) < 24  # 24 benefit + 10 cost criteria
    x = rng.uniform(1, 100, size=(n, m))
    w = rng.dirichlet(np.ones(m), size=k)
    obj = np.where(higher, 1, -1)
    # Weighted sum works on oriented [0, 1] values (min-max, cost criteria flipped), the same
    # array for both tools.
    lo, hi = x.min(0), x.max(0)
    xn = np.where(higher, (x - lo) / (hi - lo), (hi - x) / (hi - lo))

    pipe = mkpipe(VectorScaler(target="matrix"), TOPSIS())
    wsm = WeightedSumModel()

    def skc_topsis(wk):
        return pipe.evaluate(skc.mkdm(x, obj, weights=wk)).rank_

    def skc_wsm(wk):
        return wsm.evaluate(skc.mkdm(xn, np.ones(m), weights=wk)).rank_

    def ours_topsis():
        return rank_desc(agg.topsis_flat(x, w, higher))

    def ours_wsm():
        return rank_desc(agg.weighted_sum_flat(xn, w))

    for name, ours, lib in (("topsis", ours_topsis, skc_topsis), ("weighted_sum", ours_wsm, skc_wsm)):
        ref = ours()
        for i in range(100):
            if not np.array_equal(np.asarray(lib(w[i])), ref[i]):
                raise AssertionError(f"{name}: classement différent de scikit-criteria (vecteur {i})")
        t_ours = median_s(ours, reps)
        t_lib = median_s(lambda lib=lib: [lib(wk) for wk in w], slow_reps)
        emit(f"a_{name}_same_rankings_first_100", True)
        emit(f"a_{name}_batched_10k_ms", t_ours * 1e3)
        emit(f"a_{name}_skcriteria_loop_10k_ms", t_lib * 1e3)
        emit(f"a_{name}_speedup_ratio", t_lib / t_ours)
        emit(f"a_{name}_target_ratio_ge_100_met", bool(t_lib / t_ours >= 100))


def bench_mc_smaa(rng, settings, catalogue, profile, reps: int) -> None:
    rs = settings.robustness
    n_draws = 10_000
    matrix = hierarchical_matrix(rng, catalogue, 50, 0.1)
    sc = scoring.make_batch_scorer(matrix, profile, settings)
    emit("b_problem", f"{matrix.n_cases} cas × {matrix.n_criteria} critères, {len(matrix.dimension_ids)} dimensions, {n_draws} tirages ({rs.weight_scheme})")
    for method in sc.methods:
        sc(sc.nominal_weights, method=method)  # fill the scorer's per-normalisation caches

        def run(method=method):
            mc = rb.monte_carlo(
                sc, n_draws, rs.weight_scheme, 1, rs.top_k, noise_factor=rs.noise_factor,
                concentration=rs.dirichlet_concentration, method=method,
                stability_threshold=rs.stability_threshold,
            )
            return mc, rb.smaa_from_monte_carlo(mc, sc)

        mc, sm = run()
        np.testing.assert_allclose(sm.acceptability[sm.ranked].sum(1), 1.0)
        t = median_s(run, reps)
        emit(f"b_mc_smaa_{method}_10k_ms", t * 1e3)
        if method == sc.default_method:
            emit("b_target_default_method_le_50ms_met", bool(t <= 0.050))
    # Parts of the default-method run, to see where the time goes.
    w = rb.draw_weights(sc.nominal_weights, n_draws, rs.weight_scheme, 1, rs.noise_factor, rs.dirichlet_concentration)
    emit("b_part_draw_weights_ms", median_s(lambda: rb.draw_weights(
        sc.nominal_weights, n_draws, rs.weight_scheme, 1, rs.noise_factor, rs.dirichlet_concentration), reps) * 1e3)
    emit("b_part_score_ms", median_s(lambda: sc(w), reps) * 1e3)
    s = sc(w)
    emit("b_part_rank_ms", median_s(lambda: rank_desc(s), reps) * 1e3)


def bench_joint(rng, settings, catalogue, profile, reps: int) -> None:
    from benchmark_tools import joint

    n_draws = 10_000
    matrix = hierarchical_matrix(rng, catalogue, 50, 0.6)
    s = settings.model_copy(update={"robustness": settings.robustness.model_copy(update={"missing_prior": "family"})})
    jsc = joint.JointScorer(matrix, profile, s, "family")
    sc = scoring.make_batch_scorer(matrix, profile, s)
    rs = s.robustness
    emit("e_problem", f"{matrix.n_cases} cas × {matrix.n_criteria} critères, {int((~matrix.available).sum())} cases "
                      f"manquantes ({jsc.n_cells} tirées par tirage), {n_draws} tirages")

    def run_joint():
        mc = joint.joint_monte_carlo(matrix, profile, s, 1, n_draws=n_draws, scorer=jsc)
        return mc, rb.smaa_from_monte_carlo(mc, sc)

    def run_weights():
        mc = rb.monte_carlo(sc, n_draws, rs.weight_scheme, 1, rs.top_k, noise_factor=rs.noise_factor,
                            concentration=rs.dirichlet_concentration, stability_threshold=rs.stability_threshold)
        return mc, rb.smaa_from_monte_carlo(mc, sc)

    mc, sm = run_joint()
    np.testing.assert_allclose(sm.acceptability.sum(1), 1.0)
    run_weights()
    t_joint = median_s(run_joint, reps)
    t_w = median_s(run_weights, reps)
    emit("e_joint_mc_smaa_10k_ms", t_joint * 1e3)
    emit("e_weights_only_mc_smaa_10k_ms", t_w * 1e3)
    emit("e_ratio_joint_over_weights_only", t_joint / t_w)
    emit("e_target_le_100ms_met", bool(t_joint <= 0.100))
    # Parts: drawing the uniform numbers, mapping them through the priors and summing.
    w, u = joint.draw_joint(jsc, n_draws, 1)
    emit("e_part_draws_ms", median_s(lambda: joint.draw_joint(jsc, n_draws, 1), reps) * 1e3)
    emit("e_part_joint_scores_ms", median_s(lambda: jsc(w, u), reps) * 1e3)


def bench_sobol(rng, settings, reps: int) -> None:
    rs = settings.robustness
    n, d, per_dim, n_base = 50, 30, 2, 1024
    dims = [f"dim{j:02d}" for j in range(d)]
    crit = [f"k{j:02d}_{c}" for j in range(d) for c in range(per_dim)]
    matrix = DecisionMatrix.from_arrays(
        rng.uniform(0, 1, size=(n, d * per_dim)),
        criterion_ids=crit,
        dimension_of={c: dims[int(c[1:3])] for c in crit},
        dimension_ids=dims,
    )
    sc = scoring.make_batch_scorer(matrix, synthetic_profile(dims, rng), settings)
    sc(sc.nominal_weights)

    def run():
        return rb.sobol_analysis(sc, n_base, 1, rs.noise_factor, n_bootstrap=rs.sobol_bootstrap)

    res = run()
    emit("c_problem", f"{n} cas, {d} dimensions × {per_dim} critères, {len(res.output)} classements, {rs.sobol_bootstrap} rééchantillonnages bootstrap")
    t = median_s(run, reps)
    emit("c_sobol_30_factors_N1024_ms", t * 1e3)
    emit("c_target_le_1s_met", bool(t <= 1.0))
    emit("c_sobol_max_ST", float(res.ST.max()))


def bench_validate_score(rng, settings, catalogue, families, profile, reps: int) -> None:
    from benchmark_tools import validate

    family = families.main[0]
    times = {}
    for n in (1_000, 10_000):
        dicts = synthetic_case_dicts(rng, catalogue, n, family)

        def run_validate(dicts=dicts):
            cases = [Case.model_validate(dct) for dct in dicts]
            problems = []
            for c in cases:
                problems += validate.check_case(
                    c, None, f"synthetique/{c.id}.yml", Path(family) / f"{c.id}.yml",
                    catalogue=catalogue, families=families, settings=settings,
                )
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise AssertionError(errors[0].format())
            return cases

        cases = run_validate()

        def run_score(cases=cases):
            matrix = DecisionMatrix.from_cases(cases, catalogue, family, families)
            return scoring.score(matrix, profile, settings)

        res = run_score()
        assert res.ranked.sum() > 0
        tv = median_s(run_validate, reps)
        ts = median_s(run_score, reps)
        times[n] = tv + ts
        emit(f"d_validate_{n}_cases_ms", tv * 1e3)
        emit(f"d_score_{n}_cases_ms", ts * 1e3)
        emit(f"d_validate_and_score_{n}_cases_ms", (tv + ts) * 1e3)
    emit("d_ratio_10000_over_1000", times[10_000] / times[1_000])
    emit("d_target_10000_le_5s_met", bool(times[10_000] <= 5.0))


def bench_xlsx(rng, catalogue, families) -> None:
    """Export then import (all files written) of 500 and 2,000 synthetic case files (one run each)."""
    import shutil
    import tempfile

    import yaml

    from benchmark_tools.project import load_project
    from benchmark_tools.workbook import export_workbook, import_workbook

    family = families.main[0]
    times: dict[str, dict[int, float]] = {"export": {}, "import": {}}
    for n in (500, 2_000):
        tmp = Path(tempfile.mkdtemp(prefix="bench-xlsx-"))
        try:
            root = tmp / "proj"
            shutil.copytree(ROOT / "benchmark", root / "benchmark")
            for f in (root / "benchmark" / "designs").glob("*.yml"):
                if "status_quo_of" in f.read_text(encoding="utf-8"):
                    f.unlink()  # a status quo reads a real case, absent here
            folder = root / "data" / "cases" / family
            folder.mkdir(parents=True)
            for d in synthetic_case_dicts(rng, catalogue, n, family):
                (folder / f"{d['id']}.yml").write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False),
                                                       encoding="utf-8")
            project = load_project(root)
            t0 = time.perf_counter()
            export_workbook(project, tmp / "cas.xlsx")
            times["export"][n] = time.perf_counter() - t0
            shutil.rmtree(folder)
            folder.mkdir()
            project = load_project(root)
            t0 = time.perf_counter()
            written = import_workbook(project, tmp / "cas.xlsx")
            times["import"][n] = time.perf_counter() - t0
            assert len(written) == n
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        emit(f"e_export_xlsx_{n}_cases_s", times["export"][n])
        emit(f"e_import_xlsx_{n}_cases_s", times["import"][n])
    for way in ("export", "import"):
        ratio = times[way][2_000] / times[way][500]
        emit(f"e_{way}_ratio_2000_over_500", ratio)
        emit(f"e_{way}_target_ratio_le_5_and_2000_lt_60s_met", bool(ratio <= 5 and times[way][2_000] < 60))


def bench_explorer_page(reps: int) -> None:
    """The offline explorer page on the real data: size, first render and one slider move in Chromium."""
    import shutil
    import tempfile

    from benchmark_tools.explorer_page import write_explorer_page
    from benchmark_tools.project import load_project
    from benchmark_tools.run_params import load_params

    project, params = load_project(ROOT), load_params(ROOT)
    out = Path(tempfile.mkdtemp(prefix="explorateur-"))
    page_path = write_explorer_page(project, params, out)
    emit("explorer_page_kb", page_path.stat().st_size / 1024)
    chromium = shutil.which("chromium")
    if chromium is None:
        emit("explorer_first_render_ms", "chromium absent (make system)")
        return
    from playwright.sync_api import sync_playwright

    url = page_path.resolve().as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"])
        try:
            renders, moves = [], []
            for _ in range(reps):
                page = browser.new_page()
                t0 = time.perf_counter()
                page.goto(url)
                page.wait_for_selector("body[data-ready='1']")
                renders.append(time.perf_counter() - t0)
                # One slider move: the page recomputes scores, ranks and its Monte Carlo.
                moves.append(page.evaluate("""() => { const s = document.getElementById('w-ecology');
                    s.value = String(Number(s.value) + 5); const t0 = performance.now();
                    s.dispatchEvent(new Event('input')); return performance.now() - t0; }""") / 1000)
                page.close()
        finally:
            browser.close()
    shutil.rmtree(out, ignore_errors=True)
    emit("explorer_first_render_ms", 1000 * statistics.median(renders))
    emit("explorer_slider_move_ms", 1000 * statistics.median(moves))


def bench_printemps(reps: int) -> None:
    """The Printemps citoyen planning (CP-SAT) on synthetic editions of 150 and 600 proposals."""
    import shutil
    import tempfile

    from benchmark_tools.printemps_model import load_edition
    from benchmark_tools.printemps_plan import plan
    from benchmark_tools.printemps_synthetic import write_synthetic_edition

    for n in (150, 600):
        root = Path(tempfile.mkdtemp(prefix="printemps-"))
        try:
            shutil.copytree(ROOT / "benchmark", root / "benchmark")
            write_synthetic_edition(root, n=n, edition="2099")
            ed = load_edition(root, "2099")
            results: list = []
            emit(f"printemps_plan_{n}_s", median_s(lambda ed=ed, out=results: out.append(plan(ed)), reps))
            emit(f"printemps_plan_{n}_placed", f"{len(results[-1].dates)}/{n} ({results[-1].status})")
        finally:
            shutil.rmtree(root, ignore_errors=True)


def bench_report_scale(n_cases: int = 500) -> None:
    """The whole report (``run_report``: every notebook, HTML, PDF, note) on ``n_cases`` synthetic cases
    spread over the three families, with ``settings.report.max_table_rows`` as set; target < 3 min."""
    import shutil
    import tempfile

    import yaml

    from benchmark_tools.report_run import run_report

    rng = np.random.default_rng(20261204)
    root = Path(tempfile.mkdtemp(prefix="rapport-echelle-"))
    try:
        shutil.copytree(ROOT / "benchmark", root / "benchmark")
        shutil.copytree(ROOT / "notebooks", root / "notebooks")
        for f in (root / "benchmark" / "designs").glob("*.yml"):  # a status quo reads a real case
            if "status_quo_of" in f.read_text(encoding="utf-8"):
                f.unlink()
        catalogue = config.load_catalogue(root)
        families = config.load_families(root)
        shares = {"budget_participatif": 0.4, "appel_a_projets": 0.3, "fonds_de_concours": 0.3}
        for family, share in shares.items():
            folder = root / "data" / "cases" / family
            folder.mkdir(parents=True)
            dicts = synthetic_case_dicts(rng, catalogue, int(round(n_cases * share)), family)
            for k, d in enumerate(dicts):
                d["id"] = f"{family[:3]}_{k:05d}"
                d["level"] = "commune" if family == "budget_participatif" else "epci"
                d["baseline"] = k == 0
                d["scores"] = {cid: v for cid, v in d["scores"].items()
                               if catalogue.criterion(cid).status_for(family, families) != "not_applicable"}
                (folder / f"{d['id']}.yml").write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False),
                                                       encoding="utf-8")
        t0 = time.perf_counter()
        run = run_report([], root=root, reports_dir=root / "reports", echo=lambda *a: None)
        emit(f"report_{n_cases}_cases_s", time.perf_counter() - t0)
        emit(f"report_{n_cases}_cases_html_mb", (run / "preconisations.html").stat().st_size / 1e6)
        try:
            from pypdf import PdfReader

            emit(f"report_{n_cases}_cases_pdf_pages", len(PdfReader(str(run / "preconisations.pdf")).pages))
        except ImportError:  # pragma: no cover - pypdf is a dev dependency
            pass
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_make(target: str) -> tuple[float, subprocess.CompletedProcess]:
    """Wall-clock seconds of ``make <target>`` as a whole process, and its output."""
    # The environment is warm (make bench depends on setup): the stamp is taken as up to date, so
    # that the figure is the command's own time, never a reinstall.
    stamp = f"{os.environ.get('VENV', '.venv')}/.installed"
    t0 = time.perf_counter()
    proc = subprocess.run(["make", "--no-print-directory", "-o", stamp, target], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return time.perf_counter() - t0, proc


def bench_make(reps: int) -> None:
    """``make report`` and ``make test`` timed as whole processes (subprocess wall clock).

    Targets of issue 19: ``make report`` under 40 s and ``make test`` under 60 s on 2 idle cores.
    The load average is recorded before each command: the machine may be shared.
    """
    emit("make_cores", f"{os.cpu_count()} cœurs ({len(os.sched_getaffinity(0))} utilisables)")
    for target, limit in (("report", 40.0), ("test", 60.0)):
        times = []
        for _ in range(reps):
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            t, proc = _run_make(target)
            if proc.returncode != 0:
                print(proc.stdout[-3000:])
                raise SystemExit(f"make {target} a échoué (code {proc.returncode})")
            times.append(t)
            emit(f"make_{target}_load_average_before", load)
        emit(f"make_{target}_s", statistics.median(times))
        if len(times) > 1:
            emit(f"make_{target}_all_s", [round(x, 1) for x in times])
        emit(f"make_{target}_target_lt_{int(limit)}s_met", bool(statistics.median(times) < limit))
        lines = proc.stdout.splitlines()
        if target == "report":
            notebooks = [ln.strip() for ln in lines if "terminé en" in ln]
            emit("make_report_notebooks", "; ".join(notebooks))
            cache = [ln.strip() for ln in lines if ln.startswith("Cache de calcul")]
            emit("make_report_cache", cache[-1] if cache else "(pas de ligne « Cache de calcul »)")
            ready = [ln.strip() for ln in lines if ln.startswith("Rapport prêt")]
            emit("make_report_runner_line", ready[-1].split(" : ")[0] if ready else "")
        else:
            summary = [ln.strip() for ln in lines if " passed" in ln or " failed" in ln]
            emit("make_test_summary", summary[-1] if summary else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7, help="répétitions des mesures rapides")
    ap.add_argument("--slow-reps", type=int, default=3, help="répétitions des mesures lentes")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "bench" / "latest.json")
    ap.add_argument("--only", choices=["xlsx", "make"], default=None,
                    help="ne mesurer qu'un groupe de figures (les autres figures de --out sont gardées)")
    ap.add_argument("--make-reps", type=int, default=1, help="exécutions chronométrées de make report et make test")
    ap.add_argument("--report-cases", type=int, default=500,
                    help="cas synthétiques du rapport complet chronométré (0 : ne pas le mesurer)")
    ap.add_argument("--only-report", action="store_true", help="ne mesurer que le rapport complet")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")  # scikit-criteria warns on every TOPSIS call with cost criteria

    with threadpoolctl.threadpool_limits(1):
        blas = [(i["internal_api"], i["num_threads"]) for i in threadpoolctl.threadpool_info()]
        emit("blas_threads", "1 (threadpoolctl ; " + ", ".join(f"{a}={t}" for a, t in blas) + ")")
        emit("machine", f"{platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}")
        emit("versions", ", ".join(f"{p} {version(p)}" for p in ("numpy", "scipy", "SALib", "pandas", "scikit-criteria", "pydantic")))
        emit("repetitions", f"médiane de {args.reps} (rapides) / {args.slow_reps} (lentes)")
        settings = config.load_settings(ROOT)
        catalogue = config.load_catalogue(ROOT)
        families = config.load_families(ROOT)
        profile = load_profile("equilibre")
        rng = np.random.default_rng(20261128)
        t0 = time.perf_counter()
        if args.only is None and not args.only_report:
            bench_flat(rng, args.reps, args.slow_reps)
            bench_mc_smaa(rng, settings, catalogue, profile, args.reps)
            bench_sobol(rng, settings, args.reps)
            bench_joint(rng, settings, catalogue, profile, args.reps)
            bench_validate_score(rng, settings, catalogue, families, profile, args.slow_reps)
            bench_explorer_page(args.slow_reps)
            bench_printemps(args.slow_reps)
        if not args.only_report and args.only in (None, "xlsx"):
            bench_xlsx(rng, catalogue, families)
        if args.report_cases and args.only is None:
            bench_report_scale(args.report_cases)
        if args.only in (None, "make") and not args.only_report and args.make_reps > 0:
            # Last: the whole commands, each on a machine no longer busy with the figures above.
            bench_make(args.make_reps)
        emit("load_average_end", " ".join(f"{x:.2f}" for x in os.getloadavg()))
        emit("bench_total_s", time.perf_counter() - t0)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    figures = dict(FIGURES)
    if (args.only or args.only_report) and args.out.exists():
        # A partial measurement updates its figures and keeps the others.
        figures = {**json.loads(args.out.read_text(encoding="utf-8")).get("figures", {}), **FIGURES}
    payload = {"date_utc": datetime.now(UTC).isoformat(timespec="seconds"), "figures": figures}
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
