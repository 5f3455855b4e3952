"""Dev/prod parity: values-dev.yaml may differ from values.yaml in probes, security contexts,
resources and the production-decided settings below only where its `devRelaxations` list says so (with a reason), and every listed
relaxation must be a real difference. Compared on the rendered Deployments, so a template change
that makes dev drift is caught too."""

import pytest
import yaml

from chart_helpers import CHART, RELEASE
from scripts.tilt import plan

COMPONENTS = ("backend", "frontend")
# Rendered field -> values key, per component.
CONTAINER_FIELDS = {
    "securityContext": "containerSecurityContext",
    "resources": "resources",
    "readinessProbe": "probes.readiness",
    "livenessProbe": "probes.liveness",
    "startupProbe": "probes.startup",
}
PROBE_KEYS = {"probes.readiness", "probes.liveness", "probes.startup"}
# ConfigMap keys that carry a production decision (JSON logs, from the seed research) -> values
# key, per component. APP_ENV, LOG_LEVEL and UVICORN_RELOAD are what makes the loop a dev loop.
GUARDED_CONFIG = {"backend": {"LOG_FORMAT": "config.logFormat"}}


def flatten(value, prefix=""):
    if isinstance(value, dict):
        items = {}
        for key, child in value.items():
            items.update(flatten(child, f"{prefix}.{key}" if prefix else key))
        return items
    return {prefix: value}


def guarded_settings(objects, component) -> dict:
    """Values-key-path -> rendered value for everything parity covers, for one component."""
    deployment = next(o for o in objects if o["kind"] == "Deployment"
                      and o["metadata"]["name"] == f"{RELEASE}-{component}")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    settings = {f"{component}.podSecurityContext.{k}": v
                for k, v in flatten(pod.get("securityContext") or {}).items()}
    # The shared emptyDir's cap is disk the pod may fill, like resources.
    settings[f"{component}.emptyDirSizeLimit"] = next(
        v["emptyDir"].get("sizeLimit") for v in pod["volumes"] if v["name"] == "empty-dir")
    for field, values_key in CONTAINER_FIELDS.items():
        if values_key in PROBE_KEYS:
            # A probe is one setting: any change in it is a change to `<component>.probes.<kind>`.
            settings[f"{component}.{values_key}"] = container.get(field)
        else:
            for key, value in flatten(container.get(field) or {}).items():
                settings[f"{component}.{values_key}.{key}"] = value
    config_map = next((o for o in objects if o["kind"] == "ConfigMap"
                       and o["metadata"]["name"] == f"{RELEASE}-{component}"), {})
    for env_key, values_key in GUARDED_CONFIG.get(component, {}).items():
        settings[f"{component}.{values_key}"] = (config_map.get("data") or {}).get(env_key)
    return settings


def differences(prod, dev) -> set[str]:
    found = set()
    for component in COMPONENTS:
        before, after = guarded_settings(prod, component), guarded_settings(dev, component)
        found |= {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    return found


def declared_relaxations(when: str | None = None) -> list[dict]:
    """The plain dev loop's relaxations, or with `when="debug"` those of debug mode as well."""
    every = yaml.safe_load((CHART / "values-dev.yaml").read_text())["devRelaxations"]
    return [r for r in every if r.get("when") in (None, when)]


@pytest.fixture(scope="module")
def debug_rendered(helm):
    """values-dev.yaml plus what the plan adds for `--debug=backend,frontend`."""
    return helm.render([CHART / "values-dev.yaml"], sets=plan.debug_sets(list(plan.SERVICES)))


def covered(difference: str, relaxation_paths) -> bool:
    return any(difference == path or difference.startswith(path + ".") for path in relaxation_paths)


def test_dev_differs_from_prod_only_where_a_relaxation_is_declared(rendered):
    paths = [r["path"] for r in declared_relaxations()]
    undeclared = sorted(d for d in differences(rendered["prod"], rendered["dev"]) if not covered(d, paths))
    assert not undeclared, (
        "values-dev.yaml loosens these without listing them under devRelaxations "
        f"(add `- path: <key>` with a reason, or revert): {undeclared}")


def test_every_declared_relaxation_is_a_real_difference(rendered):
    found = differences(rendered["prod"], rendered["dev"])
    stale = [r["path"] for r in declared_relaxations() if not any(covered(d, [r["path"]]) for d in found)]
    assert not stale, f"devRelaxations lists changes values-dev.yaml does not make: {stale}"


def test_debug_mode_differs_only_where_a_debug_relaxation_is_declared(rendered, debug_rendered):
    paths = [r["path"] for r in declared_relaxations("debug")]
    found = differences(rendered["prod"], debug_rendered)
    assert not sorted(d for d in found if not covered(d, paths)), "--debug loosens an undeclared setting"
    debug_only = [r["path"] for r in declared_relaxations("debug") if r.get("when") == "debug"]
    assert debug_only, "the debug-mode liveness relaxation is declared"
    assert all(any(covered(d, [p]) for d in found) for p in debug_only), "every debug relaxation is real"
    # ...and only in debug mode: the plain dev loop keeps the seed's liveness timings.
    plain = differences(rendered["prod"], rendered["dev"])
    assert not [p for p in debug_only if any(covered(d, [p]) for d in plain)]


def test_every_relaxation_has_a_reason_and_is_listed_once():
    relaxations = declared_relaxations()
    paths = [r["path"] for r in relaxations]
    assert len(paths) == len(set(paths)), "duplicate devRelaxations entries"
    for relaxation in relaxations:
        assert len(relaxation["reason"].split()) >= 8, f"{relaxation['path']}: say why, in a sentence"


def test_prod_declares_no_relaxations(rendered):
    assert yaml.safe_load((CHART / "values.yaml").read_text())["devRelaxations"] == []


@pytest.mark.parametrize("path", ["backend.containerSecurityContext.readOnlyRootFilesystem",
                                  "frontend.containerSecurityContext.readOnlyRootFilesystem"])
def test_live_update_relaxations_are_the_expected_ones(path):
    # Tilt syncs files into /app with tar: the dev containers need a writable app directory.
    assert path in [r["path"] for r in declared_relaxations()]


def test_the_dev_log_format_is_a_declared_relaxation(rendered):
    # Readable logs in dev are a choice values-dev.yaml must declare; prod keeps JSON.
    assert "backend.config.logFormat" in [r["path"] for r in declared_relaxations()]
    assert guarded_settings(rendered["prod"], "backend")["backend.config.logFormat"] == "json"
    assert guarded_settings(rendered["dev"], "backend")["backend.config.logFormat"] == "text"


def test_an_undeclared_dev_change_is_caught(helm, rendered):
    # The parity check itself works: loosening one more setting shows up as a difference.
    loosened = helm.render([CHART / "values-dev.yaml"], sets=["backend.probes.liveness.failureThreshold=10"])
    paths = [r["path"] for r in declared_relaxations()]
    undeclared = [d for d in differences(rendered["prod"], loosened) if not covered(d, paths)]
    assert undeclared == ["backend.probes.liveness"]
