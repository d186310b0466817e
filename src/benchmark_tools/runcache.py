"""Compute once per run: a cache of the analysis results keyed by everything they depend on.

During ``make report`` the same Monte Carlo of a family is asked for by several notebooks (the
robustness notebook and the report each analyse every family), by the préconisations (leaders
of each family), by the facts-to-find annex and by the note rendered after the notebooks. Each
notebook runs in its own kernel, so a plain in-memory memo cannot share them: the runner gives
every kernel the folder ``<run>/cache`` through the environment variable :data:`ENV_DIR`, and a
result computed by one process is read by the others.

The key of a result is a SHA-256 :func:`fingerprint` of *all* its inputs — the matrix arrays and
identifiers, the profile weights, the whole settings, the method, normalisation, prior, number
of draws and seed — plus the name of the computation and a digest of the package's source code.
The fingerprint refuses any object it cannot encode completely (:class:`TypeError`) rather than
leave part of an input out of the key: a cache that returns a stale result would be worse than
no cache. A changed parameter is a different key, hence a new computation.

A result goes through :mod:`pickle` on the way in and out, hit or miss, so that a caller always
gets its own copy (editing it cannot change what another caller receives) and the result is
bit-identical with and without the cache. Layers:

1. a process-level memo (pickled bytes, least recently used first out, bounded in size);
2. with :data:`ENV_DIR` set, one file per key in that folder, written atomically. A lock per key
   (``fcntl``) makes a second process that asks for a result being computed wait for it instead
   of computing it again: two kernels running side by side still compute each result once.

``BENCHMARK_NO_CACHE=1`` (:data:`ENV_OFF`) turns the cache off (comparisons, debugging). Every
lookup is counted (:func:`stats`) and, with a folder, appended to ``journal.tsv`` in it, which the
runner sums up at the end of a run (:func:`journal_summary`).
"""

from __future__ import annotations

import copyreg
import dataclasses
import datetime as _dt
import enum
import hashlib
import os
import pickle
import struct
import time
import types
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import TypeVar

import numpy as np

from .matrix import DecisionMatrix

#: Environment variable: folder of the run's cache (set by the report runner for its kernels).
ENV_DIR = "BENCHMARK_RUN_CACHE"
#: Environment variable: ``1`` turns the cache off.
ENV_OFF = "BENCHMARK_NO_CACHE"
#: Size bound of the process-level memo (bytes of pickled results).
MEMO_BYTES = 256 * 2**20
JOURNAL = "journal.tsv"

T = TypeVar("T")

_memo: OrderedDict[str, bytes] = OrderedDict()
_memo_bytes = 0
_stats: Counter = Counter()
_code_digest: str | None = None


# --------------------------------------------------------------------------- fingerprints


def _encode(obj, h) -> None:
    """Feed a canonical, typed encoding of ``obj`` to the hash ``h`` (TypeError if unknown)."""
    # Each value is tagged with its kind, and variable-length parts are length-prefixed, so two
    # different inputs cannot produce the same byte stream (["ab"] vs ["a", "b"], 1 vs 1.0 vs "1").
    def tag(t: bytes, payload: bytes = b"") -> None:
        h.update(t + struct.pack("<Q", len(payload)) + payload)

    if obj is None:
        tag(b"N")
    elif isinstance(obj, bool | np.bool_):
        tag(b"B", b"1" if obj else b"0")
    elif isinstance(obj, enum.Enum):
        tag(b"E", type(obj).__qualname__.encode())
        _encode(obj.value, h)
    elif isinstance(obj, int | np.integer):
        tag(b"I", str(int(obj)).encode())
    elif isinstance(obj, float | np.floating):
        # float.hex is exact: two floats that differ in the last bit are two keys.
        tag(b"F", float(obj).hex().encode())
    elif isinstance(obj, str):
        tag(b"S", obj.encode("utf-8", "surrogatepass"))
    elif isinstance(obj, bytes):
        tag(b"Y", obj)
    elif isinstance(obj, PurePath):
        tag(b"P", str(obj).encode())
    elif isinstance(obj, _dt.date | _dt.datetime | _dt.time):
        tag(b"D", obj.isoformat().encode())
    elif isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            tag(b"O", repr(obj.shape).encode())
            for x in obj.ravel().tolist():
                _encode(x, h)
        else:
            tag(b"A", f"{obj.dtype.str}{obj.shape}".encode())
            h.update(np.ascontiguousarray(obj).tobytes())
    elif _is_pydantic(obj):
        # The JSON dump writes every field, nested models included, floats in shortest
        # round-trip form (exact).
        tag(b"M", f"{type(obj).__module__}.{type(obj).__qualname__}".encode())
        tag(b"J", obj.model_dump_json().encode())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        tag(b"C", f"{type(obj).__module__}.{type(obj).__qualname__}".encode())
        for f in dataclasses.fields(obj):
            _encode(f.name, h)
            _encode(getattr(obj, f.name), h)
    elif isinstance(obj, Mapping):
        # In insertion order: a function may depend on it; the same items in another order
        # are then another key (a needless computation, never a stale result).
        tag(b"m", str(len(obj)).encode())
        for k, v in obj.items():
            _encode(k, h)
            _encode(v, h)
    elif isinstance(obj, types.SimpleNamespace):
        tag(b"n")
        _encode(vars(obj), h)
    elif isinstance(obj, list | tuple):
        tag(b"L" if isinstance(obj, list) else b"T", str(len(obj)).encode())
        for x in obj:
            _encode(x, h)
    elif isinstance(obj, set | frozenset):
        tag(b"s", str(len(obj)).encode())
        for d in sorted(fingerprint(x) for x in obj):
            h.update(d.encode())
    else:
        raise TypeError(f"runcache.fingerprint : type non pris en charge {type(obj).__module__}."
                        f"{type(obj).__qualname__} (une clé incomplète pourrait rendre un résultat périmé)")


