"""Test helper: Debian's Chromium driven by Playwright, started the same way by every browser test."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium")
# No background networking: this machine's network is closed, and a test checks that no request leaves.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make system)")


def launch(playwright):
    """A headless Chromium browser from a ``sync_playwright()`` context."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
