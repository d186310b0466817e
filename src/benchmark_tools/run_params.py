"""The run parameters: ``benchmark/report.yml`` updated by ``--set`` overrides, validated and checked against the project."""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from .errors import InputError, ValidationFailed
from .modelio import load_model, pydantic_problems
from .schema import ReportParams
from .validate import check_report_params
from .yamlio import YamlDocument


def parse_overrides(overrides: list[str]) -> dict:
    """``["profile=gestion", "n_draws=500"]`` → dict, values read as YAML scalars or lists."""
    out = {}
    for item in overrides:
        if "=" not in item:
            exc = InputError(f"paramètre mal écrit « {item} » (attendu : cle=valeur, par exemple profile=gestion)")
            exc.usage = True
            raise exc
        key, raw = item.split("=", 1)
        key = key.strip()
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        if key == "families" and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        out[key] = value
    return out


def load_params(root: Path, overrides: list[str] | None = None, values: dict | None = None) -> ReportParams:
    """The run parameters: ``benchmark/report.yml`` updated by the overrides, validated.

    Raises
    ------
    InputError
        For an unknown parameter (with the list of known ones) or an invalid value.
    """
    path = root / "benchmark" / "report.yml"
    base, doc, problems = load_model(path, ReportParams, root)
    if base is None:
        raise ValidationFailed(problems)
    extra = parse_overrides(overrides or [])
    extra.update(values or {})
    known = list(ReportParams.model_fields)
    unknown = [k for k in extra if k not in known]
    if unknown:
        hints = [difflib.get_close_matches(k, known, n=1) for k in unknown]
        msg = "; ".join(f"« {k} »" + (f" (vouliez-vous dire « {h[0]} » ?)" if h else "") for k, h in zip(unknown, hints, strict=False))
        exc = InputError(f"paramètre(s) inconnu(s) : {msg} — paramètres acceptés : {', '.join(known)}")
        exc.usage = True
        raise exc
    data = base.model_dump()
    data.update(extra)
    try:
        return ReportParams.model_validate(data)
    except Exception as exc:  # pydantic.ValidationError
        probs = pydantic_problems(exc, ReportParams, YamlDocument("--set", data, {}), None)
        raise InputError("valeur de paramètre invalide : " + " ; ".join(
            f"{p.field}: {p.message}" + (f" (attendu : {p.expected}, trouvé : {p.found})" if p.expected else "")
            for p in probs)) from None


def check_params_against_project(params: ReportParams, project) -> None:
    """Profile and families must exist in the project."""
    if params.profile not in project.profiles:
        raise InputError(f"profil inconnu « {params.profile} » (attendu : {', '.join(sorted(project.profiles))})")
    probs = check_report_params(params, "--set / report.yml", project.settings)
    if probs:
        raise InputError(f"{probs[0].field} : {probs[0].message} (attendu : {probs[0].expected}, "
                         f"trouvé : {probs[0].found})")
    bad = [f for f in params.families if f not in project.families.ids]
    if bad:
        raise InputError(f"famille(s) inconnue(s) : {', '.join(bad)} (attendu : {', '.join(project.families.ids)})")
