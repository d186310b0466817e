"""Building blocks of the report and of the notebooks: tables, sections and texts in French.

Functions return objects that a notebook displays (``Html``), so the notebooks stay narration:
one call per block. All text that comes from the data goes through :mod:`benchmark_tools.htmlsafe`
(:func:`~benchmark_tools.htmlsafe.text` for text, :func:`~benchmark_tools.htmlsafe.link` for
sources, :func:`~benchmark_tools.htmlsafe.markdown` for the Markdown blocks), so a case text
containing HTML stays inert and only well-formed http(s) URLs become links.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from .cases import FIELD_LABELS, case_sheet_markdown, coverage_table
from .criteria import calibration_markdown, criteria_markdown
from .formats import fmt_number, fmt_pct
from .htmlsafe import host as url_host
from .htmlsafe import link, safe_url
from .htmlsafe import markdown as markdown_html
from .htmlsafe import text as e
from .modelio import find_root
from .provenance import GRADE_LABELS, classify, primary_share, split_sources
from .report_html import Html, heading, html_table
from .robustness import kendall_tau
from .run_params import load_params
from .safeio import write_text_atomic
from .uncertainty_report import synthese_items
from .vocabulary import DESIGN_FIELDS, METHOD_LABELS, NORMALISATION_LABELS, OUTCOME_FIELDS

# --------------------------------------------------------------------------- title page


def data_version(root: Path) -> str:
    """Commit of the repository (if any) and a fingerprint of the case files."""
    h = hashlib.sha256()
    files = sorted((root / "data" / "cases").rglob("*.yml"))
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    commit = "non versionné"
    try:
        out = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h (%cs)"], capture_output=True,
                             text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            commit = "commit " + out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return f"{len(files)} fichiers de cas, empreinte {h.hexdigest()[:12]} — {commit}"


def title_page(project, params) -> Html:
    prof = project.profiles.get(params.profile)
    today = _dt.date.today()
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]
    date = f"{today.day} {months[today.month - 1]} {today.year}"
    fams = ", ".join(project.families.label(f, plural=True) for f in params.families)
    rows = [
        ("Date", date),
        ("Données", data_version(project.root)),
        ("Profil de pondération", f"{prof.label_fr if prof else params.profile} ({params.profile})"),
        ("Agrégation", METHOD_LABELS.get(params.method, params.method)),
        ("Normalisation", NORMALISATION_LABELS.get(params.normalisation, params.normalisation)),
        ("Tirages Monte Carlo", fmt_number(params.n_draws)),
        ("Graine aléatoire", str(params.seed)),
        ("Familles", fams),
    ]
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in rows)
    return Html(
        '<section class="page-titre">'
        '<div class="surtitre">Rennes Métropole — Direction de la participation citoyenne</div>'
        f'<h1 id="titre" class="toc-skip">{e(params.title)}</h1>'
        "<p>Budgets participatifs, appels à projets et fonds de concours : ce que font les autres territoires, "
        "et ce que Rennes Métropole peut en retenir.</p>"
        f"<dl>{dl}</dl></section>"
    )


def toc() -> Html:
    """Placeholder replaced by the table of contents when the report is rendered."""
    return Html("<!--TOC-->")


# --------------------------------------------------------------------------- overview of the cases


def cases_overview(project) -> Html:
    """Counts of cases by family, with baseline cases and mean coverage."""
    cov = coverage_table(project.cases, project.catalogue, project.families)
    rows = []
    for fam in project.families.ids:
        sub = [c for c in project.cases if c.family == fam]
        if not sub:
            continue
        cv = cov[cov["family"] == fam]
        ref = project.families.get(fam).reference
        rows.append({
            "Famille": project.families.label(fam, plural=True) + (f" (cousine : {project.families.label(ref)})" if ref else ""),
            "Cas": len(sub),
            "dont hors de France": sum(c.country != "FR" for c in sub),
            "dont Rennes": sum(c.baseline for c in sub),
            "Couverture moyenne": float(cv["Couverture"].mean()),
            "Faits sourcés": int(cv["Faits sourcés"].sum()),
        })
    df = pd.DataFrame(rows)
    return html_table(df, "Les cas étudiés, par famille", pct=["Couverture moyenne"])


def cases_list(project, families: list[str] | None = None, shown: set[str] | None = None,
               run_dir: str | Path | None = None) -> Html:
    """The list of the cases; with ``shown`` (see :func:`shown_cases`), only those, the full list
    going to ``cas.csv`` in ``run_dir``."""
    cov = coverage_table(project.cases, project.catalogue, project.families).set_index("case_id")
    rows = []
    for c in project.cases:
        if families and c.family not in families:
            continue
        rows.append({"identifiant": c.id, "Cas": c.name, "Territoire": c.territory, "Pays": c.country,
                     "Famille": project.families.label(c.family), "Édition décrite": c.edition or "",
                     "Couverture": float(cov.loc[c.id, "Couverture"]), "Rennes": "oui" if c.baseline else ""})
        if getattr(project, "source_policy", None) is not None:  # share of primary sources (issue 20)
            rows[-1]["Sources primaires"] = primary_share(c, project.source_policy)
    pct = ["Couverture", "Sources primaires"]
    df = pd.DataFrame(rows)
    if shown is None or len(df) == 0 or df["identifiant"].isin(shown).all():
        return html_table(df.drop(columns="identifiant"), "Liste des cas", pct=pct)
    note = _full_table_note(df, run_dir, "cas.csv", len(df))
    part = df[df["identifiant"].isin(shown)].drop(columns="identifiant")
    return Html(html_table(part, f"Liste des cas (extrait : {len(part)} sur {len(df)})", pct=pct).html + note)


def _full_table_note(df: pd.DataFrame, run_dir, name: str, n_total: int) -> str:
    """Write the full table as CSV into the run folder; the sentence that says where it is."""
    if run_dir:

        write_text_atomic(Path(run_dir) / name, df.to_csv(index=False))
        where = f"le tableau complet ({n_total} lignes) est dans le fichier <strong>{e(name)}</strong> du dossier de l'exécution"
    else:
        where = f"le tableau complet compte {n_total} lignes"
    return f'<p class="petit">Extrait : {where}.</p>'


def shown_cases(project, analyses) -> set[str] | None:
    """Cases shown in the report's long tables and case sheets, or None when every family fits.

    Beyond ``settings.report.max_table_rows`` cases in a family: the top of its ranking (nominal
    rank, then score) and its Rennes instruments (``baseline: true``).
    """
    n = project.settings.report.max_table_rows
    if all(len(project.cases_of(fa.family)) <= n for fa in analyses):
        return None
    keep: set[str] = set()
    for fa in analyses:
        ids = list(fa.summary_table()["identifiant"])
        keep.update(ids[:n])
        keep.update(c.id for c in project.cases_of(fa.family) if c.baseline)
    return keep


# --------------------------------------------------------------------------- results by family


def family_table(fa, project=None, run_dir: str | Path | None = None) -> Html:
    """Ranking with rank intervals, stability and the effect of the undocumented criteria.

    With ``project``, beyond ``settings.report.max_table_rows`` cases the table shows the top of the
    ranking and the Rennes instruments; the full table goes to ``classement_<famille>.csv`` in
    ``run_dir``.
    """
    df = fa.summary_table()
    full = df
    limit = project.settings.report.max_table_rows if project is not None else None
    if limit is not None and len(df) > limit:
        base = {c.id for c in project.cases_of(fa.family) if c.baseline}
        df = df[(df.index < limit) | df["identifiant"].isin(base)].copy()
    top = f"P(top {fa.monte_carlo.top_k})" if fa.monte_carlo is not None else None
    cols = ["Cas", "Score", "Rang nominal", "Couverture", "Statut"]
    if fa.monte_carlo is not None:
        df["Intervalle de rang (5–95 %)"] = [
            "" if np.isnan(a) else (f"{int(a)}" if a == b else f"{int(a)} à {int(b)}")
            for a, b in zip(df["Rang P5"], df["Rang P95"], strict=False)]
        cols = ["Cas", "Score", "Rang nominal", "Intervalle de rang (5–95 %)", "P(1er)", top, "Stabilité", "Couverture", "Statut"]
    if "Rang si manquants à la médiane" in df:
        df["Rang si manquants à la médiane"] = ["—" if np.isnan(x) else str(int(x)) for x in df["Rang si manquants à la médiane"]]
        cols.insert(cols.index("Couverture") + 1, "Rang si manquants à la médiane")
    if (df["Statut"] == df["Statut"].iloc[0]).all():
        cols.remove("Statut")
    out = df[cols].copy()
    out["Rang nominal"] = [str(int(r)) if r > 0 else "—" for r in out["Rang nominal"]]
    if "Stabilité" in out:
        out["Stabilité"] = out["Stabilité"].replace({"exclu": "—"})
    pct = ["Couverture"] + (["P(1er)", top] if top else [])
    caption = f"{fa.label} : classement et intervalles de rang"
    if len(df) < len(full):
        caption += f" (les {limit} premiers et les dispositifs de Rennes, sur {len(full)} cas)"
        note = _full_table_note(full, run_dir, f"classement_{fa.family}.csv", len(full))
        return Html(html_table(out, caption, pct=pct, dec={"Score": 3}).html + note)
    return html_table(out, caption, pct=pct, dec={"Score": 3})


def missing_words(fa) -> str:
    """What the undocumented criteria do to the ranking, in words (HTML paragraph)."""
    mb = fa.missing_bounds
    if mb is None or len(mb) < 2:
        return ""

    tau = kendall_tau(mb["rang"].to_numpy(), mb["rang manquants à la médiane"].to_numpy())
    shift = (mb["rang manquants à la médiane"] - mb["rang"]).abs()
    names = fa.names or {}
    moved = shift.sort_values(ascending=False, kind="stable").head(2)
    examples = " ; ".join(
        f"{e(names.get(cid, cid))} passerait du rang {int(mb.loc[cid, 'rang'])} au rang {int(mb.loc[cid, 'rang manquants à la médiane'])}"
        for cid in moved.index if moved[cid] > 0)
    level = fa.change_word(tau)
    text = (f"<p><strong>Données manquantes.</strong> Si chaque critère non documenté prenait la valeur médiane des cas "
            f"qui le documentent, le classement changerait {level} (tau de Kendall {fmt_number(float(tau), 2)} avec le "
            f"classement affiché)" + (f" : {examples}" if examples else "") + ". Avec la pire ou la meilleure valeur "
            "possible, presque tous les rangs deviendraient possibles : le classement vaut pour ce que les sources "
            "publiques documentent, et documenter les critères manquants est la première façon de le consolider.</p>")
    return text


def robustness_words(fa, project) -> Html:
    """The robustness of a family's ranking in plain words."""
    if fa.monte_carlo is None:
        return Html(f'<div class="encadre alerte"><p>{e(" ".join(fa.notes) or "Pas d’analyse de robustesse.")}</p></div>')
    mc = fa.monte_carlo
    r = fa.result
    ranked = [i for i in range(len(mc.case_ids)) if r.ranked[i]]
    stable = [i for i in ranked if mc.stability and mc.stability[i] == "stable"]
    parts = []
    if len(ranked) < 4:
        parts.append(f"<p><strong>Prudence :</strong> seuls {len(ranked)} cas sont assez documentés pour être classés ; "
                     "avec si peu de cas, la stabilité du classement dit peu de chose. Le rapport s'appuie surtout, "
                     "pour cette famille, sur la comparaison des profils par dimension.</p>")
    leader = int(np.argmax(np.where(r.ranked, mc.p_first, -1)))
    parts.append(
        f"<p>Sur {fmt_number(mc.n_draws)} pondérations plausibles tirées autour du profil, "
        f"<strong>{e(r.matrix.case_names[leader])}</strong> arrive en tête dans {fmt_pct(mc.p_first[leader])} des cas "
        f"et figure parmi les {mc.top_k} premiers dans {fmt_pct(mc.p_top_k[leader])}.</p>")
    parts.append(f"<p>{len(stable)} des {len(ranked)} positions classées sont <span class='etiquette stable'>stables</span> "
                 f"(même rang, à un rang près, dans au moins {fmt_pct(fa.monte_carlo.stability_threshold)} des tirages) ; "
                 f"les autres sont <span class='etiquette fragile'>fragiles</span> : leur rang dépend des poids retenus.</p>")
    if fa.sobol is not None and fa.sobol_negligible:
        parts.append("<p>Aucun des choix testés (poids des dimensions, méthode, normalisation) ne change l'ordre des "
                     "cas classés : les indices de Sobol sont nuls.</p>")
    elif fa.sobol is not None:
        order = np.argsort(-np.asarray(fa.sobol.ST))
        first = order[0]
        parts.append(
            f"<p>Le choix qui déplace le plus le classement est <strong>{e(fa.sobol.labels[first])}</strong> "
            f"(indice total de Sobol {fmt_number(float(fa.sobol.ST[first]), 2)}), devant "
            f"{e(fa.sobol.labels[order[1]])} ({fmt_number(float(fa.sobol.ST[order[1]]), 2)}).</p>")
    parts.append(missing_words(fa))
    if fa.methods_agreement is not None:
        m = fa.methods_agreement.to_numpy()
        off = m[~np.eye(len(m), dtype=bool)]
        parts.append(f"<p>Entre les quatre méthodes d'agrégation, l'accord des classements (tau de Kendall) va de "
                     f"{fmt_number(float(np.nanmin(off)), 2)} à {fmt_number(float(np.nanmax(off)), 2)}.</p>")
    return Html('<div class="encadre">' + "".join(parts) + "</div>")


