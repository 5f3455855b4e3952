"""The test suites `./scripts/dev test` runs, cheapest first.

Every suite is a real run against real parts: pytest, Vitest and Playwright write JUnit XML, read
for the summary's counts (lint and type checks count by exit code only). A suite whose runner collects nothing fails (pytest exit 5 is not
success here).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "reports"
PY = str(REPO / ".venv" / "bin" / "python")


@dataclasses.dataclass(frozen=True)
class Suite:
    name: str
    cmd: list[str]
    cwd: Path = REPO
    junit: Path | None = None
    needs: tuple[str, ...] = ()  # set up before the suite: "docker", "cluster", "frontend-deps" (npm ci)
    env: tuple[tuple[str, str], ...] = ()
    # Runs beside the other suites instead of after them: it spends most of its time waiting on
    # Kubernetes and Tilt (the machine's CPUs are half idle meanwhile), so the others fit inside it.
    alongside: bool = False


def _pytest(name: str, *paths: str, cwd: Path = REPO, needs: tuple[str, ...] = (), alongside: bool = False) -> Suite:
    junit = REPORTS / "junit" / f"{name}.xml"
    return Suite(name, [PY, "-m", "pytest", *paths, f"--junitxml={junit}", "-o", "junit_family=xunit2"],
                 cwd=cwd, junit=junit, needs=needs, alongside=alongside)


def _npm(name: str, script: str, junit: str | None = None) -> Suite:
    return Suite(name, ["npm", "run", "--silent", script], cwd=REPO / "frontend",
                 junit=REPO / "frontend" / junit if junit else None)


FUZZ = "tests/reliability/test_rel_api_fuzz.py"

SUITES: list[Suite] = [
    _pytest("scripts", "tests/toolchain", "tests/chart", "tests/tilt", "tests/workflow", "tests/facts"),
    # The loop's checks and the API-contract drift check: they run the frontend's type generator and tsc.
    _pytest("checks", "tests/checks", needs=("frontend-deps",)),
    Suite("backend-lint", [str(REPO / ".venv/bin/ruff"), "check", "."], cwd=REPO / "backend"),
    Suite("backend-format", [str(REPO / ".venv/bin/ruff"), "format", "--check", "."], cwd=REPO / "backend"),
    _pytest("backend", cwd=REPO / "backend"),
    # Schemathesis against a local backend process: a reliability test that needs no cluster, so it
    # runs with the quick suites, not in the cluster suite's long line.
    _pytest("fuzz", FUZZ),
    _npm("frontend-lint", "lint"),
    _npm("frontend-typecheck", "typecheck"),
    _npm("frontend-unit", "test:ci", junit="test-results/junit.xml"),
    _npm("frontend-e2e", "test:e2e", junit="test-results/e2e-junit.xml"),
    _pytest("images", "tests/images", needs=("docker",)),
    # Every cluster test in one pytest session: one cluster, started once. Its Tilt sessions run the
    # loop's checks (tsc, eslint, Vitest), which need the frontend's packages.
    _pytest("cluster", "tests/cluster", "tests/e2e", "tests/reliability", f"--ignore={FUZZ}",
            needs=("docker", "cluster", "frontend-deps"), alongside=True),
]


def by_name(names: list[str]) -> list[Suite]:
    if not names:
        return SUITES
    known = {s.name: s for s in SUITES}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown suite(s): {', '.join(unknown)}; choose from: {', '.join(known)}")
    return [known[n] for n in names]
