"""Routes are tried in order; a failing one prints one line and the next gets its turn; when all
fail the error names every route and the manual fix. Re-runs use the manifest and run nothing."""
from __future__ import annotations

import dataclasses
import io
import os
import re

import pytest

from toolchain_helpers import fake_tool_toml, write_fake_binary
from scripts.toolchain import manifest, versions
from scripts.toolchain.installer import Installer, ToolInstallError
from scripts.toolchain.progress import Progress
from scripts.toolchain.routes import RouteResult, RouteUnavailable, all_routes


def make_installer(routes):
    out = io.StringIO()
    return Installer(versions.load(), Progress(out=out), routes=routes), out


def builds(version, calls=None, label="fake route"):
    """A route that 'installs' a fake binary reporting `version` into the tool's bin dir."""
    def route(ctx):
        if calls is not None:
            calls.append(label)
        path = write_fake_binary(ctx.bin / "fake", "fake", version)
        return RouteResult({"fake": path}, label)
    return route


def fails(reason, calls=None):
    def route(ctx):
        if calls is not None:
            calls.append(reason)
        raise RouteUnavailable(reason)
    return route


def test_a_failing_route_falls_through_to_the_next_with_one_line(sandbox):
    sandbox.write_versions(fake_tool_toml(routes=("path", "npm")) + '[tools.fake.npm]\npackage = "x"\n')
    installer, out = make_installer({"path": fails("no fake on PATH"), "npm": builds("1.2.3")})
    made = installer.ensure(versions.load().tool("fake"))
    assert made.route == "fake route" and made.reported_version == "1.2.3"
    assert "path route: no fake on PATH -> trying the next route" in out.getvalue()
    assert os.readlink(sandbox.bin / "fake") == str(made.binary("fake"))
    assert os.popen(str(sandbox.bin / "fake")).read().strip() == "fake v1.2.3 (fake)"


def test_an_unexpected_crash_in_a_route_also_falls_through(sandbox):
    sandbox.write_versions(fake_tool_toml(routes=("path", "npm")) + '[tools.fake.npm]\npackage = "x"\n')

    def crashes(ctx):
        raise ValueError("boom\nsecond line")
    installer, out = make_installer({"path": crashes, "npm": builds("1.2.3")})
    installer.ensure(versions.load().tool("fake"))
    assert "path route: ValueError: boom second line -> trying the next route" in out.getvalue()


def test_a_route_producing_the_wrong_version_is_rejected(sandbox):
    sandbox.write_versions(fake_tool_toml(routes=("path", "npm")) + '[tools.fake.npm]\npackage = "x"\n')
    installer, out = make_installer({"path": builds("1.3.0"), "npm": builds("1.2.9")})
    made = installer.ensure(versions.load().tool("fake"))
    assert made.reported_version == "1.2.9"
    assert "path route: it produced fake 1.3.0, need 1.2.x -> trying the next route" in out.getvalue()


def test_when_every_route_fails_the_error_lists_each_and_the_manual_fix(sandbox):
    sandbox.write_versions(fake_tool_toml(routes=("path", "npm")) + '[tools.fake.npm]\npackage = "x"\n')
    installer, out = make_installer({"path": fails("not on PATH"), "npm": fails("registry says no")})
    with pytest.raises(ToolInstallError) as err:
        installer.ensure(versions.load().tool("fake"))
    message = str(err.value)
    assert "could not install fake 1.2.3; routes tried:" in message
    assert "  - path: not on PATH" in message and "  - npm: registry says no" in message
    assert "fix: install fake by hand, then re-run `python3 scripts/toolchain install fake`" in message
    assert "npm route: registry says no -> no routes left" in out.getvalue()
    assert not (sandbox.bin / "fake").exists() and manifest.read(versions.load().tool("fake")) is None


def test_rerun_uses_the_manifest_and_runs_no_route(sandbox):
    sandbox.write_versions(fake_tool_toml(routes=("npm",)) + '[tools.fake.npm]\npackage = "x"\n')
    calls = []
    tool = versions.load().tool("fake")
    make_installer({"npm": builds("1.2.3", calls)})[0].ensure(tool)
    installer, out = make_installer({"npm": builds("1.2.3", calls)})
    installer.ensure(tool)
    assert calls == ["fake route"]  # not called the second time
    assert out.getvalue().startswith("[toolchain] ok fake 1.2.3 (fake route)")


def test_a_changed_binary_is_re_verified_not_trusted(sandbox):
    sandbox.write_versions(fake_tool_toml(routes=("npm",)) + '[tools.fake.npm]\npackage = "x"\n')
    tool = versions.load().tool("fake")
    calls = []
    made = make_installer({"npm": builds("1.2.3", calls)})[0].ensure(tool)
    write_fake_binary(made.binary("fake"), "fake", "0.9.0")  # replaced behind our back
    assert manifest.valid(tool) is None
    again = make_installer({"npm": builds("1.2.3", calls)})[0].ensure(tool)
    assert calls == ["fake route", "fake route"] and again.reported_version == "1.2.3"


