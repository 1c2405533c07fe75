"""A real server on a free loopback port and Debian's chromium driven by Playwright (sync API).

Chromium is launched from ``/usr/bin/chromium`` (installed by ``.ci/run``), headless, without
sandbox, GPU or any background networking; ``playwright install`` is never used. A missing
chromium fails the tests (it never skips them).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of ``chokepoint serve`` on its own store (stopped after the session)."""
    store = tmp_path_factory.mktemp("browser-store") / "store.duckdb"
    port = _free_port()
    env = {**os.environ, "CHOKEPOINT_STORE": str(store)}
    log = (tmp_path_factory.mktemp("browser-log") / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "chokepoint.cli.serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            assert proc.poll() is None, "the server exited at start-up"
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start within 180 s"
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian chromium (fails when it is missing)."""
    if not (CHROMIUM.exists() or shutil.which("chromium")):
        ci = os.environ.get("CI", "").lower() == "true"
        pytest.fail(
            "chromium is not installed (apt-get install -y chromium chromium-driver)"
            + ("; .ci/run installs it in CI" if ci else ""),
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: object, server: str) -> Iterator[object]:
    """A fresh page (1400x1000) that records uncaught script errors in ``page.errors``."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    pg.base = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield pg
    context.close()
