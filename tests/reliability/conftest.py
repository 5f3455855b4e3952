"""Reliability suite: faults, authorization, secret hygiene, fuzzing and disruption against the chart
deployed in the local cluster (todo-local, started like tests/e2e does).

The `--cluster` option and `kube_context` come from tests/conftest.py (shared by every cluster suite).
Every namespace is `todo-rel-*` and deleted afterwards; traffic goes only to 127.0.0.1 (port-forwards).
"""
import pytest

from reliability_helpers import PostgresLoop
from tests.support.tilt_session import copy_repo


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
