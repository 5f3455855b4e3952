"""Drive real Tilt sessions (e2e tests, the loop benchmark), isolated from a developer's own loop.

Each session runs from a copy of the working tree in a temp dir, with its own Tilt API port, its
own namespace and its own local ports, so a developer's own loop (namespace, ports, Tilt's API
port) is never touched.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from scripts.toolchain import tool_env as toolchain_env
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
# The default dev loop's app and probe resources: "every one green" is what a ready loop means.
PROBE_RESOURCES = ["backend-liveness", "backend-readiness", "frontend-liveness", "frontend-readiness"]
APP_RESOURCES = ["backend", "frontend"] + PROBE_RESOURCES
# For the sessions that do not test the checks: each check's first run (the whole backend suite, eslint,
# tsc, Vitest) costs ~2 CPU-minutes per session, which the suite's other sessions then wait for.
NO_CHECKS = "--checks=none"


def tool_env(**extra: str) -> dict[str, str]:
    env = toolchain_env({**os.environ, "TILT_DISABLE_ANALYTICS": "1"})
    env.update(extra)
    return env


def copy_repo(dest: Path) -> Path:
    """The files git would ship (tracked + new, not ignored) — what a fresh clone has — plus links
    to the project venv and the frontend's node_modules (what `./scripts/dev` installs), so the
    Tiltfile's helpers and its checks (scripts/checks) have their dependencies."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = REPO / f.decode()
        if src.is_file():
            target = dest / f.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    (dest / ".venv").symlink_to(REPO / ".venv")
    if (REPO / "frontend" / "node_modules").is_dir():
        (dest / "frontend" / "node_modules").symlink_to(REPO / "frontend" / "node_modules")
    return dest


