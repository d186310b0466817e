"""Charts of the report: dimension profiles, rank intervals, acceptability, Sobol indices, coverage, typology.

Each function returns a matplotlib Figure (nothing is shown or saved here); the notebooks
display them, as SVG, so that the HTML and the PDF stay sharp.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402

from .errors import InputError
from .matrix import Status
from .typology import TypologyResult, plot_label

TEAL = "#0b7a75"
NAVY = "#0b3d5c"
ORANGE = "#c77700"
GREY = "#9aa8b4"
CMAP = LinearSegmentedColormap.from_list("rapport", ["#f4f1e8", "#9fd3c7", "#0b7a75", "#0b3d5c"])

# Legibility of the charts (drawing choices, not thresholds of the method):
#: A score grid cell above this value is dark enough to take white text.
DARK_CELL_SCORE = 0.6
#: The acceptability chart leaves out cases whose first ranks add up to at most this share.
MIN_ACCEPTABILITY_SHOWN = 0.005
#: A bar segment of the acceptability chart narrower than this share carries no percentage.
MIN_LABELLED_SHARE = 0.08


def _short(name: str, width: int = 38) -> str:
    return textwrap.shorten(name, width=width, placeholder="…")


def style() -> None:
    """House style for every figure (fonts, sizes, no top/right spines)."""
    plt.rcParams.update({
        "font.family": "DejaVu Sans", "font.size": 8.5, "axes.titlesize": 10, "axes.labelsize": 8.5,
        "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100,
        "svg.fonttype": "path", "axes.titleweight": "bold", "axes.titlecolor": NAVY,
        # Labels are names from the data: a "$" is a dollar sign, never the start of a formula.
        "text.parse_math": False,
    })


def _score_grid(ax, values, xlabels, ylabels):
    """Draw a 0–1 score grid with each value written in its cell ("—" where missing)."""
    cmap = CMAP.with_extremes(bad="#e6e9ec")
    im = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=0, vmax=1)
    ax.set_xticks(range(len(xlabels)), xlabels, fontsize=7.5, rotation=35, ha="left", rotation_mode="anchor")
    ax.set_yticks(range(len(ylabels)), ylabels, fontsize=7.5)
    ax.xaxis.tick_top()
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            ax.text(j, i, "—" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                    color="white" if (not np.isnan(v) and v > DARK_CELL_SCORE) else "#1d2733")
    ax.spines[:].set_visible(False)
    return im


def dimension_heatmap(result, labels: dict[str, str] | None = None, title: str | None = None,
                      names: dict[str, str] | None = None):
    """Cases × dimensions heatmap of the dimension scores (ranked cases first, missing in grey).

    Parameters
    ----------
    result : scoring.ScoreResult
    labels : dict, optional
        Dimension id → French label.
    """
    style()
    df = result.to_dataframe()
    m = result.matrix
    dims = list(m.dimension_ids)
    dim_labels = [(labels or {}).get(d, d) for d in dims]
    order = [m.case_ids.index(cid) for cid in df.index]
    values = result.dimension_scores[order]
    names_ = names or {}
    names = [_short(names_.get(m.case_ids[i], m.case_names[i])) + ("" if result.ranked[i] else " *") for i in order]
    fig, ax = plt.subplots(figsize=(7.2, 0.28 * len(names) + 1.6))
    im = _score_grid(ax, values, dim_labels, names)
    cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cb.set_label("score de dimension (0 à 1)")
    if title:
        ax.set_title(title, pad=28)
    fig.text(0.01, 0.005, "* cas montré à part (couverture insuffisante) ; — : aucune valeur dans la dimension",
             fontsize=7, color="#4a5866")
    fig.tight_layout()
    return fig


def rank_interval_plot(analysis, highlight: list[str] | None = None, title: str | None = None,
                       names: dict[str, str] | None = None):
    """Rank intervals (5–95 %) from the Monte Carlo, median and nominal rank, one line per ranked case."""
    style()
    mc = analysis.monte_carlo
    r = analysis.result
    idx = [i for i in np.argsort(np.where(r.ranked, r.ranks, 10**6), kind="stable") if r.ranked[i]]
    names = [_short((names or {}).get(r.matrix.case_ids[i], r.matrix.case_names[i])) for i in idx]
    fig, ax = plt.subplots(figsize=(7.2, 0.32 * len(idx) + 1.2))
    hl = set(highlight or [])
    for y, i in enumerate(idx):
        color = ORANGE if r.matrix.case_ids[i] in hl else TEAL
        ax.plot([mc.rank_p05[i], mc.rank_p95[i]], [y, y], color=color, lw=4, alpha=0.35, solid_capstyle="round")
        ax.plot(mc.median_rank[i], y, "o", color=color, ms=5)
        ax.plot(r.ranks[i], y, "|", color=NAVY, ms=10, mew=2)
    ax.set_yticks(range(len(idx)), names)
    ax.invert_yaxis()
    n = len(idx)
    ax.set_xlim(0.5, max(n, 2) + 0.5)
    ax.set_xticks(range(1, n + 1))
    ax.set_xlabel("rang (1 = meilleur)")
    ax.grid(axis="x", color="#e6e9ec", lw=0.6)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left")
    ax.plot([], [], color=TEAL, lw=4, alpha=0.35, label="intervalle 5–95 % des tirages")
    ax.plot([], [], "o", color=TEAL, ms=5, label="rang médian")
    ax.plot([], [], "|", color=NAVY, ms=10, mew=2, label="rang avec les poids du profil")
    if hl:
        ax.plot([], [], "o", color=ORANGE, ms=5, label="dispositif de Rennes Métropole")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0 if not title else 1.06), ncol=2, frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def acceptability_bars(analysis, max_rank: int = 3, title: str | None = None, names: dict[str, str] | None = None):
    """Stacked bars of the rank acceptability b1…b_max_rank (SMAA) for the cases that reach them."""
    style()
    s = analysis.smaa
    r = analysis.result
    acc = s.acceptability[:, :max_rank]
    keep = [i for i in np.argsort(-acc.sum(axis=1), kind="stable") if acc[i].sum() > MIN_ACCEPTABILITY_SHOWN]
    fig, ax = plt.subplots(figsize=(7.2, 0.3 * max(len(keep), 1) + 1.2))
    left = np.zeros(len(keep))
    colors = [NAVY, TEAL, "#7cc4b5", "#cfe9e2", "#eef6f3"]
    for k in range(acc.shape[1]):
        vals = acc[keep, k]
        ax.barh(range(len(keep)), vals, left=left, color=colors[k % len(colors)], label=f"rang {k + 1}")
        for y, (lft, v) in enumerate(zip(left, vals, strict=False)):
            if v >= MIN_LABELLED_SHARE:
                ax.text(lft + v / 2, y, f"{100 * v:.0f} %", ha="center", va="center", fontsize=6.5,
                        color="white" if k < 2 else "#1d2733")
        left += vals
    ax.set_yticks(range(len(keep)), [_short((names or {}).get(r.matrix.case_ids[i], r.matrix.case_names[i])) for i in keep])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("part des pondérations plausibles")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(ncol=max_rank, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=7)
    if title:
        ax.set_title(title, loc="left", pad=18)
    fig.tight_layout()
    return fig


def sobol_bars(sobol, title: str | None = None):
    """First-order and total Sobol indices (robustness.SobolResult) with their confidence intervals."""
    style()
    order = np.argsort(-np.asarray(sobol.ST, dtype=float), kind="stable")
    names = [textwrap.shorten(str(sobol.labels[i]), 30, placeholder="…") for i in order]
    st = np.asarray(sobol.ST, dtype=float)[order]
    s1 = np.asarray(sobol.S1, dtype=float)[order]
    err = np.asarray(sobol.ST_conf, dtype=float)[order]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7.2, 0.3 * len(names) + 1.2))
    ax.barh(y - 0.18, np.clip(st, 0, None), height=0.34, color=TEAL, label="indice total (ST)", xerr=err,
            error_kw={"ecolor": GREY, "lw": 0.8})
    ax.barh(y + 0.18, np.clip(s1, 0, None), height=0.34, color="#9fd3c7", label="premier ordre (S1)")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("part de la variance du décalage moyen des rangs")
    ax.legend(frameon=False, loc="lower right", fontsize=7)
    if title:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def coverage_map(matrix, codes: list[str] | None = None, title: str | None = None, names: dict[str, str] | None = None):
    """Which criteria have a value for each case: value / missing / not applicable."""
    style()

    st = np.asarray(matrix.status)
    code = np.select([st == Status.VALUE, st == Status.MISSING], [2, 1], 0)
    fig, ax = plt.subplots(figsize=(7.4, 0.24 * matrix.n_cases + 1.6))
    cmap = matplotlib.colors.ListedColormap(["#ffffff", "#f3d9c1", TEAL])
    ax.imshow(code, aspect="auto", cmap=cmap, vmin=0, vmax=2, interpolation="nearest")
    ax.set_yticks(range(matrix.n_cases), [_short((names or {}).get(cid, n), 34) for cid, n in zip(matrix.case_ids, matrix.case_names, strict=False)], fontsize=7)
    codes = list(codes or matrix.criterion_ids)
    ax.set_xticks(range(matrix.n_criteria), codes, rotation=90, fontsize=6.5)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(-0.5, matrix.n_criteria, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, matrix.n_cases, 1), minor=True)
    ax.grid(which="minor", color="#e6e9ec", lw=0.5)
    ax.tick_params(which="minor", length=0)
    handles = [matplotlib.patches.Patch(color=TEAL, label="valeur sourcée"),
               matplotlib.patches.Patch(color="#f3d9c1", label="manquant (pas de preuve publique)"),
               matplotlib.patches.Patch(facecolor="#ffffff", edgecolor=GREY, label="sans objet pour la famille")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3, frameon=False, fontsize=7)
    if title:
        ax.set_title(title, loc="left", pad=40)
    fig.tight_layout()
    return fig


def profile_heatmap(df, title: str | None = None):
    """Rows × dimensions heatmap of dimension scores (0 to 1), missing cells in grey."""
    style()
    values = df.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(7.2, 0.34 * len(df) + 1.8))
    im = _score_grid(ax, values, list(df.columns), [textwrap.shorten(str(i), 60, placeholder="…") for i in df.index])
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02).set_label("score de dimension (0 à 1)")
    if title:
        ax.set_title(title, pad=28)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- typology

#: Longest label drawn next to a point of the map (longer ones are cut with « … »).
MAP_LABEL_CHARS = 34


def pca_figure(result: TypologyResult, components: tuple[int, int] = (0, 1), ax=None,
               label_points: bool = True):
    """Map of the cases on two principal components, coloured by cluster.

    Rennes cases are drawn larger with a black edge and a bold label; placed candidate
    designs are stars. Returns the matplotlib Figure.
    """
    coords = result.pca.coordinates
    q = coords.shape[1]
    a, b = components
    if max(a, b) >= q:
        raise InputError(f"Composante demandée absente : seulement {q} composante(s).")
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 7.5))
    else:
        fig = ax.figure
    cmap = plt.get_cmap("tab10")
    for c in result.clusters:
        pts = coords.loc[c.members]
        base = result.baseline.loc[c.members].to_numpy(dtype=bool)
        color = cmap(c.number % 10)
        ax.scatter(pts.iloc[~base, a], pts.iloc[~base, b], s=40, color=color, alpha=0.85,
                   label=f"{c.number + 1}. {c.name} ({c.size})")
        if base.any():
            ax.scatter(pts.iloc[base, a], pts.iloc[base, b], s=110, color=color,
                       edgecolors="black", linewidths=1.6, zorder=3)
    if label_points:
        for cid in coords.index:
            bold = bool(result.baseline[cid])
            ax.annotate(plot_label(result.short[cid], MAP_LABEL_CHARS), (coords.loc[cid].iloc[a], coords.loc[cid].iloc[b]),
                        fontsize=6.5, fontweight="bold" if bold else "normal",
                        xytext=(3, 3), textcoords="offset points")
    if len(result.design_profiles):
        dc = result.pca.transform(result.design_profiles.to_numpy(dtype=float))
        ax.scatter(dc[:, a], dc[:, b], marker="*", s=260, color="black", edgecolors="white",
                   linewidths=0.8, zorder=4, label="Dispositif candidat")
        for j, d in enumerate(result.design_profiles.index):
            ax.annotate(plot_label(result.design_short.get(d, d), MAP_LABEL_CHARS), (dc[j, a], dc[j, b]), fontsize=6.5,
                        fontstyle="italic", xytext=(4, -8), textcoords="offset points")
    ax.scatter([], [], s=110, facecolors="none", edgecolors="black", linewidths=1.6,
               label="Dispositif rennais")
    evr = result.pca.explained_variance_ratio
    ax.set_xlabel(f"Composante {a + 1} ({100 * evr[a]:.0f} % de la variance)")
    ax.set_ylabel(f"Composante {b + 1} ({100 * evr[b]:.0f} % de la variance)")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_title("Typologie des cas : carte des composantes principales")
    ax.legend(fontsize=7, loc="best", frameon=False)
    fig.tight_layout()
    return fig


def loadings_figure(result: TypologyResult, components: tuple[int, int] = (0, 1), ax=None):
    """Correlation-circle-like plot of the feature loadings on two components."""
    a, b = components
    load = result.pca.loadings
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 6))
    else:
        fig = ax.figure
    for i, fid in enumerate(result.profiles.columns):
        x, y = load.iloc[i, a], load.iloc[i, b]
        ax.arrow(0, 0, x, y, head_width=0.02, color="0.3", length_includes_head=True)
        ax.annotate(result.feature_labels.get(fid, fid), (x, y), fontsize=7)
    lim = max(1e-9, float(np.abs(load.iloc[:, [a, b]].to_numpy()).max())) * 1.2
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel(f"Composante {a + 1}")
    ax.set_ylabel(f"Composante {b + 1}")
    ax.set_title("Contribution des caractéristiques aux composantes")
    fig.tight_layout()
    return fig


def dendrogram_figure(result: TypologyResult, ax=None):
    """Ward dendrogram of the retained cases (labels: short names)."""
    # scipy's clustering is only needed for this figure: imported when it is drawn.
    from scipy.cluster.hierarchy import dendrogram, linkage

    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 5))
    else:
        fig = ax.figure
    z = linkage(result.profiles.to_numpy(dtype=float), method="ward")
    dendrogram(z, labels=[plot_label(result.short[c]) for c in result.profiles.index], ax=ax, leaf_font_size=7,
               leaf_rotation=90)
    ax.set_ylabel("Distance de Ward")
    ax.set_title("Classification ascendante hiérarchique (Ward)")
    fig.tight_layout()
    return fig
