"""E2E suites run against the local cluster `todo-local` (started once by `./scripts/dev test`).

`--cluster=local` (default) uses todo-local; `--cluster=current` uses the current kube context when
it is a dev cluster; `--cluster=kind` creates a throwaway kind cluster with pytest-kind (machines
where kind runs; it cannot run here: no privileged containers), so it is opt-in, never a silent skip.
"""
import subprocess

import pytest

from scripts.tilt.session import REPO, tool_env


def pytest_addoption(parser):
    parser.addoption("--cluster", default="local", choices=("local", "current", "kind"),
                     help="which cluster the e2e tests deploy to (default: the local todo-local cluster)")


@pytest.fixture(scope="session")
def kube_context(request):
    choice = request.config.getoption("--cluster")
    if choice == "local":
        subprocess.run([str(REPO / ".venv/bin/python"), "-m", "scripts.cluster", "up"], cwd=REPO,
                       env=tool_env(), check=True)
        return "todo-local"
    if choice == "current":
        from scripts.tilt.context import check
        ctx = subprocess.run(["kubectl", "config", "current-context"], capture_output=True, text=True,
                             env=tool_env(), check=True).stdout.strip()
        check(ctx)
        return ctx
    kind = pytest.importorskip("pytest_kind", reason="--cluster=kind needs `pip install pytest-kind` and a "
                                                     "machine where kind can create privileged containers")
    cluster = kind.KindCluster("todo-e2e")
    cluster.create()
    request.addfinalizer(cluster.delete)
    return f"kind-{cluster.name}"
