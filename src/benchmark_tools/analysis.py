"""The whole analysis of one family, in one object the notebooks and the report share.

``analyse_family`` chains the steps — decision matrix, scores, Monte Carlo over weights, SMAA,
Sobol, agreement between methods and between profiles, leave-one-dimension-out — with the run
parameters (``benchmark/report.yml``) and the engine settings (``benchmark/settings.yml``), so that
every notebook shows the same numbers for the same inputs and seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import robustness as rb
from .cases import short_names
from .joint import compare_priors, joint_monte_carlo
from .matrix import DecisionMatrix, Status
from .pipeline import family_matrix, get_profile
from .runcache import family_analysis
from .schema import RobustnessSettings
from .scoring import ScoreResult, make_batch_scorer, score


@dataclass
class FamilyAnalysis:
    """Results of every step for one family (see :func:`analyse_family`)."""

    family: str
    label: str
    matrix: DecisionMatrix
    result: ScoreResult
    monte_carlo: rb.MonteCarloResult | None = None
    smaa: rb.SMAAResult | None = None
    sobol: rb.SobolResult | None = None
    methods_agreement: pd.DataFrame | None = None
    profiles_agreement: pd.DataFrame | None = None
    loo_dimensions: rb.LeaveOneOutResult | None = None
    missing_bounds: pd.DataFrame | None = None
    #: Weights-only Monte Carlo (available-case rule), kept for comparison when
    #: ``monte_carlo`` is the joint one (weights + missing values, ``robustness.missing_prior``).
    weights_only: rb.MonteCarloResult | None = None
    #: Median rank, interval and P(top k) of every case under the three priors.
    prior_comparison: pd.DataFrame | None = None
    prior: str = "none"
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    #: ``settings.robustness`` of the run: the thresholds of the words (Kendall bands, Sobol cut-off).
    robustness_settings: RobustnessSettings | None = None

    def change_word(self, tau: float) -> str:
        """How much the ranking changes, in one adverb, for Kendall's tau with it (settings' bands)."""
        return rb.agreement_change_word(tau, self._thresholds())

    @property
    def sobol_negligible(self) -> bool:
        """Whether no tested choice moves the ranking (every total Sobol index at or below the cut-off)."""
        return self.sobol is not None and rb.sobol_negligible(self.sobol, self._thresholds())

    def _thresholds(self) -> RobustnessSettings:
        if self.robustness_settings is None:
            raise ValueError("Analyse sans réglages de robustesse : la construire avec analyse_family.")
        return self.robustness_settings

    @property
    def n_ranked(self) -> int:
        return int(self.result.ranked.sum())

    def summary_table(self) -> pd.DataFrame:
        """Ranking with rank intervals: one row per case, French labels, ranked cases first."""
        r = self.result
        df = pd.DataFrame({
            "identifiant": list(r.matrix.case_ids),
            "Cas": [self.names.get(cid, nm) for cid, nm in zip(r.matrix.case_ids, r.matrix.case_names, strict=False)],
            "Score": r.scores,
            "Rang nominal": np.where(r.ranked, r.ranks, 0),
            "Couverture": r.coverage,
            "Statut": r.status_labels(),
        })
        if self.missing_bounds is not None:
            mb = self.missing_bounds.reindex(df["identifiant"])
            df["Rang si manquants à la médiane"] = mb["rang manquants à la médiane"].to_numpy()
            df["Rang si manquants au mieux"] = mb["rang au mieux"].to_numpy()
            df["Rang si manquants au pire"] = mb["rang au pire"].to_numpy()
        if self.monte_carlo is not None:
            mc = self.monte_carlo
            df["Rang médian"] = mc.median_rank
            df["Rang P5"] = mc.rank_p05
            df["Rang P95"] = mc.rank_p95
            df["P(1er)"] = mc.p_first
            df[f"P(top {mc.top_k})"] = mc.p_top_k
            df["Stabilité"] = mc.stability if mc.stability is not None else ""
            df["Pourquoi"] = mc.stability_reason if mc.stability_reason is not None else ""
        if self.monte_carlo is not None and self.prior != "none":
            # Joint uncertainty: the median rank over the draws is the headline (every case has
            # one, whatever its coverage); the nominal rank is kept as a column.
            key = np.nan_to_num(self.monte_carlo.median_rank, nan=10**9)
            key = key + 1e-6 * (1 - self.monte_carlo.p_top_k)
        else:
            key = np.where(df["Rang nominal"] > 0, df["Rang nominal"], 10**9)
        df = df.assign(_k=key, _s=-np.nan_to_num(df["Score"].to_numpy(dtype=float), nan=-np.inf))
        return df.sort_values(["_k", "_s", "identifiant"]).drop(columns=["_k", "_s"]).reset_index(drop=True)


def missing_data_bounds(matrix: DecisionMatrix, profile, settings, method: str, normalisation: str) -> pd.DataFrame:
    """How far each ranked case could move if its undocumented criteria were known.

    For each ranked case in turn, every applicable criterion without a value is set to the worst
    level of its scale (0 for a grid, the worse goalpost for a number), then to the best, the other
    cases unchanged, and the case is re-ranked. This is not an estimate of the missing values (none
    is ever stored): it bounds how much the gaps in the public evidence can weigh on a rank.

    Returns
    -------
    DataFrame indexed by case id: ``rang``, ``rang manquants à la médiane`` (every gap of every case
    set at once to the median of the cases that document the criterion: does the ranking depend on
    which criteria happen to be documented?), ``rang au mieux``, ``rang au pire``, ``critères manquants``.
    """

    base = score(matrix, profile, settings, method=method, normalisation=normalisation)
    values = np.array(matrix.values, dtype=float)
    status = np.array(matrix.status)
    higher = np.array([d == "higher" for d in matrix.directions])
    gp = np.array(matrix.goalposts, dtype=float)
    worst = np.where(higher, gp[:, 0], gp[:, 1])
    best = np.where(higher, gp[:, 1], gp[:, 0])
    # The median of the documented values of each criterion, among the ranked cases.
    documented = (status == Status.VALUE) & base.ranked[:, None]
    med = np.array([np.median(values[documented[:, j], j]) if documented[:, j].any() else np.nan
                    for j in range(values.shape[1])])
    all_miss = (status == Status.MISSING) & np.isfinite(med)[None, :] & base.ranked[:, None]
    v_med, st_med = values.copy(), status.copy()
    v_med[all_miss] = np.broadcast_to(med, values.shape)[all_miss]
    st_med[all_miss] = Status.VALUE
    med_res = score(matrix.replace(values=v_med, status=st_med), profile, settings, method=method,
                    normalisation=normalisation)
    rows = {}
    for i, cid in enumerate(matrix.case_ids):
        if not base.ranked[i]:
            continue
        miss = (status[i] == Status.MISSING) & np.isfinite(worst) & np.isfinite(best)
        out = {"rang": int(base.ranks[i]), "rang manquants à la médiane": int(med_res.ranks[i]),
               "critères manquants": int(miss.sum())}
        for label, fill in (("rang au mieux", best), ("rang au pire", worst)):
            if not miss.any():
                out[label] = int(base.ranks[i])
                continue
            v, st = values.copy(), status.copy()
            v[i, miss] = fill[miss]
            st[i, miss] = Status.VALUE
            res = score(matrix.replace(values=v, status=st), profile, settings, method=method,
                        normalisation=normalisation)
            out[label] = int(res.ranks[i])
        rows[cid] = out
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "identifiant"
    return df


def analyse_family(project, family: str, params, *, robustness: bool = True, sobol: bool = True,
                   profiles: bool = True) -> FamilyAnalysis:
    """Score one family and test the ranking's robustness.

    Computed once per run for given inputs (:func:`benchmark_tools.runcache.family_analysis`):
    the notebooks and the report share it.

    Parameters
    ----------
    project : project.Project
    family : str
    params : schema.ReportParams
        Profile, method, normalisation, seed and number of draws of the run.
    robustness, sobol, profiles : bool
        Skip the costlier steps (for quick looks).
    """

    return family_analysis(_analyse_family, project, family, params, robustness=robustness, sobol=sobol,
                           profiles=profiles)


def _analyse_family(project, family: str, params, *, robustness: bool = True, sobol: bool = True,
                    profiles: bool = True) -> FamilyAnalysis:
    settings = project.settings
    rs = settings.robustness
    matrix = family_matrix(project, family)
    profile = get_profile(project, params.profile)
    res = score(matrix, profile, settings, method=params.method, normalisation=params.normalisation)

    fa = FamilyAnalysis(family, project.families.label(family, plural=True), matrix, res,
                        names=short_names(project.cases_of(family)), robustness_settings=rs)
    if not robustness or res.ranked.sum() < 2:
        if res.ranked.sum() < 2:
            fa.notes.append("Moins de deux cas classés : pas d'analyse de robustesse.")
        return fa
    fa.missing_bounds = missing_data_bounds(matrix, profile, settings, params.method, params.normalisation)
    scorer = make_batch_scorer(matrix, profile, settings)
    fa.weights_only = rb.monte_carlo_from_settings(scorer, rs, params.seed, n_draws=params.n_draws,
                                                   method=params.method, normalisation=params.normalisation)
    fa.prior = rs.missing_prior
    if fa.prior == "none":
        fa.monte_carlo = fa.weights_only
    else:
        fa.monte_carlo = joint_monte_carlo(matrix, profile, settings, params.seed, n_draws=params.n_draws,
                                           method=params.method, normalisation=params.normalisation)
    fa.prior_comparison = compare_priors(matrix, profile, settings, params.seed, n_draws=params.n_draws,
                                         method=params.method, normalisation=params.normalisation,
                                         names=fa.names)
    fa.smaa = rb.smaa_from_monte_carlo(fa.monte_carlo, scorer)
    fa.methods_agreement = rb.compare_methods(scorer, normalisation=params.normalisation)
    fa.loo_dimensions = rb.leave_one_dimension_out(scorer, method=params.method, normalisation=params.normalisation)
    if profiles and len(project.profiles) > 1:
        scorers = {pid: make_batch_scorer(matrix, pr, settings) for pid, pr in sorted(project.profiles.items())}
        fa.profiles_agreement = rb.agreement_matrix(
            rb.profile_rankings(scorers, method=params.method, normalisation=params.normalisation), "kendall")
    if sobol:
        labels = {d.id: d.label_fr for d in project.catalogue.dimensions}
        fa.sobol = rb.sobol_analysis(scorer, rs.sobol_n, params.seed, rs.noise_factor, methods=rs.methods,
                                     normalisations=rs.normalisations, n_bootstrap=rs.sobol_bootstrap,
                                     conf_level=rs.sobol_conf_level,
                                     nominal_method=params.method, nominal_normalisation=params.normalisation,
                                     dimension_labels=labels)
    return fa
