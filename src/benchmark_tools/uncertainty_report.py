"""Report blocks on missing evidence (issue 14): what holds whatever the missing values are,
what depends on them, and what would settle it.

- :func:`synthese_items`: the lines of the synthèse (leaders on the joint uncertainty,
  priorities retained in at least ``robustness.priority_min_share`` of the draws, leads with
  their reason, the facts that would settle them);
- :func:`missing_priors_section`: the missing-data section of a family, comparing the three
  priors (available-case rule, family distribution, uniform);
- :func:`gaps_annex`: the annex « Faits à rechercher en priorité » (top N per family).
"""

from __future__ import annotations

import numpy as np

from .cases import short_names
from .formats import fmt_number, fmt_pct
from .joint import PRIOR_LABELS
from .report_html import Html, html_table
from .textutil import escape_html as e


def synthese_items(project, analyses, recommendations, gaps: dict | None = None) -> list[str]:
    """``<li>`` items of the synthèse about priorities, leads and what would settle them (HTML)."""
    li = []
    if recommendations is None:
        return li
    prior = project.settings.robustness.missing_prior
    share = project.settings.robustness.priority_min_share
    if prior != "none":
        li.append(
            "<li><strong>Données manquantes prises en compte</strong> : dans chaque tirage, les critères non "
            f"documentés prennent une valeur plausible ({e(PRIOR_LABELS[prior])}) en même temps que les poids. Un cas "
            "peu documenté reçoit donc un intervalle de rang large au lieu d'un rang flatteur ; les rangs "
            "« nominaux », calculés sur les seuls critères documentés, restent dans les tableaux pour comparaison.</li>")
    for fam, rs in recommendations.sets.items():
        label = e(project.families.label(fam, plural=True))
        ev = rs.evidence
        short = short_names(project.cases_of(fam))
        lead = ", ".join(f"{e(short.get(c) or rs.case_name(c))} ({fmt_pct(ev.p_top[c])})" for c in ev.leader_ids) or "aucun cas"
        li.append(f"<li><strong>{label} — groupe de tête</strong> (probabilité d'être parmi les {ev.top_k} premiers "
                  f"≥ {fmt_pct(ev.p_top_k_min)}, sur les poids et les valeurs manquantes) : {lead}.</li>")
        prio = sorted(rs.priorities, key=lambda r: r.priority)
        if prio:
            items = " ; ".join(f"{e(r.title)} (retenue dans {fmt_pct(r.retention)} des tirages)" for r in prio)
            li.append(f"<li><strong>Préconisations prioritaires — {label}</strong> : {items}. Elles restent retenues "
                      f"dans au moins {fmt_pct(share)} des tirages des poids et des valeurs manquantes plausibles.</li>")
        else:
            li.append(f"<li><strong>Préconisations prioritaires — {label}</strong> : aucune n'est retenue dans "
                      f"au moins {fmt_pct(share)} des tirages.</li>")
        leads = rs.leads
        if leads:
            items = " ; ".join(f"{e(r.title)} ({fmt_pct(r.retention)})" for r in leads)
            what = ""
            g = (gaps or {}).get(fam)
            if g is not None and len(g.table):
                top = g.table[g.table["P(changement d'une conclusion)"] > 0].head(2)
                if len(top):
                    what = (" Ce qui trancherait en premier : " + " ; ".join(
                        f"{e(r['Critère'])} pour {e(short.get(r['identifiant'], r['Cas']))}" for _, r in top.iterrows())
                        + " (annexe « Faits à rechercher en priorité »).")
            li.append(f"<li style='list-style:none'>↳ Pistes, qui dépendent des critères non documentés (part des "
                      f"tirages où elles sont retenues, sous le seuil de {fmt_pct(share)}) : {items}.{what}</li>")
    return li


