"""Who goes first after a save (scripts/tilt/live_gate.py and the checks' policy)."""
import os
import sys
import threading
import time

from scripts.checks.__main__ import FOREGROUND_HOLD, LIVE_UPDATE_HOLD, holds_for
from scripts.tilt import live_gate


def always(seconds):
    return lambda name: seconds


def test_nothing_busy_costs_only_the_grace(tmp_path):
    waited, holders = live_gate.wait(tmp_path, always(5), grace=0.05)
    assert holders == [] and waited < 0.5


def test_a_check_waits_until_the_marker_goes(tmp_path):
    live_gate.begin(tmp_path, "backend")
    threading.Timer(0.4, live_gate.end, (tmp_path, "backend")).start()
    waited, holders = live_gate.wait(tmp_path, always(5), grace=0.0)
    assert holders == ["backend"] and 0.35 < waited < 1.5


def test_each_marker_holds_only_as_long_as_allowed(tmp_path):
    live_gate.begin(tmp_path, "frontend")  # never ends: a monitor killed mid-update
    start = time.monotonic()
    waited, holders = live_gate.wait(tmp_path, always(0.3), grace=0.0)
    assert holders == ["frontend"] and 0.3 <= waited < 1.0 and time.monotonic() - start < 1.0


def test_a_marker_left_by_a_killed_process_goes_stale(tmp_path):
    live_gate.begin(tmp_path, "backend")
    old = time.time() - live_gate.STALE - 1
    os.utime(live_gate.marker(tmp_path, "backend"), (old, old))
    assert live_gate.in_flight(tmp_path) == []
    with live_gate.busy(tmp_path, "backend"):  # a new update refreshes it
        assert live_gate.in_flight(tmp_path) == ["backend"]
    assert live_gate.in_flight(tmp_path) == []


def test_checks_yield_to_live_updates_and_the_slow_ones_also_to_the_quick_ones():
    assert holds_for("api-contract")("backend") == holds_for("backend-tests")("frontend") == LIVE_UPDATE_HOLD
    assert holds_for("backend-tests")("api-contract") == holds_for("frontend-lint")("frontend-types") \
        == FOREGROUND_HOLD
    assert holds_for("api-contract")("frontend-types") == 0, "the quick checks do not wait for each other"
    assert holds_for("frontend-tests")("backend-tests") == 0, "nor the slow ones"


def test_a_synced_file_saved_just_now_holds_the_check_until_it_settles(tmp_path):
    src = tmp_path / "backend" / "app"
    src.mkdir(parents=True)
    (src / "old.py").write_text("x")
    old = time.time() - 60
    os.utime(src / "old.py", (old, old))
    waited, holders = live_gate.wait(tmp_path, always(5), {"backend": [src]}, grace=0.0, settle=0.5)
    assert holders == [] and waited < 0.2, "an old save holds nothing"
    (src / "health.py").write_text("y")  # the save that started this check
    waited, holders = live_gate.wait(tmp_path, always(5), {"backend": [src]}, grace=0.0, settle=0.5)
    assert holders == ["backend"] and 0.4 < waited < 1.0


def test_a_running_check_pauses_while_a_save_goes_live_and_then_finishes(tmp_path):
    src = tmp_path / "frontend" / "src"
    src.mkdir(parents=True)
    out = tmp_path / "ticks"
    # The "check": appends a tick every 50 ms for ~1.5 s of its own running time.
    script = ("import time,sys\nfor i in range(30):\n    open(sys.argv[1],'a').write(f'{time.time()}\\n')\n"
              "    time.sleep(0.05)\n")
    runner = live_gate.Yielding({"frontend": [src]}, settle=0.6)
    threading.Timer(0.5, (src / "page.tsx").write_text, ("saved",)).start()
    start = time.time()
    assert runner.run([sys.executable, "-c", script, str(out)]) == 0
    ticks = [float(x) for x in out.read_text().split()]
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) == 30, "the check ran to the end"
    assert len(runner.pauses) == 1 and 0.3 < runner.pauses[0] < 1.0, runner.pauses
    assert max(gaps) > 0.3, "no tick while paused"
    assert time.time() - start < 5


def test_a_process_working_for_the_check_is_paused_with_it_and_left_running(tmp_path):
    """The warm type-check server is no child of the check, but works for it: it pauses and resumes
    with the check's own tree, and is not stopped when the check ends."""
    import subprocess
    src = tmp_path / "src"
    src.mkdir()
    (src / "page.tsx").write_text("old")
    out = tmp_path / "ticks"
    script = ("import time,sys\nwhile True:\n    open(sys.argv[1],'a').write(f'{time.time()}\\n')\n"
              "    time.sleep(0.05)\n")
    companion = subprocess.Popen([sys.executable, "-c", script, str(out)])
    try:
        runner = live_gate.Yielding({"frontend": [src]}, settle=0.6, companions=lambda: [companion.pid])
        threading.Timer(0.5, (src / "page.tsx").write_text, ("saved",)).start()
        assert runner.run([sys.executable, "-c", "import time; time.sleep(2.5)"]) == 0
        ticks = [float(x) for x in out.read_text().split()]
        assert len(runner.pauses) == 1 and max(b - a for a, b in zip(ticks, ticks[1:])) > 0.3, "paused with it"
        time.sleep(0.3)
        assert companion.poll() is None and float(out.read_text().split()[-1]) > time.time() - 0.2, \
            "still running, and not left stopped"
    finally:
        companion.kill()
        companion.wait(5)


def test_the_descendants_of_a_check_are_found(tmp_path):
    import subprocess
    proc = subprocess.Popen([sys.executable, "-c", "import subprocess,sys; subprocess.run(['sleep','5'])"])
    try:
        deadline = time.time() + 5
        while len(live_gate.descendants(proc.pid)) < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert len(live_gate.descendants(proc.pid)) == 2
    finally:
        live_gate.signal_tree(proc.pid, 15)
        proc.wait(5)


def test_a_write_under_an_excluded_folder_is_no_save(tmp_path):
    src = tmp_path / "src"
    (src / "lib" / "api").mkdir(parents=True)
    (src / "lib" / "api" / "types.gen.ts").write_text("generated just now")
    assert live_gate.newest_save([src], exclude=(src / "lib" / "api",)) == 0.0
    assert live_gate.newest_save([src]) > 0
