"""What-if scoring of candidate designs for Rennes Métropole.

A candidate design (``benchmark/designs/<id>.yml``, model
:class:`~benchmark_tools.schema.CandidateDesign`) is coded ex ante like a case: its criterion
levels are *intentions* with their reasoning, not observed results. :func:`position_design`
scores it with the same engine, the same profile and the same settings as the real cases of its
family and answers three questions:

1. **Where would it stand?** Nominal score and rank among the cases of its family, and its
   probable rank interval (5–95 %) and probability of being in the top k under uncertain
   weights (the Monte Carlo of :mod:`benchmark_tools.robustness`).
2. **What would move it most?** The *marginal gain* of each criterion: the change of the
   design's score when that criterion is improved by one step — one level for an ordinal
   criterion (capped at 4), one tenth of the goalpost range toward the better end for a
   numeric one (never beyond the better goalpost) — computed by re-scoring the whole matrix.
3. **Who already does it?** For the largest gains, a case of the family that already reaches
   the level aimed at, with its value, its source and the evidence quoted in its score record.

Comparison scope
----------------
The engine ranks only the cases whose coverage reaches ``settings.scoring.coverage_threshold``.
While the evidence on the real cases is thin, few of them are ranked, and a fully coded design
would be "first" of a handful. The scope of the comparison is therefore explicit:

- ``"ranked"``: ranks among the ranked cases only (the engine's ranking);
- ``"all"``: ranks among every case that has a score, the low-coverage cases kept "apart"
  included (their score rests on fewer criteria — said in the text);
- ``None`` (default): ``"ranked"`` when the design is ranked and at least ``top_k``
  (``settings.robustness.top_k``) other cases are ranked, else ``"all"``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .cases import criterion_fact, short_names
from .errors import InputError
from .formats import fmt_pct
from .matrix import NOT_APPLICABLE, DecisionMatrix
from .pipeline import get_profile
from .ranking import rank_desc
from .robustness import monte_carlo_from_settings
from .scoring import make_batch_scorer, score, score_batch
from .typology import design_short_name, plot_label
from .vocabulary import METHOD_LABELS, NORMALISATION_LABELS

SCOPES = ("ranked", "all")
SCOPE_LABELS_FR = {
    "ranked": "cas classés (couverture suffisante)",
    "all": "tous les cas notés, y compris ceux montrés à part faute de couverture",
}


# --------------------------------------------------------------------------- helpers


def _get_design(project, design_id: str):
    if design_id not in project.designs:
        hint = difflib.get_close_matches(design_id, list(project.designs), n=1)
        extra = f" — vouliez-vous dire « {hint[0]} » ?" if hint else ""
        known = ", ".join(sorted(project.designs)) or "aucun (dossier benchmark/designs vide)"
        raise InputError(f"Dispositif candidat inconnu : « {design_id} »{extra} (disponibles : {known}).")
    return project.designs[design_id]


def _defaults(project, method, normalisation, n_draws, seed):
    rp, st = project.report, project.settings
    method = method or (rp.method if rp else st.scoring.default_method)
    normalisation = normalisation or (rp.normalisation if rp else st.scoring.default_normalisation)
    n_draws = int(n_draws if n_draws is not None else (rp.n_draws if rp else st.robustness.n_draws))
    seed = seed if seed is not None else (rp.seed if rp else None)
    return method, normalisation, n_draws, seed


def design_matrix(project, design) -> DecisionMatrix:
    """Matrix of the design's family: its cases, then the design as the last row."""
    cases = project.cases_of(design.family)
    if not cases:
        raise InputError(f"Aucun cas dans la famille « {project.families.label(design.family)} » : "
                         "impossible de positionner le dispositif candidat.")
    if any(c.id == design.id for c in cases):
        raise InputError(f"Le dispositif candidat « {design.id} » porte l'identifiant d'un cas existant : "
                         "renommez-le.")
    return DecisionMatrix.from_cases(list(cases) + [design], project.catalogue, design.family, project.families)


class _AllScoredScorer:
    """Batch scorer that keeps the scores of cases shown "apart" (scope "all").

    The engine's scorer returns NaN for every case that is not ranked; here the scores of
    :func:`benchmark_tools.scoring.score_batch` are returned as they are (NaN only for cases
    excluded by the ``exclude`` policy or without any weighted value).
    """

    def __init__(self, matrix, profile, settings):

        inner = make_batch_scorer(matrix, profile, settings)
        self._matrix, self._profile, self._settings = matrix, profile, settings
        self.case_ids = inner.case_ids
        self.dimension_ids = inner.dimension_ids
        self.nominal_weights = inner.nominal_weights
        self.methods = inner.methods
        self.normalisations = inner.normalisations

    def __call__(self, weights, *, method=None, normalisation=None):

        return score_batch(self._matrix, self._profile, self._settings, weights, method=method,
                           normalisation=normalisation).scores


