"""`tilt ci` proves the setup with an exit code: green from a fresh copy, red fast when the backend
is broken, naming the failing probe."""
import json


from tests.support.tilt_session import NO_CHECKS, Tilt, copy_repo


def _snapshot_resources(path):
    view = json.loads(path.read_text())["view"]
    return {r["metadata"]["name"]: r["status"] for r in view["uiResources"]}


def test_tilt_ci_from_a_fresh_copy_passes_with_every_resource_green(tmp_path, kube_context):
    tilt = Tilt(copy_repo(tmp_path / "repo"), kube_context)
    snapshot = tmp_path / "snapshot.json"
    try:
        rc, out, seconds = tilt.ci(snapshot=snapshot, timeout=900)
        assert rc == 0, tilt.log_tail(120)
        resources = _snapshot_resources(snapshot)
        for name in ("backend", "frontend", "backend-liveness", "backend-readiness", "frontend-liveness",
                     "frontend-readiness", "app-secrets", "smoke-tests", "app-config"):
            status = resources[name]
            assert status.get("runtimeStatus") in ("ok", "not_applicable"), (name, status.get("runtimeStatus"))
            assert status.get("updateStatus") in ("ok", "not_applicable"), (name, status.get("updateStatus"))
        smoke_lines = [line for line in out.splitlines() if line.lstrip().startswith("smoke-tests")]
        assert any(" passed" in line for line in smoke_lines), "smoke tests did not report passing"
        # The loop's telemetry says how long each service took to come up (scripts/tilt/loop_monitor.py).
        for name in ("backend", "frontend"):
            assert any(line.lstrip().startswith(name) and " up in " in line for line in out.splitlines()), name
        print(f"tilt ci (fresh copy, warm images): {seconds:.1f}s")
    finally:
        tilt.delete_namespace()


def test_tilt_ci_with_a_broken_backend_fails_within_the_readiness_timeout(tmp_path, kube_context):
    repo = copy_repo(tmp_path / "repo")
    # A database nobody listens on: the process is up (/health 200) but never ready (/ready 503).
    (repo / ".env").write_text("DATABASE_URL=postgresql://todo:todo@127.0.0.1:9/todo\n")
    tilt = Tilt(repo, kube_context)
    try:
        # Backend only: the failure is the backend's, and building and compiling the frontend beside
        # it only slowed the failing path down.
        rc, out, seconds = tilt.ci("--only=backend", "--readiness-timeout=60s", NO_CHECKS, timeout=600)
        assert rc != 0
        assert "backend /ready" in out and "database unreachable" in out, tilt.log_tail(120)
        assert "PROBE FAILED: backend /ready 503 database unreachable" in out
        print(f"tilt ci with broken backend failed after {seconds:.1f}s")
    finally:
        tilt.delete_namespace()
