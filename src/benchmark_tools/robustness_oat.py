"""One change at a time: leave one dimension or criterion out, remove one case (rank reversal)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import scoring
from .matrix import NOT_APPLICABLE
from .ranking import rank_desc
from .robustness_agreement import kendall_tau
from .robustness_ranks import BatchScorer, _mean_abs_shift, _score_and_rank
from .vocabulary import without_id


@dataclass
class LeaveOneOutResult:
    """Rank changes when one dimension (or criterion) is left out.

    Attributes
    ----------
    kind : {"dimension", "criterion"}
    removed : list of str
        Ids of the items left out, one per row of ``ranks``.
    ranks : ndarray (m, n)
        Ranks without each item (0 = not ranked; a row of 0 = not computable).
    nominal_ranks : ndarray (n,)
    mean_abs_shift, max_abs_shift : ndarray (m,)
        Over the cases ranked in both.
    leader_changed : ndarray of bool (m,)
        Whether the nominal first (all of them, if tied) is no longer first.
    kendall : ndarray (m,)
        Kendall's tau-b between the ranking without the item and the nominal one.
    """

    kind: str
    removed: list[str]
    case_ids: list[str]
    ranks: np.ndarray
    nominal_ranks: np.ndarray
    mean_abs_shift: np.ndarray
    max_abs_shift: np.ndarray
    leader_changed: np.ndarray
    kendall: np.ndarray

    def to_dataframe(self) -> pd.DataFrame:
        """One row per item left out, column ids, largest shift first."""
        col = "removed_dimension" if self.kind == "dimension" else "removed_criterion"
        df = pd.DataFrame(
            {
                col: self.removed,
                "mean_rank_shift": self.mean_abs_shift,
                "max_rank_shift": self.max_abs_shift,
                "leader_changed": self.leader_changed,
                "kendall_tau": self.kendall,
            }
        )
        return df.sort_values("mean_rank_shift", ascending=False, kind="stable").reset_index(
            drop=True
        )

    def rank_table(self) -> pd.DataFrame:
        """Ranks of every case (rows) without each item (columns), nominal first (column ids)."""
        data = {"nominal_rank": self.nominal_ranks}
        for j, item in enumerate(self.removed):
            data[without_id(item)] = self.ranks[j]
        df = pd.DataFrame(data, index=pd.Index(self.case_ids, name="case"))
        return df.replace(0, np.nan)


def _loo_summary(kind, removed, case_ids, ranks, nominal) -> LeaveOneOutResult:
    ranks = np.asarray(ranks)
    both = (ranks > 0) & (nominal > 0)
    diff = np.where(both, np.abs(ranks - nominal), 0)
    valid = ranks.any(axis=1)
    mean = _mean_abs_shift(ranks, nominal)
    mx = np.where(valid, diff.max(axis=1, initial=0), np.nan).astype(float)
    leaders = nominal == 1
    changed = np.array([bool(v) and bool(np.any(r[leaders] != 1)) for r, v in zip(ranks, valid, strict=True)])
    tau = np.array([kendall_tau(r, nominal) if v else np.nan for r, v in zip(ranks, valid, strict=True)])
    mean = np.where(valid, mean, np.nan)
    return LeaveOneOutResult(kind, list(removed), list(case_ids), ranks, nominal, mean, mx, changed, tau)


def leave_one_dimension_out(
    scorer: BatchScorer, *, method: str | None = None, normalisation: str | None = None
) -> LeaveOneOutResult:
    """Rank shifts when each dimension's weight is set to 0 (the others renormalised).

    One batched scorer call with D weight vectors. A dimension whose removal would leave
    no positive weight gets a row of NaN statistics.
    """
    w0 = np.asarray(scorer.nominal_weights, dtype=float)
    d = w0.size
    _, nom = _score_and_rank(scorer, w0[None, :], method, normalisation)
    w = np.tile(w0, (d, 1))
    w[np.arange(d), np.arange(d)] = 0.0
    ok = w.sum(axis=1) > 0
    ranks = np.zeros((d, len(scorer.case_ids)), dtype=np.int64)
    if ok.any():
        ranks[ok] = _score_and_rank(scorer, w[ok], method, normalisation)[1]
    return _loo_summary("dimension", scorer.dimension_ids, scorer.case_ids, ranks, nom[0])


def leave_one_criterion_out(
    rescore_without: Callable[[str], np.ndarray],
    criterion_ids: Sequence[str],
    nominal_scores: np.ndarray,
    case_ids: Sequence[str],
) -> LeaveOneOutResult:
    """Rank shifts when each criterion is left out.

    Parameters
    ----------
    rescore_without : callable
        ``rescore_without(criterion_id) -> ndarray (n,)``: the scores of the n cases (same
        order as ``case_ids``, NaN = not ranked) recomputed with that criterion removed from
        the catalogue (its dimension averaging over the remaining criteria; coverage and
        normalisation recomputed as the engine does). The engine or the caller builds it,
        e.g. by dropping the criterion's column before calling ``make_batch_scorer`` and
        scoring the nominal weights.
    criterion_ids : sequence of str
        Criteria to leave out, one at a time.
    nominal_scores : ndarray (n,)
        Scores with every criterion.
    case_ids : sequence of str
    """
    nom = rank_desc(np.asarray(nominal_scores, dtype=float))
    ranks = np.vstack(
        [rank_desc(np.asarray(rescore_without(c), dtype=float)) for c in criterion_ids]
    ) if len(criterion_ids) else np.zeros((0, nom.size), dtype=np.int64)
    return _loo_summary("criterion", criterion_ids, case_ids, ranks, nom)


# ---------------------------------------------------------------------------------------------
# Rank reversal
# ---------------------------------------------------------------------------------------------


@dataclass
class RankReversalResult:
    """Pairs of cases whose order changes when another case is removed.

    Attributes
    ----------
    removed : list of str
        The case removed in each row (only cases ranked with everyone present).
    n_pairs : ndarray (m,)
        Pairs of remaining cases ranked in both situations.
    n_reversed : ndarray (m,)
        Pairs in strict opposite order (a ahead of b, then b ahead of a).
    n_changed : ndarray (m,)
        Pairs whose relation changes at all (including a tie appearing or being broken).
    leader_changed : ndarray of bool (m,)
        Whether the best remaining case (by the full ranking) is no longer first.
    """

    removed: list[str]
    n_pairs: np.ndarray
    n_reversed: np.ndarray
    n_changed: np.ndarray
    leader_changed: np.ndarray

    def to_dataframe(self) -> pd.DataFrame:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(self.n_pairs > 0, self.n_reversed / np.maximum(self.n_pairs, 1), np.nan)
        return pd.DataFrame(
            {
                "removed_case": self.removed,
                "pairs_compared": self.n_pairs,
                "pairs_reversed": self.n_reversed,
                "share_reversed": share,
                "pairs_changed": self.n_changed,
                "leader_changed": self.leader_changed,
            }
        )


def rank_reversal(
    scores_on_subset: Callable[[np.ndarray], np.ndarray],
    case_ids: Sequence[str],
    *,
    full_scores: np.ndarray | None = None,
) -> RankReversalResult:
    """Rank reversal when one case is removed (test 2 of Wang & Triantaphyllou 2008 in spirit).

    Parameters
    ----------
    scores_on_subset : callable
        ``scores_on_subset(keep) -> ndarray (len(keep),)``: ``keep`` is a sorted integer
        array of case positions (into ``case_ids``); the function returns the scores of those
        cases, in that order, recomputed *as if only they existed* (so that set-dependent
        steps — min-max or z-score normalisation, TOPSIS ideals, PROMETHEE flows — see the
        smaller set). NaN = not ranked.
    case_ids : sequence of str
    full_scores : ndarray (n,), optional
        Scores with every case (default: ``scores_on_subset(arange(n))``).

    Returns
    -------
    RankReversalResult
        One row per removable case (those ranked in the full set). The loop is over removed
        cases (one recomputation each); pair comparisons are vectorised.
    """
    n = len(case_ids)
    allidx = np.arange(n)
    full = np.asarray(
        scores_on_subset(allidx) if full_scores is None else full_scores, dtype=float
    )
    sign_full = np.sign(full[:, None] - full[None, :])  # NaN where a score is NaN
    iu = np.triu_indices(n - 1, k=1)
    removed, pairs, rev, chg, lead = [], [], [], [], []
    for j in np.flatnonzero(np.isfinite(full)):
        keep = np.delete(allidx, j)
        sub = np.asarray(scores_on_subset(keep), dtype=float)
        sf = sign_full[np.ix_(keep, keep)][iu]
        ss = np.sign(sub[:, None] - sub[None, :])[iu]
        ok = np.isfinite(sf) & np.isfinite(ss)
        removed.append(case_ids[j])
        pairs.append(int(ok.sum()))
        rev.append(int(np.sum(ok & (sf * ss < 0))))
        chg.append(int(np.sum(ok & (sf != ss))))
        fk = full[keep]
        if np.isfinite(fk).any() and np.isfinite(sub).any():
            best_full = np.flatnonzero(fk == np.nanmax(fk))
            lead.append(bool(np.any(sub[best_full] != np.nanmax(sub))))
        else:
            lead.append(False)
    return RankReversalResult(
        removed, np.array(pairs), np.array(rev), np.array(chg), np.array(lead, dtype=bool)
    )


# ---------------------------------------------------------------------------------------------
# Callables built on the engine (for leave-one-criterion-out and rank reversal)
# ---------------------------------------------------------------------------------------------


def _engine_scores(matrix, profile, settings, method, normalisation) -> np.ndarray:

    res = scoring.score(matrix, profile, settings, method=method, normalisation=normalisation)
    return np.where(res.ranked, res.scores, np.nan)


def engine_rescore_without(matrix, profile, settings, *, method: str | None = None,
                           normalisation: str | None = None) -> Callable[[str], np.ndarray]:
    """A ``rescore_without(criterion_id)`` for :func:`leave_one_criterion_out`, on the engine.

    The criterion is marked "not applicable" for every case of the
    :class:`~benchmark_tools.matrix.DecisionMatrix`: it then leaves the mean of its dimension
    (the other criteria's weights are renormalised) and the coverage count, exactly as if it
    were not in the catalogue. Scores of cases that are not ranked are NaN.
    """

    ids = list(matrix.criterion_ids)

    def rescore_without(criterion_id: str) -> np.ndarray:
        if criterion_id not in ids:
            raise ValueError(f"Critère inconnu : {criterion_id!r}.")
        status = np.array(matrix.status)
        status[:, ids.index(criterion_id)] = NOT_APPLICABLE
        return _engine_scores(matrix.replace(status=status), profile, settings, method, normalisation)

    return rescore_without


def engine_scores_on_subset(matrix, profile, settings, *, method: str | None = None,
                            normalisation: str | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """A ``scores_on_subset(keep)`` for :func:`rank_reversal`, on the engine.

    Scores the sub-matrix of the cases ``keep`` (row positions), so that the data-driven
    scales, the TOPSIS ideal and the PROMETHEE comparisons see only those cases.
    """

    def scores_on_subset(keep: np.ndarray) -> np.ndarray:
        keep = np.asarray(keep, dtype=int)
        sub = matrix.replace(
            case_ids=tuple(matrix.case_ids[i] for i in keep),
            case_names=tuple(matrix.case_names[i] for i in keep),
            values=np.asarray(matrix.values)[keep],
            status=np.asarray(matrix.status)[keep],
        )
        return _engine_scores(sub, profile, settings, method, normalisation)

    return scores_on_subset
