"""Run `python -m app` / `python -m app.db.migrate` as real processes, the way the image does."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

BACKEND_DIR = Path(__file__).resolve().parents[2]


def process_env(**settings: str) -> dict[str, str]:
    # Inherit the environment (PATH, coverage's subprocess hook) minus any app settings a
    # developer's shell may carry; then apply the test's own settings.
    from tests.conftest import SETTINGS_ENV

    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update({"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "PYTHONUNBUFFERED": "1"})
    env.update(settings)
    return env


_PR_SET_PDEATHSIG = 1  # prctl(2)


def die_with_parent() -> None:
    """`preexec_fn` for a test's server process: SIGTERM it when the test process dies. A run killed
    from outside (the loop's `backend-tests` check when Tilt stops, a CI timeout) skips the fixtures'
    teardown, and a server in a session of its own would otherwise serve on, orphaned, for good.
    Linux-only, like the rest of this harness; no maintained package does just this."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def run_migrate(*args: str, timeout: float = 60, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.db.migrate", *args],
        cwd=BACKEND_DIR,
        env=process_env(**settings),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Background:
    """A backend module run as a process, its output collected line by line (no pipe can fill up).
    `new_session`: its own process group, so a test can find everything it started."""

    def __init__(self, module: str, env: dict[str, str], cwd: Path = BACKEND_DIR, new_session: bool = False) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=new_session,
            preexec_fn=die_with_parent,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))


class Migrator(Background):
    """A background `python -m app.db.migrate` whose output can be awaited line by line."""

    def __init__(self, **settings: str) -> None:
        super().__init__("app.db.migrate", process_env(**settings))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_message(self, fragment: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(fragment in str(r.get("message")) for r in json_lines(self.output)):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"migrator never logged {fragment!r}:\n{self.output}")

    def finish(self, timeout: float = 60) -> int:
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return self.process.returncode


def json_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


class Server(Background):
    """`python -m app` on its own port."""

    def __init__(self, port: int, **settings: str) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.started = time.monotonic()
        super().__init__("app", process_env(PORT=str(port), **settings))

    def get(self, path: str, timeout: float = 5.0, **kwargs: object) -> httpx.Response:
        return httpx.get(self.base_url + path, timeout=timeout, **kwargs)  # type: ignore[arg-type]

    def wait_for(self, path: str, status: int, timeout: float) -> float:
        """Seconds from process start until `path` answers `status`."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n" + "\n".join(self.lines))
            try:
                response = self.get(path, timeout=1.0)
                last = (response.status_code, response.text)
                if response.status_code == status:
                    return time.monotonic() - self.started
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.05)
        raise AssertionError(
            f"{path} never answered {status} within {timeout} s (last: {last}):\n" + "\n".join(self.lines)
        )

    def terminate(self, timeout: float = 15.0) -> float:
        """SIGTERM; return seconds until the process exited."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=2)
        return time.monotonic() - sent

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def records(self) -> list[dict[str, object]]:
        return json_lines("\n".join(self.lines))
