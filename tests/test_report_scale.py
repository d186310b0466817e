"""The report at scale: beyond settings.report.max_table_rows cases in a family, the tables show the top
of the ranking and the Rennes instruments, and the full table goes to CSV in the run folder."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from benchmark_tools.report_blocks import cases_list, family_table, shown_cases


def _fa(n: int):
    ids = [f"c{i:02d}" for i in range(n)]
    table = pd.DataFrame({"identifiant": ids, "Cas": [f"Cas {i}" for i in range(n)],
                          "Score": [1 - i / 100 for i in range(n)], "Rang nominal": list(range(1, n + 1)),
                          "Couverture": [0.5] * n, "Statut": ["classé"] * n})
    return SimpleNamespace(summary_table=lambda: table.copy(), monte_carlo=None, label="Budgets participatifs",
                           family="budget_participatif")


def _project(n: int, limit: int, baseline: str):
    cases = [SimpleNamespace(id=f"c{i:02d}", baseline=f"c{i:02d}" == baseline, family="budget_participatif")
             for i in range(n)]
    return SimpleNamespace(settings=SimpleNamespace(report=SimpleNamespace(max_table_rows=limit)),
                           cases_of=lambda fam: cases, cases=cases)


def test_family_table_keeps_top_and_rennes_and_writes_the_full_csv(tmp_path):
    html = family_table(_fa(12), _project(12, 5, "c09"), tmp_path).html
    body = html.split("<tbody>")[1]
    assert body.count("<tr>") == 6  # 5 first + Rennes
    for i in (0, 1, 2, 3, 4, 9):
        assert f"<td>Cas {i}</td>" in body
    for i in (5, 6, 7, 8, 10, 11):
        assert f"<td>Cas {i}</td>" not in body
    full = pd.read_csv(tmp_path / "classement_budget_participatif.csv")
    assert len(full) == 12 and list(full["identifiant"])[:2] == ["c00", "c01"]
    assert "classement_budget_participatif.csv" in html and "sur 12 cas" in html


def test_family_table_within_the_limit_is_whole(tmp_path):
    html = family_table(_fa(5), _project(5, 5, "c04"), tmp_path).html
    assert html.split("<tbody>")[1].count("<tr>") == 5
    assert not list(tmp_path.iterdir())


def test_shown_cases_is_none_when_every_family_fits():
    assert shown_cases(_project(5, 5, "c00"), [_fa(5)]) is None
    assert shown_cases(_project(8, 5, "c07"), [_fa(8)]) == {"c00", "c01", "c02", "c03", "c04", "c07"}


def test_cases_list_extract_and_csv(tmp_path):
    from benchmark_tools.project import load_project
    from tinyproject import make_tiny_project

    root = make_tiny_project(tmp_path / "proj")
    project = load_project(root)
    ids = [c.id for c in project.cases]
    html = cases_list(project, shown=set(ids[:3]), run_dir=tmp_path).html
    assert html.split("<tbody>")[1].count("<tr>") == 3
    assert f"(extrait : 3 sur {len(ids)})" in html
    assert len(pd.read_csv(tmp_path / "cas.csv")) == len(ids)
