"""The spreadsheet route: export, template, import checks, all-or-nothing writes, round trip."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from benchmark_tools import workbook as W
from benchmark_tools.errors import ValidationFailed
from benchmark_tools.project import load_project, validate_project
from benchmark_tools.yamlio import read_yaml
from projectkit import REPO, URL, drop_status_quo_designs, make_project, valid_case, write_case

TEMPLATE = REPO / "data" / "templates" / "cas_modele.xlsx"


# --------------------------------------------------------------------------- helpers


def _strip_nulls(data):
    """Parsed data without the keys whose value is null (except a fact's ``value``)."""
    if isinstance(data, dict):
        return {k: _strip_nulls(v) for k, v in data.items() if v is not None or k == "value"}
    if isinstance(data, list):
        return [_strip_nulls(v) for v in data]
    return data


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _save(wb, path: Path) -> Path:
    wb.save(path)
    return path


def _row(ws, case_id, field, alternative=None) -> int:
    for row in ws.iter_rows(min_row=2):
        if row[0].value == case_id and row[1].value == field and row[2].value == alternative:
            return row[0].row
    raise KeyError(field)


def _col(name: str) -> str:
    """Letter of a column of the ``cas`` sheet."""
    return get_column_letter(W.CASE_COLUMNS.index(name) + 1)


def _next_col() -> str:
    return get_column_letter(len(W.CASE_COLUMNS) + 1)


def _problems(exc: ValidationFailed) -> list[str]:
    return [p.format() for p in exc.problems]


@pytest.fixture
def root(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def project(root):
    return load_project(root)


def _case_with_alternative() -> dict:
    d = valid_case()
    d["design"]["envelope"]["note"] = "= 1 M€ : retenu, le règlement fait foi."  # text starting with « = »
    d["design"]["envelope"]["alternatives"] = [
        {"value": 900000, "year": 2019, "source": URL + "/autre", "confidence": "documented"}]
    d["design"]["currency"] = "EUR"
    d["design"]["climate_focus"] = {"value": False, "year": 2020, "source": URL, "confidence": "documented"}
    d["design"]["calendar"] = {"value": "Dépôt en mars,\nvote en octobre", "year": "2020-2021", "source": URL,
                               "confidence": "documented"}
    d["active"] = {"value": None, "note": "aucune page récente trouvée"}
    d["baseline"] = False
    return d


# --------------------------------------------------------------------------- export and template


def test_export_layout(tmp_path, root):
    write_case(root, _case_with_alternative())
    proj = load_project(root)
    out = W.export_workbook(proj, tmp_path / "x.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["cas", "faits", "lisez-moi"]
    wc, wf = wb["cas"], wb["faits"]
    assert [c.value for c in wc[1]] == list(W.CASE_COLUMNS)
    assert [c.value for c in wf[1]] == list(W.FACT_COLUMNS)
    assert wc["A1"].font.bold and wf["A1"].font.bold
    assert wc.freeze_panes == "B2" and wf.freeze_panes == "C2"
    assert wc.column_dimensions[_col("summary")].width > 40
    assert wc.max_row == 2 and wc["A2"].value == "ville_test_bp"
    # Long form: one row per fact, alternatives flagged 1, 2…; lists as comma-separated text.
    r = _row(wf, "ville_test_bp", "design.voting_channels")
    assert wf[f"D{r}"].value == "en_ligne, urne"
    r_main = _row(wf, "ville_test_bp", "design.envelope")
    r_alt = _row(wf, "ville_test_bp", "design.envelope", 1)
    assert wf[f"D{r_main}"].value == 1000000 and wf[f"D{r_alt}"].value == 900000
    # A note starting with « = » stays text, not a formula.
    assert wf[f"H{r_main}"].data_type == "s"
    readme = " ".join(str(c.value) for row in wb["lisez-moi"].iter_rows() for c in row if c.value)
    for word in ("scores.decision_power", "design.envelope", "en_ligne", "documented", "alternative"):
        assert word in readme


def test_template_has_the_sheets_and_headers_of_a_fresh_export(tmp_path, project):
    assert TEMPLATE.is_file(), "data/templates/cas_modele.xlsx manquant"
    fresh = load_workbook(W.export_workbook(project, tmp_path / "x.xlsx", case_ids=[]))
    tpl = load_workbook(TEMPLATE)
    assert tpl.sheetnames == fresh.sheetnames
    for name in ("cas", "faits"):
        assert [c.value for c in tpl[name][1]] == [c.value for c in fresh[name][1]]
        assert tpl[name].max_row == 1  # no case in the template


def test_template_imports_as_nothing(project):
    assert W.import_workbook(project, TEMPLATE) == []


# --------------------------------------------------------------------------- round trip


@pytest.mark.slow  # the whole project through the spreadsheet and back (≈ 3 s): make test-slow, CI
def test_round_trip_of_the_project_cases(tmp_path):
    """Export then import of the project's own cases gives the same data as the original files."""
    src = tmp_path / "src"
    shutil.copytree(REPO / "benchmark", src / "benchmark")
    shutil.copytree(REPO / "data", src / "data")
    proj = load_project(src)
    assert proj.cases
    book = W.export_workbook(proj, tmp_path / "cas.xlsx")
    # 1. Into the same project: nothing to write, no file touched.
    before = _hashes(src / "data")
    assert W.import_workbook(proj, book) == []
    assert _hashes(src / "data") == before
    # 2. Into an empty copy: every case file written, with the same data.
    dst = tmp_path / "dst"
    shutil.copytree(src / "benchmark", dst / "benchmark")
    (dst / "data" / "cases").mkdir(parents=True)
    drop_status_quo_designs(dst)
    written = W.import_workbook(load_project(dst), book)
    assert len(written) == len(proj.cases)
    for case in proj.cases:
        orig = proj.case_files[case.id]
        new = dst / orig.relative_to(src)
        a, _ = read_yaml(orig)
        b, problems = read_yaml(new)
        assert problems == []
        assert b.data == _strip_nulls(a.data), case.id
        assert list(b.data)[0] == "id" and list(b.data).index("name") < list(b.data).index("family")
    # 3. The written project validates, with the same cases.
    proj2 = load_project(dst)
    assert sorted(c.id for c in proj2.cases) == sorted(c.id for c in proj.cases)


def test_round_trip_keeps_alternatives_lists_booleans_and_nulls(tmp_path, root):
    d = _case_with_alternative()
    write_case(root, d)
    proj = load_project(root)
    book = W.export_workbook(proj, tmp_path / "x.xlsx")
    (root / "data" / "cases" / "budget_participatif" / "ville_test_bp.yml").unlink()
    written = W.import_workbook(load_project(root), book)
    assert [p.name for p in written] == ["ville_test_bp.yml"]
    doc, problems = read_yaml(written[0])
    assert problems == []
    assert doc.data == d
    text = written[0].read_text(encoding="utf-8")
    assert "{" not in text.split("\n", 1)[1].replace("{}", "")  # block style (no flow mappings)
    assert "value: [en_ligne, urne]" in text


def test_written_yaml_is_readable_and_ordered():
    d = valid_case(edition="2020", url=URL, baseline=True)
    text = W.case_yaml(dict(reversed(list(d.items()))))
    keys = [ln.split(":")[0] for ln in text.splitlines() if ln and not ln.startswith((" ", "#"))]
    assert keys == ["id", "name", "family", "territory", "country", "level", "baseline", "edition", "url",
                    "summary", "population", "design", "outcomes", "scores"]
    assert "Ville-Test" in text and "\\u" not in text  # unicode kept as is
    assert "edition: '2020'" in text  # a year-like text stays text


# --------------------------------------------------------------------------- import: checks


def _book(tmp_path, cases=None):
    wb = W.build_workbook(cases if cases is not None else [valid_case()])
    return wb, wb["cas"], wb["faits"]


def _import_fails(project, path) -> list[str]:
    before = _hashes(project.root)
    with pytest.raises(ValidationFailed) as exc:
        W.import_workbook(project, path)
    assert _hashes(project.root) == before  # nothing written
    msgs = _problems(exc.value)
    assert all(str(path) in m for m in msgs)
    return msgs


def test_valid_workbook_is_imported_and_validates(tmp_path, project):
    wb, _, _ = _book(tmp_path)
    path = _save(wb, tmp_path / "x.xlsx")
    assert W.import_workbook(project, path, dry_run=True) == [project.root / "data/cases/budget_participatif/ville_test_bp.yml"]
    assert not (project.root / "data" / "cases" / "budget_participatif").exists()
    written = W.import_workbook(project, path)
    assert written[0].is_file()
    assert [p for p in validate_project(project.root).problems if p.severity == "error"] == []
    assert not list(written[0].parent.glob(".*tmp"))  # no temporary file left


@pytest.mark.parametrize("mutate, fragments", [
    (lambda wb, wc, wf: wb.remove(wb["faits"]), ["feuille « faits » absente"]),
    (lambda wb, wc, wf: wf.merge_cells("D3:E3"), ["faits!D3:E3", "cellules fusionnées"]),
    (lambda wb, wc, wf: wf.__setitem__(f"D{_row(wf, 'ville_test_bp', 'design.envelope')}", "=1000*1000"),
     ["formule", "ville_test_bp", "design.envelope.value"]),
    (lambda wb, wc, wf: wf.__setitem__(f"D{_row(wf, 'ville_test_bp', 'outcomes.voters_count')}", dt.datetime(2024, 5, 1)),
     ["une date a été saisie dans une colonne de nombres", "outcomes.voters_count.value", "2024-05-01"]),
    (lambda wb, wc, wf: wf.__setitem__(f"D{_row(wf, 'ville_test_bp', 'design.envelope')}", "3,5 M€"),
     ["un nombre est attendu", "design.envelope.value", "3,5 M€"]),
    (lambda wb, wc, wf: wf.__setitem__(f"B{_row(wf, 'ville_test_bp', 'design.envelope')}", "design.enveloppe"),
     ["champ inconnu", "vouliez-vous dire « design.envelope »"]),
    (lambda wb, wc, wf: wf.__setitem__(f"A{_row(wf, 'ville_test_bp', 'population')}", "autre_ville"),
     ["cas inconnu", "autre_ville"]),
    (lambda wb, wc, wf: wc.__setitem__(f"{_col('country')}2", None),
     [f"cas!{_col('country')}2 (country)", "cellule obligatoire vide"]),
    (lambda wb, wc, wf: wc.__setitem__(f"{_col('family')}2", "budget_participatf"),
     [f"cas!{_col('family')}2 (family)", "famille inconnue"]),
    (lambda wb, wc, wf: wf.__setitem__(f"G{_row(wf, 'ville_test_bp', 'design.envelope')}", "sure"),
     ["design.envelope.confidence", "valeur non reconnue"]),
    (lambda wb, wc, wf: wf.__setitem__(f"F{_row(wf, 'ville_test_bp', 'design.envelope')}", None),
     ["design.envelope.source", "valeur sans source"]),
    (lambda wb, wc, wf: wf.__setitem__(f"D{_row(wf, 'ville_test_bp', 'scores.decision_power')}", 5),
     ["scores.decision_power.value", "niveau hors de la grille"]),
    (lambda wb, wc, wf: wf.__setitem__(f"D{_row(wf, 'ville_test_bp', 'design.voting_channels')}", "en_ligne, internet"),
     ["design.voting_channels.value", "valeur inconnue dans la liste"]),
    (lambda wb, wc, wf: wc.__setitem__(f"{_next_col()}1", "couleur"), [f"cas!{_next_col()}1", "colonne inconnue"]),
    (lambda wb, wc, wf: wf.append(["ville_test_bp", "population", None, 5, 2020, URL, "documented"]),
     ["fait en double"]),
    (lambda wb, wc, wf: wf.append(["ville_test_bp", "outcomes.participants", 1, 5, 2020, URL, "documented"]),
     ["valeur alternative sans valeur retenue"]),
    (lambda wb, wc, wf: wc.append([c.value for c in wc[2]]), ["identifiant de cas en double"]),
])
def test_each_bad_cell_is_named(tmp_path, project, mutate, fragments):
    wb, wc, wf = _book(tmp_path)
    mutate(wb, wc, wf)
    msgs = _import_fails(project, _save(wb, tmp_path / "x.xlsx"))
    text = "\n".join(msgs)
    for f in fragments:
        assert f in text, text


def test_problem_names_sheet_cell_case_and_field(tmp_path, project):
    wb, _, wf = _book(tmp_path)
    r = _row(wf, "ville_test_bp", "design.envelope")
    wf[f"D{r}"] = "3,5 M€"
    with pytest.raises(ValidationFailed) as exc:
        W.import_workbook(project, _save(wb, tmp_path / "x.xlsx"))
    (p,) = exc.value.problems
    assert p.case_id == "ville_test_bp"
    assert p.field == f"faits!D{r} (design.envelope.value)"
    assert p.format().startswith(f"{tmp_path / 'x.xlsx'}: ville_test_bp: faits!D{r} (design.envelope.value): ")
    assert p.expected == "un nombre" and "3,5 M€" in p.found


def test_not_a_workbook_and_missing_file(tmp_path, project):
    bad = tmp_path / "x.xlsx"
    bad.write_text("id;family\n", encoding="utf-8")
    assert "n'est pas un classeur Excel" in _import_fails(project, bad)[0]
    assert "fichier introuvable" in _import_fails(project, tmp_path / "absent.xlsx")[0]


def test_all_or_nothing_when_one_case_is_bad(tmp_path, project):
    good = valid_case()
    bad = valid_case(id="ville_b_bp", territory="Ville-B")
    bad["population"]["value"] = -1
    wb, _, _ = _book(tmp_path, [good, bad])
    msgs = _import_fails(project, _save(wb, tmp_path / "x.xlsx"))
    assert any("ville_b_bp" in m and "population.value" in m for m in msgs)
    assert not (project.root / "data" / "cases" / "budget_participatif" / "ville_test_bp.yml").exists()


def test_all_or_nothing_when_a_write_fails(tmp_path, project, monkeypatch):
    a, b = valid_case(), valid_case(id="ville_b_bp", territory="Ville-B")
    wb, _, _ = _book(tmp_path, [a, b])
    path = _save(wb, tmp_path / "x.xlsx")
    from benchmark_tools import safeio

    real = safeio.write_text_atomic
    calls = []

    def flaky(p, text, **kw):
        calls.append(p)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(p, text, **kw)

    monkeypatch.setattr(safeio, "write_text_atomic", flaky)
    before = _hashes(project.root)
    with pytest.raises(Exception) as exc:
        W.import_workbook(project, path)
    assert "aucun fichier de cas n'a été modifié" in str(exc.value)
    assert _hashes(project.root) == before  # the first temporary file was removed too


def test_update_of_an_existing_case_and_family_change(tmp_path, root):
    write_case(root, valid_case())
    proj = load_project(root)
    book = W.export_workbook(proj, tmp_path / "x.xlsx")
    wb = load_workbook(book)
    wf = wb["faits"]
    wf[f"D{_row(wf, 'ville_test_bp', 'design.envelope')}"] = 1200000
    W.import_workbook(proj, _save(wb, tmp_path / "y.xlsx"))
    doc, _ = read_yaml(proj.case_files["ville_test_bp"])
    assert doc.data["design"]["envelope"]["value"] == 1200000
    # Changing the family of an existing case is refused (the file would be duplicated).
    wb["cas"][f"{_col('family')}2"] = "appel_a_projets"
    msgs = _import_fails(load_project(root), _save(wb, tmp_path / "z.xlsx"))
    assert any("existe déjà dans une autre famille" in m for m in msgs)


def test_canonical_case_drops_only_empty_keys():
    d = copy.deepcopy(valid_case())
    d["design"]["envelope"]["note"] = None
    d["outcomes"] = {}
    c = W.canonical_case(d)
    assert "outcomes" not in c and "note" not in c["design"]["envelope"]
    assert c["design"]["envelope"]["value"] == 1000000


def test_export_refuses_what_a_workbook_cannot_hold(tmp_path, project):
    from benchmark_tools.errors import InputError

    d = valid_case()
    d["design"]["envelope"]["note"] = "x" * 40_000
    with pytest.raises(InputError, match="design.envelope.note.*trop long"):
        W.build_workbook([d])
    d["design"]["envelope"]["note"] = "bip\x07"
    with pytest.raises(InputError, match="caractère de contrôle"):
        W.build_workbook([d])
    with pytest.raises(InputError, match="extension .xlsx"):
        W.export_workbook(project, tmp_path / "cas.csv")
    folder = tmp_path / "dossier.xlsx"
    folder.mkdir()
    with pytest.raises(InputError, match="est un dossier"):
        W.export_workbook(project, folder)


def test_workbook_covers_every_field_of_the_case_schema():
    """A field added to the schema must have a place in the workbook (or the round trip loses it)."""
    from benchmark_tools.schema import Case, Design, Outcomes
    from benchmark_tools.vocabulary import DESIGN_FIELDS, IDENTITY_FACTS, OUTCOME_FIELDS

    sections = {"design", "outcomes", "scores"}
    top = set(Case.model_fields)
    assert top == (set(W.CASE_COLUMNS) - {"currency"}) | set(IDENTITY_FACTS) | sections
    assert set(W.CASE_KEY_ORDER) == top
    assert set(Design.model_fields) == set(DESIGN_FIELDS) | {"currency"}
    assert set(Outcomes.model_fields) == set(OUTCOME_FIELDS)


def test_short_name_round_trip(tmp_path, root):
    d = valid_case(short_name="Ville-Test")
    write_case(root, d)
    book = W.export_workbook(load_project(root), tmp_path / "x.xlsx")
    path = root / "data" / "cases" / "budget_participatif" / "ville_test_bp.yml"
    path.unlink()
    W.import_workbook(load_project(root), book)
    doc, _ = read_yaml(path)
    assert doc.data["short_name"] == "Ville-Test"
    assert list(doc.data)[:3] == ["id", "name", "short_name"]
