"""ensure_apt_packages: nothing to do when present; without root it prints the exact command."""
from __future__ import annotations

import io

import pytest

from scripts.toolchain import apt
from scripts.toolchain.apt import AptError, ensure_apt_packages
from scripts.toolchain.docker_engine import DockerdConfig, EngineError, ensure_engine
from scripts.toolchain.progress import Progress


def test_present_packages_need_nothing():
    out = io.StringIO()
    assert ensure_apt_packages(["busybox-static", "iptables"], Progress(out=out)) == []
    assert out.getvalue() == ""


def test_without_root_the_exact_command_is_printed(monkeypatch):
    monkeypatch.setattr(apt.os, "geteuid", lambda: 1000)
    out = io.StringIO()
    with pytest.raises(AptError) as err:
        ensure_apt_packages(["iptables", "todo-app-no-such-package"], Progress(out=out))
    command = "sudo apt-get update && sudo apt-get install -y todo-app-no-such-package"
    assert command in str(err.value) and command in out.getvalue()
    assert "iptables" not in command  # only what is missing


def test_without_root_and_no_engine_the_fix_is_named(sandbox, monkeypatch, tmp_path):
    from scripts.toolchain import docker_engine
    monkeypatch.setattr(docker_engine.os, "geteuid", lambda: 1000)
    config = DockerdConfig(host=f"unix://{tmp_path}/nobody.sock", pidfile=tmp_path / "docker.pid")
    with pytest.raises(EngineError, match=r"no Docker engine answers: start it \(e.g. `sudo systemctl start docker`"):
        ensure_engine(Progress(out=io.StringIO()), config, cli="/usr/bin/docker")
