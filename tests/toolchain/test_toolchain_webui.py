"""Building tilt's web dashboard for the Go route (scripts/toolchain/webui): each step with fakes
for node/yarn/npm (minutes of yarn otherwise), plus the real bundled yarn accepting the settings we
derive from npm's configuration."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess

import pytest

from toolchain_helpers import REPO
from webui_fakes import PINS, FakeInstaller, make_fakes
from scripts.toolchain import paths, webui
from scripts.toolchain.progress import Progress
from scripts.toolchain.routes import RouteContext
from scripts.toolchain.webui import offline, yarn


def build(fakes, monkeypatch, installer=None):
    """Run the route's web step into a fresh module copy; returns (copy, progress text)."""
    monkeypatch.setenv("PATH", f"{fakes.bin}:{os.environ['PATH']}")  # the fake npm
    monkeypatch.setenv("TMPDIR", str(fakes.root / "tmp"))
    (fakes.root / "tmp").mkdir(exist_ok=True)
    tempfile_reset()
    out = io.StringIO()
    ctx = RouteContext(tool=fakes.tool, versions=PINS, progress=Progress(out=out),
                       tool_dir=paths.tool_dir("tilt", "0.37.1"), log=paths.logs_dir() / "tilt-0.37.1-go.log",
                       installer=installer or FakeInstaller(fakes.bin / "node"))
    copy = fakes.root / f"copy{len(list(fakes.root.glob('copy*')))}"
    shutil.copytree(fakes.module, copy)
    webui.build_into(ctx, fakes.module, copy)
    return copy, out.getvalue()


def tempfile_reset():
    import tempfile
    tempfile.tempdir = None  # re-read TMPDIR


def test_cold_build_copies_installs_builds_vendors_fonts_and_caches(sandbox, monkeypatch):
    fakes = make_fakes(sandbox.root)
    copy, out = build(fakes, monkeypatch)
    # each step is a progress line with its time
    for step in ("copy web/", "fetch fonts (npm pack)", "yarn install --immutable", "yarn build", "vendor fonts and local references",
                 "store the built assets"):
        assert re.search(rf"\[toolchain\] ok web dashboard: {re.escape(step)}.* \(\d+\.\ds\)", out), (step, out)
    # the module's own yarn, run by our node, in a writable copy, with npm's registry and CA
    install, build_call = fakes.calls
    assert install.startswith("install --immutable registry=https://registry.example.test ca=/etc/example-ca.pem")
    assert "telemetry=0 global=false" in install and f"node={fakes.bin / 'node'}" in install
    assert build_call.startswith("build ") and "sourcemap=false" in build_call
    assert f"pwd={fakes.root / 'tmp'}" in install  # a temp copy, not the read-only module cache
    # laid into the module copy's pkg/assets/build, next to what the module ships there
    assets = copy / "pkg/assets/build"
    assert (assets / "robots.txt").read_text() == "upstream"
    page = (assets / "index.html").read_text()
    assert "fonts.googleapis.com" not in page and offline.remote_refs(page) == []
    assert '<link rel="stylesheet" href="/static/fonts/fonts.css">' in page
    assert '<script defer="defer" src="/static/js/main.abc123.js"></script>' in page
    css = (assets / "static/fonts/fonts.css").read_text()
    assert 'url("fakefont/files/fake-400.woff2")' in css and 'url("fakefont/files/fake-400.woff")' in css
    assert "url(data:image/png;base64,AAAA)" in css  # inline data left alone
    assert (assets / "static/fonts/fakefont/files/fake-400.woff2").read_bytes() == b"WOFF2"
    assert (assets / "static/fonts/fakefont/LICENSE").read_bytes() == b"OFL"
    # the disconnected-state favicon is local, and exists
    bundle = (assets / "static/js/main.abc123.js").read_text()
    assert "tilt.dev" not in bundle and '"/static/tilt-assets"' in bundle
    assert (assets / "static/tilt-assets/ico/dashboard-favicon-gray.ico").read_text() == "gray\n"
    assert '<link rel="prefetch" href="/static/tilt-assets/ico/dashboard-favicon-gray.ico">' in page
    # the cache holds the built assets only; node_modules and the temp copy are gone
    cached = list((sandbox.cache / "web-assets" / "tilt-0.37.1").iterdir())
    assert len(cached) == 1 and (cached[0] / "index.html").read_text() == page
    assert not list(cached[0].rglob("node_modules")) and not list((fakes.root / "tmp").iterdir())


def test_a_warm_install_takes_the_built_assets_from_the_cache(sandbox, monkeypatch):
    fakes = make_fakes(sandbox.root)
    first, _ = build(fakes, monkeypatch)
    calls = len(fakes.calls)
    again, out = build(fakes, monkeypatch)
    assert len(fakes.calls) == calls, "yarn ran again"
    assert "web dashboard: built assets from the cache" in out and "==> web dashboard" not in out
    assert (again / "pkg/assets/build/index.html").read_text() == (first / "pkg/assets/build/index.html").read_text()


