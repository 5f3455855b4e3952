"""Benchmark the inner loop (a script that prints numbers, not a test).

    .venv/bin/python -m scripts.tilt.bench [--edits 12] [--ci-runs 2]

Measures, against the local cluster (or --context), in a scratch namespace and ports:
  - `tilt ci` total from a fresh copy (images warm in the engine's cache), median over --ci-runs;
  - warm `tilt up` → every app and probe resource ready;
  - save-to-live latency over --edits edits each: backend (edit a route → first response with the new
    marker through the port-forward) and frontend (edit a page → first HTML with the new marker).
Goals (issue #7): backend p50 ≤ 1.2 s, frontend p50 ≤ 2 s, warm up ≤ 60 s, tilt ci ≤ 120 s.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from .session import Tilt, copy_repo

APP = ["backend", "frontend", "backend-liveness", "backend-readiness", "frontend-liveness", "frontend-readiness"]
MARKER_ROUTE = '''

@router.get("/bench-marker")
async def bench_marker() -> dict[str, str]:
    return {{"marker": "{marker}"}}
'''


def _get(url: str, timeout: float = 5) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read().decode(errors="replace")
    except OSError:
        return ""


def _until(url: str, marker: str, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if marker in _get(url):
            return time.monotonic() - start
        time.sleep(0.05)
    raise TimeoutError(f"{url} never showed {marker} within {timeout}s")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def backend_edits(tilt: Tilt, n: int) -> list[float]:
    route = tilt.workdir / "backend/app/api/routes/health.py"
    original = route.read_text()
    out = []
    for _ in range(n):
        marker = uuid.uuid4().hex[:10]
        route.write_text(original + MARKER_ROUTE.format(marker=marker))
        out.append(_until(f"http://localhost:{tilt.backend_port}/bench-marker", marker, 60))
    return out


def frontend_edits(tilt: Tilt, n: int) -> list[float]:
    page = tilt.workdir / "frontend/src/app/login/page.tsx"
    original = page.read_text()
    out = []
    for _ in range(n):
        marker = f"B{uuid.uuid4().hex[:10]}"
        page.write_text(original.replace("<h1>Log in</h1>", f"<h1>Log in {marker}</h1>", 1))
        out.append(_until(f"http://localhost:{tilt.frontend_port}/login", marker, 120))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--context", default="todo-local")
    p.add_argument("--edits", type=int, default=12)
    p.add_argument("--ci-runs", type=int, default=2)
    args = p.parse_args(argv)

    ci_times = []
    for i in range(args.ci_runs):
        with tempfile.TemporaryDirectory(prefix="bench-ci-") as d:
            tilt = Tilt(copy_repo(Path(d)), args.context)
            try:
                rc, _, secs = tilt.ci(timeout=900)
                print(f"tilt ci run {i + 1}: exit {rc} in {secs:.1f}s", flush=True)
                if rc == 0:
                    ci_times.append(secs)
            finally:
                tilt.delete_namespace()

    with tempfile.TemporaryDirectory(prefix="bench-loop-") as d:
        tilt = Tilt(copy_repo(Path(d)), args.context)
        try:
            tilt.up()
            tilt.wait_ready(APP, timeout=900)   # first up: warms the namespace, PVC and images
            tilt.stop()
            tilt.down()
            start = time.monotonic()
            tilt.up()
            tilt.wait_ready(APP, timeout=900)
            warm_up = time.monotonic() - start
            print(f"warm tilt up → all ready: {warm_up:.1f}s", flush=True)
            _until(f"http://localhost:{tilt.frontend_port}/login", "Log in", 120)  # first compile
            be = backend_edits(tilt, args.edits)
            fe = frontend_edits(tilt, args.edits)
        finally:
            tilt.stop()
            tilt.down()
            tilt.delete_namespace()

    print()
    print("| measure | p50 | p95 | runs | goal |")
    print("|---|---|---|---|---|")
    print(f"| backend save → live | {pct(be, 50):.2f}s | {pct(be, 95):.2f}s | {len(be)} | p50 ≤ 1.2 s |")
    print(f"| frontend save → live | {pct(fe, 50):.2f}s | {pct(fe, 95):.2f}s | {len(fe)} | p50 ≤ 2 s |")
    print(f"| warm tilt up → all ready | {warm_up:.1f}s | | 1 | ≤ 60 s |")
    if ci_times:
        print(f"| tilt ci (fresh copy) | {statistics.median(ci_times):.1f}s | | {len(ci_times)} | ≤ 120 s |")
    elif args.ci_runs:
        print("| tilt ci (fresh copy) | failed | | 0 | ≤ 120 s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
