"""Interactive exploration in JupyterLab: a weight explorer and a case explorer.

The two classes keep their logic apart from the user interface, so that everything they do
can be tested without a browser:

- :class:`WeightExplorer` holds a state (family, profile, method, normalisation, dimension
  weights) and recomputes, on demand, the ranking, the dimension heatmap and the rank
  intervals of a quick Monte Carlo; :meth:`WeightExplorer.save_profile` turns the current
  weights into a new profile file, checked with the project's own profile rules.
  :meth:`WeightExplorer.widget` wires the same methods to ipywidgets controls (sliders,
  dropdowns, a save button); nothing is computed in the callbacks themselves.
- :class:`CaseExplorer` shows one case — facts with their sources, criteria with their
  evidence, coverage — and its nearest neighbours.
- :func:`normalised_values` and :func:`redundancy_table` feed the redundancy check between
  criteria (:func:`benchmark_tools.criteria.redundancy`) with the normalised values of the
  coded cases, for the exploration notebook.

The ``widget`` methods build their ipywidgets interface with :mod:`benchmark_tools.explorer_widgets`
(ipywidgets, extra ``lab``, is imported there inside the functions only, so the package and its
tests work without it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pydantic

from . import robustness as rb
from . import typology as ty
from .analysis import FamilyAnalysis
from .cases import case_sheet_markdown
from .criteria import redundancy
from .errors import InputError
from .explorer_widgets import case_explorer_widget, weight_explorer_widget
from .formats import fmt_number, fmt_pct
from .modelio import pydantic_problems, rel
from .pipeline import family_matrix
from .plots import dimension_heatmap, rank_interval_plot, style
from .schema import Profile
from .scoring import ScoreResult, make_batch_scorer, score
from .textutil import escape_md
from .validate import check_profile
from .vocabulary import METHODS, NORMALISATIONS, labelled
from .weights import write_profile
from .yamlio import YamlDocument

#: Decimals of the weights written to a saved profile (the tool renormalises them anyway).
WEIGHT_DECIMALS = 4


def _families_with_cases(project) -> list[str]:
    """Families that have cases: those of ``report.yml`` first, then the others in file order."""
    order = list(project.report.families) if project.report else []
    order += [f for f in project.families.ids if f not in order]
    return [f for f in order if project.cases_of(f)]


def _message_figure(text: str):
    """A small figure that only says why there is nothing to draw."""
    import matplotlib.pyplot as plt


    style()
    fig, ax = plt.subplots(figsize=(7.2, 0.9))
    ax.axis("off")
    ax.text(0.0, 0.5, text, ha="left", va="center", fontsize=9, color="#4a5866")
    return fig


# --------------------------------------------------------------------------- weights


class WeightExplorer:
    """Explore how the ranking of one family responds to the weights of the dimensions.

    Parameters
    ----------
    project : project.Project
        The loaded project (:func:`benchmark_tools.project.load_project`).
    family : str, optional
        Family ranked (default: the first family of ``report.yml`` that has cases).
    profile : str, optional
        Profile whose weights are loaded first (default: ``report.yml``).
    method : str, optional
        Aggregation method (default: ``report.yml``, else ``settings.scoring.default_method``).
    normalisation : str, optional
        Normalisation (default: ``report.yml``, else ``settings.scoring.default_normalisation``).

    Attributes
    ----------
    family, profile_id, method, normalisation : str
    weights : dict str -> float
        Dimension weights, as shares of the loaded profile (they need not sum to 1 after a
        change: the engine renormalises them).
    profiles : dict str -> Profile
        The project's profiles plus those saved from this explorer.
    controls : dict
        The ipywidgets controls once :meth:`widget` has been called (for tests and scripts).

    Notes
    -----
    The criterion weights (within dimensions) are those of the loaded profile; only the
    dimension weights are changed here.
    """

    def __init__(self, project, family: str | None = None, profile: str | None = None,
                 method: str | None = None, normalisation: str | None = None):
        self.project = project
        self.catalogue = project.catalogue
        self.settings = project.settings
        self.params = project.report
        self.profiles: dict[str, Profile] = dict(project.profiles)
        self.dimension_ids: list[str] = list(self.catalogue.dimension_ids)
        self.dimension_labels: dict[str, str] = {d.id: d.label_fr for d in self.catalogue.dimensions}
        self.family_ids: list[str] = _families_with_cases(project)
        if not self.family_ids:
            raise InputError("Aucun cas dans le projet : rien à classer.")
        sc = self.settings.scoring
        p = self.params
        self.family = ""
        self.profile_id = ""
        self.method = ""
        self.normalisation = ""
        self.weights: dict[str, float] = {}
        self._matrices: dict = {}
        self._result: ScoreResult | None = None
        self.controls: dict = {}
        self.set_family(family or self.family_ids[0])
        self.set_method(method or (p.method if p else sc.default_method))
        self.set_normalisation(normalisation or (p.normalisation if p else sc.default_normalisation))
        self.set_profile(profile or (p.profile if p else sorted(self.profiles)[0]))

    # ------------------------------------------------------------------ state
    def set_family(self, family: str) -> None:
        """Rank the cases of another family (the weights are kept)."""
        if family not in self.family_ids:
            raise InputError(f"Famille sans cas ou inconnue : « {family} » "
                             f"(attendu parmi : {', '.join(self.family_ids)}).")
        self.family = family
        self._result = None

    def set_profile(self, profile_id: str) -> None:
        """Load the dimension weights of a profile (as shares summing to 1)."""
        if profile_id not in self.profiles:
            raise InputError(f"Profil inconnu « {profile_id} » "
                             f"(attendu parmi : {', '.join(sorted(self.profiles))}).")
        pr = self.profiles[profile_id]
        w = np.asarray(pr.normalised_dimension_weights(self.dimension_ids), dtype=float)
        self.profile_id = profile_id
        self.weights = {d: float(x) for d, x in zip(self.dimension_ids, w, strict=True)}
        self._result = None

    def set_method(self, method: str) -> None:
        """Change the aggregation method across dimensions."""
        if method not in METHODS:
            raise InputError(f"Méthode d'agrégation inconnue : « {method} » "
                             f"(attendu parmi : {', '.join(METHODS)}).")
        self.method = method
        self._result = None

    def set_normalisation(self, normalisation: str) -> None:
        """Change the normalisation of the criteria."""
        if normalisation not in NORMALISATIONS:
            raise InputError(f"Normalisation inconnue : « {normalisation} » "
                             f"(attendu parmi : {', '.join(NORMALISATIONS)}).")
        self.normalisation = normalisation
        self._result = None

    def set_weight(self, dimension: str, value: float) -> None:
        """Set the weight of one dimension (a number ≥ 0; the weights are renormalised)."""
        if dimension not in self.weights:
            raise InputError(f"Dimension inconnue « {dimension} » "
                             f"(attendu parmi : {', '.join(self.dimension_ids)}).")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise InputError(f"Poids de « {self.dimension_labels[dimension]} » : un nombre est attendu "
                             f"(trouvé : {value!r}).") from None
        if not math.isfinite(v) or v < 0:
            raise InputError(f"Poids de « {self.dimension_labels[dimension]} » : un nombre positif ou nul "
                             f"est attendu (trouvé : {value!r}).")
        self.weights[dimension] = v
        self._result = None

    @property
    def weight_vector(self) -> np.ndarray:
        """Current dimension weights in catalogue order (not normalised)."""
        return np.array([self.weights[d] for d in self.dimension_ids], dtype=float)

    @property
    def normalised_weights(self) -> dict[str, float]:
        """Current weights as shares summing to 1."""
        w = self.weight_vector
        if w.sum() <= 0:
            raise InputError("Tous les poids sont nuls : au moins une dimension doit compter.")
        return {d: float(x) for d, x in zip(self.dimension_ids, w / w.sum(), strict=True)}

    @property
    def modified(self) -> bool:
        """Whether the weights differ from those of the loaded profile."""
        base = self.profiles[self.profile_id].normalised_dimension_weights(self.dimension_ids)
        w = self.weight_vector
        return bool(w.sum() <= 0 or not np.allclose(w / w.sum(), base, rtol=0, atol=1e-9))

    def current_profile(self) -> Profile:
        """The loaded profile with the current dimension weights (criterion weights kept)."""
        if self.weight_vector.sum() <= 0:
            raise InputError("Tous les poids sont nuls : au moins une dimension doit compter.")
        return self.profiles[self.profile_id].model_copy(update={"dimension_weights": dict(self.weights)})

    # ------------------------------------------------------------------ results
    def matrix(self):
        """Decision matrix of the current family (cached)."""
        if self.family not in self._matrices:
            self._matrices[self.family] = family_matrix(self.project, self.family)
        return self._matrices[self.family]

    def result(self) -> ScoreResult:
        """Scores of the current family with the current state (cached until a change)."""
        if self._result is None:
            self._result = score(self.matrix(), self.current_profile(), self.settings,
                                 method=self.method, normalisation=self.normalisation)
        return self._result

    def ranking(self) -> pd.DataFrame:
        """The ranking: one row per case, ranked cases first.

        Returns
        -------
        DataFrame
            Index ``identifiant``; columns ``rang`` (0 = not ranked), ``cas``, ``score``,
            ``couverture`` (share of the applicable criteria with a value), ``statut``.
        """
        df = self.result().to_dataframe()
        return labelled(df[["rank", "case", "score", "coverage", "status"]])

    def heatmap_figure(self):
        """Cases × dimensions heatmap of the dimension scores, in ranking order."""

        title = f"Scores par dimension — {self.project.families.label(self.family, plural=True)}"
        return dimension_heatmap(self.result(), self.dimension_labels, title=title)

    def monte_carlo(self) -> rb.MonteCarloResult | None:
        """Monte Carlo over weights around the current weights (settings, seed and draws of ``report.yml``).

        Returns None when fewer than two cases are ranked.
        """
        res = self.result()
        if res.ranked.sum() < 2:
            return None
        scorer = make_batch_scorer(self.matrix(), self.current_profile(), self.settings)
        rs = self.settings.robustness
        seed = self.params.seed if self.params else 0
        n_draws = self.params.n_draws if self.params else rs.n_draws
        return rb.monte_carlo_from_settings(scorer, rs, seed, n_draws=n_draws, method=self.method,
                                            normalisation=self.normalisation)

    def rank_interval_figure(self):
        """Rank intervals (5–95 %) of the ranked cases under random weights around the current ones."""

        mc = self.monte_carlo()
        if mc is None:
            return _message_figure("Moins de deux cas classés : pas d'intervalle de rang à montrer.")
        res = self.result()
        fa = FamilyAnalysis(self.family, self.project.families.label(self.family, plural=True),
                            self.matrix(), res, monte_carlo=mc)
        baseline = [c.id for c in self.project.cases_of(self.family) if c.baseline]
        return rank_interval_plot(fa, highlight=baseline,
                                  title=f"Intervalles de rang ({mc.n_draws} tirages de poids)")

    def weights_caption(self) -> str:
        """The current weights in words (French), e.g. « Pouvoir d'agir 30 % · … »."""
        w = self.normalised_weights
        return " · ".join(f"{self.dimension_labels[d]} {fmt_pct(w[d])}" for d in self.dimension_ids)

    # ------------------------------------------------------------------ saving
    def save_profile(self, profile_id: str, label: str, viewpoint: str, rationale: str) -> Path:
        """Write the current weights as a new profile ``benchmark/profiles/<profile_id>.yml``.

        The profile is checked with the project's own rules (schema, then
        :func:`benchmark_tools.validate.check_profile`) before anything is written; an
        existing profile is never overwritten.

        Parameters
        ----------
        profile_id : str
            Identifier (lower case, digits and ``_``), also the file name.
        label : str
            French label.
        viewpoint, rationale : str
            Who holds this view, and why these weights (French, not empty).

        Returns
        -------
        Path
            The file written.

        Raises
        ------
        InputError
            Invalid or already used identifier, empty text, weights refused by the rules.
        """
        pid = (profile_id or "").strip()
        texts = {"libellé": label, "point de vue": viewpoint, "justification": rationale}
        empty = [k for k, v in texts.items() if not isinstance(v, str) or not v.strip()]
        if empty:
            raise InputError("Profil non enregistré : " + ", ".join(empty) + " à renseigner "
                             "(chaque profil dit quel point de vue il représente et pourquoi).")
        root = Path(self.project.root)
        path = root / "benchmark" / "profiles" / f"{pid}.yml"
        file = rel(path, root)
        w = self.normalised_weights
        data = {
            "id": pid,
            "label_fr": label.strip(),
            "label_en": label.strip(),
            "viewpoint": viewpoint.strip(),
            "rationale": (f"{rationale.strip()} Poids fixés dans l'explorateur de pondérations à partir du "
                          f"profil « {self.profile_id} » (famille {self.family}, méthode {self.method}, "
                          f"normalisation {self.normalisation})."),
            "dimension_weights": {d: round(w[d], WEIGHT_DECIMALS) for d in self.dimension_ids},
        }
        cw = dict(self.profiles[self.profile_id].criterion_weights)
        if cw:
            data["criterion_weights"] = cw
        data["elicitation"] = {"source": "explorateur de pondérations", "base_profile": self.profile_id,
                               "family": self.family, "method": self.method,
                               "normalisation": self.normalisation}
        try:
            pr = Profile.model_validate(data)
        except pydantic.ValidationError as exc:
            doc = YamlDocument(path=file, data=data, lines={})
            raise InputError("Profil non enregistré :\n" + "\n".join(
                p.format() for p in pydantic_problems(exc, Profile, doc, pid))) from None
        problems = [p for p in check_profile(pr, None, file, path, self.catalogue) if p.severity == "error"]
        if problems:
            raise InputError("Profil non enregistré :\n" + "\n".join(p.format() for p in problems))
        if pid in self.profiles or path.exists():
            raise InputError(f"Le profil « {pid} » existe déjà ({file}) : choisissez un autre identifiant "
                             "(un profil existant n'est jamais écrasé).")
        try:
            written = write_profile(path, data)
        except FileExistsError as exc:
            raise InputError(str(exc)) from None
        self.profiles[pid] = pr
        return written

    # ------------------------------------------------------------------ user interface
    def widget(self):
        """The interactive explorer (ipywidgets): sliders, dropdowns, live results, save button.

        Returns
        -------
        ipywidgets.VBox
            Display it in a notebook cell. The controls are also in :attr:`controls`.
        """
        return weight_explorer_widget(self)


