"""Production defaults that lose nothing (issue 17): SQLite data on a kept claim unless explicitly
opted out, bounded node disk (ephemeral-storage and emptyDir caps), PDBs that never block drains
on unready pods, replicas spread over nodes, and a headless governing Service for PostgreSQL."""

import pytest

from chart_helpers import RELEASE, VALUES_SETS, all_containers, by_kind, one, pod_specs
from test_chart_parity import declared_relaxations
from test_chart_workloads import quantity

SETS = sorted(VALUES_SETS)
BACKEND, FRONTEND, PG = f"{RELEASE}-backend", f"{RELEASE}-frontend", f"{RELEASE}-postgresql"
CLAIM = f"{BACKEND}-data"


def pod_spec(objects, kind, name):
    return one(objects, kind, name)["spec"]["template"]["spec"]


def data_volume(objects):
    spec = pod_spec(objects, "Deployment", BACKEND)
    mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == "/data")
    return next(v for v in spec["volumes"] if v["name"] == mount["name"])


# ---- SQLite data on a kept claim -----------------------------------------------------------------

def test_prod_keeps_sqlite_data_on_a_claim_that_outlives_the_release(rendered):
    objects = rendered["prod"]
    assert data_volume(objects)["persistentVolumeClaim"]["claimName"] == CLAIM
    claim = one(objects, "PersistentVolumeClaim", CLAIM)
    # helm uninstall and tilt down both leave it: a reinstall finds the same data.
    assert claim["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep",
                                                "tilt.dev/down-policy": "keep"}
    assert "storageClassName" not in claim["spec"], "the cluster's default StorageClass"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    # One SQLite writer on a ReadWriteOnce volume: the old pod stops before the new one starts.
    assert one(objects, "Deployment", BACKEND)["spec"]["strategy"] == {"type": "Recreate"}


def test_the_claims_storage_class_comes_from_values(helm):
    objects = helm.render(sets=["backend.persistence.storageClassName=fast-ssd"])
    assert one(objects, "PersistentVolumeClaim", CLAIM)["spec"]["storageClassName"] == "fast-ssd"


def test_an_existing_claim_is_used_instead_of_creating_one(helm):
    objects = helm.render(sets=["backend.persistence.existingClaim=todo-data-restored"])
    assert data_volume(objects)["persistentVolumeClaim"]["claimName"] == "todo-data-restored"
    assert not by_kind(objects, "PersistentVolumeClaim")


def test_prod_notes_do_not_warn_about_ephemeral_data(helm):
    assert "EPHEMERAL" not in helm.notes()


def test_an_empty_dir_only_by_explicit_opt_out_and_the_notes_say_data_is_ephemeral(helm):
    sets = ["backend.persistence.enabled=false"]
    objects = helm.render(sets=sets)
    volume = data_volume(objects)
    assert "emptyDir" in volume and not by_kind(objects, "PersistentVolumeClaim")
    assert "Recreate" not in str(one(objects, "Deployment", BACKEND)["spec"].get("strategy"))
    notes = helm.notes(sets=sets)
    assert "data is EPHEMERAL" in notes and "backend.persistence.enabled=true" in notes, notes


@pytest.mark.parametrize("values_set", ["optins", "postgres"])
def test_a_shared_database_needs_no_claim_so_replicas_scale(rendered, values_set):
    # DATA_DIR only holds the SQLite file; with a shared database there is nothing to keep there.
    objects = rendered[values_set]
    assert not by_kind(objects, "PersistentVolumeClaim")
    assert "emptyDir" in data_volume(objects)
    assert "strategy" not in one(objects, "Deployment", BACKEND)["spec"]  # rolling update


# ---- node disk -----------------------------------------------------------------------------------

@pytest.mark.parametrize("values_set", SETS)
def test_every_container_requests_and_limits_ephemeral_storage(rendered, values_set):
    for obj, spec in pod_specs(rendered[values_set]):
        for _, container in all_containers(spec):
            resources = container["resources"]
            request = resources["requests"].get("ephemeral-storage")
            limit = resources["limits"].get("ephemeral-storage")
            where = f"{obj['metadata']['name']}/{container['name']}"
            assert request and limit, f"{where}: no ephemeral-storage request/limit"
            assert quantity(request) <= quantity(limit), where


@pytest.mark.parametrize("values_set", SETS)
def test_every_empty_dir_is_capped_within_the_pods_ephemeral_limit(rendered, values_set):
    for obj, spec in pod_specs(rendered[values_set]):
        pod_limit = sum(quantity(c["resources"]["limits"]["ephemeral-storage"]) for _, c in all_containers(spec))
        for volume in spec.get("volumes") or []:
            if "emptyDir" in volume:
                cap = volume["emptyDir"].get("sizeLimit")
                assert cap, f"{obj['metadata']['name']}: emptyDir {volume['name']} has no sizeLimit"
                # A cap above the pod's limit would never apply: the limit evicts first.
                assert quantity(cap) <= pod_limit, obj["metadata"]["name"]


