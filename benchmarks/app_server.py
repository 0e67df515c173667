"""A real `streamlit run app.py` on a given store, and how Chromium is launched and waits for it.

Shared by the browser tests (tests/test_browser*.py) and the load test (bench_load), so that the
figures of the load test come from the same server set-up and the same idea of «fully drawn» the
tests check pages with.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analytics.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 90
DRAWN = """() => {
    if (document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]')) return false;
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return charts.every((chart) => chart.querySelector('.main-svg'));
}"""
"""True once no script run is in progress and every chart is drawn."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"streamlit exited with {process.returncode}:\n{log.read_text(encoding='utf-8')}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 -- our local server
                if response.read().decode() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    msg = f"streamlit did not become healthy in {START_TIMEOUT_S} s:\n{log.read_text(encoding='utf-8')}"
    raise RuntimeError(msg)


@contextmanager
def running_app(db: Path, log: Path, *, no_login: bool) -> Iterator[str]:
    """The URL of the app serving `db` until the block ends; its output goes to `log`, not a pipe.

    `no_login` starts it in the single-user mode (SAMODIAG_NO_LOGIN=1); otherwise people sign in.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = {key: value for key, value in os.environ.items() if key != "SAMODIAG_NO_LOGIN"}
    env["SAMODIAG_DB"] = str(db)
    if no_login:
        env["SAMODIAG_NO_LOGIN"] = "1"
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
