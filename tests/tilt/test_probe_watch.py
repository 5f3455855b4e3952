import http.server
import json
import threading
import time

import pytest

from scripts.tilt import probe_watch
from scripts.tilt.probe_watch import Result, Watcher


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def ok():
    return Result(True, True, "200")


def bad(reason="503 database unreachable"):
    return Result(False, True, reason)


def down():
    return Result(False, False, "unreachable")


def test_transitions_are_logged_with_the_reason():
    w = Watcher("backend /ready", 3, startup_grace=0, clock=FakeClock())
    assert w.observe(ok())[0] == "backend /ready start → 200"
    assert w.observe(ok())[0] is None
    assert w.observe(bad())[0] == "backend /ready 200 → 503 database unreachable"


def test_fails_after_threshold_consecutive_failures_once_it_has_been_ok():
    w = Watcher("p", 3, startup_grace=30, clock=FakeClock())
    w.observe(ok())
    assert [w.observe(bad())[1] for _ in range(3)] == [False, False, True]


def test_a_success_resets_the_count():
    w = Watcher("p", 2, startup_grace=0, clock=FakeClock())
    w.observe(bad())
    w.observe(ok())
    assert w.observe(bad())[1] is False


def test_unreachable_is_not_a_probe_failure():
    w = Watcher("p", 1, startup_grace=0, clock=FakeClock())
    w.observe(ok())
    assert w.observe(down())[1] is False


def test_startup_failures_count_only_after_the_grace_period():
    clock = FakeClock()
    w = Watcher("p", 2, startup_grace=30, clock=clock)
    w.observe(down())           # not answering yet: grace has not started
    clock.now = 100
    for _ in range(5):          # answering 503 (migrating) within the grace
        assert w.observe(bad("503 migrating"))[1] is False
        clock.now += 5
    clock.now = 131
    w.observe(bad())
    assert w.observe(bad())[1] is True


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}

    def do_GET(self):
        status, body = self.routes.get(self.path, (404, {}))
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.routes = {"/ready": (503, {"status": "not ready", "reason": "database unreachable"}),
                       "/health": (200, {"status": "ok"})}
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_check_reads_the_apps_reason_from_a_real_server(server):
    assert probe_watch.check(server + "/health", 2) == Result(True, True, "200")
    assert probe_watch.check(server + "/ready", 2) == Result(False, True, "503 database unreachable")


def test_check_reports_a_closed_port_as_unreachable():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    assert probe_watch.check(f"http://127.0.0.1:{port}/ready", 1) == Result(False, False, "unreachable")


def test_watch_exits_nonzero_naming_the_failed_probe(server, capsys):
    rc = probe_watch.main(["--url", server + "/ready", "--name", "backend /ready", "--period", "0.05",
                           "--failure-threshold", "2", "--startup-grace", "0"])
    assert rc == 1
    out = capsys.readouterr().out
    assert "PROBE FAILED: backend /ready 503 database unreachable" in out


def timeout():
    return Result(False, True, "timeout")


def test_timeouts_in_a_row_ask_for_a_new_port_forward_at_most_once_per_interval():
    clock = FakeClock()
    w = Watcher("frontend /api/health", 3, startup_grace=0, clock=clock)
    w.observe(timeout())
    assert w.wants_new_port_forward() is False          # one timeout is not a pattern
    w.observe(timeout())
    assert w.wants_new_port_forward() is True
    w.observe(timeout())
    clock.now += probe_watch.NEW_FORWARD_INTERVAL - 1
    assert w.wants_new_port_forward() is False          # the fresh forward gets time to connect
    clock.now += 1
    assert w.wants_new_port_forward() is True


def test_an_answer_of_any_kind_ends_the_timeout_run():
    w = Watcher("p", 3, startup_grace=0, clock=FakeClock())
    for answer in (ok(), bad(), down()):
        w.observe(timeout())
        w.observe(answer)
        w.observe(timeout())
        assert w.wants_new_port_forward() is False, answer


def test_timeouts_still_count_as_failures_so_a_hung_app_turns_red():
    w = Watcher("p", 2, startup_grace=0, clock=FakeClock())
    w.observe(ok())
    assert [w.observe(timeout())[1] for _ in range(2)] == [False, True]


@pytest.fixture
def hanging_port():
    """A port that accepts connections and never answers: what a wedged port-forward looks like."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    yield s.getsockname()[1]
    s.close()


def test_a_hanging_endpoint_logs_the_port_forward_renewal_and_still_fails(hanging_port, capsys, monkeypatch):
    monkeypatch.delenv("TILT_PORT", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")          # no tilt to ask: the watcher says so and goes on
    rc = probe_watch.main(["--url", f"http://127.0.0.1:{hanging_port}/api/health", "--name", "frontend /api/health",
                           "--period", "0.05", "--timeout", "0.2", "--failure-threshold", "3",
                           "--startup-grace", "0", "--port-forward-of", "frontend"])
    assert rc == 1
    out = capsys.readouterr().out
    assert "2 requests in a row timed out through the port-forward" in out
    assert "Tilt has no port-forward of frontend to renew" in out
    assert "PROBE FAILED: frontend /api/health timeout" in out


@pytest.mark.timeout(30)  # the old reviver waited forever
def test_the_reviver_renews_a_wedged_port_forward_until_the_service_answers_then_restarts_the_watcher(
        tmp_path, monkeypatch):
    """After the watcher gave up (a pod replaced under a wedged forward: restore, reset, rebuild), the
    reviver is all that is left watching: it must renew the forward too, or the recovery it waits for
    never comes through. A renewed forward is what makes this endpoint answer."""
    renewed = threading.Event()

    class Wedged(_Handler):
        def do_GET(self):
            if not renewed.is_set():
                time.sleep(0.5)  # longer than the reviver's timeout: a request that hangs
                return
            super().do_GET()

    _Handler.routes = {"/health": (200, {"status": "ok"})}
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Wedged)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    asked = []
    monkeypatch.setattr(probe_watch.port_forward, "recreate",
                        lambda resource: (asked.append(resource), renewed.set(), ["backend-pf"])[-1])
    fake_tilt = tmp_path / "tilt"
    fake_tilt.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "tilt-calls"}\n')
    fake_tilt.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    try:
        rc = probe_watch.main(["--revive", "--url", f"http://127.0.0.1:{srv.server_address[1]}/health",
                               "--name", "backend /health", "--resource", "backend-liveness",
                               "--period", "0.05", "--timeout", "0.2", "--port-forward-of", "backend"])
    finally:
        srv.shutdown()
    assert rc == 0 and asked == ["backend"]
    assert (tmp_path / "tilt-calls").read_text().split() == ["trigger", "backend-liveness"]
