"""`./scripts/dev` keeps its word: every command its header and help promise exists and runs.
These run the real entry point (bash script → venv → scripts.workflow); `status` and `down` against
a live loop (Tilt's resources and URLs, the kept claim) are exercised in tests/e2e/test_devdata_loop.py."""
import re
import subprocess

import pytest

from tests.support.ports import free_port
from tests.support.tilt_session import REPO, tool_env

DEV = str(REPO / "scripts" / "dev")


def dev(*args, env=None, timeout=60):
    return subprocess.run([DEV, *args], capture_output=True, text=True, timeout=timeout, env=env or tool_env(),
                          stdin=subprocess.DEVNULL)


def commands_in_help() -> list[str]:
    out = dev("help").stdout
    block = out.split("COMMAND\n", 2)[-1].split("\noptions:")[0]
    return re.findall(r"^    (\w+)\s", block, re.M)


def test_help_lists_every_command_and_exits_0():
    p = dev("help")
    assert p.returncode == 0, p.stderr
    assert commands_in_help() == ["help", "test", "up", "status", "down", "data", "cluster", "doctor"]


def test_every_command_the_header_promises_is_in_the_help():
    header = "\n".join(line for line in (REPO / "scripts/dev").read_text().splitlines() if line.startswith("#"))
    promised = set(re.findall(r"\./scripts/dev (\w+)", header))
    promised |= {w.strip() for w in re.search(r"\(([^)]*)\) hangs off", header).group(1).split(",")}
    assert promised <= set(commands_in_help()), promised - set(commands_in_help())


@pytest.mark.parametrize("command", ["test", "up", "status", "down", "data", "cluster", "doctor"])
def test_each_command_answers_its_own_help(command):
    p = dev(command, "-h")
    assert p.returncode == 0, p.stderr
    assert "usage:" in p.stdout


def test_status_without_a_loop_says_so_and_how_to_start_one():
    port = free_port()
    p = dev("status", "--port", str(port), "--context", "no-such-context")
    assert p.returncode == 0, p.stderr
    assert f"tilt: not running on port {port} (start the loop with `./scripts/dev up`)" in p.stdout
    assert "cluster: context no-such-context does not answer" in p.stdout


def test_down_runs_tilt_down_and_a_missing_cluster_is_refused_with_the_fix():
    # The real `tilt down` on the real Tiltfile: with no usable context the Tiltfile's helper stops it
    # before anything is deleted, naming the fix.
    p = dev("down", "--context", "no-such-context")
    assert p.returncode != 0
    assert "tilt down --context no-such-context" in p.stdout and "dev data is kept" in p.stdout
    assert "`./scripts/dev up`" in p.stdout + p.stderr


def test_data_list_runs_without_a_cluster():
    p = dev("data", "list")
    assert p.returncode == 0, p.stderr
    assert "snapshots of namespace todo-app" in p.stdout


def test_data_restore_of_an_unknown_snapshot_names_the_ones_there_before_asking():
    p = dev("data", "--context", "todo-local", "--namespace", "todo-h5-none", "--db", "sqlite", "restore", "nope")
    assert p.returncode == 1
    assert "no snapshot named 'nope'" in p.stderr and "(there: none)" in p.stderr
