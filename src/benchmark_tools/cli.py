"""Command line: ``benchmark-tools COMMAND``.

Every command reports a user's mistake as French text (file, case, field, expected, found) and
exits with status 1 (invalid input) or 2 (wrong usage), never with a Python traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .cases import case_sheet_text, todo_text
from .cli_common import EXIT_INVALID, _err, handle_errors
from .cli_printemps import app as printemps_app
from .consultations import new_consultation
from .criteria import calibration_text, criteria_markdown, criteria_table, criteria_text
from .designs import design_report_text
from .errors import InputError
from .gaps import family_gaps, gaps_text
from .modelio import find_root
from .newcase import check_text_option, write_template
from .note import write_note
from .pipeline import ranking_table, score_family, scores_table
from .project import load_project, validate_project
from .recommend import recommendations_text, report_params
from .report_run import run_report
from .run_params import check_params_against_project, load_params
from .runcache import latest_run
from .safeio import write_text_atomic
from .weights import profile_from_ranking as build
from .weights import write_profile
from .workbook import export_workbook, import_workbook

app = typer.Typer(
    help="Benchmark des dispositifs participatifs pour la transition écologique (Rennes Métropole).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _project():
    return load_project()


def _check_family(proj, family: str | None) -> None:
    if family is not None and family not in proj.families.ids:
        import difflib

        hint = difflib.get_close_matches(family, proj.families.ids, n=1)
        exc = InputError(f"famille inconnue « {family} »" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else "")
                         + f" (attendu : {', '.join(proj.families.ids)})")
        exc.usage = True
        raise exc


@app.command()
@handle_errors
def validate(paths: list[Path] = typer.Argument(None, help="Fichiers ou dossiers (défaut : benchmark/ et data/).")):
    """Vérifie les fichiers YAML et affiche tous les problèmes trouvés."""

    proj = validate_project(paths=list(paths) if paths else None)
    errors = [p for p in proj.problems if p.severity == "error"]
    for p in proj.problems:
        _err(p.format())
    if errors:
        _err(f"\n{len(errors)} problème(s) trouvé(s).")
        raise typer.Exit(EXIT_INVALID)
    typer.echo(f"Tout est valide : {len(proj.cases)} cas, {len(proj.profiles)} profils, "
               f"{len(proj.catalogue.criteria) if proj.catalogue else 0} critères, {len(proj.designs)} dispositifs candidats.")


@app.command()
@handle_errors
def criteria(family: str | None = typer.Option(None, "--family", "-f", help="Famille de dispositifs."),
             format: str = typer.Option("text", "--format", help="text (un bloc par critère), table ou markdown."),
             calibration: str | None = typer.Option(None, "--calibration", help="Clé YAML d'un critère de grille : "
                                                    "les cas codés à chaque niveau, avec leur preuve.")):
    """Affiche le catalogue des critères en français (ou la table de calibration d'un critère)."""

    proj = _project()
    _check_family(proj, family)
    if calibration is not None:
        ids = proj.catalogue.criterion_ids
        if calibration not in ids:
            import difflib

            hint = difflib.get_close_matches(calibration, ids, n=1)
            exc = InputError(f"critère inconnu « {calibration} »" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""))
            exc.usage = True
            raise exc
        if proj.catalogue.criterion(calibration).type != "ordinal":
            raise InputError(f"le critère « {calibration} » est numérique : pas de niveaux à comparer "
                             "(attendu : un critère de grille 0–4)")
        typer.echo(calibration_text(proj.cases, proj.catalogue, calibration, proj.families, family))
    elif format == "text":
        typer.echo(criteria_text(proj.catalogue, family, proj.families))
    elif format == "markdown":
        typer.echo(criteria_markdown(proj.catalogue, family, proj.families, proj.sources))
    elif format == "table":
        import pandas as pd

        with pd.option_context("display.max_rows", None, "display.max_colwidth", 60, "display.width", 200):
            typer.echo(criteria_table(proj.catalogue, family, proj.families).to_string(index=False))
    else:
        exc = InputError(f"format inconnu « {format} » (attendu : text, table ou markdown)")
        exc.usage = True
        raise exc


