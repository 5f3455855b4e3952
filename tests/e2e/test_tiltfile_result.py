"""What the Tiltfile declares, read from `tilt alpha tiltfile-result` (no cluster, nothing deployed)."""
import json
import subprocess

import pytest

from scripts.checks import NAMES
from scripts.tilt import tiltfile
from tests.support.tilt_session import copy_repo, tool_env
from scripts.project import BACKEND_PORT, FRONTEND_PORT

CHECKS = NAMES

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "https://127.0.0.1:1"}}
users:
- {name: u, user: {token: x}}
contexts:
- {name: todo-local, context: {cluster: c, user: u}}
- {name: prod-eu, context: {cluster: c, user: u}}
current-context: todo-local
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = copy_repo(tmp_path_factory.mktemp("tfr"))
    (d / "kubeconfig").write_text(KUBECONFIG)
    return d


def tiltfile_result(workdir, *flags, context="todo-local", env_file=None):
    args = ["tilt", "alpha", "tiltfile-result", "--context", context]
    if flags:
        args += ["--", *flags]
    env = tool_env(KUBECONFIG=str(workdir / "kubeconfig"), TODO_APP_BASES="offline")
    p = subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True, timeout=180)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def dev(workdir):
    rc, out, err = tiltfile_result(workdir)
    assert rc == 0, err
    return {m["Name"]: m for m in json.loads(out)["Manifests"]}


def test_dev_mode_declares_every_resource_with_its_labels(dev):
    assert set(dev) == {"app-config", "app-secrets", "backend", "frontend", "backend-liveness",
                        "backend-readiness", "frontend-liveness", "frontend-readiness", "smoke-tests",
                        *CHECKS}
    labels = {n: set(m.get("Labels") or {}) for n, m in dev.items()}
    assert labels["backend"] == labels["frontend"] == {"app"}
    assert all(labels[n] == {"probes"} for n in dev if n.endswith(("-liveness", "-readiness")))
    assert labels["smoke-tests"] == {"tests"} and labels["app-secrets"] == labels["app-config"] == {"setup"}
    assert all(labels[n] == {"checks"} for n in CHECKS)


def test_dev_images_build_the_dev_target_with_live_update(dev):
    backend = dev["backend"]["ImageTargets"][0]
    assert backend["BuildDetails"]["target"] == "dev"
    lu = backend["LiveUpdateSpec"]
    assert {"localPath": "backend/app", "containerPath": "/app/app"} in lu["syncs"]
    assert "backend/requirements.txt" in lu["stopPaths"]
    frontend = dev["frontend"]["ImageTargets"][0]
    assert frontend["BuildDetails"]["target"] == "dev"
    assert {"localPath": "frontend/src", "containerPath": "/app/src"} in frontend["LiveUpdateSpec"]["syncs"]


def test_the_helpers_read_the_same_sync_rules_tilt_runs(dev):
    """The checks and the loop's telemetry read the Tiltfile's sync calls from its text
    (scripts/tilt/tiltfile.py): Tilt's own evaluation of the file must agree."""
    for service, pairs in tiltfile.live_syncs().items():
        syncs = dev[service]["ImageTargets"][0]["LiveUpdateSpec"]["syncs"]
        tilt = [(s["localPath"], s["containerPath"]) for s in syncs]
        assert tilt == [p for p in pairs if (tiltfile.REPO / p[0]).exists()], service


def test_only_backend_on_other_ports_declares_the_backend_alone(workdir):
    rc, out, err = tiltfile_result(workdir, "--only=backend", "--backend-port=18000")
    assert rc == 0, err
    manifests = {m["Name"]: m for m in json.loads(out)["Manifests"]}
    assert "backend" in manifests and not {"frontend", "frontend-liveness", "frontend-readiness"} & set(manifests)
    target = manifests["backend"]["DeployTarget"]
    assert [(f["localPort"], f["containerPort"]) for f in target["portForwardTemplateSpec"]["forwards"]] == [
        (18000, BACKEND_PORT)]
    assert [l["URL"]["Host"] for l in target["Links"]] == ["localhost:18000"] * 3


