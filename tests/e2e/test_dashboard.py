"""Tilt's web dashboard for this project's loop, driven in a real browser (Debian's Chromium).

The cluster suite's `tilt up -- --db=postgres` session (`pg_loop`, tests/conftest.py: own namespace,
local ports and Tilt API port) serves every test; each asserts through the page what a person sees: the label groups and
resources, the backend's log pane and links, the buttons, disable/enable, a red probe resource
during a database outage, icon glyphs, and no request leaving the Tilt server.

Selectors come from Tilt's web sources (tilt@v0.37.1/web/src): aria labels ("Resources overview",
"Trigger <button text>", "<resource> links and custom buttons"), the group summary ids
(`tableOverview-<label>`), status links (`a[href="/r/<name>/overview"]` with `is-error`/
`is-healthy`) and the log pane's `.LogLine-content`.
"""
import json
import re
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.tilt_session import REPO
from tests.support.waiting import wait_for

REPORTS = REPO / "reports"
PG = "statefulset/todo-app-postgresql"
# Short on purpose: the page reflects Tilt's state over a websocket within a second or two.
PAGE_TIMEOUT_MS = 10_000
PLAYWRIGHT_DEFAULT_TIMEOUT_MS = 5_000  # what `expect` goes back to for other modules


@pytest.fixture(scope="module")
def loop(pg_loop):
    return pg_loop