def baseline_position(fa, project) -> Html:
    """Where Rennes Métropole's own instrument of this family stands."""
    r = fa.result
    ids = list(r.matrix.case_ids)
    base = [c for c in project.cases_of(fa.family) if c.baseline]
    if not base:
        return Html("")
    items = []
    for c in base:
        i = ids.index(c.id)
        if r.ranked[i] and fa.monte_carlo is not None:
            mc = fa.monte_carlo
            span = ("le même dans 90 % des pondérations plausibles" if mc.rank_p05[i] == mc.rank_p95[i] else
                    f"entre {int(mc.rank_p05[i])} et {int(mc.rank_p95[i])} dans 90 % des pondérations plausibles")
            items.append(f"<li><strong>{e(c.name)}</strong> : rang {int(r.ranks[i])} sur {int(r.ranked.sum())} "
                         f"avec le profil, {span} ; couverture {fmt_pct(r.coverage[i])}.</li>")
        else:
            items.append(f"<li><strong>{e(c.name)}</strong> : non classé (couverture {fmt_pct(r.coverage[i])} "
                         "sous le seuil) ; son profil par dimension reste comparable.</li>")
    return Html('<div class="encadre"><p>Les dispositifs de Rennes dans cette famille :</p><ul>' + "".join(items) + "</ul></div>")


