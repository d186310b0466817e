"""The préconisations of one family and of all families, and their French rendering (Markdown, text, tables)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .formats import fmt_number, fmt_share
from .htmlsafe import safe_url
from .joint import PRIOR_LABELS
from .provenance import split_sources
from .recommend_evidence import FamilyEvidence
from .recommend_rules import Recommendation, RuleOutcome
from .recommend_stability import PreconisationStability
from .schema_rules import Territory
from .textutil import escape_md
from .vocabulary import HORIZON_LABELS, HORIZONS, OUTCOME_LABELS, PROPOSER_LABELS_TO, OutcomeStatus

#: How a text coming from the data is written: escaped for Markdown, as is for the terminal.
Escape = Callable[[object], str]


@dataclass
class RecommendationSet:
    """The recommendations of one family, with their evidence, ranges, indicators and roadmap."""

    evidence: FamilyEvidence
    recommendations: list[Recommendation]
    outcomes: list[RuleOutcome]
    ranges: pd.DataFrame
    indicators: pd.DataFrame
    roadmap: dict[str, list[str]]
    best_design: dict | None
    design_note: str
    notes: list[str]
    min_per_family: int
    practices: pd.DataFrame | None = None
    max_supports_shown: int = 8
    stability: PreconisationStability | None = None

    @property
    def priorities(self) -> list[Recommendation]:
        """Préconisations retained in at least ``robustness.priority_min_share`` of the joint draws."""
        if self.stability is None:
            return list(self.recommendations)
        return [r for r in self.recommendations if (r.retention or 0.0) >= self.stability.min_share]

    @property
    def leads(self) -> list[Recommendation]:
        """The other préconisations: leads (pistes) to check, with :meth:`lead_reason`."""
        keep = {r.id for r in self.priorities}
        return [r for r in self.recommendations if r.id not in keep]

    def case_name(self, case_id: str) -> str:
        """The name of a case as in the leaders' table (its id when it is not a leader)."""
        return _name(self.evidence, case_id)

    def lead_reason(self, r: Recommendation) -> str:
        """Why a préconisation is only a lead, in French."""
        st = self.stability
        if st is None or r.retention is None:
            return ""
        return (f"retenue dans {fmt_share(r.retention)} des tirages seulement (seuil : {fmt_share(st.min_share)}) : "
                "elle dépend de la composition du groupe de tête, donc des critères non documentés et des poids")

    @property
    def family(self) -> str:
        return self.evidence.family

    def to_dataframe(self) -> pd.DataFrame:
        """One row per recommendation (French column labels)."""
        return pd.DataFrame([{
            "id": r.id, "Famille": self.evidence.family_label, "Priorité": r.priority, "Titre": r.title,
            "Préconisation": r.text, "Effort": r.effort, "Horizon": HORIZON_LABELS[r.horizon],
            "Arbitrages": " ".join(r.tradeoffs), "Cas d'appui": ", ".join(s.case_id for s in r.supports),
            "Critères": ", ".join(r.criteria), "Sources": " ; ".join(r.sources), "Type de règle": r.rule_type,
            "Part des tirages où elle est retenue": r.retention,
            "Statut": ("—" if r.retention is None or self.stability is None else
                       ("prioritaire" if r.retention >= self.stability.min_share else "piste")),
        } for r in self.recommendations], columns=["id", "Famille", "Priorité", "Titre", "Préconisation", "Effort",
                                                    "Horizon", "Arbitrages", "Cas d'appui", "Critères", "Sources",
                                                    "Type de règle", "Part des tirages où elle est retenue", "Statut"])

    def to_markdown(self) -> str:
        """French Markdown; every text coming from the data is escaped."""
        return render_set(self, escape_md, md=True)

    def to_text(self) -> str:
        """Plain French text for the terminal."""
        return render_set(self, lambda x: "" if x is None else str(x), md=False)


# --------------------------------------------------------------------------- rendering of one family


