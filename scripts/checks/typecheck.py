"""The frontend's type check for `api-contract` and `frontend-types`: asked of the loop's warm
typecheck server when it runs (scripts/checks/typecheck_server.mjs, started by the Tiltfile), else
tsc itself. Same verdict and the same `file(line,col): error TS…` lines either way; the server
answers in ~1 s where tsc takes ~4 s, since it parses Next's and React's declarations once.

    python -m scripts.checks.typecheck serve [FRONTEND]   # the server (the Tiltfile runs it beside the checks)
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from .frontend_env import CACHE, FRONTEND, REPO, require_node_modules, tool_env

SERVER = Path(__file__).with_name("typecheck_server.mjs")
TSC = "node_modules/typescript/bin/tsc"
TIMEOUT = 60.0  # a first request builds the whole program (~5 s here; longer on a loaded machine)


def socket_path(frontend: Path = FRONTEND) -> Path:
    """One server per working tree, in the loop's own folder (`.loop/`, gitignored). A Unix socket
    path may not exceed ~107 bytes: for a deeper checkout, /tmp (named after the tree; not the
    environment's temp dir, which the checks and the server need not share)."""
    local = frontend.resolve().parent / ".loop" / "typecheck.sock"
    if len(str(local)) <= 100:
        return local
    digest = hashlib.sha256(str(frontend.resolve()).encode()).hexdigest()[:12]
    return Path("/tmp") / f"todo-app-typecheck-{digest}.sock"


def pid_file(frontend: Path = FRONTEND) -> Path:
    return socket_path(frontend).with_suffix(".pid")


def server_pids(frontend: Path = FRONTEND) -> list[int]:
    """The running server's pid ([] when none): a check pauses it with its own process tree while
    a save's live update is under way (scripts/tilt/live_gate.py), as it pauses a tsc child."""
    try:
        pid = int(pid_file(frontend).read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return []
    # Only that server: a pid left in the file by one that exited may be anybody's process by now.
    return [pid] if SERVER.name.encode() in b" ".join(cmdline) and str(socket_path(frontend)).encode() in cmdline else []


def tsc_command(name: str) -> list[str]:
    """tsc with the frontend's tsconfig (noEmit), incremental, one build-info file per check (two
    checks may run at once). With node directly: npm's start-up is ~0.4 s a save."""
    return ["node", TSC, "--incremental", "--pretty", "false", "--tsBuildInfoFile", f"{CACHE}/{name}.tsbuildinfo"]


def ask_server(frontend: Path = FRONTEND, timeout: float = TIMEOUT) -> dict | None:
    """The server's answer, or None when no server runs for this tree (or it failed)."""
    path = socket_path(frontend)
    if not path.exists():
        return None
    for pid in server_pids(frontend):  # a check killed mid-pause leaves the server stopped: resume it
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGCONT)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(path))
            s.sendall(b"check\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except OSError:
        return None  # a stale socket (the server was killed) or a server that died mid-answer
    try:
        reply = json.loads(data)
    except ValueError:
        return None
    return reply if "errors" in reply else None


def run(name: str, frontend: Path = FRONTEND) -> int:
    """Type-check the frontend as it is now; tsc's exit code (0 clean, 2 errors)."""
    require_node_modules(frontend)
    reply = ask_server(frontend)
    if reply is None:
        return subprocess.call(tsc_command(name), cwd=frontend, env=tool_env())
    sys.stdout.write(reply["text"])
    sys.stdout.flush()
    return 2 if reply["errors"] else 0


def serve(frontend: Path = FRONTEND) -> None:
    require_node_modules(frontend)
    pid_file(frontend).parent.mkdir(parents=True, exist_ok=True)
    pid_file(frontend).write_text(str(os.getpid()))  # exec keeps the pid: the node server's
    os.execvpe("node", ["node", str(SERVER), str(frontend), str(socket_path(frontend))], tool_env())


if __name__ == "__main__":
    if sys.argv[1:2] != ["serve"] or len(sys.argv) > 3:
        sys.exit(f"usage: python -m scripts.checks.typecheck serve [FRONTEND]   (default {FRONTEND.relative_to(REPO)})")
    serve(Path(sys.argv[2]).resolve() if len(sys.argv) == 3 else FRONTEND)
