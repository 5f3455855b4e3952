"""Route 2: the official release, verified against the upstream SHA-256 pinned in versions.toml.

Never installs an unverified file: no pinned checksum → refuse; mismatch → delete and refuse.
Offline it must fail fast (short connect timeout), so the next route gets its turn.
"""
from __future__ import annotations

import hashlib
import shutil
import socket
import tarfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ..progress import fmt_elapsed
from . import RouteContext, RouteResult, RouteUnavailable, place_binaries, staging_dir

CONNECT_TIMEOUT = 5.0  # DNS + TCP + TLS + response headers
READ_TIMEOUT = 60.0  # per read once the transfer runs


def install(ctx: RouteContext) -> RouteResult:
    tool = ctx.tool
    if any(not d.sha256 for d in tool.downloads):
        raise RouteUnavailable(f"no pinned checksum for {tool.name} {tool.version}: add it to scripts/versions.toml")
    stage = staging_dir(ctx.tool_dir, "download")
    try:
        staged: dict[str, Path] = {}
        for i, item in enumerate(tool.downloads):
            file = stage / f"download-{i}"
            fetch(item.url, file, ctx)
            actual = sha256_of(file)
            if actual != item.sha256:
                file.unlink()
                raise RouteUnavailable(f"checksum mismatch for {item.url}: expected {item.sha256}, "
                                       f"got {actual}; the file was deleted")
            if item.binary:
                staged[item.binary] = file
            else:
                staged.update(extract(file, item.extract, stage, item.url))
        return RouteResult(place_binaries(staged, ctx.bin), f"official download ({tool.downloads[0].url})")
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def fetch(url: str, dest: Path, ctx: RouteContext) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    _resolve_within(host, CONNECT_TIMEOUT)
    ctx.progress.say(f"    downloading {url}")
    try:
        resp = urllib.request.urlopen(url, timeout=CONNECT_TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise RouteUnavailable(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RouteUnavailable(f"cannot reach {host}: {reason}") from None
    with resp:
        sock = getattr(getattr(getattr(resp, "fp", None), "raw", None), "_sock", None)
        if sock is not None:
            sock.settimeout(READ_TIMEOUT)
        try:
            with dest.open("wb") as fh:
                shutil.copyfileobj(resp, fh, 1 << 20)
        except OSError as exc:
            dest.unlink(missing_ok=True)
            raise RouteUnavailable(f"download of {url} broke off: {exc}") from None


def _resolve_within(host: str, timeout: float) -> None:
    """getaddrinfo ignores socket timeouts; a hung resolver must not stall the whole bootstrap."""
    result: dict = {}

    def resolve():
        try:
            socket.getaddrinfo(host, 443)
            result["ok"] = True
        except OSError as exc:
            result["error"] = exc

    worker = threading.Thread(target=resolve, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise RouteUnavailable(f"cannot resolve {host}: no answer within {fmt_elapsed(timeout)}")
    if "error" in result:
        raise RouteUnavailable(f"cannot resolve {host}: {result['error']}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def extract(archive: Path, members: dict[str, str], stage: Path, url: str) -> dict[str, Path]:
    """Copy the named members out of a .tar.gz (by name: no path from the archive is trusted)."""
    out = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for binary, member in members.items():
                try:
                    src = tar.extractfile(member)
                except KeyError:
                    src = None
                if src is None:
                    raise RouteUnavailable(f"{url} has no file {member!r}: fix extract in scripts/versions.toml")
                dest = stage / f"extracted-{binary}"
                with src, dest.open("wb") as fh:
                    shutil.copyfileobj(src, fh)
                out[binary] = dest
    except tarfile.TarError as exc:
        raise RouteUnavailable(f"{url} is not a readable archive: {exc}") from None
    return out