def test_dependencies_order_the_startup(dev):
    assert not dev["app-secrets"].get("ResourceDependencies")
    assert dev["app-config"]["ResourceDependencies"] == ["app-secrets"]
    assert "app-config" in dev["backend"]["ResourceDependencies"]
    assert dev["frontend"]["ResourceDependencies"] == ["app-config"]  # beside the backend, not after it
    assert set(dev["smoke-tests"]["ResourceDependencies"]) == {
        "backend-liveness", "backend-readiness", "frontend-liveness", "frontend-readiness"}


def test_port_forwards_and_named_links(dev):
    def forwards(name):
        spec = dev[name]["DeployTarget"]["portForwardTemplateSpec"]
        return [(f["localPort"], f["containerPort"]) for f in spec["forwards"]]

    def links(name):
        return [(f"{l['URL']['Host']}{l['URL']['Path']}", l["Name"]) for l in dev[name]["DeployTarget"]["Links"]]

    be, fe = BACKEND_PORT, FRONTEND_PORT  # the local ports default to the services' own
    assert forwards("backend") == [(be, be)]
    assert forwards("frontend") == [(fe, fe)]
    assert links("backend") == [(f"localhost:{be}/docs", "API docs"), (f"localhost:{be}/health", "/health"),
                                (f"localhost:{be}/ready", "/ready")]
    assert links("frontend") == [(f"localhost:{fe}/", "app")]


def test_prod_mode_builds_runtime_images_without_live_update(workdir):
    (workdir / ".env.prod").write_text("JWT_SECRET=" + "p" * 48 + "\n")
    rc, out, err = tiltfile_result(workdir, "--mode=prod", "--env-file=.env.prod")
    assert rc == 0, err
    prod = {m["Name"]: m for m in json.loads(out)["Manifests"]}
    for name in ("backend", "frontend"):
        img = prod[name]["ImageTargets"][0]
        assert img["BuildDetails"]["target"] == "runtime"
        assert not img.get("LiveUpdateSpec", {}).get("syncs")


def test_unknown_context_fails_with_the_opt_in_message(workdir):
    rc, out, err = tiltfile_result(workdir, context="prod-eu")
    assert rc != 0
    assert "Refusing to deploy to kube context 'prod-eu'" in err and "--allow-context=prod-eu" in err
    assert '"Manifests"' not in out


def test_env_missing_a_required_key_fails_naming_it(workdir):
    (workdir / ".env.nokey").write_text("COHERE_API_KEY=abc\n")
    rc, out, err = tiltfile_result(workdir, "--mode=prod", "--env-file=.env.nokey")
    assert rc != 0
    assert "missing required key(s): JWT_SECRET" in err


def test_db_postgres_builds_the_database_and_its_secret_keys(workdir):
    rc, out, err = tiltfile_result(workdir, "--db=postgres")
    assert rc == 0, err
    manifests = {m["Name"]: m for m in json.loads(out)["Manifests"]}
    assert "postgresql" in manifests
    assert "todo-postgres" in json.dumps(manifests["postgresql"].get("ImageTargets"))
    assert not manifests["postgresql"]["ImageTargets"][0].get("LiveUpdateSpec", {}).get("syncs")
    assert not manifests["postgresql"]["DeployTarget"].get("portForwardTemplateSpec"), "only the backend talks to it"
    assert set(manifests["backend"]["ResourceDependencies"]) == {"app-config", "postgresql"}
    assert manifests["postgresql"]["ResourceDependencies"] == ["app-config"]
    # The Secret step must know the database choice, or DATABASE_URL/POSTGRES_PASSWORD are missing
    # and the backend pod never starts ("couldn't find key DATABASE_URL").
    args = manifests["app-secrets"]["DeployTarget"]["UpdateCmdSpec"]["args"]
    assert args[args.index("--db") + 1] == "postgres" and args[args.index("--release") + 1] == "todo-app"


def test_without_the_project_venv_the_tiltfile_fails_with_the_command_that_creates_it(tmp_path):
    bare = copy_repo(tmp_path)
    (bare / ".venv").unlink()  # a fresh clone: no venv yet, only the system python3
    (bare / "kubeconfig").write_text(KUBECONFIG)
    rc, out, err = tiltfile_result(bare)
    assert rc != 0
    assert "The project venv .venv is missing" in out + err and "./scripts/dev doctor" in out + err


