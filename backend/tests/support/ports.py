"""Loopback ports for servers the tests start (never a developer's running instance)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on: connecting is refused at once (a database that is down)."""
    return free_port()


@contextmanager
def black_hole() -> Iterator[int]:
    """A port that completes the TCP handshake (kernel backlog) but never answers: the shape
    of a hung database. Clients block until their own timeout."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]