# --------------------------------------------------------------------------- annexes


def conflicts_table(project) -> Html:
    """Facts where sources disagree: the value kept, the alternatives, and why."""
    rows = []
    for c in project.cases:
        paths = ["population", "first_year", "editions_count", "active"] + \
            [f"design.{n}" for n in DESIGN_FIELDS] + [f"outcomes.{n}" for n in OUTCOME_FIELDS]
        for p in paths:
            f = c.fact(p)
            if f is None or not f.alternatives:
                continue
            alts = " ; ".join(f"{a.value} ({a.year})" for a in f.alternatives)
            rows.append({"Cas": c.name, "Fait": FIELD_LABELS.get(p.split(".")[-1], p), "Valeur retenue": f"{f.value} ({f.year})",
                         "Autres valeurs": alts, "Pourquoi": f.note or ""})
    if not rows:
        return Html("<p>Aucun conflit de sources enregistré.</p>")
    return html_table(pd.DataFrame(rows), "Faits sur lesquels les sources divergent")


def case_sheets(project, families: list[str] | None = None, shown: set[str] | None = None) -> list:
    """One sheet per case (facts with sources, scores with evidence): Markdown with the data escaped,
    rendered without raw HTML."""
    out = []
    for c in project.cases:
        if families and c.family not in families:
            continue
        if shown is not None and c.id not in shown:
            continue
        out.append(Html(markdown_html(case_sheet_markdown(c, project.catalogue, project.families,
                                                          getattr(project, "source_policy", None)))))
    return out