def render_set(rs: RecommendationSet, e: Escape, md: bool) -> str:
    """The préconisations of one family in French, section by section (``e`` writes the data's texts)."""
    h2 = "## " if md else ""
    out = [f"{h2}Préconisations — {e(rs.evidence.family_label)}", ""]
    out += _header_lines(rs, e)
    out.append("")
    out += _shortfall_lines(rs)
    for i, r in enumerate(rs.recommendations, 1):
        out += _recommendation_lines(rs, i, r, e, md)
    out += _practices_lines(rs, e, md)
    out += _ranges_lines(rs, e, md)
    out += _design_lines(rs, e, md)
    out += _indicators_lines(rs, e, md)
    out += _roadmap_lines(rs, e, md)
    out += _skipped_lines(rs, e, md)
    out += [e(n) for n in rs.notes]
    return "\n".join(out).rstrip() + "\n"


def _h3(md: bool) -> str:
    return "### " if md else ""


def _header_lines(rs: RecommendationSet, e: Escape) -> list[str]:
    """How the leader group was found, the stability of the préconisations, the coverage threshold."""
    ev = rs.evidence
    leaders = ", ".join(e(project_name) for project_name in
                        ev.leaders_table.loc[ev.leaders_table["Groupe"] == "tête", "Cas"]) or "aucun"

    mc_what = ("Monte Carlo sur les poids" if ev.prior == "none" else
               "Monte Carlo conjoint sur les poids et les critères non documentés, a priori : "
               f"{PRIOR_LABELS.get(ev.prior, ev.prior)}")
    lines = [
        f"Groupe de tête robuste : cas dont la probabilité d'être parmi les {ev.top_k} premiers "
        f"({mc_what} ; {ev.n_draws} tirages, graine {ev.seed}, profil « {e(ev.profile_id)} », méthode "
        f"{e(ev.method)}, normalisation {e(ev.normalisation)}) atteint {fmt_share(ev.p_top_k_min)} : "
        f"{len(ev.leader_ids)} cas — {leaders}.",
    ]
    st = rs.stability
    if st is not None:
        lines.append(
            f"Stabilité des préconisations : dans {st.n_draws} tirages (sous-échantillon à graine fixée), le groupe "
            f"de tête est recalculé (les {st.group_size} meilleurs cas hors Rennes du tirage) et les règles "
            f"réévaluées ; une préconisation retenue dans au moins {fmt_share(st.min_share)} des tirages est "
            "prioritaire, les autres sont des pistes à vérifier.")
    if ev.coverage_threshold != ev.engine_coverage_threshold:
        lines.append(
            f"Seuil de couverture retenu pour désigner les meneurs : {fmt_share(ev.coverage_threshold)} des critères "
            f"applicables (réglage du moteur : {fmt_share(ev.engine_coverage_threshold)}) ; les écarts reposent donc "
            "sur des cas peu documentés et se lisent comme des indices, pas comme des preuves.")
    if ev.baseline_in_top_group:
        lines.append("Le dispositif rennais figure lui-même dans le groupe de tête : "
                     + ", ".join(e(_name(ev, b)) for b in ev.baseline_in_top_group) + ".")
    return lines


def _name(ev: FamilyEvidence, case_id: str) -> str:
    row = ev.leaders_table.loc[ev.leaders_table["case_id"] == case_id, "Cas"]
    return row.iloc[0] if len(row) else case_id


def _shortfall_lines(rs: RecommendationSet) -> list[str]:
    """Fewer préconisations than the objective: said, never padded."""
    n = len(rs.recommendations)
    if n >= rs.min_per_family:
        return []
    return [f"Seules {n} préconisation(s) sont étayées par les données (objectif : "
            f"{rs.min_per_family}) : les autres règles n'ont pas trouvé de preuve suffisante "
            "(voir « Règles non retenues »).", ""]


def _recommendation_lines(rs: RecommendationSet, i: int, r: Recommendation, e: Escape, md: bool) -> list[str]:
    """One préconisation: title, priority or lead, text, trade-offs and supporting cases."""
    out = [f"{_h3(md)}{i}. {e(r.title)} (priorité {r.priority}, effort {r.effort}, "
           f"{HORIZON_LABELS[r.horizon].lower()})", ""]
    if r.retention is not None and rs.stability is not None:
        if r.retention >= rs.stability.min_share:
            out.append(f"Prioritaire : retenue dans {fmt_share(r.retention)} des tirages.")
        else:
            out.append(f"Piste : {e(rs.lead_reason(r))}.")
        out.append("")
    out.append(e(r.text))
    for t in r.tradeoffs:
        out.append("")
        out.append(("*Arbitrage* : " if md else "Arbitrage : ") + e(t))
    out.append("")
    out.append("Cas d'appui :" if not md else "**Cas d'appui** :")
    out += _support_lines(rs, r, e, md)
    out.append("")
    return out


