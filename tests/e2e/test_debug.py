"""Debugging inside the loop: `tilt up -- --debug=backend,frontend` in its own namespace and ports.

Backend: a Debug Adapter Protocol client (what VS Code / PyCharm speak) attaches through the
port-forward to debugpy on the pod's loopback, stops at a breakpoint set by repository path in the
`GET /api/tasks` handler, evaluates a local, and keeps the same session and breakpoint across a
live update (same pod, no restart), including a 45 s pause the liveness probe must tolerate.
Frontend: a Chrome DevTools Protocol client on `next dev --inspect` stops in a route handler and
the paused location maps through the chunk's source map to the route's TypeScript file and line.
"""
import json
import re
import subprocess
import threading
import time
import uuid

import pytest
import requests
from dap_client import DapClient
from playwright.sync_api import Page, expect

from tests.support.tilt_session import NO_CHECKS, REPO, Tilt, copy_repo, free_port

APP = ["backend", "frontend", "backend-liveness", "backend-readiness"]
HANDLER = "backend/app/api/routes/tasks.py"
BREAK_AT = "page = tasks.list_for_owner("
EDIT_ABOVE = ("    assert user.id is not None", '    edited = "after-live-update"; assert user.id is not None')
ROUTE = "frontend/src/app/api/health/route.ts"
RELOADED = re.compile(r"reloaded in \d+\.\d{3} s \(changed: [^;]*app/api/routes/tasks\.py")


@pytest.fixture(scope="module")
def loop(tmp_path_factory, kube_context):
    tilt = Tilt(copy_repo(tmp_path_factory.mktemp("debug")), kube_context)
    tilt.debug_backend_port, tilt.debug_frontend_port = free_port(), free_port()
    # Readiness goes green with no debugger attached.
    with tilt.running("--debug=backend,frontend", f"--debug-backend-port={tilt.debug_backend_port}",
                      f"--debug-frontend-port={tilt.debug_frontend_port}", NO_CHECKS, ready=APP, timeout=900):
        yield tilt


def vscode_config(loop, name):
    """A configuration from the committed .vscode/launch.json, ${workspaceFolder} resolved."""
    text = (loop.workdir / ".vscode/launch.json").read_text().replace("${workspaceFolder}", str(loop.workdir))
    return next(c for c in json.loads(text)["configurations"] if c["name"] == name)


def pods(loop, component):
    out = loop.kubectl("get", "pods", "-l", f"app.kubernetes.io/component={component}", "-o", "json").stdout
    return [(p["metadata"]["name"], p["status"]["containerStatuses"][0]["restartCount"])
            for p in json.loads(out)["items"]]