def bibliography(project) -> Html:
    """The frameworks cited by the criteria (the public pages of the cases: :func:`case_sites`)."""
    items = []
    for s in sorted(project.sources.sources, key=lambda s: s.citation):
        url = f" — {link(s.url)}" if s.url else ""
        items.append(f"<li>[{e(s.key)}] {e(s.citation)}{url}</li>")
    return Html("<h3 id='cadres-devaluation'>Cadres d'évaluation et références</h3><ol class='petit'>" + "".join(items)
                + "</ol>")


def case_sites(project) -> Html:
    """The sites the cases rest on, by number of values, each with its grade (long: an annex of annexes.pdf)."""
    hosts: dict[str, int] = {}
    for c in project.cases:
        for f in _all_facts(c):
            for src in split_sources(f.source):
                if safe_url(src):
                    host = url_host(src)
                    hosts[host] = hosts.get(host, 0) + 1
    top = sorted(hosts.items(), key=lambda kv: (-kv[1], kv[0]))
    policy = getattr(project, "source_policy", None)
    if policy is not None:  # each site with its grade (issue 20)
        pages = "".join(f"<li>{e(h)} ({n} valeurs, {GRADE_LABELS[classify('https://' + h + '/', policy).grade]})</li>"
                        for h, n in top)
    else:
        pages = "".join(f"<li>{e(h)} ({n} valeurs)</li>" for h, n in top)
    return Html("<p class='petit'>Chaque valeur est liée à sa page dans la fiche du cas.</p>"
                f"<ul class='petit' style='columns:2'>{pages}</ul>")


