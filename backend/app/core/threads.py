"""Run blocking work with a hard deadline, without the event loop or shutdown waiting for it.

AnyIO's worker threads and asyncio's default executor are joined at interpreter exit, so a DB
connect stuck on a black-holed address would hold SIGTERM shutdown hostage. A daemon thread
per call is cheap at probe rates and is simply abandoned when the deadline passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def run_with_deadline(fn: Callable[[], T], timeout: float, name: str = "deadline-call") -> T:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()  # keep request_id/user_id in log lines from the thread

    def settle(result: object, error: BaseException | None) -> None:
        if future.done():  # the caller gave up already
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result, error = context.run(fn), None
        except BaseException as exc:  # handed to the awaiting coroutine, not swallowed
            result, error = None, exc
        # RuntimeError: the loop closed during shutdown, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name=name, daemon=True).start()
    return await asyncio.wait_for(future, timeout)


def call_with_deadline(fn: Callable[[], T], timeout: float, name: str = "deadline-call") -> T:
    """Blocking twin of run_with_deadline for code already running in a worker thread."""
    done = threading.Event()
    box: dict[str, object] = {}
    context = contextvars.copy_context()

    def target() -> None:
        try:
            box["result"] = context.run(fn)
        except BaseException as exc:  # re-raised in the caller below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name=name, daemon=True).start()
    if not done.wait(timeout):
        raise TimeoutError(f"{name} did not finish within {timeout:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]