def line_of(path, text):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def wait_for_log(loop, pattern, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = loop.kubectl("logs", "deploy/todo-app-backend", "--tail=200", check=False).stdout
        if pattern.search(logs):
            return
        time.sleep(0.5)
    raise AssertionError(f"no {pattern.pattern!r} in the backend log within {timeout}s")


def diagnose(loop, dap, frame):
    """What the pod runs, for a failure message: the synced file, the reload lines, the paused code."""
    synced = loop.kubectl("exec", "deploy/todo-app-backend", "--", "grep", "-n", "edited",
                          "/app/app/api/routes/tasks.py", check=False)
    logs = loop.kubectl("logs", "deploy/todo-app-backend", "--tail=400", check=False).stdout
    reloads = [line for line in logs.splitlines() if "reload" in line]
    # True when the paused frame runs the module now in sys.modules (the reloaded generation).
    current = dap.evaluate("vars(__import__('sys').modules[__name__]) is globals()", frame["id"])
    return f"synced: {synced.stdout or synced.stderr}\nreload lines: {reloads}\nframe in current module: {current}"


class Request(threading.Thread):
    """An HTTP request that may sit at a breakpoint for a while."""

    def __init__(self, url, token):
        super().__init__(daemon=True)
        self.url, self.token, self.status = url, token, None
        self.start()

    def run(self):
        self.status = requests.get(self.url, headers={"Authorization": f"Bearer {self.token}"},
                                   timeout=180).status_code


def test_backend_breakpoint_binds_across_live_update_and_survives_a_long_pause(loop):
    api = f"http://localhost:{loop.backend_port}"
    signup = requests.post(f"{api}/api/auth/signup", timeout=30,
                           json={"email": f"dbg-{uuid.uuid4().hex[:8]}@example.com", "password": "debug-pass-1"})
    assert signup.status_code == 201, signup.text
    token = signup.json()["access_token"]
    handler = loop.workdir / HANDLER
    line = line_of(handler, BREAK_AT)
    pod = pods(loop, "backend")
    assert len(pod) == 1, pod

    # Attached the way VS Code's "Attach to backend (Tilt)" does, with its path mappings.
    config = vscode_config(loop, "Attach to backend (Tilt)")
    assert config["connect"]["port"] == 5678  # the default; this session forwards another local port
    dap = DapClient("127.0.0.1", loop.debug_backend_port, timeout=60)
    try:
        reported = dap.attach({str(handler): [line]}, path_mappings=config["pathMappings"])
        assert reported[str(handler)][0]["verified"], reported

        request = Request(f"{api}/api/tasks", token)
        stopped = dap.wait_event("stopped", 30)["body"]
        assert stopped["reason"] == "breakpoint"
        frame = dap.top_frame(stopped["threadId"])
        assert (frame["source"]["path"], frame["line"]) == (str(handler), line)
        assert dap.evaluate("limit", frame["id"]) == "50"  # the handler's query parameter default
        dap.resume(stopped["threadId"])
        request.join(30)
        assert request.status == 200

        # Edit the handler above the breakpoint (same line numbers); Tilt live-updates the pod.
        lines = handler.read_text().splitlines(keepends=True)
        assert lines[line - 2] == EDIT_ABOVE[0] + "\n", "the line just above the breakpoint"
        lines[line - 2] = EDIT_ABOVE[1] + "\n"
        handler.write_text("".join(lines))
        wait_for_log(loop, RELOADED, 60)

        # Not set again: the breakpoint from before the change stops in the new code.
        request = Request(f"{api}/api/tasks", token)
        stopped = dap.wait_event("stopped", 30)["body"]
        frame = dap.top_frame(stopped["threadId"])
        assert (frame["source"]["path"], frame["line"]) == (str(handler), line)
        assert dap.evaluate("'edited' in locals()", frame["id"]) == "True", diagnose(loop, dap, frame)
        assert dap.evaluate("edited", frame["id"]) == "'after-live-update'"
        # A developer reading code at a breakpoint: the liveness probe must not restart the pod. 45 s is
        # past the window in which the seed's liveness (3 failures, 10 s apart, 5 s timeout) restarts it.
        time.sleep(45)
        assert dap.evaluate("limit", frame["id"]) == "50", "still the same paused session"
        dap.resume(stopped["threadId"])
        request.join(30)
        assert request.status == 200
    finally:
        dap.close()
    assert pods(loop, "backend") == pod, "same pod, restart count unchanged"


def test_frontend_breakpoint_in_a_route_handler_maps_to_its_source(loop):
    route = loop.workdir / ROUTE
    line = line_of(route, "return Response.json(")
    app = f"http://localhost:{loop.frontend_port}/api/health"
    assert requests.get(app, timeout=120).status_code == 200  # compiled once, as any first request does
    result = subprocess.run(
        [str(REPO / ".bin/node"), str(REPO / "tests/e2e/cdp_breakpoint.mjs"),
         f"http://127.0.0.1:{loop.debug_frontend_port}", "src/app/api/health/route.ts", str(line), app],
        capture_output=True, text=True, timeout=150)
    assert result.returncode == 0, result.stdout + result.stderr
    paused = json.loads(result.stdout)["paused"]
    # The pod's /app is the repo's frontend/ (docker/frontend.Dockerfile copies it there), which is
    # the remoteRoot ↔ localRoot of VS Code's "Attach to frontend (Tilt)".
    config = vscode_config(loop, "Attach to frontend (Tilt)")
    local = paused["source"].replace(f"file://{config['remoteRoot']}/", f"{config['localRoot']}/", 1)
    assert local == str(route)
    assert paused["line"] == line
    assert paused["sameScript"] and "/app/.next/" in paused["generated"]["url"]
    assert json.loads(result.stdout)["status"] == 200


def tiltfile_args(loop):
    return json.loads(loop.tilt("get", "tiltfile", "(Tiltfile)", "-o", "json").stdout)["spec"].get("args") or []


def button_text(loop, name):
    return json.loads(loop.tilt("get", "uibutton", name, "-o", "json").stdout)["spec"]["text"]


@pytest.mark.parametrize("service, link", [("backend", "debugpy: attach an editor to localhost:{port}"),
                                           ("frontend", "Node inspector on localhost:{port}")])
def test_the_dashboard_shows_where_to_attach_and_a_stop_debugger_button(loop, page: Page, service, link):
    """What a person sees on the service's page in Tilt's dashboard under --debug (screenshots in reports/)."""
    port = loop.debug_backend_port if service == "backend" else loop.debug_frontend_port
    page.goto(f"http://localhost:{loop.port}/r/{service}/overview")
    links = page.get_by_label(f"{service} links and custom buttons")
    expect(links.get_by_role("link", name=link.format(port=port), exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_label("Trigger Stop debugger")).to_be_visible()
    (REPO / "reports").mkdir(exist_ok=True)
    page.screenshot(path=str(REPO / "reports" / f"dashboard-debug-{service}.png"))


def test_dashboard_button_turns_a_debugger_off_and_keeps_every_other_flag(loop):
    before = tiltfile_args(loop)
    assert "--debug=backend,frontend" in before
    assert button_text(loop, "debug-frontend") == "Stop debugger"
    loop.click("debug-frontend")
    deadline = time.monotonic() + 60
    while tiltfile_args(loop) == before and time.monotonic() < deadline:
        time.sleep(1)
    after = tiltfile_args(loop)
    assert after == [a for a in before if not a.startswith("--debug=")] + ["--debug=backend"]
    # The Tiltfile ran again with the new flags: the button now offers the opposite.
    deadline = time.monotonic() + 60
    text = ""
    while time.monotonic() < deadline:
        text = button_text(loop, "debug-frontend")
        if text == "Start debugger":
            break
        time.sleep(1)
    assert text == "Start debugger"