@app.command("profile-from-ranking")
@handle_errors
def profile_from_ranking(
    profile_id: str = typer.Argument(..., help="Identifiant du nouveau profil (minuscules, _)."),
    ranking: str = typer.Argument(..., help="Classement des dimensions, la plus importante d'abord : "
                                  "« empowerment > ecology = inclusion > … » (= pour les ex æquo)."),
    label: str = typer.Option(..., "--label", help="Libellé du profil en français."),
    rule: str = typer.Option("roc", "--rule", help="roc (centroïde des rangs) ou rank_sum (somme des rangs)."),
    viewpoint: str = typer.Option("Profil défini par le service à partir d'un classement des dimensions.", "--viewpoint"),
    rationale: str = typer.Option("Poids calculés à partir du classement des dimensions.", "--rationale"),
):
    """Écrit un profil de pondération à partir d'un classement des dimensions, sans saisir de nombres."""
    import re


    proj = _project()
    max_len = proj.settings.validation.max_name_length
    check_text_option(label, "--label", max_length=max_len)
    check_text_option(viewpoint, "--viewpoint", max_length=10_000)
    check_text_option(rationale, "--rationale", max_length=10_000)
    dims = proj.catalogue.dimension_ids
    if not re.match(r"^[a-z][a-z0-9_]*$", profile_id):
        raise InputError(f"identifiant de profil invalide « {profile_id} » (attendu : minuscules, chiffres et _)")
    groups = [g.strip() for g in ranking.split(">")]
    ranks: dict[str, int] = {}
    for pos, group in enumerate(groups, start=1):
        for d in (x.strip() for x in group.split("=")):
            if d not in dims:
                import difflib

                hint = difflib.get_close_matches(d, dims, n=1)
                raise InputError(f"dimension inconnue « {d} » dans le classement"
                                 + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else "")
                                 + f" (attendu : {', '.join(dims)})")
            if d in ranks:
                raise InputError(f"la dimension « {d} » apparaît deux fois dans le classement")
            ranks[d] = pos
    missing = [d for d in dims if d not in ranks]
    if missing:
        raise InputError("toutes les dimensions doivent être classées ; il manque : " + ", ".join(missing))
    if rule not in ("roc", "rank_sum"):
        raise InputError(f"règle inconnue « {rule} » (attendu : roc ou rank_sum)")
    path = proj.root / "benchmark" / "profiles" / f"{profile_id}.yml"
    if path.exists() or profile_id in proj.profiles:
        raise InputError(f"le profil « {profile_id} » existe déjà ({path.relative_to(proj.root)}) : "
                         "choisissez un autre identifiant")
    data = build(profile_id, label, ranks, rule, viewpoint, rationale)
    write_profile(path, data)
    typer.echo(f"Profil écrit : {path.relative_to(proj.root)}")
    for d, w in data["dimension_weights"].items():
        typer.echo(f"  {d:<16} {w:.3f}")


@app.command("new-case")
@handle_errors
def new_case(family: str = typer.Option(..., "--family", "-f", help="Famille du dispositif."),
             name: str = typer.Option(..., "--name", "-n", help="Nom du dispositif, en français."),
             case_id: str | None = typer.Option(None, "--id", help="Identifiant = nom du fichier (défaut : court, "
                                                "tiré du territoire ou du nom + abréviation de la famille, ex. lyon_bp)."),
             territory: str | None = typer.Option(None, "--territory", "-t", help="Territoire (écrit dans le modèle).")):
    """Écrit un modèle de fichier de cas commenté, au bon endroit."""

    proj = _project()
    _check_family(proj, family)
    path = write_template(proj, family, name, case_id, territory)
    typer.echo(f"Modèle écrit : {path.relative_to(proj.root)} — complétez-le puis lancez « make validate ».")


@app.command()
@handle_errors
def show(case_id: str = typer.Argument(..., help="Identifiant du cas."),
         todo: bool = typer.Option(False, "--todo", help="Seulement les critères applicables encore vides, "
                                   "avec ce qu'il faut chercher.")):
    """Affiche la fiche d'un cas : faits avec leurs sources, critères avec leurs preuves."""

    proj = _project()
    try:
        case = proj.case(case_id)
    except KeyError:
        import difflib

        hint = difflib.get_close_matches(case_id, [c.id for c in proj.cases], n=1)
        raise InputError(f"cas inconnu « {case_id} »" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""))
    if todo:
        typer.echo(todo_text(case, proj.catalogue, proj.families))
        return
    typer.echo(case_sheet_text(case, proj.catalogue, proj.families, proj.source_policy,
                               proj.settings.scoring.coverage_threshold))


@app.command()
@handle_errors
def score(family: str = typer.Option("budget_participatif", "--family", "-f"),
          profile: str | None = typer.Option(None, "--profile", "-p", help="Profil de pondération (défaut : report.yml)."),
          method: str | None = typer.Option(None, "--method", "-m", help="arithmetic, geometric, topsis, promethee."),
          normalisation: str | None = typer.Option(None, "--normalisation", help="goalposts, minmax, zscore, rank."),
          out: Path | None = typer.Option(None, "--out", "-o", help="Fichier CSV des scores.")):
    """Classe les cas d'une famille et écrit les scores."""

    if out is not None:
        if out.is_dir():
            raise InputError(f"« {out} » est un dossier : donnez un nom de fichier, par exemple {out / 'scores.csv'}")
        if out.suffix.lower() != ".csv":
            raise InputError(f"le fichier de scores doit avoir l'extension .csv (trouvé : « {out.name} »)")
    proj = _project()
    _check_family(proj, family)
    result = score_family(proj, family, profile=profile, method=method, normalisation=normalisation)
    table = ranking_table(result)
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 50):
        typer.echo(table.to_string(index=False))
    if out is not None:


        write_text_atomic(out, scores_table(result).to_csv(index=True, float_format="%.6f", lineterminator="\n"))
        typer.echo(f"Scores écrits : {out}")