@pytest.fixture
def dashboard(loop, page: Page):
    """The page, with every request it makes recorded; none may leave the Tilt server."""
    tilt_origin = ("localhost", loop.port)
    foreign: list[str] = []

    def record(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob"):
            return
        if (parts.hostname, parts.port) not in (tilt_origin, ("127.0.0.1", loop.port)):
            foreign.append(request.url)

    page.on("request", record)
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    expect.set_options(timeout=PAGE_TIMEOUT_MS)
    yield page
    expect.set_options(timeout=PLAYWRIGHT_DEFAULT_TIMEOUT_MS)
    assert not foreign, f"the dashboard requested hosts other than the Tilt server: {foreign}"


def url(loop, path: str) -> str:
    return f"http://localhost:{loop.port}{path}"


def open_overview(loop, page: Page) -> None:
    page.goto(url(loop, "/overview"))
    expect(page.get_by_label("Resources overview")).to_be_visible()


def open_resource(loop, page: Page, name: str) -> None:
    page.goto(url(loop, f"/r/{name}/overview"))
    # Every resource's detail page has its disable/enable toggle.
    expect(page.get_by_label(re.compile(r"^Trigger (Disable|Enable) Resource$"))).to_be_visible()


def uiresources(loop) -> list[dict]:
    return json.loads(loop.tilt("get", "uiresources", "-o", "json").stdout)["items"]


def status_link(page: Page, name: str, text: str):
    """The overview's status cell of one resource ("Runtime error", "Updated in 2.1s" ...)."""
    return page.locator(f'a[href="/r/{name}/overview"]', has_text=text)


def test_overview_lists_every_label_group_and_resource(loop, dashboard: Page):
    resources = [r for r in uiresources(loop) if r["metadata"]["name"] != "(Tiltfile)"]
    labels = sorted({label for r in resources for label in (r["metadata"].get("labels") or {})})
    # The groups the Tiltfile declares; Tilt's own list must contain at least these.
    assert {"setup", "app", "probes", "tests"} <= set(labels), labels
    open_overview(loop, dashboard)
    for label in labels:
        expect(dashboard.locator(f'[id="tableOverview-{label}"]')).to_contain_text(label)
    table = dashboard.get_by_label("Resources overview")
    for name in [r["metadata"]["name"] for r in resources]:
        expect(table.get_by_text(name, exact=True).first).to_be_visible()
    REPORTS.mkdir(exist_ok=True)
    dashboard.screenshot(path=str(REPORTS / "dashboard-overview.png"), full_page=True)


def test_backend_pane_shows_its_own_readable_log_lines_and_its_links(loop, dashboard: Page):
    # A request with a marker id, so the pane must show this backend's line, not any line.
    marker = f"dash-{uuid.uuid4().hex[:8]}"
    requests.get(f"http://localhost:{loop.backend_port}/api/tasks", headers={"X-Request-ID": marker}, timeout=5)
    open_resource(loop, dashboard, "backend")
    lines = dashboard.locator(".LogLine-content")
    expect(lines.filter(has_text=f"request_id={marker}")).to_contain_text(
        "app.request  request completed GET /api/tasks status=401")
    # Readable, not JSON; and the probes' repeated 200s are not in the pane.
    texts = lines.all_inner_texts()
    assert not [t for t in texts if t.lstrip().startswith('{"timestamp"')]
    assert not [t for t in texts if "GET /health status=200" in t]

    links = dashboard.get_by_label("backend links and custom buttons")
    bp = loop.backend_port
    for name, path in (("API docs", "/docs"), ("/health", "/health"), ("/ready", "/ready")):
        expect(links.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "href", f"http://localhost:{bp}{path}")
    REPORTS.mkdir(exist_ok=True)
    dashboard.screenshot(path=str(REPORTS / "dashboard-backend.png"))


def test_frontend_shows_its_app_link(loop, dashboard: Page):
    open_resource(loop, dashboard, "frontend")
    expect(dashboard.get_by_label("frontend links and custom buttons").get_by_role(
        "link", name="app", exact=True)).to_have_attribute("href", f"http://localhost:{loop.frontend_port}/")


def test_reset_dev_data_asks_for_confirmation_first(loop, dashboard: Page):
    open_resource(loop, dashboard, "backend")
    dashboard.get_by_label("Trigger Reset dev data").click()
    # The first click only arms the button: it now reads "Confirm", with a way back.
    expect(dashboard.get_by_label("Confirm Reset dev data")).to_have_text("Confirm")
    dashboard.get_by_label("Cancel Reset dev data").click()
    expect(dashboard.get_by_label("Trigger Reset dev data")).to_be_visible()
    # Nothing ran: the button's command is still waiting for its first (confirmed) click.
    status = json.loads(loop.tilt("get", "cmd", "btn-reset-dev-data", "-o", "json").stdout)["status"]
    assert "running" not in status and "terminated" not in status, status
    assert status["waiting"]["reason"] == "cmd StartOn has not been triggered", status


def pytest_verdict(log: str) -> str:
    """The lines of a pytest run's log that say what failed and why (not the whole traceback)."""
    keep = [line for line in log.splitlines()
            if re.search(r"(FAILED|ERROR) tests/|\d+ (passed|failed)|^.{0,40}E\s+\w+(\.\w+)*(Error|Exception|Timeout)\b",
                         line)]
    return "\n".join(dict.fromkeys(keep))


def latest_build(loop, name: str) -> dict:
    history = loop.uiresource(name)["status"].get("buildHistory") or [{}]
    return history[0]


def warm_frontend_routes(loop) -> None:
    """`next dev` compiles each route on its first request; on a busy 2-core machine that alone can
    outlast the smoke tests' 10 s per request. Compile the routes they use first (any answer will
    do), so this test is about the button, not the compiler."""
    fp = f"http://localhost:{loop.frontend_port}"
    requests.get(f"{fp}/login", timeout=120)
    requests.post(f"{fp}/api/auth/signup", json={}, timeout=120)
    requests.post(f"{fp}/api/auth/login", json={}, timeout=120)
    requests.get(f"{fp}/api/tasks", timeout=120)  # the catch-all proxy route


def test_run_smoke_tests_button_runs_them_to_green(loop, dashboard: Page):
    warm_frontend_routes(loop)
    open_resource(loop, dashboard, "smoke-tests")
    before = latest_build(loop, "smoke-tests").get("startTime")
    started = time.monotonic()
    dashboard.get_by_label("Trigger Run smoke tests").click()
    # Tilt's API says when the run the click started has finished; a failure ends the wait at once.
    build = wait_for(lambda: (b := latest_build(loop, "smoke-tests")).get("startTime") != before
                     and b.get("finishTime") and b, 300, "the smoke-tests run the button started")
    assert not build.get("error"), f"smoke tests failed: {build['error']}\n" + pytest_verdict(
        loop.tilt("logs", "smoke-tests", check=False).stdout)
    print(f"\n[dashboard] smoke tests green {time.monotonic() - started:.0f}s after the click")
    # ... and the page shows it: a finished local_resource cmd reads "Updated in <duration>", green.
    open_overview(loop, dashboard)
    expect(dashboard.locator('a.is-healthy[href="/r/smoke-tests/overview"]')).to_be_visible()


def frontend_pods(loop) -> list[str]:
    out = loop.kubectl("get", "pods", "-l", "app.kubernetes.io/component=frontend",
                       "-o", "jsonpath={.items[*].metadata.name}").stdout
    return out.split()


def test_disabling_frontend_removes_its_pod_and_enabling_brings_it_back(loop, dashboard: Page):
    assert frontend_pods(loop)
    open_resource(loop, dashboard, "frontend")
    dashboard.get_by_label("Trigger Disable Resource").click()
    dashboard.get_by_label("Confirm Disable Resource").click()
    expect(dashboard.get_by_label("Trigger Enable Resource")).to_be_visible()
    wait_for(lambda: not frontend_pods(loop), 60, "the frontend pod to be deleted")

    dashboard.get_by_label("Trigger Enable Resource").click()
    expect(dashboard.get_by_label("Trigger Disable Resource")).to_be_visible()
    started = time.monotonic()
    loop.wait_ready(["frontend", "frontend-readiness"], timeout=300)
    print(f"\n[dashboard] frontend ready {time.monotonic() - started:.0f}s after re-enabling")
    assert frontend_pods(loop)


def test_database_outage_shows_backend_readiness_red_within_10s_of_tilt(loop, dashboard: Page):
    open_overview(loop, dashboard)
    red = status_link(dashboard, "backend-readiness", "Runtime error")
    expect(red).to_have_count(0)
    loop.kubectl("scale", PG, "--replicas=0")
    try:
        wait_for(lambda: loop.runtime_status("backend-readiness") == "error", 60,
                 "tilt get uiresource to report backend-readiness red", interval=0.2)
        reported = time.monotonic()
        expect(red).to_be_visible(timeout=10_000)
        lag = time.monotonic() - reported
        print(f"\n[dashboard] page showed backend-readiness red {lag:.2f}s after the API did")
        assert lag <= 10
    finally:
        loop.kubectl("scale", PG, "--replicas=1")
    loop.wait_ready(["backend-readiness"], timeout=120)
    expect(status_link(dashboard, "backend-readiness", "Runtime Ready")).to_be_visible(timeout=10_000)


def test_icons_render_as_glyphs_from_local_fonts(loop, dashboard: Page):
    open_overview(loop, dashboard)
    icon = dashboard.locator(".material-icons", has_text="science").first
    expect(icon).to_be_visible()
    dashboard.evaluate("document.fonts.ready.then(() => true)")
    assert dashboard.evaluate("""document.fonts.check('24px "Material Icons"')""")
    width, size = icon.evaluate(
        "el => [el.getBoundingClientRect().width, parseFloat(getComputedStyle(el).fontSize)]")
    # A glyph is one em wide; the ligature's name as text ("science") would be ~3.5 em.
    assert 0.8 * size <= width <= 1.25 * size, (width, size)

