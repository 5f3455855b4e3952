"""scripts/versions.toml: the one file pinning every tool, with Kubernetes-derived versions."""
from __future__ import annotations

import re

import pytest

from toolchain_helpers import REPO, fake_tool_toml, run_cli
from scripts.toolchain import versions
from scripts.toolchain.versions import VersionsError

PROJECT_PINS = REPO / "scripts" / "versions.toml"


def test_project_pins_derive_kubectl_and_components_from_one_kubernetes_version():
    v = versions.load(PROJECT_PINS)
    assert v.kubernetes == "1.35.4"
    assert v.tool("kubectl").version == v.tool("kubernetes").version == v.kubernetes
    assert v.tool("kubectl").accept == "1.35."  # same minor as the cluster
    assert v.tool("tilt").version == "0.37.1" and v.tool("tilt").accept == "0.37."
    assert v.tool("helm").version == "4.3.1"
    assert v.tool("node").version.startswith("22.")
    assert set(v.default_install) == {"tilt", "helm", "kubectl", "node"}
    # kubectl falls back to the Kubernetes build, which must produce it
    assert v.tool("kubectl").bundle == "kubernetes" and "kubectl" in v.tool("kubernetes").binaries


def test_every_download_is_pinned_to_a_sha256_or_explicitly_unknown():
    v = versions.load(PROJECT_PINS)
    urls = {}
    for tool in v.tools.values():
        for d in tool.downloads:
            assert d.sha256 == "" or re.fullmatch(r"[0-9a-f]{64}", d.sha256), (tool.name, d.url)
            urls[tool.name] = d.url
    assert urls["tilt"].endswith("/v0.37.1/tilt.0.37.1.linux.x86_64.tar.gz")
    assert urls["helm"] == "https://get.helm.sh/helm-v4.3.1-linux-amd64.tar.gz"
    assert "dl.k8s.io/release/v1.35.4/bin/linux/amd64/kubectl" in v.tool("kubectl").downloads[0].url


def test_go_builds_stamp_the_pinned_version():
    v = versions.load(PROJECT_PINS)
    k8s = v.tool("kubernetes").go
    assert "-X k8s.io/component-base/version.gitVersion=v1.35.4" in k8s.ldflags
    assert "-X k8s.io/client-go/pkg/version.gitMinor=35" in k8s.ldflags
    assert k8s.local_replace_version == "v0.35.4"
    assert "-X main.version=0.37.1" in v.tool("tilt").go.ldflags
    assert "-X helm.sh/helm/v4/internal/version.version=v4.3.1" in v.tool("helm").go.ldflags


def test_the_clusters_etcd_and_coredns_are_static_go_builds_kept_off_path():
    v = versions.load(PROJECT_PINS)
    for name, stamp in (("etcd", "-X go.etcd.io/etcd/api/v3/version.GitSHA=v3.6.16"),
                        ("coredns", "-X github.com/coredns/coredns/coremain.GitCommit=v1.14.7")):
        tool = v.tool(name)
        assert tool.routes == ("go",) and stamp in tool.go.ldflags, name
        assert dict(tool.go.env) == {"CGO_ENABLED": "0"}, f"{name} runs FROM scratch or on any host: static"
        assert tool.link == (), f"only the cluster runs {name}: nothing in .bin"
    assert "etcd" not in v.cluster and "coredns" not in v.cluster, "one pin each, under [tools]"


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t.replace('version = "1.2.3"\n', ""), "[tools.fake].version is missing: add it"),
    (lambda t: t, "lists route 'download' but has no [tools.fake.download]"),
    (lambda t: t.replace('version = "1.2.3"', 'version = "1.2"'), "is not MAJOR.MINOR.PATCH"),
    (lambda t: t.replace('routes = ["download"]', 'routes = ["teleport"]'), "each must be one of"),
    (lambda t: t.replace('routes = ["download"]', 'routes = ["go"]'), "lists route 'go' but has no [tools.fake.go]"),
    (lambda t: t + '[[tools.fake.download]]\nurl = "http://x/{version}"\nsha256 = "abc"\nbinary = "fake"\n',
     "sha256 must be 64 hex digits"),
    (lambda t: t + '[[tools.fake.download]]\nurl = "http://x/{vesion}"\nsha256 = ""\nbinary = "fake"\n',
     "bad placeholder"),
    (lambda t: t.replace("version_pattern = 'fake v(\\d+\\.\\d+\\.\\d+)'", "version_pattern = 'fake'"),
     "needs a capture group"),
    (lambda t: t + "[tools.broken\n", "is not valid TOML"),
    (lambda t: t.replace('routes = ["download"]', 'routes = ["go"]') + '[tools.fake.go]\nmodule = "m"\n'
     'wrapper_module = "w"\npackages = ["m"]\nenv = "CGO_ENABLED=0"\n', "[tools.fake].go.env must be a dict"),
])
def test_a_broken_versions_file_names_the_problem_and_the_fix(sandbox, mutate, message):
    sandbox.write_versions(mutate(fake_tool_toml(routes=("download",))))
    with pytest.raises(VersionsError) as err:
        versions.load()
    assert message in str(err.value)
    assert str(sandbox.versions) in str(err.value)


def test_cli_reports_a_broken_versions_file_as_one_clear_error(sandbox):
    sandbox.write_versions('[kubernetes]\nversion = "one.35"\n[tools]\n')
    proc = run_cli("doctor", env={"TODO_APP_VERSIONS": str(sandbox.versions)})
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "is not MAJOR.MINOR.PATCH" in proc.stderr
    assert "Traceback" not in proc.stderr


WEB_TOOL = ('[tools.fake.go]\nmodule = "example.com/fake"\nwrapper_module = "todo-app.local/fake-wrapper"\n'
            'packages = ["example.com/fake/cmd/fake"]\n\n[tools.fake.go.web]\nsource = "web"\n'
            'into = "pkg/assets/build"\nnode = "{node}"\nfonts = [{font}]\n')
GOOD_FONT = '{ package = "f", version = "1.0.0", integrity = "sha512-x", css = ["a.css"] }'


@pytest.mark.parametrize("node, font, message", [
    ("nodejs", GOOD_FONT, "[tools.fake.go.web].node = 'nodejs' names no tool"),
    ("fake", GOOD_FONT.replace('"1.0.0"', '"^1.0.0"'), "must be an exact MAJOR.MINOR.PATCH pin"),
    ("fake", GOOD_FONT.replace('"sha512-x"', '"abc"'), "integrity must be npm's sha512-"),
    ("fake", GOOD_FONT.replace('["a.css"]', "[]"), "must name at least one stylesheet"),
])
def test_a_broken_web_ui_spec_names_the_key_and_the_fix(sandbox, node, font, message):
    sandbox.write_versions(fake_tool_toml(routes=("go",)) + WEB_TOOL.format(node=node, font=font))
    with pytest.raises(VersionsError) as err:
        versions.load()
    assert message in str(err.value)


def test_must_embed_is_read_per_tool():
    v = versions.load(PROJECT_PINS)
    assert v.tool("tilt").must_embed == {"its web dashboard": "static/js/main."}
    assert v.tool("helm").must_embed == {}
