"""The Go route's wrapper modules, generated from the tools' real go.mod files (fetched through the
Go module proxy), without running the multi-minute compiles."""
from __future__ import annotations

import io
import os
import shutil

import pytest

from toolchain_helpers import REPO
from scripts.toolchain import gomod, paths, versions
from scripts.toolchain.progress import Progress
from scripts.toolchain.routes import RouteContext
from scripts.toolchain.routes import go as go_route

PINS = versions.load(REPO / "scripts" / "versions.toml")
GO = shutil.which("go")


@pytest.fixture(scope="module")
def upstream():
    assert GO, "the Go toolchain is needed (the go route builds tilt, helm and kubernetes with it)"
    return {name: gomod.upstream_module(GO, PINS.tool(name).go.module, PINS.tool(name).version)
            for name in ("tilt", "helm", "kubernetes", "etcd", "coredns")}


def test_tilt_wrapper_repeats_tilts_own_replace_directives(upstream):
    tilt = PINS.tool("tilt")
    text = gomod.wrapper_go_mod(tilt.go, tilt.version, upstream["tilt"].go_mod)
    wrapper, theirs = gomod.parse(text), gomod.parse(upstream["tilt"].go_mod)
    assert wrapper.module == "todo-app.local/tilt-wrapper"
    assert wrapper.requires == {"github.com/tilt-dev/tilt": "v0.37.1"}
    assert wrapper.go == theirs.go  # same language version as tilt itself
    # tilt's own replaces, read (not hard-coded), then tilt itself from its source copy, into which
    # its web dashboard is laid (the Go module ships pkg/assets/build without it).
    assert theirs.replaces and wrapper.replaces == [*theirs.replaces,
                                                    gomod.Replace("github.com/tilt-dev/tilt", None, "./src", None)]
    assert "\tgithub.com/pkg/browser => github.com/tilt-dev/browser v0.0.1\n" in text


def test_the_source_copy_is_writable_and_redone_from_the_pinned_module(tmp_path):
    src = tmp_path / "modcache" / "mod"
    (src / "pkg/assets/build").mkdir(parents=True)
    (src / "pkg/assets/build/robots.txt").write_text("upstream")
    (src / "web/node_modules/x").mkdir(parents=True)
    (src / "pkg/assets/build").chmod(0o555)
    wrapper = tmp_path / "wrapper"
    (wrapper / "src").mkdir(parents=True)
    (wrapper / "src" / "stale.go").write_text("old copy")
    target = gomod.copy_module_source(gomod.Upstream("", "", src), wrapper)
    assert target == wrapper / "src" and (target / "pkg/assets/build/robots.txt").read_text() == "upstream"
    (target / "pkg/assets/build/index.html").write_text("writable")  # the built UI goes here
    assert not (target / "stale.go").exists(), "the copy is redone from the pinned source each build"
    assert not (target / "web/node_modules").exists()


def test_kubernetes_wrapper_points_every_staging_module_at_its_release(upstream):
    k8s = PINS.tool("kubernetes")
    text = gomod.wrapper_go_mod(k8s.go, k8s.version, upstream["kubernetes"].go_mod)
    staging = [r.old for r in gomod.parse(upstream["kubernetes"].go_mod).replaces if r.new.startswith("./staging/")]
    assert len(staging) > 25 and "k8s.io/client-go" in staging and "k8s.io/kubectl" in staging
    replaces = gomod.parse(text).replaces
    assert {r.old for r in replaces} == set(staging)
    assert all(r.new == r.old and r.new_version == "v0.35.4" for r in replaces)
    assert "./" not in text
    assert "\tk8s.io/api => k8s.io/api v0.35.4\n" in text


def test_helm_wrapper_needs_no_replace(upstream):
    helm = PINS.tool("helm")
    text = gomod.wrapper_go_mod(helm.go, helm.version, upstream["helm"].go_mod)
    assert "replace" not in text and "require helm.sh/helm/v4 v4.3.1" in text


