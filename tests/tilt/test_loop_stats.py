"""The save → live arithmetic and the lines the dashboard shows (scripts/tilt/loop_stats.py)."""
import json

import pytest

from scripts.tilt import loop_stats
from scripts.tilt.loop_stats import Session, Timeline

# The dev server's line after a reload, as backend/devserver/ prints it (inside its JSON log).
RELOAD = ("reloaded in 0.112 s (changed: app/api/routes/health.py; mtime=1764619234.123 "
          "seen=1764619234.345 ready=1764619234.457)")


def test_reload_line_is_parsed_from_plain_text_and_from_a_json_log_record():
    for line in (RELOAD, json.dumps({"level": "INFO", "logger": "app.devserver", "message": RELOAD})):
        r = loop_stats.parse_reload(line)
        assert r == loop_stats.Reload(0.112, ("app/api/routes/health.py",), 1764619234.123, 1764619234.345,
                                      1764619234.457)


def test_reload_line_with_several_changed_files_and_integer_times():
    r = loop_stats.parse_reload("reloaded in 1 s (changed: app/a.py, app/b.py; mtime=10 seen=11 ready=12)")
    assert r.changed == ("app/a.py", "app/b.py") and (r.mtime, r.seen, r.ready) == (10.0, 11.0, 12.0)


@pytest.mark.parametrize("line", [
    "changes in health.py: reloading",   # today's dev server: no ready time, so no figure from it
    "reloaded in 0.112 s",
    "reloaded in fast s (changed: x; mtime=1 seen=2 ready=3)",
])
def test_other_lines_are_not_reload_lines(line):
    assert loop_stats.parse_reload(line) is None


def test_json_log_records_give_their_message_and_their_own_time():
    line = '{"timestamp": "2026-12-01T20:00:00.250Z", "level": "INFO", "message": "changes in a.py: reloading"}'
    assert loop_stats.json_record(line) == ("changes in a.py: reloading", pytest.approx(1796155200.25))
    assert loop_stats.json_record("plain text") == ("plain text", None)
    assert loop_stats.json_record('{"message": "no time"}') == ("no time", None)
    assert loop_stats.json_record("{not json") == ("{not json", None)


def test_the_line_a_reload_starts_with_is_recognised():
    assert loop_stats.is_reload_start('{"message": "changes in health.py, x.py: reloading"}')
    assert not loop_stats.is_reload_start("reloaded in 0.1 s (changed: a; mtime=1 seen=2 ready=3)")


def test_next_request_lines_with_compile_and_render_times_and_colours():
    r = loop_stats.parse_next_request(" GET /login?loop-stats=ab12 200 in 626ms (compile: 500ms, render: 125ms)")
    assert r == loop_stats.NextRequest("/login?loop-stats=ab12", 200, 626.0, 500.0, 125.0)
    coloured = " \x1b[1mGET\x1b[22m /login 200 in 1.2s \x1b[2m(compile: 1s, proxy.ts: 3ms, render: 0.2s)\x1b[22m"
    r = loop_stats.parse_next_request(coloured)
    assert (r.path, r.total_ms, r.compile_ms, r.render_ms) == ("/login", 1200.0, 1000.0, 200.0)
    r = loop_stats.parse_next_request(" GET /api/health 200 in 23ms (next.js: 14ms, application-code: 9ms)")
    assert (r.total_ms, r.compile_ms, r.render_ms) == (23.0, 14.0, 9.0)  # next 16.4's names for the split
    assert loop_stats.parse_next_request(" GET / 307 in 12ms").compile_ms is None
    assert loop_stats.parse_next_request("✓ Ready in 2.1s") is None


def test_tilt_api_times_are_unix_seconds():
    assert loop_stats.parse_time("2026-12-01T20:00:00.250000Z") == pytest.approx(1796155200.25)


def backend_timeline(**over):
    base = {"saved": 100.00, "started": 100.21, "synced": 100.35, "server_saw": 100.33, "ready": 100.44,
            "answered": 100.48}
    return Timeline(**{**base, **over})


def test_backend_stages_add_up_to_save_to_first_response():
    stages = loop_stats.stages("backend", backend_timeline())
    assert [name for name, _ in stages] == ["watch", "sync", "reload", "first response"]
    assert dict(stages) == pytest.approx({"watch": 0.21, "sync": 0.12, "reload": 0.11, "first response": 0.04})
    assert sum(s for _, s in stages) == pytest.approx(0.48)


def test_backend_sync_ends_when_tilt_finishes_if_the_dev_server_sees_the_change_later():
    stages = dict(loop_stats.stages("backend", backend_timeline(server_saw=100.40)))
    assert stages["sync"] == pytest.approx(0.14) and stages["reload"] == pytest.approx(0.09)


def test_backend_without_the_reload_line_reports_reload_and_response_together():
    t = Timeline(saved=100.0, started=100.2, synced=100.3, answered=101.0)
    assert dict(loop_stats.stages("backend", t)) == pytest.approx(
        {"watch": 0.2, "sync": 0.1, "reload + first response": 0.7})


def test_a_container_clock_that_disagrees_is_reported_not_split():
    with pytest.raises(loop_stats.ClockSkew):
        loop_stats.stages("backend", backend_timeline(ready=90.0, server_saw=89.9))


