"""The report runner: parameters, every notebook on a tiny synthetic project, the rendered HTML and PDF,
safe outputs when a notebook fails, and (when Debian's chromium is installed) a browser check."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from browserkit import launch, needs_chromium

from benchmark_tools.errors import InputError
from benchmark_tools.report_run import NotebookFailed, insert_toc, run_report
from benchmark_tools.run_params import load_params
from tinyproject import REPO, make_tiny_project

# The module runs the whole report once (every notebook, HTML, PDF): an end-to-end test.
pytestmark = pytest.mark.slow


def test_unknown_parameter_is_an_error():
    with pytest.raises(InputError, match="colour"):
        load_params(REPO, ["colour=red"])


def test_bad_parameter_value_is_an_error():
    with pytest.raises(InputError, match="method"):
        load_params(REPO, ["method=mediane"])


def test_overrides_are_typed():
    p = load_params(REPO, ["n_draws=300", "families=budget_participatif,fonds_de_concours", "profile=gestion"])
    assert p.n_draws == 300 and p.families == ["budget_participatif", "fonds_de_concours"] and p.profile == "gestion"


def test_toc_links_every_heading():
    html = '<!--TOC--><h2 id="a">Un</h2><h3 id="b">Deux</h3><h2 id="c">Trois</h2>'
    out = insert_toc(html)
    assert out.count('href="#') == 3 and "<!--TOC-->" not in out


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One full run on the tiny project (every notebook, HTML, PDF)."""
    root = make_tiny_project(tmp_path_factory.mktemp("tiny") / "proj")
    reports = root / "reports"
    old = os.environ.get("BENCHMARK_ROOT")
    try:
        run_dir = run_report(["n_draws=300"], root=root, reports_dir=reports, echo=lambda *a: None)
    finally:
        if old is None:
            os.environ.pop("BENCHMARK_ROOT", None)
        else:
            os.environ["BENCHMARK_ROOT"] = old
    return root, reports, run_dir


def test_every_notebook_ran_and_was_kept(tiny_run):
    root, reports, run_dir = tiny_run
    executed = sorted(p.name for p in run_dir.glob("*.ipynb"))
    expected = sorted(p.stem + ".ipynb" for p in (root / "notebooks").glob("[0-9][0-9]_*.py")
                      if p.name != "50_printemps_citoyen.py")  # run by « printemps rapport », not the report
    assert executed == expected and "10_cas_et_qualite.ipynb" in executed
    assert (reports / "latest").resolve() == run_dir.resolve()


def test_html_has_sentinels_and_no_code(tiny_run):
    root, reports, run_dir = tiny_run
    html = (run_dir / "preconisations.html").read_text(encoding="utf-8")
    assert "Synthèse" in html and "Annexes" in html
    assert "Ville-Sentinelle" in html
    # a number from the scores: the leader's score as printed in the ranking table (3 decimals, French comma)
    scores = pd.read_csv(run_dir / "scores_budget_participatif.csv", index_col=0)
    leader = scores.loc[scores["rang"] == 1, "score"].iloc[0]
    assert f"{leader:.3f}".replace(".", ",") in html
    for code in ("import benchmark_tools", "rp.setup_notebook", "analyse_family(", "In&nbsp;[", "<script"):
        assert code not in html, code
    assert "&lt;script&gt;" in html  # the case text with HTML is shown inert
    assert 'nav class="toc"' in html


def test_pdf_has_pages_and_title(tiny_run):
    from pypdf import PdfReader

    _, _, run_dir = tiny_run
    reader = PdfReader(run_dir / "preconisations.pdf")
    assert len(reader.pages) > 1
    text = reader.pages[0].extract_text()
    assert "Dispositifs participatifs" in text


def test_failed_notebook_leaves_latest_untouched(tiny_run, tmp_path):
    root, reports, run_dir = tiny_run
    bad = tmp_path / "99_casse.py"
    bad.write_text("# %% tags=[\"parameters\"]\nseed = 1\n\n# %%\nraise ValueError('panne volontaire')\n", encoding="utf-8")
    before = (reports / "latest").resolve()
    with pytest.raises(NotebookFailed, match="panne volontaire"):
        run_report([], root=root, reports_dir=reports, notebooks=[bad], echo=lambda *a: None)
    assert (reports / "latest").resolve() == before
    failed = [p for p in (reports / "runs").iterdir() if p.name.endswith(".failed")]
    assert failed and (failed[0] / "99_casse.ipynb").exists()


def test_scores_csv_are_deterministic(tiny_run, tmp_path):
    from benchmark_tools.pipeline import write_scores
    from benchmark_tools.project import load_project

    root, _, run_dir = tiny_run
    project = load_project(root)
    params = load_params(root, ["n_draws=300"])
    write_scores(project, params, tmp_path)
    for f in run_dir.glob("scores_*.csv"):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes()




@pytest.mark.browser
@needs_chromium
def test_report_in_headless_chromium(tiny_run, tmp_path):
    from playwright.sync_api import sync_playwright

    _, _, run_dir = tiny_run
    url = (run_dir / "preconisations.html").resolve().as_uri()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(url, wait_until="load")
            broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length")
            n_images = page.evaluate("document.images.length")
            missing = page.evaluate("""Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href'))
                .filter(h => !document.getElementById(decodeURIComponent(h.slice(1))) && !document.getElementById(h.slice(1)))""")
            n_links = page.evaluate("document.querySelectorAll('nav.toc a').length")
            shot = run_dir / "capture_navigateur.png"
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    assert n_images > 0 and broken == 0
    assert n_links > 5 and missing == []
    assert shot.stat().st_size > 10_000
