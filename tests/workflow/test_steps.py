import sys

from scripts.workflow import steps, suites


def test_counts_from_junit_sum_every_suite(tmp_path):
    xml = tmp_path / "j.xml"
    xml.write_text("""<testsuites>
      <testsuite name="a"><testcase name="ok"/><testcase name="bad"><failure/></testcase></testsuite>
      <testsuite name="b"><testcase name="skip"><skipped/></testcase><testcase name="err"><error/></testcase>
        <testcase name="ok2"/></testsuite></testsuites>""")
    assert steps.counts_from_junit(xml) == steps.Counts(passed=2, failed=2, skipped=1)


def test_counts_from_the_last_plain_summary_line():
    text = "noise\n3 passed, 1 failed\nmore\ne2e: 12 passed, 0 failed, 2 skipped\n"
    assert steps.counts_from_output(text) == steps.Counts(12, 0, 2)
    assert steps.counts_from_output("no summary here") is None


def test_run_step_returns_the_exit_code_and_tees_the_log(tmp_path):
    log = tmp_path / "out.log"
    rc, counts = steps.run_step("demo", [sys.executable, "-c", "print('4 passed, 0 failed'); raise SystemExit(3)"],
                                cwd=tmp_path, log=log)
    assert rc == 3
    assert counts == steps.Counts(4, 0, 0)
    assert "4 passed" in log.read_text()


def test_every_suite_writes_junit_or_prints_a_summary_and_names_are_unique():
    names = [s.name for s in suites.SUITES]
    assert len(names) == len(set(names))
    assert suites.by_name(["backend"])[0].name == "backend"


def test_frontend_suites_read_the_junit_files_their_runners_write():
    import json
    frontend = suites.REPO / "frontend"
    junit = {s.name: s.junit.relative_to(frontend).as_posix() for s in suites.SUITES if s.name.startswith("frontend-") and s.junit}
    assert set(junit) == {"frontend-unit", "frontend-e2e"}
    scripts = json.loads((frontend / "package.json").read_text())["scripts"]
    assert f"--outputFile.junit={junit['frontend-unit']}" in scripts["test:ci"]
    assert scripts["test:e2e"] == "playwright test"
    assert f"outputFile: '{junit['frontend-e2e']}'" in (frontend / "playwright.config.ts").read_text()


def test_unknown_suite_is_refused_with_the_choices():
    import pytest
    with pytest.raises(SystemExit, match="unknown suite\\(s\\): nope; choose from: scripts"):
        suites.by_name(["nope"])


def test_a_step_run_unseen_prints_only_its_failure_when_it_fails(tmp_path, capsys):
    script = ("print('collected 2 items'); print('noise ' * 3); print('=' * 10 + ' FAILURES ' + '=' * 10); "
              "print('E   AssertionError: the reason'); print('1 passed, 1 failed'); raise SystemExit(1)")
    rc, counts = steps.run_step("beside", [sys.executable, "-c", script], cwd=tmp_path, log=tmp_path / "b.log",
                                stream=False)
    out = capsys.readouterr().out
    assert rc == 1 and counts == steps.Counts(1, 1, 0)
    assert "E   AssertionError: the reason" in out
    assert "noise noise" not in out and "\ncollected 2 items" not in out, "only the failure is printed"
    assert "noise noise" in (tmp_path / "b.log").read_text(), "the whole output is in the log"
    steps.run_step("quiet", [sys.executable, "-c", "print('all fine'); print('1 passed, 0 failed')"],
                   cwd=tmp_path, log=tmp_path / "q.log", stream=False)
    assert "\nall fine" not in capsys.readouterr().out


def test_the_cluster_suite_runs_beside_the_others(tmp_path, monkeypatch, capsys):
    """The suite marked `alongside` runs while the others do: here the foreground suite passes only
    if the one beside it has started (and vice versa), which a run one after the other cannot do."""
    from scripts.workflow import test_cmd
    wait_for = "import pathlib, sys, time\n" \
               "pathlib.Path(sys.argv[1]).touch()\n" \
               "deadline = time.time() + 20\n" \
               "while not pathlib.Path(sys.argv[2]).exists():\n" \
               "    if time.time() > deadline: raise SystemExit('the other suite never ran beside this one')\n" \
               "    time.sleep(0.05)\n" \
               "print('1 passed, 0 failed')\n"
    a, b = tmp_path / "a-started", tmp_path / "b-started"
    fake = [suites.Suite("unit", [sys.executable, "-c", wait_for, str(a), str(b)], cwd=tmp_path),
            suites.Suite("cluster", [sys.executable, "-c", wait_for, str(b), str(a)], cwd=tmp_path, alongside=True)]
    monkeypatch.setattr(test_cmd, "by_name", lambda names: fake)
    monkeypatch.setattr(test_cmd, "prepare", lambda needs: set())  # no toolchain install here
    monkeypatch.setattr(test_cmd, "REPORTS", tmp_path / "reports")
    assert test_cmd.run([]) == 0
    assert "2 passed, 0 failed, 0 skipped" in capsys.readouterr().out
