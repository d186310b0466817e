"""The offline weight explorer page (explorateur.html): data, safety, and the page against the engine."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import numpy as np
import pytest
import yaml
from browserkit import launch, needs_chromium

from benchmark_tools.explorer_page import (
    EXPLORER_FILE,
    explorer_html,
    explorer_payload,
    json_for_html,
    write_explorer_page,
)
from benchmark_tools.project import load_project, validate_project
from benchmark_tools.run_params import load_params
from projectkit import REPO, make_project, valid_case, write_case

PROFILES = ("equilibre", "gestion", "communes")

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "<svg onload=alert(3)>",
    "\"><iframe srcdoc='<script>alert(4)</script>'>",
    "<a href=javascript:alert(5)>clic</a>",
    "&lt;img src=x onerror=alert(6)&gt;",
    "<details open ontoggle=alert(7)>",
    "{{constructor.constructor('alert(8)')()}}",
]


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def real():
    root = REPO
    return load_project(root), load_params(root)


def test_json_block_cannot_be_closed_by_a_string():
    data = {"name": "</script><script>alert(1)</script> & <!-- \u2028"}
    text = json_for_html(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_payload_carries_the_matrix_statuses_and_settings(real):
    project, params = real
    payload = explorer_payload(project, params)
    fams = [f["id"] for f in payload["families"]]
    assert fams == [f for f in params.families if project.cases_of(f)]
    bp = payload["families"][0]
    n, m = len(bp["cases"]), len(bp["criteria"])
    assert len(bp["status"]) == n and all(len(r) == m for r in bp["status"])
    # A cell without a value has no number in the page (JSON null), a cell with one has a number.
    for row_status, row_x in zip(bp["status"], bp["normalised"][params.normalisation], strict=True):
        for st, x in zip(row_status, row_x, strict=True):
            if st == 0:
                assert isinstance(x, float)
    assert payload["settings"]["n_draws"] == project.settings.explorer.n_draws
    assert payload["settings"]["tie_tolerance"] == project.settings.scoring.tie_tolerance
    assert {p["id"] for p in payload["profiles"]} == set(project.profiles)


def test_page_has_a_strict_csp_and_loads_nothing(real):
    project, params = real
    html = explorer_html(explorer_payload(project, params))
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp and "script-src 'sha256-" in csp
    # Outside the data block: no src/href attribute, no URL but the SVG namespace (never fetched).
    head, rest = html.split('<script id="donnees" type="application/json">')
    code = head + rest.split("</script>", 1)[1]
    assert not re.search(r"\s(src|href)\s*=", code)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", code)) == {"http://www.w3.org/2000/svg"}


# --------------------------------------------------------------------------- browser



class _Page:
    """One page of the explorer with its console, dialogs and requests recorded."""

    def __init__(self, browser, url):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        self.errors, self.requests, self.dialogs = [], [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready='1']")

    def rows(self):
        return self.page.eval_on_selector_all(
            "#classement tbody tr", "rs => rs.map(r => [r.dataset.case, +r.dataset.rank, r.dataset.score])")

    def weights(self, dims):
        h = parse_qs(self.page.evaluate("location.hash.slice(1)"))
        w = dict(item.split(":") for item in h["poids"][0].split(","))
        return [float(w[d]) for d in dims]


def engine_scores(project, family: str, weights, profile_id: str, method: str, normalisation: str):
    """The engine's scores and ranks for the given dimension weights (the profile's criterion weights kept)."""
    from benchmark_tools.pipeline import family_matrix
    from benchmark_tools.scoring import score

    prof = project.profiles[profile_id]
    dims = list(project.catalogue.dimension_ids)
    custom = prof.model_copy(update={"dimension_weights": dict(zip(dims, map(float, weights), strict=True))})
    res = score(family_matrix(project, family), custom, project.settings, method=method, normalisation=normalisation)
    return np.asarray(res.scores), np.asarray(res.ranks)


def _check_against_engine(project, family, rows, weights, profile, method, normalisation):
    scores, ranks = engine_scores(project, family, weights, profile, method, normalisation)
    ids = list(project.cases_of(family))
    index = {c.id: i for i, c in enumerate(ids)}
    assert len(rows) == len(ids)
    for cid, rank, score in rows:
        i = index[cid]
        assert rank == ranks[i], (family, profile, cid)
        if np.isnan(scores[i]):
            assert score == ""
        else:
            assert float(score) == pytest.approx(scores[i], abs=1e-9), (family, profile, cid)


@pytest.fixture(scope="module")
def page_url(real, tmp_path_factory):
    project, params = real
    out = tmp_path_factory.mktemp("explorateur")
    return write_explorer_page(project, params, out).resolve().as_uri()


@pytest.mark.browser
@pytest.mark.slow
@needs_chromium
def test_page_scores_equal_the_engine_for_each_family_and_profile(real, page_url):
    from playwright.sync_api import sync_playwright

    project, params = real
    dims = list(project.catalogue.dimension_ids)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            for fam in params.families:
                for prof in PROFILES:
                    for method in ("arithmetic", "geometric"):
                        pg = _Page(browser, f"{page_url}#famille={fam}&profil={prof}&methode={method}")
                        w = [float(project.profiles[prof].dimension_weights.get(d, 0)) for d in dims]
                        _check_against_engine(project, fam, pg.rows(), w, prof, method, params.normalisation)
                        assert pg.errors == [] and pg.dialogs == []
                        assert set(pg.requests) == {page_url}
                        pg.page.close()
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
@needs_chromium
def test_slider_permalink_and_download(real, page_url, tmp_path):
    from playwright.sync_api import sync_playwright

    project, params = real
    dims = list(project.catalogue.dimension_ids)
    fam = params.families[0]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            pg = _Page(browser, f"{page_url}#famille={fam}&profil=equilibre")
            before = pg.rows()
            slider = pg.page.locator("#w-ecology")
            slider.focus()
            for _ in range(40):
                slider.press("ArrowRight")
            w = pg.weights(dims)
            assert w[dims.index("ecology")] > w[dims.index("inclusion")]
            after = pg.rows()
            assert after != before
            _check_against_engine(project, fam, after, w, "equilibre", "arithmetic", params.normalisation)
            # The permalink restores the same state in a new page.
            link = pg.page.url
            again = _Page(browser, link)
            assert again.rows() == after
            assert again.page.locator("#w-ecology").input_value() == slider.input_value()
            # The downloaded profile is accepted by the tool and has the page's weights.
            pg.page.fill("#profil-id", "ma_ponderation")
            pg.page.fill("#profil-libelle", "Priorité à l'écologie")
            with pg.page.expect_download() as dl:
                pg.page.click("#telecharger")
            root = make_project(tmp_path)
            target = root / "benchmark" / "profiles" / "ma_ponderation.yml"
            dl.value.save_as(str(target))
            proj = validate_project(root)
            assert [x for x in proj.problems if x.severity == "error"] == []
            saved = yaml.safe_load(target.read_text(encoding="utf-8"))
            total = sum(w)
            for d, x in zip(dims, w, strict=True):
                assert saved["dimension_weights"][d] == pytest.approx(100 * x / total, abs=1e-4)
            assert pg.errors == [] and again.errors == []
            assert set(pg.requests) | set(again.requests) <= {page_url, link}
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
@needs_chromium
def test_hostile_texts_stay_text(tmp_path):
    from playwright.sync_api import sync_playwright

    root = make_project(tmp_path)
    write_case(root, yaml.safe_load((REPO / "tests" / "data" / "bad" / "html_case.yml").read_text(encoding="utf-8")))
    for i, text in enumerate(HOSTILE):
        case = valid_case(id=f"ville_{i}_bp", name=f"Budget {text}", territory=f"Ville {i} {text}",
                          short_name=f"V{i} {text}"[:60], edition=text)
        write_case(root, case)
    project = load_project(root)
    params = load_params(root, ["families=[budget_participatif]"])
    url = write_explorer_page(project, params, tmp_path).resolve().as_uri()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            pg = _Page(browser, url)
            names = pg.page.eval_on_selector_all("#classement tbody tr td:nth-child(2)", "ts => ts.map(t => t.textContent)")
            handlers = pg.page.evaluate(
                "Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)"
                ".some(a => a.name.startsWith('on'))).length")
            frames = pg.page.evaluate("document.querySelectorAll('iframe, img, a[href], script[src]').length")
        finally:
            browser.close()
    assert pg.dialogs == [] and pg.errors == []
    assert handlers == 0 and frames == 0
    assert any("<img src=x onerror=alert(1)>" in n for n in names)
    assert len(names) == len(HOSTILE) + 1
    assert (tmp_path / EXPLORER_FILE).exists()


def test_writer_leaves_only_the_page(tmp_path, real):
    # The writer is atomic and leaves no temporary file beside the page.
    project, params = real
    write_explorer_page(project, params, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [EXPLORER_FILE]


def test_services_profiles_are_offered(tmp_path):
    from notekit import write_consultation

    from benchmark_tools.project import load_consultations

    root = make_project(tmp_path, with_cases=True)
    project = load_project(root)
    dims = list(project.catalogue.dimension_ids)
    write_consultation(root, "Direction des finances", list(reversed(dims)))
    project = load_project(root)
    payload = explorer_payload(project, load_params(root))
    (service,) = [p for p in payload["profiles"] if p["label"].startswith("Consultation — Direction des finances")]
    (c,) = load_consultations(root, dims)
    assert service["weights"] == [float(c.profile.dimension_weights[d]) for d in dims]
    # Rank 1 (the last dimension here) weighs most under the rank-order rule.
    assert service["weights"][-1] == max(service["weights"]) > service["weights"][0]
