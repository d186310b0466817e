"""Stability and agreement in words: stable/fragile labels, Kendall bands, negligible Sobol indices."""

from __future__ import annotations

import numpy as np

from .formats import fmt_pct


def _stability_labels(
    nominal_ranks: np.ndarray,
    ranks: np.ndarray,
    p_top_k: np.ndarray,
    top_k: int,
    threshold: float,
    tolerance: int,
    reference_word: str = "nominal",
) -> tuple[list[str], list[str]]:
    """Stable/fragile labels with the reason in French words.

    ``nominal_ranks`` is the rank the draws are compared with (``reference_word`` names it in
    the reason: "nominal", or "médian" for the joint Monte Carlo); 0 = not ranked.
    """
    k = ranks.shape[0]
    within = (np.abs(ranks - nominal_ranks) <= tolerance) & (ranks > 0)
    p_within = within.sum(axis=0) / k
    labels, reasons = [], []
    seuil = fmt_pct(threshold)
    for i, r0 in enumerate(nominal_ranks):
        if r0 == 0:
            labels.append("exclu")
            reasons.append(f"non classé au scénario {reference_word}" if reference_word == "nominal"
                           else "jamais classé dans les tirages")
            continue
        if r0 <= top_k:
            p = p_top_k[i]
            what = f"reste parmi les {top_k} premiers dans {fmt_pct(p)} des tirages"
        else:
            p = p_within[i]
            ecart = "garde son rang" if tolerance == 0 else f"reste à ±{tolerance} rang(s) de son rang"
            what = f"{ecart} {reference_word} ({int(r0)}) dans {fmt_pct(p)} des tirages"
        stable = p >= threshold
        labels.append("stable" if stable else "fragile")
        reasons.append(f"{what} ({'≥' if stable else '<'} seuil de {seuil})")
    return labels, reasons


def agreement_change_word(tau: float, robustness_settings) -> str:
    """How much a ranking changes, in one French adverb, from Kendall's tau with the reference.

    Parameters
    ----------
    tau : float
        Kendall's tau-b between the changed ranking and the reference one.
    robustness_settings : RobustnessSettings
        ``kendall_strong_change_below`` and ``kendall_some_change_below`` are the bands.

    Returns
    -------
    str
        « fortement » below the first band, « sensiblement » below the second, « peu » above.
    """
    rs = robustness_settings
    if tau < rs.kendall_strong_change_below:
        return "fortement"
    return "sensiblement" if tau < rs.kendall_some_change_below else "peu"


def sobol_negligible(sobol, robustness_settings) -> bool:
    """Whether no tested choice moves the ranking: every total Sobol index at or below the cut-off.

    ``robustness_settings.sobol_negligible_total`` is the cut-off; the report then says the indices
    are nil instead of naming the choice that moves the ranking most, and draws no Sobol chart.
    """
    return bool(float(np.nanmax(sobol.ST)) <= robustness_settings.sobol_negligible_total)
