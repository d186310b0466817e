"""Command line of the Printemps citoyen: ``benchmark-tools printemps COMMAND EDITION``.

new-edition → export-form → (the call runs) → import → label → plan → publish → review. Every file the
commands write outside ``data/`` goes to ``reports/printemps/<edition>/``; ``data/`` is written only by
``new-edition`` (the settings template) and ``import`` (the proposals, all or nothing).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import typer
import yaml

from .cli_common import handle_errors
from .errors import InputError, ValidationFailed
from .modelio import find_root, rel
from .printemps_form import export_form as export
from .printemps_form import import_form
from .printemps_model import edition_folder, load_edition
from .printemps_plan import binding_text, outreach, panel_template, plan, precheck
from .printemps_publish import publish, review
from .printemps_synthetic import edition_settings
from .report_run import SEPARATE_NOTEBOOKS, execute_notebook, render_html
from .safeio import write_text_atomic

app = typer.Typer(help="Printemps citoyen : appel, labellisation, programme, communication, bilan.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

CATALOGUE = ("benchmark", "printemps", "animations.yml")


def _handle(func):
    return handle_errors(func)


def _loaded(edition: str, *, strict: bool = True):
    root = find_root()
    ed = load_edition(root, edition)
    warnings = [p for p in ed.problems if p.severity != "error"]
    for p in warnings:
        typer.echo(p.format(), err=True)
    if strict and ed.errors:
        raise ValidationFailed(ed.problems)
    return root, ed


def _out(root: Path, edition: str) -> Path:
    out = root / "reports" / "printemps" / str(edition)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _catalogue(root: Path) -> list[dict]:
    path = root.joinpath(*CATALOGUE)
    if not path.exists():
        return []
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("animations", [])


@app.command("new-edition")
def new_edition(edition: str = typer.Argument(..., help="année de l'édition, par exemple 2026"),
                start: str = typer.Option(..., help="premier jour (AAAA-MM-JJ)"),
                end: str = typer.Option(..., help="dernier jour (AAAA-MM-JJ)"),
                copy_from: str = typer.Option(None, "--depuis", help="reprendre les réglages d'une édition existante")):
    """Créer data/printemps/EDITION/edition.yml (modèle à compléter) et le dossier des propositions."""

    @_handle
    def run():
        root = find_root()
        folder = edition_folder(root, edition)
        if (folder / "edition.yml").exists():
            raise FileExistsError(str(folder / "edition.yml"))
        try:
            d0, d1 = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except ValueError:
            raise InputError(f"date mal écrite : « {start} » ou « {end} » (attendu AAAA-MM-JJ)") from None
        if copy_from:
            _, prev = _loaded(copy_from)
            data = prev.settings.model_dump(mode="json", exclude={"sources"})
        else:

            data = edition_settings(edition)
            data["title"] = f"Printemps citoyen {edition}"
        data.update({"id": str(edition), "start": d0.isoformat(), "end": d1.isoformat(),
                     "contacts_file": f"data/printemps/{edition}/contacts.local.yml"})
        data.pop("deadline", None)
        (folder / "propositions").mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / "edition.yml", "# Réglages de l'édition : à relire et compléter.\n"
                          + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), overwrite=False)
        typer.echo(f"Édition créée : {rel(folder / 'edition.yml', root)}")

    run()


@app.command("validate")
def validate(edition: str):
    """Vérifier les réglages, les propositions, la labellisation et le bilan d'une édition."""

    @_handle
    def run():
        _, ed = _loaded(edition)
        typer.echo(f"Édition {edition} : {len(ed.proposals)} proposition(s), aucun problème.")

    run()


@app.command("export-form")
def export_form(edition: str, output: Path = typer.Option(None, "--sortie", help="classeur à écrire")):
    """Écrire le formulaire des propositions (classeur .xlsx) à faire remplir."""

    @_handle
    def run():
        root, ed = _loaded(edition)
        path = export(ed, output or _out(root, edition) / f"propositions_{edition}.xlsx")
        typer.echo(f"Formulaire écrit : {path}")

    run()


@app.command("import")
def import_(edition: str, workbook: Path):
    """Importer le formulaire rempli : tout est vérifié, rien n'est écrit s'il reste une erreur."""

    @_handle
    def run():
        _, ed = _loaded(edition)
        written = import_form(ed, workbook)
        typer.echo(f"{len(written)} proposition(s) écrites dans {rel(ed.folder / 'propositions', ed.root)}.")

    run()


