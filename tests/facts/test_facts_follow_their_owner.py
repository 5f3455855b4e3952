"""The app user's ids and the services' ports are written once, in the chart's values.yaml: change
them there (in a copy of the chart) and the rendered chart, the loop's plan (port-forwards, local
ports, image build args) and the Dockerfiles that receive those args all follow."""
import re
import shutil
import subprocess

import pytest

from scripts import project
from scripts.tilt import plan
from tests.chart.chart_helpers import find_helm, kubernetes_version, load_yaml_all

CHANGED = {"&appUid 10001": "&appUid 12345", "&appGid 10001": "&appGid 12346",
           "&backendPort 8000": "&backendPort 8100", "&frontendPort 3000": "&frontendPort 3100"}


@pytest.fixture
def chart(tmp_path, monkeypatch):
    """A copy of the chart with other ids and ports in values.yaml; scripts.project reads it."""
    copy = tmp_path / "todo-app"
    shutil.copytree(project.VALUES.parent, copy, ignore=shutil.ignore_patterns("charts", "tmpcharts"))
    values = copy / "values.yaml"
    text = values.read_text()
    for old, new in CHANGED.items():
        assert text.count(old) == 1, f"values.yaml must write {old!r} exactly once (the other places refer to it)"
        text = text.replace(old, new)
    values.write_text(text)
    monkeypatch.setattr(project, "FACTS", project.load(values))
    return copy


def test_the_facts_are_read_from_values_yaml(chart):
    f = project.FACTS
    assert (f.app_uid, f.app_gid, f.backend_port, f.frontend_port) == (12345, 12346, 8100, 3100)


def test_the_rendered_chart_follows(chart):
    out = subprocess.run([find_helm(), "template", "t", str(chart), "--kube-version", kubernetes_version(),
                          "--set", "postgresql.enabled=true"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    objects = load_yaml_all(out.stdout)
    pods = {o["metadata"]["name"]: o["spec"]["template"]["spec"] for o in objects
            if o["kind"] in ("Deployment", "StatefulSet")}
    assert len(pods) == 3, sorted(pods)
    for name, spec in pods.items():
        sc = spec["securityContext"]
        assert (sc["runAsUser"], sc["runAsGroup"], sc["fsGroup"]) == (12345, 12346, 12346), name
    ports = {name.rsplit("-", 1)[1]: next(p["containerPort"] for p in spec["containers"][0]["ports"])
             for name, spec in pods.items()}
    assert ports["backend"] == 8100 and ports["frontend"] == 3100
    services = {o["metadata"]["name"].rsplit("-", 1)[1]: o["spec"]["ports"][0]["port"]
                for o in objects if o["kind"] == "Service" and o["metadata"]["name"].endswith(("backend", "frontend"))}
    assert services == {"backend": 8100, "frontend": 3100}, "the Services' ports default to the containers'"


def test_the_plan_follows(chart):
    flags = plan.Flags()
    assert (flags.backend_port, flags.frontend_port) == (8100, 3100), "local ports default to the services' own"
    args = plan.builds(plan.Flags(db="postgres"), plan.ImageSettings(base_args={}))["args"]
    for service in ("backend", "frontend", "postgresql"):
        assert args[service]["APP_UID"] == "12345", service
        assert args[service]["APP_GID"] == "12346", service
    assert args["backend"]["PORT"] == "8100" and args["frontend"]["PORT"] == "3100"
    forwards = {s: (p["local"], p["container"]) for s, p in plan.ports(plan.Flags(backend_port=18000)).items()}
    assert forwards == {"backend": (18000, 8100), "frontend": (3100, 3100)}


@pytest.mark.parametrize("dockerfile", ["backend", "frontend", "postgres"])
def test_each_dockerfile_takes_the_ids_and_port_as_build_args(dockerfile):
    text = (project.REPO / "docker" / f"{dockerfile}.Dockerfile").read_text()
    stages = re.split(r"(?m)^FROM ", text)
    env_so_far = ""
    for stage in stages[1:]:  # a stage using an arg declares it (build args are per stage) or inherits it as ENV
        for arg in ("APP_UID", "APP_GID", "PORT"):
            if f"${{{arg}}}" in stage and not re.search(rf"\b{arg}=\$\{{{arg}\}}", env_so_far):
                assert re.search(rf"(?m)^ARG {arg}\b", stage), f"{dockerfile}: stage {stage.split()[2]} uses {arg}"
        env_so_far += stage
    users = re.findall(r"(?m)^USER (.+)$", text)
    assert users and all(u == "${APP_UID}:${APP_GID}" for u in users), users
    literal = [line for line in text.splitlines()
               if re.search(r"\b(10001|8000|3000)\b", line) and not line.startswith("ARG ")]
    assert literal == [], f"{dockerfile}: ids/ports written outside their ARG defaults: {literal}"
