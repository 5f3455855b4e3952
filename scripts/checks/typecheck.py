"""The frontend's type check for `api-contract` and `frontend-types`: asked of the loop's warm
typecheck server when it runs (scripts/checks/typecheck_server.mjs, started by the Tiltfile), else
tsc itself. Same verdict and the same `file(line,col): error TS…` lines either way; the server
answers in ~1 s where tsc takes ~4 s, since it parses Next's and React's declarations once.

    python -m scripts.checks.typecheck serve    # the server (the Tiltfile runs it beside the checks)
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from .frontend_env import CACHE, FRONTEND, REPO, require_node_modules, tool_env

SERVER = Path(__file__).with_name("typecheck_server.mjs")
TSC = "node_modules/typescript/bin/tsc"
TIMEOUT = 300.0  # a first request builds the whole program (~4 s here; much longer on a loaded machine)


def socket_path(frontend: Path = FRONTEND) -> Path:
    """One server per working tree. In the temp dir, not the tree: a Unix socket path may not exceed
    ~107 bytes, and a deep checkout would."""
    digest = hashlib.sha256(str(frontend.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"todo-app-typecheck-{digest}.sock"


def tsc_command(name: str) -> list[str]:
    """tsc with the frontend's tsconfig (noEmit), incremental, one build-info file per check (two
    checks may run at once). With node directly: npm's start-up is ~0.4 s a save."""
    return ["node", TSC, "--incremental", "--pretty", "false", "--tsBuildInfoFile", f"{CACHE}/{name}.tsbuildinfo"]


def ask_server(frontend: Path = FRONTEND, timeout: float = TIMEOUT) -> dict | None:
    """The server's answer, or None when no server runs for this tree (or it failed)."""
    path = socket_path(frontend)
    if not path.exists():
        return None
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
    os.execvpe("node", ["node", str(SERVER), str(frontend), str(socket_path(frontend))], tool_env())


if __name__ == "__main__":
    if sys.argv[1:] != ["serve"]:
        sys.exit(f"usage: python -m scripts.checks.typecheck serve   (from {REPO})")
    serve()