def _all_facts(case):
    paths = ["population", "first_year", "editions_count", "active"] + \
        [f"design.{n}" for n in DESIGN_FIELDS] + [f"outcomes.{n}" for n in OUTCOME_FIELDS]
    for p in paths:
        f = case.fact(p)
        if f is not None and f.value is not None:
            yield f
    for f in case.scores.values():
        if f.value is not None:
            yield f


def executive_summary(project, analyses, params, recommendations=None, gaps=None) -> Html:
    """The one-page synthèse: what was compared, who leads robustly, where Rennes stands, what to do."""
    n_cases = len(project.cases)
    abroad = sum(c.country != "FR" for c in project.cases)
    prof = project.profiles.get(params.profile)
    li = [f"<li><strong>{n_cases} dispositifs réels</strong> ont été comparés, dont {abroad} hors de France, sur "
          f"{len(project.catalogue.criteria)} critères en {len(project.catalogue.dimensions)} dimensions tirés de cadres "
          f"d'évaluation publiés ; chaque valeur renvoie à une page publique.</li>"]
    for fa in analyses:
        r = fa.result
        if fa.monte_carlo is None or not r.ranked.any():
            li.append(f"<li><strong>{e(fa.label)}</strong> : trop peu de cas suffisamment documentés pour un classement "
                      f"({int(r.ranked.sum())} classé(s)) ; le rapport compare leurs profils par dimension.</li>")
            continue
        mc = fa.monte_carlo
        # Every case ranked in the draws counts (joint Monte Carlo: below-threshold cases too, marked).
        lead = [i for i in np.argsort(-mc.p_top_k, kind="stable") if mc.share_ranked[i] > 0][:3]
        short = fa.names or {}
        names = ", ".join(f"{e(short.get(r.matrix.case_ids[i], r.matrix.case_names[i]))} ({fmt_pct(mc.p_top_k[i])}"
                          + (", peu documenté" if r.low_coverage[i] else "") + ")" for i in lead)
        li.append(f"<li><strong>{e(fa.label)}</strong> ({int(r.ranked.sum())} cas classés sur {len(r.ranked)}) : "
                  f"les plus souvent dans le trio de tête sur les pondérations plausibles sont {names}.</li>")
        ids = list(r.matrix.case_ids)
        for c in project.cases_of(fa.family):
            if c.baseline:
                i = ids.index(c.id)
                if mc.share_ranked[i] > 0:
                    span = ("le même quelles que soient les pondérations plausibles" if mc.rank_p05[i] == mc.rank_p95[i]
                            else f"entre {int(mc.rank_p05[i])} et {int(mc.rank_p95[i])} selon les poids"
                            + ("" if fa.prior == "none" else " et les critères non documentés"))
                    li.append(f"<li style='list-style:none'>↳ {e(c.name)} : rang médian {int(mc.median_rank[i])} "
                              f"({span}).</li>")
    taus = []
    for fa in analyses:
        mb = fa.missing_bounds
        if mb is not None and len(mb) >= 3:

            taus.append((fa.label, kendall_tau(mb["rang"].to_numpy(), mb["rang manquants à la médiane"].to_numpy())))
    if taus:
        txt = ", ".join(f"{e(lbl)} {fmt_number(float(t), 2)}" for lbl, t in taus)
        li.append("<li><strong>Prudence</strong> : les sources publiques documentent en moyenne moins de la moitié des "
                  "critères ; si les critères manquants prenaient la valeur médiane des autres cas, les classements "
                  f"bougeraient (accord, tau de Kendall : {txt}). Les rangs comparent ce qui est documenté ; les "
                  "préconisations s'appuient sur des pratiques observées, pas sur un rang.</li>")
    if recommendations is not None:
        # Priorities = préconisations retained in ≥ robustness.priority_min_share of the joint draws.

        li += synthese_items(project, analyses, recommendations, gaps)
    li.append(f"<li>Lecture : profil « {e(prof.label_fr if prof else params.profile)} », "
              f"{e(METHOD_LABELS.get(params.method, params.method))} ; un rang n'est donné qu'avec son intervalle.</li>")
    return Html('<div class="synthese"><ul>' + "".join(li) + "</ul></div>")


