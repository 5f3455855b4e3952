"""`doctor` names each problem with its exact fix and fails only on blockers."""
from __future__ import annotations

from toolchain_helpers import fake_binary_bytes, fake_tool_toml, run_cli, sha256


def test_doctor_reports_a_missing_tool_with_the_install_command(sandbox):
    sandbox.write_versions(fake_tool_toml() + '[[tools.fake.download]]\nurl = "http://x/"\nsha256 = ""\nbinary = "fake"\n')
    proc = run_cli("doctor", timeout=120)
    assert proc.returncode == 1
    assert "[FAIL] fake 1.2.3: not installed\n       fix: python3 scripts/toolchain install fake" in proc.stdout
    assert "blocker(s)" in proc.stdout.splitlines()[-1]


def _install_fake(sandbox, file_server):
    """Install the fake tool 1.2.3 through the official-download route (a local server)."""
    body = fake_binary_bytes("fake", "1.2.3")
    file_server.files["/fake"] = body
    sandbox.write_versions(fake_tool_toml() + f'[[tools.fake.download]]\nurl = "{file_server.url}/fake"\n'
                           f'sha256 = "{sha256(body)}"\nbinary = "fake"\n')
    assert run_cli("install", "fake").returncode == 0


def test_doctor_is_green_once_installed_and_shows_how_it_was_installed(sandbox, file_server):
    _install_fake(sandbox, file_server)
    proc = run_cli("doctor", env={"PATH": f"{sandbox.bin}:/usr/bin:/bin:/usr/sbin:/sbin"}, timeout=120)
    assert f"[ok]   fake 1.2.3: {sandbox.bin / 'fake'} (official download ({file_server.url}/fake))" in proc.stdout
    assert f"[ok]   {sandbox.bin} is on PATH" in proc.stdout
    # this machine has a Docker engine (the suite runs after `install`); a missing cluster is only a warning
    assert "[ok]   Docker engine" in proc.stdout
    assert proc.returncode == 0, proc.stdout


def test_doctor_flags_a_tool_whose_binary_was_replaced(sandbox, file_server):
    _install_fake(sandbox, file_server)
    (sandbox.cache / "tools" / "fake-1.2.3" / "bin" / "fake").write_bytes(fake_binary_bytes("fake", "2.0.0"))
    proc = run_cli("doctor", timeout=120)
    assert proc.returncode == 1
    assert ("[FAIL] fake 1.2.3: its recorded install changed or is incomplete\n"
            "       fix: python3 scripts/toolchain install fake") in proc.stdout


MUST_EMBED = 'must_embed = { "its web dashboard" = "static/js/main." }\n'


def test_doctor_reports_whether_the_installed_binary_has_what_it_must_embed(sandbox, file_server):
    body = fake_binary_bytes("fake", "1.2.3") + b"# static/js/main.abc.js\n"
    file_server.files["/fake"] = body
    download = f'[[tools.fake.download]]\nurl = "{file_server.url}/fake"\nsha256 = "{sha256(body)}"\nbinary = "fake"\n'
    sandbox.write_versions(fake_tool_toml(extra=MUST_EMBED) + download)
    assert run_cli("install", "fake").returncode == 0
    proc = run_cli("doctor", env={"PATH": f"{sandbox.bin}:/usr/bin:/bin:/usr/sbin:/sbin"}, timeout=120)
    assert f"[ok]   fake 1.2.3: {sandbox.bin / 'fake'} (official download ({file_server.url}/fake); has its web dashboard)" in proc.stdout


def test_doctor_names_an_installed_binary_without_its_dashboard(sandbox, file_server):
    _install_fake(sandbox, file_server)  # recorded before must_embed was asked for: the stand-in tilt
    body = fake_binary_bytes("fake", "1.2.3")
    sandbox.write_versions(fake_tool_toml(extra=MUST_EMBED) + f'[[tools.fake.download]]\nurl = "{file_server.url}/fake"\n'
                           f'sha256 = "{sha256(body)}"\nbinary = "fake"\n')
    proc = run_cli("doctor", timeout=120)
    assert proc.returncode == 1
    assert (f"[FAIL] fake 1.2.3: the installed {sandbox.cache / 'tools/fake-1.2.3/bin/fake'} lacks its web dashboard "
            "(no 'static/js/main.' in the binary)\n       fix: python3 scripts/toolchain install fake") in proc.stdout
