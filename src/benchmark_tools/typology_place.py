"""Placement of candidate designs on a fitted typology: their profiles, imputed without entering the fit."""

from __future__ import annotations

import pandas as pd


def impute_design_profiles(filled: pd.DataFrame, family: pd.Series, family_all: pd.Series,
                           design_profiles: pd.DataFrame | None, design_names: pd.Series | None,
                           design_short: pd.Series | None) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Profiles, names and short names of the designs to place (empty when none).

    Parameters
    ----------
    filled : DataFrame
        Imputed profiles of the retained cases (the fit).
    family : Series
        Family of each retained case.
    family_all : Series
        Family of every case and design given to the fit.
    design_profiles : DataFrame, optional
        Raw profiles of the designs; a missing cell takes the mean of the retained cases of the
        design's family, or of all retained cases, so that a design never changes the fit.
    design_names, design_short : Series, optional
        Default: the design ids.
    """
    if design_profiles is None or not len(design_profiles):
        return (pd.DataFrame(columns=filled.columns, dtype=float), pd.Series(dtype=object),
                pd.Series(dtype=object))
    dp = design_profiles.astype(float)[list(filled.columns)].copy()
    overall = filled.mean(axis=0)
    for d in dp.index:
        fam = family_all.get(d) if d in family_all.index else None
        ref = filled[family == fam].mean(axis=0) if fam is not None else overall
        dp.loc[d] = dp.loc[d].fillna(ref.fillna(overall))
    dn = design_names if design_names is not None else pd.Series(dp.index, index=dp.index)
    ds = design_short if design_short is not None else dn
    return dp, dn, ds
