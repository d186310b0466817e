"""Printemps citoyen: the communication files of a programme, and the review of an edition.

:func:`publish` writes, into one folder:

- ``programme.html`` and ``programme.pdf`` — the booklet, by date then by commune, in A5;
- ``communes/<code INSEE>.html`` — one page per commune with its actions, that a commune can reuse;
- ``programme.ics`` — every action as an iCalendar event (``icalendar`` package);
- ``agenda.csv`` — the events in the columns of the agenda platforms French authorities use
  (:data:`AGENDA_COLUMNS`).

Every text of the proposals is escaped (:func:`benchmark_tools.htmlsafe.text`) and the pages carry a
Content-Security-Policy without any script. :func:`review` compares what was held with the plan and
with the previous edition.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from . import htmlsafe
from .printemps_model import HOLDER_LABELS, Edition, Proposal
from .printemps_plan import PlanResult
from .safeio import write_text_atomic

#: Columns of ``agenda.csv`` (one event per row; dates in ISO 8601, local time).
AGENDA_COLUMNS = ["titre", "description", "date_debut", "date_fin", "lieu", "adresse", "commune",
                  "code_insee", "accessibilite", "gratuit", "format", "public", "porteur_type"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
STYLE = """
@page { size: A5; margin: 12mm 10mm 14mm; @bottom-center { content: counter(page); font-size: 8pt; } }
body { font-family: "Noto Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #1d2733; line-height: 1.35; }
h1 { font-size: 17pt; color: #1f5f8b; margin: 0 0 4mm; }
h2 { font-size: 12pt; color: #1f5f8b; border-bottom: 1px solid #c9d2db; margin: 5mm 0 2mm; page-break-after: avoid; }
.action { margin: 0 0 3mm; page-break-inside: avoid; }
.action h3 { font-size: 10pt; margin: 0; }
.meta { color: #4a5866; font-size: 8.5pt; }
.intro { color: #4a5866; }
section.commune { page-break-before: always; }
"""


def french_date(d: dt.date) -> str:
    return f"{WEEKDAYS[d.weekday()]} {d.day}{'er' if d.day == 1 else ''} {MONTHS[d.month - 1]} {d.year}"


def _start_end(a: Proposal, d: dt.date) -> tuple[dt.datetime, dt.datetime]:
    hh, mm = (int(x) for x in (a.start_time or "14:00").replace("h", ":").split(":"))
    start = dt.datetime(d.year, d.month, d.day, hh, mm)
    return start, start + dt.timedelta(hours=a.duration_hours)


def _commune_names(edition: Edition, a: Proposal) -> str:
    known = edition.communes.by_code() if edition.communes else {}
    return ", ".join(known[c].name if c in known else c for c in a.communes)


def _action_html(edition: Edition, a: Proposal, d: dt.date) -> str:
    e = htmlsafe.text
    start, end = _start_end(a, d)
    when = f"{french_date(d)}, {start:%H:%M}–{end:%H:%M}"
    access = f" · Accessibilité : {e(a.accessibility)}" if a.accessibility else ""
    return (f'<div class="action"><h3>{e(a.title)}</h3>'
            f'<div class="meta">{e(when)} · {e(a.place.name)}{", " + e(a.place.address) if a.place.address else ""}'
            f' · {e(_commune_names(edition, a))} · {"gratuit" if a.free else "payant"}{access}</div>'
            f"<p>{e(a.description)}</p></div>")


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{htmlsafe.CSP}">'
            f"<title>{htmlsafe.text(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")


def booklet_html(edition: Edition, result: PlanResult) -> str:
    """The programme by date, then by commune (each commune on a new page)."""
    e = htmlsafe.text
    s = edition.settings
    placed = sorted(((d, a) for a in result.actions if (d := result.dates.get(a.id))),
                    key=lambda t: (t[0], _start_end(t[1], t[0])[0], t[1].id))
    parts = [f"<h1>{e(s.title)}</h1>",
             f'<p class="intro">Du {e(french_date(s.start))} au {e(french_date(s.end))} : {len(placed)} actions '
             f"dans {len(result.covered)} communes de Rennes Métropole.</p>"]
    day = None
    for d, a in placed:
        if d != day:
            parts.append(f"<h2>{e(french_date(d).capitalize())}</h2>")
            day = d
        parts.append(_action_html(edition, a, d))
    by_commune = {}
    for d, a in placed:
        for c in a.communes:
            by_commune.setdefault(c, []).append((d, a))
    names = edition.communes.by_code() if edition.communes else {}
    for code in sorted(by_commune, key=lambda c: names[c].name if c in names else c):
        parts.append(f'<section class="commune"><h2>{e(names[code].name if code in names else code)}</h2>')
        parts += [_action_html(edition, a, d) for d, a in by_commune[code]]
        parts.append("</section>")
    return _page(s.title, "\n".join(parts))


def commune_page(edition: Edition, result: PlanResult, code: str) -> str:
    e = htmlsafe.text
    c = edition.communes.by_code()[code]
    items = sorted(((d, a) for a in result.actions if (d := result.dates.get(a.id)) and code in a.communes),
                   key=lambda t: (t[0], t[1].id))
    body = [f"<h1>{e(edition.settings.title)} — {e(c.name)}</h1>"]
    if not items:
        body.append('<p class="intro">Aucune action programmée dans la commune pour cette édition.</p>')
    body += [_action_html(edition, a, d) for d, a in items]
    return _page(f"{edition.settings.title} — {c.name}", "\n".join(body))


def ical(edition: Edition, result: PlanResult) -> bytes:
    from icalendar import Calendar, Event  # optional heavy import: only publishing needs it

    cal = Calendar()
    cal.add("prodid", "-//benchmark_tools//Printemps citoyen//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", edition.settings.title)
    for a in result.actions:
        d = result.dates.get(a.id)
        if d is None:
            continue
        start, end = _start_end(a, d)
        ev = Event()
        ev.add("uid", f"{edition.settings.id}-{a.id}@printemps-citoyen")
        ev.add("summary", a.title)
        ev.add("description", a.description)
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("dtstamp", dt.datetime(edition.settings.start.year, 1, 1, tzinfo=dt.UTC))
        ev.add("location", ", ".join(x for x in (a.place.name, a.place.address, _commune_names(edition, a)) if x))
        cal.add_component(ev)
    return cal.to_ical()


def agenda(edition: Edition, result: PlanResult) -> pd.DataFrame:
    rows = []
    names = edition.communes.by_code()
    for a in result.actions:
        d = result.dates.get(a.id)
        if d is None:
            continue
        start, end = _start_end(a, d)
        for code in a.communes:
            rows.append({"titre": a.title, "description": a.description, "date_debut": start.isoformat(),
                         "date_fin": end.isoformat(), "lieu": a.place.name, "adresse": a.place.address or "",
                         "commune": names[code].name if code in names else code, "code_insee": code,
                         "accessibilite": a.accessibility or "", "gratuit": "oui" if a.free else "non",
                         "format": a.format, "public": a.audience, "porteur_type": HOLDER_LABELS[a.holder_type]})
    return pd.DataFrame(rows, columns=AGENDA_COLUMNS).sort_values(["date_debut", "titre"]).reset_index(drop=True)


def publish(edition: Edition, result: PlanResult, out: Path, pdf: bool = True) -> list[Path]:
    """Write the booklet, the commune pages, the iCalendar file and the agenda CSV; return the paths."""
    out = Path(out)
    (out / "communes").mkdir(parents=True, exist_ok=True)
    written = [write_text_atomic(out / "programme.html", booklet_html(edition, result))]
    if pdf:
        import weasyprint  # optional heavy import: the PDF is the slow step

        # The booklet embeds nothing: the fetcher never reads the disk or the network.
        weasyprint.HTML(string=htmlsafe.drop_attachments(booklet_html(edition, result)),
                        url_fetcher=htmlsafe.pdf_url_fetcher()).write_pdf(str(out / "programme.pdf"))
        written.append(out / "programme.pdf")
    for code in sorted({c for a in result.actions if a.id in result.dates for c in a.communes}):
        written.append(write_text_atomic(out / "communes" / f"{code}.html", commune_page(edition, result, code)))
    ics = out / "programme.ics"
    tmp = ics.with_suffix(".ics.tmp")
    tmp.write_bytes(ical(edition, result))
    tmp.replace(ics)
    written.append(ics)
    written.append(write_text_atomic(out / "agenda.csv", agenda(edition, result).to_csv(index=False, lineterminator="\n")))
    return written


def review(edition: Edition, result: PlanResult, previous: Edition | None = None) -> pd.DataFrame:
    """Key figures of an edition (planned, held, participants, communes, holders, formats), beside the previous one."""

    def figures(ed: Edition, res: PlanResult | None) -> dict:
        held = ({k for k, o in ed.review.outcomes.items() if o.held} if ed.review else None)
        planned = set(res.dates) if res else {p.id for p in ed.labelled()}
        parts = [o.participants for k, o in (ed.review.outcomes.items() if ed.review else []) if o.held and o.participants is not None]
        acts = [p for p in ed.proposals if p.id in (held if held is not None else planned)]
        types = pd.Series([p.holder_type for p in acts]).value_counts()
        fmts = pd.Series([p.format for p in acts]).value_counts()
        return {
            "propositions reçues": len(ed.proposals),
            "actions labellisées": len(ed.labelled()),
            "actions programmées": len(planned),
            "actions tenues": len(held) if held is not None else "bilan non saisi",
            "participants (actions renseignées)": sum(parts) if parts else "non renseigné",
            "communes couvertes": len({c for p in acts for c in p.communes}),
            "porteurs par type": ", ".join(f"{HOLDER_LABELS[k]} {v}" for k, v in types.items()),
            "formats": ", ".join(f"{k} {v}" for k, v in fmts.items()),
        }

    cur = figures(edition, result)
    cols = {f"édition {edition.settings.id}": cur}
    if previous is not None and previous.settings is not None:
        cols[f"édition {previous.settings.id}"] = figures(previous, None)
    return pd.DataFrame(cols)