def _support_lines(rs: RecommendationSet, r: Recommendation, e: Escape, md: bool) -> list[str]:
    """The supporting cases of a préconisation, one line each with value, year, source and note."""
    # Leaders first, then the other cases, Rennes last; at most max_supports_shown lines.
    ev = rs.evidence
    order = sorted(r.supports, key=lambda x: (x.case_id in ev.baseline_ids, x.case_id not in ev.leader_ids))
    shown = order[: rs.max_supports_shown]
    if len(order) > rs.max_supports_shown:
        base = [x for x in order if x.case_id in ev.baseline_ids]
        shown = order[: rs.max_supports_shown - len(base)] + base
    out = []
    for s in shown:
        src = s.source or "sans source"
        if md and s.source:
            src = " ; ".join(f"<{x}>" if safe_url(x) else e(x) for x in split_sources(s.source))
        else:
            src = e(src)
        note = f" — {e(s.note)}" if s.note else ""
        out.append(f"- {e(s.name)} : {e(s.value)} ({e(s.year)}) — {src}{note}")
    if len(r.supports) > len(shown):
        out.append(f"- … et {len(r.supports) - len(shown)} autre(s) cas (liste complète dans to_dataframe()).")
    return out


def _practices_lines(rs: RecommendationSet, e: Escape, md: bool) -> list[str]:
    """What distinguishes the leaders (the rows where the leaders are ahead)."""
    if rs.practices is None or not len(rs.practices):
        return []
    pos = rs.practices[(rs.practices["Écart"] > 0) | rs.practices["Écart"].isna()]
    out = [f"{_h3(md)}Ce qui distingue les meneurs des autres cas", ""]
    if len(pos):
        view = pos.drop(columns=["Sources"]).copy()
        view["Écart"] = view["Écart"].map(lambda x: "—" if pd.isna(x) else fmt_number(float(x), 2))
        out += _table(view, e, md)
    else:
        out.append("Aucun critère ni paramètre documenté ne distingue les meneurs des autres cas.")
    out.append("")
    return out


def _ranges_lines(rs: RecommendationSet, e: Escape, md: bool) -> list[str]:
    if rs.ranges is None or not len(rs.ranges):
        return []
    return [f"{_h3(md)}Fourchettes de paramètres recommandées", "", *_table(rs.ranges, e, md), ""]


def _design_lines(rs: RecommendationSet, e: Escape, md: bool) -> list[str]:
    return [f"{_h3(md)}Dispositif candidat le mieux placé", "", e(rs.design_note), ""]


def _indicators_lines(rs: RecommendationSet, e: Escape, md: bool) -> list[str]:
    if not len(rs.indicators):
        return []
    return [f"{_h3(md)}Indicateurs à suivre après le lancement", "", *_table(rs.indicators, e, md), ""]


def _roadmap_lines(rs: RecommendationSet, e: Escape, md: bool) -> list[str]:
    out = [f"{_h3(md)}Feuille de route", ""]
    for hz in HORIZONS:
        items = rs.roadmap.get(hz, [])
        out.append(f"- {HORIZON_LABELS[hz]} : " + ("; ".join(e(x) for x in items) if items else "—"))
    out.append("")
    return out


def _skipped_lines(rs: RecommendationSet, e: Escape, md: bool) -> list[str]:
    """The rules not retained, each with its status and reason."""
    skipped = [o for o in rs.outcomes if o.status != OutcomeStatus.EMITTED]
    if not skipped:
        return []
    out = [f"{_h3(md)}Règles non retenues", ""]
    out += [f"- {e(o.rule_id)} : {OUTCOME_LABELS[o.status]} — {e(o.reason)}" for o in skipped]
    out.append("")
    return out


def _table(df: pd.DataFrame, e: Escape, md: bool) -> list[str]:
    cols = list(df.columns)
    if md:
        lines = ["| " + " | ".join(e(c) for c in cols) + " |", "|" + "---|" * len(cols)]
        for _, r in df.iterrows():
            lines.append("| " + " | ".join(e(r[c]) for c in cols) + " |")
        return lines
    return [" · ".join(f"{c} : {r[c]}" for c in cols) for _, r in df.iterrows()]


