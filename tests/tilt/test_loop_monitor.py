"""The loop monitor's decisions on Tilt's objects and log lines (scripts/tilt/loop_monitor.py).

Tilt is faked by what its CLI prints (`tilt get uiresource -w -o json` objects, `tilt logs` lines,
in the shapes Tilt 0.37 prints them); the service behind the port-forward is a real local HTTP
server. The e2e loop test runs the monitor under a real `tilt up`.
"""
import http.server
import json
import os
import threading
import time
from datetime import UTC, datetime

import pytest

from scripts.tilt import loop_stats
from scripts.tilt.loop_monitor import Monitor, json_objects


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Page(http.server.BaseHTTPRequestHandler):
    body = b"old"

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("P", (Page,), {"body": b"old"})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield handler, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def uiresource(finish, start=None, ready=True, ready_at=None):
    conds = [{"type": "Ready", "status": "True" if ready else "False",
              **({"lastTransitionTime": stamp(ready_at)} if ready_at else {})}]
    history = [{"startTime": stamp(start if start is not None else finish - 1), "finishTime": stamp(finish)}]
    return {"metadata": {"name": "svc"}, "status": {"buildHistory": history, "conditions": conds}}


def make(kind, url, tmp_path):
    lines = []
    srcs = ["frontend/src"] if kind == "frontend" else ["app", "health.py"]
    return Monitor("svc", kind, url, out=lines.append, root=tmp_path, srcs=srcs), lines



def deployed(kind, url, tmp_path):
    """A monitor past its service's first deploy (reported and cleared): what comes next is a live update."""
    m, lines = make(kind, url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    lines.clear()
    return m, lines

def saved_file(tmp_path, mtime, name="health.py"):
    f = tmp_path / name
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text("x")
    os.utime(f, (mtime, mtime))
    return f.relative_to(tmp_path).as_posix()


def test_first_deploy_reports_once_how_long_the_resource_took_to_come_up(server, tmp_path):
    _, url = server
    m, lines = make("backend", url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, start=990.0, ready=False))
    assert lines == []
    m.on_uiresource(uiresource(finish=1000.0, start=990.0, ready_at=1003.0))
    m.on_uiresource(uiresource(finish=1000.0, start=990.0, ready_at=1003.0))
    assert lines == ["up in 13.0 s: image build + deploy 10.0 · pod ready 3.0 (live updates are timed from here on)"]


def test_backend_live_update_is_timed_from_the_save_to_the_new_code_answering(server, tmp_path):
    _, url = server
    m, lines = deployed("backend", url, tmp_path)
    now = time.time()
    rel = saved_file(tmp_path, now - 0.5, "app/api/routes/health.py")
    m.on_log(f"reloaded in 0.1 s (changed: app/x.py; mtime={now - 10:.3f} seen={now - 0.40:.3f} "
             f"ready={now - 0.35:.3f})")  # the previous update's, arriving late
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Will copy 1 file(s) to container: [todo-app-backend-abc/backend]")
    m.on_log(f"reloaded in 0.1 s (changed: app/api/routes/health.py; mtime={now - 1:.3f} "
             f"seen={now - 0.18:.3f} ready={now - 0.08:.3f})")
    m.on_uiresource(uiresource(finish=now - 0.15, start=now - 0.29))
    assert len(lines) == 1, lines
    total, stages = loop_stats.parse_live_line(lines[0])
    assert stages["watch"] == pytest.approx(0.21, abs=0.005)
    assert stages["sync"] == pytest.approx(0.11, abs=0.005)  # until the dev server saw it (before Tilt finished)
    assert stages["reload"] == pytest.approx(0.10, abs=0.005)
    assert 0 <= stages["first response"] < 0.05
    assert total == pytest.approx(sum(stages.values()), abs=0.02)
    assert "(health.py; session p50" in lines[0]


