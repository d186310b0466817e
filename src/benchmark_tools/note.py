"""The short decision note (4–8 pages): PDF for reading, DOCX for editing, same text as the full report.

:func:`build_note` computes everything once (:class:`NoteContent`): the question, ten key
figures, the scenarios of each family sized for the territory, the priorities with their
stability and evidence, the roadmap and the open questions. Three renderers read that one
object:

- :func:`note_html` → ``note_de_synthese.html`` → ``note_de_synthese.pdf`` (WeasyPrint, A4);
- :func:`note_docx` → ``note_de_synthese.docx`` (python-docx: Word headings « Titre 1/2 »,
  tables, the key chart as a picture), so that the services can edit and re-style it;
- :func:`report_sections` → the blocks of the full report (sizing with formulas and sources,
  the same scenario tables, the services' views), so the note and the report show the same
  numbers.

All text that comes from files is escaped with :func:`html.escape` before it enters HTML.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .consultations import check_under_services
from .formats import fmt_meur, fmt_number
from .htmlsafe import drop_attachments, host, link, pdf_url_fetcher, safe_url, text
from .project import load_consultations, load_territory
from .provenance import split_sources
from .recommend import recommend_all
from .report_html import Html
from .scenarios import FamilyScenarios, all_scenarios, scenario_rows
from .sizing import QUARTILE_LABELS, Sizing, size_recommendations
from .vocabulary import HORIZON_LABELS, HORIZONS

NOTE_STEM = "note_de_synthese"
REPORT_PDF = "preconisations.pdf"


_e = text  # text from the data, inert in HTML


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class KeyFigure:
    value: str
    label: str
    detail: str = ""


@dataclass(frozen=True)
class Priority:
    family: str
    family_label: str
    rec_id: str
    title: str
    priority: int
    effort: str
    horizon: str
    stability: str
    evidence: str


@dataclass
class NoteContent:
    """Everything the note says, computed once."""

    title: str
    date: str
    question: str
    figures: list[KeyFigure]
    scenarios: dict[str, FamilyScenarios]
    sizing: Sizing
    priorities: list[Priority]
    roadmap: dict[str, list[str]]
    open_questions: list[str]
    constraints: list[str]
    services_sentence: str
    services_table: object | None  # DataFrame or None
    missing: list[str]
    pointer: str
    summary: list[str] = field(default_factory=list)
    chart_png: bytes = field(default=b"", repr=False)


def retention_share(rec) -> float | None:
    """The share of Monte Carlo draws in which the préconisation is retained, when the object exposes it.

    The attribute is looked up under a few names so that the note shows it as soon as the
    recommendation objects carry it (« retenue dans N % des tirages »).
    """
    for name in ("retention_share", "retention", "share_retained", "retained_share"):
        v = getattr(rec, name, None)
        if v is None and isinstance(getattr(rec, "values", None), dict):
            v = rec.values.get(name)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v):
            return float(v)
    return None


_LEADER_RULES = ("baseline_below_leaders", "leaders_above_rest", "leaders_share_at_least")


def _stability(rec, family: str, check, ev=None) -> str:
    parts = []
    if ev is not None:
        if rec.rule_type in _LEADER_RULES and rec.formatted.get("population") != "l'ensemble des cas":
            p = [ev.p_top[s.case_id] for s in rec.supports if s.case_id in ev.leader_ids]
            parts.append(f"repose sur {len(ev.leader_ids)} meneur(s) ; probabilité d'être parmi les {ev.top_k} "
                         f"premiers ≥ {fmt_number(100 * min(p), 0)}\u00a0%" if p
                         else f"repose sur {len(ev.leader_ids)} meneur(s)")
        else:
            parts.append("fourchette de tous les cas : ne dépend pas des poids")
    share = retention_share(rec)
    if share is not None:
        parts.append(f"retenue dans {fmt_number(100 * share, 0)}\u00a0% des tirages")
    if check is not None and check.consultations:
        by = check.holds.get((family, rec.id), {})
        fails = [s for s, ok in by.items() if not ok]
        parts.append(f"tient sous les profils des {len(by)} services consultés" if not fails
                     else "ne tient pas sous le profil de : " + ", ".join(fails))
    else:
        parts.append("services : pas encore consultés")
    return " ; ".join(parts)


def _evidence(rec, ev) -> str:
    n_cases = len({s.case_id for s in rec.supports if s.source and s.case_id not in ev.baseline_ids})
    kind = ("comparaison aux meneurs" if rec.rule_type in ("baseline_below_leaders", "leaders_above_rest",
                                                           "leaders_share_at_least")
            else "fourchette observée" if rec.rule_type == "parameter_range" else "pratique observée")
    return f"{kind} ; {n_cases} cas sourcés, {len(rec.sources)} source(s)"


def _figures(project, recommendations, scenarios: dict[str, FamilyScenarios]) -> list[KeyFigure]:
    cases = project.cases
    out = [KeyFigure(str(len(cases)), "dispositifs réels comparés",
                     f"dont {sum(c.country != 'FR' for c in cases)} hors de France")]
    out.append(KeyFigure(str(len(project.catalogue.criteria)), "critères d'évaluation",
                         f"en {len(project.catalogue.dimensions)} dimensions"))
    for fam, fs in scenarios.items():
        med = fs.scenarios[1]
        if med.per_inhabitant is not None:
            out.append(KeyFigure(fmt_number(med.per_inhabitant, 2, "€"),
                                 f"par habitant et par an : médiane des {project.families.label(fam, plural=True).lower()}",
                                 f"{fs.n_cases} cas ; soit {fmt_meur(med.yearly_cost)} par an pour la Métropole"
                                 if med.yearly_cost is not None else f"{fs.n_cases} cas"))
    bp = [c for c in cases if c.family == "budget_participatif" and not c.baseline]
    voters = [float(c.outcomes.voters_count.value) for c in bp
              if c.outcomes.voters_count is not None and isinstance(c.outcomes.voters_count.value, (int, float))]
    if voters:
        out.append(KeyFigure(fmt_number(float(np.median(voters)), 0), "votants par édition : médiane des budgets "
                             "participatifs", f"{len(voters)} cas"))
    for fam, rs in recommendations.sets.items():
        pe = rs.evidence.parameters.get("climate_focus")
        if pe is not None and pe.all_cases["n"] > 0:
            share = pe.all_cases["shares"].get(True)
            if share is not None and np.isfinite(share):
                out.append(KeyFigure(fmt_number(100 * share, 0) + "\u00a0%",
                                     f"des {project.families.label(fam, plural=True).lower()} sont dédiés à la "
                                     "transition écologique", f"{pe.all_cases['n']} cas documentés"))
    recs = [r for rs in recommendations.sets.values() for r in rs.recommendations]
    out.append(KeyFigure(str(len(recs)), "préconisations étayées par les données",
                         f"dont {sum(r.priority == 1 for r in recs)} de priorité 1"))
    costs = [fs.scenarios[1].yearly_cost for fs in scenarios.values() if fs.scenarios[1].yearly_cost is not None]
    if costs:
        out.append(KeyFigure(fmt_meur(sum(costs)), "par an pour les dispositifs au scénario médian",
                             f"somme de {len(costs)} famille(s)"))
    designs = [d for d in getattr(project, "designs", {}).values() if not getattr(d, "status_quo", False)]
    out.append(KeyFigure(str(len(designs)), "dispositifs candidats codés pour la Métropole",
                         "notés avec le même moteur que les cas"))
    return out[:10]


def _chart(scenarios: dict[str, FamilyScenarios]) -> bytes:
    """Yearly cost of each scenario, by family (PNG): the key chart of the note."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fams = [fs for fs in scenarios.values() if any(s.yearly_cost is not None for s in fs.scenarios)]
    fig, ax = plt.subplots(figsize=(8.0, 1.2 + 0.33 * max(1, len(fams))), dpi=150)
    colors = ("#9ecae1", "#4292c6", "#08519c")
    y = np.arange(len(fams))
    h = 0.26
    for i, label in enumerate(("Sobre", "Médian", "Ambitieux")):
        vals = [float(fs.scenarios[i].yearly_cost or 0) / 1e6 for fs in fams]
        bars = ax.barh(y + (i - 1) * h, vals, height=h, color=colors[i], label=label)
        for b, fs in zip(bars, fams, strict=True):
            c = fs.scenarios[i].yearly_cost
            if c is not None:
                ax.text(b.get_width(), b.get_y() + b.get_height() / 2, " " + fmt_meur(c), va="center", fontsize=7)
    ax.set_yticks(y, [fs.family_label for fs in fams])
    ax.invert_yaxis()
    ax.set_xlabel("Coût annuel pour la Métropole (M€)")
    ax.set_title("Coût annuel des trois scénarios, par famille", fontsize=10)
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    xmax = max([float(s.yearly_cost or 0) / 1e6 for fs in fams for s in fs.scenarios] or [1.0])
    ax.set_xlim(0, xmax * 1.25 if xmax > 0 else 1)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def build_note(project, params=None, recommendations=None, territory=None, consultations=None,
               *, with_chart: bool = True) -> NoteContent:
    """Compute the content of the note (and of the report's matching sections) once.

    Parameters
    ----------
    project : Project
    params : ReportParams, optional
        Run parameters (default ``report.yml``).
    recommendations : RecommendationReport, optional
        Default: :func:`benchmark_tools.recommend.recommend_all` with ``params``.
    territory : Territory, optional
    consultations : list of LoadedConsultation, optional
        Default: the files of ``benchmark/consultations/``.
    """

    params = params or project.report
    territory = territory or load_territory(project.root)
    if recommendations is None:
        recommendations = recommend_all(project, params, list(params.families) if params else None)
    if consultations is None:
        consultations = load_consultations(project.root, [d.id for d in project.catalogue.dimensions])
    sizing = size_recommendations(recommendations, territory)
    scen = all_scenarios(project, recommendations, territory)
    check = check_under_services(project, recommendations, consultations, params) if consultations else None

    priorities = []
    fam_order = list(recommendations.sets)
    for fam, rs in recommendations.sets.items():
        for r in rs.recommendations:
            priorities.append(Priority(fam, rs.evidence.family_label, r.id, r.title, r.priority, r.effort, r.horizon,
                                       _stability(r, fam, check, rs.evidence), _evidence(r, rs.evidence)))
    priorities.sort(key=lambda p: (p.priority, fam_order.index(p.family)))
    roadmap = {hz: [f"{rs.evidence.family_label} : {t}" for rs in recommendations.sets.values()
                    for t in rs.roadmap.get(hz, [])] for hz in HORIZONS}

    pop = territory.facts.get("population")
    com = territory.facts.get("communes")
    size = []
    if com is not None:
        size.append(f"{com.value} communes ({com.year})")
    if pop is not None:
        size.append(f"{fmt_number(pop.value, 0)} habitants ({pop.year})")
    question = (f"Quels dispositifs participatifs {territory.name} ({', '.join(size)}) peut-elle lancer ou revoir pour "
                "donner aux habitants, aux associations et aux communes un pouvoir d'agir sur la transition "
                "écologique, à quel coût, et avec quelles règles ? Cette note résume le benchmark : ce que font les "
                "autres, trois scénarios chiffrés par famille de dispositif, les préconisations prioritaires et ce "
                "qui reste à décider.")
    if consultations:
        services_sentence = (f"{len(consultations)} réunion(s) avec les services sont enregistrées : "
                             + ", ".join(f"{c.service} ({c.data.date})" for c in consultations) + ".")
        open_q = [f"{q} ({c.service})" for c in consultations for q in c.data.open_questions]
        constraints = [f"{k.text} — {k.reference} ({c.service})" for c in consultations for k in c.data.constraints]
        table = check.to_dataframe() if check is not None else None
    else:
        services_sentence = ("Aucune réunion avec les services n'est encore enregistrée (dossier "
                             "benchmark/consultations/) : les préconisations reposent sur le seul benchmark.")
        open_q, constraints, table = [], [], None
    open_q += [f"Donnée à fournir : {m}" for m in sizing.missing]
    title = "Note de synthèse — " + (params.title if params is not None else "benchmark des dispositifs participatifs")
    pointer = (f"Le rapport complet ({REPORT_PDF}, même dossier) donne pour chaque chiffre les cas, leurs valeurs et "
               "leurs sources, le classement avec ses intervalles, l'analyse de robustesse, les fiches des cas et le "
               "référentiel des critères.")
    chart = _chart(scen) if with_chart else b""
    summary = _summary(scen, priorities, sizing, services_sentence)
    return NoteContent(title, _dt.date.today().strftime("%d/%m/%Y"), question, _figures(project, recommendations, scen),
                       scen, sizing, priorities, roadmap, open_q, constraints, services_sentence, table,
                       list(sizing.missing), pointer, summary, chart)