def test_the_cache_key_follows_the_lockfile_the_patch_and_node():
    web = PINS.tool("tilt").go.web
    key = webui.cache_key("0.37.1", b"lock", web, "22.23.3")
    assert key.endswith("-node22.23.3") and f"-patch{offline.PATCH_VERSION}-" in key
    assert webui.cache_key("0.37.1", b"lock2", web, "22.23.3") != key
    assert webui.cache_key("0.37.1", b"lock", web, "22.23.4") != key
    other_fonts = web.__class__(**{**web.__dict__, "fonts": web.fonts[:1]})
    assert webui.cache_key("0.37.1", b"lock", other_fonts, "22.23.3") != key


def test_an_unreachable_registry_fails_with_one_paragraph_naming_cause_fix_and_log(sandbox, monkeypatch):
    fakes = make_fakes(sandbox.root)
    fakes.fail("network")
    with pytest.raises(webui.WebUIError) as err:
        build(fakes, monkeypatch)
    message = str(err.value)
    assert "\n" not in message
    assert "could not reach the npm registry https://registry.example.test" in message
    assert "ECONNREFUSED" in message and "Fix: make it reachable" in message and "npm ping" in message
    assert str(sandbox.cache / "logs" / "tilt-0.37.1-web.log") in message
    assert not (sandbox.cache / "web-assets").exists() and not list((fakes.root / "tmp").iterdir())


def test_a_failing_yarn_build_names_its_error_and_the_log(sandbox, monkeypatch):
    fakes = make_fakes(sandbox.root)
    fakes.fail("build")
    with pytest.raises(webui.WebUIError) as err:
        build(fakes, monkeypatch)
    message = str(err.value)
    assert "yarn build failed (exit 1): TS2304: Cannot find name 'x'." in message
    assert "tilt-0.37.1-web.log" in message and "re-run `python3 scripts/toolchain install tilt`" in message


def test_without_node_the_failure_says_to_install_it(sandbox, monkeypatch):
    fakes = make_fakes(sandbox.root)
    installer = FakeInstaller(None, RuntimeError("could not install node 22.23.3; routes tried:\n  - npm: offline"))
    with pytest.raises(webui.WebUIError) as err:
        build(fakes, monkeypatch, installer)
    assert installer.asked == ["node"]  # through the installer, not a node found somewhere
    assert "needs Node.js 22.23.3, which could not be installed (could not install node 22.23.3; routes tried:)" in str(err.value)
    assert "install Node.js 22" in str(err.value) and fakes.calls == []


def test_a_font_package_that_does_not_match_its_pinned_integrity_is_refused(sandbox, monkeypatch):
    fakes = make_fakes(sandbox.root, font_integrity="sha512-" + "A" * 86 + "==")
    with pytest.raises(webui.WebUIError) as err:
        build(fakes, monkeypatch)
    assert "fakefont-1.0.0.tgz has integrity sha512-" in str(err.value) and "not using it" in str(err.value)
    assert not (sandbox.cache / "web-assets").exists() and fakes.calls == []


def test_an_unreachable_registry_for_the_fonts_is_named(sandbox, monkeypatch):
    fakes = make_fakes(sandbox.root)
    (fakes.bin / "npm-fail").write_text("")
    with pytest.raises(webui.WebUIError) as err:
        build(fakes, monkeypatch)
    message = str(err.value)
    assert "\n" not in message and "could not reach the npm registry https://registry.example.test" in message
    assert "npm pack fakefont@1.0.0 failed: code ECONNREFUSED; network request failed" in message
    assert "npm ping" in message and "tilt-0.37.1-web.log" in message
    assert fakes.calls == [], "checked before yarn's minutes of retries"


def test_a_rewrite_that_matches_nothing_fails_instead_of_leaving_a_remote_reference(tmp_path):
    (tmp_path / "static/js").mkdir(parents=True)
    (tmp_path / "static/js/main.1.js").write_text('const a="https://cdn.example/x"')
    with pytest.raises(offline.OfflineError, match="no longer contain 'https://tilt.dev/assets'"):
        offline.rewrite_text(tmp_path, (("https://tilt.dev/assets", "/static/tilt-assets"),))


def test_remote_references_are_told_from_loopback_and_relative_ones():
    assert offline.is_remote("https://fonts.googleapis.com/css") and offline.is_remote("//cdn.example/x.js")
    assert not offline.is_remote("/static/js/main.1.js") and not offline.is_remote("http://localhost:10350/x")
    assert not offline.is_remote("http://127.0.0.1:4/x") and not offline.is_remote("static/x.css")