# --------------------------------------------------------------------------- cases


@dataclass
class CaseSheet:
    """One case as shown in the notebook: Markdown sheet plus nearest neighbours.

    Attributes
    ----------
    case_id : str
    markdown : str
        Facts with sources, criteria with evidence, coverage, then the neighbours.
    neighbours : DataFrame
        Columns ``voisin`` (identifier), ``nom``, ``famille``, ``distance``.
    neighbours_method : str
        How the neighbours were found (French).
    """

    case_id: str
    markdown: str
    neighbours: pd.DataFrame
    neighbours_method: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown


def dimension_neighbours(result: ScoreResult, case_id: str, n: int, min_common: int | None = None) -> pd.DataFrame:
    """Nearest cases of the same family by their dimension scores (fallback of the typology).

    The distance is the root mean square difference over the dimensions that *both* cases
    have (no imputation), so it stays on the 0–1 scale of the dimension scores; a pair with
    fewer than ``min_common`` dimensions in common (default: half of the dimensions, rounded
    up) is not compared.

    Parameters
    ----------
    result : ScoreResult
        Scores of the case's family (any profile: dimension scores do not depend on the
        dimension weights).
    case_id : str
    n : int
        Number of neighbours (``settings.typology.n_neighbours``).
    min_common : int, optional

    Returns
    -------
    DataFrame
        Columns ``voisin``, ``nom``, ``distance``, ``dimensions communes``; nearest first.
    """
    m = result.matrix
    i = m.case_index(case_id)
    s = np.asarray(result.dimension_scores, dtype=float)
    d_count = s.shape[1]
    need = math.ceil(d_count / 2) if min_common is None else int(min_common)
    both = np.isfinite(s) & np.isfinite(s[i])[None, :]
    common = both.sum(axis=1)
    sq = np.where(both, (s - s[i][None, :]) ** 2, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(sq.sum(axis=1) / common)
    ok = (common >= max(need, 1)) & (np.arange(m.n_cases) != i)
    idx = [j for j in np.argsort(np.where(ok, dist, np.inf), kind="stable") if ok[j]][:n]
    return pd.DataFrame({
        "voisin": [m.case_ids[j] for j in idx],
        "nom": [m.case_names[j] for j in idx],
        "distance": [float(dist[j]) for j in idx],
        "dimensions communes": [int(common[j]) for j in idx],
    })


class CaseExplorer:
    """Read one case: its sheet (facts, criteria, coverage) and its nearest neighbours.

    Neighbours come from the typology (:mod:`benchmark_tools.typology`, Euclidean distance on
    the dimension profiles of the families of ``report.yml``, missing values imputed as it
    documents) when the case takes part in it. Otherwise — case left out of the typology for
    low coverage, family outside the report, or typology unavailable — they come from
    :func:`dimension_neighbours` within the case's family, and the sheet says so.

    Parameters
    ----------
    project : project.Project
    """

    def __init__(self, project):
        self.project = project
        self.n_neighbours = int(project.settings.typology.n_neighbours)
        self._typology = None
        self._typology_failed: str | None = None
        self._results: dict[str, ScoreResult] = {}
        self.controls: dict = {}

    @property
    def case_ids(self) -> list[str]:
        return [c.id for c in self.project.cases]

    def _family_result(self, family: str) -> ScoreResult:
        if family not in self._results:
            p = self.project.report
            prof = self.project.profiles[p.profile] if p else next(iter(self.project.profiles.values()))
            self._results[family] = score(family_matrix(self.project, family), prof, self.project.settings,
                                          normalisation=p.normalisation if p else None)
        return self._results[family]

    def _typology_result(self):
        if self._typology is None and self._typology_failed is None:
            try:
                self._typology = ty.typology(self.project)
            except (InputError, ValueError) as exc:
                # Too few cases to fit a typology, for instance: neighbours fall back (documented).
                self._typology_failed = str(exc)
        return self._typology

    def neighbours(self, case_id: str) -> tuple[pd.DataFrame, str]:
        """Nearest neighbours of a case and, in French, how they were found."""
        case = self._case(case_id)
        fams = self.project.families
        report_families = list(self.project.report.families) if self.project.report else []
        if case.family not in report_families:
            typ, why = None, "famille hors des familles du rapport"
        else:
            typ = self._typology_result()
            why = self._typology_failed
        if typ is not None:
            try:
                nb = typ.neighbours(case_id, self.n_neighbours)
                return (nb[["voisin", "nom", "famille", "distance"]].assign(
                    famille=[fams.label(f) for f in nb["famille"]]),
                    "typologie : distance euclidienne entre profils par dimension (familles du rapport, "
                    "valeurs manquantes imputées par la moyenne de la famille)")
            except InputError as exc:
                why = str(exc)
        nb = dimension_neighbours(self._family_result(case.family), case_id, self.n_neighbours)
        nb.insert(2, "famille", fams.label(case.family))
        how = ("repli : écart quadratique moyen entre scores de dimension, sur les dimensions renseignées "
               "par les deux cas, dans la même famille")
        if why:
            how += f" (typologie non utilisée : {why.rstrip('.')})"
        return nb, how

    def _case(self, case_id: str):
        try:
            return self.project.case(case_id)
        except KeyError:
            raise InputError(f"Cas inconnu « {case_id} » (voir data/cases/).") from None

    def show(self, case_id: str) -> CaseSheet:
        """The case sheet (facts with sources, criteria with evidence, coverage) and neighbours."""
        case = self._case(case_id)
        p = self.project
        md = case_sheet_markdown(case, p.catalogue, p.families)
        nb, how = self.neighbours(case_id)
        lines = [md, "", "#### Dispositifs les plus proches", "", f"*{escape_md(how)}*", ""]
        if len(nb):
            lines += ["| Cas | Famille | Distance |", "|---|---|---|"]
            for _, r in nb.iterrows():
                lines.append(f"| {escape_md(r['nom'])} | {escape_md(r['famille'])} | "
                             f"{fmt_number(r['distance'], 2)} |")
        else:
            lines.append("Aucun cas comparable (trop peu de dimensions renseignées en commun).")
        return CaseSheet(case_id, "\n".join(lines), nb, how)

    def widget(self, case_id: str | None = None):
        """A case dropdown and the sheet of the chosen case (ipywidgets)."""
        return case_explorer_widget(self, case_id)


# --------------------------------------------------------------------------- redundancy


#: Scale of the values compared by the redundancy check (see :func:`normalised_values`).
REDUNDANCY_NORMALISATION = "goalposts"


def normalised_values(project, families: Sequence[str] | None = None,
                      normalisation: str = REDUNDANCY_NORMALISATION) -> pd.DataFrame:
    """Normalised criterion values (0–1, 1 = best) of the cases, each family on its own scale.

    Parameters
    ----------
    project : project.Project
    families : list of str, optional
        Default: every family that has cases.
    normalisation : str
        ``"goalposts"`` by default: fixed bounds of each family, so that an adapted criterion
        measured in another unit for one family is still comparable (see
        :func:`benchmark_tools.criteria.redundancy`).

    Returns
    -------
    DataFrame
        One row per case (index: case id), one column per criterion id; NaN when the value
        is missing or the criterion does not apply.
    """
    fams = list(families) if families is not None else _families_with_cases(project)
    p = project.report
    prof = project.profiles[p.profile] if p else next(iter(project.profiles.values()))
    frames = []
    for fam in fams:
        if not project.cases_of(fam):
            continue
        res = score(family_matrix(project, fam), prof, project.settings, normalisation=normalisation)
        m = res.matrix
        frames.append(pd.DataFrame(np.asarray(res.normalised, dtype=float), index=list(m.case_ids),
                                   columns=list(m.criterion_ids)))
    if not frames:
        return pd.DataFrame(columns=project.catalogue.criterion_ids)
    df = pd.concat(frames).reindex(columns=project.catalogue.criterion_ids)
    df.index.name = "identifiant"
    return df


def redundancy_table(project, families: Sequence[str] | None = None,
                     normalisation: str | None = None) -> pd.DataFrame:
    """Redundancy check between criteria on the normalised values of the coded cases.

    Threshold and minimum number of pairs come from ``settings.redundancy``. The criterion
    ids of :func:`benchmark_tools.criteria.redundancy` are shown as « code libellé ».
    ``normalisation`` None is :data:`REDUNDANCY_NORMALISATION` (the exploration notebook's
    parameter left at None).
    """
    rs = project.settings.redundancy
    values = normalised_values(project, families, normalisation or REDUNDANCY_NORMALISATION)
    table = redundancy(values, rs.threshold, rs.min_pairs)
    names = {c.id: f"{c.code} {c.label_fr}" for c in project.catalogue.criteria}
    for col in ("Critère A", "Critère B"):
        table[col] = table[col].map(lambda cid: names.get(cid, cid))
    return table
