"""Writing outputs safely: to a temporary file first, then moved into place in one step.

A run that fails or is interrupted part-way never leaves a half-written file where a good one
was, and never touches the case files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask_mode() -> int:
    # mkstemp creates files readable by the owner only; outputs get the usual permissions.
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_text_atomic(path: Path | str, text: str, *, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8, LF) to ``path`` atomically.

    Raises
    ------
    FileExistsError
        When ``overwrite`` is false and ``path`` exists.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not exc.filename:
            # A write() on a full disk carries no path: name the file being written.
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    return path


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """Binary counterpart of :func:`write_text_atomic`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


# --------------------------------------------------------------------------- all-or-nothing across files

#: The journal of a batch of writes being committed (a redo log), in the batch's base folder.
JOURNAL_NAME = ".ecriture-en-cours.json"


class _FolderLock:
    """An OS lock on the folder itself (no lock file left behind; released even if the process is killed)."""

    def __init__(self, folder: Path, wait: bool = True):
        self.folder = Path(folder)
        self.wait = wait
        self.fd = None
        self.held = False

    def __enter__(self):
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
            self.held = True
        except BlockingIOError:
            self.held = False
        return self

    def __exit__(self, *exc):
        import fcntl

        if self.held:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        return False


def _stale_temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.tmp") if p.is_file() or p.is_symlink()]


def _replay(folder: Path) -> int:
    """Finish the renames of a committed journal (idempotent); return how many were done."""
    import json

    journal = folder / JOURNAL_NAME
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        entries = None  # unreadable: it was never committed (written atomically), nothing to replay
    done = 0
    for tmp, target in entries or []:
        src, dst = folder / tmp, folder / target
        if src.exists():
            os.replace(src, dst)
            done += 1
    journal.unlink(missing_ok=True)
    return done


def recover_writes(folder: Path | str) -> tuple[int, int]:
    """At start: finish a batch whose journal was committed, remove stale temporaries.

    A batch killed before its journal was written left only temporaries (hidden ``.*.tmp``
    files): they are removed and no target was touched. A batch killed after left a journal:
    its renames are replayed, so the batch ends complete. Skipped while a batch is being written
    by another process.

    Returns
    -------
    (renames replayed, temporaries removed)
    """
    folder = Path(folder)
    if not folder.is_dir() or not ((folder / JOURNAL_NAME).exists() or _stale_temporaries(folder)):
        return 0, 0
    with _FolderLock(folder, wait=False) as lock:
        if not lock.held:
            return 0, 0
        replayed = _replay(folder) if (folder / JOURNAL_NAME).exists() else 0
        stale = _stale_temporaries(folder)
        for p in stale:
            p.unlink(missing_ok=True)
        return replayed, len(stale)


def write_all_or_nothing(folder: Path | str, writes: list[tuple[Path, str]]) -> None:
    """Write several text files under ``folder`` so that either all or none change, even if killed.

    1. every file goes to a hidden temporary next to its target (fsync'ed);
    2. the list of renames is written as a journal, atomically: this is the commit point;
    3. the renames are done, then the journal is removed.
    Killed before 2, the next start (:func:`recover_writes`) removes the temporaries; killed
    after, it replays the renames.

    Raises
    ------
    OSError
        From step 1 (a full disk…), with the file's path; the temporaries are removed and no
        target has changed.
    """
    import json

    folder = Path(folder)
    with _FolderLock(folder):
        if (folder / JOURNAL_NAME).exists():
            _replay(folder)
        temps: list[tuple[Path, Path]] = []
        try:
            for target, text in writes:
                tmp = target.with_name(f".{target.name}.import.tmp")
                try:
                    write_text_atomic(tmp, text)
                except OSError as exc:
                    if not exc.filename:
                        exc.filename = str(target)
                    raise
                temps.append((tmp, target))
            entries = [[str(t.relative_to(folder)), str(g.relative_to(folder))] for t, g in temps]
            write_text_atomic(folder / JOURNAL_NAME, json.dumps(entries, ensure_ascii=False))
        except BaseException:
            for tmp, _ in temps:
                tmp.unlink(missing_ok=True)
            raise
        for tmp, target in temps:
            os.replace(tmp, target)
        (folder / JOURNAL_NAME).unlink(missing_ok=True)
