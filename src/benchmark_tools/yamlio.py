"""Reading the user's YAML files safely, with line numbers for every field.

The analyst writes these files by hand: the reader checks the file itself (size, encoding,
byte-order mark, Windows line endings, tabs, duplicate keys) before the content, and keeps the
line of every key so that each problem can point to a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import Problem

#: Default size limit when settings are not available (the settings file overrides it).
DEFAULT_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: the data and the line of each field path."""

    path: str
    data: object
    lines: dict

    def line_of(self, loc) -> int | None:
        """Line (1-based) of the deepest known prefix of ``loc`` (a tuple of keys/indices)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


# The C parser (libyaml) reads the case files about ten times faster than the pure-Python one;
# both raise the same errors with the same marks.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


#: Most values a file may hold once its aliases (``*name``) are expanded: a case file holds a few
#: thousand; a few nested aliases in a small file can expand to billions (« billion laughs »).
MAX_EXPANDED_NODES = 200_000


def _expanded_size(node, memo: dict) -> int:
    """Number of nodes of the document once aliases are expanded (shared nodes counted each time)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a recursive alias counts once (the constructor refuses it anyway)
    if isinstance(node, yaml.MappingNode):
        n = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        n = 1
    memo[key] = n
    return n


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"clé en double « {key} » (déjà vue ligne {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
# Dates are kept as text: a "2024-05-01" in a number field must be reported, not converted.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _index_lines(node, path=(), out=None) -> dict:
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            # Integer-looking keys (ordinal levels "0".."4") are stored both ways.
            keys = [key]
            if isinstance(key, str) and key.lstrip("-").isdigit():
                keys.append(int(key))
            for kk in keys:
                out[path + (kk,)] = k.start_mark.line + 1
                _index_lines(v, path + (kk,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _index_lines(v, path + (i,), out)
    return out


def read_text_checked(path: Path, display: str, max_bytes: int) -> tuple[str | None, list[Problem]]:
    """Read a text file and check size, encoding, BOM and line endings."""
    problems: list[Problem] = []
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(display, "fichier introuvable")]
    except OSError as exc:
        return None, [Problem(display, f"fichier illisible ({exc.strerror})")]
    if len(raw) > max_bytes:
        return None, [
            Problem(
                display,
                "fichier trop volumineux pour un fichier de configuration ou de cas",
                expected=f"au plus {max_bytes} octets",
                found=f"{len(raw)} octets",
            )
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(
                display,
                "le fichier commence par une marque d'ordre d'octets (BOM) : "
                "enregistrez-le en « UTF-8 » sans BOM",
                line=1,
                expected="UTF-8 sans BOM",
                found="UTF-8 avec BOM",
            )
        )
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, problems + [
            Problem(
                display,
                "le fichier n'est pas encodé en UTF-8 : ré-enregistrez-le en UTF-8",
                line=line,
                expected="UTF-8",
                found=f"octet {raw[exc.start]:#04x} à la position {exc.start}",
            )
        ]
    if "\r\n" in text or "\r" in text:
        line = text[: text.find("\r")].count("\n") + 1
        problems.append(
            Problem(
                display,
                "fins de ligne Windows (CRLF) : enregistrez le fichier avec des fins de ligne Unix (LF)",
                line=line,
                expected="LF",
                found="CRLF",
            )
        )
    return text, problems


def read_yaml(path: Path | str, display: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[YamlDocument | None, list[Problem]]:
    """Read and parse one YAML file; return the document (or None) and the problems found.

    Never raises for a user's mistake.
    """
    path = Path(path)
    display = display or str(path)
    text, problems = read_text_checked(path, display, max_bytes)
    if text is None:
        return None, problems
    if problems:
        # A BOM or CRLF is reported, and the content is still read to report everything at once.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return None, problems + [
            Problem(display, "fichier vide", expected="un document YAML", found="aucun contenu")
        ]
    for i, ln in enumerate(text.splitlines(), start=1):
        stripped = ln.lstrip(" ")
        if stripped.startswith("\t"):
            return None, problems + [
                Problem(
                    display,
                    "tabulation dans l'indentation : YAML n'accepte que des espaces",
                    line=i,
                    expected="des espaces",
                    found="une tabulation",
                )
            ]
    try:
        loader = _UniqueKeyLoader(text)
        try:
            # One parse: the node tree gives the lines, the same tree is then constructed.
            node = loader.get_single_node()
            if node is not None and _expanded_size(node, {}) > MAX_EXPANDED_NODES:
                return None, problems + [
                    Problem(display, "trop de valeurs une fois les alias YAML (*…) développés : recopiez les "
                            "valeurs au lieu d'y renvoyer", expected=f"au plus {MAX_EXPANDED_NODES} valeurs",
                            found="des alias imbriqués")
                ]
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
        lines = _index_lines(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "syntaxe invalide"
        msg = _french_yaml_error(what)
        return None, problems + [Problem(display, f"YAML mal formé : {msg}", line=line)]
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return None, problems + [
            Problem(display, "caractère de contrôle interdit dans un fichier YAML : supprimez-le",
                    line=line, expected="du texte imprimable", found=f"caractère U+{code:04X}")
        ]
    except RecursionError:
        return None, problems + [
            Problem(display, "structure trop profondément imbriquée", expected="au plus quelques niveaux",
                    found="des centaines de niveaux")
        ]
    except yaml.YAMLError as exc:  # pragma: no cover - defensive
        return None, problems + [Problem(display, f"YAML mal formé : {exc}")]
    doc = YamlDocument(display, data, lines)
    for loc, text in _control_chars(data):
        code = ord(_CONTROL.search(text).group())
        problems.append(Problem(display, "caractère de contrôle invisible dans un texte (écrit par un échappement "
                                "« \\x.. » ou copié d'un autre logiciel) : supprimez-le",
                                field=".".join(str(p) for p in loc) or None, line=doc.line_of(loc),
                                expected="du texte imprimable", found=f"caractère U+{code:04X}"))
    return doc, problems


# Tabs and line breaks are allowed in texts; other control characters are invisible, break
# workbooks (Excel refuses them) and have no place in a report.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_chars(data, loc=()):
    """(path, text) of every string (key or value) that holds a control character."""
    if isinstance(data, str):
        if _CONTROL.search(data):
            yield loc, data
    elif isinstance(data, dict):
        for k, v in data.items():
            if isinstance(k, str) and _CONTROL.search(k):
                yield loc + (k,), k
            yield from _control_chars(v, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _control_chars(v, loc + (i,))


_YAML_MESSAGES = {
    "mapping values are not allowed here": "deux-points inattendu (une valeur contenant « : » doit être entre guillemets)",
    "mapping values are not allowed in this context": "deux-points inattendu (une valeur contenant « : » doit être entre guillemets)",
    "could not find expected ':'": "deux-points attendu après une clé",
    "exceeded maximum nesting depth": "structure trop profondément imbriquée",
    "did not find expected ',' or ']'": "crochet « [ » non fermé ou virgule manquante dans une liste",
    "did not find expected ',' or '}'": "accolade « { » non fermée ou virgule manquante",
    "found character '\\t' that cannot start any token": "tabulation interdite",
    "expected <block end>, but found": "indentation incohérente",
    "found undefined alias": "alias non défini",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet ou crochet non fermé ?)",
    "did not find expected key": "indentation incohérente ou clé manquante",
    "found unknown escape character": "caractère d'échappement inconnu dans une chaîne entre guillemets",
    "but found another document": "plusieurs documents dans le fichier (séparateur « --- ») : un seul est attendu",
    "expected a single document in the stream": "plusieurs documents dans le fichier (séparateur « --- ») : un seul est attendu",
    "could not determine a constructor for the tag": "étiquette YAML non acceptée (« !!… ») : écrivez une valeur simple",
    "found character that cannot start any token": "caractère inattendu en début de valeur (mettez la valeur entre guillemets)",
    "while scanning a quoted scalar": "guillemet non fermé",
    "expected ',' or ']'": "crochet « [ » non fermé ou virgule manquante dans une liste",
    "expected ',' or '}'": "accolade « { » non fermée ou virgule manquante",
    "found undefined tag handle": "étiquette YAML inconnue (« !… ») : écrivez une valeur simple",
}


def _french_yaml_error(what: str) -> str:
    for en, fr in _YAML_MESSAGES.items():
        if what.startswith(en):
            return f"{fr} [{what}]"
    return f"syntaxe invalide [{what}]"


def dump_yaml(data) -> str:
    """YAML text for files the tool writes (profiles, imported cases): UTF-8, block style, stable order."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
