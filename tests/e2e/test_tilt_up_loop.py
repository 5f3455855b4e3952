"""The daily loop under `tilt up`: probe resources, live update, migrations, probe flips, and dev data
that survives `tilt down`. The e2e suite's shared Tilt session (`dev_loop`, tests/e2e/conftest.py) in
its own namespace and ports."""
import json
import threading
import time
import uuid

import pytest
import requests

from scripts.tilt import port_forward
from scripts.tilt.loop_stats import parse_live_line
from tests.support.tilt_session import PROBE_RESOURCES as PROBES
from tests.support import waiting


@pytest.fixture
def loop(dev_loop):
    return dev_loop


def backend(loop, path):
    return f"http://localhost:{loop.backend_port}{path}"


def frontend(loop, path):
    return f"http://localhost:{loop.frontend_port}{path}"


def wait_for(predicate, timeout, what):
    return waiting.wait_for(predicate, timeout, what, interval=0.25)


def backend_pods(loop):
    """[(name, restart count)] of the backend's pods, including any still terminating."""
    out = loop.kubectl("get", "pods", "-l", "app.kubernetes.io/component=backend", "-o",
                       "jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].restartCount}{'\\n'}{end}").stdout
    return [(name, int(restarts or 0)) for name, _, restarts in
            (line.partition(" ") for line in out.splitlines() if line.strip())]


def backend_pod(loop):
    pods = backend_pods(loop)
    assert len(pods) == 1, pods
    return pods[0]


def test_dashboard_has_one_green_resource_per_probe_and_the_links(loop):
    for name in PROBES:
        assert loop.runtime_status(name) == "ok", name
    links = {l.get("name"): l.get("url") for l in loop.uiresource("backend")["status"].get("endpointLinks", [])}
    assert links["API docs"] == backend(loop, "/docs")
    assert links["/ready"] == backend(loop, "/ready")
    app_links = {l.get("name") for l in loop.uiresource("frontend")["status"].get("endpointLinks", [])}
    assert "app" in app_links


def test_backend_route_edit_is_served_by_the_same_pod(loop):
    pod_before = backend_pod(loop)
    marker = f"e2e-{uuid.uuid4().hex[:8]}"
    route = loop.workdir / "backend/app/api/routes/health.py"
    route.write_text(route.read_text() + f'''

@router.get("/e2e-marker")
async def e2e_marker() -> dict[str, str]:
    return {{"marker": "{marker}"}}
''')
    wait_for(lambda: requests.get(backend(loop, "/e2e-marker"), timeout=2).json().get("marker") == marker,
             60, "the edited backend route")
    assert backend_pod(loop) == pod_before, "live update must not replace or restart the pod"


def live_lines(loop, resource):
    """(total, stages) of every `live in` line in the resource's dashboard log."""
    out = loop.tilt("logs", resource).stdout
    return [parsed for line in out.splitlines() if (parsed := parse_live_line(line))]


def settled_count(loop, resource):
    """How many `live in` lines the log has once an earlier test's last one has arrived."""
    count = len(live_lines(loop, resource))
    for _ in range(20):
        time.sleep(1)
        if (now := len(live_lines(loop, resource))) == count:
            return count
        count = now
    return count


HANDLER = "backend/app/api/routes/health.py"
HANDLER_RETURN = 'return {"status": "ok"}'


def with_marker(source, marker):
    """The /health handler's source, answering {"status": "ok", "e2e": marker}."""
    assert HANDLER_RETURN in source
    return source.replace(HANDLER_RETURN, f'return {{"status": "ok", "e2e": "{marker}"}}')


def served_marker(loop):
    return requests.get(backend(loop, "/health"), timeout=2).json().get("e2e")


def test_every_backend_edit_gets_a_live_in_line_that_agrees_with_an_outside_probe(loop):
    handler = loop.workdir / HANDLER
    original = handler.read_text()
    before = settled_count(loop, "backend")
    outside = []
    try:
        for i in range(3):
            marker = uuid.uuid4().hex[:8]
            handler.write_text(with_marker(original, marker))
            saved = handler.stat().st_mtime
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # an outside probe: poll every 20 ms through the port-forward
                try:
                    if requests.get(backend(loop, "/health"), timeout=2).json().get("e2e") == marker:
                        outside.append(time.time() - saved)
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.02)
            assert len(outside) == i + 1, f"edit {i + 1} was not served within 30 s"
            wait_for(lambda n=before + i + 1: len(live_lines(loop, "backend")) >= n, 15,
                     f"the `live in` line of edit {i + 1} in the backend's log")
            time.sleep(1)
    finally:
        handler.write_text(original)
    lines = live_lines(loop, "backend")[before:before + 3]
    for (total, stages), seconds in zip(lines, outside, strict=True):
        assert stages["watch"] >= 0.19, f"Tilt's 200 ms debounce is part of the watch stage: {stages}"
        assert sum(stages.values()) == pytest.approx(total, abs=0.02), stages
    diffs = sorted(abs(total - seconds) for (total, _), seconds in zip(lines, outside, strict=True))
    assert diffs[1] <= 0.1, f"loop {[t for t, _ in lines]} vs outside probe {outside}"