def run_params(**values):
    """The run parameters of a notebook: its parameters cell's literals over ``benchmark/report.yml``.

    Unknown names are an error (the same rule as the runner).
    """

    return load_params(find_root(), values={k: (list(v) if isinstance(v, tuple) else v)
                                            for k, v in values.items() if v is not None})


def method_summary(project, params) -> Html:
    """The run's methodological choices in one box, with the numbers."""
    s = project.settings
    prof = project.profiles[params.profile]
    dims = project.catalogue.dimensions
    w = prof.normalised_dimension_weights([d.id for d in dims])
    weights = ", ".join(f"{d.label_fr} {fmt_pct(x)}" for d, x in zip(dims, w, strict=False))
    rs = s.robustness
    scheme = {"multiplicative": f"chaque poids multiplié par un facteur tiré entre {fmt_number(1 - rs.noise_factor, 2)} et "
                                f"{fmt_number(1 + rs.noise_factor, 2)}, puis renormalisé (comme COINr)",
              "dirichlet": f"loi de Dirichlet centrée sur le profil (concentration {fmt_number(rs.dirichlet_concentration)})",
              "simplex": "tirages uniformes de toutes les pondérations possibles"}[rs.weight_scheme]
    items = [
        f"<li><strong>Profil « {e(prof.label_fr)} »</strong> — {e(prof.viewpoint)} Poids : {e(weights)}.</li>",
        f"<li><strong>Agrégation</strong> : {e(METHOD_LABELS[params.method])} des dimensions ; "
        f"normalisation : {e(NORMALISATION_LABELS[params.normalisation])}.</li>",
        f"<li><strong>Seuil de couverture</strong> : un cas est classé s'il a une valeur pour au moins "
        f"{fmt_pct(s.scoring.coverage_threshold)} des critères applicables ; sinon il est montré à part.</li>",
        f"<li><strong>Pondérations plausibles</strong> : {fmt_number(params.n_draws)} tirages, {e(scheme)} ; "
        f"graine {params.seed}.</li>",
        f"<li><strong>Sensibilité</strong> : indices de Sobol sur les poids des {len(dims)} dimensions, la méthode "
        f"({', '.join(METHOD_LABELS[m] for m in rs.methods)}) et la normalisation "
        f"({', '.join(NORMALISATION_LABELS[n] for n in rs.normalisations)}).</li>",
    ]
    return Html('<div class="encadre"><ul>' + "".join(items) + "</ul></div>")


