"""The loop monitor's decisions on Tilt's objects (scripts/tilt/loop_monitor.py).

Tilt's API is faked with the objects it serves (the shapes `tilt get -o json` prints); the service
behind the port-forward is a real local HTTP server. The e2e loop test runs the monitor under a real
`tilt up`.
"""
import http.server
import os
import queue
import threading
import time
from datetime import UTC, datetime

import pytest

from scripts.tilt import loop_stats
from scripts.tilt.loop_monitor import Monitor


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FakeApi:
    def __init__(self):
        self.synced = None
        self.events = []

    def get(self, kind, name=""):
        if kind == "liveupdates":
            containers = [{"containerName": "backend", "lastFileTimeSynced": self.synced}] if self.synced else []
            return {"items": [
                {"metadata": {"annotations": {"tilt.dev/resource": "other"}}},
                {"metadata": {"annotations": {"tilt.dev/resource": "svc"}},
                 "spec": {"sources": [{"fileWatch": "image:todo-svc"}]}, "status": {"containers": containers}}]}
        assert (kind, name) == ("filewatches", "image:todo-svc")
        return {"status": {"fileEvents": self.events}}


class FakeLogs:
    def __init__(self):
        self.reloads, self.requests = queue.Queue(), queue.Queue()


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
    api, logs, lines = FakeApi(), FakeLogs(), []
    return Monitor(api, "svc", kind, url, logs, out=lines.append), api, logs, lines


def test_first_deploy_reports_once_how_long_the_resource_took_to_come_up(server, tmp_path):
    _, url = server
    m, _, _, lines = make("backend", url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, start=990.0, ready=False))
    assert lines == []
    m.on_uiresource(uiresource(finish=1000.0, start=990.0, ready_at=1003.0))
    m.on_uiresource(uiresource(finish=1000.0, start=990.0, ready_at=1003.0))
    assert lines == ["up in 13.0 s: image build + deploy 10.0 · pod ready 3.0 (live updates are timed from here on)"]


def saved_file(tmp_path, mtime):
    f = tmp_path / "health.py"
    f.write_text("x")
    os.utime(f, (mtime, mtime))
    return str(f)


def test_backend_live_update_is_timed_from_the_save_to_the_new_code_answering(server, tmp_path):
    _, url = server
    m, api, logs, lines = make("backend", url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    lines.clear()
    now = time.time()
    f = saved_file(tmp_path, now - 0.5)
    api.events = [{"time": stamp(now - 3), "seenFiles": ["/elsewhere/old.py"]},  # an earlier update's
                  {"time": stamp(now - 0.29), "seenFiles": [f]}]
    api.synced = stamp(now - 0.29)
    m.synced_seen = stamp(now - 2)
    logs.reloads.put(loop_stats.parse_reload(f"reloaded in 0.1 s (changed: app/x.py; mtime={now - 10:.3f} "
                                             f"seen={now - 0.40:.3f} ready={now - 0.35:.3f})"))  # the previous one
    logs.reloads.put(loop_stats.parse_reload(f"reloaded in 0.1 s (changed: health.py; mtime={now - 1:.3f} "
                                             f"seen={now - 0.18:.3f} ready={now - 0.08:.3f})"))
    m.on_uiresource(uiresource(finish=now - 0.15, start=now - 0.28))
    assert len(lines) == 1, lines
    total, stages = loop_stats.parse_live_line(lines[0])
    # The first reload line whose ready time is after Tilt saw the file, plus one local round trip.
    assert stages["watch"] == pytest.approx(0.21, abs=0.005)
    assert stages["sync"] == pytest.approx(0.11, abs=0.005)
    assert stages["reload"] == pytest.approx(0.10, abs=0.005)
    assert 0 <= stages["first response"] < 0.05
    assert total == pytest.approx(sum(stages.values()), abs=0.02)
    assert "(health.py; session p50" in lines[0]


def test_a_full_image_build_is_not_reported_as_a_live_update(server, tmp_path):
    _, url = server
    m, api, _, lines = make("backend", url, tmp_path)
    api.synced = stamp(500.0)
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    lines.clear()
    m.on_uiresource(uiresource(finish=2000.0))  # the LiveUpdate synced nothing new
    assert lines == []


def test_frontend_update_waits_for_the_page_to_change_and_uses_next_devs_compile_time(server, tmp_path):
    handler, url = server
    m, api, logs, lines = make("frontend", url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    m.pages["/"] = b"old"
    lines.clear()
    now = time.time()
    f = saved_file(tmp_path, now - 0.4)
    api.events, api.synced = [{"time": stamp(now - 0.2), "seenFiles": [f]}], stamp(now - 0.2)
    threading.Timer(0.15, lambda: setattr(handler, "body", b"new")).start()
    logs.requests.put(loop_stats.parse_next_request("GET /?loop-stats=zz 200 in 5ms (compile: 1ms, render: 4ms)"))

    def tagged_line():  # next dev logs our request with its tag: that compile figure is used
        time.sleep(0.3)
        tag = m.last_tag
        logs.requests.put(loop_stats.parse_next_request(f"GET /?loop-stats={tag} 200 in 90ms (compile: 60ms, render: 30ms)"))
    threading.Thread(target=tagged_line).start()
    m.on_uiresource(uiresource(finish=now - 0.1, start=now - 0.19))
    assert len(lines) == 1, lines
    total, stages = loop_stats.parse_live_line(lines[0])
    assert m.pages["/"] == b"new"
    assert total >= 0.5, "the figure ends when the new page is served, not at the first (old) answer"
    assert stages["recompile"] == pytest.approx(0.06)
    assert "page HTML unchanged" not in lines[0]


def test_a_deleted_file_gets_one_line_saying_why_it_was_not_timed(server, tmp_path):
    _, url = server
    m, api, _, lines = make("backend", url, tmp_path)
    m.on_uiresource(uiresource(finish=1000.0, ready_at=1001.0))
    lines.clear()
    api.events, api.synced = [{"time": stamp(1500.0), "seenFiles": [str(tmp_path / "gone.py")]}], stamp(1500.0)
    m.on_uiresource(uiresource(finish=1501.0))
    assert lines == ["live update not timed: the changed files are gone (deleted or renamed)"]