def _summary(scen: dict[str, FamilyScenarios], priorities: list[Priority], sizing: Sizing,
             services_sentence: str) -> list[str]:
    """Four sentences for the top of page 1, from the same numbers as the rest of the note."""
    out = []
    costs = [(fs.family_label, fs.scenarios[1].yearly_cost) for fs in scen.values()
             if fs.scenarios[1].yearly_cost is not None]
    if costs:
        out.append("Au niveau médian observé ailleurs, le coût annuel pour la Métropole serait de "
                   + ", ".join(f"{fmt_meur(c)} pour {lbl.lower()}" for lbl, c in costs)
                   + f", soit {fmt_meur(sum(c for _, c in costs))} au total.")
    top = [p for p in priorities if p.priority == min((q.priority for q in priorities), default=1)]
    if top:
        out.append(f"Priorité{'s' if len(top) > 1 else ''} {top[0].priority} : "
                   + " ; ".join(f"{p.title} ({p.family_label.lower()})" for p in top) + ".")
    out.append("À décider politiquement : le niveau de l'enveloppe, le plafond par projet et la durée de "
               "l'engagement de chaque dispositif (section 3).")
    if sizing.missing:
        out.append(f"{len(sizing.missing)} donnée(s) du territoire manquent pour affiner les montants (section 6) ; "
                   + services_sentence[0].lower() + services_sentence[1:])
    return out


