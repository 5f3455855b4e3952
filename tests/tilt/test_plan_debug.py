"""`tilt up -- --debug=backend,frontend`: what the plan changes (only the dev start command, the
debugger's port-forward and link, the liveness tolerance) and what it refuses."""
import json

import pytest

from scripts.tilt import debug_toggle, plan
from scripts.tilt.plan import Flags
from scripts.project import BACKEND_PORT

BASES = plan.ImageSettings({"PYTHON_BASE": "python:3.13-slim", "NODE_BASE": "node:22-slim"})


def build(tmp_path, **kw):
    return plan.build(Flags(**kw), "todo-local", BASES, repo=tmp_path)


def test_no_debug_by_default_changes_nothing(tmp_path):
    p = build(tmp_path)
    assert p["debug"] == []
    assert p["build"]["entrypoint"] == {"backend": [], "frontend": []}
    assert not any("liveness" in s for s in p["set"])
    assert p["ports"]["backend"] == {"local": BACKEND_PORT, "container": BACKEND_PORT, "debugger": None}


def test_debug_backend_runs_the_dev_command_under_debugpy_on_loopback(tmp_path):
    p = build(tmp_path, debug=["backend"])
    entrypoint = p["build"]["entrypoint"]
    # The Dockerfile's dev CMD (`python -m app`) under debugpy, never waiting for a client.
    assert entrypoint["backend"] == ["python", "-Xfrozen_modules=off", "-m", "debugpy", "--listen", "127.0.0.1:5678", "-m", "app"]
    assert "--wait-for-client" not in entrypoint["backend"]
    assert p["build"]["target"] == "dev" and p["loop_stats"], "the same dev image, live update and telemetry"
    assert entrypoint["frontend"] == []
    assert p["ports"]["backend"]["debugger"] == {"local": 5678, "container": 5678}
    assert p["ports"]["frontend"]["debugger"] is None
    assert "backend.probes.liveness.failureThreshold=60" in p["set"]
    assert not any(s.startswith("frontend.probes") for s in p["set"])


def test_debug_frontend_uses_next_dev_inspect_and_its_own_port(tmp_path):
    p = build(tmp_path, debug=["frontend", "backend"], debug_frontend_port=19229, debug_backend_port=15678)
    cmd = p["build"]["entrypoint"]["frontend"]
    assert cmd[-1] == "--inspect=127.0.0.1:9229" and cmd[:3] == ["node", "node_modules/next/dist/bin/next", "dev"]
    assert not any("NODE_OPTIONS" in c for c in cmd)
    assert p["ports"]["frontend"]["debugger"] == {"local": 19229, "container": 9229}
    assert p["ports"]["backend"]["debugger"] == {"local": 15678, "container": 5678}


def test_debug_command_is_the_dockerfiles_dev_cmd():
    # One owner for the start command: the plan derives the debug variant from the Dockerfile.
    assert plan.dev_command(plan.REPO / "docker/backend.Dockerfile") == ["python", "-m", "app"]
    assert plan.debug_command("backend")[-2:] == ["-m", "app"]
    frontend = plan.dev_command(plan.REPO / "docker/frontend.Dockerfile")
    assert plan.debug_command("frontend")[:-1] == frontend


@pytest.mark.parametrize("kw, needles", [
    (dict(debug=["backedn"]), ["--debug=backedn", "unknown service", "backend, frontend"]),
    (dict(debug=["backend"], mode="prod"), ["--mode=prod", "dev images only", "use --mode=dev or drop --debug"]),
    (dict(debug=["frontend"], only=["backend"]), ["--only=backend", "not deployed"]),
    (dict(debug=["backend"], debug_backend_port=70000), ["--debug-backend-port=70000", "not a TCP port"]),
])
def test_bad_debug_flags_fail_in_the_plan_with_the_fix(tmp_path, kw, needles):
    with pytest.raises(plan.PlanError) as err:
        build(tmp_path, **kw)
    message = str(err.value)
    assert all(n in message for n in needles), message
    assert "\n" not in message, "one paragraph"
    assert not (tmp_path / ".env").exists(), "refused before anything is written"


def test_debug_flags_from_tilt_config():
    f = Flags.from_tilt({"debug": ["backend,frontend"], "debug-backend-port": "15678"})
    assert f.debug == ["backend", "frontend"] and f.debug_backend_port == 15678 and f.debug_frontend_port == 9229
    assert Flags.from_tilt({"debug": ["backend", "frontend"]}).debug == ["backend", "frontend"]


def test_cli_refuses_debug_in_prod_with_one_paragraph(capsys):
    from scripts.tilt.__main__ import main
    assert main(["plan", "--context", "todo-local", "--subcommand", "alpha",
                 "--config", json.dumps({"mode": "prod", "debug": ["backend"]})]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR: --debug=backend with --mode=prod") and err.count("\n") == 1


@pytest.mark.parametrize("before, service, after", [
    (["--namespace=n", "--db=postgres"], "backend", ["--namespace=n", "--db=postgres", "--debug=backend"]),
    (["--debug=backend", "--only=backend"], "backend", ["--only=backend"]),
    (["--debug=backend", "--db=postgres"], "frontend", ["--db=postgres", "--debug=backend,frontend"]),
    (["--debug", "frontend,backend", "--backend-port=1"], "frontend", ["--backend-port=1", "--debug=backend"]),
])
def test_dashboard_toggle_changes_only_debug_and_keeps_every_other_flag(before, service, after):
    assert debug_toggle.toggled(before, service) == after


def test_a_debugged_service_keeps_its_port_forward_while_paused(tmp_path):
    """Timeouts while paused at a breakpoint must not make the liveness watcher renew the forward
    the debugger is connected through; the service not being debugged keeps the renewal."""
    renewers = {p["name"]: p["port_forward_of"] for p in build(tmp_path, debug=["backend"])["probes"]}
    assert renewers == {"backend-liveness": "", "backend-readiness": "",
                        "frontend-liveness": "frontend", "frontend-readiness": ""}
    assert {p["name"]: p["port_forward_of"] for p in build(tmp_path)["probes"]}["backend-liveness"] == "backend"
