"""Missing values as an uncertain input of the Monte Carlo, jointly with the weights.

The available-case rule of :mod:`benchmark_tools.scoring` leaves an undocumented criterion out
of its dimension's mean: a case documented on two criteria, both at the top level, then scores
as if it were excellent everywhere. Following the JRC practice of treating the imputation
choice as one more uncertain input of the composite indicator (Saisana, Saltelli & Tarantola
2005, *J. R. Stat. Soc. A* 168(2), 307–323), each draw of the joint Monte Carlo gives every
missing-but-applicable cell a value drawn from a *prior*, at the same time as the weights:

- ``"family"`` (default): the empirical distribution of the criterion's normalised values
  among the cases of the family that document it (each documented case equally likely); a
  criterion that no case documents falls back to ``"uniform"`` (said in
  :attr:`MissingModel.fallback`);
- ``"uniform"``: any level of the grid (levels 0–4) for an ordinal criterion, or any of
  ``missing_uniform_steps`` evenly spaced values between the goalposts for a number;
- ``"none"``: the available-case rule (today's scores), kept for comparison: the joint Monte
  Carlo is then the weights-only :func:`benchmark_tools.robustness.monte_carlo`.

Values are drawn on the normalised scale of the run (the data-driven normalisations keep the
scales fitted on the documented values of the reference cases). Every case with at least one
applicable criterion is ranked in every draw, whatever its coverage: a poorly documented case
gets a wide rank interval instead of a lucky rank, and a case below the coverage threshold is
shown with its interval and marked (:attr:`JointMonteCarloResult.low_coverage`) — no cliff.

Everything is batched: the draws of one block are one ``(K, M)`` array of uniform numbers
mapped through the priors' quantile tables, summed into the ``(K, n, D)`` dimension scores
with one ``reduceat`` and aggregated by :mod:`benchmark_tools.aggregate`; blocks of
``_BLOCK`` draws bound the memory. No Python loop over draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import robustness as rb
from . import runcache, scoring
from .matrix import DecisionMatrix
from .normalize import NORMALISERS
from .ranking import rank_desc
from .vocabulary import METHODS, NORMALISATIONS

PRIORS = ("family", "uniform", "none")
PRIOR_LABELS = {
    "family": "distribution des cas documentés de la famille",
    "uniform": "n'importe quel niveau de l'échelle",
    "none": "critère manquant écarté (cas disponibles seulement)",
}
# Draws scored per block: bounds the (K, M) and (K, n, D) arrays (memory, cache), not a
# modelling choice.
_BLOCK = 512


@dataclass(frozen=True, eq=False)
class MissingModel:
    """Where the missing cells are and what values they can take.

    Attributes
    ----------
    prior : str
    cell_case, cell_criterion : ndarray of int (M,)
        Missing-but-applicable cells with a positive criterion weight, ordered by case, then
        dimension, then criterion.
    table : ndarray (m, L)
        Equally likely normalised values of each criterion's prior, sorted ascending and padded
        with their last value; ``lengths[j]`` values are used.
    lengths : ndarray of int (m,)
    fallback : list of str
        Criteria whose ``"family"`` prior fell back to ``"uniform"`` (no documented case).
    """

    prior: str
    cell_case: np.ndarray
    cell_criterion: np.ndarray
    table: np.ndarray
    lengths: np.ndarray
    fallback: list[str]

    @property
    def n_cells(self) -> int:
        return int(self.cell_case.size)

    def quantiles(self, j: int, levels: int) -> np.ndarray:
        """``levels`` values of criterion j's prior at the mid-quantiles (1/2L, 3/2L, …)."""
        n = int(self.lengths[j])
        q = (np.arange(levels) + 0.5) / levels
        return self.table[j, np.minimum((q * n).astype(int), n - 1)]


def _uniform_raw(matrix: DecisionMatrix, j: int, steps: int) -> np.ndarray:
    """Raw values of the uniform prior of criterion j (grid levels, or a grid between goalposts)."""
    if matrix.types[j] == "ordinal":
        return np.arange(5, dtype=float)
    lo, hi = np.asarray(matrix.goalposts[j], dtype=float)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        doc = np.asarray(matrix.values)[:, j]
        doc = doc[np.isfinite(doc)]
        if doc.size == 0:
            return np.array([np.nan])
        lo, hi = float(doc.min()), float(doc.max())
    return np.linspace(lo, hi, steps)


