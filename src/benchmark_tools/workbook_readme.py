"""The « lisez-moi » sheet of a workbook: the columns, vocabularies and accepted fields explained in French."""

from __future__ import annotations

from .cases import FIELD_LABELS
from .validate import criterion_value_kind
from .vocabulary import CONFIDENCES, DESIGN_FIELDS, LEVELS
from .workbook_cells import set_cell
from .workbook_layout import fact_paths, kind_label

# A row is (column A, column B, column C, style): style « title », « h » (a section) or « head » (a
# table header); a row of one text is a paragraph, (None,) an empty line.
_BLANK = (None,)


def _intro_rows() -> list[tuple]:
    """What the workbook is for and the rules of entry."""
    return [
        ("Saisie des cas du benchmark dans un classeur", None, None, "title"),
        ("Ce classeur se réimporte avec : benchmark-tools import-xlsx FICHIER.xlsx (essai sans écriture : "
         "--dry-run). Tout est vérifié avec les règles de « benchmark-tools validate » ; si une seule cellule "
         "est invalide, rien n'est écrit et chaque problème donne la feuille, la cellule, le cas et le champ.",),
        ("Règle d'or : chaque valeur a sa source (URL publique), son année et sa confiance. Sans source, "
         "laissez la valeur vide : l'outil gère les valeurs manquantes et ne devine jamais.",),
        ("Le classeur décrit chaque cas en entier : à l'import, le fichier data/cases/<famille>/<id>.yml d'un "
         "cas présent dans la feuille « cas » est réécrit à partir du classeur (une ligne de faits supprimée "
         "disparaît du fichier) ; un cas absent du classeur n'est pas touché ; un fichier dont le contenu ne "
         "change pas n'est pas réécrit.",),
        ("À éviter : cellules fusionnées, formules (collez les valeurs), dates dans une colonne de nombres, "
         "nombres saisis comme du texte (« 3,5 M€ » : écrivez 3500000).",),
    ]


def _case_sheet_rows() -> list[tuple]:
    """The columns of the « cas » sheet."""
    return [
        ("Feuille « cas » : une ligne par cas", None, None, "h"),
        ("colonne", "obligatoire", "contenu", "head"),
        ("id", "oui", "identifiant du cas = nom du fichier : minuscules, chiffres et _ (ex. lyon_bp)"),
        ("family", "oui", "famille du dispositif (liste ci-dessous)"),
        ("name", "oui", "nom du dispositif, en français"),
        ("short_name", "non", "libellé court pour les graphiques (« Rennes (Ville) »)"),
        ("territory", "oui", "territoire (ville, intercommunalité, département…)"),
        ("country", "oui", "code pays ISO à deux lettres majuscules : FR, ES, PT…"),
        ("level", "oui", "échelon : " + ", ".join(LEVELS)),
        ("baseline", "non", "VRAI pour les dispositifs de Rennes Métropole et de la Ville de Rennes"),
        ("edition", "non", "l'édition décrite, en texte (« Saison 6 (2022-2023) »)"),
        ("url", "non", "page principale du dispositif"),
        ("summary", "oui", "résumé de 2 à 4 phrases, en français, écrit par nous"),
        ("currency", "non", "devise des montants (EUR si vide)"),
    ]


def _fact_sheet_rows() -> list[tuple]:
    """The columns of the « faits » sheet."""
    return [
        ("Feuille « faits » : une ligne par valeur sourcée", None, None, "h"),
        ("colonne", "obligatoire", "contenu", "head"),
        ("case_id", "oui", "identifiant d'un cas de la feuille « cas »"),
        ("field", "oui", "champ, en chemin pointé : population, design.envelope, outcomes.voters_count, "
                         "scores.decision_power… (liste complète ci-dessous)"),
        ("alternative", "non", "vide pour la valeur retenue ; 1, 2… pour les valeurs d'autres sources qui "
                               "divergent (même case_id et même field, sur des lignes supplémentaires)"),
        ("value", "non", "la valeur (nombre sans unité ni espace, texte, VRAI/FAUX, ou liste séparée par "
                         "des virgules) ; vide s'il n'y a pas de source"),
        ("year", "si valeur", "année (2023) ou période en texte (2024-2026) à laquelle la valeur se rapporte"),
        ("source", "si valeur", "URL publique ou référence complète du document"),
        ("confidence", "si valeur", ", ".join(CONFIDENCES) + " (documented : écrit par la source ; derived : "
                                    "calculé, formule dans note ; coded : niveau de grille, preuve citée dans note)"),
        ("note", "si derived ou coded", "citation exacte, formule ou raisonnement"),
    ]


def _vocabulary_rows(families) -> list[tuple]:
    """The closed vocabularies (families of the project when known)."""
    rows: list[tuple] = [("Vocabulaires", None, None, "h")]
    if families is not None:
        rows.append(("family", "", ", ".join(families.ids)))
    return rows + [
        ("level", "", ", ".join(LEVELS)),
        ("confidence", "", ", ".join(CONFIDENCES)),
        ("design.voting_channels", "", ", ".join(DESIGN_FIELDS["voting_channels"][1])),
        ("design.proposer_types", "", ", ".join(DESIGN_FIELDS["proposer_types"][1])),
        ("design.frequency", "", ", ".join(DESIGN_FIELDS["frequency"][1])),
    ]


def _field_rows(catalogue) -> list[tuple]:
    """Every value of the « field » column, with its kind of value and its meaning."""
    rows: list[tuple] = [
        ("Champs acceptés dans la colonne « field »", None, None, "h"),
        ("field", "type de valeur", "sens", "head"),
    ]
    for path, (kind, extra) in fact_paths(None).items():
        rows.append((path, kind_label(kind, extra), FIELD_LABELS.get(path.split(".")[-1], "")))
    if catalogue is not None:
        for c in catalogue.criteria:
            kind = criterion_value_kind(c)
            what = kind_label(kind, None) if c.type == "ordinal" else f"nombre ({c.unit or ''})"
            rows.append((f"scores.{c.id}", what, f"{c.code} {c.label_fr}"))
    return rows


def readme_rows(catalogue, families) -> list[tuple]:
    """The rows of the « lisez-moi » sheet, in order."""
    return (_intro_rows() + [_BLANK] + _case_sheet_rows() + [_BLANK] + _fact_sheet_rows() + [_BLANK]
            + _vocabulary_rows(families) + [_BLANK] + _field_rows(catalogue))


def readme_sheet(ws, catalogue, families) -> None:
    """Fill ``ws`` with the « lisez-moi » rows (titles in bold, three columns)."""
    # openpyxl is imported here, when a workbook is written (see workbook_cells).
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    title = Font(bold=True, size=14)
    for i, row in enumerate(readme_rows(catalogue, families), start=1):
        style = row[3] if len(row) > 3 else None
        for j, v in enumerate(row[:3], start=1):
            if v is not None:
                set_cell(ws.cell(row=i, column=j), v)
        cell = ws.cell(row=i, column=1)
        if style == "title":
            cell.font = title
        elif style in ("h", "head"):
            for j in range(1, 4):
                ws.cell(row=i, column=j).font = bold
        if len(row) == 1 and row[0]:
            cell.alignment = Alignment(wrap_text=False)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 100
