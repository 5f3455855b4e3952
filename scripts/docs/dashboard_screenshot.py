"""Regenerate docs/dashboard.png: the project's own loop in Tilt's dashboard, shot in a real browser.

    .venv/bin/python -m scripts.docs.dashboard_screenshot [--out docs/dashboard.png] [--context todo-local]

Starts `tilt up` of this working tree the way the e2e tests do (tests/support/tilt_session.py: a copy of
the tree, its own namespace, local ports and Tilt API port, so a developer's loop is untouched),
waits until every resource is up, opens the overview in Debian's Chromium, shoots it, then stops
the session and deletes its namespace. The PNG is reduced to a 256-colour palette so the committed
file stays small (the dashboard is flat colours; nothing visible is lost). Needs the cluster
(`./scripts/dev cluster up`) and the tools in .bin (`./scripts/dev doctor`).
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from tests.support.tilt_session import REPO, Tilt, copy_repo

OUT = REPO / "docs" / "dashboard.png"
# Wide enough for every overview column, tall enough for every label group; then scaled down.
VIEWPORT = {"width": 1440, "height": 1400}
SCALE = 0.75
UP = ["backend", "frontend", "backend-liveness", "backend-readiness", "frontend-liveness", "frontend-readiness"]
MAX_BYTES = 300_000


def shoot(tilt: Tilt, out: Path) -> int:
    from PIL import Image
    from playwright.sync_api import expect, sync_playwright

    # The browser the test suites use (one owner: tests/conftest.py).
    sys.path.insert(0, str(REPO))
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"http://localhost:{tilt.port}/overview")
            table = page.get_by_label("Resources overview")
            expect(table).to_be_visible(timeout=15_000)
            for name in UP:
                expect(page.locator(f'a.is-healthy[href="/r/{name}/overview"]').first).to_be_visible(timeout=60_000)
            page.evaluate("document.fonts.ready.then(() => true)")
            png = page.screenshot(full_page=False)
        finally:
            browser.close()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((round(image.width * SCALE), round(image.height * SCALE)), Image.Resampling.LANCZOS)
    image = image.quantize(colors=256)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, optimize=True)
    return out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--context", default="todo-local", help="a dev cluster's kube context")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dashboard-shot-") as tmp:
        tilt = Tilt(copy_repo(Path(tmp)), args.context)
        print(f"starting tilt up (namespace {tilt.namespace}, Tilt port {tilt.port})", flush=True)
        tilt.up()
        try:
            tilt.wait_ready(UP, timeout=900)
            # smoke-tests stays as a developer first sees it: manual, waiting for its button.
            print(f"loop up in {time.monotonic() - started:.0f}s; shooting", flush=True)
            size = shoot(tilt, args.out)
        finally:
            tilt.stop()
            tilt.down()
            tilt.delete_namespace()
    print(f"wrote {args.out} ({size / 1000:.0f} kB) in {time.monotonic() - started:.0f}s")
    if size > MAX_BYTES:
        print(f"error: {args.out} is {size} bytes, over the {MAX_BYTES} the README allows; "
              "lower VIEWPORT or SCALE in this script", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
