"""Random dimension-weight vectors: multiplicative noise, Dirichlet, uniform simplex, bounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

SCHEMES = ("multiplicative", "dirichlet", "simplex")

# Rejection sampling under bounds: give up after this many candidates per requested draw
# (and at most _MAX_CANDIDATES in all), drawing at most _MAX_BATCH rows at a time to bound
# memory. Structural limits of the algorithm (not modelling choices), hence module constants.
_MAX_CANDIDATES_PER_DRAW = 2000
_MAX_CANDIDATES = 10_000_000
_MAX_BATCH = 262_144


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(seed)


def _as_bounds(bounds, dimension_ids: Sequence[str] | None, d: int) -> np.ndarray | None:
    """Bounds as a ``(D, 2)`` array; a mapping is keyed by dimension id (missing → [0, 1])."""
    if bounds is None:
        return None
    if isinstance(bounds, Mapping):
        if not bounds:
            return None
        if dimension_ids is None:
            raise ValueError(
                "Des bornes données par dimension demandent la liste des dimensions "
                "(argument dimension_ids)."
            )
        unknown = sorted(set(bounds) - set(dimension_ids))
        if unknown:
            raise ValueError(
                f"Bornes pour des dimensions inconnues : {', '.join(unknown)} "
                f"(attendu : {', '.join(dimension_ids)})."
            )
        b = np.tile([0.0, 1.0], (d, 1))
        for j, dim in enumerate(dimension_ids):
            if dim in bounds:
                b[j] = bounds[dim]
        return b
    b = np.asarray(bounds, dtype=float)
    if b.shape != (d, 2):
        raise ValueError(f"Les bornes doivent former un tableau ({d}, 2) ; trouvé : {b.shape}.")
    return b


def _normalised(nominal) -> np.ndarray:
    w = np.asarray(nominal, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("Les poids nominaux doivent former un vecteur non vide.")
    if np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("Les poids nominaux doivent être positifs ou nuls, et pas tous nuls.")
    return w / w.sum()


def _support_range(w: np.ndarray, scheme: str, f: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest normalised weight each dimension can take under a scheme."""
    d = w.size
    if scheme == "simplex":
        return np.zeros(d), np.ones(d)
    pos = w > 0
    if scheme == "dirichlet":
        # Every point of the face spanned by the positive weights has positive density.
        return np.zeros(d), np.where(pos, 1.0, 0.0)
    # multiplicative: weight j is largest when it gets (1 + f) and all others (1 - f).
    lo_m, hi_m = 1.0 - f, 1.0 + f
    total = w.sum()
    rest = total - w
    wmax = w * hi_m / (w * hi_m + rest * lo_m)
    wmin = w * lo_m / (w * lo_m + rest * hi_m)
    return np.where(pos, wmin, 0.0), np.where(pos, wmax, 0.0)


def _raw_draws(
    w: np.ndarray,
    n: int,
    scheme: str,
    rng: np.random.Generator,
    noise_factor: float | None,
    concentration: float | None,
) -> np.ndarray:
    d = w.size
    if scheme == "multiplicative":
        u = rng.uniform(1.0 - noise_factor, 1.0 + noise_factor, size=(n, d))
        out = w * u
    elif scheme == "dirichlet":
        pos = np.flatnonzero(w > 0)
        out = np.zeros((n, d))
        # numpy's Dirichlet needs alpha > 0: zero-weight dimensions stay at 0.
        out[:, pos] = rng.dirichlet(concentration * w[pos], size=n)
    elif scheme == "simplex":
        out = rng.dirichlet(np.ones(d), size=n)
    else:  # pragma: no cover - checked by the caller
        raise AssertionError(scheme)
    return out / out.sum(axis=1, keepdims=True)


