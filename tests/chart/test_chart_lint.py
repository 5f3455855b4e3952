"""The chart passes `helm lint --strict` and declares the Kubernetes versions it supports."""

import re

import pytest
import yaml

from chart_helpers import CHART, VALUES_SETS, find_helm, kubernetes_version


@pytest.mark.parametrize("values_set", sorted(VALUES_SETS))
def test_helm_lint_strict_passes(helm, values_set):
    args = ["lint", "--strict", str(CHART), "--kube-version", kubernetes_version()]
    for path in VALUES_SETS[values_set]:
        args += ["--values", str(path)]
    result = helm.run(*args)
    assert result.returncode == 0, f"helm lint --strict ({values_set}):\n{result.stdout}\n{result.stderr}"


def chart_metadata() -> dict:
    return yaml.safe_load((CHART / "Chart.yaml").read_text())


def test_chart_metadata_is_v2_with_semver_and_kube_version_floor():
    meta = chart_metadata()
    assert meta["apiVersion"] == "v2"
    assert meta["name"] == "todo-app"
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", meta["version"]), meta["version"]
    assert re.fullmatch(r">=\s*\d+\.\d+\.\d+-0", meta["kubeVersion"]), meta["kubeVersion"]


def kube_floor() -> tuple[int, int]:
    major, minor = re.search(r"(\d+)\.(\d+)", chart_metadata()["kubeVersion"]).groups()
    return int(major), int(minor)


def test_pinned_kubernetes_version_is_inside_the_charts_range(helm):
    major, minor = (int(x) for x in kubernetes_version().split(".")[:2])
    assert (major, minor) >= kube_floor(), "scripts/versions.toml pins a Kubernetes older than kubeVersion allows"
    assert helm.template(kube_version=kubernetes_version()).returncode == 0


def test_clusters_older_than_the_floor_are_refused(helm):
    major, minor = kube_floor()
    result = helm.template(kube_version=f"{major}.{minor - 1}.0")
    assert result.returncode != 0
    assert "kubeVersion" in result.stderr or "incompatible" in result.stderr, result.stderr


def test_default_image_tags_match_the_charts_app_version():
    # A production install of chart X pulls images X: bumping one without the other is a mistake.
    meta = chart_metadata()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for component in ("backend", "frontend"):
        assert values[component]["image"]["tag"] == meta["appVersion"], component


def test_a_wrong_helm_path_fails_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("HELM", str(tmp_path / "no-such-helm"))
    with pytest.raises(pytest.fail.Exception, match="is not an executable file"):
        find_helm()
