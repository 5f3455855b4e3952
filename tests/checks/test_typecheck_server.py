"""The warm type check (scripts/checks/typecheck_server.mjs) must be tsc: the same lines and verdict
for the tree as it is when asked, however it changed since the last answer. Real node, the real
TypeScript compiler, on a scratch copy of the frontend; tsc itself is the reference."""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from scripts.checks import typecheck
from scripts.checks.frontend_env import tool_env

TYPES = "src/lib/client/api/types.gen.ts"


@pytest.fixture
def frontend(scratch_repo):
    return scratch_repo / "frontend"


@pytest.fixture
def server(frontend):
    path = typecheck.socket_path(frontend)
    proc = subprocess.Popen([sys.executable, "-m", "scripts.checks.typecheck", "serve", str(frontend)],
                            cwd=typecheck.REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while not path.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() is not None else "no socket"
        time.sleep(0.05)
    yield proc
    proc.terminate()
    proc.wait(timeout=10)


def tsc(frontend):
    p = subprocess.run(typecheck.tsc_command("reference"), cwd=frontend, env=tool_env(), capture_output=True,
                       text=True, timeout=300)
    return p.returncode, p.stdout


def warm(frontend):
    reply = typecheck.ask_server(frontend)
    assert reply is not None, "the server answers"
    return (2 if reply["errors"] else 0), reply["text"]


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_server_answers_what_tsc_answers_for_the_tree_as_it_is_now(frontend, server):
    assert warm(frontend) == tsc(frontend) == (0, "")
    types = frontend / TYPES
    edit(types, "title: string;", "name: string;")  # the API renamed a field the frontend reads
    broken = warm(frontend)
    assert broken[0] == 2 and "Property 'title' does not exist on type 'TaskPublic'" in broken[1]
    assert broken == tsc(frontend), "the same lines, in the same order"
    edit(types, "name: string;", "title: string;")
    assert warm(frontend) == (0, ""), "a fixed file is read again, not answered from the cache"


def test_a_new_file_is_checked_and_a_deleted_one_forgotten(frontend, server):
    assert warm(frontend)[0] == 0
    extra = frontend / "src" / "lib" / "extra.ts"
    extra.write_text("export const n: number = 'not a number';\n")
    rc, text = warm(frontend)
    assert rc == 2 and text.startswith("src/lib/extra.ts(1,14): error TS2322"), text
    extra.unlink()
    assert warm(frontend) == (0, "")


def test_without_a_server_the_check_runs_tsc_with_the_same_verdict(frontend, capfd):
    edit(frontend / TYPES, "title: string;", "name: string;")
    assert typecheck.ask_server(frontend) is None
    assert typecheck.run("frontend-types", frontend) == 2
    assert "Property 'title' does not exist on type 'TaskPublic'" in capfd.readouterr().out


def test_a_socket_left_by_a_killed_server_falls_back_to_tsc(frontend, capfd):
    path = typecheck.socket_path(frontend)
    path.parent.mkdir(parents=True, exist_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(path))  # bound, nobody listening: what a SIGKILLed server leaves behind
    try:
        assert typecheck.ask_server(frontend) is None
        assert typecheck.run("frontend-types", frontend) == 0
    finally:
        path.unlink()


def test_through_the_check_the_answer_prints_like_tsc(frontend, server, capfd):
    edit(frontend / TYPES, "title: string;", "name: string;")
    assert typecheck.run("frontend-types", frontend) == 2
    out = capfd.readouterr().out
    assert any(line.startswith("src/components/") and ": error TS2339: Property 'title'" in line
               for line in out.splitlines()), out


def test_a_check_finds_the_server_to_pause_and_never_another_process(frontend, server):
    assert typecheck.server_pids(frontend) == [server.pid], "serve execs node: the pid it wrote is the server's"
    os.kill(server.pid, signal.SIGSTOP)  # what a check killed mid-pause leaves behind
    assert warm(frontend) == (0, ""), "asking resumes a stopped server instead of waiting on it"
    typecheck.pid_file(frontend).write_text(str(os.getpid()))  # a stale file naming some other process
    assert typecheck.server_pids(frontend) == []