def missing_priors_section(fa, top_k: int) -> Html:
    """The three priors compared for one family: what holds whatever the missing values are."""
    df = getattr(fa, "prior_comparison", None)
    if df is None or not len(df):
        return Html("")
    labels = (("none", "cas disponibles"), ("family", "a priori famille"), ("uniform", "a priori uniforme"))
    col = {p: f"P(top {top_k}) ({lab})" for p, lab in labels}
    # One cell per rule: « rang médian (5–95 %) · P(top k) », so the table fits the page.
    view = df[["Cas", "Couverture"]].head(15).copy()
    for p, lab in labels:
        view[lab[0].upper() + lab[1:]] = [f"{r} · {fmt_pct(x)}" for r, x in
                                          zip(df[f"Rang ({lab})"].head(15), df[col[p]].head(15), strict=True)]
    p = df[[col["none"], col["family"], col["uniform"]]].to_numpy()
    robust = df.loc[(p >= 0.5).all(axis=1), "Cas"].tolist()
    only_none = df.loc[(p[:, 0] >= 0.5) & ~(p[:, 1:] >= 0.5).any(axis=1), "Cas"].tolist()
    parts = ["<p><strong>Trois façons de traiter les critères non documentés.</strong> « Cas disponibles » : le "
             "critère manquant est écarté (règle des rapports précédents) ; « a priori famille » : il prend une valeur "
             "observée chez les cas de la famille qui le documentent ; « a priori uniforme » : n'importe quel niveau "
             "de la grille. Chaque cellule : rang médian (intervalle 5–95 %) · probabilité d'être parmi les "
             f"{top_k} premiers, sur les mêmes tirages de poids.</p>"]
    if robust:
        parts.append(f"<p>Tient quelle que soit la règle : {e(', '.join(robust))} "
                     f"{'est' if len(robust) == 1 else 'sont'} parmi les {top_k} premiers dans au moins la moitié des "
                     "tirages sous les trois règles.</p>")
    else:
        parts.append("<p>Aucun cas n'est parmi les premiers dans au moins la moitié des tirages sous les trois "
                     "règles : la tête du classement dépend des critères non documentés.</p>")
    if only_none:
        one = len(only_none) == 1
        parts.append(f"<p>Dépend des données manquantes : {e(', '.join(only_none))} "
                     f"{'doit sa' if one else 'doivent leur'} place de tête à la règle des cas disponibles ; dès "
                     f"que {'ses' if one else 'leurs'} critères non documentés prennent des valeurs plausibles, "
                     f"{'il n’y est' if one else 'ils n’y sont'} plus le plus souvent.</p>")
    table = html_table(view, f"{fa.label} : classement selon le traitement des critères non documentés",
                       pct=["Couverture"])
    return Html('<div class="encadre">' + "".join(parts) + "</div>" + table.html)


def gaps_annex(gaps: dict, project, top: int) -> Html:
    """Annex « Faits à rechercher en priorité »: the top ``top`` missing cells per family."""
    blocks = ["<p>Pour chaque donnée manquante (un cas × un critère), le calcul fixe la valeur à plusieurs niveaux "
              "plausibles, relance l'analyse et mesure ce qui change : la probabilité que le groupe de tête ou une "
              "préconisation prioritaire change, et le rétrécissement attendu de l'intervalle de rang du cas. Les "
              "dispositifs de Rennes viennent en premier quand leurs données comptent : leurs services peuvent "
              "répondre directement.</p>"]
    for fam, g in gaps.items():
        df = g.top(top)
        if not len(df):
            continue
        view = df[["Cas", "Critère", "P(changement d'une conclusion)", "Réduction attendue de l'intervalle",
                   "Preuve qui trancherait", "À qui demander"]].copy()
        view.insert(0, "n°", np.arange(1, len(view) + 1))
        short = short_names(project.cases_of(fam))
        view["Cas"] = [short.get(c, n) for c, n in zip(df["identifiant"], df["Cas"], strict=True)]
        # Shown in ranks, 0 when documenting the cell would not narrow the interval on average (the
        # CSV keeps the signed estimate).
        view["Réduction attendue de l'intervalle"] = [fmt_number(max(float(x), 0.0), 1) for x in
                                                       view["Réduction attendue de l'intervalle"]]
        view = view.rename(columns={"Réduction attendue de l'intervalle": "Rétrécissement attendu de l'intervalle (rangs)"})
        blocks.append(html_table(view, f"{project.families.label(fam, plural=True)} : faits à rechercher en priorité "
                                       f"({len(g.table)} données manquantes, {top} premières)",
                                 pct=["P(changement d'une conclusion)"]).html)
    return Html("".join(blocks))


def write_gaps_csv(gaps: dict, run_dir) -> None:
    """Write every family's missing cells, ranked, to ``<run_dir>/faits_a_rechercher.csv`` (if run_dir)."""
    from pathlib import Path

    import pandas as pd

    if run_dir and gaps:
        pd.concat([g.table for g in gaps.values()], ignore_index=True).to_csv(
            Path(run_dir) / "faits_a_rechercher.csv", index=False)
