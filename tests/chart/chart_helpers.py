"""Helpers for the chart tests: locating the real helm binary, the pinned Kubernetes version,
rendering with `helm template` (no cluster needed) and walking the rendered objects.
(A uniquely named module, so other suites' conftest.py files can never shadow it.)"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from scripts.toolchain import versions
from scripts.toolchain.paths import tool_dir

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "todo-app"
HERE = Path(__file__).resolve().parent
RELEASE = "todo-app"
NAMESPACE = "todo-app"

# Values sets every policy test runs against. values.yaml always applies (helm's defaults).
VALUES_SETS = {
    "prod": [],
    "dev": [CHART / "values-dev.yaml"],
    "optins": [HERE / "values-all-optins.yaml"],
    "postgres": [HERE / "values-postgres.yaml"],
}


def pinned_version(tool: str) -> str:
    """A tool's pinned version (scripts/versions.toml, read by the toolchain's own loader)."""
    return versions.load().tool(tool).version


def kubernetes_version() -> str:
    """The project's Kubernetes version (scripts/versions.toml), e.g. "1.35.4"."""
    return versions.load().kubernetes


def default_helm() -> Path:
    """Where the project's tool cache keeps the pinned helm."""
    return tool_dir("helm", pinned_version("helm")) / "bin" / "helm"


def find_helm() -> str:
    """$HELM, else `helm` on PATH, else the project's tool cache; fail (never skip) if none exists."""
    explicit = os.environ.get("HELM")
    if explicit:
        if Path(explicit).is_file() and os.access(explicit, os.X_OK):
            return explicit
        pytest.fail(f"HELM={explicit} is not an executable file: fix or unset HELM.", pytrace=False)
    for candidate in (shutil.which("helm"), str(default_helm())):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(
        "helm not found: set HELM=/path/to/helm, put helm on PATH, or build it into "
        f"{default_helm()} (see scripts/versions.toml for the pinned version).",
        pytrace=False,
    )


class DuplicateKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (yamllint's key-duplicates rule): with the
    plain loader the last value silently wins, which hides template mistakes."""


def _construct_mapping(loader: DuplicateKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


DuplicateKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_all(text: str) -> list[dict]:
    return [doc for doc in yaml.load_all(text, Loader=DuplicateKeyLoader) if doc]


@dataclass
class HelmResult:
    returncode: int
    stdout: str
    stderr: str


class Helm:
    def __init__(self, binary: str):
        self.binary = binary

    def run(self, *args: str) -> HelmResult:
        proc = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=120)
        return HelmResult(proc.returncode, proc.stdout, proc.stderr)

    def template_args(self, values_files=(), sets=(), kube_version=None) -> list[str]:
        args = ["template", RELEASE, str(CHART), "--namespace", NAMESPACE,
                "--kube-version", kube_version or kubernetes_version()]
        for path in values_files:
            args += ["--values", str(path)]
        for item in sets:
            args += ["--set", item]
        return args

    def template(self, values_files=(), sets=(), kube_version=None) -> HelmResult:
        return self.run(*self.template_args(values_files, sets, kube_version))

    def notes(self, values_files=(), sets=()) -> str:
        """NOTES.txt as `helm install` prints it; a client-side dry run (KUBECONFIG=/dev/null: no
        cluster is contacted), because `helm template` never renders NOTES."""
        args = ["install", RELEASE, str(CHART), "--namespace", NAMESPACE, "--dry-run=client"]
        for path in values_files:
            args += ["--values", str(path)]
        for item in sets:
            args += ["--set", item]
        proc = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "KUBECONFIG": os.devnull})
        if proc.returncode != 0 or "\nNOTES:\n" not in proc.stdout:
            pytest.fail(f"helm install --dry-run=client failed:\n{proc.stderr}", pytrace=False)
        return proc.stdout.split("\nNOTES:\n", 1)[1]

    def render(self, values_files=(), sets=()) -> list[dict]:
        """Render and parse; a failed render fails the calling test with helm's message."""
        result = self.template(values_files, sets)
        if result.returncode != 0:
            pytest.fail(f"helm template failed:\n{result.stderr}", pytrace=False)
        return load_yaml_all(result.stdout)


# ---- helpers for walking rendered objects -------------------------------------------------------

def pod_specs(objects: list[dict]):
    """(object, pod spec) for every workload or bare Pod, including the helm test pod."""
    for obj in objects:
        kind = obj["kind"]
        if kind == "Pod":
            yield obj, obj["spec"]
        elif kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}:
            yield obj, obj["spec"]["template"]["spec"]
        elif kind == "CronJob":
            yield obj, obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def pod_templates(objects: list[dict]):
    """(object, pod metadata) for every workload or bare Pod."""
    for obj in objects:
        if obj["kind"] == "Pod":
            yield obj, obj["metadata"]
        elif obj["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}:
            yield obj, obj["spec"]["template"]["metadata"]


def all_containers(spec: dict):
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            yield field, container


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def one(objects: list[dict], kind: str, name: str) -> dict:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def is_hook(obj: dict) -> bool:
    return "helm.sh/hook" in (obj["metadata"].get("annotations") or {})