def draw_weights(
    nominal,
    n: int,
    scheme: str,
    rng_seed=None,
    noise_factor: float | None = None,
    concentration: float | None = None,
    bounds=None,
    *,
    dimension_ids: Sequence[str] | None = None,
) -> np.ndarray:
    """Random dimension-weight vectors around (or regardless of) the nominal weights.

    Parameters
    ----------
    nominal : array_like, shape (D,)
        Nominal weights (positive or zero, normalised here).
    n : int
        Number of vectors to draw.
    scheme : {"multiplicative", "dirichlet", "simplex"}
        - ``"multiplicative"`` (COINr's ``get_noisy_weights``): each weight is multiplied by
          an independent ``U(1 - f, 1 + f)`` factor, then the vector is renormalised; a zero
          weight stays zero.
        - ``"dirichlet"``: Dirichlet with parameters ``concentration × nominal``: its mean is
          the nominal vector and the spread shrinks as the concentration grows (variance of
          weight j = w_j (1 − w_j) / (c + 1)); a zero weight stays zero.
        - ``"simplex"``: uniform on the whole simplex of the D dimensions (SMAA's "no weight
          information"), whatever the nominal weights, zeros included.
    rng_seed : int, Generator or None
        Seed for :func:`numpy.random.default_rng`.
    noise_factor : float
        ``f`` in ``[0, 1)``, required by ``"multiplicative"`` (settings: ``robustness.noise_factor``).
    concentration : float
        ``c > 0``, required by ``"dirichlet"`` (settings: ``robustness.dirichlet_concentration``).
    bounds : array_like (D, 2) or mapping {dimension_id: (lo, hi)}, optional
        Bounds on the *normalised* weights. Draws outside are rejected and redrawn. A mapping
        needs ``dimension_ids``; unlisted dimensions are unbounded.
    dimension_ids : sequence of str, optional
        Dimension ids in the order of ``nominal`` (for mapping bounds and messages).

    Returns
    -------
    ndarray, shape (n, D)
        Rows sum to 1.

    Raises
    ------
    ValueError
        Unknown scheme, missing parameter, or bounds that no draw of the scheme can satisfy
        (checked analytically first, then by the rejection rate), with a French message.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"Schéma de tirage inconnu : {scheme!r} (attendu : {', '.join(SCHEMES)}).")
    w = _normalised(nominal)
    d = w.size
    n = int(n)
    if n < 0:
        raise ValueError("Le nombre de tirages doit être positif.")
    _check_scheme_parameters(scheme, noise_factor, concentration)
    rng = _rng(rng_seed)
    b = _as_bounds(bounds, dimension_ids, d)
    if b is None:
        return _raw_draws(w, n, scheme, rng, noise_factor, concentration)
    names = list(dimension_ids) if dimension_ids is not None else [f"n°{j + 1}" for j in range(d)]
    lo, hi = b[:, 0], b[:, 1]
    _check_bounds(w, lo, hi, scheme, noise_factor, names)
    return _rejection_sample(w, n, scheme, rng, noise_factor, concentration, lo, hi)


def _check_scheme_parameters(scheme: str, noise_factor: float | None, concentration: float | None) -> None:
    """The parameter each scheme needs is given and in range (French message otherwise)."""
    if scheme == "multiplicative":
        if noise_factor is None or not 0 <= noise_factor < 1:
            raise ValueError(
                "Le schéma « multiplicative » demande un facteur de bruit f dans [0, 1) "
                f"(trouvé : {noise_factor!r})."
            )
    if scheme == "dirichlet":
        if concentration is None or not concentration > 0:
            raise ValueError(
                "Le schéma « dirichlet » demande une concentration strictement positive "
                f"(trouvé : {concentration!r})."
            )


def _check_bounds(w: np.ndarray, lo: np.ndarray, hi: np.ndarray, scheme: str, noise_factor: float | None,
                  names: list[str]) -> None:
    """Bounds that are valid, can be met together, and that the scheme's draws can reach."""
    bad = np.flatnonzero(~np.isfinite(lo) | ~np.isfinite(hi) | (lo > hi) | (lo < 0) | (hi > 1))
    if bad.size:
        raise ValueError(
            "Bornes de poids invalides (attendu : 0 ≤ bas ≤ haut ≤ 1) pour : "
            + ", ".join(f"{names[j]} [{lo[j]:g}, {hi[j]:g}]" for j in bad)
            + "."
        )
    if lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
        raise ValueError(
            "Bornes de poids impossibles à respecter : la somme des bornes basses "
            f"({lo.sum():.3g}) doit être ≤ 1 et celle des bornes hautes ({hi.sum():.3g}) ≥ 1."
        )
    smin, smax = _support_range(w, scheme, noise_factor)
    out_of_reach = np.flatnonzero((lo > smax + 1e-12) | (hi < smin - 1e-12))
    if out_of_reach.size:
        raise ValueError(
            f"Bornes de poids hors d'atteinte du schéma « {scheme} » : "
            + ", ".join(
                f"{names[j]} borné à [{lo[j]:g}, {hi[j]:g}] mais tiré dans "
                f"[{smin[j]:.3g}, {smax[j]:.3g}]"
                for j in out_of_reach
            )
            + "."
        )


def _rejection_sample(w: np.ndarray, n: int, scheme: str, rng: np.random.Generator, noise_factor: float | None,
                      concentration: float | None, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``n`` draws of the scheme inside the bounds, by rejection, in batches."""
    accepted: list[np.ndarray] = []
    n_ok = 0
    n_tried = 0
    limit = min(max(n, 1) * _MAX_CANDIDATES_PER_DRAW, _MAX_CANDIDATES)
    rate = 1.0
    while n_ok < n:
        # Batch size from the acceptance rate seen so far, so that usually one or two
        # batches suffice; never a Python loop over single draws.
        want = max(1024, 1.2 * (n - n_ok) / max(rate, 1e-6))
        batch = int(min(limit - n_tried, _MAX_BATCH, want))
        if batch <= 0:
            raise ValueError(
                f"Bornes de poids trop étroites pour le schéma « {scheme} » : "
                f"{n_ok} tirage(s) acceptable(s) sur {n_tried} essais pour {n} demandés (taux "
                f"{n_ok / max(n_tried, 1):.2e}). Élargir les bornes ou le bruit."
            )
        cand = _raw_draws(w, batch, scheme, rng, noise_factor, concentration)
        ok = np.all((cand >= lo - 1e-12) & (cand <= hi + 1e-12), axis=1)
        accepted.append(cand[ok])
        n_ok += int(ok.sum())
        n_tried += batch
        rate = n_ok / n_tried
    return np.concatenate(accepted, axis=0)[:n]