def test_frontend_stages_use_next_devs_render_time():
    t = Timeline(saved=10.0, started=10.22, synced=10.30, answered=10.40, render_s=0.03)
    assert dict(loop_stats.stages("frontend", t)) == pytest.approx(
        {"watch": 0.22, "sync": 0.08, "recompile": 0.07, "first response": 0.03})
    t = Timeline(saved=10.0, started=10.22, synced=10.30, answered=10.40)
    assert dict(loop_stats.stages("frontend", t)) == pytest.approx(
        {"watch": 0.22, "sync": 0.08, "recompile + first response": 0.10})


def test_the_dashboard_line_carries_total_stages_file_and_the_running_percentiles():
    session = Session()
    line = loop_stats.live_line("backend", backend_timeline(), ["backend/app/api/routes/health.py"], session)
    assert line == ("live in 0.48 s: watch 0.21 · sync 0.12 · reload 0.11 · first response 0.04 "
                    "(health.py; session p50 0.48 s · p95 0.48 s over 1 save)")
    for answered in (100.60, 100.70, 100.50, 101.90):
        line = loop_stats.live_line("backend", backend_timeline(answered=answered), ["a.py"], session)
    assert line.endswith("(a.py; session p50 0.60 s · p95 1.90 s over 5 saves)")


def test_dashboard_lines_parse_back():
    session = Session()
    line = loop_stats.live_line("frontend", Timeline(saved=1, started=1.2, synced=1.3, answered=1.45),
                                ["frontend/src/app/login/page.tsx"], session)
    total, stages = loop_stats.parse_live_line("frontend │ " + line)
    assert total == pytest.approx(0.45)
    assert stages == pytest.approx({"watch": 0.2, "sync": 0.1, "recompile + first response": 0.15})
    assert loop_stats.parse_live_line("backend │ INFO: live update done") is None


def test_percentile_is_nearest_rank():
    values = [0.5, 0.1, 0.3, 0.2, 0.4]
    assert loop_stats.percentile(values, 50) == 0.3
    assert loop_stats.percentile(values, 95) == 0.5
    assert loop_stats.percentile([0.7], 95) == 0.7
    with pytest.raises(ValueError):
        loop_stats.percentile([], 50)
    assert Session().summary() == "no live updates yet"


@pytest.mark.parametrize("path,route", [
    ("frontend/src/app/login/page.tsx", "/login"),
    ("frontend/src/app/page.tsx", "/"),
    ("/tmp/copy/frontend/src/app/(auth)/signup/page.tsx", "/signup"),
    ("/tmp/copy/frontend/src/app/tasks/[id]/page.tsx", "/"),
    ("frontend/src/app/layout.tsx", "/"),
    ("frontend/src/components/TaskApp.tsx", "/"),
    ("frontend/src/app/globals.css", "/"),
])
def test_a_frontend_edit_is_looked_at_on_the_page_it_belongs_to(path, route):
    assert loop_stats.page_route(path) == route


def test_the_plan_starts_a_monitor_per_live_updated_service_on_the_flags_ports(tmp_path):
    from scripts.tilt import plan
    settings = plan.ImageSettings({"PYTHON_BASE": "python:3.13-slim", "NODE_BASE": "node:22-slim"})
    p = plan.build(plan.Flags(backend_port=18000, only=["backend"]), "todo-local", settings, repo=tmp_path)
    assert p["loop_stats"] == [{"resource": "backend",
                                "args": ["--resource", "backend", "--kind", "backend",
                                         "--url", "http://localhost:18000/health",
                                         "--src", "backend/app", "--src", "backend/alembic.ini"]}]
    both = plan.build(plan.Flags(frontend_port=13000), "todo-local", settings, repo=tmp_path)["loop_stats"]
    assert [m["resource"] for m in both] == ["backend", "frontend"]
    assert both[1]["args"][:6] == ["--resource", "frontend", "--kind", "frontend", "--url", "http://localhost:13000"]
    assert "frontend/src" in both[1]["args"]
    (tmp_path / ".env.prod").write_text("JWT_SECRET=" + "p" * 40 + "\n")
    prod = plan.build(plan.Flags(mode="prod", env_file=".env.prod"), "todo-local", settings, repo=tmp_path)
    assert prod["loop_stats"] == [], "prod mode has no live update to time"


def test_tilts_build_log_lines_say_what_changed_and_how_it_was_updated():
    assert loop_stats.parse_changed_files("1 File Changed: [backend/app/api/routes/health.py]") == [
        "backend/app/api/routes/health.py"]
    assert loop_stats.parse_changed_files("7 Files Changed: [a.py b.py c.py d.py e.py ...]") == [
        "a.py", "b.py", "c.py", "d.py", "e.py"]
    assert loop_stats.parse_changed_files("Initial Build") is None
    assert loop_stats.build_kind("Will copy 1 file(s) to container: [todo-app-backend-x/backend]") == "live"
    assert loop_stats.build_kind("Building Dockerfile for platform linux/amd64:") == "image"
    assert loop_stats.build_kind("STEP 1/3 — Building Dockerfile: [todo-backend]") is None


def test_page_markup_drops_every_script_and_keeps_what_the_page_shows():
    html = (b'<html><body><h1>Log in</h1><script src="/_next/a.js" async=""></script>'
            b'<SCRIPT>self.__next_r="abc";\nvar __nextHmrInitialVersion="1";</SCRIPT><p>x</p></body></html>')
    assert loop_stats.page_markup(html) == b"<html><body><h1>Log in</h1><p>x</p></body></html>"
