"""Options and fixtures shared by every suite under tests/.

The cluster, e2e and reliability suites run in ONE pytest session (one cluster, started once), so the
`--cluster` option and the `kube_context` fixture live here, once. Browser tests (the app and the Tilt
dashboard) use pytest-playwright's `page`/`browser` fixtures with Debian's Chromium, configured here,
so every browser test under tests/ shares one browser per session.
"""
import subprocess

import pytest

from tests.support.tilt_session import NO_CHECKS, REPO, PostgresLoop, copy_repo, tool_env

# Debian's package (the toolchain's [apt] list installs it); Playwright's own browser download
# cannot run here.
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_addoption(parser):
    parser.addoption("--cluster", default="local", choices=("local", "current", "kind"),
                     help="which cluster the cluster tests deploy to (default: the local todo-local cluster)")


@pytest.fixture(scope="session")
def kube_context(request):
    """`--cluster=local` (default) uses todo-local; `--cluster=current` the current kube context when it
    is a dev cluster; `--cluster=kind` a throwaway kind cluster with pytest-kind (machines where kind
    runs; it cannot run here: no privileged containers), so it is opt-in, never a silent skip."""
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


@pytest.fixture(scope="session")
def pg_loop(tmp_path_factory, kube_context):
    """One `tilt up -- --db=postgres` session for every cluster test that needs the dev loop on
    PostgreSQL (the dashboard in a browser, the dev-data e2e, the reliability suite's outage and
    authorization tests); each module leaves it serving. Its own namespace, local ports and Tilt API
    port; the checks are not what these tests test (tests/e2e/test_tilt_checks.py is)."""
    loop = PostgresLoop(copy_repo(tmp_path_factory.mktemp("pgloop") / "repo"), kube_context)
    with loop.running("--db=postgres", NO_CHECKS, ready=PostgresLoop.RESOURCES):
        yield loop


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options: Debian's Chromium, headless, offline-friendly flags."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}