# --------------------------------------------------------------------------- shared HTML blocks


def _table_html(rows: list[list[str]], css: str = "tableau") -> str:
    head, body = rows[0], rows[1:]
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in body)
    return f'<table class="{css}"><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>'


def priority_rows(content: NoteContent) -> list[list[str]]:
    rows = [["Priorité", "Famille", "Préconisation", "Horizon", "Stabilité", "Preuves"]]
    for p in content.priorities:
        rows.append([str(p.priority), p.family_label, p.title, HORIZON_LABELS[p.horizon], p.stability, p.evidence])
    return rows


def figure_rows(content: NoteContent) -> list[list[str]]:
    return [["Chiffre", "Ce qu'il mesure", "Détail"]] + [[f.value, f.label, f.detail] for f in content.figures]


def sizing_rows(content: NoteContent, family: str | None = None) -> list[list[str]]:

    rows = [["Famille", "Grandeur", "Repère", "Valeur", "Formule", "Sources"]]
    labels = {f: fs.family_label for f, fs in content.scenarios.items()}
    for f in content.sizing.figures:
        if family is None or f.family == family:
            rows.append([labels.get(f.family, f.family), f.quantity, QUARTILE_LABELS.get(f.level, "—"), f.text,
                         f.formula, " ; ".join(f.sources)])
    return rows


