"""Runtime images as the cluster runs them: read-only root, non-root, healthy, prompt on SIGTERM,
and nothing inside that production must not carry."""
from __future__ import annotations

import time

import pytest

from images_helpers import APP_UID, HEALTH_PATHS, docker, start

SERVICES = ["backend", "frontend"]


@pytest.fixture(params=SERVICES)
def runtime(request, built):
    c = start(request.param, f"todo-{request.param}:runtime", read_only=True,
              extra=("--health-interval", "1s", "--health-start-period", "1s",
                     "--health-timeout", "5s"))
    yield c
    c.remove()


def test_runtime_serves_health_endpoints_on_read_only_root_as_the_app_user(runtime):
    for path in HEALTH_PATHS[runtime.service]:
        status, body = runtime.wait_http(path, 200, within=60)
        assert status == 200, body
    status_line = runtime.exec("grep", "^Uid:", "/proc/1/status").stdout.split()
    assert status_line[1:3] == [str(APP_UID)] * 2, f"PID 1 runs as {status_line}"
    # The root filesystem really is read-only: the image must not depend on writing to it.
    probe = runtime.exec("sh", "-c", "touch /app/probe", check=False)
    assert probe.returncode != 0 and "Read-only" in probe.stderr


def test_runtime_docker_healthcheck_becomes_healthy(runtime):
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        status = runtime.inspect()["State"]["Health"]["Status"]
        if status == "healthy":
            return
        time.sleep(0.5)
    pytest.fail(f"{runtime.image} health is {status!r} after 60s; logs:\n{runtime.logs()[-2000:]}")


def test_runtime_exits_within_10s_of_sigterm(runtime):
    runtime.wait_http(HEALTH_PATHS[runtime.service][0], 200, within=60)
    sent = time.monotonic()
    docker("kill", "--signal", "TERM", runtime.name)
    while runtime.running():
        assert time.monotonic() - sent < 10, f"{runtime.image} still running 10s after SIGTERM"
        time.sleep(0.2)
    assert runtime.inspect()["State"]["ExitCode"] != 137, "was SIGKILLed, not stopped by SIGTERM"


# Paths production images must not contain: secrets, VCS data, tests, compilers, installers, debuggers.
FORBIDDEN = r"""
set -u
for f in $(find / -xdev \( -name .env -o -name '.env.*' -o -name .git \) -print 2>/dev/null); do
  echo "secret-or-vcs: $f"; done
# devserver: the dev loop's in-place reloading server (a dev-image tool, like the debugger below).
for d in /app/tests /app/test /app/e2e /app/src /app/devserver /app/app/devserver.py /app/node_modules/vitest \
         /app/node_modules/typescript; do
  [ -e "$d" ] && echo "dev-only: $d"; done
find /app -xdev \( -name 'test_*.py' -o -name '*.test.ts' -o -name '*.test.tsx' \) \
  -print | sed 's/^/test-file: /'
for c in gcc cc c++ g++ clang tcc x86_64-linux-gnu-gcc make; do
  command -v "$c" >/dev/null 2>&1 && echo "compiler: $c"; done
[ -e /opt/venv/bin/pip ] && echo "installer: /opt/venv/bin/pip"
# The debugger (`tilt up -- --debug=backend`) is a dev-image tool: in production it is a way in.
find / -xdev -type d -name debugpy -path '*-packages/*' -print 2>/dev/null | sed 's/^/debugger: /'
true
"""


@pytest.mark.parametrize("service", SERVICES)
def test_runtime_image_has_no_secrets_vcs_tests_or_compilers(built, service):
    out = docker("run", "--rm", "--network", "none", "--entrypoint", "sh",
                 f"todo-{service}:runtime", "-c", FORBIDDEN).stdout.strip()
    assert out == "", f"todo-{service}:runtime contains:\n{out}"