def test_without_the_reload_line_reload_and_first_response_are_one_stage(server, tmp_path, monkeypatch):
    from scripts.tilt import loop_monitor
    monkeypatch.setattr(loop_monitor, "RELOAD_WAIT", 0.1)
    _, url = server
    m, lines = deployed("backend", url, tmp_path)
    now = time.time()
    rel = saved_file(tmp_path, now - 0.5)
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Will copy 1 file(s) to container: [todo-app-backend-abc/backend]")
    m.on_uiresource(uiresource(finish=now - 0.1, start=now - 0.3))
    total, stages = loop_stats.parse_live_line(lines[0])
    assert list(stages) == ["watch", "sync", "reload + first response"]
    assert total >= 0.5 and lines[0].endswith("[the dev server reported no reload]")



def test_a_reload_that_fails_is_reported_as_not_live_and_not_counted(server, tmp_path):
    """A save that breaks the import: the dev server logs its error at once and keeps the old code;
    there is no save → live figure (waiting for a reload that never comes is not one)."""
    _, url = server
    m, lines = deployed("backend", url, tmp_path)
    now = time.time()
    rel = saved_file(tmp_path, now - 0.5, "app/api/routes/health.py")
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Will copy 1 file(s) to container: [todo-app-backend-abc/backend]")
    m.on_log("12:21:07.606 ERROR   app.devserver  reload failed: SyntaxError: invalid syntax "
             "(/app/app/api/routes/health.py, line 65); still serving the previous code")
    begin = time.monotonic()
    m.on_uiresource(uiresource(finish=now - 0.1, start=now - 0.3))
    assert time.monotonic() - begin < 1.0, "no waiting for a reload line that will not come"
    assert len(lines) == 1 and lines[0].startswith("not live: the dev server could not load the new code of "
                                                   "app/api/routes/health.py"), lines
    assert loop_stats.parse_live_line(lines[0]) is None and m.session.totals == []

def record(message, at):
    """One of the backend's JSON log records (backend/app/core/logging.py)."""
    return json.dumps({"timestamp": stamp(at).replace("000Z", "Z"), "level": "INFO", "logger": "app.devserver",
                       "message": message, "request_id": None, "user_id": None})


def test_without_the_reload_line_the_dev_servers_own_log_times_split_the_reload(server, tmp_path):
    _, url = server
    m, lines = deployed("backend", url, tmp_path)
    now = time.time()
    rel = saved_file(tmp_path, now - 0.6)
    m.on_log(record("Application startup complete.", now - 5))  # the previous reload's
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Will copy 1 file(s) to container: [todo-app-backend-abc/backend]")
    m.on_log(record("changes in health.py: reloading", now - 0.25))
    m.on_log(record("Application startup complete.", now - 0.05))
    begin = time.monotonic()
    m.on_uiresource(uiresource(finish=now - 0.2, start=now - 0.4))
    total, stages = loop_stats.parse_live_line(lines[0])
    assert list(stages) == ["watch", "sync", "reload", "first response"]
    assert stages["sync"] == pytest.approx(0.15, abs=0.005) and stages["reload"] == pytest.approx(0.2, abs=0.005)
    assert total == pytest.approx(0.55, abs=0.05)
    assert time.monotonic() - begin < 1.0, "no waiting for a line that does not come"


def test_an_image_build_is_not_reported_as_a_live_update(server, tmp_path):
    _, url = server
    m, lines = deployed("backend", url, tmp_path)
    rel = saved_file(tmp_path, time.time(), "requirements.txt")
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Building Dockerfile for platform linux/amd64:")
    m.on_uiresource(uiresource(finish=2000.0))
    assert lines == []


