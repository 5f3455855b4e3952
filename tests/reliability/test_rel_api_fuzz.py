"""API fuzzing with schemathesis against the backend's own OpenAPI document: ≥ 500 generated cases
with a real token (so requests get past the 401s) plus an unauthenticated pass. Required: no 5xx and
no response that contradicts the documented schema.

Target: a locally started backend process (`python -m app`, production settings, SQLite in a temp
DATA_DIR, a free port on 127.0.0.1): the same code as the image, without a cluster round trip per case.
"""
import os
import re
import secrets
import signal
import subprocess
import sys

import pytest
import requests

from reliability_helpers import new_user, record, wait_for
from tests.support.tilt_session import REPO, free_port

CHECKS = "not_a_server_error,response_schema_conformance"


@pytest.fixture(scope="module")
def local_backend(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzzdata")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATA_DIR": str(data), "APP_ENV": "production",
           "JWT_SECRET": secrets.token_urlsafe(48), "LOG_LEVEL": "warning", "UVICORN_RELOAD": "false"}
    env.pop("DATABASE_URL", None)
    env.pop("COHERE_API_KEY", None)  # the chat uses its built-in parser: no calls leave the machine
    log = (data / "backend.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=REPO / "backend", env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/ready", timeout=2).status_code == 200, 60, "local backend ready")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def fuzz(base, name, examples, max_time, headers=()):
    """One schemathesis run (all phases: coverage, fuzzing, stateful). Returns (exit code, summary,
    generated cases). The time budget bounds the load on the shared machine."""
    cmd = [str(REPO / ".venv/bin/schemathesis"), "run", f"{base}/openapi.json", "-n", str(examples),
           "-c", CHECKS, "--seed", "20261125", "--workers", "1", "--request-timeout", "10",
           "--max-time", str(max_time)]
    for h in headers:
        cmd += ["-H", h]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=max_time + 120)
    out = p.stdout
    summary = out[out.rfind("FAILURES") if "FAILURES" in out else out.rfind("SUMMARY"):]
    match = re.search(r"(\d+) generated", out)
    return p.returncode, summary, int(match[1]) if match else 0


def test_authenticated_fuzzing_finds_no_server_error_or_schema_violation(local_backend, tmp_path):
    _, auth = new_user(local_backend)
    rc, summary, cases = fuzz(local_backend, "authenticated", 30, 60,
                              [f"Authorization: {auth['Authorization']}"])
    record("fuzz_authenticated", {"target": "local process (python -m app, SQLite)", "cases": cases,
                                  "failures": 0 if rc == 0 else "see test output", "checks": CHECKS})
    assert rc == 0, summary
    assert cases >= 500, summary


def test_unauthenticated_fuzzing_finds_no_server_error_or_schema_violation(local_backend):
    rc, summary, cases = fuzz(local_backend, "anonymous", 20, 30)
    record("fuzz_unauthenticated", {"target": "local process (python -m app, SQLite)", "cases": cases,
                                    "failures": 0 if rc == 0 else "see test output", "checks": CHECKS})
    assert rc == 0, summary
    assert cases >= 100, summary
