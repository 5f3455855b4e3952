"""API fuzzing with schemathesis against the backend's own OpenAPI document: ≥ 500 generated cases
with a real token (so requests get past the 401s) plus an unauthenticated pass. Required: no 5xx and
no response that contradicts the documented schema.

Target: a locally started backend process (`python -m app`, production settings, SQLite in a temp
DATA_DIR, a free port on 127.0.0.1): the same code as the image, without a cluster round trip per case.
"""
import json
import os
import secrets
import signal
import subprocess
import sys

import pytest
import requests

from reliability_helpers import new_user, record, wait_for
from scripts.tilt.session import REPO, free_port

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


def fuzz(base, tmp_path, name, examples, headers=()):
    report = tmp_path / f"{name}.ndjson"
    cmd = [str(REPO / ".venv/bin/schemathesis"), "run", f"{base}/openapi.json", "-n", str(examples),
           "-c", CHECKS, "--seed", "20261125", "--workers", "1", "--request-timeout", "10",
           "--max-time", "240", "--report", "ndjson", "--report-ndjson-path", str(report)]
    for h in headers:
        cmd += ["-H", h]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    summary = p.stdout[p.stdout.rfind("SUMMARY"):]
    return p.returncode, summary, _count(report)


def _count(report):
    """(generated cases, failures) from the NDJSON event stream."""
    cases = failures = 0
    for line in report.read_text().splitlines():
        event = json.loads(line)
        for kind, body in event.items():
            if kind == "ScenarioFinished":
                recorder = body.get("recorder", {})
                cases += len(recorder.get("cases", {}))
                failures += sum(1 for checks in recorder.get("checks", {}).values()
                                for c in checks if c.get("status") == "FAILURE")
    return cases, failures


def test_authenticated_fuzzing_finds_no_server_error_or_schema_violation(local_backend, tmp_path):
    _, auth = new_user(local_backend)
    rc, summary, (cases, failures) = fuzz(local_backend, tmp_path, "authenticated", 60,
                                          [f"Authorization: {auth['Authorization']}"])
    record("fuzz_authenticated", {"target": "local process (python -m app, SQLite)", "cases": cases,
                                  "failures": failures, "checks": CHECKS, "exit_code": rc})
    assert rc == 0 and failures == 0, summary
    assert cases >= 500, summary


def test_unauthenticated_fuzzing_finds_no_server_error_or_schema_violation(local_backend, tmp_path):
    rc, summary, (cases, failures) = fuzz(local_backend, tmp_path, "anonymous", 20)
    record("fuzz_unauthenticated", {"target": "local process (python -m app, SQLite)", "cases": cases,
                                    "failures": failures, "checks": CHECKS, "exit_code": rc})
    assert rc == 0 and failures == 0, summary
    assert cases >= 100, summary
