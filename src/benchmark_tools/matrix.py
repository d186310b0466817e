"""The decision matrix: cases × criteria of one family, with what each cell means.

A :class:`DecisionMatrix` is the single object the scoring engine works on. It is
immutable (a frozen dataclass holding read-only numpy arrays): a variant is made with
:meth:`DecisionMatrix.replace`, never by editing in place, so a score can always be traced
back to the exact matrix it came from (the design of scikit-criteria's ``DecisionMatrix``).

Each cell has a *status* besides its value, because "no evidence" and "does not apply"
are different things and must not be confused with a score of zero:

- ``VALUE`` — a value was recorded;
- ``MISSING`` — the criterion applies to the family but no source gave a value;
- ``NOT_APPLICABLE`` — the criterion does not apply to the family (e.g. a turnout rate
  for a fonds de concours).

Both non-values are ``NaN`` in :attr:`DecisionMatrix.values`; only :attr:`status`
tells them apart. Coverage (the share of applicable criteria with a value) counts
``MISSING`` against a case and ignores ``NOT_APPLICABLE``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from dataclasses import replace as _dc_replace
from enum import IntEnum
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from benchmark_tools.errors import InputError

from .cases import criterion_values


class Status(IntEnum):
    """Status code of one cell of the matrix."""

    VALUE = 0
    MISSING = 1
    NOT_APPLICABLE = 2


VALUE = Status.VALUE
MISSING = Status.MISSING
NOT_APPLICABLE = Status.NOT_APPLICABLE

CRITERION_TYPES = ("ordinal", "numeric")
DIRECTIONS = ("higher", "lower")
#: Goalposts of ordinal criteria: the levels 0–4 of the grids.
ORDINAL_GOALPOSTS = (0.0, 4.0)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class DecisionMatrix:
    """Cases × criteria of one family of schemes, with statuses, directions and goalposts.

    Build it with :meth:`from_cases` (from the loaded case files) or :meth:`from_arrays`
    (synthetic data, tests). Rankings are computed within one matrix, hence within one
    family.

    Attributes
    ----------
    case_ids, case_names : tuple of str, length n
    criterion_ids : tuple of str, length m
    dimension_of : Mapping[str, str]
        Dimension of each criterion (read-only mapping).
    dimension_ids : tuple of str, length D
        Dimensions in catalogue order; every dimension of :attr:`dimension_of` is listed.
    values : ndarray, shape (n, m)
        Raw values in the criterion's unit (ordinal levels 0–4); ``NaN`` where there is no
        value (missing or not applicable). Read-only.
    types : tuple of str, length m
        ``"ordinal"`` or ``"numeric"``.
    directions : tuple of str, length m
        ``"higher"`` (more is better) or ``"lower"``.
    goalposts : ndarray, shape (m, 2)
        Fixed bounds ``(low, high)`` in the unit, for this family. ``NaN`` when unknown.
    status : ndarray of int8, shape (n, m)
        :class:`Status` codes.
    family : str
    criterion_labels, dimension_labels : tuple of str
        French labels used in tables (default: the identifiers).
    """

    case_ids: tuple[str, ...]
    case_names: tuple[str, ...]
    criterion_ids: tuple[str, ...]
    dimension_of: Mapping[str, str]
    dimension_ids: tuple[str, ...]
    values: np.ndarray
    types: tuple[str, ...]
    directions: tuple[str, ...]
    goalposts: np.ndarray
    status: np.ndarray
    family: str
    criterion_labels: tuple[str, ...] = ()
    dimension_labels: tuple[str, ...] = ()
    _dimension_index: np.ndarray = field(init=False, repr=False)

    # ------------------------------------------------------------------ construction
    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "case_ids", tuple(str(c) for c in self.case_ids))
        set_(self, "case_names", tuple(str(c) for c in self.case_names))
        set_(self, "criterion_ids", tuple(str(c) for c in self.criterion_ids))
        set_(self, "dimension_ids", tuple(str(d) for d in self.dimension_ids))
        set_(self, "types", tuple(self.types))
        set_(self, "directions", tuple(self.directions))
        set_(self, "dimension_of", MappingProxyType(dict(self.dimension_of)))
        n, m = len(self.case_ids), len(self.criterion_ids)

        def fail(msg: str) -> None:
            raise InputError(f"Matrice de décision ({self.family}) : {msg}")

        if len(set(self.case_ids)) != n:
            fail("identifiants de cas en double.")
        if len(set(self.criterion_ids)) != m:
            fail("identifiants de critères en double.")
        if len(self.case_names) != n:
            fail(f"{len(self.case_names)} noms pour {n} cas.")
        values = np.asarray(self.values, dtype=float)
        status = np.asarray(self.status)
        if values.shape != (n, m):
            fail(f"valeurs de forme {values.shape}, attendu ({n}, {m}).")
        if status.shape != (n, m):
            fail(f"statuts de forme {status.shape}, attendu ({n}, {m}).")
        if not np.isin(status, [int(s) for s in Status]).all():
            fail("codes de statut inconnus (attendu : 0 valeur, 1 manquant, 2 sans objet).")
        status = status.astype(np.int8)
        has_value = status == VALUE
        if not np.isfinite(values[has_value]).all():
            fail("une cellule marquée « valeur » n'a pas de valeur finie.")
        # Non-values are NaN whatever was passed, so no stray number can leak into a score.
        values = np.where(has_value, values, np.nan)
        if len(self.types) != m or any(t not in CRITERION_TYPES for t in self.types):
            fail(f"types de critères attendus parmi {CRITERION_TYPES}, un par critère.")
        if len(self.directions) != m or any(d not in DIRECTIONS for d in self.directions):
            fail(f"sens des critères attendus parmi {DIRECTIONS}, un par critère.")
        goalposts = np.asarray(self.goalposts, dtype=float)
        if goalposts.shape != (m, 2):
            fail(f"bornes de forme {goalposts.shape}, attendu ({m}, 2).")
        known = np.isfinite(goalposts).all(axis=1)
        if (goalposts[known, 1] <= goalposts[known, 0]).any():
            bad = [self.criterion_ids[j] for j in np.flatnonzero(known & (goalposts[:, 1] <= goalposts[:, 0]))]
            fail(f"bornes (bas, haut) non croissantes pour {', '.join(bad)}.")
        missing_dim = [c for c in self.criterion_ids if c not in self.dimension_of]
        if missing_dim:
            fail(f"dimension inconnue pour les critères {', '.join(missing_dim)}.")
        unknown = sorted({self.dimension_of[c] for c in self.criterion_ids} - set(self.dimension_ids))
        if unknown:
            fail(f"dimensions {', '.join(unknown)} absentes de la liste des dimensions.")
        if not self.criterion_labels:
            set_(self, "criterion_labels", self.criterion_ids)
        if not self.dimension_labels:
            set_(self, "dimension_labels", self.dimension_ids)
        set_(self, "criterion_labels", tuple(self.criterion_labels))
        set_(self, "dimension_labels", tuple(self.dimension_labels))
        if len(self.criterion_labels) != m or len(self.dimension_labels) != len(self.dimension_ids):
            fail("nombre de libellés différent du nombre de critères ou de dimensions.")
        set_(self, "values", _readonly(values))
        set_(self, "status", _readonly(status))
        set_(self, "goalposts", _readonly(goalposts))
        dim_pos = {d: k for k, d in enumerate(self.dimension_ids)}
        set_(self, "_dimension_index",
             _readonly(np.array([dim_pos[self.dimension_of[c]] for c in self.criterion_ids], dtype=int)))

    @classmethod
    def from_arrays(
        cls,
        values: Any,
        *,
        case_ids: Sequence[str] | None = None,
        criterion_ids: Sequence[str] | None = None,
        dimension_of: Mapping[str, str] | Sequence[str] | None = None,
        dimension_ids: Sequence[str] | None = None,
        status: Any = None,
        types: Sequence[str] | str = "numeric",
        directions: Sequence[str] | str = "higher",
        goalposts: Any = None,
        family: str = "synthetique",
        case_names: Sequence[str] | None = None,
        criterion_labels: Sequence[str] = (),
        dimension_labels: Sequence[str] = (),
    ) -> DecisionMatrix:
        """Build a matrix from plain arrays (synthetic data, tests, notebooks).

        Parameters
        ----------
        values : array-like, shape (n, m)
            Raw values; ``NaN`` (or None) where there is no value.
        case_ids, criterion_ids : sequence of str, optional
            Default ``c0, c1, …`` and ``k0, k1, …``.
        dimension_of : mapping criterion → dimension, or sequence aligned with criteria
            Default: every criterion in its own dimension ``d_<criterion>``.
        dimension_ids : sequence of str, optional
            Default: dimensions in order of first appearance.
        status : array-like of int, shape (n, m), optional
            Default: ``VALUE`` where the value is finite, ``MISSING`` elsewhere.
        types, directions : str or sequence of str
            One per criterion, or one for all.
        goalposts : array-like, shape (m, 2), optional
            Default: ``(0, 4)`` for ordinal criteria and ``(0, 1)`` for numeric ones,
            which suits synthetic values already in [0, 1].
        family : str
        case_names : sequence of str, optional
            Default: the identifiers.
        """
        x = np.array(values, dtype=float)
        if x.ndim != 2:
            raise InputError(f"Matrice de décision : tableau à 2 dimensions attendu, reçu {x.ndim}.")
        n, m = x.shape
        case_ids = tuple(case_ids) if case_ids is not None else tuple(f"c{i}" for i in range(n))
        criterion_ids = (tuple(criterion_ids) if criterion_ids is not None
                         else tuple(f"k{j}" for j in range(m)))
        if dimension_of is None:
            dimension_of = {c: f"d_{c}" for c in criterion_ids}
        elif not isinstance(dimension_of, Mapping):
            dims = list(dimension_of)
            if len(dims) != m:
                raise InputError(f"Matrice de décision : {len(dims)} dimensions pour {m} critères.")
            dimension_of = dict(zip(criterion_ids, dims, strict=True))
        if dimension_ids is None:
            dimension_ids = tuple(dict.fromkeys(dimension_of[c] for c in criterion_ids if c in dimension_of))
        types = (types,) * m if isinstance(types, str) else tuple(types)
        directions = (directions,) * m if isinstance(directions, str) else tuple(directions)
        if status is None:
            status = np.where(np.isfinite(x), VALUE, MISSING)
        if goalposts is None:
            goalposts = [ORDINAL_GOALPOSTS if t == "ordinal" else (0.0, 1.0) for t in types]
        return cls(
            case_ids=case_ids,
            case_names=tuple(case_names) if case_names is not None else case_ids,
            criterion_ids=criterion_ids,
            dimension_of=dimension_of,
            dimension_ids=tuple(dimension_ids),
            values=x,
            types=types,
            directions=directions,
            goalposts=np.asarray(goalposts, dtype=float),
            status=np.asarray(status),
            family=family,
            criterion_labels=tuple(criterion_labels),
            dimension_labels=tuple(dimension_labels),
        )

    @classmethod
    def from_cases(cls, cases, catalogue, family: str, families=None) -> DecisionMatrix:
        """Build the matrix of one family from loaded cases and the criteria catalogue.

        Only the cases whose family is ``family`` are kept (a cousin family is its own matrix;
        it inherits the applicability and goalposts of its reference family through
        ``Criterion.status_for`` / ``goalposts_for``).

        Parameters
        ----------
        cases : iterable of Case
        catalogue : Catalogue
        family : str
            The family whose matrix is built (rankings are within one family).
        families : Families, optional
            Needed to resolve what a cousin family inherits.

        Raises
        ------
        InputError
            When no case belongs to the family.
        """

        chosen = [c for c in cases if c.family == family]
        if not chosen:
            raise InputError(f"Aucun cas de la famille « {family} » : impossible de construire la matrice.")
        criteria = list(catalogue.criteria)
        m = len(criteria)
        applicable = np.array(
            [c.status_for(family, families) != "not_applicable" for c in criteria], dtype=bool)
        goalposts = np.full((m, 2), np.nan)
        for j, crit in enumerate(criteria):
            gp = crit.goalposts_for(family, families)
            if gp is not None:
                goalposts[j] = gp
            elif crit.type == "ordinal":
                goalposts[j] = ORDINAL_GOALPOSTS
        values = np.full((len(chosen), m), np.nan)
        for i, case in enumerate(chosen):
            raw = criterion_values(case, catalogue, families)
            for j, crit in enumerate(criteria):
                v = raw.get(crit.id)
                if v is not None:
                    values[i, j] = float(v)
        status = np.where(np.isfinite(values), VALUE, MISSING)
        # Not applicable wins over any recorded value: the criterion means nothing here.
        status = np.where(applicable[None, :], status, NOT_APPLICABLE)
        return cls(
            case_ids=tuple(c.id for c in chosen),
            case_names=tuple(c.name for c in chosen),
            criterion_ids=tuple(c.id for c in criteria),
            dimension_of={c.id: c.dimension for c in criteria},
            dimension_ids=tuple(catalogue.dimension_ids),
            values=values,
            types=tuple(c.type for c in criteria),
            directions=tuple("higher" if c.type == "ordinal" else c.direction for c in criteria),
            goalposts=goalposts,
            status=status,
            family=family,
            criterion_labels=tuple(c.label_fr for c in criteria),
            dimension_labels=tuple(d.label_fr for d in catalogue.dimensions),
        )

    def replace(self, **changes: Any) -> DecisionMatrix:
        """A copy with some fields changed (checked again), e.g. ``m.replace(values=v2)``."""
        allowed = {f.name for f in fields(self) if f.init}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise InputError(f"Champs inconnus pour la matrice : {', '.join(unknown)} "
                             f"(attendu parmi : {', '.join(sorted(allowed))}).")
        return _dc_replace(self, **changes)

    # ------------------------------------------------------------------ shape and helpers
    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    @property
    def n_criteria(self) -> int:
        return len(self.criterion_ids)

    @property
    def dimension_index(self) -> np.ndarray:
        """Position of each criterion's dimension in :attr:`dimension_ids`, shape (m,)."""
        return self._dimension_index

    @property
    def membership(self) -> np.ndarray:
        """One-hot criterion → dimension matrix, shape (m, D)."""
        g = np.zeros((self.n_criteria, len(self.dimension_ids)))
        g[np.arange(self.n_criteria), self._dimension_index] = 1.0
        return g

    @property
    def available(self) -> np.ndarray:
        """Boolean (n, m): the cell has a value."""
        return self.status == VALUE

    @property
    def applicable(self) -> np.ndarray:
        """Boolean (n, m): the criterion applies (value or missing)."""
        return self.status != NOT_APPLICABLE

    def case_index(self, case_id: str) -> int:
        try:
            return self.case_ids.index(case_id)
        except ValueError:
            raise InputError(f"Cas inconnu dans la matrice {self.family} : « {case_id} ».") from None

    # ------------------------------------------------------------------ coverage
    def coverage_array(self) -> np.ndarray:
        """Per case, the share of applicable criteria that have a value; NaN if none applies."""
        n_app = self.applicable.sum(axis=1)
        n_val = self.available.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n_app > 0, n_val / np.maximum(n_app, 1), np.nan)

    def coverage(self, by: str = "case") -> pd.Series:
        """Data coverage, per case (default) or per criterion.

        Per case: share of the criteria applicable to the family that have a value.
        Per criterion: share of the cases (for which it applies) that have a value; NaN for a
        criterion that does not apply to the family.
        """
        if by == "case":
            return pd.Series(self.coverage_array(), index=pd.Index(self.case_ids, name="cas"),
                             name="couverture")
        if by == "criterion":
            n_app = self.applicable.sum(axis=0)
            n_val = self.available.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                cov = np.where(n_app > 0, n_val / np.maximum(n_app, 1), np.nan)
            return pd.Series(cov, index=pd.Index(self.criterion_ids, name="critère"), name="couverture")
        raise InputError(f"Couverture : « by » doit valoir \"case\" ou \"criterion\" (reçu : {by!r}).")

    # ------------------------------------------------------------------ views
    def to_dataframe(self, kind: str = "values") -> pd.DataFrame:
        """The matrix as a DataFrame (cases in rows, criteria in columns).

        Parameters
        ----------
        kind : {"values", "status"}
            ``"values"``: raw values, NaN where there is none; ``"status"``: status ids
            (``value``, ``missing``, ``not_applicable``; French labels in
            :data:`~benchmark_tools.vocabulary.CELL_STATUS_LABELS`).
            Index ``case``, columns ``criterion`` (ids; French: ``vocabulary.labelled``).
        """
        index = pd.Index(self.case_ids, name="case")
        columns = pd.Index(self.criterion_ids, name="criterion")
        if kind == "values":
            return pd.DataFrame(np.array(self.values), index=index, columns=columns)
        if kind == "status":
            ids = np.vectorize(lambda s: Status(int(s)).name.lower(), otypes=[object])(self.status)
            return pd.DataFrame(ids, index=index, columns=columns)
        raise InputError(f"to_dataframe : « kind » doit valoir \"values\" ou \"status\" (reçu : {kind!r}).")

    def __repr__(self) -> str:
        n, m = self.shape
        n_missing = int((self.status == MISSING).sum())
        n_na = int((self.status == NOT_APPLICABLE).sum())
        return (f"<DecisionMatrix famille={self.family!r} : {n} cas × {m} critères, "
                f"{len(self.dimension_ids)} dimensions, {n_missing} manquantes, {n_na} sans objet>")

    def _format_cell(self, i: int, j: int) -> str:
        s = self.status[i, j]
        if s == MISSING:
            return '<td class="bt-missing" title="donnée manquante">—</td>'
        if s == NOT_APPLICABLE:
            return '<td class="bt-na" title="sans objet pour cette famille">s.o.</td>'
        v = self.values[i, j]
        text = f"{v:.0f}" if self.types[j] == "ordinal" else f"{v:.3g}".replace(".", ",")
        return f"<td>{text}</td>"

    def _repr_html_(self) -> str:
        """Compact French table for JupyterLab: dimension header, then one row per case."""
        esc = html.escape
        order = np.argsort(self._dimension_index, kind="stable")
        dim_cells = []
        for k in range(len(self.dimension_ids)):
            span = int((self._dimension_index == k).sum())
            if span:
                dim_cells.append(f'<th colspan="{span}" style="text-align:center">'
                                 f"{esc(self.dimension_labels[k])}</th>")
        crit_cells = "".join(
            f'<th title="{esc(self.criterion_ids[j])}">{esc(self.criterion_labels[j])}</th>' for j in order)
        rows = []
        for i in range(self.n_cases):
            cells = "".join(self._format_cell(i, j) for j in order)
            rows.append(f'<tr><th style="text-align:left">{esc(self.case_names[i])}</th>{cells}</tr>')
        n, m = self.shape
        style = ("<style>.bt-dm td{text-align:right}.bt-dm .bt-missing{color:#b00020}"
                 ".bt-dm .bt-na{color:#777;background:repeating-linear-gradient(45deg,#f2f2f2,"
                 "#f2f2f2 4px,#e6e6e6 4px,#e6e6e6 8px)}</style>")
        caption = (f"Matrice de décision — famille « {esc(self.family)} » : {n} cas × {m} critères. "
                   "— = donnée manquante ; s.o. = sans objet pour cette famille.")
        return (f'{style}<table class="bt-dm"><caption>{caption}</caption>'
                f'<thead><tr><th rowspan="2">Cas</th>{"".join(dim_cells)}</tr>'
                f"<tr>{crit_cells}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