def _source_links(sources: tuple[str, ...], limit: int = 4) -> str:
    """Sources as short links (the site's name), escaped; non-URL texts are dropped."""
    urls = list(dict.fromkeys(u for s in sources for u in split_sources(s) if safe_url(u)))
    links = [link(u, host(u).removeprefix("www.")) for u in urls[:limit]]
    more = f" et {len(urls) - limit} autre(s)" if len(urls) > limit else ""
    return ", ".join(links) + more


def _sizing_table_html(content: NoteContent) -> str:
    """The sizing table of the report: formula in full, sources as short links."""
    rows = sizing_rows(content)
    head = "".join(f"<th>{_e(h)}</th>" for h in rows[0][:-1]) + "<th>Sources</th>"
    body = []
    for f, r in zip(content.sizing.figures, rows[1:], strict=True):
        body.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r[:-1]) + f"<td>{_source_links(f.sources)}</td></tr>")
    return f'<table class="tableau petit"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def services_html(content: NoteContent) -> str:
    parts = [f"<p>{_e(content.services_sentence)}</p>"]
    t = content.services_table
    if t is not None and len(t):
        rows = [list(t.columns)] + [[str(x) for x in r] for r in t.itertuples(index=False)]
        parts.append(_table_html(rows))
    if content.constraints:
        parts.append("<p><strong>Contraintes signalées</strong></p><ul>"
                     + "".join(f"<li>{_e(c)}</li>" for c in content.constraints) + "</ul>")
    return "".join(parts)