def missing_model(matrix: DecisionMatrix, normalised: np.ndarray, reference: np.ndarray,
                  normalisation: str, prior: str, criterion_weights: np.ndarray,
                  uniform_steps: int) -> MissingModel:
    """The prior of every missing-but-applicable cell (see the module docstring).

    Parameters
    ----------
    matrix : DecisionMatrix
    normalised : ndarray (n, m)
        The run's normalised values (NaN where no value).
    reference : bool ndarray (n,)
        Cases the data-driven normalisations are fitted on.
    normalisation : str
    prior : {"family", "uniform", "none"}
    criterion_weights : ndarray (m,)
    uniform_steps : int
        Settings: ``robustness.missing_uniform_steps``.
    """
    if prior not in PRIORS:
        raise ValueError(f"A priori des valeurs manquantes inconnu : {prior!r} (attendu : {', '.join(PRIORS)}).")
    n, m = matrix.shape
    avail = matrix.available
    missing = matrix.applicable & ~avail & (np.asarray(criterion_weights) > 0)[None, :]
    if prior == "none":
        missing = np.zeros_like(missing)
    # Uniform priors: raw candidate values normalised with the run's scales (extra rows outside
    # the reference set, so they do not move the scales).
    raws = [_uniform_raw(matrix, j, uniform_steps) for j in range(m)]
    lmax = max(len(r) for r in raws)
    cand = np.full((lmax, m), np.nan)
    for j, r in enumerate(raws):
        cand[: len(r), j] = r
    stacked = np.vstack([np.asarray(matrix.values, dtype=float), cand])
    ref = np.concatenate([np.asarray(reference, dtype=bool), np.zeros(lmax, dtype=bool)])
    uni = NORMALISERS[normalisation](stacked, types=matrix.types, directions=matrix.directions,
                                         goalposts=matrix.goalposts, reference=ref)[n:]
    cols, fallback = [], []
    for j in range(m):
        u = uni[:, j][np.isfinite(uni[:, j])]
        if prior == "family":
            doc = normalised[avail[:, j], j]
            doc = doc[np.isfinite(doc)]
            if doc.size == 0:
                if missing[:, j].any():
                    fallback.append(matrix.criterion_ids[j])
                doc = u
            cols.append(np.sort(doc))
        else:
            cols.append(np.sort(u))
    lengths = np.array([max(c.size, 1) for c in cols])
    table = np.full((m, int(lengths.max())), 0.5)
    for j, c in enumerate(cols):
        if c.size:
            table[j, : c.size] = c
            table[j, c.size:] = c[-1]
    # Cells ordered by (case, dimension, criterion): each (case, dimension) group is contiguous.
    dim = matrix.dimension_index
    ii, jj = np.nonzero(missing)
    order = np.lexsort((jj, dim[jj], ii))
    return MissingModel(prior, ii[order], jj[order], table, lengths, fallback)


