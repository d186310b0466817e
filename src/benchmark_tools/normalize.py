"""Normalisations: raw values in each criterion's unit → comparable values in [0, 1].

Pure functions with one signature, so that the normalisation is a *parameter* of the
scoring (as in pymcdm, where the normalisation function is passed to the method)::

    f(values, *, types, directions, goalposts, reference=None) -> ndarray

- ``values``: raw values, shape (n, m), ``NaN`` where there is no value; ``NaN`` stays
  ``NaN`` in the output (missing data is never turned into a number here).
- ``types``: ``"ordinal"``/``"numeric"`` per criterion; ``directions``: ``"higher"``/``"lower"``;
  ``goalposts``: (m, 2) fixed bounds (low, high) in the unit.
- ``reference``: boolean mask (n,) of the cases the *data-driven* normalisations are fitted
  on (the cases that are ranked); the other cases are placed on the same scale. Default:
  all cases.

After normalisation, 1 is always the best end ("lower is better" criteria are inverted),
so the aggregation never needs to know the direction.

``goalposts`` is the default and the only one that does not depend on the other cases:
adding a case never moves the others. ``minmax``, ``zscore`` and ``rank`` are data-driven
and are there to test how much the ranking depends on that choice.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import ndtr

Normalisation = Callable[..., np.ndarray]

#: Value given to every case on a criterion that does not discriminate (all values equal):
#: the middle of the scale, so that it neither rewards nor penalises anyone.
CONSTANT_VALUE = 0.5


def _higher(directions: Sequence[str]) -> np.ndarray:
    return np.array([d == "higher" for d in directions], dtype=bool)


def _reference_rows(values: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
    if reference is None:
        return values
    return values[np.asarray(reference, dtype=bool)]


def goalposts(values, *, types, directions, goalposts, reference=None) -> np.ndarray:
    """Fixed-bounds normalisation (the default).

    Ordinal criteria: ``level / 4`` (levels 0–4 of the grid). Numeric criteria:
    ``(x - low) / (high - low)`` on the criterion's goalposts for this family, clipped to
    [0, 1] (a value beyond the "best" goalpost is no better than the goalpost), and
    inverted (``1 - …``) when lower is better. Does not depend on the other cases.

    ``reference`` is accepted for a uniform signature and ignored.
    """
    x = np.asarray(values, dtype=float)
    gp = np.asarray(goalposts, dtype=float)
    low, high = gp[:, 0], gp[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.clip((x - low) / (high - low), 0.0, 1.0)
    r = np.where(_higher(directions), r, 1.0 - r)
    ordinal = np.array([t == "ordinal" for t in types], dtype=bool)
    r = np.where(ordinal, x / 4.0, r)
    return np.where(np.isnan(x), np.nan, r)


def minmax(values, *, types, directions, goalposts=None, reference=None) -> np.ndarray:
    """Data-driven min–max: ``(x - min) / (max - min)`` over the reference cases, in [0, 1].

    Inverted when lower is better. Cases outside the reference set are clipped to [0, 1].
    A criterion whose reference values are all equal gets :data:`CONSTANT_VALUE`.
    """
    x = np.asarray(values, dtype=float)
    ref = _reference_rows(x, reference)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN is right
        lo = np.nanmin(ref, axis=0) if ref.shape[0] else np.full(x.shape[1], np.nan)
        hi = np.nanmax(ref, axis=0) if ref.shape[0] else np.full(x.shape[1], np.nan)
    span = hi - lo
    with np.errstate(all="ignore"):
        r = np.clip((x - lo) / span, 0.0, 1.0)
    r = np.where(span > 0, r, CONSTANT_VALUE)
    r = np.where(_higher(directions), r, 1.0 - r)
    return np.where(np.isnan(x), np.nan, r)


def zscore(values, *, types, directions, goalposts=None, reference=None) -> np.ndarray:
    """Data-driven z-score mapped into (0, 1) by the standard normal CDF: ``Φ((x - mean) / sd)``.

    Mean and (population) standard deviation over the reference cases; 0.5 is the reference
    mean, about 0.84 one standard deviation above. The CDF keeps the order and the spacing
    near the mean while giving a bounded scale that the geometric mean and TOPSIS can use.
    Inverted when lower is better; a constant criterion gets :data:`CONSTANT_VALUE`.
    """
    x = np.asarray(values, dtype=float)
    ref = _reference_rows(x, reference)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(ref, axis=0)
        sd = np.nanstd(ref, axis=0)
    with np.errstate(all="ignore"):
        z = (x - mean) / sd
    z = np.where(_higher(directions), z, -z)
    r = np.where(sd > 0, ndtr(z), CONSTANT_VALUE)
    return np.where(np.isnan(x), np.nan, r)


def rank(values, *, types, directions, goalposts=None, reference=None) -> np.ndarray:
    """Data-driven rank normalisation: fractional rank among the reference cases, in [0, 1].

    For a value ``x``: ``(#reference values worse than x + ½ #other reference values equal
    to x) / (n_ref - 1)``, where ``n_ref`` counts reference cases with a value. For a case
    of the reference set this is ``(average rank - 1) / (n_ref - 1)``: 0 for the worst,
    1 for the best, ties share the mean. Cases outside the set are clipped to [0, 1].
    With fewer than two reference values the criterion gets :data:`CONSTANT_VALUE`.
    """
    x = np.asarray(values, dtype=float)
    higher = _higher(directions)
    oriented = np.where(higher, x, -x)
    ref_mask = (np.ones(x.shape[0], dtype=bool) if reference is None
                else np.asarray(reference, dtype=bool))
    ref = oriented[ref_mask]  # (r, m)
    # Pairwise comparison (n, r, m): fine for the tens of cases of a benchmark.
    below = (ref[None, :, :] < oriented[:, None, :]).sum(axis=1)
    equal = (ref[None, :, :] == oriented[:, None, :]).sum(axis=1)
    # A reference case is equal to itself: that comparison is not a tie with another case.
    equal = equal - (ref_mask[:, None] & ~np.isnan(x)).astype(int)
    n_ref = (~np.isnan(ref)).sum(axis=0)
    with np.errstate(all="ignore"):
        r = np.clip((below + 0.5 * equal) / (n_ref - 1), 0.0, 1.0)
    r = np.where(n_ref >= 2, r, CONSTANT_VALUE)
    return np.where(np.isnan(x), np.nan, r)


#: Registry of normalisations, keyed by :data:`benchmark_tools.vocabulary.NORMALISATIONS`.
NORMALISERS: dict[str, Normalisation] = {
    "goalposts": goalposts,
    "minmax": minmax,
    "zscore": zscore,
    "rank": rank,
}



def vector(values, *, directions=None, reference=None) -> np.ndarray:
    """Vector normalisation ``x / ‖x‖`` per column (for the flat TOPSIS of the literature).

    Not oriented (a "lower is better" column keeps its direction; TOPSIS flips its ideal
    instead), hence not in :data:`NORMALISERS`. ``directions`` is ignored.
    """
    x = np.asarray(values, dtype=float)
    ref = _reference_rows(x, reference)
    norm = np.sqrt(np.nansum(ref**2, axis=0))
    return x / norm
