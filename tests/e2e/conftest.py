"""E2E suites run against the local cluster `todo-local` (started once by `./scripts/dev test`).

The `--cluster` option and the `kube_context` fixture are shared with the other cluster suites:
see tests/conftest.py.

`dev_loop` is ONE `tilt up` session (the default dev loop: both services, SQLite) shared by every e2e
module that needs a running loop: starting one costs a build, a deploy and a first compile, so each
module that brought its own paid that again. A module using it leaves the loop serving (its edits
may stay; a test that stops or tears down the loop brings it back up before it returns).
"""
import pytest

from tests.support.tilt_session import APP_RESOURCES, NO_CHECKS, Tilt, copy_repo


@pytest.fixture(scope="session")
def dev_loop(tmp_path_factory, kube_context):
    with Tilt(copy_repo(tmp_path_factory.mktemp("loop")), kube_context).running(NO_CHECKS, ready=APP_RESOURCES) as tilt:
        yield tilt