def test_path_route_links_an_acceptable_binary_and_explains_a_wrong_one(sandbox, monkeypatch, tmp_path):
    sandbox.write_versions(fake_tool_toml(routes=("path",)))
    old_dir, good_dir = tmp_path / "old", tmp_path / "good"
    write_fake_binary(old_dir / "fake", "fake", "1.1.0")
    good = write_fake_binary(good_dir / "fake", "fake", "1.2.7")
    # our own .bin on PATH must never count as "found on PATH"
    write_fake_binary(sandbox.bin / "fake", "fake", "1.2.3")
    system_path = os.environ["PATH"]
    monkeypatch.setenv("PATH", f"{sandbox.bin}:{old_dir}:{good_dir}:{system_path}")
    installer, out = make_installer(all_routes())
    made = installer.ensure(versions.load().tool("fake"))
    assert made.binary("fake") == good and made.reported_version == "1.2.7"
    assert os.readlink(sandbox.bin / "fake") == str(good)  # linked, not copied

    sandbox.write_versions(fake_tool_toml(routes=("path",), accept="1.3."))
    monkeypatch.setenv("PATH", f"{old_dir}:{system_path}")
    with pytest.raises(ToolInstallError) as err:
        make_installer(all_routes())[0].ensure(versions.load().tool("fake"))
    assert f"on PATH: {old_dir / 'fake'} is 1.1.0; need 1.3.x" in str(err.value)


MUST_EMBED = 'must_embed = { "its dashboard" = "DASHBOARD-MARKER" }\n'


def builds_with_dashboard(version, calls):
    """Like builds(), but the binary contains the marker must_embed asks for."""
    def route(ctx):
        calls.append("with dashboard")
        path = write_fake_binary(ctx.bin / "fake", "fake", version)
        path.write_text(path.read_text() + "# DASHBOARD-MARKER\n")
        return RouteResult({"fake": path}, "dashboard route")
    return route


def test_a_cached_binary_lacking_what_it_must_embed_is_rebuilt_not_adopted(sandbox):
    """A tilt cached without its dashboard (the stand-in build) is never reused: CI rebuilds it."""
    sandbox.write_versions(fake_tool_toml(routes=("npm",)) + '[tools.fake.npm]\npackage = "x"\n')
    calls = []
    make_installer({"npm": builds("1.2.3", calls)})[0].ensure(versions.load().tool("fake"))
    sandbox.write_versions(fake_tool_toml(routes=("npm",), extra=MUST_EMBED) + '[tools.fake.npm]\npackage = "x"\n')
    tool = versions.load().tool("fake")
    assert manifest.valid(tool) is None
    installer, out = make_installer({"npm": builds_with_dashboard("1.2.3", calls)})
    made = installer.ensure(tool)
    assert calls == ["fake route", "with dashboard"] and made.route == "dashboard route"
    assert (f"not reusing the cached fake: {made.binary('fake')} lacks its dashboard "
            "(no 'DASHBOARD-MARKER' in the binary)") in out.getvalue()
    assert manifest.valid(tool).embeds == ["its dashboard"]
    assert make_installer({"npm": fails("must not run")})[0].ensure(tool).route == "dashboard route"


def test_a_route_whose_binary_lacks_what_it_must_embed_falls_through(sandbox):
    sandbox.write_versions(fake_tool_toml(routes=("path", "npm"), extra=MUST_EMBED) + '[tools.fake.npm]\npackage = "x"\n')
    calls = []
    installer, out = make_installer({"path": builds("1.2.3"), "npm": builds_with_dashboard("1.2.3", calls)})
    made = installer.ensure(versions.load().tool("fake"))
    assert made.route == "dashboard route"
    assert re.search(r"path route: \S+/fake lacks its dashboard \(no 'DASHBOARD-MARKER' in the binary\) "
                     r"-> trying the next route", out.getvalue())


def test_a_manifest_recorded_before_the_embed_check_is_not_valid(sandbox):
    sandbox.write_versions(fake_tool_toml(routes=("npm",)) + '[tools.fake.npm]\npackage = "x"\n')
    tool = versions.load().tool("fake")
    make_installer({"npm": builds_with_dashboard("1.2.3", [])})[0].ensure(tool)
    assert manifest.valid(tool) is not None
    stricter = dataclasses.replace(tool, must_embed={"its dashboard": "DASHBOARD-MARKER"})  # same digest
    assert manifest.valid(stricter) is None