def test_debug_flag_changes_only_the_start_command_and_forwards_the_debuggers(workdir, dev):
    rc, out, err = tiltfile_result(workdir, "--debug=backend,frontend", "--debug-frontend-port=19229")
    assert rc == 0, err
    debug = {m["Name"]: m for m in json.loads(out)["Manifests"]}
    backend, frontend = debug["backend"]["ImageTargets"][0], debug["frontend"]["ImageTargets"][0]
    assert backend["overrideCommand"]["command"] == [
        "python", "-Xfrozen_modules=off", "-m", "debugpy", "--listen", "127.0.0.1:5678", "-m", "app"]
    assert frontend["overrideCommand"]["command"][-1] == "--inspect=127.0.0.1:9229"
    # Same image build and live update as the plain loop: only the command differs.
    for name in ("backend", "frontend"):
        plain = dev[name]["ImageTargets"][0]
        assert not plain.get("overrideCommand", {}).get("command")
        target = debug[name]["ImageTargets"][0]
        assert target["BuildDetails"] == plain["BuildDetails"]
        assert target["LiveUpdateSpec"] == plain["LiveUpdateSpec"]
    forwards = {n: [(f["localPort"], f["containerPort"])
                    for f in debug[n]["DeployTarget"]["portForwardTemplateSpec"]["forwards"]]
                for n in ("backend", "frontend")}
    assert forwards == {"backend": [(BACKEND_PORT, BACKEND_PORT), (5678, 5678)],
                        "frontend": [(FRONTEND_PORT, FRONTEND_PORT), (19229, 9229)]}
    # The dashboard's toggle on each service says what pressing it does, and runs the toggle helper.
    buttons = json.loads(out)["ObjectSet"]["tilt.dev/v1alpha1, Resource=uibuttons"]
    assert buttons["debug-backend"]["spec"]["text"] == "Stop debugger"
    assert buttons["debug-backend"]["spec"]["location"]["componentID"] == "backend"
    cmds = json.loads(out)["ObjectSet"]["tilt.dev/v1alpha1, Resource=cmds"]
    assert cmds["btn-debug-frontend"]["spec"]["args"][-2:] == ["debug-toggle", "frontend"]


def test_debug_buttons_offer_to_start_the_debugger_in_the_plain_loop(workdir):
    rc, out, err = tiltfile_result(workdir)
    assert rc == 0, err
    buttons = json.loads(out)["ObjectSet"]["tilt.dev/v1alpha1, Resource=uibuttons"]
    assert {buttons[f"debug-{s}"]["spec"]["text"] for s in ("backend", "frontend")} == {"Start debugger"}


def test_debug_with_prod_fails_before_anything_is_deployed(workdir):
    rc, out, err = tiltfile_result(workdir, "--mode=prod", "--debug=backend")
    assert rc != 0
    assert "--debug=backend with --mode=prod" in err and "use --mode=dev or drop --debug" in err


def test_the_dev_secrets_step_writes_the_jwt_secret_once_before_the_plan_reads_it(workdir, dev):
    def jwt():
        lines = [l for l in (workdir / ".env").read_text().splitlines() if l.startswith("JWT_SECRET=")]
        assert len(lines) == 1, lines
        return lines[0]
    first = jwt()
    assert len(first) > len("JWT_SECRET=") + 32
    rc, _, err = tiltfile_result(workdir)
    assert rc == 0, err
    assert jwt() == first, "generated once: tokens survive the next `tilt up`"


def test_the_checks_flag_declares_only_the_chosen_checks(workdir):
    rc, out, err = tiltfile_result(workdir, "--checks=none")
    assert rc == 0, err
    names = {m["Name"] for m in json.loads(out)["Manifests"]}
    assert not names & set(CHECKS) and {"backend", "frontend", "smoke-tests"} <= names
    rc, out, err = tiltfile_result(workdir, "--checks=api-contract")
    assert rc == 0, err
    assert {m["Name"] for m in json.loads(out)["Manifests"]} & set(CHECKS) == {"api-contract"}
    rc, out, err = tiltfile_result(workdir, "--checks=backend-test")
    assert rc != 0 and "--checks=backend-test: no such check" in out + err