def _is_pydantic(obj) -> bool:
    return hasattr(obj, "model_dump_json") and hasattr(type(obj), "model_fields")


def fingerprint(*parts) -> str:
    """SHA-256 (hex) of a canonical encoding of ``parts``.

    Supports None, bool, int, float (exact), str, bytes, paths, dates, enums, numpy arrays
    (dtype, shape and bytes), pydantic models (every field), dataclasses (every field),
    mappings, lists, tuples and sets, nested.

    Raises
    ------
    TypeError
        For any other object: a key must describe its inputs completely.
    """
    h = hashlib.sha256()
    _encode(parts, h)
    return h.hexdigest()


def code_digest() -> str:
    """Digest of the package's Python sources (part of every key; computed once per process)."""
    global _code_digest
    if _code_digest is None:
        h = hashlib.sha256()
        for p in sorted(Path(__file__).parent.glob("*.py")):
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        _code_digest = h.hexdigest()
    return _code_digest


# --------------------------------------------------------------------------- pickling


def _pickle_mappingproxy(m):
    return types.MappingProxyType, (dict(m),)


def _rebuild_matrix(kwargs):
    return DecisionMatrix(**kwargs)


def _pickle_matrix(m):
    # Rebuilt through the constructor: checks again and read-only arrays, as when first made.
    kwargs = {f.name: getattr(m, f.name) for f in dataclasses.fields(m) if f.init}
    kwargs["dimension_of"] = dict(kwargs["dimension_of"])
    return _rebuild_matrix, (kwargs,)


def _register_picklers() -> None:
    copyreg.pickle(types.MappingProxyType, _pickle_mappingproxy)
    copyreg.pickle(DecisionMatrix, _pickle_matrix)


# --------------------------------------------------------------------------- the cache


def enabled() -> bool:
    """False when ``BENCHMARK_NO_CACHE=1``."""
    return os.environ.get(ENV_OFF, "").strip() not in ("1", "true", "oui", "yes")


def cache_dir() -> Path | None:
    """The run's cache folder (``BENCHMARK_RUN_CACHE``), or None (process memo only)."""
    d = os.environ.get(ENV_DIR, "").strip()
    return Path(d) if d else None


def stats() -> Counter:
    """Lookups of this process: ``{(name, "hit" | "miss"): count}``."""
    return Counter(_stats)


def clear_memo() -> None:
    """Forget the process-level memo and the counters (tests)."""
    global _memo_bytes
    _memo.clear()
    _memo_bytes = 0
    _stats.clear()


def _remember(key: str, blob: bytes) -> None:
    global _memo_bytes
    if key in _memo:
        return
    _memo[key] = blob
    _memo_bytes += len(blob)
    while _memo_bytes > MEMO_BYTES and len(_memo) > 1:
        _, old = _memo.popitem(last=False)
        _memo_bytes -= len(old)