@app.command("export-xlsx")
@handle_errors
def export_xlsx(out: Path = typer.Option(Path("cas.xlsx"), "--out", "-o", help="Classeur à écrire.")):
    """Écrit les cas dans un classeur (feuilles « cas » et « faits »)."""

    proj = _project()
    export_workbook(proj, out)
    typer.echo(f"Classeur écrit : {out} ({len(proj.cases)} cas)")


@app.command("import-xlsx")
@handle_errors
def import_xlsx(path: Path = typer.Argument(..., help="Classeur rempli (feuilles « cas » et « faits »)."),
                dry_run: bool = typer.Option(False, "--dry-run", help="Vérifier sans rien écrire.")):
    """Vérifie un classeur rempli puis écrit ou met à jour les fichiers YAML (rien si une erreur)."""

    proj = _project()
    written = import_workbook(proj, path, dry_run=dry_run)
    verb = "seraient écrits" if dry_run else "écrits"
    typer.echo(f"{len(written)} fichier(s) de cas {verb}.")
    for p in written:
        typer.echo(f"  {p}")


@app.command()
@handle_errors
def report(set_: list[str] = typer.Option(None, "--set", help="Paramètre cle=valeur (répétable), par exemple --set profile=gestion.")):
    """Exécute les notebooks et rend le rapport de préconisations (HTML et PDF)."""

    run_report(overrides=list(set_ or []))


@app.command()
@handle_errors
def design(design_id: str = typer.Argument(..., help="Identifiant du dispositif candidat (benchmark/designs).")):
    """Positionne un dispositif candidat parmi les cas de sa famille."""

    proj = _project()
    typer.echo(design_report_text(proj, design_id))


@app.command()
@handle_errors
def recommend(family: str | None = typer.Option(None, "--family", "-f")):
    """Affiche les préconisations, avec leurs preuves."""

    proj = _project()
    _check_family(proj, family)
    typer.echo(recommendations_text(proj, family))


app.add_typer(printemps_app, name="printemps")


@app.command()
@handle_errors
def note(set_: list[str] = typer.Option(None, "--set", help="Paramètre cle=valeur (répétable), comme pour report."),
         out: Path | None = typer.Option(None, "--out", "-o", help="Dossier de sortie (défaut : reports/latest).")):
    """Rend la note de synthèse (4 à 8 pages) en PDF et en DOCX modifiable."""

    proj = _project()
    params = load_params(find_root(), list(set_ or []))
    check_params_against_project(params, proj)
    target = out or proj.root / "reports" / "latest"
    if out is None and not target.exists():
        raise InputError("aucun rapport dans reports/latest : lancez d'abord « make report » (ou indiquez --out).")

    with latest_run(proj.root):  # the report's results, when the inputs are the same
        paths = write_note(proj, target, params)
    typer.echo(f"Note de synthèse écrite : {paths['pdf']} et {paths['docx']}")


consultation_app = typer.Typer(help="Réunions avec les services (benchmark/consultations/).", no_args_is_help=True)
app.add_typer(consultation_app, name="consultation")


@consultation_app.command("new")
@handle_errors
def consultation_new(service: str = typer.Argument(..., help="Service rencontré, par exemple « Direction des finances »."),
                     date: str | None = typer.Option(None, "--date", help="Date de la réunion (AAAA-MM-JJ, défaut : "
                                                     "aujourd'hui).")):
    """Écrit le modèle d'une réunion avec un service (sans nom de personne)."""

    root = find_root()
    path = new_consultation(service, root, date)
    typer.echo(f"Modèle écrit : {path.relative_to(root)} — complétez-le puis lancez « make validate ».")


@app.command()
@handle_errors
def gaps(family: str | None = typer.Option(None, "--family", "-f", help="Famille (défaut : toutes celles du rapport)."),
         top: int | None = typer.Option(None, "--top", "-n", help="Nombre de faits affichés par famille "
                                        "(défaut : robustness.gaps_top)."),
         csv: Path | None = typer.Option(None, "--csv", help="Écrit la liste complète dans ce fichier CSV.")):
    """Faits à rechercher en priorité : les données manquantes qui changeraient le plus les conclusions."""

    proj = _project()
    _check_family(proj, family)
    fams = [family] if family else [f for f in report_params(proj, None).families if f in proj.families.main]
    if family and family not in proj.families.main:
        _err(f"famille « {family} » : les faits à rechercher portent sur " + ", ".join(proj.families.main))
        raise typer.Exit(1)
    n = top or proj.settings.robustness.gaps_top
    tables = []

    for fam in fams:
        with latest_run(proj.root):  # the report's results, when the inputs are the same
            res = family_gaps(proj, fam, report_params(proj, None))
        tables.append(res.table)
        typer.echo(gaps_text(res, n))
    if csv is not None and tables:
        import pandas as pd

        pd.concat(tables, ignore_index=True).to_csv(csv, index=False)
        typer.echo(f"Liste complète écrite dans {csv}.")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
