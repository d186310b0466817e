"""Running the notebooks and rendering the préconisations report (HTML and PDF).

The runner reads the run parameters from ``benchmark/report.yml`` and ``--set key=value``
overrides (an unknown key is an error, where papermill would only warn), executes each
notebook of ``notebooks/`` in a fresh kernel with ``OMP_NUM_THREADS=1``, keeps the executed
notebooks as the run's record, renders the report notebook to a self-contained HTML page and
to an A4 PDF, and writes the scores as CSV.

Everything is written into ``reports/runs/<timestamp>.partial/`` first. Only when every step
succeeded is the folder renamed and ``reports/latest`` switched to it, in one atomic step; a
failed run is kept as ``<timestamp>.failed/`` for inspection and the previous report stays.
"""

from __future__ import annotations

import datetime as _dt
import errno
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import runcache, runsched
from .annexes import ANNEX_PDF, render_pdf
from .errors import BenchmarkError, InputError
from .explorer_page import write_explorer_page
from .htmlsafe import CSP
from .modelio import find_root
from .note import write_note
from .pipeline import write_scores
from .project import load_project
from .run_params import check_params_against_project, load_params

#: The notebook rendered as the report (last in the run).
REPORT_NOTEBOOK = "90_rapport.py"
TEMPLATE_DIR = Path(__file__).parent / "templates"


# --------------------------------------------------------------------------- parameters


# --------------------------------------------------------------------------- notebooks


#: Numbered notebooks that are not part of the benchmark report (run by their own command).
SEPARATE_NOTEBOOKS = ("50_printemps_citoyen.py",)


def notebook_paths(root: Path) -> list[Path]:
    """Notebooks of the run, in order: ``notebooks/NN_*.py`` (the exploration notebook and the Printemps
    citoyen notebook, run by ``benchmark-tools printemps rapport``, are not part of it)."""
    return sorted(p for p in (root / "notebooks").glob("[0-9][0-9]_*.py") if p.name not in SEPARATE_NOTEBOOKS)


def _declared(nb) -> dict:
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            names = re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]+)?=", cell.source, flags=re.M)
            return {n: None for n in names}
    return {}


@dataclass
class NotebookRun:
    name: str
    seconds: float
    output: Path


class NotebookFailed(BenchmarkError):
    """A notebook raised an error; the message gives the notebook, the cell and the error."""


