"""Locating the project and loading its YAML files into typed objects.

Each ``load_*`` function reads one kind of file and raises
:class:`~benchmark_tools.errors.ValidationFailed` with every problem found; the
lower-level :func:`load_model` returns the problems instead, for the validator.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
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


def _clean_loc(loc) -> tuple:
    """A pydantic error's location without the union member names (one error per member: keep the field)."""
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in (
        "bool", "int", "float", "str", "list[str]", "none"))))


def pydantic_problems(exc: pydantic.ValidationError, model: type[BaseModel], doc: YamlDocument,
                      case_id: str | None) -> list[Problem]:
    """Translate pydantic errors into French problems with file, line, case and field."""
    grouped: dict[tuple, list[dict]] = {}
    for err in exc.errors():
        grouped.setdefault(_clean_loc(err["loc"]), []).append(err)
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


# --------------------------------------------------------------------------- every problem of a file at once


_NO_STAND_IN = object()  # a required field no neutral value can stand in for

#: Text stand-ins tried, in order, for a required text field set aside (the first its pattern accepts).
_TEXT_STAND_INS = ("", "XX")


def _stand_in(spec, name: str, id_hint: str | None):
    """A neutral valid value for a required field set aside, or ``_NO_STAND_IN``.

    The first word of a closed list, an empty text (or one the field's pattern accepts); the
    identifier is the one the file's name gives. Never reported: every problem on the field is
    already known and the other checks' problems on it are dropped.
    """
    ann = spec.annotation
    if typing.get_origin(ann) is typing.Literal:
        return typing.get_args(ann)[0]
    if ann is not str and not (isinstance(ann, type) and issubclass(ann, str)) \
            and str not in typing.get_args(ann):
        return _NO_STAND_IN
    pattern = next((m.pattern for m in spec.metadata if getattr(m, "pattern", None)), None)
    candidates = (id_hint,) if name == "id" else _TEXT_STAND_INS
    for text in candidates:
        if isinstance(text, str) and (pattern is None or re.search(pattern, text)):
            return text
    return _NO_STAND_IN


def _set_aside(model: type[BaseModel], data: dict, loc: tuple, id_hint: str | None) -> bool:
    """Remove the refused part ``loc`` of ``data`` (a stand-in for a required top-level field).

    A location inside a list sets the whole list aside (removing one item would renumber the
    others). False when nothing can be set aside (an error on the whole file).
    """
    cut = next((i for i, part in enumerate(loc) if isinstance(part, int)), len(loc))
    loc = loc[:cut]
    if not loc:
        return False
    parent = data
    for part in loc[:-1]:
        parent = parent.get(part) if isinstance(parent, dict) else None
    key = loc[-1]
    if len(loc) == 1 and key in model.model_fields and model.model_fields[key].is_required():
        value = _stand_in(model.model_fields[key], key, id_hint)
        if value is _NO_STAND_IN:
            return False
        data[key] = value
    elif isinstance(parent, dict) and key in parent:
        del parent[key]
    elif len(loc) > 1:  # a required key missing below the top: the record holding it is set aside
        return _set_aside(model, data, loc[:-1], id_hint)
    return True


def salvage(model: type[BaseModel], data: dict, exc: pydantic.ValidationError,
            id_hint: str | None = None) -> tuple[BaseModel | None, tuple[str, ...]]:
    """The object ``data`` gives once the parts pydantic refused are set aside, for the other checks.

    An unknown key would otherwise hide every other problem of the file (the rules run on an
    object): the unknown keys and refused values are removed, a required field refused or missing
    takes a neutral stand-in (:func:`_stand_in`), and the rest is validated again.

    Returns
    -------
    (object or None, dotted paths set aside)
        None when the refusals cannot be set aside. A problem the other checks find at or under a
        path set aside repeats one pydantic reported: :func:`drop_set_aside` removes it.
    """
    data = copy.deepcopy(data)
    aside: list[str] = []
    for _ in range(3):  # a stand-in or a removal may reveal a missing key: a few rounds at most
        for loc in dict.fromkeys(_clean_loc(err["loc"]) for err in exc.errors()):
            if not _set_aside(model, data, loc, id_hint):
                return None, ()
            aside.append(".".join(str(p) for p in loc if not isinstance(p, int)) or "")
        try:
            return model.model_validate(data), tuple(dict.fromkeys(aside))
        except pydantic.ValidationError as again:
            exc = again
    return None, ()


def drop_set_aside(problems: list[Problem], aside: tuple[str, ...]) -> list[Problem]:
    """The problems that are not about a part set aside by :func:`salvage` (already reported)."""
    def about_aside(field: str | None) -> bool:
        return bool(field) and any(field == a or field.startswith((a + ".", a + "[")) for a in aside)

    return [p for p in problems if not about_aside(p.field)]


# --------------------------------------------------------------------------- loading


def load_model_partial(path: Path, model: type[BaseModel], root: Path | None = None,
                       max_bytes: int = DEFAULT_MAX_BYTES, id_hint: str | None = None):
    """Like :func:`load_model`, but an invalid file still gives the object its valid parts make.

    Returns
    -------
    (object or None, YamlDocument or None, list of Problem, dotted paths set aside)
        When the paths set aside are not empty, the object is only for the other checks of the
        file (:func:`salvage`); its problems on those paths go through :func:`drop_set_aside`.
    """
    doc, data, case_id, problems = _parse(path, root, max_bytes, id_hint)
    if data is None:
        return None, doc, problems, ()
    try:
        return model.model_validate(data), doc, problems, ()
    except pydantic.ValidationError as exc:
        obj, aside = salvage(model, data, exc, id_hint=id_hint)
        return obj, doc, problems + pydantic_problems(exc, model, doc, case_id), aside


def _parse(path: Path, root: Path | None, max_bytes: int, id_hint: str | None):
    """(document, its mapping or None, the case id for messages, problems) of a YAML file."""
    display = rel(path, root) if root else str(path)
    doc, problems = read_yaml(path, display, max_bytes=max_bytes)
    if doc is None:
        return None, None, id_hint, problems
    data = doc.data
    case_id = id_hint
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        case_id = data["id"]
    if not isinstance(data, dict):
        return doc, None, case_id, problems + [
            Problem(display, "le fichier doit contenir une table de clés (mapping) au premier niveau",
                    case_id=case_id, line=1, expected="clé: valeur", found=type(data).__name__)
        ]
    return doc, data, case_id, problems


def load_model(path: Path, model: type[BaseModel], root: Path | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES, id_hint: str | None = None, transform=None):
    """Read ``path`` and validate it as ``model``.

    ``transform(data) -> (data, problems)``, when given, rewrites the parsed mapping before validation
    (a status-quo design completed from its reference case).

    Returns
    -------
    (object or None, YamlDocument or None, list of Problem)
    """
    doc, data, case_id, problems = _parse(path, root, max_bytes, id_hint)
    if data is None:
        return None, doc, problems
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


