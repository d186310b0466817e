"""Locating the project and loading its YAML files into typed objects.

Each ``load_*`` function reads one kind of file and raises
:class:`~benchmark_tools.errors.ValidationFailed` with every problem found; the
lower-level :func:`load_model` returns the problems instead, for the validator.
"""

from __future__ import annotations

import difflib
import os
import typing
from pathlib import Path

import pydantic
from pydantic import BaseModel

from .errors import Problem, ValidationFailed, short
from .yamlio import DEFAULT_MAX_BYTES, YamlDocument, read_yaml

ENV_ROOT = "BENCHMARK_ROOT"


def find_root(start: Path | str | None = None) -> Path:
    """The project root: ``$BENCHMARK_ROOT``, else the nearest parent holding ``benchmark/criteria.yml``."""
    env = os.environ.get(ENV_ROOT)
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "benchmark" / "criteria.yml").is_file():
            return p
    raise ValidationFailed(
        [Problem(str(here), "dossier du projet introuvable : lancez la commande depuis le dépôt "
                 "(ou définissez BENCHMARK_ROOT)", expected="un dossier contenant benchmark/criteria.yml")]
    )


def rel(path: Path, root: Path) -> str:
    """Path shown in messages: relative to the root when possible."""
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- pydantic → French


_TYPE_WORDS = {
    "int": "un nombre entier",
    "float": "un nombre",
    "str": "du texte",
    "string": "du texte",
    "bool": "true ou false",
    "dict": "une table de clés (mapping)",
    "list": "une liste",
    "tuple": "une liste de deux nombres",
}


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names accepted at ``loc`` (for the 'did you mean' of unknown keys)."""
    current: object = model
    for part in loc[:-1]:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return []
            current = field.annotation
        else:
            args = [a for a in typing.get_args(current) if a is not type(None)]
            # list[X] / dict[str, X] / X | None: step into X
            current = args[-1] if args else None
        while True:
            args = [a for a in typing.get_args(current) if a is not type(None)]
            origin = typing.get_origin(current)
            if origin in (list, dict) and isinstance(part, (int, str)) and args:
                break
            if args and not (isinstance(current, type) and issubclass(current, BaseModel)):
                models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
                if models:
                    current = models[0]
                    continue
            break
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def pydantic_problems(exc: pydantic.ValidationError, model: type[BaseModel], doc: YamlDocument,
                      case_id: str | None) -> list[Problem]:
    """Translate pydantic errors into French problems with file, line, case and field."""
    grouped: dict[tuple, list[dict]] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        # Union members report one error each: keep the field, drop the member name.
        clean = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in (
            "bool", "int", "float", "str", "list[str]", "none"))))
        grouped.setdefault(clean, []).append(err)
    problems = []
    for loc, errs in grouped.items():
        field = ".".join(str(p) for p in loc) or None
        line = doc.line_of(loc)
        err = errs[0]
        typ, inp = err["type"], err.get("input")
        if typ == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(model, loc)
            hint = difflib.get_close_matches(key, allowed, n=1)
            msg = f"clé inconnue « {key} »" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else "")
            problems.append(Problem(doc.path, msg, case_id=case_id, field=field, line=line,
                                    expected=("une des clés : " + ", ".join(allowed[:12]) + ("…" if len(allowed) > 12 else "")) if allowed else None,
                                    found=key))
        elif typ == "missing":
            problems.append(Problem(doc.path, "champ obligatoire manquant", case_id=case_id,
                                    field=field, line=line))
        elif typ == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            found = short(inp)
            hint = difflib.get_close_matches(str(inp), [s.strip(" '") for s in expected.replace(" or ", ",").split(",")], n=1)
            msg = "valeur non reconnue" + (f" — vouliez-vous dire « {hint[0]} » ?" if hint else "")
            problems.append(Problem(doc.path, msg, case_id=case_id, field=field, line=line,
                                    expected=expected.replace(" or ", " ou "), found=found))
        elif typ == "string_pattern_mismatch":
            pattern = err.get("ctx", {}).get("pattern", "")
            words = {
                r"^[a-z][a-z0-9_]*$": "minuscules, chiffres et _ (commençant par une lettre)",
                r"^[A-Z]{2}$": "un code pays ISO à deux lettres majuscules (FR, ES…)",
            }.get(pattern, pattern)
            problems.append(Problem(doc.path, "format invalide", case_id=case_id, field=field,
                                    line=line, expected=words, found=short(inp)))
        elif len(errs) > 1 and all(e["type"].endswith("_type") for e in errs):
            problems.append(Problem(doc.path, "type de valeur non accepté", case_id=case_id,
                                    field=field, line=line,
                                    expected="un nombre, un texte, true/false ou une liste de textes",
                                    found=short(inp)))
        elif typ.endswith("_type") or typ.endswith("_parsing"):
            base = typ.split("_")[0]
            expected = _TYPE_WORDS.get(base, base)
            problems.append(Problem(doc.path, "type incorrect", case_id=case_id, field=field,
                                    line=line, expected=expected, found=short(inp)))
        elif typ in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            ctx = err.get("ctx", {})
            bound = {"greater_than": "> {gt}", "greater_than_equal": "≥ {ge}",
                     "less_than": "< {lt}", "less_than_equal": "≤ {le}"}[typ].format(**ctx)
            problems.append(Problem(doc.path, "valeur hors des bornes", case_id=case_id,
                                    field=field, line=line, expected=bound, found=short(inp)))
        else:
            msg = err.get("msg", "valeur invalide")
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            problems.append(Problem(doc.path, f"valeur invalide : {msg}", case_id=case_id,
                                    field=field, line=line, found=short(inp)))
    return problems


def load_model(path: Path, model: type[BaseModel], root: Path | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES, id_hint: str | None = None, transform=None):
    """Read ``path`` and validate it as ``model``.

    ``transform(data) -> (data, problems)``, when given, rewrites the parsed mapping before validation
    (a status-quo design completed from its reference case).

    Returns
    -------
    (object or None, YamlDocument or None, list of Problem)
    """
    display = rel(path, root) if root else str(path)
    doc, problems = read_yaml(path, display, max_bytes=max_bytes)
    if doc is None:
        return None, None, problems
    data = doc.data
    case_id = id_hint
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        case_id = data["id"]
    if not isinstance(data, dict):
        return None, doc, problems + [
            Problem(display, "le fichier doit contenir une table de clés (mapping) au premier niveau",
                    case_id=case_id, line=1, expected="clé: valeur", found=type(data).__name__)
        ]
    if transform is not None:
        data, extra = transform(data)
        problems = problems + extra
        if data is None:
            return None, doc, problems
    try:
        obj = model.model_validate(data)
    except pydantic.ValidationError as exc:
        return None, doc, problems + pydantic_problems(exc, model, doc, case_id)
    return obj, doc, problems


def _load_or_raise(path: Path, model, root: Path, max_bytes: int = DEFAULT_MAX_BYTES):
    obj, _, problems = load_model(path, model, root, max_bytes)
    errors = [p for p in problems if p.severity == "error"]
    if errors or obj is None:
        raise ValidationFailed(problems)
    return obj


