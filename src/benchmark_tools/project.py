"""The project: every file of the benchmark, loaded into typed objects and checked.

One entry point, :func:`load_project` (or :func:`validate_project`, which returns the problems
instead of raising), and one ``load_*`` function per kind of file for the commands that need a
single one. Reading a file into a model is :mod:`benchmark_tools.modelio`; the rules a file must
follow are :mod:`benchmark_tools.validate` (cases, catalogue, profiles, settings),
:mod:`benchmark_tools.validate_rules` (territory, préconisation rules, consultations) and
:mod:`benchmark_tools.provenance` (sources). This module only reads and assembles. The run
parameters (``report.yml`` and ``--set``) are :mod:`benchmark_tools.run_params`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cases import low_coverage_problems, set_edition_tolerance
from .errors import Problem, ValidationFailed
from .modelio import (
    _load_or_raise,
    drop_set_aside,
    find_root,
    load_model,
    load_model_partial,
    rel,
)
from .provenance import POLICY_FILE, check_policy, check_sources

# The run parameters are loaded here too (callers import them from this module).
from .safeio import recover_writes
from .schema import (
    CandidateDesign,
    Case,
    Catalogue,
    Families,
    Profile,
    ReportParams,
    Settings,
    SourcePolicy,
    Sources,
)
from .schema_rules import Consultation, LoadedConsultation, RecommendationConfig, Territory
from .textutil import slug
from .validate import (
    _check_case_folder,
    _suggest,
    check_case,
    check_catalogue,
    check_links,
    check_profile,
    check_report_params,
    check_settings,
    check_templates,
)
from .validate_rules import check_consultation, check_rules, check_territory, personal_keys
from .weights import profile_from_ranking
from .yamlio import DEFAULT_MAX_BYTES, read_yaml

TERRITORY_FILE = ("benchmark", "territory", "rennes_metropole.yml")
RULES_FILE = ("benchmark", "recommendations.yml")
CONSULTATIONS_FOLDER = ("benchmark", "consultations")


# --------------------------------------------------------------------------- the project


@dataclass
class Project:
    """Everything the benchmark is made of, loaded and checked."""

    root: Path
    settings: Settings | None = None
    catalogue: Catalogue | None = None
    families: Families | None = None
    sources: Sources | None = None
    report: ReportParams | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    designs: dict[str, CandidateDesign] = field(default_factory=dict)
    case_files: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    source_policy: SourcePolicy | None = None  # set by validate_sources

    def cases_of(self, family: str) -> list[Case]:
        return [c for c in self.cases if c.family == family]

    def case(self, case_id: str) -> Case:
        for c in self.cases:
            if c.id == case_id:
                return c
        raise KeyError(case_id)


# --------------------------------------------------------------------------- one file at a time


def load_settings(root: Path | None = None) -> Settings:
    root = root or find_root()
    return _load_or_raise(root / "benchmark" / "settings.yml", Settings, root)


def load_catalogue(root: Path | None = None) -> Catalogue:
    root = root or find_root()
    return _load_or_raise(root / "benchmark" / "criteria.yml", Catalogue, root)


def load_families(root: Path | None = None) -> Families:
    root = root or find_root()
    return _load_or_raise(root / "benchmark" / "families.yml", Families, root)


def load_sources(root: Path | None = None) -> Sources:
    root = root or find_root()
    return _load_or_raise(root / "benchmark" / "sources.yml", Sources, root)


def load_source_policy(root: Path | None = None) -> SourcePolicy:
    """The source policy (``benchmark/sources_policy.yml``): grade of a source by its domain."""
    root = root or find_root()
    return _load_or_raise(root / "benchmark" / "sources_policy.yml", SourcePolicy, root)


def load_report_params(root: Path | None = None) -> ReportParams:
    root = root or find_root()
    return _load_or_raise(root / "benchmark" / "report.yml", ReportParams, root)


def load_profiles(root: Path | None = None) -> dict[str, Profile]:
    """All weight profiles, checked together with the catalogue (see :mod:`validate`)."""
    return load_project(root).profiles


def load_cases(root: Path | None = None) -> list[Case]:
    """All cases, validated with every cross-file rule; raises ValidationFailed otherwise."""
    return load_project(root).cases


__all__ = [
    "find_root", "rel", "load_model", "load_settings", "load_catalogue", "load_families",
    "load_sources", "load_source_policy", "load_report_params", "load_profiles", "load_cases", "CandidateDesign",
]


def classify(path: Path) -> str:
    """Kind of file from its location and name."""
    name = path.name
    parent = path.parent.name
    if name == "criteria.yml":
        return "catalogue"
    if name in ("settings.yml", "families.yml", "sources.yml", "report.yml", "sources_policy.yml"):
        return name[:-4]
    if name == "recommendations.yml" and parent == "benchmark":
        return "recommendations"
    if parent == "profiles":
        return "profile"
    if parent == "designs":
        return "design"
    if parent == "territory":
        return "territory"
    if parent == "consultations":
        return "consultation"  # checked by consultations.py (read here as plain YAML)
    if parent == "printemps":
        return "printemps"  # Printemps citoyen catalogue: checked by `printemps validate`
    return "case"


def _yaml_files(p: Path) -> list[Path]:
    if p.is_dir():
        return sorted(x for x in p.rglob("*") if x.suffix.lower() in (".yml", ".yaml") and x.is_file()
                      and not any(part.startswith(".") for part in x.relative_to(p).parts))
    return [p]


@dataclass
class _Run:
    """What the checks of one :func:`validate_project` call share."""

    proj: Project
    max_bytes: int
    cases_root: Path
    seen_ids: dict[str, str] = field(default_factory=dict)     # case id -> file that defined it
    design_paths: list[Path] = field(default_factory=list)     # checked after the cases

    @property
    def root(self) -> Path:
        return self.proj.root


def _recover_writes(proj: Project) -> None:
    """Finish (journal committed) or undo (temporaries only) an import killed part-way.

    Done before anything is read: the data folder is never seen half-written.
    """
    folder = proj.root / "data" / "cases"
    try:
        replayed, _removed = recover_writes(folder)
    except OSError as exc:
        proj.problems.append(Problem(rel(folder, proj.root), f"reprise d'une écriture interrompue impossible ({exc})"))
    else:
        if replayed:
            proj.problems.append(Problem(rel(folder, proj.root), f"import interrompu terminé : {replayed} fichier(s) "
                                         "renommé(s) d'après le journal", severity="warning"))


def _read_definition(proj: Project) -> int:
    """Settings, families, sources and the catalogue (every other check needs them); the size limit of a file."""
    root, P = proj.root, proj.problems
    bench = root / "benchmark"
    settings, sdoc, pr = load_model(bench / "settings.yml", Settings, root)
    P += pr
    if settings is not None:
        P += check_settings(settings, rel(bench / "settings.yml", root), sdoc)
    proj.settings = settings
    max_bytes = settings.validation.max_file_bytes if settings else DEFAULT_MAX_BYTES
    proj.families, _, pr = load_model(bench / "families.yml", Families, root, max_bytes)
    P += pr
    proj.sources, sodoc, pr = load_model(bench / "sources.yml", Sources, root, max_bytes)
    P += pr
    if sodoc is not None:
        P += check_links(sodoc.data, rel(bench / "sources.yml", root), sodoc)
    cat, cdoc, pr = load_model(bench / "criteria.yml", Catalogue, root, max_bytes)
    P += pr
    if cdoc is not None:
        P += check_links(cdoc.data, rel(bench / "criteria.yml", root), cdoc)
    if cat is not None:
        P += check_catalogue(cat, cdoc, rel(bench / "criteria.yml", root), proj.families, proj.sources)
    proj.catalogue = cat
    return max_bytes


def _given_targets(proj: Project, paths: list[Path]) -> list[Path]:
    """The YAML files of the files and folders given on the command line."""
    targets = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            proj.problems.append(Problem(str(p), "fichier ou dossier introuvable"))
            continue
        targets += _yaml_files(p)
    return targets


def _all_targets(run: _Run) -> list[Path]:
    """Every file checked by kind below; the links of the territory and the texts of the rules checked here."""
    root, P = run.root, run.proj.problems
    bench = root / "benchmark"
    targets = _yaml_files(bench / "profiles") + _yaml_files(bench / "designs") + \
        _yaml_files(root / "data" / "cases") + [bench / "report.yml"]
    # Territory files: only their links here (their model is checked by load_territory).
    for tpath in _yaml_files(bench / "territory"):
        tdoc, _ = read_yaml(tpath, rel(tpath, root), run.max_bytes)
        if tdoc is not None:
            P += check_links(tdoc.data, rel(tpath, root), tdoc)
    if (bench / "recommendations.yml").exists():
        rdoc, _ = read_yaml(bench / "recommendations.yml", rel(bench / "recommendations.yml", root), run.max_bytes)
        if rdoc is not None:
            P += check_templates(rdoc.data, rel(bench / "recommendations.yml", root), rdoc)
    return targets


def _accepted_spelling(run: _Run, targets: list[Path]) -> list[Path]:
    """Case files are « .yml »: another spelling (.yaml, .YML) is refused, located.

    It would be read by one tool and skipped by another (and left out of the data fingerprint).
    """
    kept = []
    for path in targets:
        if path.suffix != ".yml" and path.suffix.lower() in (".yml", ".yaml"):
            run.proj.problems.append(Problem(rel(path, run.root), "extension de fichier non acceptée : renommez le "
                                             "fichier en « .yml »", expected=f"{path.stem}.yml", found=path.name))
            continue
        kept.append(path)
    return kept


# --------------------------------------------------------------------------- one check per kind of file


def _check_profile_file(run: _Run, path: Path, file: str) -> None:
    proj = run.proj
    obj, doc, pr = load_model(path, Profile, run.root, run.max_bytes)
    proj.problems += pr
    if obj is not None:
        proj.problems += check_profile(obj, doc, file, path, proj.catalogue, proj.settings)
        proj.profiles[obj.id] = obj


def _check_design_file(run: _Run, path: Path, file: str) -> None:
    run.design_paths.append(path)  # after the cases: a status quo reads its reference case


def _check_case_file(run: _Run, path: Path, file: str) -> None:
    proj = run.proj
    # A file with an unknown key or a refused value is still checked on the rest (every problem
    # of the file in one run); it does not join the project's cases.
    obj, doc, pr, aside = load_model_partial(path, Case, run.root, run.max_bytes, id_hint=path.stem)
    proj.problems += pr
    if obj is None:
        return
    found = check_case(obj, doc, file, path, catalogue=proj.catalogue, families=proj.families,
                       settings=proj.settings)
    found += check_links(doc.data, file, doc) + _check_case_folder(path, run.cases_root, proj.families, file, obj.id)
    proj.problems += drop_set_aside(found, aside)
    if aside:
        return
    if obj.id in run.seen_ids:
        proj.problems.append(Problem(file, "identifiant de cas en double", case_id=obj.id, field="id",
                                     line=doc.line_of(("id",)), expected="un identifiant unique",
                                     found=f"déjà utilisé par {run.seen_ids[obj.id]}"))
        return
    run.seen_ids[obj.id] = file
    proj.cases.append(obj)
    proj.case_files[obj.id] = path


def _check_report_file(run: _Run, path: Path, file: str) -> None:
    proj = run.proj
    rp, doc, pr = load_model(path, ReportParams, run.root, run.max_bytes)
    proj.problems += pr
    if rp is not None:
        proj.problems += check_report_params(rp, file, proj.settings, doc)
    proj.report = rp


def _check_yaml_file(run: _Run, path: Path, file: str) -> None:
    # territory / recommendations: checked by their own loaders; here only readable YAML.
    _, pr = read_yaml(path, file, run.max_bytes)
    run.proj.problems += pr


def _already_read(run: _Run, path: Path, file: str) -> None:
    """The definition files are read first (:func:`_read_definition`)."""


#: The check of each kind of file (:func:`classify`); any other kind is only read as YAML.
_FILE_CHECKS = {
    "catalogue": _already_read, "settings": _already_read, "families": _already_read, "sources": _already_read,
    "sources_policy": _already_read, "profile": _check_profile_file, "design": _check_design_file,
    "case": _check_case_file, "report": _check_report_file,
}


def _check_designs(run: _Run, checking_some: bool) -> None:
    """Candidate designs, after the cases: a status quo takes the facts of its reference case."""
    proj = run.proj
    cases_by_id = {c.id: c for c in proj.cases}
    if run.design_paths and checking_some and any(_mentions_status_quo(p) for p in run.design_paths):
        # Checking a design alone still needs the cases a status quo refers to.
        cases_by_id = {c.id: c for c in validate_project(run.root).cases}
    for path in run.design_paths:
        file = rel(path, run.root)
        obj, doc, pr = load_model(path, CandidateDesign, run.root, run.max_bytes, id_hint=path.stem,
                                  transform=lambda data, f=file: _complete_status_quo(data, f, cases_by_id))
        proj.problems += pr
        if obj is None:
            continue
        proj.problems += check_case(obj, doc, file, path, catalogue=proj.catalogue, families=proj.families,
                                    settings=proj.settings, ex_ante=True)
        if doc is not None:
            proj.problems += check_links(doc.data, file, doc)
        proj.designs[obj.id] = obj


def _check_rule_files(proj: Project) -> None:
    """The territory profile, the préconisation rules and the consultations: their own models and rules."""
    root, P, cat = proj.root, proj.problems, proj.catalogue
    bench = root / "benchmark"
    territory = None
    if (bench / "territory" / "rennes_metropole.yml").exists():
        try:
            territory = load_territory(root)
        except ValidationFailed as exc:
            P += exc.problems
    if (bench / "recommendations.yml").exists() and cat is not None and proj.families is not None:
        try:
            load_recommendation_config(root, cat, proj.families, territory)
        except ValidationFailed as exc:
            P += exc.problems
    if (bench / "consultations").is_dir() and cat is not None:
        try:
            load_consultations(root, [d.id for d in cat.dimensions])
        except ValidationFailed as exc:
            P += exc.problems


def _check_report_names(proj: Project) -> None:
    """The profile and the families report.yml names must exist."""
    rp, families = proj.report, proj.families
    if rp is None:
        return
    file = rel(proj.root / "benchmark" / "report.yml", proj.root)
    if proj.profiles and rp.profile not in proj.profiles:
        proj.problems.append(Problem(file, "profil inconnu" + _suggest(rp.profile, proj.profiles), field="profile",
                                     expected=", ".join(proj.profiles), found=rp.profile))
    if families is not None:
        for f in rp.families:
            if f not in families.ids:
                proj.problems.append(Problem(file, "famille inconnue" + _suggest(f, families.ids), field="families",
                                             expected=", ".join(families.ids), found=f))


def validate_project(root: Path | None = None, paths: list[Path] | None = None) -> Project:
    """Load and check the project; the returned :class:`Project` carries every problem found.

    Parameters
    ----------
    root : Path, optional
        Project root (found from the current directory by default).
    paths : list of Path, optional
        Files or folders to check (default: ``benchmark/`` and ``data/cases``). The definition
        files (catalogue, families, settings, sources) are always read, since the other checks
        need them.
    """
    root = Path(root) if root else find_root()
    proj = Project(root=root)
    _recover_writes(proj)
    run = _Run(proj, _read_definition(proj), (root / "data" / "cases").resolve())
    targets = _given_targets(proj, paths) if paths else _all_targets(run)
    for path in _accepted_spelling(run, targets):
        _FILE_CHECKS.get(classify(path), _check_yaml_file)(run, path, rel(path, root))
    _check_designs(run, bool(paths))
    if not paths:
        _check_rule_files(proj)
        _check_report_names(proj)
    proj.cases.sort(key=lambda c: (c.family, c.id))
    # Evidence rules (source grades, coverage under the threshold): one separate hook.
    proj.problems += validate_evidence(proj)
    return proj


def _mentions_status_quo(path: Path) -> bool:
    try:
        return "status_quo_of" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _complete_status_quo(data: dict, file: str, cases_by_id: dict):
    """A status-quo design that names its reference case takes that case's facts and scores.

    The design file's own keys win; ``design``, ``outcomes`` and ``scores`` are merged key by key.
    """
    ref = data.get("status_quo_of")
    if not ref:
        return data, []
    case = cases_by_id.get(ref)
    if case is None:
        return None, [Problem(file, "cas de référence introuvable" + _suggest(ref, cases_by_id), case_id=data.get("id"),
                              field="status_quo_of", expected="l'identifiant d'un cas de data/cases", found=str(ref))]
    if data.get("family") and data["family"] != case.family:
        return None, [Problem(file, "le statu quo et son cas de référence doivent être de la même famille",
                              case_id=data.get("id"), field="family", expected=case.family, found=str(data["family"]))]
    base = case.model_dump(exclude_none=True)
    base["baseline"] = False  # the status quo is placed among the cases, not counted as one of them
    merged = {**base}
    for key, value in data.items():
        if key in ("design", "outcomes", "scores") and isinstance(value, dict):
            merged[key] = {**base.get(key, {}), **value}
        else:
            merged[key] = value
    merged.setdefault("status_quo", True)
    return merged, []


def load_project(root: Path | None = None) -> Project:
    """The validated project; raises :class:`ValidationFailed` with every problem if any file is invalid."""
    proj = validate_project(root)
    errors = [p for p in proj.problems if p.severity == "error"]
    if errors:
        raise ValidationFailed(proj.problems)
    return proj


# --------------------------------------------------------------------------- territory and rules


def load_territory(root: Path | str | None = None) -> Territory:
    """Load and check the territory profile; raise :class:`ValidationFailed` with French problems.

    Checks: the schema (unknown keys are errors), then :func:`validate_rules.check_territory`.
    """
    root = Path(root) if root else find_root()
    path = root.joinpath(*TERRITORY_FILE)
    file = rel(path, root)
    obj, doc, problems = load_model(path, Territory, root)
    if obj is None:
        raise ValidationFailed(problems or [Problem(file, "fichier illisible")])

    try:
        fam_ids = load_families(root).ids
    except ValidationFailed:
        fam_ids = None  # families.yml is invalid: reported on its own, not here
    case_ids = {p.stem for p in (root / "data" / "cases").glob("*/*.yml")}
    problems += check_territory(obj, doc, file, fam_ids, case_ids)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationFailed(problems)
    return obj


def load_recommendation_config(root: Path | str | None = None, catalogue=None, families=None,
                               territory: Territory | None = None) -> RecommendationConfig:
    """Load ``benchmark/recommendations.yml`` and check it; raise :class:`ValidationFailed` (French)."""
    root = Path(root) if root else find_root()
    path = root.joinpath(*RULES_FILE)
    file = rel(path, root)
    obj, doc, problems = load_model(path, RecommendationConfig, root)
    if obj is None:
        raise ValidationFailed(problems or [Problem(file, "fichier illisible")])
    if catalogue is None or families is None:
        catalogue = catalogue or load_catalogue(root)
        families = families or load_families(root)
    problems += check_rules(obj, file, catalogue, families, territory, doc)
    if [p for p in problems if p.severity == "error"]:
        raise ValidationFailed(problems)
    return obj


# --------------------------------------------------------------------------- consultations


def load_consultation(path: Path, root: Path, dim_ids: list[str]) -> tuple[LoadedConsultation | None, list[Problem]]:
    """Read and check one consultation file; (None, problems) when it is invalid."""
    file = rel(path, root)
    doc, problems = read_yaml(path, file)
    if doc is None:
        return None, problems
    personal = personal_keys(doc.data)
    if personal:
        return None, problems + [
            Problem(file, "les noms de personnes ne sont pas enregistrés (données personnelles) : indiquez seulement "
                    "les fonctions dans « roles_present »", field=p, line=doc.line_of(loc),
                    expected="aucun champ de nom", found=str(loc[-1])) for p, loc in personal]
    obj, doc, problems = load_model(path, Consultation, root)
    if obj is None:
        return None, problems
    problems += check_consultation(obj, file, doc, dim_ids)
    if [p for p in problems if p.severity == "error"]:
        return None, problems
    pid = "consultation_" + slug(obj.service, default="service")
    data = profile_from_ranking(pid, f"Classement du service : {obj.service}", dict(obj.ranking), obj.rule,
                                viewpoint=f"{obj.service} (réunion du {obj.date})",
                                rationale="Classement des dimensions donné en réunion.", dimension_ids=dim_ids)
    return LoadedConsultation(file, obj, Profile.model_validate(data)), problems


def load_consultations(root: Path | str | None = None, dim_ids: list[str] | None = None) -> list[LoadedConsultation]:
    """Every consultation of ``benchmark/consultations/*.yml``, sorted by date then service.

    Raises
    ------
    ValidationFailed
        With every problem of every file (all collected).
    """
    root = Path(root) if root else find_root()
    if dim_ids is None:
        dim_ids = [d.id for d in load_catalogue(root).dimensions]
    folder = root.joinpath(*CONSULTATIONS_FOLDER)
    out, problems = [], []
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        item, probs = load_consultation(path, root, dim_ids)
        problems += probs
        if item is not None:
            out.append(item)
    if [p for p in problems if p.severity == "error"]:
        raise ValidationFailed(problems)
    services = [c.profile.id for c in out]
    dup = sorted({s for s in services if services.count(s) > 1})
    # Two meetings with the same service keep their own profile (suffix by date).
    if dup:
        out = [LoadedConsultation(c.file, c.data, c.profile.model_copy(
            update={"id": f"{c.profile.id}_{c.data.date.replace('-', '')}"})) if c.profile.id in dup else c
            for c in out]
    return sorted(out, key=lambda c: (c.data.date, c.data.service))


# --------------------------------------------------------------------------- sources


_POLICIES: dict[Path, SourcePolicy] = {}


def project_policy(root: Path | None = None) -> SourcePolicy:
    """The policy of the project at ``root`` (found from the current directory by default), cached."""
    root = Path(root or find_root()).resolve()
    if root not in _POLICIES:
        _POLICIES[root] = load_source_policy(root)
    return _POLICIES[root]


def validate_sources(proj) -> list[Problem]:
    """Called by :func:`validate_project`.

    Loads ``benchmark/sources_policy.yml`` (problems collected, never raised), keeps it on the
    project as ``proj.source_policy`` and checks every case's sources.
    """
    path = proj.root / "benchmark" / POLICY_FILE
    if not path.exists():
        return []  # a project without a policy: no grading (older projects, minimal test projects)
    policy, _, problems = load_model(path, SourcePolicy, proj.root)
    if policy is None:
        return problems
    proj.source_policy = policy
    files = {cid: rel(p, proj.root) for cid, p in proj.case_files.items()}
    return problems + check_policy(policy, rel(path, proj.root)) + check_sources(proj.cases, files, policy)


def validate_evidence(proj) -> list[Problem]:
    """The evidence rules, called once by :func:`validate_project`.

    - sets the edition tolerance of derived values from ``settings.evidence``;
    - grades every cited source (:func:`validate_sources`);
    - warns on each case under ``scoring.coverage_threshold`` (with the criteria still empty).
    """
    problems: list[Problem] = []
    if proj.settings is not None:
        set_edition_tolerance(proj.settings.evidence.edition_tolerance_years)
    problems += validate_sources(proj)
    if proj.settings is not None and proj.catalogue is not None and proj.families is not None:
        files = {cid: rel(p, proj.root) for cid, p in proj.case_files.items()}
        cases = [c for c in proj.cases if c.family in proj.families.ids]
        problems += low_coverage_problems(cases, proj.catalogue, proj.families,
                                          proj.settings.scoring.coverage_threshold, files)
    return problems
