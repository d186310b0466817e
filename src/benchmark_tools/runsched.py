"""The report's steps side by side on the machine's cores.

A run is mostly waiting for work that does not depend on other work: each notebook runs in its
own kernel, and WeasyPrint renders the main PDF and the annexes PDF (about 70 and 350 pages)
from the same HTML page. On the team's two-core machine, doing them one after the other leaves
a core idle. The longest chain is: the report notebook, its HTML, then the annexes PDF. So:

1. the report notebook starts first, in one worker thread; the other notebooks (kept as the
   run's record) run in the other workers, each in its own kernel (threads are enough: the
   work happens in the kernel processes);
2. as soon as the report notebook is done, its HTML is rendered and the annexes PDF starts in a
   child process, while the other notebooks go on;
3. once every notebook is done, this process renders the main PDF and the note, and waits for
   the child (:class:`ReportPdfs`).

The computations the notebooks share are computed once through :mod:`benchmark_tools.runcache`
(a kernel that needs a result another kernel is computing waits for it).

``BENCHMARK_WORKERS`` sets the number of workers (default: the cores available to the process,
at most 2); with 1, every step runs in this process, one after the other, as before.
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from .analysis import analyse_family
from .annexes import render_pdf, render_split_pdfs, split_annexes
from .errors import InputError
from .gaps import family_gaps
from .project import load_project
from .recommend import recommend_all
from .runcache import cache_dir, enabled
from .schema import ReportParams

#: Environment variable: number of workers (notebooks side by side, child PDF renderer).
ENV_WORKERS = "BENCHMARK_WORKERS"
#: Default upper bound on the workers: the team's machine has two cores.
MAX_WORKERS = 2


def default_workers() -> int:
    """``BENCHMARK_WORKERS`` if set, else the cores this process may use, at most :data:`MAX_WORKERS`."""
    raw = os.environ.get(ENV_WORKERS, "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:

            raise InputError(f"{ENV_WORKERS} : nombre entier attendu, trouvé « {raw} »") from None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


def run_notebooks(todo: list[Path], execute: Callable[[Path], object], *, first: str, workers: int,
                  echo=print, on_first: Callable[[object], None] | None = None,
                  hold_others: Callable[[], None] | None = None) -> dict[str, object]:
    """Execute the notebooks, ``first`` (by file name) before the others; return the records by name.

    Parameters
    ----------
    todo : list of Path
    execute : callable
        ``execute(path) -> record`` (the runner's notebook step).
    first : str
        Name of the notebook to start first (the report: the longest chain starts with it).
    workers : int
        Notebooks executed side by side (1: one after the other, in this thread).
    on_first : callable, optional
        Called with the record of ``first`` as soon as it is done, in this thread, while the other
        notebooks go on (the runner starts the HTML and the annexes PDF there).
    hold_others : callable, optional
        With several workers, called (once) by the worker about to start the first of the other
        notebooks, before it starts it: the runner waits there for its prefetch child, so that the
        report notebook shares its cores with one process at a time.

    Raises
    ------
    Exception
        The first error of a notebook; no notebook starts after it.
    """
    ordered = sorted(todo, key=lambda p: p.name != first)  # stable: the others keep their order
    if workers <= 1 or len(ordered) <= 1:
        return _run_in_turn(ordered, execute, first, echo, on_first)
    return _run_side_by_side(ordered, execute, first, workers, echo, on_first, hold_others)


def _run_in_turn(ordered, execute, first, echo, on_first) -> dict[str, object]:
    """One worker: the notebooks one after the other, in this thread."""
    records: dict[str, object] = {}
    for i, path in enumerate(ordered, start=1):
        echo(f"[{i}/{len(ordered)}] {path.name} …")
        rec = execute(path)
        echo(f"      terminé en {rec.seconds:.1f} s")
        records[path.name] = rec
        if path.name == first and on_first is not None:
            on_first(rec)
    return records


def _notebook_worker(pending: queue.Queue, done: queue.Queue, stop: threading.Event, execute, first: str,
                     hold: list, held: threading.Lock) -> None:
    """A worker thread: takes notebooks until none is left, reports start, record or error on ``done``."""
    while not stop.is_set():
        try:
            i, path = pending.get_nowait()
        except queue.Empty:
            return
        if path.name != first:
            with held:
                wait, hold[0] = hold[0], None
            if wait is not None:
                wait()
        done.put(("start", i, path, None))
        try:
            done.put(("ok", i, path, execute(path)))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            done.put(("error", i, path, exc))
            return


def _run_side_by_side(ordered, execute, first, workers, echo, on_first, hold_others) -> dict[str, object]:
    """Several workers; this thread echoes the progress and raises the first error."""
    n = len(ordered)
    pending: queue.Queue = queue.Queue()
    for i, path in enumerate(ordered, start=1):
        pending.put((i, path))
    done: queue.Queue = queue.Queue()
    stop = threading.Event()
    args = (pending, done, stop, execute, first, [hold_others], threading.Lock())
    # Daemon threads: after Ctrl-C or SIGTERM the main thread marks the run failed and exits
    # without waiting for a notebook in progress (its kernel stops when its parent process ends).
    threads = [threading.Thread(target=_notebook_worker, args=args, name=f"notebook-{k}", daemon=True)
               for k in range(min(workers, n))]
    for t in threads:
        t.start()
    records: dict[str, object] = {}
    try:
        while len(records) < n:
            try:
                # A timeout keeps the wait interruptible by signals on every platform.
                kind, i, path, value = done.get(timeout=0.5)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and done.empty():
                    raise RuntimeError("les notebooks se sont arrêtés sans résultat") from None
                continue
            if kind == "start":
                echo(f"[{i}/{n}] {path.name} …")
            elif kind == "error":
                raise value
            else:
                echo(f"      {path.name} terminé en {value.seconds:.1f} s")
                records[path.name] = value
                if path.name == first and on_first is not None:
                    on_first(value)
    finally:
        stop.set()
    return records


class ChildRender:
    """One PDF rendered by a child process (``python -m benchmark_tools.runsched pdf OUT``).

    The child starts at once: it imports WeasyPrint and renders a one-line page (fonts loaded)
    while the HTML is not there yet, then waits for the page on its standard input, sent by
    :meth:`send` (no temporary file has to outlive this object). :meth:`wait` raises if the child
    failed; :meth:`stop` ends it (failed run, or no page to render).
    """

    def __init__(self, pdf_path: Path, html_text: str | None = None):
        src = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        # The child imports this very copy of the package, whatever is installed.
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.pdf_path = Path(pdf_path)
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmark_tools.runsched", "pdf", str(pdf_path)],
                                     stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self._err: bytes = b""
        self._feeder: threading.Thread | None = None
        # Read by a thread: a long error output cannot fill the pipe and block the child.
        self._reader = threading.Thread(target=self._read_err, daemon=True)
        self._reader.start()
        if html_text is not None:
            self.send(html_text)

    def send(self, html_text: str) -> None:
        """Give the child its page (written by a thread: a large page cannot block this process)."""
        self._feeder = threading.Thread(target=self._feed, args=(html_text.encode("utf-8"),), daemon=True)
        self._feeder.start()

    def _feed(self, data: bytes) -> None:
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the child ended early: wait() reports its error

    def _read_err(self) -> None:
        self._err = self.proc.stderr.read()

    def wait(self) -> None:
        """Until the PDF is written; raises :class:`OSError` with the child's message if it failed."""
        code = self.proc.wait()
        if self._feeder is not None:
            self._feeder.join()
        self._reader.join()
        if code != 0:
            msg = self._err.decode("utf-8", "replace").strip().splitlines()
            raise OSError(f"le rendu de {self.pdf_path.name} a échoué (code {code}) : "
                          + (msg[-1] if msg else "aucun message"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _pdf_main(argv: list[str]) -> int:
    """Child entry point: the HTML page on standard input, the PDF written to ``argv[0]``."""
    out = Path(argv[0])
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.html")
    try:
        # Warm-up while the page is being made: imports, fonts, the renderer's caches.
        tmp.write_text("<!DOCTYPE html><html><body><p>Préparation.</p></body></html>", encoding="utf-8")
        import weasyprint  # heavy (≈ 1 s): only in the PDF child, which warms it up early

        weasyprint.HTML(filename=str(tmp)).write_pdf(io.BytesIO())
        html_text = sys.stdin.buffer.read().decode("utf-8")
        if not html_text:
            return 0  # no page sent: nothing to render
        tmp.write_text(html_text, encoding="utf-8")
        render_pdf(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return 0


def _prefetch_main(argv: list[str]) -> int:
    """Child entry point: compute into the run's cache what the report notebook needs last.

    The report notebook computes the families' analyses, then the préconisations, then the facts
    to find (the longest step) family after family. This child computes the préconisations, then
    the facts to find in the reverse family order, on the other core: through the cache's per-result locks, each result is
    still computed once, by whichever process gets to it first, and the notebook waits less.
    """
    params = ReportParams.model_validate(json.loads(argv[0]))
    project = load_project()
    families = [f for f in params.families if f in project.families.main and project.cases_of(f)]
    # The préconisations first: the notebook needs them before the facts to find.
    recommend_all(project, params, params.families)
    for fam in reversed(families):
        family_gaps(project, fam, params)
    for fam in reversed(families):
        analyse_family(project, fam, params)
    return 0


class Prefetch:
    """The child of :func:`_prefetch_main`; its failure never fails the run (the notebook computes)."""

    def __init__(self, params):
        src = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmark_tools.runsched", "prefetch",
                                      params.model_dump_json()], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

    def wait(self, timeout: float = 120.0) -> None:
        """Until the child is done (at most ``timeout`` seconds: it only saves time)."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def start_prefetch(params, workers: int) -> Prefetch | None:
    """A :class:`Prefetch` child when there is a second worker and a run cache, else None."""
    if workers < 2 or cache_dir() is None or not enabled():
        return None
    return Prefetch(params)


class ReportPdfs:
    """The main PDF and ``annexes.pdf`` (as :func:`benchmark_tools.annexes.render_split_pdfs`), side by side.

    Made at the start of the run: with two workers or more (and the report's own renderer), the
    child that will render the annexes starts at once and gets ready. :meth:`start`, as soon as
    the HTML page exists, sends it the annexes; :meth:`finish` renders the main PDF here, calls
    ``while_rendering`` (the note) and waits for the child; :meth:`stop` ends the child (failed
    run, no page). With one worker, another renderer, or a page without annexes to split,
    :meth:`finish` renders both PDFs here, in turn, as before.
    """

    def __init__(self, main_pdf: Path, annex_pdf: Path, render, *, workers: int):
        self.main_pdf, self.annex_pdf, self.render = Path(main_pdf), Path(annex_pdf), render
        self.html_path: Path | None = None
        self.split = None
        self.child = ChildRender(annex_pdf) if workers > 1 and render is render_pdf else None

    @property
    def started(self) -> bool:
        return self.html_path is not None

    def start(self, html_path: Path) -> None:
        self.html_path = Path(html_path)
        if self.child is not None:
            self.split = split_annexes(self.html_path.read_text(encoding="utf-8"))
            if self.split is None:
                self.child.stop()
                self.child = None
            else:
                self.child.send(self.split.annexes)

    def finish(self, while_rendering: Callable[[], None] | None = None) -> None:
        if self.child is None:
            render_split_pdfs(self.html_path, self.main_pdf, self.annex_pdf, self.render)
        else:
            tmp_main = self.html_path.with_name("_principal.html")
            try:
                tmp_main.write_text(self.split.main, encoding="utf-8")
                self.render(tmp_main, self.main_pdf)
            finally:
                tmp_main.unlink(missing_ok=True)
        if while_rendering is not None:
            while_rendering()
        if self.child is not None:
            self.child.wait()

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


if __name__ == "__main__":  # pragma: no cover - exercised through ChildRender
    if len(sys.argv) == 3 and sys.argv[1] == "pdf":
        raise SystemExit(_pdf_main(sys.argv[2:]))
    if len(sys.argv) == 3 and sys.argv[1] == "prefetch":
        raise SystemExit(_prefetch_main(sys.argv[2:]))
    raise SystemExit("usage : python -m benchmark_tools.runsched pdf SORTIE.pdf < page.html")
