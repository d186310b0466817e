"""Printemps citoyen: edition files, labelling pre-check, planning (CP-SAT), communication files, workbook."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
import yaml
from typer.testing import CliRunner

from benchmark_tools.cli import app
from benchmark_tools.errors import ValidationFailed
from benchmark_tools.printemps_form import COLUMNS, SHEET, export_form, import_form
from benchmark_tools.printemps_model import load_edition
from benchmark_tools.printemps_plan import candidate_days, outreach, plan, precheck
from benchmark_tools.printemps_publish import AGENDA_COLUMNS, publish, review
from benchmark_tools.printemps_synthetic import edition_settings, write_synthetic_edition
from projectkit import REPO, make_project

EDITION = "2099"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("printemps"))
    write_synthetic_edition(root, n=150, seed=20261204, edition=EDITION)
    return root, load_edition(root, EDITION)


def _small(tmp_path, proposals, **planning):
    """A project copy with an edition of a few hand-written proposals."""
    root = make_project(tmp_path)
    settings = edition_settings(EDITION)
    settings["planning"].update(planning)
    folder = root / "data" / "printemps" / EDITION
    (folder / "propositions").mkdir(parents=True)
    (folder / "edition.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    for p in proposals:
        base = {"title": f"Action {p['id']}", "description": "Atelier de test sur le climat, ouvert à tous.",
                "holder_type": "association", "format": "atelier", "audience": "tout public", "free": True,
                "accessibility": "accessible", "duration_hours": 2.0, "holder": f"porteur_{p['id']}",
                "place": {"id": f"lieu_{p['id']}", "name": "Salle"}}
        base.update(p)
        (folder / "propositions" / f"{p['id']}.yml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    ed = load_edition(root, EDITION)
    assert ed.errors == []
    return root, ed


def _check_hard_constraints(ed, res):
    """Independent check of every hard constraint of the programme."""
    days = [ed.settings.start + dt.timedelta(days=i) for i in range((ed.settings.end - ed.settings.start).days + 1)]
    by_id = {a.id: a for a in res.actions}
    for aid, d in res.dates.items():
        a = by_id[aid]
        assert d in candidate_days(a, days)
        if a.date is not None:
            assert d == a.date
    fixed = {a.id for a in res.actions if a.date is not None}
    holder = Counter((by_id[i].holder, d) for i, d in res.dates.items())
    place = Counter((by_id[i].place.id, d) for i, d in res.dates.items())
    fmt = Counter((c, by_id[i].format, d) for i, d in res.dates.items() for c in by_id[i].communes)
    cap = ed.settings.planning.max_actions_per_place_per_day

    def fixed_in(pred):
        return sum(1 for i in fixed if pred(by_id[i], res.dates.get(i)))

    for (h, d), n in holder.items():
        assert n <= max(1, fixed_in(lambda a, ad, h=h, d=d: a.holder == h and ad == d)), (h, d)
    for (p, d), n in place.items():
        assert n <= max(cap, fixed_in(lambda a, ad, p=p, d=d: a.place.id == p and ad == d)), (p, d)
    for (c, f, d), n in fmt.items():
        assert n <= max(1, fixed_in(lambda a, ad, c=c, f=f, d=d: c in a.communes and a.format == f and ad == d)), (c, f, d)


# --------------------------------------------------------------------------- files


def test_communes_reference_is_the_43_communes_with_their_total():
    data = yaml.safe_load((REPO / "benchmark" / "territory" / "communes_rennes_metropole.yml").read_text(encoding="utf-8"))
    codes = [c["insee"] for c in data["communes"]]
    assert len(codes) == len(set(codes)) == 43
    assert sum(c["population"]["value"] for c in data["communes"]) == data["population_total"]["value"]
    assert all(c["population"]["source"].startswith("https://www.collectivites-locales.gouv.fr/") for c in data["communes"])


def test_real_edition_settings_load_without_invented_proposals():
    ed = load_edition(REPO, "2024")
    assert ed.errors == [] and ed.proposals == []
    assert (ed.settings.start, ed.settings.end) == (dt.date(2024, 4, 20), dt.date(2024, 6, 21))
    assert ed.settings.sources["actions_programmed"].value == 121


def test_synthetic_edition_loads(synthetic):
    _, ed = synthetic
    assert ed.errors == []
    assert len(ed.proposals) == 150
    assert len({c for p in ed.proposals for c in p.communes}) == 43


def test_personal_data_in_a_proposal_is_refused(tmp_path):
    root = make_project(tmp_path)
    folder = write_synthetic_edition(root, n=3, edition=EDITION)
    path = folder / "propositions" / "action_001.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["description"] = "Contact : jeanne.martin@example.org ou 06 12 34 56 78, merci."
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ed = load_edition(root, EDITION)
    msgs = [(p.case_id, p.field, p.message) for p in ed.errors]
    assert ("action_001", "description", msgs[0][2]) in msgs
    assert any("adresse électronique" in m for _, _, m in msgs) and any("téléphone" in m for _, _, m in msgs)


def test_contacts_file_must_stay_out_of_the_repository(tmp_path):
    root = make_project(tmp_path)
    folder = write_synthetic_edition(root, n=2, edition=EDITION)
    s = yaml.safe_load((folder / "edition.yml").read_text(encoding="utf-8"))
    s["contacts_file"] = "data/printemps/2099/contacts.yml"
    (folder / "edition.yml").write_text(yaml.safe_dump(s, allow_unicode=True), encoding="utf-8")
    ed = load_edition(root, EDITION)
    assert any("hors du dépôt" in p.message for p in ed.errors)


# --------------------------------------------------------------------------- labelling


def test_precheck_flags_but_never_decides(tmp_path):
    _, ed = _small(tmp_path, [
        {"id": "a", "communes": ["35238"], "date": "2099-04-25"},
        {"id": "b", "communes": ["35238"], "date": "2099-04-26", "free": False, "format": "projection",
         "title": "Soirée cinéma", "description": "Projection d'un film suivie d'un pot."}])
    t = precheck(ed).set_index("proposition")
    assert list(t.loc["a", ["s'exprimer ou faire", "lien avec les transitions", "gratuit et accessible"]]) == ["oui"] * 3
    assert list(t.loc["b", ["s'exprimer ou faire", "lien avec les transitions", "gratuit et accessible"]]) == ["à vérifier"] * 3
    assert "décision" not in " ".join(t.columns)


# --------------------------------------------------------------------------- planning


def test_synthetic_programme_places_every_action_and_respects_hard_constraints(synthetic):
    _, ed = synthetic
    res = plan(ed, seed=1)
    assert res.status == "optimal"
    _check_hard_constraints(ed, res)
    assert len(res.dates) == 150 and res.unplaced == {}
    assert len(res.covered) == 43
    weekend = sum(1 for d in res.dates.values() if d.weekday() >= 5)
    assert weekend >= 0.35 * len(res.dates) - 1


def test_coverage_is_the_brute_force_optimum(tmp_path):
    # One holder proposes three actions on the same single day in communes A, B, C; another holder has an
    # action in A that same day. Placing the holder's A action would cover 1 commune; the optimum is 2.
    day = "2099-05-02"
    a, b, c = "35238", "35047", "35051"
    props = [{"id": "h_a", "holder": "h", "communes": [a], "window": {"start": day, "end": day}},
             {"id": "h_b", "holder": "h", "communes": [b], "window": {"start": day, "end": day}},
             {"id": "h_c", "holder": "h", "communes": [c], "window": {"start": day, "end": day}, "format": "balade"},
             {"id": "k_a", "holder": "k", "communes": [a], "window": {"start": day, "end": day}, "format": "jeu"}]
    _, ed = _small(tmp_path, props)
    res = plan(ed)
    _check_hard_constraints(ed, res)
    by_id = {p["id"]: p for p in props}
    best = 0
    for subset in itertools.chain.from_iterable(itertools.combinations(by_id, k) for k in range(len(by_id) + 1)):
        holders = [by_id[i]["holder"] for i in subset]
        if len(holders) == len(set(holders)):
            best = max(best, len({by_id[i]["communes"][0] for i in subset}))
    assert best == 2
    assert len(res.covered) == best
    assert len(res.dates) == 2
    (why,) = set(res.unplaced.values()) - {""} if len(set(res.unplaced.values())) == 1 else (next(iter(res.unplaced.values())),)
    assert "même porteur" in why


def test_fixed_dates_are_kept_and_their_conflicts_reported(tmp_path):
    day = "2099-05-09"
    _, ed = _small(tmp_path, [
        {"id": "f1", "holder": "h", "communes": ["35238"], "date": day},
        {"id": "f2", "holder": "h", "communes": ["35047"], "date": day, "format": "balade"},
        {"id": "w", "holder": "h", "communes": ["35051"], "window": {"start": day, "end": "2099-05-10"}}])
    res = plan(ed)
    assert res.dates["f1"] == res.dates["f2"] == dt.date(2099, 5, 9)
    assert res.dates["w"] == dt.date(2099, 5, 10)
    assert len(res.conflicts) == 1 and "f1" in res.conflicts[0] and "f2" in res.conflicts[0]


def test_outreach_lists_uncovered_communes_by_population(tmp_path):
    _, ed = _small(tmp_path, [{"id": "a", "communes": ["35238"], "date": "2099-04-25"}], animation_budget_eur=250)
    res = plan(ed)
    catalogue = [{"format": "jeu", "label": "Jeu", "cost_eur": {"value": 100, "source": "https://example.org/tarif"}},
                 {"format": "fresque", "label": "Fresque", "cost_eur": {"value": None}}]
    gaps, picks = outreach(ed, res, catalogue)
    assert len(gaps) == 42 and "35238" not in set(gaps["code INSEE"])
    assert list(gaps["population"]) == sorted(gaps["population"], reverse=True)
    assert list(picks["commune"]) == list(gaps["commune"][:2])  # 2 × 100 € within 250 €


# --------------------------------------------------------------------------- communication files


def test_publish_writes_booklet_pages_ical_and_csv(tmp_path):
    from icalendar import Calendar
    from pypdf import PdfReader

    hostile = "<img src=x onerror=alert(1)> Atelier"
    root, ed = _small(tmp_path, [
        {"id": "a", "communes": ["35238"], "date": "2099-04-25", "title": hostile},
        {"id": "b", "communes": ["35047"], "window": {"start": "2099-05-01", "end": "2099-05-03"}}])
    res = plan(ed)
    out = tmp_path / "out"
    publish(ed, res, out)
    html_text = (out / "programme.html").read_text(encoding="utf-8")
    assert "<img" not in html_text and "&lt;img src=x onerror=alert(1)&gt;" in html_text
    assert "Content-Security-Policy" in html_text
    box = PdfReader(out / "programme.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)  # A5 in points
    cal = Calendar.from_ical((out / "programme.ics").read_bytes())
    events = [e for e in cal.walk("VEVENT")]
    assert sorted(str(e["summary"]) for e in events) == sorted([hostile, "Action b"])
    csv_lines = (out / "agenda.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].split(",") == AGENDA_COLUMNS and len(csv_lines) == 3
    assert sorted(p.name for p in (out / "communes").iterdir()) == ["35047.html", "35238.html"]
    table = review(ed, res)
    assert table.loc["actions programmées"].iloc[0] == 2


# --------------------------------------------------------------------------- workbook


def _rows(path):
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return wb, wb[SHEET]


def test_form_round_trip(synthetic, tmp_path):
    _, ed = synthetic
    path = export_form(ed, tmp_path / "form.xlsx")
    root = make_project(tmp_path)
    folder = root / "data" / "printemps" / EDITION
    (folder / "propositions").mkdir(parents=True)
    (folder / "edition.yml").write_text((ed.folder / "edition.yml").read_text(encoding="utf-8"), encoding="utf-8")
    written = import_form(load_edition(root, EDITION), path)
    assert len(written) == 150
    again = load_edition(root, EDITION)
    assert again.errors == []
    assert {p.id: p for p in again.proposals} == {p.id: p for p in ed.proposals}


def test_bad_form_is_refused_located_and_nothing_is_written(synthetic, tmp_path):
    _, ed = synthetic
    path = export_form(ed, tmp_path / "form.xlsx")
    wb, ws = _rows(path)
    col = {k: i + 1 for i, k in enumerate(COLUMNS)}
    mistakes = [  # (row, column, value, expected message fragment)
        (3, "description", "Écrire à jeanne.martin@example.org pour s'inscrire.", "adresse électronique"),
        (4, "title", "Appeler le 06 12 34 56 78", "téléphone"),
        (5, "format", "karaoke", "format inconnu"),
        (6, "communes", "75056", "commune hors de Rennes Métropole"),
        (7, "date", "2099-09-01", "hors de la période"),
        (8, "free", "peut-être", "oui"),
        (9, "duration_hours", "deux", "nombre"),
        (10, "holder_type", "entreprise", "habitant"),
        (11, "id", "Action Majuscule", "pattern"),
        (12, "start_time", "25:00", "pattern"),
        (13, "id", "action_003", "identifiant déjà utilisé"),
        (14, "themes", "astrologie", "thème inconnu"),
    ]
    for r, c, v, _ in mistakes:
        ws.cell(row=r, column=col[c]).value = v
        if c == "date":  # a fixed date instead of the window
            ws.cell(row=r, column=col["window_start"]).value = None
            ws.cell(row=r, column=col["window_end"]).value = None
    # Row 15: both a fixed date and a window.
    ws.cell(row=15, column=col["date"]).value = "2099-05-01"
    ws.cell(row=15, column=col["window_start"]).value = "2099-05-01"
    ws.cell(row=15, column=col["window_end"]).value = "2099-05-04"
    mistakes.append((15, "date", None, "pas les deux"))
    wb.save(path)
    root = make_project(tmp_path)
    folder = root / "data" / "printemps" / EDITION
    (folder / "propositions").mkdir(parents=True)
    (folder / "edition.yml").write_text((ed.folder / "edition.yml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        import_form(load_edition(root, EDITION), path)
    problems = exc.value.problems
    assert list((folder / "propositions").iterdir()) == []
    for r, c, _, fragment in mistakes:
        cell = f"{SHEET}!{chr(ord('A') + col[c] - 1)}{r}"
        hits = [p for p in problems if p.field == cell]
        assert hits, (cell, [p.format() for p in problems if p.field and p.field.endswith(str(r))])
        assert any(fragment in (p.message + str(p.expected)) for p in hits), (cell, [p.format() for p in hits])
    assert len(problems) >= len(mistakes)


# --------------------------------------------------------------------------- command line


def test_cli_new_edition_then_validate(tmp_path, monkeypatch):
    root = make_project(tmp_path)
    monkeypatch.setenv("BENCHMARK_ROOT", str(root))
    runner = CliRunner()
    r = runner.invoke(app, ["printemps", "new-edition", "2031", "--start", "2031-04-19", "--end", "2031-06-20"])
    assert r.exit_code == 0, r.output
    assert (root / "data" / "printemps" / "2031" / "edition.yml").exists()
    r = runner.invoke(app, ["printemps", "new-edition", "2031", "--start", "2031-04-19", "--end", "2031-06-20"])
    assert r.exit_code == 1 and "existe déjà" in r.output
    r = runner.invoke(app, ["printemps", "validate", "2031"])
    assert r.exit_code == 0 and "0 proposition" in r.output
    r = runner.invoke(app, ["printemps", "plan", "2030"])
    assert r.exit_code == 1 and "édition introuvable" in r.output


@pytest.mark.slow
def test_notebook_renders_the_edition(tmp_path, monkeypatch):
    import shutil

    root = make_project(tmp_path)
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    write_synthetic_edition(root, n=40, edition=EDITION)
    monkeypatch.setenv("BENCHMARK_ROOT", str(root))
    r = CliRunner().invoke(app, ["printemps", "rapport", EDITION])
    assert r.exit_code == 0, r.output
    page = (root / "reports" / "printemps" / EDITION / f"printemps_{EDITION}.html").read_text(encoding="utf-8")
    assert "Programme proposé" in page and "40 action(s) datée(s)" in page
    assert "Communes sans action programmée" in page
    assert not (root / "reports" / "printemps" / EDITION / "build").exists()
