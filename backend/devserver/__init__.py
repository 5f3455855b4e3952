"""Development server: `python -m app` with UVICORN_RELOAD=true. Reloads in one process, in place.

One uvicorn server owns the socket and the event loop for the whole session and dispatches every
request to `Switch`, which holds the current *generation* of the app (one fresh import of the
`app` package and the instance its factory built). On a change in app/:

    import the new generation (drop app.* from sys.modules, import, create_app())
      → run its lifespan startup → swap it in (one attribute assignment on the event loop)
      → log "reloaded in …" → the old generation drains its in-flight requests, then its
        lifespan shutdown runs (migrator stopped, DB engine disposed) and it is dropped.

If importing or starting the new generation fails (a syntax error, a bad import, a startup
error), the error and its traceback are logged at once and the old generation keeps serving;
the next save tries again, so fixing the file recovers without a restart or a rebuild. A changed
file that does not even compile is reported before anything is imported (compiling it alone takes
a millisecond; importing the app up to it, a tenth of a second or more).

Why this design, shared by the reload and the debugger (`--debug=backend`):
- The new code is imported and started *before* the old stops: a broken save never takes the
  service down and no request fails during a reload (the socket and the loop never change).
- One process, no fork. A debugger (debugpy, started by the debug-mode command
  `python -Xfrozen_modules=off -m debugpy --listen 127.0.0.1:5678 -m app`) attaches once and
  stays attached across reloads; it never has to follow a new process. pydevd binds breakpoints by file and line, so a
  breakpoint set before a change binds to the code objects the re-import creates, without being
  set again. Forking instead would either fork a process that already runs debugpy's threads
  (fork copies locks held by other threads) or drop the client at every reload.
  debugpy's multi-process mode would also work, but each new worker is a new debug session the
  client must re-attach to and re-send its breakpoints to; VS Code does that, a plain DAP client
  does not.
- Fast: only this app's modules are imported again (~0.1-0.3 s); FastAPI, Pydantic, SQLAlchemy
  and Alembic stay loaded, which was the fork-based zygote's whole point, without a zygote.

Why it is sound:
- Module state: each generation has its own module objects; the old generation keeps running
  with its own until it has drained. Three pieces of process-wide state are per generation:
  SQLModel's class registry/MetaData (re-declaring the table classes on the shared one fails
  with "Table 'tasks' is already defined"; a fresh registry per generation, restored if the
  import fails), the root logging handlers the app installs (moved from the old generation's to
  the new one's, restored if the import fails) and the process environment (read, never written).
  A lazy `import app.x` inside old code during the ~0.2 s import window would get the new module;
  this app has none.
- Threads: the import runs in a worker thread so the loop keeps serving the old generation
  meanwhile; startup, swap and shutdown run on the loop. The startup migrator's thread belongs to
  its generation's lifespan and is stopped by it.
- DB engines: each generation creates its own engine (app.state) and disposes of it in its own
  lifespan shutdown, after its last request; SQLite in WAL mode and PostgreSQL both accept the
  two engines' overlap.
- Lifespan: every generation's startup runs before it serves and its shutdown after it served
  (uvicorn's own LifespanOn drives both); the server's own startup/shutdown map onto the first
  and the last generation, so SIGTERM still drains and shuts down within the grace period.
- GC: nothing outside the generation refers to it after shutdown (the switch drops it, its
  modules are out of sys.modules, its handlers off the root logger, FastAPI's per-function caches
  are cleared); backend/tests/test_devserver.py checks that old app instances and their modules
  are garbage-collected.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import logging
import os
import sys
import time
import traceback
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.lifespan.on import LifespanOn

logger = logging.getLogger("app.devserver")

PACKAGE = "app"
# Kept across generations: a module of the app package that runs the server (none today: this one
# lives beside the package, so a change to it needs a restart — Tilt rebuilds the image for it).
KEEP: set[str] = set()


def _source_filter(change: object, path: str) -> bool:
    """Python sources and Alembic's templates; never bytecode caches or editor droppings."""
    return path.endswith((".py", ".mako", ".ini")) and "__pycache__" not in path


def _app_module_names() -> list[str]:
    return [m for m in sys.modules if (m == PACKAGE or m.startswith(PACKAGE + ".")) and m not in KEEP]


def _app_handlers() -> list[logging.Handler]:
    """Root handlers whose class the app's own modules defined (app.core.logging's)."""
    return [h for h in logging.getLogger().handlers if type(h).__module__.split(".")[0] == PACKAGE]