def report_sections(content: NoteContent) -> list:
    """Blocks of the full report: territory sizing (formula, sources), scenarios, services' views.

    The scenario tables and the priorities are the very rows of the note.
    """

    out = [Html('<h3 id="montants-rennes">Les préconisations chiffrées pour Rennes Métropole</h3>'),
           Html("<p>Chaque fourchette observée est traduite dans les grandeurs de la Métropole, avec sa formule et "
                "ses sources. Les montants sont des ordres de grandeur descriptifs, pas des recommandations de "
                "budget.</p>"),
           Html(_sizing_table_html(content))]
    if content.missing:
        out.append(Html("<p><strong>Faits du territoire manquants</strong> (listés, jamais supposés)</p><ul>"
                        + "".join(f"<li>{_e(m)}</li>" for m in content.missing) + "</ul>"))
    out.append(Html('<h3 id="scenarios">Trois scénarios par famille</h3>'))
    for fam, fs in content.scenarios.items():
        out.append(Html(f'<h4 id="scenarios-{_e(fam)}">{_e(fs.family_label)}</h4>'))
        out.append(Html(_table_html(scenario_rows(fs))))
        if fs.decisions:
            out.append(Html("<p><strong>À décider politiquement</strong></p><ul>"
                            + "".join(f"<li>{_e(d)}</li>" for d in fs.decisions) + "</ul>"))
        for n in fs.notes:
            out.append(Html(f"<p>{_e(n)}</p>"))
    out.append(Html('<h3 id="priorites">Priorités, stabilité et preuves</h3>'))
    out.append(Html(_table_html(priority_rows(content))))
    out.append(Html('<h3 id="avis-services">L\'avis des services</h3>'))
    out.append(Html(services_html(content)))
    return out


# --------------------------------------------------------------------------- the note (HTML → PDF)

