"""What every command of the command line shares: French error messages and exit codes.

A user's mistake (invalid file, unknown parameter, full disk) is a message naming the file and
what to do, never a traceback.
"""

from __future__ import annotations

import errno
import functools

import typer

from .errors import BenchmarkError, InputError, ValidationFailed

EXIT_INVALID = 1


EXIT_USAGE = 2


def _err(text: str) -> None:
    typer.echo(text, err=True)


def handle_errors(func):
    """Turn the tool's own errors into French messages and exit codes."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            errors = [p for p in exc.problems if p.severity == "error"]
            for p in exc.problems:
                _err(p.format())
            _err(f"\n{len(errors)} problème(s) : corrigez les fichiers ci-dessus puis relancez la commande.")
            raise typer.Exit(EXIT_INVALID)
        except InputError as exc:
            _err(f"Erreur : {exc}")
            raise typer.Exit(EXIT_USAGE if getattr(exc, "usage", False) else EXIT_INVALID)
        except BenchmarkError as exc:
            _err(f"Erreur : {exc}")
            raise typer.Exit(EXIT_INVALID)
        except FileExistsError as exc:
            _err(f"Erreur : le fichier existe déjà, rien n'a été écrit ({exc.filename or exc}) — "
                 "choisissez un autre nom ou supprimez d'abord l'ancien fichier.")
            raise typer.Exit(EXIT_INVALID)
        except OSError as exc:
            where = f" « {exc.filename} »" if exc.filename else " (fichier non précisé par le système)"
            what = "disque plein : impossible d'écrire" if exc.errno in (errno.ENOSPC, errno.EDQUOT) \
                else "impossible d'écrire ou de lire"
            _err(f"Erreur : {what}{where} ({exc.strerror or exc}).")
            raise typer.Exit(EXIT_INVALID)
        except KeyboardInterrupt:
            _err("Interrompu.")
            raise typer.Exit(130)

    return wrapper