@contextlib.contextmanager
def _fresh_import_state():
    """Give the next import of the app its own module objects, SQLModel registry and log handlers;
    put the previous ones back exactly if the import fails."""
    old_modules = {name: sys.modules.pop(name) for name in _app_module_names()}
    root = logging.getLogger()
    old_handlers = _app_handlers()
    # Records logged by the old generation while the new one imports are held and replayed, so the
    # window where neither generation's handler is attached loses no line.
    held = _HoldHandler()
    for h in old_handlers:
        root.removeHandler(h)
    root.addHandler(held)
    registry_state = _new_sqlmodel_registry()
    try:
        yield
    except BaseException:
        for name in _app_module_names():
            del sys.modules[name]
        sys.modules.update(old_modules)
        for h in _app_handlers():
            root.removeHandler(h)
        for h in old_handlers:
            root.addHandler(h)
        _restore_sqlmodel_registry(registry_state)
        raise
    finally:
        root.removeHandler(held)
        held.replay()


class _HoldHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not _app_handlers():  # once the new generation's handler is attached, it has the line
            self.records.append(record)

    def replay(self) -> None:
        root = logging.getLogger()
        for record in self.records:
            for handler in root.handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)
        self.records.clear()


def _new_sqlmodel_registry() -> tuple[Any, Any] | None:
    # Table classes take their registry and MetaData from SQLModel's class attributes when they
    # are declared; a fresh pair per generation lets the new generation declare the same tables.
    # (sqlmodel is pinned; `_sa_registry` is the attribute its metaclass sets for `registry=`.)
    try:
        from sqlalchemy.orm import registry
        from sqlmodel import SQLModel
    except ImportError:
        return None
    previous = (SQLModel._sa_registry, SQLModel.metadata)  # type: ignore[attr-defined]
    fresh = registry()
    SQLModel._sa_registry = fresh  # type: ignore[attr-defined]
    SQLModel.metadata = fresh.metadata
    return previous


def _restore_sqlmodel_registry(previous: tuple[Any, Any] | None) -> None:
    if previous is not None:
        from sqlmodel import SQLModel

        SQLModel._sa_registry, SQLModel.metadata = previous  # type: ignore[attr-defined]


@dataclasses.dataclass(eq=False)
class Generation:
    """One import of the app and the ASGI app its factory built."""

    app: Any
    lifespan: Any  # uvicorn.lifespan.on.LifespanOn
    inflight: int = 0
    idle: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()


def _import_app(factory: str) -> Any:
    """Import `module:callable` from fresh modules and call it (runs in a worker thread)."""
    module_name, _, attr = factory.partition(":")
    with _fresh_import_state():
        return getattr(importlib.import_module(module_name), attr)()


async def _start(factory: str) -> Generation:
    instance = await asyncio.to_thread(_import_app, factory)
    # uvicorn's own lifespan driver, on a Config that only wraps this instance.
    config = uvicorn.Config(instance, lifespan="on", proxy_headers=False, log_config=None)
    lifespan = LifespanOn(config)
    await lifespan.startup()
    if lifespan.should_exit:  # startup failed (uvicorn logged why); shut down what did start
        raise RuntimeError("the application's startup failed (see the error above)")
    return Generation(config.loaded_app, lifespan)


def _summary(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} ({exc.filename}, line {exc.lineno})"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]


