"""The checks themselves, one function each: `python -m scripts.checks.tools <check>` runs one now.

The loop starts them through `python -m scripts.checks <check>` (scripts/checks/__main__.py),
which first waits its turn and then runs this in a child it can pause.
"""
from __future__ import annotations

import subprocess
import sys

from . import contract, openapi_export, typecheck
from .frontend_env import CACHE, FRONTEND, REPO, CheckSetupError, require_node_modules, run

# testmon's record of which test ran which code: the loop's own file (gitignored), so a developer's
# own `pytest --testmon` runs keep theirs.
TESTMON_DATAFILE = REPO / "backend" / ".testmondata-loop"


def frontend_types() -> int:
    return typecheck.run("frontend-types")


def frontend_lint() -> int:
    require_node_modules()
    return run(["npm", "run", "--silent", "lint", "--", "--cache", "--cache-location", f"{CACHE}/eslint/"], FRONTEND)


def _in_git_work_tree() -> bool:
    p = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=FRONTEND, capture_output=True, text=True)
    return p.returncode == 0 and p.stdout.strip() == "true"


def frontend_tests() -> int:
    require_node_modules()
    if not _in_git_work_tree():
        # `vitest --changed` asks git what changed; without a repository there is no baseline.
        print("frontend-tests: not a git work tree, so there is no list of changed files: running every test")
        return run(["npm", "run", "--silent", "test", "--", "--passWithNoTests"], FRONTEND)
    # The tests whose import graph reaches a file changed since the last commit (Vitest's own
    # change tracking); none changed = nothing to run, which is a pass.
    return run(["npm", "run", "--silent", "test", "--", "--changed", "--passWithNoTests"], FRONTEND)


def backend_tests() -> int:
    # --testmon selects the tests whose executed code changed since its last run (its database; its
    # header line counts the changed files, the summary the tests that ran);
    # --no-cov because the suite's 90 % coverage gate would fail every partial run; not the `slow`
    # tests (real server and migrator processes on timers: seconds each, and flaky next to image
    # builds), which `./scripts/dev test backend` runs with the rest. --testmon-forceselect keeps
    # testmon's selection on together with -m (testmon turns it off for -m otherwise).
    cmd = [sys.executable, "-m", "pytest", "--testmon", "--testmon-forceselect", "--no-cov", "-m", "not slow"]
    return run(cmd, REPO / "backend", env={"TESTMON_DATAFILE": str(TESTMON_DATAFILE)})


CHECKS = {
    "api-contract": lambda: contract.run(),
    "frontend-types": frontend_types,
    "frontend-lint": frontend_lint,
    "frontend-tests": frontend_tests,
    "backend-tests": backend_tests,
}


def main(argv: list[str] | None = None) -> int:
    (name,) = argv if argv is not None else sys.argv[1:]
    try:
        return CHECKS[name]()
    except (CheckSetupError, contract.GeneratorError, openapi_export.ExportError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
