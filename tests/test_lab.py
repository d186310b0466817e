"""JupyterLab opens the percent-format notebooks as notebooks (what ``make lab`` relies on).

Starts a real JupyterLab server on localhost (free port, token, no browser) with jupytext's
contents manager and the ``notebooks/`` folder as root, then asks its REST API for the
notebooks. The server is always stopped, even when an assertion fails.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab

pytest.importorskip("jupyterlab")
pytest.importorskip("jupytext")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
START_TIMEOUT = 25.0  # seconds for the server to answer
STOP_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - localhost only
        return r.status, json.loads(r.read().decode("utf-8"))


def _log(path: Path) -> str:
    return path.read_text("utf-8", errors="replace")[-3000:] if path.exists() else ""


def test_jupyterlab_opens_percent_notebooks(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    # Keep the server's runtime and config files out of the user's home, and ignore any
    # personal Jupyter configuration, so the test sees what a fresh checkout sees.
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={NOTEBOOKS}",
           "--ServerApp.contents_manager_class=jupytext.TextFileContentsManager",
           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers often run as root; the server refuses it otherwise
    log = tmp_path / "server.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        status = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"le serveur JupyterLab s'est arrêté (code {proc.returncode}) :\n{_log(log)}")
            try:
                status, _ = _get(f"{base}/api/status?token={token}", timeout=2.0)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        assert status == 200, f"le serveur ne répond pas après {START_TIMEOUT:.0f} s :\n{_log(log)}"

        # The token is required: without it the API refuses.
        with pytest.raises(urllib.error.HTTPError) as denied:
            _get(f"{base}/api/contents")
        assert denied.value.code == 403

        _, listing = _get(f"{base}/api/contents?token={token}")
        names = {item["name"]: item for item in listing["content"]}
        expected = sorted(p.name for p in NOTEBOOKS.glob("*.py"))
        assert "exploration.py" in expected
        assert set(expected) <= set(names)
        for name in expected:
            assert names[name]["type"] == "notebook", (name, names[name]["type"])

        _, model = _get(f"{base}/api/contents/exploration.py?token={token}&type=notebook&content=1")
        assert model["type"] == "notebook"
        assert model["format"] == "json"
        nb = model["content"]
        cells = nb["cells"]
        assert len(cells) > 5
        assert {c["cell_type"] for c in cells} >= {"markdown", "code"}
        params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        assert any("WeightExplorer" in "".join(c["source"]) for c in cells if c["cell_type"] == "code")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)


def test_exploration_notebook_runs_headless(tmp_path, monkeypatch):
    """Every cell of the exploration notebook runs in a fresh kernel on the project's data."""
    jupytext = pytest.importorskip("jupytext")
    pytest.importorskip("ipywidgets")
    from nbclient import NotebookClient

    nb = jupytext.read(NOTEBOOKS / "exploration.py")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    # Notebook rule: narration and calls only, the logic lives in the package.
    for c in code:
        assert not any(line.lstrip().startswith(("def ", "class ")) for line in c.source.splitlines())
    # The kernel runs in a temporary folder (nothing written in the repository) and finds
    # the project through BENCHMARK_ROOT.
    monkeypatch.setenv("BENCHMARK_ROOT", str(REPO))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    kinds = {k for c in code for o in c.get("outputs", []) for k in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in kinds
    assert "text/markdown" in kinds
