"""Run the project's images in throw-away containers on random host ports, with cleanup."""
from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

from scripts.images import docker_cli
from scripts.project import APP_GID, APP_UID, BACKEND_PORT, FRONTEND_PORT
from tests.support.ports import free_port

DOCKER = docker_cli.cli()
# The container's own ports; never the same on the host (the dev loop's): each container gets its own
# random host port.
SERVICE_PORT = {"backend": BACKEND_PORT, "frontend": FRONTEND_PORT}
HEALTH_PATHS = {"backend": ("/health", "/ready"), "frontend": ("/api/health", "/api/ready")}
# Writable paths a read-only runtime needs: the contract's /tmp plus each service's own.
WRITABLE = {"backend": ("/tmp", "/data"), "frontend": ("/tmp", "/app/.next/cache")}
TEST_ENV = {"backend": {"JWT_SECRET": "images-test-secret-0123456789abcdef0123456789",
                        "LOG_LEVEL": "WARNING"},
            "frontend": {"BACKEND_URL": "http://127.0.0.1:9"}}


def docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    proc = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout,
                          env=docker_cli.docker_env())
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


@dataclass
class Container:
    name: str
    port: int
    service: str
    image: str
    started: float = field(default_factory=time.monotonic)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, timeout: float = 5) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as resp:
                return resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def wait_http(self, path: str, want: int = 200, within: float = 60) -> tuple[int, str]:
        deadline = time.monotonic() + within
        last: tuple[int, str] | Exception = (0, "")
        while time.monotonic() < deadline:
            try:
                last = self.get(path)
                if last[0] == want:
                    return last
            except (OSError, urllib.error.URLError) as exc:
                last = exc
            if not self.running():
                break
            time.sleep(0.5)
        raise AssertionError(f"{self.image}: GET {path} never returned {want} within {within}s "
                             f"(last: {last!r}); logs:\n{self.logs()[-3000:]}")

    def inspect(self) -> dict:
        return json.loads(docker("inspect", self.name).stdout)[0]

    def running(self) -> bool:
        return bool(self.inspect()["State"]["Running"])

    def logs(self) -> str:
        p = docker("logs", self.name, check=False)
        return p.stdout + p.stderr

    def exec(self, *cmd: str, user: str | None = None, stdin: str | None = None,
             check: bool = True) -> subprocess.CompletedProcess:
        args = ["exec", "-i"] if stdin is not None else ["exec"]
        if user:
            args += ["-u", user]
        proc = subprocess.run([DOCKER, *args, self.name, *cmd], input=stdin, capture_output=True,
                              text=True, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"exec {cmd} in {self.name} failed: {proc.stderr.strip()}")
        return proc

    def remove(self) -> None:
        docker("rm", "-f", "-v", self.name, check=False)


def start(service: str, image: str, *, read_only: bool = False, extra: tuple[str, ...] = ()) -> Container:
    """docker run -d on a random host port: published from the bridge network when it works,
    else (this machine's docker0 can vanish) on the host network with PORT set to a free port."""
    name = f"todo-imgtest-{service}-{uuid.uuid4().hex[:8]}"
    port = free_port()
    bridge_ok, _ = docker_cli.bridge_usable()
    args = ["run", "-d", "--name", name, "--label", "todo-app.test=images"]
    if bridge_ok:
        args += ["-p", f"127.0.0.1:{port}:{SERVICE_PORT[service]}"]
    else:
        args += ["--network", "host", "-e", f"PORT={port}"]
    for k, v in TEST_ENV[service].items():
        args += ["-e", f"{k}={v}"]
    if read_only:
        args.append("--read-only")
        for path in WRITABLE[service]:
            opts = "" if path == "/tmp" else f":uid={APP_UID},gid={APP_GID},mode=0700"
            args += ["--tmpfs", f"{path}{opts}"]
    args += [*extra, image]
    docker(*args)
    return Container(name, port, service, image)