def test_a_local_replace_without_a_release_mapping_is_a_clear_error(upstream):
    k8s = PINS.tool("kubernetes")
    spec = k8s.go.__class__(**{**k8s.go.__dict__, "local_replace_version": None})
    with pytest.raises(gomod.GoModError, match=r"set local_replace_version \(or drop_local_replaces\) in scripts/versions.toml"):
        gomod.wrapper_go_mod(spec, k8s.version, upstream["kubernetes"].go_mod)


def test_etcd_wrapper_leaves_out_its_sibling_path_replaces_and_coredns_needs_none(upstream):
    etcd = PINS.tool("etcd")
    assert "=> ../api" in upstream["etcd"].go_mod, "upstream points its siblings at local paths"
    text = gomod.wrapper_go_mod(etcd.go, etcd.version, upstream["etcd"].go_mod)
    assert "replace" not in text and "require go.etcd.io/etcd/server/v3 v3.6.16" in text
    # …because server/v3 itself requires each sibling at the release's version.
    assert "go.etcd.io/etcd/api/v3 v3.6.16" in upstream["etcd"].go_mod
    coredns = PINS.tool("coredns")
    assert "replace" not in gomod.wrapper_go_mod(coredns.go, coredns.version, upstream["coredns"].go_mod)


def test_tools_go_imports_every_command_built():
    text = gomod.tools_go(PINS.tool("kubernetes").go.packages)
    assert text.startswith("//go:build tools\npackage tools\n")
    for cmd in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"):
        assert f' _ "k8s.io/kubernetes/cmd/{cmd}"\n' in text


def ctx_for(name: str, out=None) -> RouteContext:
    tool = PINS.tool(name)
    return RouteContext(tool=tool, versions=PINS, progress=Progress(out=out or io.StringIO()),
                        tool_dir=paths.tool_dir(name, tool.version),
                        log=paths.logs_dir() / f"{name}-{tool.version}-go.log")


def test_build_commands_are_trimpath_and_version_stamped(sandbox):
    bin_dir = sandbox.cache / "tools"
    tilt = go_route.build_command(ctx_for("tilt"), "go")
    assert tilt == ["go", "build", "-trimpath", "-tags", "osusergo", "-ldflags",
                    "-s -w -X main.version=0.37.1 -X main.date=1970-01-01",
                    "-o", str(bin_dir / "tilt-0.37.1" / "bin" / "tilt"), "github.com/tilt-dev/tilt/cmd/tilt"]
    k8s = go_route.build_command(ctx_for("kubernetes"), "go")
    assert k8s[:3] == ["go", "build", "-trimpath"]
    assert k8s[k8s.index("-o") + 1] == str(bin_dir / "kubernetes-1.35.4" / "bin") + "/"  # one binary per command
    assert "-X k8s.io/client-go/pkg/version.gitVersion=v1.35.4" in k8s[k8s.index("-ldflags") + 1]


def test_prepared_tilt_wrapper_tidies_and_is_then_reused(sandbox):
    """Real `go mod tidy` (module proxy + checksum database): the wrapper's go.sum covers tilt's
    starlark-lsp pseudo-version (once missing from the checksum database, then taken from tilt's own
    go.sum; the database knows it since late 2026), and a second prepare reuses the wrapper."""
    out = io.StringIO()
    ctx = ctx_for("tilt", out)
    assert go_route.prepare_wrapper(ctx, GO, dict(os.environ)) is False
    wrapper = paths.build_dir("tilt", "0.37.1")
    go_sum = (wrapper / "go.sum").read_text()
    assert "github.com/tilt-dev/starlark-lsp v0.0.0-20230210155543-84c13fe0ff94 h1:" in go_sum
    log_size = ctx.log.stat().st_size
    assert go_route.prepare_wrapper(ctx, GO, dict(os.environ)) is True  # reused: no second tidy
    assert ctx.log.stat().st_size == log_size
    assert f"reusing wrapper module {wrapper}" in out.getvalue()


