"""Benchmark: backend cold start, from process start to the first `GET /ready` 200 on SQLite.

    cd backend && ../.venv/bin/python scripts/cold_start.py [--runs 5] [--warm]

Each run starts `python -m app` on a free loopback port with a fresh DATA_DIR (so the time
includes the start-up migration; --warm migrates once and reuses the database), polls /ready
every 20 ms, then stops the server with SIGTERM. Prints every run and the median.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[1]
SETTINGS_ENV = ("DATABASE_URL", "APP_ENV", "MIGRATE_ON_START", "UVICORN_RELOAD", "COHERE_API_KEY", "PORT", "DATA_DIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def one_run(data_dir: Path, timeout: float) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(
        PORT=str(port), DATA_DIR=str(data_dir), JWT_SECRET="cold-start-benchmark-" + "x" * 32, LOG_LEVEL="WARNING"
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "app"], cwd=BACKEND_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not ready(port):
            if process.poll() is not None:
                raise SystemExit(f"server exited with {process.returncode} before it was ready")
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"not ready within {timeout} s")
            time.sleep(0.02)
        return time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm", action="store_true", help="reuse one migrated database for every run")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    timings = []
    with tempfile.TemporaryDirectory(prefix="todo-cold-start-") as tmp:
        if args.warm:
            one_run(Path(tmp) / "data", args.timeout)  # migrate once, not timed
        for run in range(1, args.runs + 1):
            data_dir = Path(tmp) / ("data" if args.warm else f"data-{run}")
            seconds = one_run(data_dir, args.timeout)
            timings.append(seconds)
            print(f"run {run}: {seconds:.3f} s")
    print(
        f"median cold start (process start -> /ready 200, SQLite, {'warm' if args.warm else 'fresh'} DB): "
        f"{statistics.median(timings):.3f} s over {len(timings)} runs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