def test_dev_frontend_gets_more_disk_for_next_dev_and_says_so(rendered):
    prod = pod_spec(rendered["prod"], "Deployment", FRONTEND)
    dev = pod_spec(rendered["dev"], "Deployment", FRONTEND)

    def limit(spec):
        return quantity(spec["containers"][0]["resources"]["limits"]["ephemeral-storage"])

    def cap(spec):
        return quantity(next(v for v in spec["volumes"] if v["name"] == "empty-dir")["emptyDir"]["sizeLimit"])

    assert limit(dev) > limit(prod) and cap(dev) > cap(prod)
    # Both are dev relaxations (the parity test checks the list against every difference).
    paths = {r["path"] for r in declared_relaxations()}
    assert {"frontend.resources.limits.ephemeral-storage", "frontend.emptyDirSizeLimit"} <= paths


def test_a_bad_disk_quantity_is_refused(helm):
    result = helm.template(sets=["backend.emptyDirSizeLimit=lots"])
    assert result.returncode != 0 and "emptyDirSizeLimit" in result.stderr


# ---- disruption budgets --------------------------------------------------------------------------

@pytest.mark.parametrize("values_set", ["optins", "postgres"])
def test_pdbs_let_unready_pods_be_evicted(rendered, values_set):
    # During a database outage every backend pod is not ready by design; the budget must not then
    # block node drains (IfHealthyBudget would).
    budgets = by_kind(rendered[values_set], "PodDisruptionBudget")
    assert budgets
    for pdb in budgets:
        assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow", pdb["metadata"]["name"]


def test_the_eviction_policy_is_a_checked_value(helm):
    objects = helm.render(sets=["frontend.podDisruptionBudget.enabled=true",
                                "frontend.podDisruptionBudget.unhealthyPodEvictionPolicy=IfHealthyBudget"])
    assert one(objects, "PodDisruptionBudget", FRONTEND)["spec"]["unhealthyPodEvictionPolicy"] == "IfHealthyBudget"
    result = helm.template(sets=["frontend.podDisruptionBudget.unhealthyPodEvictionPolicy=Sometimes"])
    assert result.returncode != 0 and "unhealthyPodEvictionPolicy" in result.stderr


# ---- spreading replicas --------------------------------------------------------------------------

def test_a_single_pod_gets_no_spread_constraint(rendered):
    for name in (BACKEND, FRONTEND):
        assert "topologySpreadConstraints" not in pod_spec(rendered["prod"], "Deployment", name), name


@pytest.mark.parametrize("values_set, name", [("postgres", BACKEND),  # replicaCount 2
                                              ("optins", BACKEND), ("optins", FRONTEND)])  # HPA
def test_several_pods_are_softly_spread_over_nodes(rendered, values_set, name):
    deployment = one(rendered[values_set], "Deployment", name)
    (constraint,) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert constraint["topologyKey"] == "kubernetes.io/hostname"
    assert constraint["whenUnsatisfiable"] == "ScheduleAnyway", "a one-node cluster must still schedule"
    assert constraint["maxSkew"] == 1
    # It counts exactly this component's pods.
    assert constraint["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert constraint["matchLabelKeys"] == ["pod-template-hash"]


def test_frontend_replicas_are_spread_too(helm):
    spec = pod_spec(helm.render(sets=["frontend.replicaCount=3"]), "Deployment", FRONTEND)
    assert spec["topologySpreadConstraints"][0]["whenUnsatisfiable"] == "ScheduleAnyway"


def test_own_spread_constraints_replace_the_default(helm):
    objects = helm.render(sets=[
        "frontend.replicaCount=2",
        "frontend.topologySpreadConstraints[0].maxSkew=1",
        "frontend.topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone",
        "frontend.topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule",
        "frontend.topologySpreadConstraints[0].labelSelector.matchLabels.app\\.kubernetes\\.io/component=frontend",
    ])
    (constraint,) = pod_spec(objects, "Deployment", FRONTEND)["topologySpreadConstraints"]
    assert (constraint["topologyKey"], constraint["whenUnsatisfiable"]) == ("topology.kubernetes.io/zone",
                                                                         "DoNotSchedule")


# ---- PostgreSQL's governing Service --------------------------------------------------------------

def test_the_statefulset_is_governed_by_a_headless_service_selecting_its_pod(rendered):
    objects = rendered["postgres"]
    sts = one(objects, "StatefulSet", PG)
    governing = one(objects, "Service", sts["spec"]["serviceName"])
    assert governing["spec"]["clusterIP"] == "None"
    assert governing["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
    # Clients keep the ClusterIP Service the backend's DATABASE_URL names.
    assert one(objects, "Service", PG)["spec"].get("clusterIP") != "None"