class Tilt:
    """One `tilt up`/`tilt ci` session against the local cluster."""

    def __init__(self, workdir: Path, context: str, namespace: str | None = None):
        self.workdir = workdir
        self.context = context
        self.namespace = namespace or f"todo-e2e-{uuid.uuid4().hex[:6]}"
        self.port = free_port()
        self.backend_port = free_port()
        self.frontend_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = workdir / "tilt.log"
        self.up_flags: tuple[str, ...] = ()

    def flags(self, *extra: str) -> list[str]:
        return ["--", f"--namespace={self.namespace}", f"--backend-port={self.backend_port}",
                f"--frontend-port={self.frontend_port}", *extra]

    def env(self) -> dict[str, str]:
        return tool_env(TILT_PORT=str(self.port))

    def ci(self, *extra: str, snapshot: Path | None = None, timeout: float = 900) -> tuple[int, str, float]:
        """Run `tilt ci`; Tiltfile flags in `extra`. Returns (exit code, output, seconds)."""
        start = time.monotonic()
        snap = [f"--output-snapshot-on-exit={snapshot}"] if snapshot else []
        p = subprocess.run(["tilt", "ci", "--port", str(self.port), "--context", self.context, *snap,
                            *self.flags(*extra)], cwd=self.workdir, env=self.env(),
                           capture_output=True, text=True, timeout=timeout)
        out = p.stdout + p.stderr
        self.log.write_text(out)
        return p.returncode, out, time.monotonic() - start

    def up(self, *extra: str) -> None:
        """`tilt up` with Tiltfile flags `extra` (default: the ones this session last started with)."""
        self.up_flags = extra = extra or self.up_flags
        logf = self.log.open("w")
        self.proc = subprocess.Popen(
            ["tilt", "up", "--stream", "--port", str(self.port), "--context", self.context,
             *self.flags(*extra)], cwd=self.workdir, env=self.env(), stdout=logf,
            stderr=subprocess.STDOUT, start_new_session=True)

    @contextlib.contextmanager
    def running(self, *up_flags: str, ready: list[str], timeout: float = 600):
        """`tilt up` (Tiltfile flags in `up_flags`) until every resource in `ready` is Ready; on the
        way out, even from a failed start, Tilt stops and what it deployed goes, namespace included."""
        self.up(*up_flags)
        try:
            self.wait_ready(ready, timeout=timeout)
            yield self
        finally:
            self.stop()
            self.down()
            self.delete_namespace()

    def tilt(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(["tilt", *args, "--port", str(self.port)], cwd=self.workdir, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, check=check)

    @contextlib.contextmanager
    def following_logs(self, resource: str, timeout: float = 30):
        """`tilt logs -f` of one resource from now on: yields a list that fills with (time received,
        line) as Tilt streams them, i.e. when the dashboard could show them."""
        import threading
        lines: list[tuple[float, str]] = []
        connected = threading.Event()
        # --tail=1: the one old line shows the stream is connected; it is not handed over.
        proc = subprocess.Popen(["tilt", "logs", "-f", "--json", "--tail=1", "--port", str(self.port), resource],
                                cwd=self.workdir, env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)

        def read() -> None:
            for raw in proc.stdout:
                if not connected.is_set():
                    connected.set()
                    continue
                with contextlib.suppress(ValueError):
                    lines.append((time.time(), json.loads(raw).get("message", "")))
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            if not connected.wait(timeout):
                raise AssertionError(f"`tilt logs -f {resource}` printed nothing within {timeout}s")
            yield lines
        finally:
            proc.kill()
            proc.wait()
            reader.join(5)

    def uiresource(self, name: str) -> dict:
        return json.loads(self.tilt("get", "uiresource", name, "-o", "json").stdout)

    def click(self, button: str, **inputs: str) -> None:
        """Press a dashboard button the way the web UI does: PUT its status with a new click time and
        the values typed into its text inputs (Tilt hands them to the command as env vars)."""
        import datetime
        import urllib.request
        url = f"http://localhost:{self.port}/proxy/apis/tilt.dev/v1alpha1/uibuttons/{button}"
        obj = json.loads(urllib.request.urlopen(url, timeout=10).read())
        obj.setdefault("status", {})["lastClickedAt"] = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ")
        if inputs:
            obj["status"]["inputs"] = [{"name": k, "text": {"value": v}} for k, v in inputs.items()]
        req = urllib.request.Request(f"{url}/status", data=json.dumps(obj).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).close()

    def press(self, button: str, timeout: float = 420, **inputs: str) -> tuple[int, float]:
        """Click `button` and wait for the command it starts (Cmd `btn-<button>`, see the Tiltfile's
        button()) to finish. Returns (exit code, run time in seconds as Tilt recorded it)."""
        import datetime

        def terminated() -> dict:
            status = json.loads(self.tilt("get", "cmd", f"btn-{button}", "-o", "json").stdout).get("status", {})
            return status.get("terminated") or {}

        def seconds(stamp: str) -> float:
            return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

        before = terminated().get("startedAt")
        self.click(button, **inputs)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            term = terminated()
            if term.get("startedAt") not in (None, before) and term.get("finishedAt"):
                return term.get("exitCode", 0), seconds(term["finishedAt"]) - seconds(term["startedAt"])
            time.sleep(0.5)
        raise TimeoutError(f"the {button} button's command did not finish within {timeout}s")

    def runtime_status(self, name: str) -> str:
        return self.uiresource(name)["status"].get("runtimeStatus", "")

    def wait_ready(self, names: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names)
        while pending and time.monotonic() < deadline:
            pending = [n for n in pending if not _ready(self, n)]
            time.sleep(2)
        if pending:
            raise AssertionError(f"not ready after {timeout}s: {pending}\n--- tilt log tail ---\n"
                                 f"{self.log_tail()}")

    def log_tail(self, n: int = 80) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:]) if self.log.exists() else ""

    def down(self) -> subprocess.CompletedProcess:
        return subprocess.run(["tilt", "down", "--context", self.context, *self.flags()], cwd=self.workdir,
                              env=self.env(), capture_output=True, text=True, timeout=300)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None

    def kubectl(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(["kubectl", "--context", self.context, "-n", self.namespace, *args],
                              env=tool_env(), capture_output=True, text=True, timeout=timeout, check=check)

    def delete_namespace(self) -> None:
        subprocess.run(["kubectl", "--context", self.context, "delete", "namespace", self.namespace,
                        "--ignore-not-found", "--wait=false"], env=tool_env(), capture_output=True,
                       timeout=60)


def _ready(t: Tilt, name: str) -> bool:
    try:
        res = t.uiresource(name)
    except (subprocess.CalledProcessError, json.JSONDecodeError):
        return False
    conds = {c["type"]: c["status"] for c in res["status"].get("conditions", [])}
    return conds.get("Ready") == "True"


class PostgresLoop(Tilt):
    """The dev loop on the in-cluster PostgreSQL (`--db=postgres`), both services, in a `todo-rel-*`
    namespace (the reliability suite's prefix; the dashboard and dev-data e2e share the session)."""
    RESOURCES = ["postgresql"] + APP_RESOURCES

    def __init__(self, workdir: Path, context: str):
        super().__init__(workdir, context, namespace=f"todo-rel-{uuid.uuid4().hex[:6]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}"

    def pods(self, component: str) -> list[tuple[str, int]]:
        """[(name, restart count)] of one component's pods."""
        out = self.kubectl("get", "pods", "-l", f"app.kubernetes.io/component={component}", "-o",
                           "jsonpath={range .items[*]}{.metadata.name} "
                           "{.status.containerStatuses[0].restartCount}{'\\n'}{end}").stdout
        return [(n, int(r or 0)) for n, _, r in (l.partition(" ") for l in out.splitlines() if l.strip())]