class JointScorer:
    """Scores under joint draws of the weights and of the missing values.

    ``scorer(weights (K, D), u (K, M)) -> (K, n)`` scores: ``u`` are uniform numbers in [0, 1),
    one per missing cell of :attr:`model`, mapped to the prior's values. Every case with a
    scored dimension gets a score (whatever its coverage); the others NaN.
    """

    def __init__(self, matrix: DecisionMatrix, profile, settings, prior: str | None = None, *,
                 method: str | None = None, normalisation: str | None = None):
        rs = settings.robustness
        self.prior = rs.missing_prior if prior is None else prior
        self.settings = settings
        self.nominal = scoring.make_batch_scorer(matrix, profile, settings)
        self.prep = scoring._prepare(matrix, settings)
        sc = settings.scoring
        self.method = scoring._check_name(method, sc.default_method, METHODS, "Méthode d'agrégation")
        self.normalisation = scoring._check_name(normalisation, sc.default_normalisation,
                                                 NORMALISATIONS, "Normalisation")
        self.matrix = matrix
        self.case_ids = list(matrix.case_ids)
        self.dimension_ids = list(matrix.dimension_ids)
        self.nominal_weights = self.nominal.nominal_weights
        self.tie_tolerance = self.nominal.tie_tolerance
        cw = scoring._criterion_weights(matrix, profile, None)
        x = scoring._normalise(self.prep, self.normalisation)
        self.normalised = x
        self.model = missing_model(matrix, x, self.prep.reference, self.normalisation, self.prior, cw,
                                   int(rs.missing_uniform_steps))
        n, m = matrix.shape
        d = len(self.dimension_ids)
        dim = matrix.dimension_index
        onehot = np.zeros((m, d))
        onehot[np.arange(m), dim] = 1.0
        # With the prior "none" the joint scores are the available-case ones: weights over the
        # documented criteria only. Otherwise every applicable criterion counts.
        counted = matrix.available if self.prior == "none" else matrix.applicable
        wsum = (counted * cw) @ onehot  # (n, D)
        num = (np.where(matrix.available, np.nan_to_num(x), 0.0) * cw) @ onehot
        with np.errstate(invalid="ignore", divide="ignore"):
            self.base = np.where(wsum > 0, num / wsum, np.nan)  # (n, D)
        mm = self.model
        g = mm.cell_case * d + dim[mm.cell_criterion]
        self.cell_group = g
        self.cell_coef = cw[mm.cell_criterion] / wsum.ravel()[g]
        if g.size:
            starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
            self._starts, self._groups = starts, g[starts]
        else:
            self._starts = self._groups = np.zeros(0, dtype=int)
        # The arithmetic mean needs no missing-dimension handling when every case has a score
        # on every dimension (true whenever each dimension has an applicable criterion).
        self._fast_arithmetic = (self.method == "arithmetic" and self.prior != "none"
                                 and bool(np.isfinite(self.base).all()))
        sizes = np.diff(np.r_[self._starts, g.size]) if g.size else np.zeros(0, dtype=int)
        self._row_passes = [(self._starts[sizes > t] + t, self._groups[sizes > t])
                            for t in range(int(sizes.max()) if sizes.size else 0)]
        # Single precision for the (K, M) arrays of the draws: they are the memory traffic of
        # the analysis; the sums are added to the double-precision documented part.
        self._offsets = (mm.cell_criterion * mm.table.shape[1]).astype(np.int32)
        self._lengths = mm.lengths[mm.cell_criterion].astype(np.float32)
        self._last = (mm.lengths[mm.cell_criterion] - 1).astype(np.int32)
        self._flat = mm.table.ravel().astype(np.float32)
        self._coef32 = self.cell_coef.astype(np.float32)

    @property
    def n_cells(self) -> int:
        return self.model.n_cells

    def cell_values(self, u: np.ndarray) -> np.ndarray:
        """Prior values (K, M) for uniform numbers u (K, M) in [0, 1)."""
        idx = (np.asarray(u, dtype=np.float32) * self._lengths).astype(np.int32)
        # u·L can round up to L in single precision: clip to the last value.
        np.minimum(idx, self._last, out=idx)
        idx += self._offsets
        return self._flat.take(idx)

    def dimension_scores(self, values: np.ndarray) -> np.ndarray:
        """Dimension scores (K, n, D) with the missing cells at ``values`` (K, M)."""
        k = values.shape[0]
        n, d = self.base.shape
        s = np.broadcast_to(self.base.ravel(), (k, n * d)).copy()
        if self._starts.size:
            s[:, self._groups] += np.add.reduceat(values * self._coef32, self._starts, axis=1)
        return s.reshape(k, n, d)

    def aggregate(self, s: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Scores (K, n) from dimension scores (K, n, D) and weights (K, D)."""
        return scoring._aggregate(self.method, s, np.ascontiguousarray(weights), self.settings,
                                  self.prep.reference)

    def __call__(self, weights: np.ndarray, u: np.ndarray) -> np.ndarray:
        w = np.atleast_2d(np.asarray(weights, dtype=float))
        n, d = self.base.shape
        out = np.empty((w.shape[0], n))
        # Cells × draws layout: each cell's draws are contiguous, so the sums over the cells of
        # a (case, dimension) group add whole rows; the coefficients are folded into the table.
        flat = (self.model.table[self.model.cell_criterion] * self.cell_coef[:, None]).astype(np.float32).ravel()
        off = (np.arange(self.n_cells) * self.model.table.shape[1]).astype(np.int32)[:, None]
        lengths, last = self._lengths[:, None], self._last[:, None]
        base = self.base.reshape(n * d, 1)
        for a in range(0, w.shape[0], _BLOCK):  # blocks of draws (memory), not single draws
            b = min(a + _BLOCK, w.shape[0])
            st = np.repeat(base, b - a, axis=1)
            if self._starts.size:
                idx = (np.asarray(u[a:b], dtype=np.float32).T * lengths).astype(np.int32)
                np.minimum(idx, last, out=idx)
                idx += off
                contrib = flat.take(idx)
                # Sum each group's rows: one pass per position inside a group (groups hold at
                # most a few cells), each adding whole rows; faster than reduceat on axis 0.
                for rows, targets in self._row_passes:
                    st[targets] += contrib[rows]
            if self._fast_arithmetic:
                # Every dimension scored for every case: the weighted mean is one contraction.
                wb = w[a:b]
                out[a:b] = np.einsum("ndk,kd->kn", st.reshape(n, d, b - a), wb) / wb.sum(axis=1)[:, None]
            else:
                out[a:b] = self.aggregate(st.reshape(n, d, b - a).transpose(2, 0, 1), w[a:b])
        if self.prior == "none":
            # Today's rule, low-coverage policy included.
            out, ranked = scoring._apply_policy(self.prep, out)
            out = np.where(ranked, out, np.nan)
        return out


@dataclass
class JointMonteCarloResult(rb.MonteCarloResult):
    """A :class:`~benchmark_tools.robustness.MonteCarloResult` of the joint draws, with:

    Attributes
    ----------
    prior : str
    coverage : ndarray (n,)
    low_coverage : bool ndarray (n,)
        Below ``scoring.coverage_threshold``: shown with their interval and marked.
    n_missing : ndarray of int (n,)
        Missing-but-applicable criteria of each case (drawn in every draw).
    cell_values : ndarray (K, M) or None
        The values drawn for the missing cells (kept with ``keep_cells=True``).
    fallback : list of str
    """

    prior: str = "family"
    coverage: np.ndarray | None = None
    low_coverage: np.ndarray | None = None
    n_missing: np.ndarray | None = None
    cell_values: np.ndarray | None = None
    fallback: list | None = None

    @property
    def interval_width(self) -> np.ndarray:
        """P95 − P5 of the rank, per case (NaN when never ranked)."""
        return self.rank_p95 - self.rank_p05

    def to_dataframe(self) -> pd.DataFrame:
        """One row per case, sorted by median rank (the headline), column ids (French: ``vocabulary.labelled``)."""
        df = pd.DataFrame({
            "case": self.case_ids,
            "median_rank": self.median_rank,
            "rank_p05": self.rank_p05,
            "rank_p95": self.rank_p95,
            "p_first": self.p_first,
            f"p_top_{self.top_k}": self.p_top_k,
            "n_missing_drawn": self.n_missing,
            "coverage": self.coverage,
            "low_coverage": self.low_coverage,
            "nominal_rank_available": np.where(self.nominal_ranks > 0, self.nominal_ranks, np.nan),
        })
        if self.stability is not None:
            df["stability"] = self.stability
            df["reason"] = self.stability_reason
        return df.sort_values(["median_rank", f"p_top_{self.top_k}"], ascending=[True, False],
                              na_position="last", kind="stable").reset_index(drop=True)


def _seeds(seed):
    """Generators for the weights and the missing values.

    The weights use ``seed`` itself, so that they are the very draws of the weights-only
    :func:`~benchmark_tools.robustness.monte_carlo` with the same seed (the two analyses differ
    only by the missing values); the missing values use an independent child stream.
    """
    if isinstance(seed, np.random.Generator):
        a, b = seed.spawn(2)
        return a, b
    if isinstance(seed, np.random.SeedSequence):
        a, b = seed.spawn(2)
        return np.random.default_rng(a), np.random.default_rng(b)
    return seed, np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


def draw_joint(scorer: JointScorer, n_draws: int, seed) -> tuple[np.ndarray, np.ndarray]:
    """(weights (K, D), uniform numbers (K, M)) of the joint draws, seeded."""
    rs = scorer.settings.robustness
    rw, ru = _seeds(seed)
    weights = rb.draw_weights(scorer.nominal_weights, n_draws, rs.weight_scheme, rw, rs.noise_factor,
                              rs.dirichlet_concentration, dict(rs.bounds or {}) or None,
                              dimension_ids=scorer.dimension_ids)
    # Drawn cells × draws, returned as its (K, M) transpose: the scorer reads each cell's draws
    # contiguously.
    u = ru.random((scorer.n_cells, int(n_draws)), dtype=np.float32).T
    return weights, u


def _fixed_seed(seed) -> bool:
    """An integer seed names its draws; a generator (whose state advances) does not."""
    return isinstance(seed, int | np.integer) and not isinstance(seed, bool)


def joint_monte_carlo(matrix: DecisionMatrix, profile, settings, seed, *, n_draws: int | None = None,
                      prior: str | None = None, method: str | None = None,
                      normalisation: str | None = None, keep_scores: bool = True,
                      keep_cells: bool = False, scorer: JointScorer | None = None) -> JointMonteCarloResult:
    """Monte Carlo over the weights and the missing values together (see the module docstring).

    Computed once per run for given inputs (:mod:`benchmark_tools.runcache`): the key holds the
    matrix, the profile, the whole settings, the seed and every option, the defaults resolved
    from the settings (an explicit default and an omitted one are the same computation). A
    given ``scorer`` or a generator as ``seed`` is always computed.

    Parameters
    ----------
    matrix, profile, settings
        One family, the weighting profile, the settings (``robustness.*``, ``scoring.*``).
    seed : int
    n_draws : int, optional
        Default ``robustness.n_draws``.
    prior : {"family", "uniform", "none"}, optional
        Default ``robustness.missing_prior``.
    method, normalisation : str, optional
    keep_cells : bool
        Keep the drawn cell values (for :mod:`benchmark_tools.gaps`).

    Returns
    -------
    JointMonteCarloResult
        Rank percentiles, P(first), P(top k) and the stable/fragile label (measured against the
        median rank) over the joint draws; ``nominal_ranks`` are the available-case ranks, kept
        for comparison only.
    """
    kw = dict(n_draws=n_draws, prior=prior, method=method, normalisation=normalisation, keep_scores=keep_scores,
              keep_cells=keep_cells)
    if scorer is not None or not _fixed_seed(seed):
        return _joint_monte_carlo(matrix, profile, settings, seed, scorer=scorer, **kw)
    rs, sc_set = settings.robustness, settings.scoring
    key = (matrix, profile, settings, int(seed), int(rs.n_draws if n_draws is None else n_draws),
           rs.missing_prior if prior is None else prior, sc_set.default_method if method is None else method,
           sc_set.default_normalisation if normalisation is None else normalisation, bool(keep_scores),
           bool(keep_cells))
    return runcache.cached("joint_monte_carlo", key,
                           lambda: _joint_monte_carlo(matrix, profile, settings, seed, **kw))


def _joint_monte_carlo(matrix, profile, settings, seed, *, n_draws, prior, method, normalisation, keep_scores,
                       keep_cells, scorer=None) -> JointMonteCarloResult:
    rs = settings.robustness
    sc = scorer or JointScorer(matrix, profile, settings, prior, method=method, normalisation=normalisation)
    n_draws = int(rs.n_draws if n_draws is None else n_draws)
    w0 = np.asarray(sc.nominal_weights, dtype=float)
    nom_scores = np.asarray(sc.nominal(w0[None, :], method=sc.method, normalisation=sc.normalisation))[0]
    nom_ranks = rank_desc(nom_scores, sc.tie_tolerance)
    weights, u = draw_joint(sc, n_draws, seed)
    scores = sc(weights, u)
    ranks = rank_desc(scores, sc.tie_tolerance)
    ref = np.nan_to_num(rb._hist_quantile(rb._rank_histogram(ranks), 0.5), nan=0).astype(np.int64)
    n_missing = np.bincount(sc.model.cell_case, minlength=matrix.n_cases)
    return rb.summarise_draws(
        sc.case_ids, sc.dimension_ids, rs.weight_scheme, seed, rs.top_k, weights, scores, ranks,
        nom_scores, nom_ranks, method=sc.method, normalisation=sc.normalisation,
        stability_threshold=rs.stability_threshold, keep_scores=keep_scores,
        result_class=JointMonteCarloResult, stability_reference=ref,
        prior=sc.prior, coverage=sc.prep.coverage, low_coverage=sc.prep.low_coverage,
        n_missing=n_missing, cell_values=sc.cell_values(u) if keep_cells else None,
        fallback=list(sc.model.fallback),
    )


def compare_priors(matrix: DecisionMatrix, profile, settings, seed, *, n_draws: int | None = None,
                   method: str | None = None, normalisation: str | None = None,
                   names: dict | None = None) -> pd.DataFrame:
    """Median rank, 5–95 % interval and P(top k) of every case under the three priors.

    One row per case (French labels), sorted by the median rank under the settings' prior.
    """
    top_k = settings.robustness.top_k
    cols = {}
    for p in PRIORS:
        r = joint_monte_carlo(matrix, profile, settings, seed, n_draws=n_draws, prior=p, method=method,
                              normalisation=normalisation, keep_scores=False)
        cols[p] = r
    ids = list(matrix.case_ids)
    df = pd.DataFrame({"identifiant": ids,
                       "Cas": [(names or {}).get(c, nm) for c, nm in zip(ids, matrix.case_names, strict=True)],
                       "Couverture": cols["family"].coverage})
    for p, lab in (("none", "cas disponibles"), ("family", "a priori famille"), ("uniform", "a priori uniforme")):
        r = cols[p]
        df[f"Rang ({lab})"] = [_interval_text(r, i) for i in range(len(ids))]
        df[f"P(top {top_k}) ({lab})"] = r.p_top_k
    key = cols[settings.robustness.missing_prior].median_rank
    return df.assign(_k=np.nan_to_num(key, nan=1e9)).sort_values(["_k", "identifiant"]).drop(
        columns="_k").reset_index(drop=True)


def _interval_text(r: rb.MonteCarloResult, i: int) -> str:
    if not np.isfinite(r.median_rank[i]):
        return "non classé"
    lo, med, hi = int(r.rank_p05[i]), int(r.median_rank[i]), int(r.rank_p95[i])
    return f"{med} ({lo}–{hi})" if lo != hi else f"{med}"


def joint_from_settings(matrix, profile, settings, seed, **kw) -> rb.MonteCarloResult:
    """The Monte Carlo of the run: joint with the settings' prior, weights-only for ``"none"``.

    With ``"none"`` the result is exactly :func:`benchmark_tools.robustness.monte_carlo` (same
    seed, same draws), so a run with the prior ``none`` reproduces the reports made before the
    joint analysis existed.
    """
    prior = kw.pop("prior", None) or settings.robustness.missing_prior
    if prior == "none":
        over = {k: v for k, v in kw.items() if k in ("n_draws", "method", "normalisation")}
        if over.get("n_draws") is None:
            over.pop("n_draws", None)

        def weights_only():
            scorer = scoring.make_batch_scorer(matrix, profile, settings)
            return rb.monte_carlo_from_settings(scorer, settings.robustness, seed, **over)

        if not _fixed_seed(seed):
            return weights_only()
        return runcache.cached("weights_monte_carlo", (matrix, profile, settings, int(seed), over), weights_only)
    return joint_monte_carlo(matrix, profile, settings, seed, prior=prior, **kw)