def coverage_words(project, analyses) -> Html:
    """What the public evidence covers, said plainly, with the consequence for the rankings."""
    cov = coverage_table(project.cases, project.catalogue, project.families)
    parts = [f"<p>Les pages publiques renseignent en moyenne {fmt_pct(float(cov['Couverture'].mean()))} des critères "
             f"applicables à un cas (de {fmt_pct(float(cov['Couverture'].min()))} à "
             f"{fmt_pct(float(cov['Couverture'].max()))}). Les critères les moins souvent documentés sont ceux qui "
             "demandent des données internes : coût de gestion, délais de paiement, représentativité des "
             "participants, cotation climat des dépenses.</p>"]
    for fa in analyses:
        r = fa.result
        parts.append(f"<li>{e(fa.label)} : {int(r.ranked.sum())} cas classés sur {len(r.ranked)}.</li>")
    return Html('<div class="encadre alerte">' + parts[0] + "<ul>" + "".join(parts[1:]) + "</ul>"
                "<p>Les cas sous le seuil restent dans le rapport : leur profil par dimension est montré, sans rang.</p></div>")


def shift_headings(md: str, by: int = 1, drop_first_title: bool = True) -> str:
    """Markdown with every heading pushed ``by`` levels down (an annex inside a section)."""
    lines = md.splitlines()
    if drop_first_title and lines and lines[0].startswith("## "):
        lines = lines[1:]
    return "\n".join(("#" * by + ln) if re.match(r"^#{1,5} ", ln) else ln for ln in lines)


def criteria_annex(project):
    """The criteria reference, headings demoted to sit under « Annexes › Référentiel des critères ».

    The catalogue's descriptions are Markdown on purpose: rendered with raw HTML off and links
    only to http(s) URLs.
    """

    return Html(markdown_html(
        shift_headings(criteria_markdown(project.catalogue, None, project.families, project.sources), 1)
        + "\n\n" + shift_headings(calibration_markdown(project.cases, project.catalogue, project.families),
                                   1, drop_first_title=False)))


_URL_IN_MD = re.compile(r"(?<![(<])https?://(?:\\.|[^\s;()<>\\\]])+")


_AUTOLINK = re.compile(r"(?<!\()<(https?://[^>\s]+)>")


def shorten_links(md: str) -> str:
    """Bare URLs and autolinks in (escaped) Markdown become short links labelled by their site."""
    md = _AUTOLINK.sub(lambda m: f"[{url_host(m.group(1))}](<{m.group(1)}>)" if safe_url(m.group(1)) else m.group(0), md)

    def repl(m):
        url = re.sub(r"\\(.)", r"\1", m.group(0)).rstrip(".,")
        tail = m.group(0)[len(m.group(0).rstrip(".,")):]
        if not safe_url(url):  # not a well-formed http(s) URL: stays text
            return m.group(0)
        return f"[{url_host(url)}](<{url}>)" + tail
    return _URL_IN_MD.sub(repl, md)


def recommendations_annex(report):
    """The préconisations of every family (Markdown, raw HTML off), headings pushed under « Préconisations »."""
    return Html(markdown_html(shorten_links(shift_headings(report.to_markdown(), 1, drop_first_title=False))))