def _scope_ranks(res, scope: str) -> np.ndarray:
    if scope == "ranked":
        return np.asarray(res.ranks)
    return rank_desc(np.asarray(res.scores, dtype=float)[None, :])[0]


def _step(matrix: DecisionMatrix, j: int, v: float) -> float:
    """The value one step better than ``v`` on criterion ``j`` (see module docstring)."""
    lo, hi = matrix.goalposts[j]
    if matrix.types[j] == "ordinal":
        return float(min(v + 1.0, hi))
    step = (hi - lo) / 10.0
    if matrix.directions[j] == "higher":
        return float(max(v, min(v + step, hi)))
    return float(min(v, max(v - step, lo)))


def _fmt(x, decimals: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    if isinstance(x, (int, np.integer)) or float(x).is_integer():
        return str(int(x))
    return f"{x:.{decimals}f}".replace(".", ",")


# --------------------------------------------------------------------------- result


@dataclass
class DesignPosition:
    """Position of a candidate design among the cases of its family (see :func:`position_design`).

    Attributes
    ----------
    design_id, design_name, family, family_label : str
    status_quo : bool
    profile_id, method, normalisation : str
    scope : {"ranked", "all"}
        Which cases the ranks are computed among (see the module docstring).
    scope_reason : str
        Why this scope (French).
    score : float
        Nominal score of the design.
    rank : int
        Nominal rank in the scope (0 = not ranked).
    n_compared : int
        Number of cases (design included) ranked in the scope.
    coverage : float
        Share of the applicable criteria coded for the design.
    rank_p05, rank_median, rank_p95 : float
        Monte Carlo rank percentiles of the design (5 %, 50 %, 95 %).
    p_top_k : float
        Share of draws in which the design is in the top ``top_k``.
    top_k, n_draws : int
    seed : object
    table : DataFrame
        Every case of the family and the design: score, rank, rank interval, P(top k).
    marginal_gains : DataFrame
        One row per criterion with a value, sorted by decreasing gain.
    examples : DataFrame
        For the largest gains, a case already at the level aimed at, with its evidence.
    uncoded : list of str
        Applicable criteria without a value for the design (no gain computed).
    result : ScoreResult
    monte_carlo : MonteCarloResult
    """

    design_id: str
    design_name: str
    family: str
    family_label: str
    family_label_plural: str
    status_quo: bool
    profile_id: str
    profile_label: str
    method: str
    normalisation: str
    scope: str
    scope_reason: str
    score: float
    rank: int
    n_compared: int
    n_ranked_cases: int
    coverage: float
    coverage_threshold: float
    rank_p05: float
    rank_median: float
    rank_p95: float
    p_top_k: float
    top_k: int
    n_draws: int
    seed: object
    table: pd.DataFrame
    marginal_gains: pd.DataFrame
    examples: pd.DataFrame
    uncoded: list[str] = field(default_factory=list)
    result: object = None
    monte_carlo: object = None

    def to_dataframe(self) -> pd.DataFrame:
        """The family's cases and the design, sorted by nominal rank (French labels)."""
        return self.table.copy()

    def summary_text(self) -> str:
        """French summary: score, rank, probable rank interval, main levers."""
        lines = []
        kind = "Statu quo" if self.status_quo else "Dispositif candidat"
        lines.append(f"{kind} « {self.design_name} » — famille « {self.family_label} ».")

        lines.append(f"Profil « {self.profile_label} », méthode « {METHOD_LABELS.get(self.method, self.method)} », "
                     f"normalisation « {NORMALISATION_LABELS.get(self.normalisation, self.normalisation)} ».")
        lines.append(f"Couverture du codage ex ante : {fmt_pct(self.coverage)} des critères applicables "
                     f"(seuil de classement : {fmt_pct(self.coverage_threshold)}).")
        if self.rank > 0:
            lines.append(f"Score nominal : {_fmt(self.score)} ; rang {self.rank} sur {self.n_compared} "
                         f"— périmètre : {SCOPE_LABELS_FR[self.scope]}.")
        else:
            lines.append(f"Score nominal : {_fmt(self.score)} ; non classé dans le périmètre « "
                         f"{SCOPE_LABELS_FR[self.scope]} ».")
        lines.append(f"Pourquoi ce périmètre : {self.scope_reason}")
        rennes = self.table[self.table["Rennes"] & ~self.table["candidat"]]
        for _cid, r in rennes.iterrows():
            gap = f"{self.score - r['score']:+.3f}".replace(".", ",")
            lines.append(f"Écart avec le dispositif rennais « {r['cas']} » : {gap} "
                         f"(son score {_fmt(r['score'])}, rang {_fmt(r['rang'])}).")
        if np.isfinite(self.rank_p05):
            lines.append(
                f"Rang probable (Monte Carlo sur les poids, {self.n_draws} tirages, graine {self.seed}) : "
                f"entre {_fmt(self.rank_p05)} et {_fmt(self.rank_p95)} (5–95 %), rang médian "
                f"{_fmt(self.rank_median)} ; probabilité d'être parmi les {self.top_k} premiers : "
                f"{fmt_pct(self.p_top_k)}.")
        g = self.marginal_gains
        pos = g[g["gain de score"] > 0]
        if len(pos):
            top = pos.head(self.top_k)
            items = [f"{r['critère']} ({_fmt(r['valeur actuelle'], 1)} → {_fmt(r['nouvelle valeur'], 1)}, "
                     f"+{r['gain de score']:.3f})".replace(".", ",") for _, r in top.iterrows()]
            lines.append("Leviers les plus forts (un pas de mieux sur un critère) : " + " ; ".join(items) + ".")
        else:
            lines.append("Aucun critère codé ne peut encore progresser d'un pas avec un gain de score.")
        if self.uncoded:
            lines.append(f"{len(self.uncoded)} critère(s) applicable(s) non codé(s) pour ce dispositif "
                         "(aucun gain calculé) : " + ", ".join(self.uncoded) + ".")
        lines.append("Les niveaux d'un dispositif candidat sont codés ex ante : ce sont des intentions "
                     "de conception, pas des résultats observés. Un critère non renseigné n'étant ni compté "
                     "à zéro ni pénalisé, un dispositif codé sur ses intentions est mécaniquement avantagé "
                     "face à des cas réels jugés sur des preuves : lire la position comme un ordre de grandeur, "
                     "et les gains marginaux comme la hiérarchie des leviers.")
        return "\n".join(lines)


# --------------------------------------------------------------------------- main function


def position_design(project, design_id: str, profile: str | None = None, method: str | None = None,
                    normalisation: str | None = None, n_draws: int | None = None, seed=None,
                    scope: str | None = None, n_examples: int | None = None) -> DesignPosition:
    """Score a candidate design against the cases of its family.

    Parameters
    ----------
    project : Project
        Loaded project (its ``designs`` come from ``benchmark/designs``).
    design_id : str
    profile : str, optional
        Weighting profile (default ``report.profile``).
    method, normalisation : str, optional
        Default ``report.method`` / ``report.normalisation``.
    n_draws : int, optional
        Monte Carlo draws (default ``report.n_draws``).
    seed : int, optional
        Default ``report.seed``.
    scope : {"ranked", "all"}, optional
        Comparison scope (default: automatic, see the module docstring).
    n_examples : int, optional
        Number of top gains for which an example case is looked for (default
        ``settings.robustness.top_k``).

    Returns
    -------
    DesignPosition
    """

    design = _get_design(project, design_id)
    st = project.settings
    prof = get_profile(project, profile)
    method, normalisation, n_draws, seed = _defaults(project, method, normalisation, n_draws, seed)
    top_k = int(st.robustness.top_k)
    n_examples = top_k if n_examples is None else int(n_examples)
    if scope is not None and scope not in SCOPES:
        raise InputError(f"Périmètre de comparaison inconnu : {scope!r} (attendu : ranked ou all).")

    matrix = design_matrix(project, design)
    d = matrix.n_cases - 1
    res = score(matrix, prof, st, method=method, normalisation=normalisation)
    n_other_ranked = int(res.ranked.sum() - bool(res.ranked[d]))
    threshold = float(st.scoring.coverage_threshold)
    scope, reason = _choose_scope(scope, bool(res.ranked[d]), n_other_ranked, top_k, threshold)
    ranks = _scope_ranks(res, scope)

    scorer = make_batch_scorer(matrix, prof, st) if scope == "ranked" else _AllScoredScorer(matrix, prof, st)
    mc = monte_carlo_from_settings(scorer, st.robustness, seed, n_draws=n_draws, method=method,
                                   normalisation=normalisation)
    cases_by_id = {c.id: c for c in project.cases_of(design.family)}
    table = _position_table(matrix, design, cases_by_id, res, ranks, mc, top_k)
    table.attrs.update({"périmètre": SCOPE_LABELS_FR[scope], "profil": prof.id, "méthode": method,
                        "normalisation": normalisation})
    scoring = (prof, st, method, normalisation, scope)
    gains, uncoded = _marginal_gains(project, design, matrix, res, scoring)
    examples = _level_examples(project, matrix, cases_by_id, res, gains, n_examples)

    return DesignPosition(
        design_id=design.id, design_name=design.name, family=design.family,
        family_label=project.families.label(design.family),
        family_label_plural=project.families.label(design.family, plural=True), status_quo=bool(design.status_quo),
        profile_id=prof.id, profile_label=prof.label_fr, method=method, normalisation=normalisation,
        scope=scope, scope_reason=reason, score=float(res.scores[d]), rank=int(ranks[d]),
        n_compared=int((ranks > 0).sum()), n_ranked_cases=n_other_ranked,
        coverage=float(res.coverage[d]), coverage_threshold=threshold,
        rank_p05=float(mc.rank_p05[d]), rank_median=float(mc.median_rank[d]),
        rank_p95=float(mc.rank_p95[d]), p_top_k=float(mc.p_top_k[d]), top_k=top_k,
        n_draws=n_draws, seed=seed, table=table, marginal_gains=gains, examples=examples,
        uncoded=uncoded, result=res, monte_carlo=mc,
    )


def _choose_scope(scope: str | None, design_ranked: bool, n_other_ranked: int, top_k: int,
                  threshold: float) -> tuple[str, str]:
    """The comparison scope and why it was chosen (French), see the module docstring."""
    if scope is not None:
        return scope, f"choisi par l'utilisateur ({SCOPE_LABELS_FR[scope]})."
    if design_ranked and n_other_ranked >= top_k:
        return "ranked", (f"{n_other_ranked} autres cas atteignent le seuil de couverture de "
                          f"{fmt_pct(threshold)} : le classement du moteur est utilisé.")
    return "all", (f"seuls {n_other_ranked} autres cas de la famille atteignent le seuil de couverture "
                   f"de {fmt_pct(threshold)} (il en faudrait au moins {top_k}) ; la comparaison porte donc "
                   "sur tous les cas notés, dont le score repose parfois sur peu de critères.")


def _position_table(matrix: DecisionMatrix, design, cases_by_id: dict, res, ranks: np.ndarray, mc,
                    top_k: int) -> pd.DataFrame:
    """Every case of the family and the design: score, rank, rank interval, P(top k), by nominal rank."""
    nominal = ranks.astype(float)
    nominal[nominal == 0] = np.nan
    fam_cases = [cases_by_id[c] for c in matrix.case_ids if c in cases_by_id]
    shorts = short_names(fam_cases)
    shorts[design.id] = design_short_name(design.name)
    table = pd.DataFrame({
        "cas": list(matrix.case_names),
        "nom court": [shorts[c] for c in matrix.case_ids],
        "candidat": [cid == design.id for cid in matrix.case_ids],
        "Rennes": [bool(cases_by_id[c].baseline) if c in cases_by_id else bool(design.baseline)
                   for c in matrix.case_ids],
        "score": res.scores,
        "rang": nominal,
        "rang P5": mc.rank_p05,
        "rang médian": mc.median_rank,
        "rang P95": mc.rank_p95,
        f"P(top {top_k})": mc.p_top_k,
        "couverture": res.coverage,
        "statut": res.status_labels(),
    }, index=pd.Index(matrix.case_ids, name="identifiant"))
    return table.iloc[np.lexsort((-np.nan_to_num(res.scores, nan=-np.inf),
                                  np.nan_to_num(nominal, nan=np.inf)))]


_GAIN_COLUMNS = ["identifiant", "critère", "dimension", "valeur actuelle", "nouvelle valeur", "niveau visé",
                 "gain de score", "nouveau rang"]


def _marginal_gains(project, design, matrix: DecisionMatrix, res, scoring: tuple) -> tuple[pd.DataFrame, list[str]]:
    """The score gain of one step better on each coded criterion of the design (the last row).

    ``scoring`` is ``(profile, settings, method, normalisation, scope)``. Returns the gains sorted by
    decreasing gain and the labels of the applicable criteria without a value (no gain computed).
    """
    prof, st, method, normalisation, scope = scoring
    d = matrix.n_cases - 1
    base = float(res.scores[d])
    rows, uncoded = [], []
    for j, cid in enumerate(matrix.criterion_ids):
        if matrix.status[d, j] == NOT_APPLICABLE:
            continue
        v = matrix.values[d, j]
        if not np.isfinite(v):
            uncoded.append(matrix.criterion_labels[j])
            continue
        new = _step(matrix, j, float(v))
        vals = np.array(matrix.values)
        vals[d, j] = new
        res2 = score(matrix.replace(values=vals), prof, st, method=method, normalisation=normalisation)
        r2 = _scope_ranks(res2, scope)
        crit = project.catalogue.criterion(cid)
        level_text = (crit.levels or {}).get(int(new), "") if crit.type == "ordinal" else \
            (crit.unit_for(design.family, project.families) or "")
        rows.append({
            "identifiant": cid,
            "critère": matrix.criterion_labels[j],
            "dimension": matrix.dimension_labels[matrix.dimension_index[j]],
            "valeur actuelle": float(v),
            "nouvelle valeur": new,
            "niveau visé": level_text,
            "gain de score": float(res2.scores[d] - base),
            "nouveau rang": int(r2[d]) if r2[d] > 0 else np.nan,
        })
    gains = pd.DataFrame(rows, columns=_GAIN_COLUMNS)
    if len(gains):
        order = np.argsort(-gains["gain de score"].to_numpy(), kind="stable")
        gains = gains.iloc[order].reset_index(drop=True)
    return gains, uncoded


_EXAMPLE_COLUMNS = ["critère", "niveau visé", "cas", "valeur du cas", "source", "preuve", "année", "cas au niveau"]


def _level_examples(project, matrix: DecisionMatrix, cases_by_id: dict, res, gains: pd.DataFrame,
                    n_examples: int) -> pd.DataFrame:
    """For the largest positive gains, the case of the family closest to the level aimed at, with its evidence."""
    ex_rows = []
    for _, g in gains[gains["gain de score"] > 0].head(n_examples).iterrows():
        j = matrix.criterion_ids.index(g["identifiant"])
        target = g["nouvelle valeur"]
        cands = _cases_at_level(matrix, res, j, target)
        if not cands:
            ex_rows.append({"critère": g["critère"], "niveau visé": _fmt(target, 1), "cas": "",
                            "valeur du cas": np.nan, "source": "", "preuve": "",
                            "année": "", "cas au niveau": 0})
            continue
        _, _, cid, v = cands[0]
        case = cases_by_id[cid]
        f = criterion_fact(case, project.catalogue.criterion(g["identifiant"]), project.families)
        ex_rows.append({"critère": g["critère"], "niveau visé": _fmt(target, 1), "cas": case.name,
                        "valeur du cas": float(v), "source": (f.source or "") if f else "",
                        "preuve": (f.note or "") if f else "",
                        "année": str(f.year) if f is not None and f.year is not None else "",
                        "cas au niveau": len(cands)})
    return pd.DataFrame(ex_rows, columns=_EXAMPLE_COLUMNS)


def _cases_at_level(matrix: DecisionMatrix, res, j: int, target: float) -> list[tuple]:
    """The real cases (not the design) at or beyond ``target`` on criterion ``j``, closest first.

    Each item is ``(distance to the target, -score, case id, value)``: ties go to the better-scored case.
    """
    higher = matrix.directions[j] == "higher"
    cands = []
    for i in range(matrix.n_cases - 1):
        v = matrix.values[i, j]
        if np.isfinite(v) and ((v >= target - 1e-9) if higher else (v <= target + 1e-9)):
            s = res.scores[i]
            cands.append((abs(v - target), -(s if np.isfinite(s) else -np.inf), matrix.case_ids[i], v))
    return sorted(cands)


# --------------------------------------------------------------------------- text and figure


def design_report_text(project, design_id: str, **kwargs) -> str:
    """The plain-text report of ``benchmark-tools design ID`` (French)."""
    design = _get_design(project, design_id)
    pos = position_design(project, design_id, **kwargs)
    out = [design.name, "=" * len(design.name), "", design.summary.strip(), ""]
    if design.rationale:
        out += ["Pourquoi ce dispositif", "----------------------", design.rationale.strip(), ""]
    out += ["Position", "--------", pos.summary_text(), ""]
    t = pos.table
    out += ["Classement de la famille", "------------------------"]
    for _cid, r in t.iterrows():
        mark = "→ " if r["candidat"] else ("R " if r["Rennes"] else "  ")
        interval = ("" if not np.isfinite(r["rang P5"]) else
                    f" [P5–P95 : {_fmt(r['rang P5'])}–{_fmt(r['rang P95'])}]")
        out.append(f"{mark}{_fmt(r['rang']):>3}  {_fmt(r['score'])}  {r['cas']}{interval}"
                   f"  (couverture {fmt_pct(r['couverture'])})")
    out += ["", "→ : le dispositif candidat ; R : dispositif rennais existant.", ""]
    g = pos.marginal_gains
    if len(g):
        out += ["Gains marginaux (un pas de mieux sur un critère, toutes choses égales)",
                "----------------------------------------------------------------------"]
        for _, r in g.iterrows():
            out.append(f"- {r['critère']} : {_fmt(r['valeur actuelle'], 1)} → {_fmt(r['nouvelle valeur'], 1)}"
                       f" ; gain {r['gain de score']:+.4f}".replace(".", ",")
                       + (f" ; nouveau rang {_fmt(r['nouveau rang'])}" if np.isfinite(r["nouveau rang"]) else ""))
        out.append("")
    if len(pos.examples):
        out += ["Qui le fait déjà ?", "------------------"]
        for _, r in pos.examples.iterrows():
            if not r["cas"]:
                out.append(f"- {r['critère']} (niveau visé {r['niveau visé']}) : aucun cas de la famille n'atteint ce niveau.")
                continue
            out.append(f"- {r['critère']} (niveau visé {r['niveau visé']}) : {r['cas']} "
                       f"(valeur {_fmt(r['valeur du cas'], 1)} ; {int(r['cas au niveau'])} cas à ce niveau ou au-delà)")
            if r["preuve"]:
                out.append(f"    preuve : {r['preuve']}")
            if r["source"]:
                out.append(f"    source : {r['source']}" + (f" ({r['année']})" if r["année"] else ""))
        out.append("")
    return "\n".join(out)


def positioning_figure(position, design_id: str | None = None, ax=None, **kwargs):
    """Rank intervals (5–95 %) of the family's cases, the design highlighted.

    Parameters
    ----------
    position : DesignPosition, or a Project (then ``design_id`` is required and the other
        keyword arguments go to :func:`position_design`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt


    if not isinstance(position, DesignPosition):
        if design_id is None:
            raise InputError("positioning_figure : donnez un DesignPosition, ou le projet et l'identifiant du dispositif.")
        position = position_design(position, design_id, **kwargs)
    t = position.table[np.isfinite(position.table["rang"].to_numpy(dtype=float))]
    n = len(t)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, max(3.0, 0.26 * n + 1.6)))
    else:
        fig = ax.figure
    y = np.arange(n)[::-1]
    for yi, (_, r) in zip(y, t.iterrows(), strict=True):
        color = "#c0392b" if r["candidat"] else ("#1f4e79" if r["Rennes"] else "0.45")
        lw = 3.0 if r["candidat"] else 1.6
        if np.isfinite(r["rang P5"]):
            ax.plot([r["rang P5"], r["rang P95"]], [yi, yi], color=color, lw=lw, solid_capstyle="round")
            ax.plot(r["rang médian"], yi, "o", color=color, ms=5)
        ax.plot(r["rang"], yi, "|", color="black", ms=10, mew=1.5)
    ax.set_yticks(y)
    ax.set_yticklabels([plot_label(r["nom court"])[:45] for _, r in t.iterrows()], fontsize=7)
    for lab, (_, r) in zip(ax.get_yticklabels(), t.iterrows(), strict=True):
        if r["candidat"]:
            lab.set_color("#c0392b")
            lab.set_fontweight("bold")
        elif r["Rennes"]:
            lab.set_color("#1f4e79")
            lab.set_fontweight("bold")
    ax.set_xlabel("Rang (1 = meilleur)")
    ax.set_xlim(0.5, max(n, 1) + 0.5)
    ax.set_title(f"Position probable parmi les {position.family_label_plural.lower()}\n"
                 "trait : rangs entre 5 et 95 % des tirages ; point : médiane ; barre : rang nominal\n"
                 "rouge : dispositif candidat ; bleu : dispositif rennais", fontsize=8)
    ax.grid(axis="x", color="0.9")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- status quo drafts
