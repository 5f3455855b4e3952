"""Which checks the Tiltfile declares, what each runs and which saves trigger it."""
from __future__ import annotations

from scripts.checks import NAMES, contract
from scripts.tilt import tiltfile

# Checks against the contract and the types are the ones a CI run must hold; lint and the
# affected tests need a previous run's state (testmon's database, git's uncommitted changes) to
# be partial, and the full suites already run in `./scripts/dev test`.
CI_CHECKS = ("api-contract", "frontend-types")

# Written by the checks or the tools they run, never a reason to run again.
IGNORE = ["**/__pycache__", "**/*.pyc", "**/node_modules", "**/.next", "backend/data", "**/.testmondata*",
          "**/.coverage*", "frontend/test-results"]


def backend_sources() -> list[str]:
    """The paths the backend's live update syncs (the Tiltfile's sync rules): a save there is a change
    of the code the pod runs, so it is exactly when the contract and the backend's tests can change."""
    return tiltfile.synced_sources()["backend"]


def checks() -> list[dict]:
    be = backend_sources()
    fe = ["frontend/src", "frontend/tests", "frontend/tsconfig.json", "frontend/package-lock.json"]
    # The generated API types are api-contract's output, and api-contract type-checks the frontend
    # against them itself: were the frontend checks to rerun on that write, a breaking backend save
    # would start two tsc runs, eslint and Vitest at once on two cores, and the red it should show
    # within seconds would wait for all of them. (They are type aliases only: nothing Vitest or eslint
    # checks changes with them.)
    generated = [contract.TYPES_DIR]
    # Each check runs when a file it reads is saved: `deps` are watched, IGNORE (and its own) is not.
    return [
        {"name": "api-contract", "deps": be},
        {"name": "frontend-types", "deps": fe, "ignore": generated},
        {"name": "frontend-lint", "deps": fe + ["frontend/e2e", "frontend/eslint.config.mjs"], "ignore": generated},
        {"name": "frontend-tests", "deps": fe + ["frontend/vitest.config.mts"], "ignore": generated},
        {"name": "backend-tests", "deps": be + ["backend/devserver", "backend/tests", "backend/pyproject.toml"]},
    ]


def for_tilt(subcommand: str, selected: list[str] | None = None) -> list[dict]:
    """The Tiltfile's view: `selected` (the --checks flag) when given, else every check under
    `tilt up` and only the CI checks under `tilt ci`."""
    wanted = selected if selected is not None else [n for n in NAMES if subcommand != "ci" or n in CI_CHECKS]
    return [{**c, "ignore": IGNORE + c.get("ignore", [])} for c in checks() if c["name"] in wanted]
