"""Tests of benchmark_tools.gaps: which missing cell would change the conclusions if documented.

A synthetic family where one missing cell decides the leader: the expected shares are counted
here by hand from the prior's levels (exact fractions), never taken from the code under test.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from benchmark_tools import joint
from benchmark_tools.gaps import cell_gaps
from benchmark_tools.matrix import DecisionMatrix
from benchmark_tools.project import load_settings
from benchmark_tools.schema import Profile
from projectkit import REPO

NAN = np.nan
# One dimension, four ordinal criteria (levels 0–4), equal weights: score = Σ levels / 16.
#   A misses criterion k3; B = 14/16; A = (12 + v)/16 with v its k3 level.
#   The documented k3 levels (B 3, C 0, D 4, E 1, F 2) make the family prior uniform on 0–4.
#   C misses k2 and stays at the bottom whatever its value (at most 5/16 < D, E = 7/16).
ROWS = {
    "A": [4, 4, 4, NAN],
    "B": [4, 4, 3, 3],
    "C": [0, 1, NAN, 0],
    "D": [1, 1, 1, 4],
    "E": [2, 2, 2, 1],
    "F": [0, 0, 0, 2],
}


def _setup(prior="family"):
    ids = list(ROWS)
    m = DecisionMatrix.from_arrays(np.array([ROWS[c] for c in ids], dtype=float), case_ids=ids,
                                   dimension_of=["d"] * 4, types="ordinal")
    s = load_settings(REPO)
    s = s.model_copy(update={"scoring": s.scoring.model_copy(update={"coverage_threshold": 0.25})})
    prof = Profile(id="t", label_fr="t", viewpoint="t", rationale="t", dimension_weights={"d": 1.0})
    return ids, joint.JointScorer(m, prof, s, prior)


def _run(baseline=None):
    ids, sc = _setup()
    n = len(ids)
    base = np.zeros(n, dtype=bool) if baseline is None else np.isin(ids, baseline)
    df = cell_gaps(sc, 42, n_draws=400, levels=5, top_k=1, p_top_min=0.5, eligible=~base, baseline=base)
    df["case_id"] = [ids[i] for i in df["case"]]
    return df


def test_the_cell_that_decides_the_leader_comes_first():
    df = _run()
    assert len(df) == 2  # A·k3 and C·k2
    first = df.iloc[0]
    assert (first["case_id"], int(first["criterion"])) == ("A", 3)
    # Levels 0–4 of the prior: v ≤ 1 → B alone leads; v = 2 → A and B tie (the reference
    # group, both first in about 3/5 of the draws); v ≥ 3 → A alone. 4 of 5 levels change it.
    assert Fraction(first["p_leaders_change"]).limit_denominator(10) == Fraction(4, 5)
    # A's rank is 1 or 2 over the draws (interval width 1); fixed, it is one rank: width 0.
    assert first["width"] == 1.0
    assert first["width_reduction"] == 1.0
    second = df.iloc[1]
    assert second["case_id"] == "C"
    assert second["p_leaders_change"] == 0.0


def test_rennes_cells_that_matter_come_first():
    df = _run(baseline=["C"])
    # C (Rennes) cannot lead, and its cell never changes the leader group, but documenting it
    # narrows C's own interval: its gap is listed first, its service can answer directly.
    assert df.iloc[0]["case_id"] == "C"
    assert df.iloc[0]["width_reduction"] > 0
    assert df.iloc[1]["case_id"] == "A"


def test_gaps_are_seeded():
    a, b = _run(), _run()
    assert a.equals(b)


def test_quantile_levels_of_the_prior():
    ids, sc = _setup()
    # Mid-quantiles of the five documented k3 levels: each level once (normalised level / 4).
    assert np.array_equal(sc.model.quantiles(3, 5), np.arange(5) / 4)


@pytest.mark.parametrize("method", ["topsis"])
def test_non_separable_method_gives_the_same_order(method):
    ids, sc = _setup()
    sc.method = method
    df = cell_gaps(sc, 42, n_draws=200, levels=5, top_k=1, p_top_min=0.5, eligible=np.ones(len(ids), bool))
    assert ids[int(df.iloc[0]["case"])] == "A"


# --------------------------------------------------------------------------- threshold effect


def _threshold_project(tmp_path, prior: str, x_criteria: int):
    """The synthetic project of test_recommend plus a case X at the leaders' coverage threshold.

    X is documented at the top level (4) on ``x_criteria`` criteria: 6 (below the threshold of
    20 % of the applicable criteria) or 7 (above). X neither votes by ballot box nor has a
    climate focus, so that counting it among the leaders changes the rule on the ballot box.
    """
    import copy

    import yaml
    from test_recommend import CRITERIA, MIN_TERRITORY, TEST_RULES, _case, synthetic_cases

    from benchmark_tools.project import validate_project
    from projectkit import make_project

    root = make_project(tmp_path)
    for f in (root / "benchmark" / "designs").glob("*.yml"):
        f.unlink()
    rules = copy.deepcopy(TEST_RULES)
    rules["leaders"]["coverage_threshold"] = 0.2
    for r in rules["rules"]:
        if r["id"] == "r_share":
            r["min_share"] = 0.8
    (root / "benchmark" / "territory").mkdir(exist_ok=True)
    (root / "benchmark" / "territory" / "rennes_metropole.yml").write_text(
        yaml.safe_dump(MIN_TERRITORY, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "benchmark" / "recommendations.yml").write_text(
        yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    settings = (root / "benchmark" / "settings.yml").read_text(encoding="utf-8")
    (root / "benchmark" / "settings.yml").write_text(
        settings.replace("missing_prior: family", f"missing_prior: {prior}"), encoding="utf-8")
    extra = ["rules_publicity", "funding_predictability", "communal_cogovernance", "decision_power",
             "citizen_oversight", "targeted_outreach", "eco_conditionality"]
    cases = synthetic_cases(True) + [_case("x_bp", {c: 4 for c in extra[:x_criteria]},
                                           {"climate_focus": False, "voting_channels": ["en_ligne"]})]
    assert set(extra) <= set(CRITERIA)
    folder = root / "data" / "cases" / "budget_participatif"
    folder.mkdir(parents=True, exist_ok=True)
    for c in cases:
        (folder / f"{c['id']}.yml").write_text(yaml.safe_dump(c, allow_unicode=True, sort_keys=False),
                                               encoding="utf-8")
    proj = validate_project(root)
    assert not [p for p in proj.problems if p.severity == "error"]
    return proj


def _priorities(proj):
    from benchmark_tools.recommend import recommend

    rs = recommend(proj, "budget_participatif")
    return rs, {r.id for r in rs.priorities}, {r.id for r in rs.leads}


def test_threshold_cliff_with_the_available_case_rule(tmp_path):
    """Today's rule (prior none): one more documented criterion silently drops a priority."""
    before, p_before, _ = _priorities(_threshold_project(tmp_path / "a", "none", 6))
    after, p_after, _ = _priorities(_threshold_project(tmp_path / "b", "none", 7))
    cov = before.evidence.leaders_table.set_index("case_id")["Couverture"]
    assert cov["x_bp"] < 0.2 <= after.evidence.leaders_table.set_index("case_id")["Couverture"]["x_bp"]
    assert "x_bp" not in before.evidence.leader_ids and "x_bp" in after.evidence.leader_ids
    assert "r_share" in p_before and "r_share" not in p_after


def test_threshold_cannot_silently_change_a_priority(tmp_path):
    """Joint prior: a priority that changes was a lead already, or the gaps list reported it."""
    from benchmark_tools.gaps import family_gaps

    proj_before = _threshold_project(tmp_path / "a", "family", 6)
    before, p_before, l_before = _priorities(proj_before)
    after, p_after, _ = _priorities(_threshold_project(tmp_path / "b", "family", 7))
    # X is ranked (with its interval) on both sides of the threshold: no jump of its P(top k).
    pt_b, pt_a = before.evidence.p_top["x_bp"], after.evidence.p_top["x_bp"]
    assert abs(pt_a - pt_b) < 0.3
    changed = p_before ^ p_after
    if changed:
        gaps = family_gaps(proj_before, "budget_participatif").table
        cell = gaps[(gaps["identifiant"] == "x_bp") & (gaps["critère (identifiant)"] == "eco_conditionality")]
        reported = bool(len(cell)) and float(cell["P(changement d'une priorité)"].iloc[0]) > 0
        for rid in changed:
            assert rid in l_before or reported, rid
    # Every préconisation prints its retention share.
    for r in after.recommendations:
        assert r.retention is not None
        assert "des tirages" in after.to_text()
