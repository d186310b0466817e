"""Readable criteria view (one block per criterion, 100 columns) and calibration tables."""

from __future__ import annotations

import pytest

from benchmark_tools.criteria import (
    CALIBRATION_COLUMNS,
    calibration_markdown,
    calibration_table,
    calibration_text,
    criteria_text,
)
from benchmark_tools.project import load_catalogue, load_families
from benchmark_tools.schema import Case
from projectkit import REPO, valid_case


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(REPO)


@pytest.fixture(scope="module")
def families():
    return load_families(REPO)


def test_criteria_text_fits_100_columns_with_key_levels_and_evidence(catalogue, families):
    text = criteria_text(catalogue, "fonds_de_concours", families)
    lines = text.splitlines()
    assert max(len(ln) for ln in lines) <= 100
    dp = catalogue.criterion("decision_power")
    assert f"{dp.code} {dp.label_fr} — clé YAML : scores.decision_power" in lines
    block = text.split(f"{dp.code} {dp.label_fr}")[1].split("\n\n")[0]
    for lvl in range(5):
        assert f"\n  {lvl} : " in block
    assert "À chercher : " in block
    # Criteria not applicable to the family are left out.
    na = [c for c in catalogue.criteria if c.status_for("fonds_de_concours", families) == "not_applicable"]
    applicable = [c for c in catalogue.criteria if c not in na]
    assert text.count("— clé YAML : scores.") == len(applicable)
    assert all(f"scores.{c.id}\n" not in text for c in na)


def _coded(cid, level, note, family="budget_participatif"):
    return Case.model_validate(valid_case(id=cid, family=family, scores={"decision_power": {
        "value": level, "year": 2024, "source": "https://example.org/p", "confidence": "coded", "note": note}}))


def test_calibration_table_lists_cases_level_by_level(catalogue, families):
    cases = [_coded("c_b", 3, "« le vote s'impose »"), _coded("c_a", 3, "« le vote s'impose aussi »"),
             _coded("c_c", 1, "« avis consultatif »"), _coded("c_d", 2, "« la ville choisit »", "fonds_de_concours"),
             Case.model_validate(valid_case(id="c_e", scores={}))]
    df = calibration_table(cases, catalogue, "decision_power", families)
    assert list(df.columns) == CALIBRATION_COLUMNS
    assert list(zip(df["Niveau"], df["Cas"], strict=True)) == [(1, "c_c"), (2, "c_d"), (3, "c_a"), (3, "c_b")]
    assert df.loc[0, "Preuve"] == "« avis consultatif »"
    assert df.loc[0, "Texte du niveau"] == catalogue.criterion("decision_power").levels[1]
    only = calibration_table(cases, catalogue, "decision_power", families, family="fonds_de_concours")
    assert list(only["Cas"]) == ["c_d"]
    text = calibration_text(cases, catalogue, "decision_power", families)
    assert "Niveau 0 (0 cas)" in text and "Niveau 3 (2 cas)" in text and "(aucun cas)" in text
    assert "c_a (Budget participatif, 2024) : « le vote s'impose aussi »" in text
    md = calibration_markdown(cases, catalogue, families)
    assert "| 3 | c\\_a |" in md or "| 3 | c_a |" in md
    with pytest.raises(ValueError):
        calibration_table(cases, catalogue, "participation_rate", families)


def test_cli_criteria_calibration_and_show_todo(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from benchmark_tools.cli import app
    from projectkit import make_project, write_case

    root = make_project(tmp_path)
    write_case(root, valid_case())
    monkeypatch.setenv("BENCHMARK_ROOT", str(root))
    runner = CliRunner()
    res = runner.invoke(app, ["criteria", "--calibration", "decision_power"])
    assert res.exit_code == 0, res.output
    assert "Niveau 3 (1 cas)" in res.output and "ville_test_bp" in res.output
    res = runner.invoke(app, ["criteria", "--calibration", "decison_power"])
    assert res.exit_code == 2 and "decision_power" in res.output
    res = runner.invoke(app, ["criteria", "--family", "budget_participatif"])
    assert res.exit_code == 0 and "clé YAML : scores.decision_power" in res.output
    res = runner.invoke(app, ["show", "ville_test_bp", "--todo"])
    assert res.exit_code == 0 and "scores.agenda_setting" in res.output and "scores.decision_power" not in res.output
    res = runner.invoke(app, ["show", "ville_test_bp"])
    assert res.exit_code == 0 and "Avertissement : couverture sous le seuil" in res.output


def test_criteria_levels_gives_five_rows_per_ordinal_criterion(catalogue, families):
    from benchmark_tools.criteria import criteria_levels

    df = criteria_levels(catalogue)
    ordinal = [c for c in catalogue.criteria if c.type == "ordinal"]
    assert len(df) == 5 * len(ordinal)
    dp = df[df["Clé YAML"] == "decision_power"]
    assert list(dp["Niveau"]) == [0, 1, 2, 3, 4]
    assert dp.iloc[4]["Texte"] == " ".join(catalogue.criterion("decision_power").levels[4].split())