def test_a_burst_of_saves_ends_with_the_last_version_served_and_no_error_between(loop):
    """20 saves in 5 s to one handler: every request meanwhile answers 200 with some saved version,
    never an older one than before, and the last save is what stays served — same pod, no restart."""
    handler = loop.workdir / HANDLER
    original = handler.read_text()
    pod = backend_pod(loop)
    versions = [f"burst{i:02d}-{uuid.uuid4().hex[:6]}" for i in range(20)]
    answers = []  # (status code or exception name, served marker)
    stop = threading.Event()

    def probe():  # an outside probe through the port-forward, as a developer's browser would be
        session = requests.Session()
        while not stop.is_set():
            try:
                r = session.get(backend(loop, "/health"), timeout=5)
                answers.append((r.status_code, r.json().get("e2e") if r.status_code == 200 else r.text[:300]))
            except (requests.RequestException, ValueError) as err:
                answers.append((type(err).__name__, str(err)[:300]))
            time.sleep(0.02)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    try:
        start = time.monotonic()
        for i, version in enumerate(versions):
            handler.write_text(with_marker(original, version))
            time.sleep(max(0.0, start + (i + 1) * 0.25 - time.monotonic()))
        wait_for(lambda: answers and answers[-1][1] == versions[-1], 30, "the burst's last save served")
        time.sleep(2)  # and it stays served: no late reload brings an older save back
    finally:
        stop.set()
        prober.join(10)
        handler.write_text(original)
    errors = [a for a in answers if a[0] != 200]
    assert not errors, f"{len(errors)} of {len(answers)} requests failed during the burst: {errors[:5]}"
    order = [versions.index(m) if m in versions else -1 for _, m in answers]
    assert order == sorted(order), f"an older save was served after a newer one: {order}"
    assert order[-1] == len(versions) - 1
    assert backend_pod(loop) == pod, "same pod, restart count unchanged"


def test_a_save_that_breaks_the_import_shows_the_error_at_once_and_the_previous_code_keeps_serving(loop):
    handler = loop.workdir / HANDLER
    original = handler.read_text()
    pod = backend_pod(loop)
    good, fixed = uuid.uuid4().hex[:8], uuid.uuid4().hex[:8]
    try:
        handler.write_text(with_marker(original, good))
        wait_for(lambda: served_marker(loop) == good, 30, "the last good save served")
        with loop.following_logs("backend") as lines:
            handler.write_text(with_marker(original, good) + "\n\ndef broken(:\n    pass\n")
            saved = handler.stat().st_mtime
            shown, message = wait_for(
                lambda: next(((t, m) for t, m in lines if "reload failed" in m), None), 15,
                "the reload error in the backend's dashboard log")
            assert shown - saved <= 1.0, f"the error reached the dashboard log {shown - saved:.2f} s after the save"
            assert "SyntaxError" in message and "health.py" in message, message
            for _ in range(10):  # the previous code keeps answering
                assert served_marker(loop) == good
                time.sleep(0.1)
            handler.write_text(with_marker(original, fixed))
            wait_for(lambda: served_marker(loop) == fixed, 15, "the fixed save served without a rebuild")
    finally:
        handler.write_text(original)
    assert backend_pod(loop) == pod, "same pod, restart count unchanged"


def test_frontend_page_edit_shows_the_new_text(loop):
    page = loop.workdir / "frontend/src/app/login/page.tsx"
    marker = f"E2E{uuid.uuid4().hex[:8]}"
    text = page.read_text()
    assert "<h1>Log in</h1>" in text
    before = settled_count(loop, "frontend")
    page.write_text(text.replace("<h1>Log in</h1>", f"<h1>Log in {marker}</h1>", 1))
    wait_for(lambda: marker in requests.get(frontend(loop, "/login"), timeout=10).text, 120,
             "the edited login page")
    # A first visit of the page compiles it, which on a busy machine can take a while.
    wait_for(lambda: len(live_lines(loop, "frontend")) > before, 120, "the `live in` line in the frontend's log")


def test_new_migration_is_applied_and_ready_waits_for_it(loop):
    versions = loop.workdir / "backend/app/migrations/versions"
    revision = "0002_e2e_note"
    (versions / f"{revision}.py").write_text(f'''"""e2e: add a table (written by the live-update test)."""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {_current_head(versions)!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("e2e_note", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("e2e_note")
''')
    body = wait_for(lambda: (r := requests.get(backend(loop, "/ready"), timeout=3)).status_code == 200
                    and r.json().get("revision") == revision and r.json(), 90, f"/ready at {revision}")
    assert body["status"] == "ready"


def _current_head(versions):
    import re
    revs, downs = set(), set()
    for f in versions.glob("*.py"):
        t = f.read_text()
        m = re.search(r'^revision\s*(?::\s*str)?\s*=\s*["\']([^"\']+)', t, re.M)
        d = re.search(r'^down_revision[^=]*=\s*["\']([^"\']+)', t, re.M)
        if m:
            revs.add(m.group(1))
        if d:
            downs.add(d.group(1))
    (head,) = revs - downs
    return head


