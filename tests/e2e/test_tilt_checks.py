"""The loop's checks under `tilt up`: a breaking API change turns `api-contract` red naming the field
and the frontend file, an additive one stays green and updates the types, and a failing backend test
turns `backend-tests` red after running only the affected tests. One Tilt session in its own
namespace and ports, from a copy of the tree made a git repository (Vitest's --changed needs one)."""
import re
import subprocess
import time

import pytest

from scripts.checks import NAMES
from tests.support.tilt_session import Tilt, copy_repo

CHECKS = NAMES
TYPES = "frontend/src/lib/client/api/types.gen.ts"
# How long the test waits for red. The goal (≤ 15 s from the save) is a benchmark number, not a
# timed assertion (the project's rule): here it is printed.
RED_WITHIN = 120


@pytest.fixture(scope="module")
def loop(tmp_path_factory, kube_context):
    workdir = copy_repo(tmp_path_factory.mktemp("checks"))
    git = ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "e2e baseline"]):
        subprocess.run([*git, *args], cwd=workdir, check=True, capture_output=True)
    with Tilt(workdir, kube_context).running(ready=[]) as tilt:
        # The first backend-tests run is the whole suite (testmon's database starts empty). Measured:
        # starting the contract's tests during it made this module slower (136 s → 165–198 s), not faster.
        for name in CHECKS:
            last_build(tilt, name, after=None, timeout=900)
        yield tilt


def last_build(tilt, name, after, timeout):
    """(finish time, error) of the resource's newest finished build, waiting for one newer than `after`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = tilt.uiresource(name)["status"]
        except (subprocess.CalledProcessError, ValueError):
            status = {}
        history = status.get("buildHistory") or []
        idle = status.get("updateStatus") in ("ok", "error") and not status.get("hasPendingChanges") \
            and not (status.get("currentBuild") or {}).get("startTime")
        if idle and history and history[0].get("finishTime") and history[0]["finishTime"] != after:
            return history[0]["finishTime"], history[0].get("error", "")
        time.sleep(0.5)
    raise AssertionError(f"{name}: no finished run within {timeout}s\n{tilt.log_tail()}")


def finished(tilt, name):
    """Finish time of the newest run, once nothing is running or queued (a baseline for the next edit)."""
    return last_build(tilt, name, after=None, timeout=300)[0]


def logs(tilt, name):
    return tilt.tilt("logs", name, timeout=60).stdout


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
    return text


def test_renamed_response_field_turns_api_contract_red_naming_field_and_frontend_file(loop, record_property):
    model = loop.workdir / "backend/app/models/task.py"
    before = finished(loop, "api-contract")
    original = edit(model, "class TaskPublic(BaseModel):\n    model_config = ConfigDict(from_attributes=True)\n\n"
                    "    id: int\n    title: str\n",
                    "class TaskPublic(BaseModel):\n    model_config = ConfigDict(from_attributes=True)\n\n"
                    "    id: int\n    name: str\n")
    saved = time.monotonic()
    try:
        deadline = saved + RED_WITHIN
        while loop.uiresource("api-contract")["status"].get("updateStatus") != "error":
            assert time.monotonic() < deadline, f"not red within {RED_WITHIN}s\n{logs(loop, 'api-contract')}"
            time.sleep(0.25)
        red = time.monotonic() - saved
        print(f"api-contract red {red:.1f}s after the save")
        record_property("api_contract_red_seconds", f"{red:.1f}")  # in the junit report, for the note
        last_build(loop, "api-contract", before, 60)
        out = logs(loop, "api-contract")
        print("\n".join(l for l in out.splitlines()[-40:] if re.search(r"timings:|waited|paused", l)))
        assert "TaskPublic.title removed (used by GET /api/tasks" in out, out
        assert re.search(r"src/components/\w+\.tsx\(\d+,\d+\): error TS\d+: Property 'title' does not exist", out), out
    finally:
        reverted = finished(loop, "api-contract")
        model.write_text(original)
    _, error = last_build(loop, "api-contract", reverted, 120)
    assert error == "", logs(loop, "api-contract")
    generated = ["frontend/openapi.json", "frontend/src/lib/client/api"]
    assert subprocess.run(["git", "status", "--porcelain", "--", *generated], cwd=loop.workdir,
                          capture_output=True, text=True).stdout.strip() == "", \
        "the revert must leave the generated files as committed"


def test_new_optional_field_stays_green_and_the_types_file_gains_it(loop):
    model = loop.workdir / "backend/app/models/task.py"
    before = finished(loop, "api-contract")
    original = edit(model, "    updated_at: UtcDatetime\n\n\nclass TaskList",
                    "    updated_at: UtcDatetime\n    priority: int | None = None\n\n\nclass TaskList")
    try:
        _, error = last_build(loop, "api-contract", before, 120)
        assert error == "", logs(loop, "api-contract")
        assert "TaskPublic.priority added (optional)" in logs(loop, "api-contract")
        assert "priority?: number | null;" in (loop.workdir / TYPES).read_text()
    finally:
        before = finished(loop, "api-contract")
        model.write_text(original)
        last_build(loop, "api-contract", before, 120)


def _summaries(out):
    """pytest's final lines, e.g. '1 failed, 4 passed in 2.1s' → total tests run, per run."""
    totals = []
    for line in out.splitlines():
        if re.search(r"=+ .*\bin [\d.]+s", line) or re.match(r"^\s*\d+ (passed|failed)", line):
            counts = re.findall(r"(\d+) (passed|failed|error)", line)
            if counts:
                totals.append(sum(int(n) for n, _ in counts))
    return totals


def test_failing_backend_test_turns_backend_tests_red_running_only_affected_tests(loop):
    tests = loop.workdir / "backend/tests/test_health.py"
    before = finished(loop, "backend-tests")
    original = tests.read_text()
    tests.write_text(original + "\n\ndef test_e2e_deliberately_broken():\n    assert 1 + 1 == 3\n")
    try:
        _, error = last_build(loop, "backend-tests", before, 300)
        out = logs(loop, "backend-tests")
        assert error != "", out
        assert "FAILED tests/test_health.py::test_e2e_deliberately_broken" in out, out
        totals = _summaries(out)
        full, partial = totals[0], totals[-1]
        print(f"backend-tests: the first run ran {full} tests, the run after the edit {partial}")
        assert 1 <= partial < full / 2, out
    finally:
        before = finished(loop, "backend-tests")
        tests.write_text(original)
    _, error = last_build(loop, "backend-tests", before, 300)
    assert error == "", logs(loop, "backend-tests")