def design_positions_table(positions) -> Html:
    """One row per candidate design: family, score, rank and probable rank interval."""
    rows = []
    for p in positions:
        rows.append({
            "Dispositif": p.design_name, "Famille": p.family_label, "Statu quo": "oui" if p.status_quo else "",
            "Score": p.score, "Rang": f"{p.rank} sur {p.n_compared}" if p.rank else "—",
            "Rang probable (5–95 %)": "—" if p.rank_p05 != p.rank_p05 else (
                f"{int(p.rank_p05)}" if p.rank_p05 == p.rank_p95 else f"{int(p.rank_p05)} à {int(p.rank_p95)}"),
            f"P(top {p.top_k})": p.p_top_k, "Couverture du codage": p.coverage,
        })
    df = pd.DataFrame(rows)
    return html_table(df, "Dispositifs candidats et statu quo, placés parmi les cas de leur famille",
                      pct=[c for c in df.columns if c.startswith("P(top")] + ["Couverture du codage"], dec={"Score": 3})


def design_section(position) -> list:
    """Summary text, marginal gains and the example cases for one candidate design."""
    out = [heading(position.design_name, 4, anchor="dispositif-" + position.design_id)]
    paras = "".join(f"<p>{e(line)}</p>" for line in position.summary_text().splitlines() if line.strip())
    out.append(Html(f'<div class="encadre">{paras}</div>'))
    mg = position.marginal_gains.head(6)
    if len(mg):
        cols = [c for c in ["critère", "dimension", "valeur actuelle", "nouvelle valeur", "gain de score", "nouveau rang"] if c in mg.columns]
        out.append(html_table(mg[cols], "Leviers : gain de score si le critère progresse d'un pas", dec={"gain de score": 3}))
    ex = position.examples
    if ex is not None and len(ex):
        items = []
        for _, r in ex.iterrows():
            target = f"<strong>{e(r['critère'])}</strong> (niveau visé {e(r['niveau visé'])})"
            n_at = int(r.get("cas au niveau", 0) or 0)
            if n_at == 0 or not isinstance(r.get("cas"), str) or not r.get("cas"):
                items.append(f"<li>{target} : aucun cas de la famille n'atteint encore ce niveau d'après les sources.</li>")
                continue
            src = r.get("source") or ""
            url = f" — {link(src)}" if safe_url(src) else ""
            items.append(f"<li>{target} : {e(r['cas'])} ({n_at} cas à ce niveau ou au-dessus) — "
                         f"{e(r.get('preuve') or '')} ({e(r.get('année') or '')}){url}</li>")
        out.append(Html("<p><strong>Qui le fait déjà :</strong></p><ul class='petit'>" + "".join(items) + "</ul>"))
    return out


def cross_family_profiles(project, analyses) -> pd.DataFrame:
    """Dimension profiles compared across families: median of the ranked cases, and Rennes' instruments.

    Across families the criteria differ, so no single index is compared: only the dimension scores
    (0 to 1), each computed within its family.
    """
    rows = {}
    dims = list(project.catalogue.dimension_ids)
    labels = {d.id: d.label_fr for d in project.catalogue.dimensions}
    for fa in analyses:
        r = fa.result
        ds = pd.DataFrame(r.dimension_scores, index=list(r.matrix.case_ids), columns=list(r.matrix.dimension_ids))
        ranked = ds[r.ranked]
        if len(ranked):
            rows[f"{fa.label} — médiane des cas classés"] = ranked.median()
        for c in project.cases_of(fa.family):
            if c.baseline:
                rows[f"{fa.label} — {fa.names.get(c.id, c.name)}"] = ds.loc[c.id]
    df = pd.DataFrame(rows).T.reindex(columns=dims)
    df.columns = [labels[d] for d in dims]
    return df


def services_questions(project) -> Html:
    """The questions for Rennes Métropole's services (``data/questions/*.md``), one block per family.

    Written by whoever sources the cases: what public pages leave out for the Rennes instruments and
    which document would settle it. Rendered with raw HTML off and links only to http(s) URLs.
    """
    folder = Path(project.root) / "data" / "questions"
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not files:
        return Html("<p>Aucune question aux services n'est enregistrée (dossier <code>data/questions/</code>).</p>")
    parts = [markdown_html(shift_headings(f.read_text(encoding="utf-8"), 3, drop_first_title=False)) for f in files]
    return Html("\n".join(parts))