def test_readiness_flips_red_while_liveness_stays_green_without_a_restart(loop):
    pod, restarts = backend_pod(loop)
    # Schema behind the code: readiness must fail, liveness must not (no restart for a DB problem).
    loop.kubectl("exec", pod, "--", "python", "-m", "alembic", "downgrade", "base")
    wait_for(lambda: loop.runtime_status("backend-readiness") == "error", 60, "backend-readiness red")
    assert loop.runtime_status("backend-liveness") == "ok"
    ready = requests.get(backend(loop, "/ready"), timeout=3)
    assert ready.status_code == 503 and "schema behind" in ready.json()["reason"]
    loop.kubectl("exec", pod, "--", "python", "-m", "app.db.migrate")
    wait_for(lambda: loop.runtime_status("backend-readiness") == "ok", 60, "backend-readiness green again")
    assert loop.runtime_status("backend-liveness") == "ok"
    assert backend_pod(loop) == (pod, restarts)
    assert "backend /ready" in loop.log.read_text() and "schema behind" in loop.log.read_text()


def test_requirements_change_rebuilds_and_the_backend_comes_back(loop):
    pod, _ = backend_pod(loop)
    reqs = loop.workdir / "backend/requirements.txt"
    reqs.write_text(reqs.read_text() + "# e2e: a dependency change falls back to a full image build\n")
    wait_for(lambda: [p for p, _ in backend_pods(loop)] not in ([], [pod]) and len(backend_pods(loop)) == 1,
             300, "exactly one, new, backend pod after the rebuild")
    loop.wait_ready(["backend", "backend-readiness"], timeout=300)
    assert requests.get(backend(loop, "/ready"), timeout=5).status_code == 200


def test_reset_dev_data_button_wipes_the_database(loop):
    user = {"email": f"wipe-{uuid.uuid4().hex[:8]}@example.com", "password": "a-long-password-123"}
    assert requests.post(frontend(loop, "/api/auth/signup"), json=user, timeout=10).status_code == 201
    old_pod, _ = backend_pod(loop)
    loop.click("reset-dev-data")
    wait_for(lambda: [p for p, _ in backend_pods(loop)] not in ([], [old_pod]) and len(backend_pods(loop)) == 1,
             180, "the backend back on a fresh volume")
    loop.wait_ready(["backend", "backend-readiness"], timeout=180)
    wait_for(lambda: requests.get(backend(loop, "/ready"), timeout=3).status_code == 200, 60, "/ready")
    login = requests.post(frontend(loop, "/api/auth/login"), json=user, timeout=10)
    assert login.status_code == 401, "the user created before the reset must be gone"
    assert "dev data reset" in loop.log.read_text()


def test_tilt_down_keeps_dev_data_and_the_next_up_finds_it(loop):
    session = requests.Session()
    user = {"email": f"keep-{uuid.uuid4().hex[:8]}@example.com", "password": "a-long-password-123"}
    assert session.post(frontend(loop, "/api/auth/signup"), json=user, timeout=10).status_code in (200, 201)
    title = f"survives tilt down {uuid.uuid4().hex[:6]}"
    assert session.post(frontend(loop, "/api/tasks"), json={"title": title}, timeout=10).status_code == 201

    loop.stop()
    down = loop.down()
    assert down.returncode == 0, down.stderr
    deployments = loop.kubectl("get", "deployments", "-o", "name").stdout.split()
    assert deployments == [], "tilt down must remove the workloads"
    pvcs = loop.kubectl("get", "pvc", "-o", "name").stdout.split()
    assert any(p.endswith("-backend-data") for p in pvcs), "the dev data claim must survive tilt down"

    loop.up()
    loop.wait_ready(["backend", "frontend", "backend-readiness"], timeout=600)
    again = requests.Session()
    assert again.post(frontend(loop, "/api/auth/login"), json=user, timeout=10).status_code == 200
    titles = [t["title"] for t in again.get(frontend(loop, "/api/tasks"), timeout=10).json()["items"]]
    assert title in titles


def test_a_wedged_port_forward_is_renewed_and_the_service_answers_again(loop, monkeypatch):
    """What the liveness watcher does when requests time out through the forward (Tilt #4801): the
    forward is replaced by a new one and the service answers through the same local port."""
    def backend_forwards():
        listing = json.loads(loop.tilt("get", "portforwards", "-o", "json").stdout)
        return {i["metadata"]["uid"] for i in listing["items"]
                if i["metadata"]["name"] in port_forward.names_for(listing, "backend")}

    before = backend_forwards()
    assert before, "the backend has a port-forward"
    for key, value in loop.env().items():
        monkeypatch.setenv(key, value)
    assert port_forward.recreate("backend")
    wait_for(lambda: backend_forwards() and not backend_forwards() & before, 30, "a new backend port-forward")
    wait_for(lambda: _answers(backend(loop, "/health")), 30, "/health through the new port-forward")


def _answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