def test_yarn_gets_npms_registry_ca_strictness_and_proxy_without_leaking_the_password(tmp_path):
    env = yarn.yarn_env({"registry": "https://npm.corp.example/", "cafile": "/etc/corp-ca.pem", "strict-ssl": "false"},
                        {"https_proxy": "http://me:s3cret@proxy.corp:3128"}, tmp_path / "c")
    assert env["YARN_NPM_REGISTRY_SERVER"] == "https://npm.corp.example"
    assert env["YARN_HTTPS_CA_FILE_PATH"] == "/etc/corp-ca.pem" and env["YARN_ENABLE_STRICT_SSL"] == "false"
    assert env["YARN_HTTPS_PROXY"] == "http://me:s3cret@proxy.corp:3128" and "YARN_HTTP_PROXY" not in env
    assert env["YARN_ENABLE_TELEMETRY"] == "0" and env["YARN_CACHE_FOLDER"] == str(tmp_path / "c")
    shown = yarn.redacted(env)
    assert "s3cret" not in shown and "http://me:***@proxy.corp:3128" in shown
    defaults = yarn.yarn_env({}, {}, tmp_path)
    assert defaults["YARN_NPM_REGISTRY_SERVER"] == "https://registry.npmjs.org"
    assert "YARN_HTTPS_CA_FILE_PATH" not in defaults and defaults["YARN_ENABLE_STRICT_SSL"] == "true"


def test_the_real_bundled_yarn_accepts_the_settings_derived_from_this_machines_npm(tmp_path):
    """Yarn 4 aborts on a setting it does not know (e.g. caFilePath): run tilt's own yarn with ours."""
    from scripts.toolchain import gomod
    upstream = gomod.upstream_module(shutil.which("go"), "github.com/tilt-dev/tilt", PINS.tool("tilt").version)
    web = tmp_path / "web"
    shutil.copytree(upstream.source_dir / "web", web, ignore=shutil.ignore_patterns("src", "public", "node_modules"))
    node_bin = paths.tool_dir("node", PINS.tool("node").version) / "bin" / "node"
    assert node_bin.is_file(), "node 22 is installed before tilt ([install].default)"
    npm = yarn.npm_config()
    settings = yarn.yarn_env(npm, dict(os.environ), tmp_path / "cache")
    env = yarn.run_environment(node_bin, {**settings, "YARN_GLOBAL_FOLDER": str(tmp_path / "g")})
    proc = subprocess.run([str(node_bin), str(yarn.bundled_yarn(web)), "config", "get", "npmRegistryServer"],
                          cwd=web, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == npm.get("registry", "https://registry.npmjs.org/").rstrip("/")


def test_the_project_pins_vendor_the_fonts_the_page_asks_the_cdn_for():
    web = PINS.tool("tilt").go.web
    assert {f.package: f.css for f in web.fonts} == {
        "@fontsource/inconsolata": ("400.css", "700.css"), "@fontsource/montserrat": ("400.css", "600.css"),
        "material-icons": ("iconfont/filled.css",)}
    assert PINS.default_install.index("node") < PINS.default_install.index("tilt")
    assert not (REPO / "scripts/toolchain/overlays").exists()


def test_the_go_route_lays_the_dashboard_into_its_source_copy_or_fails_with_the_paragraph(sandbox, monkeypatch):
    from scripts.toolchain.routes import RouteUnavailable
    from scripts.toolchain.routes import go as go_route
    fakes = make_fakes(sandbox.root)
    src = paths.build_dir("tilt", "0.37.1") / "src"
    shutil.copytree(fakes.module, src)
    monkeypatch.setenv("PATH", f"{fakes.bin}:{os.environ['PATH']}")
    ctx = RouteContext(tool=fakes.tool, versions=PINS, progress=Progress(out=io.StringIO()),
                       tool_dir=paths.tool_dir("tilt", "0.37.1"), log=paths.logs_dir() / "tilt-0.37.1-go.log",
                       installer=FakeInstaller(fakes.bin / "node"))
    go_route.lay_web_ui(ctx)
    assert "/static/fonts/fonts.css" in (src / "pkg/assets/build/index.html").read_text()
    shutil.rmtree(sandbox.cache / "web-assets")
    fakes.fail("network")
    with pytest.raises(RouteUnavailable, match=r"^tilt's web dashboard could not be built: yarn install --immutable "
                                               r"could not reach the npm registry"):
        go_route.lay_web_ui(ctx)


def test_a_temp_copy_abandoned_by_a_killed_build_is_removed_by_the_next(sandbox, monkeypatch):
    fakes = make_fakes(sandbox.root)
    (fakes.root / "tmp").mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    abandoned = fakes.root / "tmp" / f"tilt-0.37.1-web-{dead.pid}-abc"
    (abandoned / "web/node_modules").mkdir(parents=True)
    running = fakes.root / "tmp" / f"tilt-0.37.1-web-{os.getpid()}-def"  # a build still running
    running.mkdir()
    build(fakes, monkeypatch)
    assert not abandoned.exists() and running.exists()
