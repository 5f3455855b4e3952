"""Every rendered object is a valid Kubernetes object for the pinned version (offline, strict:
unknown fields are errors, as `kubectl apply --validate=strict` would report them)."""

import warnings

import kubernetes_validate
import pytest
from kubernetes_validate.utils import all_versions, major_minor

from chart_helpers import VALUES_SETS, kubernetes_version


def schema_version() -> str:
    """The pinned minor if kubernetes-validate ships its schemas, else its newest (with a warning)."""
    wanted = major_minor(kubernetes_version())
    shipped = [major_minor(v) for v in all_versions()]
    if wanted in shipped:
        return wanted
    newest = shipped[-1]
    warnings.warn(f"kubernetes-validate has no {wanted} schemas; validating against {newest}")
    return newest


def test_schemas_for_the_pinned_minor_are_shipped():
    assert schema_version() == major_minor(kubernetes_version())


@pytest.mark.parametrize("values_set", sorted(VALUES_SETS))
def test_every_rendered_object_validates_strictly(rendered, values_set):
    version = schema_version()
    failures = []
    for obj in rendered[values_set]:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = "/".join(str(p) for p in error.path)
            failures.append(f"{obj['kind']}/{obj['metadata']['name']} at {path}: {error.message}")
    assert not failures, f"{values_set} against Kubernetes {version}:\n" + "\n".join(failures)


def test_all_opt_in_objects_are_rendered(rendered):
    kinds = {obj["kind"] for obj in rendered["optins"]}
    assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress"} <= kinds
    # The data claim is a default (SQLite's), so the prod render validates it.
    assert "PersistentVolumeClaim" in {obj["kind"] for obj in rendered["prod"]}


def test_opt_in_objects_are_off_by_default(rendered):
    kinds = {obj["kind"] for obj in rendered["prod"]}
    assert not kinds & {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress"}
