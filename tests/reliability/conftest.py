"""Reliability suite: faults, authorization, secret hygiene, fuzzing and disruption against the chart
deployed in the local cluster (todo-local, started like tests/e2e does).

The `--cluster` option belongs to tests/e2e/conftest.py (both suites run in one pytest session in CI);
here it is only read, with the same default, so running this directory alone works too.
Every namespace is `todo-rel-*` and deleted afterwards; traffic goes only to 127.0.0.1 (port-forwards).
"""
import subprocess

import pytest

from reliability_helpers import PostgresLoop
from scripts.tilt.session import REPO, copy_repo, tool_env


@pytest.fixture(scope="session")
def kube_context(request):
    try:
        choice = request.config.getoption("--cluster")
    except ValueError:  # tests/e2e's conftest (which defines the option) is not part of this run
        choice = "local"
    if choice == "local":
        subprocess.run([str(REPO / ".venv/bin/python"), "-m", "scripts.cluster", "up"], cwd=REPO,
                       env=tool_env(), check=True)
        return "todo-local"
    from scripts.tilt.context import check
    ctx = subprocess.run(["kubectl", "config", "current-context"], capture_output=True, text=True,
                         env=tool_env(), check=True).stdout.strip()
    check(ctx)
    return ctx


@pytest.fixture(scope="session")
def pg_loop(tmp_path_factory, kube_context):
    """One `tilt up -- --db=postgres --only=backend` session shared by the suite (each module leaves it
    as it found it): the dev loop with the in-cluster database, in its own namespace and ports."""
    loop = PostgresLoop(copy_repo(tmp_path_factory.mktemp("pgloop") / "repo"), kube_context)
    loop.up("--db=postgres", "--only=backend")
    try:
        loop.wait_ready(PostgresLoop.RESOURCES, timeout=600)
        yield loop
    finally:
        loop.stop()
        loop.down()
        loop.delete_namespace()