def _note(folder: Path | None, name: str, outcome: str, seconds: float) -> None:
    _stats[(name, outcome)] += 1
    if folder is None:
        return
    line = f"{os.getpid()}\t{name}\t{outcome}\t{seconds:.3f}\n".encode()
    # One short O_APPEND write per line: lines of processes running side by side do not mix.
    fd = os.open(folder / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


@contextmanager
def _key_lock(path: Path):
    import fcntl

    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _write_atomic(path: Path, blob: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(blob)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def cached(name: str, key_parts: tuple, compute: Callable[[], T]) -> T:
    """The result of ``compute()``, computed once per key in the process and in the run.

    Parameters
    ----------
    name : str
        Name of the computation (part of the key, of the file name and of the counters).
    key_parts : tuple
        Every input the result depends on (see :func:`fingerprint`).
    compute : callable
        Computes the result; called only on a miss.

    Returns
    -------
    A fresh copy of the result (unpickled), on a hit as on a miss.
    """
    if not enabled():
        return compute()
    _register_picklers()
    try:
        key = fingerprint(name, code_digest(), key_parts)
    except TypeError:
        # An input the fingerprint cannot describe completely: computed, never cached.
        _stats[(name, "uncached")] += 1
        return compute()
    folder = cache_dir()
    t0 = time.perf_counter()
    blob = _memo.get(key)
    if blob is not None:
        _memo.move_to_end(key)
        _note(folder, name, "hit", time.perf_counter() - t0)
        return pickle.loads(blob)
    if folder is None:
        blob = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
        _note(None, name, "miss", time.perf_counter() - t0)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}-{key[:40]}.pkl"
        with _key_lock(folder / f".{name}-{key[:40]}.lock"):
            if path.exists():
                blob = path.read_bytes()
                _note(folder, name, "hit", time.perf_counter() - t0)
            else:
                blob = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
                _write_atomic(path, blob)
                _note(folder, name, "miss", time.perf_counter() - t0)
    _remember(key, blob)
    return pickle.loads(blob)


def journal_summary(folder: Path) -> dict[str, dict[str, int]]:
    """Counts per computation in a run's ``journal.tsv``: ``{name: {"miss": n, "hit": m}}``."""
    out: dict[str, dict[str, int]] = {}
    path = Path(folder) / JOURNAL
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            d = out.setdefault(parts[1], {"miss": 0, "hit": 0})
            d[parts[2]] = d.get(parts[2], 0) + 1
    return out


def summary_text(folder: Path) -> str | None:
    """One French sentence for the run log (None when nothing was looked up)."""
    counts = journal_summary(folder)
    if not counts:
        return None
    computed = sum(c["miss"] for c in counts.values())
    reused = sum(c["hit"] for c in counts.values())
    detail = ", ".join(f"{name} {c['miss']}/{c['hit']}" for name, c in sorted(counts.items()))
    return (f"Cache de calcul : {computed} calcul(s), {reused} réutilisation(s) "
            f"(calculés/réutilisés par type : {detail}).")


# --------------------------------------------------------------------------- project-level keys


def family_analysis(compute, project, family: str, params, **flags):
    """``compute(project, family, params, **flags)`` (the analysis of one family), cached.

    The key holds what the analysis reads from the project, taken broadly so that it cannot
    miss an input: the family's cases (every field), the catalogue, the families, every
    profile (the agreement between profiles uses them all), the settings, the run parameters
    and the flags.
    """
    key = (family, project.cases_of(family), project.catalogue, project.families,
           sorted(project.profiles.items()), project.settings, params, sorted(flags.items()))
    return cached("analyse_family", key, lambda: compute(project, family, params, **flags))


def files_digest(root: Path) -> str:
    """Digest of every file under ``<root>/benchmark`` and ``<root>/data`` (paths and bytes).

    For computations that read configuration files themselves (the rules of the préconisations,
    the territory): whatever file they read, a change of it is a change of key.
    """
    h = hashlib.sha256()
    root = Path(root)
    for top in ("benchmark", "data"):
        base = root / top
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def project_computation(name: str, compute, project, *args):
    """``compute(project, *args)``, cached with the whole project as key.

    The key holds every field of the loaded project (cases, catalogue, families, profiles,
    settings, designs, report parameters…), the bytes of every file under ``benchmark/`` and
    ``data/`` (read by some steps on their own) and ``args``: the broadest description of the
    inputs, for computations that read more of the project than a list could safely name.
    """
    return cached(name, (project, files_digest(project.root), args), lambda: compute(project, *args))


@contextmanager
def latest_run(root: Path):
    """Within the block, commands share the cache of the last report (``reports/latest/cache``).

    For the commands run after ``make report`` (``note``, ``gaps``): what the report computed with
    the same inputs is read instead of computed again (the keys say when the inputs differ). Does
    nothing when a cache folder is already set or the report has no cache.
    """
    folder = Path(root) / "reports" / "latest" / "cache"
    if cache_dir() is not None or not folder.is_dir():
        yield
        return
    os.environ[ENV_DIR] = str(folder.resolve())
    try:
        yield
    finally:
        os.environ.pop(ENV_DIR, None)