def test_frontend_update_waits_for_the_page_to_change_and_uses_next_devs_render_time(server, tmp_path):
    handler, url = server
    m, lines = make("frontend", url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    m.pages["/login"] = b"old"
    lines.clear()
    now = time.time()
    rel = saved_file(tmp_path, now - 0.4, "frontend/src/app/login/page.tsx")
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Will copy 1 file(s) to container: [todo-app-frontend-abc/frontend]")
    m.on_log(" GET /login?loop-stats=zz 200 in 5ms (compile: 1ms, render: 4ms)")  # not ours
    threading.Timer(0.15, lambda: setattr(handler, "body", b"new")).start()

    def tagged_line():  # next dev logs our request with its tag: that render figure is used
        time.sleep(0.3)
        m.on_log(f" GET /login?loop-stats={m.last_tag} 200 in 90ms (compile: 60ms, render: 30ms)")
    threading.Thread(target=tagged_line).start()
    m.on_uiresource(uiresource(finish=now - 0.1, start=now - 0.19))
    assert len(lines) == 1, lines
    total, stages = loop_stats.parse_live_line(lines[0])
    assert m.pages["/login"] == b"new"
    assert total >= 0.5, "the figure ends when the new page is served, not at the first (old) answer"
    assert stages["first response"] == pytest.approx(0.03)  # next dev's render time for our request
    assert "(page.tsx; session" in lines[0] and "page HTML unchanged" not in lines[0]


def test_a_deleted_file_gets_one_line_saying_why_it_was_not_timed(server, tmp_path):
    _, url = server
    m, lines = deployed("backend", url, tmp_path)
    m.on_log("1 File Changed: [backend/app/gone.py]")
    m.on_log("Will copy 0 file(s) to container: [todo-app-backend-abc/backend]")
    m.on_uiresource(uiresource(finish=1501.0))
    assert lines == ["live update not timed: Tilt's log named no changed file that still exists"]


def test_tilt_get_watch_output_is_split_into_objects():
    chunks = ['{\n  "kind": "UIResource",\n', '  "a": {"b": "}"}\n}\n{"kind": ', '"UIResource", "n": 2}\n']
    assert list(json_objects(chunks)) == [{"kind": "UIResource", "a": {"b": "}"}}, {"kind": "UIResource", "n": 2}]


def test_the_page_before_the_update_is_fetched_when_tilt_starts_it(server, tmp_path):
    handler, url = server
    m, lines = deployed("frontend", url, tmp_path)
    now = time.time()
    saved_file(tmp_path, now - 60, "frontend/src/app/page.tsx")
    rel = saved_file(tmp_path, now - 0.3, "frontend/src/app/login/page.tsx")  # the newest: the one synced
    building = uiresource(finish=1000.0, ready_at=1001.0)
    building["status"]["currentBuild"] = {"startTime": stamp(now - 0.1)}
    m.on_uiresource(building)
    time.sleep(0.1)  # the page as it was, fetched in the background
    threading.Timer(0.3, lambda: setattr(handler, "body", b"new")).start()  # next dev done compiling
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Will copy 1 file(s) to container: [todo-app-frontend-abc/frontend]")
    m.on_uiresource(uiresource(finish=time.time(), start=now - 0.1))
    assert m.pages["/login"] == b"new", "the old page, still served after the sync, is not the new code"
    assert len(lines) == 1 and "page HTML unchanged" not in lines[0]


def test_frontend_figure_ends_when_the_new_page_came_even_if_tilt_reports_the_update_late(server, tmp_path):
    handler, url = server
    m, lines = make("frontend", url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    m.pages["/login"] = b"old"
    saved_file(tmp_path, time.time() - 60, "frontend/src/app/login/page.tsx")
    lines.clear()
    stop = threading.Event()
    threading.Thread(target=m.watch_saves, args=(stop,), daemon=True).start()
    time.sleep(0.1)
    saved = time.time()
    rel = saved_file(tmp_path, saved, "frontend/src/app/login/page.tsx")
    threading.Timer(0.3, lambda: setattr(handler, "body", b"new")).start()  # next dev serves the new page
    time.sleep(1.3)  # Tilt's watch stream reports the finished update a second after that
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Will copy 1 file(s) to container: [todo-app-frontend-abc/frontend]")
    m.on_uiresource(uiresource(finish=saved + 0.25, start=saved + 0.2))
    stop.set()
    assert len(lines) == 1, lines
    total, _ = loop_stats.parse_live_line(lines[0])
    assert total == pytest.approx(0.3, abs=0.1), lines[0]
    assert m.pages["/login"] == b"new"


def test_an_update_that_changes_no_page_is_not_timed_nor_counted(server, tmp_path, monkeypatch):
    monkeypatch.setattr("scripts.tilt.loop_monitor.PAGE_WAIT", 0.3)
    _, url = server
    m, lines = make("frontend", url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    m.pages["/"] = b"old"
    lines.clear()
    now = time.time()
    rel = saved_file(tmp_path, now - 0.4, "frontend/src/app/styles.css")  # no page's HTML changes
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_log("Will copy 1 file(s) to container: [todo-app-frontend-abc/frontend]")
    m.on_uiresource(uiresource(finish=now - 0.1, start=now - 0.19))
    assert len(lines) == 1 and "styles.css synced in 0.30 s" in lines[0] and "nothing to time" in lines[0], lines
    assert m.session.totals == [], "no save → live figure for it"


def test_the_generated_api_types_are_not_timed_and_not_waited_for(server, tmp_path):
    _, url = server
    m, lines = make("frontend", url, tmp_path)
    m.untimed = ["frontend/src/lib/client/api"]
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    lines.clear()
    now = time.time()
    saved_file(tmp_path, now - 60, "frontend/src/app/login/page.tsx")
    rel = saved_file(tmp_path, now - 0.3, "frontend/src/lib/client/api/types.gen.ts")  # api-contract's write
    assert m.newest_source().endswith("login/page.tsx"), "the save watcher does not poll for it"
    begin = time.monotonic()
    m.on_log(f"1 File Changed: [{rel}]")
    m.on_uiresource(uiresource(finish=now - 0.1, start=now - 0.2))
    assert time.monotonic() - begin < 0.5, "no page polling for a type-only update"
    assert len(lines) == 1 and "generated API types synced in 0.10 s" in lines[0], lines
    assert m.session.totals == []


def test_a_page_that_echoes_its_url_is_still_timed_by_its_content(tmp_path):
    class Echo(Page):  # next dev puts the request's URL, query included, into the HTML
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(type(self).body + self.path.encode())
    handler = type("E", (Echo,), {"body": b"old"})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        m, lines = make("frontend", f"http://127.0.0.1:{srv.server_address[1]}", tmp_path)
        m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
        saved_file(tmp_path, time.time() - 60, "frontend/src/app/login/page.tsx")
        stop = threading.Event()
        threading.Thread(target=m.watch_saves, args=(stop,), daemon=True).start()
        time.sleep(0.1)
        saved = time.time()
        rel = saved_file(tmp_path, saved, "frontend/src/app/login/page.tsx")
        threading.Timer(0.4, lambda: setattr(handler, "body", b"new")).start()
        time.sleep(0.8)
        lines.clear()
        m.on_log(f"1 File Changed: [{rel}]")
        m.on_log("Will copy 1 file(s) to container: [todo-app-frontend-abc/frontend]")
        m.on_uiresource(uiresource(finish=saved + 0.3, start=saved + 0.2))
        stop.set()
        assert len(lines) == 1 and loop_stats.parse_live_line(lines[0]), lines
        total, _ = loop_stats.parse_live_line(lines[0])
        assert total == pytest.approx(0.4, abs=0.1), lines
    finally:
        srv.shutdown()


def test_a_page_with_a_fresh_id_in_every_answer_is_timed_when_its_markup_changes(tmp_path):
    """next dev 16.4 writes a random id into an inline script of every answer, so whole answers always
    differ: the update is the first answer whose markup differs — not the first answer, not a later one.
    (The page changes at its 6th answer; when each answer was sent is recorded, so no timing is assumed.)"""
    import uuid
    sent: list[float] = []

    class Fresh(Page):
        def do_GET(self):
            body = b"old" if len(sent) < 5 else b"new"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<h1>" + body + b'</h1><script>self.__next_r="' + uuid.uuid4().hex.encode()
                             + b'";</script>')
            sent.append(time.time())
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fresh)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        m, _ = make("frontend", f"http://127.0.0.1:{srv.server_address[1]}", tmp_path)
        _, before = m._page("/login")
        assert m._page("/login")[1] == before, "the same code's answers compare equal"
        answered, markup = m._poll_until_changed("/login", before)
        assert markup == b"<h1>new</h1>"
        assert len(sent) == 6 and sent[5] <= answered, "the 6th answer, the first new one, is the figure"
    finally:
        srv.shutdown()