_NOTE_CSS = """
@page { size: A4; margin: 18mm 17mm 18mm 17mm;
        @bottom-center { content: "Note de synthèse — page " counter(page) " sur " counter(pages); font-size: 8pt;
                         font-family: "DejaVu Sans", sans-serif; color: #555; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9.6pt; line-height: 1.38;
       color: #111; }
h1 { font-size: 17pt; margin: 0 0 4pt 0; color: #08306b; }
h2 { font-size: 13pt; color: #08306b; border-bottom: 1.5pt solid #08519c; padding-bottom: 2pt; margin-top: 14pt; }
h3 { font-size: 11pt; color: #08519c; margin: 10pt 0 4pt 0; }
.saut { page-break-before: always; }
.date { color: #555; margin: 0 0 10pt 0; }
.bref { border: 1pt solid #08519c; padding: 2pt 9pt; margin: 4pt 0 6pt 0; }
.bref ul { margin: 0 0 3pt 0; padding-left: 14pt; }
.question { background: #eef4fb; border-left: 3pt solid #08519c; padding: 6pt 9pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt 0; font-size: 8.4pt; }
th, td { border: 0.5pt solid #9aa; padding: 2.5pt 4pt; vertical-align: top; text-align: left; }
th { background: #deebf7; }
table.chiffres td:first-child { font-weight: bold; font-size: 11pt; color: #08306b; white-space: nowrap; }
img.graphique { width: 92%; }
tr { page-break-inside: avoid; }
table.scenarios { page-break-inside: avoid; }
.petit { font-size: 8pt; color: #333; }
"""


def note_html(content: NoteContent) -> str:
    """The note as one self-contained HTML page (A4 styles for WeasyPrint)."""
    p = [f"<h1>{_e(content.title)}</h1>", f'<p class="date">Rennes Métropole — {_e(content.date)}</p>',
         '<div class="bref"><p><strong>En bref</strong></p><ul>'
         + "".join(f"<li>{_e(x)}</li>" for x in content.summary) + "</ul></div>",
         '<h2 id="question">1. La question</h2>', f'<p class="question">{_e(content.question)}</p>',
         '<h2 id="dix-chiffres">2. Ce que font les autres, en dix chiffres</h2>',
         _table_html(figure_rows(content), "tableau chiffres")]
    p.append('<h2 id="scenarios" class="saut">3. Trois scénarios par famille</h2>')
    p.append("<p>Sobre, médian et ambitieux reprennent le premier quartile, la médiane et le troisième quartile de ce "
             "que font les cas de la famille ; le coût annuel est l'enveloppe par habitant multipliée par la "
             "population de la Métropole. « Obtenu par ces cas » donne l'étendue des résultats des cas dont "
             "l'enveloppe par habitant tombe dans la tranche, avec leur nombre.</p>")
    if content.chart_png:
        b64 = base64.b64encode(content.chart_png).decode()
        p.append(f'<img class="graphique" alt="Coût annuel des trois scénarios, par famille" '
                 f'src="data:image/png;base64,{b64}"/>')
    for i, (fam, fs) in enumerate(content.scenarios.items()):
        cls = ' class="saut"' if i > 0 else ""
        p.append(f'<h3 id="scenarios-{_e(fam)}"{cls}>{_e(fs.family_label)}</h3>')
        p.append(_table_html(scenario_rows(fs), "tableau scenarios"))
        if fs.decisions:
            p.append("<p><strong>À décider politiquement</strong></p><ul>"
                     + "".join(f"<li>{_e(d)}</li>" for d in fs.decisions) + "</ul>")
        for n in fs.notes:
            p.append(f"<p>{_e(n)}</p>")
    p.append('<h2 id="priorites" class="saut">4. Les priorités, leur stabilité et leurs preuves</h2>')
    p.append(_table_html(priority_rows(content)))
    p.append('<h2 id="feuille-de-route">5. Feuille de route</h2><ul>')
    for hz in HORIZONS:
        items = content.roadmap.get(hz, [])
        p.append(f"<li><strong>{_e(HORIZON_LABELS[hz])}</strong> : "
                 + ("; ".join(_e(x) for x in items) if items else "—") + "</li>")
    p.append("</ul>")
    p.append('<h2 id="questions">6. Questions ouvertes pour les services</h2>')
    p.append(services_html(content))
    if content.open_questions:
        p.append("<ul>" + "".join(f"<li>{_e(q)}</li>" for q in content.open_questions) + "</ul>")
    p.append('<h2 id="pour-aller-plus-loin">7. Pour aller plus loin</h2>')
    p.append(f"<p>{_e(content.pointer)}</p>")
    p.append('<p class="petit">Comment les montants sont calculés (scénario médian) :</p><ul class="petit">'
             + "".join(f"<li>{_e(f.formula)}</li>" for f in content.sizing.figures if f.level == "median")
             + "</ul>")
    return ("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>" + _e(content.title)
            + "</title><style>" + _NOTE_CSS + "</style></head><body>" + "".join(p) + "</body></html>")


