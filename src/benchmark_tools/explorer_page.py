"""The offline weight explorer: one self-contained HTML page for readers who never open Python.

:func:`write_explorer_page` writes ``explorateur.html`` beside the report. The page embeds, as
JSON data, the normalised decision matrix of each family (with the status of each cell), the
criteria and dimensions with their French labels, the weighting profiles and the method
settings, and recomputes in the browser, in plain JavaScript:

- the dimension scores: the missing-aware weighted mean of each dimension's criteria, with the
  profile's criterion weights (:func:`benchmark_tools.aggregate.dimension_scores`);
- the overall score, by the weighted arithmetic or geometric mean of the dimension scores, a
  dimension without a value being left out per case (:func:`~benchmark_tools.aggregate.arithmetic`,
  :func:`~benchmark_tools.aggregate.geometric` with ``scoring.geometric_floor``);
- the coverage rule (a case under ``scoring.coverage_threshold`` is shown apart or excluded, by
  ``scoring.low_coverage_policy``) and the competition ranks with the tie rule of
  :func:`benchmark_tools.ranking.rank_desc` (``scoring.tie_tolerance``);
- the profiles include the services' views recorded in ``benchmark/consultations/``;
- a rank interval (5th–95th percentile, inverted CDF as in the report) from a seeded Monte Carlo
  around the current weights with the report's multiplicative scheme
  (``robustness.noise_factor``), ``explorer.n_draws`` draws.

The normalisation depends on the reference set of each family, not on the weights, so it is
done here by the engine and shipped as data: the page never re-implements it. TOPSIS and
PROMETHEE, whose scores depend on the other cases, stay in the report.

Every text of the YAML files reaches the page as JSON (with ``<``, ``>`` and ``&`` escaped, so
that no string can close the data block) and is inserted by the script with ``textContent``,
never as HTML. A Content-Security-Policy meta tag allows the page's own inline script and style
only (by their SHA-256 hashes) and ``data:`` images; nothing is ever fetched.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from pathlib import Path

from .cases import short_names
from .pipeline import family_matrix
from .project import load_consultations
from .safeio import write_text_atomic
from .scoring import score
from .vocabulary import METHOD_LABELS, NORMALISATION_LABELS

#: The file written beside the report.
EXPLORER_FILE = "explorateur.html"
ASSETS = Path(__file__).parent / "templates" / "explorateur"
#: Aggregations the page recomputes (the others need every pair of cases: report only).
PAGE_METHODS = ("arithmetic", "geometric")


def _num(x) -> float | None:
    """A float for JSON, ``None`` for NaN (JSON has no NaN)."""
    x = float(x)
    return None if math.isnan(x) else x


def _family_payload(project, family: str, normalisations: list[str], reference_profile) -> dict:
    matrix = family_matrix(project, family)
    cases = project.cases_of(family)
    by_id = {c.id: c for c in cases}
    names = short_names(cases)
    normalised = {}
    result = None
    for nm in normalisations:
        result = score(matrix, reference_profile, project.settings, method="arithmetic", normalisation=nm)
        normalised[nm] = [[_num(v) for v in row] for row in result.normalised]
    return {
        "id": family,
        "label": project.families.label(family),
        "cases": [{"id": cid, "name": names.get(cid, cid), "full_name": by_id[cid].name,
                   "baseline": bool(by_id[cid].baseline)} for cid in matrix.case_ids],
        "dimensions": list(matrix.dimension_ids),
        "criteria": list(matrix.criterion_ids),
        "criterion_labels": list(matrix.criterion_labels or matrix.criterion_ids),
        "dimension_of_criterion": [int(i) for i in matrix.dimension_index],
        "status": [[int(s) for s in row] for row in matrix.status],
        "coverage": [_num(c) for c in result.coverage],
        "eligible": [bool(not low) for low in result.low_coverage],
        "normalised": normalised,
    }


def explorer_payload(project, params) -> dict:
    """Everything the page needs, as plain JSON-ready data.

    Parameters
    ----------
    project : Project
    params : ReportParams
        The run parameters: families, default profile, method and normalisation, seed.
    """
    settings = project.settings
    dims = list(project.catalogue.dimension_ids)
    normalisations = list(dict.fromkeys([params.normalisation, *settings.robustness.normalisations]))
    profiles = [(p, p.label_fr) for p in (project.profiles[pid] for pid in sorted(project.profiles))]
    # The services' views (benchmark/consultations/), each ranking turned into a profile.
    for c in load_consultations(project.root, dims):
        profiles.append((c.profile, f"Consultation — {c.service} ({c.data.date})"))
    default_profile = project.profiles[params.profile]
    families = [f for f in params.families if project.cases_of(f)]
    sc = settings.scoring
    return {
        "title": params.title,
        "dimensions": dims,
        "dimension_labels": [project.catalogue.dimension(d).label_fr for d in dims],
        "profiles": [{"id": p.id, "label": label, "viewpoint": p.viewpoint,
                      "weights": [float(p.dimension_weights.get(d, 0.0)) for d in dims],
                      "criterion_weights": {k: float(v) for k, v in p.criterion_weights.items()}}
                     for p, label in profiles],
        "families": [_family_payload(project, f, normalisations, default_profile) for f in families],
        "methods": [{"id": m, "label": METHOD_LABELS[m][:1].upper() + METHOD_LABELS[m][1:]} for m in PAGE_METHODS],
        "normalisations": normalisations,
        "normalisation_labels": {nm: NORMALISATION_LABELS.get(nm, nm) for nm in normalisations},
        "defaults": {"profile": params.profile,
                     "method": params.method if params.method in PAGE_METHODS else PAGE_METHODS[0],
                     "normalisation": params.normalisation, "family": families[0] if families else None},
        "settings": {"coverage_threshold": float(sc.coverage_threshold), "policy": sc.low_coverage_policy,
                     "geometric_floor": float(sc.geometric_floor), "tie_tolerance": float(sc.tie_tolerance),
                     "noise_factor": float(settings.robustness.noise_factor),
                     "n_draws": int(settings.explorer.n_draws), "seed": int(params.seed) % 2**32,
                     "top_k": int(settings.robustness.top_k),
                     "stability_threshold": float(settings.robustness.stability_threshold)},
    }


def json_for_html(data) -> str:
    """JSON that can sit inside a ``<script type="application/json">`` block.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``… so that no string of the data can close the
    block or open a comment; ``JSON.parse`` reads them back unchanged.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def explorer_html(payload: dict) -> str:
    """The page: the template with its inline style, data and script, and a strict CSP."""
    script = (ASSETS / "explorer.js").read_text(encoding="utf-8")
    style = (ASSETS / "explorer.css").read_text(encoding="utf-8")
    page = (ASSETS / "page.html").read_text(encoding="utf-8")
    csp = ("default-src 'none'; "
           f"script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    # str.replace, not str.format: the data may contain braces.
    out = page.replace("%%CSP%%", csp).replace("%%STYLE%%", style).replace("%%SCRIPT%%", script)
    return out.replace("%%DATA%%", json_for_html(payload))


def write_explorer_page(project, params, out_dir: Path) -> Path:
    """Write ``explorateur.html`` into ``out_dir`` (atomically) and return its path."""
    return write_text_atomic(Path(out_dir) / EXPLORER_FILE, explorer_html(explorer_payload(project, params)))