def execute_notebook(src: Path, out_dir: Path, params: dict, root: Path, kernel_name: str = "python3",
                     timeout: int = 600) -> NotebookRun:
    """Execute one percent-format notebook in a fresh kernel; return its record."""
    import jupytext
    import papermill as pm

    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": kernel_name, "display_name": "Python 3", "language": "python"}
    declared = _declared(nb)
    passed = {k: v for k, v in params.items() if k in declared}
    build = out_dir / "build"
    build.mkdir(parents=True, exist_ok=True)
    ipynb_in = build / (src.stem + ".ipynb")
    jupytext.write(nb, ipynb_in)
    out = out_dir / (src.stem + ".ipynb")
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(str(ipynb_in), str(out), parameters=passed, cwd=str(root), kernel_name=kernel_name,
                            progress_bar=False, log_output=False, execution_timeout=timeout,
                            # The kernel warns on every start that it uses TCP on localhost, and reports the
                            # interrupt it receives at shutdown as an error: noise for the user, not a failure.
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except pm.PapermillExecutionError as exc:
        raise NotebookFailed(
            f"le notebook {src.name} a échoué à la cellule {exc.exec_count} : {exc.ename}: {exc.evalue}"
        ) from None
    return NotebookRun(src.name, time.perf_counter() - t0, out)


# --------------------------------------------------------------------------- HTML and PDF


def _css() -> str:
    return (TEMPLATE_DIR / "rapport" / "rapport.css").read_text(encoding="utf-8")


def render_html(executed: Path, title: str) -> str:
    """The executed report notebook as one self-contained HTML page (no code, no prompts, no script)."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    c.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=c, template_name="rapport", extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.anchor_link_text = ""
    nb = nbformat.read(executed, as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"report_title": title, "report_css": _css(), "report_csp": CSP})
    return insert_toc(body)


_HEADING = re.compile(r'<h([23])([^>]*)\bid="([^"]+)"([^>]*)>(.*?)</h\1>', re.S)


def insert_toc(html_text: str) -> str:
    """Build the table of contents from the h2/h3 headings and put it at ``<!--TOC-->``."""
    items = []
    for m in _HEADING.finditer(html_text):
        level, anchor, inner = int(m.group(1)), m.group(3), m.group(5)
        label = re.sub(r"<[^>]+>", "", inner).replace("¶", "").strip()
        if label and "toc-skip" not in m.group(0):
            items.append((level, anchor, label))
    parts = ['<nav class="toc"><h2 class="toc-skip" id="sommaire">Sommaire</h2><ol>']
    open_sub = False
    for level, anchor, label in items:
        if level == 2:
            if open_sub:
                parts.append("</ol></li>")
                open_sub = False
            elif len(parts) > 1 and parts[-1].endswith("</a>"):
                parts.append("</li>")
            parts.append(f'<li><a href="#{anchor}">{label}</a>')
        else:
            if not open_sub:
                parts.append("<ol>")
                open_sub = True
            parts.append(f'<li><a href="#{anchor}">{label}</a></li>')
    if open_sub:
        parts.append("</ol>")
    if items:
        parts.append("</li>")
    parts.append("</ol></nav>")
    toc = "".join(parts)
    for marker in ("<p><!--TOC--></p>", "<!--TOC-->", "&lt;!--TOC--&gt;"):
        if marker in html_text:
            return html_text.replace(marker, toc, 1)
    return html_text


# --------------------------------------------------------------------------- the run


def _switch_latest(reports: Path, run_dir: Path) -> None:
    """Point ``reports/latest`` at ``run_dir`` in one atomic rename."""
    latest = reports / "latest"
    tmp = reports / f".latest.{os.getpid()}.tmp"  # per process: two runs never share the link being made
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path("runs") / run_dir.name, target_is_directory=True)
    if latest.exists() and not latest.is_symlink():
        # An old copied folder (not a link) is moved aside rather than deleted.
        latest.rename(reports / f"latest.old-{int(time.time())}")
    os.replace(tmp, latest)


class RunInterrupted(KeyboardInterrupt):
    """The run received SIGTERM: handled like Ctrl-C (the run folder is marked ``.failed``)."""


class _RunLock:
    """One report at a time per ``reports/`` folder (an OS lock, released even if the process is killed)."""

    def __init__(self, reports: Path):
        self.path = reports / ".rapport.lock"
        self.fh = None

    def __enter__(self):
        import fcntl

        self.fh = open(self.path, "a+")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.seek(0)
            who = self.fh.read().strip()
            self.fh.close()
            raise InputError("un autre rapport est déjà en cours dans ce dossier"
                             + (f" (processus {who})" if who else "")
                             + " : attendez qu'il se termine, puis relancez ; reports/latest n'a pas changé") from None
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(str(os.getpid()))
        self.fh.flush()
        return self

    def __exit__(self, *exc):
        import fcntl

        fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()
        return False


def clean_stale_runs(reports: Path, echo=print) -> list[Path]:
    """Mark the runs left ``.partial`` by a killed process as ``.failed``; remove stale ``latest`` links.

    Called under the run lock, so no ``.partial`` folder can belong to a live run.
    """
    out = []
    runs = reports / "runs"
    for part in sorted(runs.glob("*.partial")) if runs.is_dir() else []:
        failed = part.with_name(part.name[: -len(".partial")] + ".failed")
        if failed.exists():
            shutil.rmtree(part, ignore_errors=True)
        else:
            part.rename(failed)
            out.append(failed)
        echo(f"Exécution interrompue trouvée : {part.name} → {failed.name} (gardée pour inspection).")
    for tmp in reports.glob(".latest.*.tmp"):
        if tmp.is_symlink():
            tmp.unlink()
    return out


def _on_sigterm(signum, frame):
    raise RunInterrupted()


def run_report(overrides: list[str] | None = None, root: Path | None = None, *, echo=print,
               reports_dir: Path | None = None, notebooks: list[Path] | None = None) -> Path:
    """Execute every notebook and render the report; return the run folder.

    Parameters
    ----------
    overrides : list of "key=value"
        Changes to ``benchmark/report.yml`` for this run.
    root : Path, optional
        Project root (found from the current directory by default).
    reports_dir : Path, optional
        Where ``runs/`` and ``latest`` go (default ``<root>/reports``).
    notebooks : list of Path, optional
        Notebooks to run (default: ``notebooks/NN_*.py``).
    """

    root = Path(root) if root else find_root()
    params = load_params(root, overrides)
    project = load_project(root)
    check_params_against_project(params, project)
    reports = Path(reports_dir) if reports_dir else root / "reports"
    (reports / "runs").mkdir(parents=True, exist_ok=True)
    import signal
    import threading

    in_main = threading.current_thread() is threading.main_thread()
    old_handler = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        with _RunLock(reports):
            clean_stale_runs(reports, echo)
            return _run_locked(params, project, root, reports, echo, notebooks)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, old_handler)


def _run_locked(params, project, root: Path, reports: Path, echo, notebooks) -> Path:
    """The run proper, under the lock: everything in ``<stamp>.partial``, renamed at the end."""
    work, final = _new_run_folder(reports / "runs")
    # The kernels inherit this environment: one OpenMP thread (k-means is far slower with two on
    # these machines), a non-interactive matplotlib, and the project root.
    # The kernels also get the run's computation cache (each result computed once per run). All is
    # restored afterwards: a caller in the same process (a test, a notebook) keeps its own root.
    env_keep = _set_run_env(root, work)
    t_start = time.perf_counter()
    pdfs = prefetch = None
    try:
        nb_params = params.model_dump()
        nb_params["run_dir"] = str(work)
        todo = notebooks if notebooks is not None else notebook_paths(root)
        if not todo:
            raise InputError(f"aucun notebook à exécuter dans {root / 'notebooks'}")
        workers = runsched.default_workers()
        if any(p.name == REPORT_NOTEBOOK for p in todo):
            prefetch = runsched.start_prefetch(params, workers)
            # Criteria reference and case sheets go to annexes.pdf; the HTML keeps everything.
            pdfs = runsched.ReportPdfs(work / "preconisations.pdf", work / ANNEX_PDF, render_pdf, workers=workers)

        def start_pdfs(report_run):
            # As soon as the report notebook is done; the other notebooks may still run.
            echo("Rendu HTML …")
            html_path = work / "preconisations.html"
            html_path.write_text(render_html(report_run.output, params.title), encoding="utf-8")
            pdfs.start(html_path)

        runsched.run_notebooks(todo, lambda nb_path: execute_notebook(nb_path, work, nb_params, root),
                               first=REPORT_NOTEBOOK, workers=workers, echo=echo, on_first=start_pdfs,
                               hold_others=prefetch.wait if prefetch is not None else None)
        write_scores(project, params, work)
        write_explorer_page(project, params, work)
        if pdfs is not None and pdfs.started:
            echo("Rendu PDF …")

            def note():
                echo("Note de synthèse (PDF et DOCX) …")
                write_note(project, work, params)

            pdfs.finish(while_rendering=note)
        summary = runcache.summary_text(work / "cache")
        if summary:
            echo(summary)
        shutil.rmtree(work / "build", ignore_errors=True)
        (work / "parametres.yml").write_text(yaml.safe_dump(params.model_dump(), allow_unicode=True, sort_keys=False),
                                             encoding="utf-8")
        work.rename(final)
        _switch_latest(reports, final)
    except BaseException as exc:
        for job in (pdfs, prefetch):  # before the run folder is renamed or removed
            if job is not None:
                job.stop()
        _keep_failed_run(exc, work, echo)
        raise
    finally:
        for job in (pdfs, prefetch):
            if job is not None:
                job.stop()
        _restore_env(env_keep)
    echo(f"Rapport prêt en {time.perf_counter() - t_start:.1f} s : {reports / 'latest' / 'preconisations.html'}")
    return final


#: What the kernels of a run inherit: one OpenMP thread (k-means is far slower with two on these
#: machines), a non-interactive matplotlib, the project root and the run's cache folder.
_RUN_ENV_KEYS = ("OMP_NUM_THREADS", "MPLBACKEND", "PYDEVD_DISABLE_FILE_VALIDATION", "BENCHMARK_ROOT", runcache.ENV_DIR)


def _set_run_env(root: Path, work: Path) -> dict:
    """Set the run's environment; return the previous values (None: unset) for :func:`_restore_env`."""
    keep = {k: os.environ.get(k) for k in _RUN_ENV_KEYS}
    os.environ.update({"OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                       "BENCHMARK_ROOT": str(root), runcache.ENV_DIR: str(work / "cache")})
    return keep


def _restore_env(keep: dict) -> None:
    for k, v in keep.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _new_run_folder(runs: Path) -> tuple[Path, Path]:
    """Create ``<stamp>.partial`` (``<stamp>-N`` when taken); return it and the final name of the run."""
    stamp = _dt.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    n = 1
    while True:
        work, final = (runs / f"{stamp}.partial", runs / stamp) if n == 1 else \
            (runs / f"{stamp}-{n}.partial", runs / f"{stamp}-{n}")
        if not final.exists() and not final.with_name(final.name + ".failed").exists():
            try:
                work.mkdir()
                return work, final
            except FileExistsError:
                pass
        n += 1


def _keep_failed_run(exc: BaseException, work: Path, echo) -> None:
    """After a failed run: keep ``work`` as ``.failed`` (removed if the disk is full), say so.

    Raises the error to report instead of ``exc`` when there is one (a full disk, an OS error without
    a file name); otherwise returns and the caller re-raises ``exc``.
    """
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        # A full disk: the folder that filled it is removed (it would keep the disk full).
        where = exc.filename or work
        shutil.rmtree(work, ignore_errors=True)
        echo(f"Échec : disque plein en écrivant dans {where} ; le dossier d'exécution {work} a été supprimé, "
             "reports/latest n'a pas changé.")
        raise BenchmarkError(f"disque plein : impossible d'écrire « {where} » ({exc.strerror or exc}) ; "
                             f"libérez de la place puis relancez (dossier d'exécution supprimé : {work})") from None
    failed = work.with_name(work.name.replace(".partial", ".failed"))
    if work.exists():
        work.rename(failed)
    why = " (arrêt demandé)" if isinstance(exc, KeyboardInterrupt) else ""
    echo(f"Échec{why} : l'exécution (notebooks exécutés compris) est gardée pour inspection dans {failed} ; "
         "reports/latest n'a pas changé.")
    if isinstance(exc, OSError) and not exc.filename:
        raise OSError(exc.errno, exc.strerror or str(exc), str(work)) from None