# A `go` whose first `mod tidy` fails the way the real one does when the checksum database has no
# record of a module (its 404, verbatim shape); the next one succeeds. A checksum database that lacks
# a record cannot be had on demand, so this one stand-in is a script; the rest is the real route.
FAKE_GO = """#!/bin/sh
if [ ! -e "$PWD/.tidied-once" ]; then
  touch "$PWD/.tidied-once"
  echo "go: verifying module: {mod}@{ver}: reading https://sum.golang.org/lookup/{mod}@{ver}: 404 Not Found" >&2
  exit 1
fi
grep -q "^{mod} {ver} h1:" go.sum || exit 3
"""
UPSTREAM_SUM = ("example.com/known v1.0.0 h1:aaa=\n"
                "example.com/missing v0.0.0-1 h1:upstream-hash=\nexample.com/missing v0.0.0-1/go.mod h1:mod-hash=\n")


def _fake_go(tmp_path, mod, ver):
    go = tmp_path / "go"
    go.write_text(FAKE_GO.format(mod=mod, ver=ver))
    go.chmod(0o755)
    return str(go)


def test_a_module_the_checksum_database_lacks_takes_the_hash_from_the_tools_own_go_sum(sandbox, tmp_path):
    out = io.StringIO()
    ctx = ctx_for("tilt", out)
    ctx.log.parent.mkdir(parents=True, exist_ok=True)
    wrapper = tmp_path / "wrapper"
    wrapper.mkdir()
    (wrapper / "go.sum").write_text("")
    go = _fake_go(tmp_path, "example.com/missing", "v0.0.0-1")
    go_route.tidy_with_upstream_sums(ctx, go, dict(os.environ), wrapper, UPSTREAM_SUM)
    assert (wrapper / "go.sum").read_text().splitlines() == [
        "example.com/missing v0.0.0-1 h1:upstream-hash=", "example.com/missing v0.0.0-1/go.mod h1:mod-hash="]
    assert ("checksum database has no record of example.com/missing@v0.0.0-1: using the hash from "
            "github.com/tilt-dev/tilt's own go.sum") in out.getvalue()


def test_a_module_neither_the_database_nor_the_tools_go_sum_knows_is_refused_naming_it(sandbox, tmp_path):
    ctx = ctx_for("tilt")
    ctx.log.parent.mkdir(parents=True, exist_ok=True)
    wrapper = tmp_path / "wrapper"
    wrapper.mkdir()
    (wrapper / "go.sum").write_text("")
    go = _fake_go(tmp_path, "example.com/unknown", "v1.2.3")
    with pytest.raises(go_route.RouteUnavailable, match="no record of example.com/unknown@v1.2.3 and "
                                                         "github.com/tilt-dev/tilt's go.sum has none either"):
        go_route.tidy_with_upstream_sums(ctx, go, dict(os.environ), wrapper, UPSTREAM_SUM)
    assert (wrapper / "go.sum").read_text() == "", "nothing unverified was added"


def test_a_different_wrapper_in_the_way_is_moved_aside_not_overwritten(sandbox):
    wrapper = paths.build_dir("helm", "4.3.1")
    wrapper.mkdir(parents=True)
    custom = "module todo-app.local/helm-wrapper\n\ngo 1.26.0\n\nrequire helm.sh/helm/v4 v4.3.1\n\nreplace helm.sh/helm/v4 => ./src\n"
    (wrapper / "go.mod").write_text(custom)
    (wrapper / "go.sum").write_text("")
    out = io.StringIO()
    assert go_route.prepare_wrapper(ctx_for("helm", out), GO, dict(os.environ)) is False
    aside = [p for p in wrapper.parent.iterdir() if p.name.startswith("helm-4.3.1.replaced-")]
    assert len(aside) == 1 and (aside[0] / "go.mod").read_text() == custom
    assert "./src" not in (wrapper / "go.mod").read_text()
    assert f"{wrapper} held a different wrapper module; moved it to {aside[0]}" in out.getvalue()
