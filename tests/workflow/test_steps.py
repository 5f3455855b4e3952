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
