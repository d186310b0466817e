"""Every problem of a case is reported in one run, even with an unknown key; bounds come from settings.yml."""

from __future__ import annotations

import ast
import re

import pytest
from openpyxl import load_workbook

from benchmark_tools import workbook as W
from benchmark_tools.errors import ValidationFailed
from benchmark_tools.modelio import drop_set_aside, salvage
from benchmark_tools.project import load_project, load_settings, validate_project
from benchmark_tools.schema import Case, ValidationSettings
from benchmark_tools.validate import check_value, validation_bound
from projectkit import REPO, make_project, valid_case, write_case

CID = "ville_test_bp"


def _three_problem_case() -> dict:
    """A case with an unknown key, a year out of range and a value without a source."""
    d = valid_case()
    d["populaton"] = 5  # unknown key (typo of « population »)
    d["design"]["envelope"]["year"] = 1900
    del d["outcomes"]["voters_count"]["source"]
    return d


def _mine(problems, case_id=CID):
    return [p for p in problems if p.severity == "error" and p.case_id == case_id]


def _assert_the_three(problems, fields_of):
    """The unknown key, the year and the source are all there, each fully described."""
    by_field = {fields_of(p): p for p in problems}
    unknown = by_field["populaton"]
    assert "clé inconnue" in unknown.message and "population" in unknown.message
    year = by_field["design.envelope.year"]
    assert "plage plausible" in year.message and year.found == "1900"
    source = by_field["outcomes.voters_count.source"]
    assert "sans source" in source.message and source.found == "rien"
    for p in (unknown, year, source):
        assert p.file and p.case_id == CID and p.expected and p.found


@pytest.fixture
def root(tmp_path):
    return make_project(tmp_path)


def test_yaml_case_with_unknown_key_reports_every_problem(root):
    write_case(root, _three_problem_case())
    problems = _mine(validate_project(root).problems)
    assert len(problems) == 3, [p.format() for p in problems]
    assert all(p.file.endswith(f"{CID}.yml") for p in problems)
    _assert_the_three(problems, lambda p: p.field)


def test_yaml_case_with_unknown_key_and_bad_level(root):
    """A refused required value (level) does not hide the rules' problems either."""
    d = _three_problem_case()
    d["level"] = "commun"
    write_case(root, d)
    problems = _mine(validate_project(root).problems)
    fields = sorted(p.field for p in problems)
    assert fields == ["design.envelope.year", "level", "outcomes.voters_count.source", "populaton"], fields


def test_invalid_case_is_not_part_of_the_project(root):
    write_case(root, _three_problem_case())
    proj = validate_project(root)
    assert proj.cases == [] and CID not in proj.case_files


def test_problems_on_a_refused_part_are_not_repeated(root):
    d = valid_case()
    d["design"]["envelope"]["confidence"] = "documente"  # refused by the schema
    write_case(root, d)
    problems = _mine(validate_project(root).problems)
    # The schema's « valeur non reconnue », not also « niveau de confiance manquant ».
    assert [p.field for p in problems] == ["design.envelope.confidence"], [p.format() for p in problems]


def test_salvage_sets_aside_and_drops(root):
    d = _three_problem_case()
    try:
        Case.model_validate(d)
    except Exception as exc:  # pydantic.ValidationError
        case, aside = salvage(Case, d, exc, id_hint=CID)
    assert case is not None and case.id == CID and aside == ("populaton",)
    assert "populaton" in d  # the caller's data are not changed


def test_drop_set_aside_matches_paths_not_prefixes():
    from benchmark_tools.errors import Problem

    ps = [Problem("f", "m", field=f) for f in ("design.envelope.year", "design.envelope_period_years", None)]
    kept = drop_set_aside(ps, ("design.envelope",))
    assert [p.field for p in kept] == ["design.envelope_period_years", None]


def test_workbook_row_with_unknown_field_reports_every_problem(root, tmp_path):
    write_case(root, valid_case())
    proj = load_project(root)
    book = W.export_workbook(proj, tmp_path / "cas.xlsx")
    wb = load_workbook(book)
    wc, wf = wb["cas"], wb["faits"]
    level_col = W.CASE_COLUMNS.index("level") + 1
    wc.cell(row=2, column=level_col, value="commun")  # refused by the schema
    for row in wf.iter_rows(min_row=2):
        if row[1].value == "design.envelope":
            row[4].value = 1900                               # year out of range
        if row[1].value == "outcomes.voters_count":
            row[5].value = None                               # no source
    wf.append([CID, "design.envelopee", None, 5, 2020, "https://example.org/x", "documented", None])
    wb.save(book)
    with pytest.raises(ValidationFailed) as info:
        W.import_workbook(proj, book)
    problems = [p for p in info.value.problems if p.severity == "error"]
    fields = [re.search(r"\((.*)\)$", p.field).group(1) for p in problems]
    assert sorted(fields) == ["design.envelope.year", "design.envelopee", "level",
                              "outcomes.voters_count.source"], [p.format() for p in problems]
    for p in problems:
        assert p.file == str(book) and p.case_id == CID and p.expected and p.found
        assert re.match(r"(cas|faits)![A-Z]+\d+ \(", p.field)


# --------------------------------------------------------------------------- bounds: settings.yml only


def test_bounds_come_from_settings_or_the_model_defaults():
    settings = load_settings(REPO)
    assert validation_bound(settings, "max_population") == settings.validation.max_population
    assert validation_bound(None, "max_amount") == ValidationSettings.model_fields["max_amount"].default
    # No default in the model: the check is skipped rather than run against an invented number.
    assert validation_bound(None, "max_population") is None
    assert validation_bound(None, "min_year") is None


def test_population_bound_is_the_settings_one():
    settings = load_settings(REPO)
    over = settings.validation.max_population * 2
    kw = {"file": "f", "case_id": "c", "path": "population.value", "line": None}
    assert check_value(over, "population", None, settings=settings, **kw)
    assert not check_value(over, "population", None, settings=None, **kw)
    assert check_value(-1, "population", None, settings=None, **kw)


def test_no_literal_fallback_for_a_setting():
    """No ``settings.validation.x if settings else <number>`` in the validators."""
    for name in ("validate.py", "validate_rules.py"):
        tree = ast.parse((REPO / "src" / "benchmark_tools" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.IfExp) and isinstance(node.orelse, ast.Constant) \
                    and isinstance(node.orelse.value, (int, float)) and not isinstance(node.orelse.value, bool):
                test = ast.unparse(node.test)
                assert "settings" not in test and test not in ("vs",), f"{name}: {ast.unparse(node)}"
