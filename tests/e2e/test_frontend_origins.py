"""The frontend in a real browser under `tilt up`, at both addresses a developer uses.

Through the frontend's port-forward at http://127.0.0.1:<port> and http://localhost:<port>: sign-up
works (the page hydrated), the task page works, and a save to a component in the session's copy
(live update syncs it into the pod, `next dev` hot-reloads it) updates the open page in place — the
window's state and the text typed into an input survive, so it was not a full reload. Each origin's
save → updated-in-page time is printed and recorded as a JUnit property.

The e2e suite's shared default loop (`dev_loop`), in its own namespace and ports. Both services
run: sign-up goes through the frontend's API proxy to the backend.
"""
import re
import time
import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.tilt_session import Tilt

READY = ["backend", "frontend", "backend-readiness", "frontend-readiness"]
ORIGINS = ["127.0.0.1", "localhost"]
# The task page's own component; its heading is the visible string each test edits.
EDITED = "frontend/src/components/TaskApp.tsx"
HEADING = re.compile(r'<h2 id="tasks-heading">[^<]*</h2>')
HMR_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def loop(dev_loop):
    """The e2e suite's shared default loop (tests/e2e/conftest.py): both services, as a developer runs it."""
    dev_loop.wait_ready(READY, timeout=120)
    warm_up(dev_loop, timeout=300)
    return dev_loop


def warm_up(loop: Tilt, timeout: float) -> None:
    """`next dev` compiles a route on its first request: request every route the tests use (the
    sign-up API and the task page need a session), here, outside the browser's short timeouts.
    Retries while the port-forward may still be reconnecting after Ready."""
    base = f"http://127.0.0.1:{loop.frontend_port}"
    deadline = time.monotonic() + timeout
    session = requests.Session()
    steps = [("GET", "/signup"), ("POST", "/api/auth/signup"), ("GET", "/"), ("GET", "/api/tasks")]
    last = None
    while steps and time.monotonic() < deadline:
        method, path = steps[0]
        # A new user per attempt: a sign-up whose answer was lost may still have created the last one.
        body = {"email": f"warm-up-{uuid.uuid4().hex[:8]}@example.com", "password": f"pw-{uuid.uuid4().hex}"}
        try:
            last = session.request(method, base + path, json=body if method == "POST" else None,
                                   timeout=max(1.0, deadline - time.monotonic()), allow_redirects=False)
            if last.status_code in (200, 201):
                steps.pop(0)
                continue
        except requests.RequestException as err:
            last = err
        time.sleep(1)
    if steps:
        raise AssertionError(f"warm-up: {steps[0][0]} {base}{steps[0][1]} did not succeed within {timeout}s "
                             f"(last: {last!r})\n--- tilt log tail ---\n{loop.log_tail(40)}")


def sign_up(page: Page, base: str) -> str:
    email = f"origins-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{base}/signup")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(f"pw-{uuid.uuid4().hex}")
    # Without hydration the click submits the form natively (a GET to /signup) and nothing happens.
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(f"{base}/", timeout=30_000)  # routes compiled by warm_up
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible(timeout=30_000)
    return email


def add_task(page: Page) -> None:
    title = f"task {uuid.uuid4().hex[:6]}"
    page.get_by_label("New task").fill(title)
    page.get_by_role("button", name="Add task").click()
    # The list is re-read from the server after the POST; a busy machine took 11 s for that read.
    expect(page.get_by_role("checkbox", name=title)).to_be_visible(timeout=30_000)
    expect(page.get_by_label("New task")).to_have_value("")  # the form clears only on success


def edit_heading(loop: Tilt, text: str) -> float:
    """Save a new heading in the session's copy; returns the file's write time (epoch seconds)."""
    path = loop.workdir / EDITED
    source = path.read_text()
    assert len(HEADING.findall(source)) == 1, f"{EDITED} must have one tasks heading"
    path.write_text(HEADING.sub(f'<h2 id="tasks-heading">{text}</h2>', source))
    return path.stat().st_mtime


# Records (browser clock = this machine's clock) when the heading first shows `expected`: the poll
# from Python would add its own interval to the measurement.
WATCH_HEADING = """(expected) => {
  window.__headingSeenAt = null;
  const check = () => {
    if (window.__headingSeenAt === null && document.getElementById('tasks-heading')?.textContent === expected) {
      window.__headingSeenAt = Date.now();
    }
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.mark.parametrize("host", ORIGINS)
def test_sign_up_and_frontend_edit_hot_reloads_in_place(loop, page: Page, host, record_testsuite_property):
    base = f"http://{host}:{loop.frontend_port}"
    email = sign_up(page, base)
    add_task(page)

    # A full load of the task page before the edit: right after sign-up's client-side navigation to
    # `/`, Turbopack may not push an edit to the page at all (seen by the frontend's own dev-server
    # spec at either address) — not what this test is about, and a developer keeps a loaded page open.
    page.goto(f"{base}/")
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible(timeout=30_000)
    marker = uuid.uuid4().hex
    typed = f"typed before the edit {marker[:6]}"
    page.evaluate("(m) => { window.hmrMarker = m; }", marker)
    page.get_by_label("New task").fill(typed)
    expect(page.get_by_role("button", name="Add task")).to_be_enabled()  # React saw the typing

    heading = f"Tasks {host} {marker[:8]}"
    page.evaluate(WATCH_HEADING, heading)
    saved = edit_heading(loop, heading)
    try:
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible(timeout=HMR_TIMEOUT_MS)
    except AssertionError as err:
        raise AssertionError(f"the edit to {EDITED} did not reach the page at {base} within "
                             f"{HMR_TIMEOUT_MS / 1000:.0f}s\n--- tilt log tail ---\n{loop.log_tail(40)}") from err
    seconds = page.evaluate("() => window.__headingSeenAt") / 1000 - saved
    print(f"\n{host}: save → updated in page {seconds:.2f} s")
    # A suite-level property: the cluster suite writes JUnit xunit2, which has no per-test properties.
    record_testsuite_property(f"hmr_seconds_{host}", f"{seconds:.3f}")

    # In place: a full reload would have dropped the window's state and the typed text.
    assert page.evaluate("() => window.hmrMarker") == marker, f"the page at {base} reloaded instead of updating in place"
    expect(page.get_by_label("New task")).to_have_value(typed)
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