@app.command("label")
def label(edition: str):
    """Pré-vérifier les trois critères (repères pour le comité) et écrire la feuille du comité."""

    @_handle
    def run():
        root, ed = _loaded(edition)
        out = _out(root, edition)
        table = precheck(ed)
        write_text_atomic(out / "pre_verification.csv", table.to_csv(index=False, lineterminator="\n"))
        sheet = ed.folder / "labellisation.yml"
        if not sheet.exists():
            write_text_atomic(sheet, "# Décision du comité : labellisee, refusee ou a_revoir, avec le motif.\n"
                              + yaml.safe_dump(panel_template(ed), allow_unicode=True, sort_keys=False), overwrite=False)
            typer.echo(f"Feuille du comité écrite : {rel(sheet, root)}")
        flags = (table[["s'exprimer ou faire", "lien avec les transitions", "gratuit et accessible"]] == "à vérifier").sum()
        typer.echo(f"{len(table)} proposition(s) ; à vérifier : " + ", ".join(f"{k} {v}" for k, v in flags.items()))
        typer.echo(f"Pré-vérification : {rel(out / 'pre_verification.csv', root)} (un repère, jamais une décision)")

    run()


def _plan(edition: str):

    root, ed = _loaded(edition)
    return root, ed, plan(ed)


@app.command("plan")
def plan_cmd(edition: str):
    """Dater les actions labellisées (solveur CP-SAT) et lister les communes sans action."""

    @_handle
    def run():
        root, ed, res = _plan(edition)
        out = _out(root, edition)
        write_text_atomic(out / "programme.csv", res.to_dataframe().to_csv(index=False, lineterminator="\n"))
        gaps, picks = outreach(ed, res, _catalogue(root))
        write_text_atomic(out / "communes_sans_action.csv", gaps.to_csv(index=False, lineterminator="\n"))
        typer.echo(f"Programme ({res.status}, {res.seconds:.1f} s) : {len(res.dates)} action(s) datée(s), "
                   f"{len(res.unplaced)} non placée(s), {len(res.covered)} commune(s) couverte(s) sur "
                   f"{len(ed.communes.communes)}.")
        for line in binding_text(res):
            typer.echo(f"  · {line}")
        for aid, why in res.unplaced.items():
            typer.echo(f"  non placée : {aid} — {why}")
        typer.echo(f"{len(gaps)} commune(s) sans action ; {len(picks)} animation(s) proposée(s) dans le budget.")
        typer.echo(f"Fichiers : {rel(out, root)}/programme.csv, communes_sans_action.csv")

    run()


@app.command("publish")
def publish_cmd(edition: str, pdf: bool = typer.Option(True, help="rendre aussi le livret PDF (A5)")):
    """Écrire le livret (HTML, PDF A5), les pages par commune, l'agenda iCalendar et le CSV des événements."""

    @_handle
    def run():
        root, ed, res = _plan(edition)
        written = publish(ed, res, _out(root, edition), pdf=pdf)
        typer.echo(f"{len(written)} fichier(s) écrits dans {rel(_out(root, edition), root)}")

    run()


@app.command("review")
def review_cmd(edition: str, previous: str = typer.Option(None, "--precedente", help="édition de comparaison")):
    """Bilan de l'édition : actions tenues, participants, communes, porteurs, formats."""

    @_handle
    def run():
        root, ed, res = _plan(edition)
        prev = _loaded(previous)[1] if previous else None
        table = review(ed, res, prev)
        write_text_atomic(_out(root, edition) / "bilan.csv", table.to_csv(lineterminator="\n"))
        typer.echo(table.to_string())

    run()


@app.command("rapport")
def rapport_cmd(edition: str):
    """Exécuter le carnet notebooks/50_printemps_citoyen.py et écrire son rendu HTML (bilan de l'édition)."""

    @_handle
    def run():
        root, ed = _loaded(edition, strict=False)
        out = _out(root, edition)
        rec = execute_notebook(root / "notebooks" / SEPARATE_NOTEBOOKS[0], out,
                               {"edition": str(edition), "run_dir": str(out)}, root)
        html_path = write_text_atomic(out / f"printemps_{edition}.html",
                                      render_html(rec.output, f"Printemps citoyen {edition}"))
        shutil.rmtree(out / "build", ignore_errors=True)
        typer.echo(f"Carnet exécuté en {rec.seconds:.1f} s : {rel(html_path, root)}")

    run()
