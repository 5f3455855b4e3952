"""Development server with sub-second reloads: `python -m app` when UVICORN_RELOAD=true.

uvicorn's --reload starts every worker in a fresh interpreter, which imports FastAPI, Pydantic,
SQLAlchemy and Alembic again on every save: ~0.7 s of the ~1 s a reload took in the image. Here a
"zygote" process imports those libraries once and forks one worker per reload; a worker imports only
this app's own modules, fresh from disk. The listening socket is bound once and inherited, so a
request that arrives during a reload waits in the backlog instead of failing.

    supervisor (binds the socket, watches app/) ─ zygote (preloaded libraries; single-threaded)
                                                     └─ worker (uvicorn.Server on the socket)

The zygote is forked before the file watcher starts its threads, and forks workers from a
single-threaded process, so no lock can be inherited mid-use.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger("app.devserver")

# Third-party modules every worker needs; importing them in the zygote is the whole point.
PRELOAD = (
    "fastapi",
    "pydantic",
    "pydantic_settings",
    "sqlalchemy",
    "sqlmodel",
    "alembic.script",
    "alembic.runtime.migration",
    "alembic.command",
    "uvicorn",
    "jwt",
    "pwdlib",
)
SPAWN, QUIT = b"s", b"q"


def preload() -> None:
    for name in PRELOAD:
        # A missing optional module is the worker's business: it imports what it needs itself.
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def forget_app_modules(package: str = "app") -> None:
    """Drop this app's modules so the worker imports the files as they are now on disk."""
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        if name != "__main__":
            del sys.modules[name]


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _zygote(commands: int, pids: int, run_worker: Callable[[], None]) -> None:
    """Fork a worker for every SPAWN byte and answer with its pid; reap workers as they exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when everything stops
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    preload()
    while True:
        cmd = os.read(commands, 1)
        if cmd != SPAWN:  # QUIT, or the supervisor is gone (EOF)
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
                signal.signal(sig, signal.SIG_DFL)
            os.close(commands)
            os.close(pids)
            forget_app_modules()
            try:
                run_worker()
            finally:
                os._exit(0)
        os.write(pids, struct.pack("!i", pid))


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Supervisor:
    def __init__(self, run_worker: Callable[[], None], grace_seconds: float):
        self.grace = grace_seconds
        cmd_r, self.commands = os.pipe()
        self.pids, pid_w = os.pipe()
        self.zygote = os.fork()
        if self.zygote == 0:
            os.close(self.commands)
            os.close(self.pids)
            _zygote(cmd_r, pid_w, run_worker)
        os.close(cmd_r)
        os.close(pid_w)
        self.worker: int | None = None

    def spawn(self) -> None:
        os.write(self.commands, SPAWN)
        (self.worker,) = struct.unpack("!i", os.read(self.pids, 4))

    def stop_worker(self) -> None:
        """SIGTERM (uvicorn finishes in-flight requests), SIGKILL after the grace period."""
        if self.worker is None:
            return
        pid, self.worker = self.worker, None
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + self.grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        self.stop_worker()
        with contextlib.suppress(OSError):
            os.write(self.commands, QUIT)
        os.waitpid(self.zygote, 0)


def run(
    watch_dir: Path, host: str, port: int, make_server: Callable[[socket.socket], None], grace_seconds: float
) -> int:
    """Serve with reloads until SIGTERM/SIGINT. `make_server(sock)` runs in each worker."""
    import watchfiles  # dev dependency of the reload path only

    sock = bind(host, port)
    supervisor = Supervisor(lambda: make_server(sock), grace_seconds)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    supervisor.spawn()
    logger.info("serving on %s:%d with fast reload (watching %s)", host, port, watch_dir)
    try:
        # step: how long the directory must stay quiet before a batch of changes is reported.
        for changes in watchfiles.watch(
            watch_dir,
            watch_filter=_source_filter,
            step=20,
            stop_event=stop,
            yield_on_timeout=True,
            ignore_permission_denied=True,
        ):
            if not changes:
                continue
            names = sorted({Path(p).name for _, p in changes})
            logger.info("changes in %s: reloading", ", ".join(names))
            supervisor.stop_worker()
            supervisor.spawn()
    finally:
        supervisor.close()
        sock.close()
    return 0


def _source_filter(change: object, path: str) -> bool:
    """Python sources and Alembic's templates; never bytecode caches or editor droppings."""
    return path.endswith((".py", ".mako", ".ini")) and "__pycache__" not in path
