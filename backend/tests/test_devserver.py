"""The dev loop's reloading server (`python -m app` with UVICORN_RELOAD=true), as Tilt drives it:
files synced into app/ are served within a second, the port never refuses during a reload, and
SIGTERM stops every process it started."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx

from tests.support.ports import free_port
from tests.support.processes import BACKEND_DIR, process_env

ROUTE = """

@router.get("/reload-marker")
async def reload_marker() -> dict[str, str]:
    return {{"marker": "{marker}"}}
"""


def _wait(url: str, marker: str, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if httpx.get(url, timeout=1).json().get("marker") == marker:
                return time.monotonic() - start
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"{url} never answered {marker!r} within {timeout}s")


def test_synced_route_is_served_fast_without_refusing_connections(tmp_path):
    # A copy of the package, as Tilt's live update syncs into /app/app: never edit the real sources.
    shutil.copytree(BACKEND_DIR / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(BACKEND_DIR / "alembic.ini", tmp_path)
    route = tmp_path / "app/api/routes/health.py"
    original = route.read_text()
    route.write_text(original + ROUTE.format(marker="first"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = process_env(
        PORT=str(port),
        UVICORN_RELOAD="true",
        DATA_DIR=str(tmp_path / "data"),
        LOG_LEVEL="info",
        PYTHONPATH=str(tmp_path),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(base + "/reload-marker", "first", 20)
        refused: list[Exception] = []
        stop = threading.Event()

        def hammer() -> None:  # a client polling /health through every reload
            while not stop.is_set():
                try:
                    httpx.get(base + "/health", timeout=5)
                except httpx.ConnectError as exc:
                    refused.append(exc)

        poller = threading.Thread(target=hammer)
        poller.start()
        seconds = []
        for marker in ("second", "third", "fourth"):
            route.write_text(original + ROUTE.format(marker=marker))
            seconds.append(_wait(base + "/reload-marker", marker, 10))
        stop.set()
        poller.join()
        assert refused == [], "a reload must not refuse connections (the socket outlives the worker)"
        assert sorted(seconds)[1] < 1.5, f"reloads took {seconds}"
    finally:
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        stopped_in = time.monotonic() - start
    assert stopped_in < 10
    # Nothing of ours is left: the worker and the zygote went with the supervisor.
    left = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert left == [], f"processes left in the server's session: {left}"