# --------------------------------------------------------------------------- all families


@dataclass
class RecommendationReport:
    """Recommendations of every main family and the cross-family complementarity paragraph."""

    sets: dict[str, RecommendationSet]
    complementarity: str

    def to_dataframe(self) -> pd.DataFrame:
        frames = [s.to_dataframe() for s in self.sets.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def to_markdown(self) -> str:
        parts = [s.to_markdown() for s in self.sets.values()]
        parts.append("## Complémentarité des dispositifs\n\n" + escape_md(self.complementarity) + "\n")
        return "\n".join(parts)

    def to_text(self) -> str:
        parts = [s.to_text() for s in self.sets.values()]
        parts.append("Complémentarité des dispositifs\n\n" + self.complementarity + "\n")
        return "\n".join(parts)


def _join_fr(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def complementarity_paragraph(project, sets: dict[str, RecommendationSet],
                              territory: Territory | None = None) -> str:
    """A French paragraph built from the data: whom each instrument serves and what is recommended.

    The publics come from the ``proposer_types`` facts of the cases (share of the documented
    cases admitting each type, majority types only); the recommendations are those emitted.
    """
    sentences, main_public = [], {}
    for fam, rs in sets.items():
        label = project.families.label(fam, plural=True).lower()
        pe = rs.evidence.parameters["proposer_types"]
        s = pe.all_cases
        if s["n"] == 0:
            sentences.append(f"Aucun cas de {label} ne documente le type de porteurs admis.")
            continue
        top = sorted(((v, k) for k, v in s["shares"].items() if np.isfinite(v) and v >= 0.5), reverse=True)
        if top:
            main_public[fam] = top[0][1]
            who = _join_fr([f"{PROPOSER_LABELS_TO.get(k, k)} ({fmt_share(v)} des cas)" for v, k in top])
            sent = f"Dans les {s['n']} cas documentés, les {label} s'adressent d'abord {who}"
        else:
            sent = f"Dans les {s['n']} cas documentés, les {label} n'ont pas de type de porteur majoritaire"
        if pe.baseline_support is not None:
            sent += f" ; le dispositif rennais de référence admet : {pe.baseline_support.value}"
        p1 = [r.title[0].lower() + r.title[1:] for r in rs.priorities if r.priority == 1]
        if p1:
            sent += " ; préconisations prioritaires : " + _join_fr(p1)
        elif rs.recommendations:
            sent += f" ; {len(rs.recommendations)} préconisation(s) étayée(s), aucune de priorité 1"
        else:
            sent += " ; aucune préconisation n'est étayée par les données"
        sentences.append(sent + ".")
    if main_public:
        publics = {}
        for fam, k in main_public.items():
            publics.setdefault(k, []).append(project.families.label(fam).lower())
        def article(x):
            return ("l'" if x[:1] in "aeéiouh" else "le ") + x

        parts = [f"{_join_fr([article(f) for f in fams])} {'visent' if len(fams) > 1 else 'vise'} surtout "
                 f"{PROPOSER_LABELS_TO.get(k, k).replace('aux ', 'les ', 1).replace('à d', 'd', 1)}"
                 for k, fams in publics.items()]
        if len(publics) == len(main_public) and len(main_public) > 1:
            sentences.append("Les instruments se complètent par leur public principal : " + " ; ".join(parts) + ".")
        else:
            sentences.append("Publics principaux : " + " ; ".join(parts)
                             + " — plusieurs instruments visent le même public et doivent être articulés.")
    if territory is not None:
        bp = next((i for i in territory.instruments if i.family == "budget_participatif"), None)
        n_com = territory.facts.get("communes")
        if bp is not None and n_com is not None and isinstance(n_com.value, int) and bp.owner:
            sentences.append(f"Le budget participatif de référence ({bp.name}) est porté par : {bp.owner} ; la "
                             f"Métropole compte {n_com.value} communes ({n_com.year}) : un budget participatif "
                             f"métropolitain toucherait aussi les {n_com.value - 1} autres.")
    return " ".join(sentences)