# --------------------------------------------------------------------------- the note (DOCX)


def note_docx(content: NoteContent, path: Path) -> Path:
    """The note as an editable Word document: real headings, one table per family, the key chart."""
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(1.8))
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(content.title, level=0)
    doc.add_paragraph(f"Rennes Métropole — {content.date}")

    def table(rows):
        t = doc.add_table(rows=len(rows), cols=len(rows[0]))
        t.style = "Table Grid"
        for i, r in enumerate(rows):
            for j, c in enumerate(r):
                cell = t.cell(i, j)
                cell.text = c
                for par in cell.paragraphs:
                    for run in par.runs:
                        run.font.size = Pt(8)
                        run.bold = i == 0
        return t

    doc.add_paragraph("En bref").runs[0].bold = True
    for x in content.summary:
        doc.add_paragraph(x, style="List Bullet")
    doc.add_heading("1. La question", level=1)
    doc.add_paragraph(content.question)
    doc.add_heading("2. Ce que font les autres, en dix chiffres", level=1)
    table(figure_rows(content))
    doc.add_heading("3. Trois scénarios par famille", level=1)
    if content.chart_png:
        doc.add_picture(io.BytesIO(content.chart_png), width=Cm(16))
    for fs in content.scenarios.values():
        doc.add_heading(fs.family_label, level=2)
        table(scenario_rows(fs))
        if fs.decisions:
            doc.add_paragraph("À décider politiquement :")
            for d in fs.decisions:
                doc.add_paragraph(d, style="List Bullet")
        for n in fs.notes:
            doc.add_paragraph(n)
    doc.add_heading("4. Les priorités, leur stabilité et leurs preuves", level=1)
    table(priority_rows(content))
    doc.add_heading("5. Feuille de route", level=1)
    for hz in HORIZONS:
        items = content.roadmap.get(hz, [])
        doc.add_paragraph(f"{HORIZON_LABELS[hz]} : " + ("; ".join(items) if items else "—"), style="List Bullet")
    doc.add_heading("6. Questions ouvertes pour les services", level=1)
    doc.add_paragraph(content.services_sentence)
    t = content.services_table
    if t is not None and len(t):
        table([list(t.columns)] + [[str(x) for x in r] for r in t.itertuples(index=False)])
    for c in content.constraints:
        doc.add_paragraph(c, style="List Bullet")
    for q in content.open_questions:
        doc.add_paragraph(q, style="List Bullet")
    doc.add_heading("7. Pour aller plus loin", level=1)
    doc.add_paragraph(content.pointer)
    path = Path(path)
    doc.save(str(path))
    return path


# --------------------------------------------------------------------------- files


def write_note(project, out_dir: Path, params=None, recommendations=None, content: NoteContent | None = None) -> dict:
    """Write ``note_de_synthese.{html,pdf,docx}`` into ``out_dir``; return the paths by extension."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    content = content or build_note(project, params, recommendations)
    html_path = out_dir / f"{NOTE_STEM}.html"
    html_path.write_text(note_html(content), encoding="utf-8")
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    import weasyprint

    pdf_path = out_dir / f"{NOTE_STEM}.pdf"

    # The PDF reads the note's own data: images only (no local file, no network, no attachment).
    weasyprint.HTML(string=drop_attachments(html_path.read_text(encoding="utf-8")),
                    url_fetcher=pdf_url_fetcher()).write_pdf(str(pdf_path))
    docx_path = note_docx(content, out_dir / f"{NOTE_STEM}.docx")
    return {"html": html_path, "pdf": pdf_path, "docx": docx_path}
