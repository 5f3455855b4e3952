"""`./scripts/dev test` installs in two lanes: the Go builds beside the downloads (a new machine's
cold run is their longer lane, not their sum), each suite getting only what it needs, and a failure
in one lane stopping the other at once with the failed step named."""
import time

import pytest

from scripts.workflow import prepare
from scripts.workflow.prepare import Step, check, lanes, needs_of
from scripts.workflow.suites import by_name


def whats(steps: list[Step]) -> list[str]:
    return [step.what for step in steps]


def test_every_suite_gets_the_go_builds_beside_the_downloads():
    builds, downloads = lanes(needs_of(by_name([])))
    assert whats(builds) == ["toolchain: tools (Go builds on a new machine)",
                             "local cluster's programs (etcd, CoreDNS, pause, provisioner)"]
    assert whats(downloads) == ["toolchain: Debian packages, Docker engine, Node",
                                "frontend: npm ci (when the lock changed)",
                                "offline base images (debootstrap on a new machine)"]


def test_a_suite_gets_only_what_it_needs():
    builds, downloads = lanes(needs_of(by_name(["scripts"])))
    assert whats(builds) == ["toolchain: tools (Go builds on a new machine)"]
    assert whats(downloads) == ["toolchain: Debian packages, Docker engine, Node"]
    _, downloads = lanes(needs_of(by_name(["images"])))
    assert "offline base images (debootstrap on a new machine)" in whats(downloads)
    assert "frontend: npm ci (when the lock changed)" not in whats(downloads)
    _, downloads = lanes(needs_of(by_name(["frontend-unit"])))
    assert "frontend: npm ci (when the lock changed)" in whats(downloads)


def test_dev_up_gets_the_tools_packages_and_bases_but_builds_the_cluster_only_when_it_picks_it():
    builds, downloads = lanes({"docker", "frontend-deps"})
    assert whats(builds) == ["toolchain: tools (Go builds on a new machine)"]
    assert len(downloads) == 3


def _sleep(what: str, seconds: float, provides: str = "") -> Step:
    return Step(what, lambda out: check(["sleep", str(seconds)], what, out), provides)


def test_the_lanes_run_side_by_side_and_report_what_they_set_up(monkeypatch):
    monkeypatch.setattr(prepare, "lanes", lambda needs: ([_sleep("build", 1.5)],
                                                          [_sleep("download", 1.5, provides="docker")]))
    start = time.monotonic()
    assert prepare.prepare(set()) == {"docker"}
    assert time.monotonic() - start < 2.5  # one after the other: 3 s


def test_a_failed_download_stops_the_build_lane_and_names_itself(monkeypatch):
    failing = Step("apt", lambda out: check(["sh", "-c", "exit 3"], "apt", out))
    after = []
    monkeypatch.setattr(prepare, "lanes", lambda needs: (
        [_sleep("long build", 60), Step("next build", lambda out: after.append(1))],
        [_sleep("download", 0.3), failing]))
    start = time.monotonic()
    with pytest.raises(SystemExit, match=r"setup step failed: apt \(exit 3\); see .*prepare-downloads\.log"):
        prepare.prepare(set())
    assert time.monotonic() - start < 10
    assert after == []  # the build lane started nothing after the failure
