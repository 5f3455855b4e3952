"""A test run killed from outside (Tilt stopping the loop's `backend-tests` check) leaves no server
behind: the processes the tests start get SIGTERM when the test process dies."""

import os
import signal
import subprocess
import sys
import time

from tests.support.processes import BACKEND_DIR

# A stand-in for the killed test run: starts a long-lived child the way the fixtures do (own session,
# die_with_parent), prints the child's pid, then waits to be killed.
PARENT = """
import subprocess, sys, time
from tests.support.processes import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                         start_new_session=True, preexec_fn=die_with_parent)
print(child.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by init) is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_a_server_process_dies_when_the_test_run_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=BACKEND_DIR, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)  # no teardown runs, as when Tilt stops the check
    parent.wait(10)
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), f"pid {child} outlived the killed test run"
