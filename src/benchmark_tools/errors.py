"""Problems found in the user's files, and the errors that carry them.

Every mistake a user can make is reported as a :class:`Problem` naming the file, the case,
the field, what was expected and what was found. Problems are collected (all of them, not just
the first) and shown in French, in one consistent form::

    data/cases/budget_participatif/x.yml:12: x: design.envelope.value: un nombre est attendu (attendu : nombre, trouvé : "3,5 M€")
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in one input file.

    Parameters
    ----------
    file : str
        Path of the file, as given or relative to the project root.
    message : str
        What is wrong, in French, in words the analyst can act on.
    case_id : str, optional
        Identifier of the case (or profile, design…) concerned.
    field : str, optional
        Dotted path of the field (``design.envelope.value``); for workbooks ``sheet!B12``.
    expected, found : str, optional
        The technical detail shown after the message.
    line : int, optional
        Line number in the file (1-based) when known.
    severity : {"error", "warning"}
    """

    file: str
    message: str
    case_id: str | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    line: int | None = None
    severity: str = "error"

    def format(self) -> str:
        """The problem as one line of French text."""
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.case_id:
            parts.append(self.case_id)
        if self.field:
            parts.append(self.field)
        text = ": ".join(parts) + ": " + self.message
        detail = []
        if self.expected is not None:
            detail.append(f"attendu : {self.expected}")
        if self.found is not None:
            detail.append(f"trouvé : {self.found}")
        if detail:
            text += " (" + ", ".join(detail) + ")"
        if self.severity == "warning":
            text = "avertissement — " + text
        return text

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.format()


    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)


class BenchmarkError(Exception):
    """Base class of the errors the command line turns into a French message (no traceback)."""


class InputError(BenchmarkError):
    """A user's input (argument, parameter, weight vector…) is not acceptable.

    The message is French and says what was expected and what was found.
    """


class ValidationFailed(BenchmarkError):
    """Some input files are invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len([p for p in self.problems if p.severity == "error"])
        super().__init__(
            f"{n} problème(s) dans les fichiers d'entrée :\n"
            + "\n".join(p.format() for p in self.problems)
        )


def short(value, limit: int = 60) -> str:
    """A value as shown in a message: quoted text, truncated."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return f'"{text}"'
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