class Switch:
    """The ASGI app uvicorn serves: forwards each request to the current generation and reloads
    the app when the watched directory changes."""

    def __init__(self, factory: str, watch_dir: Path, grace_seconds: float):
        self.factory = factory
        self.watch_dir = watch_dir
        self.grace = grace_seconds
        self.current: Generation | None = None
        self.error: str | None = "the app is starting"
        self.retiring: set[asyncio.Task[None]] = set()
        self.watcher: asyncio.Task[None] | None = None
        self.stop = asyncio.Event()
        self.generations = 0
        # Tests read the old instances through weak references (garbage collection check).
        self.previous_apps: list[weakref.ref[Any]] = []

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._server_lifespan(receive, send)
            return
        gen = self.current
        if gen is None:
            await _unavailable(scope, send, self.error or "no app")
            return
        gen.inflight += 1
        gen.idle.clear()
        try:
            await gen.app({**scope, "state": dict(gen.lifespan.state)}, receive, send)
        finally:
            gen.inflight -= 1
            if gen.inflight == 0:
                gen.idle.set()

    async def _server_lifespan(self, receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._load_first()
                self.watcher = asyncio.create_task(self._watch())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stop.set()
                if self.watcher:
                    await self.watcher
                if self.current is not None:
                    self._retire(self.current)
                    self.current = None
                await asyncio.gather(*self.retiring)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _load_first(self) -> None:
        try:
            self.current = await _start(self.factory)
            self.error = None
            self.generations = 1
        except (Exception, SystemExit) as exc:
            # Keep the process (and the files Tilt synced into it) alive: the next save retries.
            self.error = f"the app failed to start: {_summary(exc)}"
            logger.error("%s; fix the file and save to retry", self.error, exc_info=True)

    async def _watch(self) -> None:
        import watchfiles  # the reload path's own dependency

        # Its DEBUG line every 5 s ("rust notify timeout") would flood the dev log (LOG_LEVEL=debug).
        logging.getLogger("watchfiles").setLevel(max(logging.INFO, logging.getLogger().getEffectiveLevel()))

        # step: how long the directory must stay quiet (ms) before a batch of changes is reported.
        async for changes in watchfiles.awatch(
            self.watch_dir,
            watch_filter=_source_filter,
            step=20,
            stop_event=self.stop,
            ignore_permission_denied=True,
        ):
            seen = time.time()
            await self.reload(sorted({p for _, p in changes}), seen)

    async def reload(self, paths: list[str], seen: float) -> bool:
        root = self.watch_dir.parent
        names = ", ".join(_relative(p, root) for p in paths)
        mtime = max((m for m in map(_mtime, paths) if m is not None), default=seen)
        if (broken := _syntax_error(paths)) is not None:
            # Compiling the changed files alone takes a millisecond; importing the whole app to reach
            # the same error takes a tenth of a second or more. The developer waits for this line.
            detail = "".join(traceback.format_exception_only(type(broken), broken)).rstrip()
            logger.error("reload failed: %s; still serving the previous code\n%s", _summary(broken), detail)
            return False
        try:
            new = await _start(self.factory)
        except (Exception, SystemExit) as exc:  # SystemExit: a module calling sys.exit() on import
            logger.error("reload failed: %s; still serving the previous code", _summary(exc), exc_info=True)
            return False
        old, self.current, self.error = self.current, new, None
        self.generations += 1
        ready = time.time()
        logger.info(
            "reloaded in %.3f s (changed: %s; mtime=%.3f seen=%.3f ready=%.3f)",
            ready - seen,
            names,
            mtime,
            seen,
            ready,
        )
        if old is not None:
            self._retire(old)
        return True

    def _retire(self, gen: Generation) -> None:
        self.previous_apps.append(weakref.ref(gen.app))
        task = asyncio.create_task(self._drain_and_shut_down(gen))
        self.retiring.add(task)
        task.add_done_callback(self.retiring.discard)

    async def _drain_and_shut_down(self, gen: Generation) -> None:
        # A request paused at a breakpoint may outlast the grace period; its generation is shut
        # down anyway (the request keeps its objects alive until it finishes).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(gen.idle.wait(), self.grace)
        await gen.lifespan.shutdown()
        _forget_library_caches()


def _forget_library_caches() -> None:
    """FastAPI memoises facts about endpoint functions in functools caches keyed by the function
    (4096 entries each): they would keep every old generation's modules alive until evicted
    (~1 MB per reload). They are pure caches; the current generation refills them on use."""
    module = sys.modules.get("fastapi.dependencies.models")
    for value in vars(module).values() if module else ():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


def _syntax_error(paths: list[str]) -> SyntaxError | None:
    """The first changed Python file that does not compile, as its SyntaxError (None: all compile)."""
    for path in paths:
        if not path.endswith(".py"):
            continue
        try:
            source = Path(path).read_bytes()
        except OSError:  # deleted by the same sync: the import decides
            continue
        try:
            compile(source, path, "exec", dont_inherit=True)
        except SyntaxError as exc:  # IndentationError and TabError included
            return exc
        except ValueError:  # null bytes: leave it to the import, which reports it its own way
            continue
    return None


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:  # deleted by the same sync
        return None


def _relative(path: str, root: Path) -> str:
    with contextlib.suppress(ValueError):
        return Path(path).relative_to(root).as_posix()
    return path


async def _unavailable(scope: dict, send: Callable, reason: str) -> None:
    if scope["type"] != "http":
        return
    body = f"{reason}\nFix the file and save: the dev server retries on every change.\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"1")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def run(watch_dir: Path, factory: str, options: dict[str, Any], grace_seconds: float) -> int:
    """Serve `factory` (`module:callable`) with in-place reloads until SIGTERM/SIGINT.

    `options` are uvicorn.Config keyword arguments (host, port, logging, proxy headers, ...)."""
    switch = Switch(factory, watch_dir, grace_seconds)
    options = {k: v for k, v in options.items() if k not in ("factory", "lifespan", "reload")}
    config = uvicorn.Config(switch, lifespan="on", **options)
    logger.info("serving on %s:%d with in-place reload (watching %s)", config.host, config.port, watch_dir)
    uvicorn.Server(config).run()
    return 0
