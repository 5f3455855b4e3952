"""The optional in-cluster PostgreSQL (postgresql.enabled, Tilt's --db=postgres): off by default; on,
a restricted StatefulSet on a claim from the default StorageClass, its password only from the Secret,
and a backend that then requires DATABASE_URL and may run several replicas."""

from chart_helpers import RELEASE, by_kind, one
from scripts.project import APP_UID, SECRET_NAME

PG = f"{RELEASE}-postgresql"
BACKEND = f"{RELEASE}-backend"


def pg_container(objects):
    return one(objects, "StatefulSet", PG)["spec"]["template"]["spec"]["containers"][0]


def test_postgresql_is_off_by_default(rendered):
    for values_set in ("prod", "dev", "optins"):
        names = {o["metadata"]["name"] for o in rendered[values_set]}
        assert PG not in names, values_set


def test_enabled_renders_a_statefulset_with_a_default_class_claim_and_a_service(rendered):
    objects = rendered["postgres"]
    sts = one(objects, "StatefulSet", PG)
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert "storageClassName" not in claim["spec"]  # the cluster's default StorageClass
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    service = one(objects, "Service", PG)
    assert service["spec"]["ports"][0]["port"] == 5432
    assert service["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]


def test_postgresql_pod_is_restricted_with_writable_empty_dirs_only_where_postgres_writes(rendered):
    spec = one(rendered["postgres"], "StatefulSet", PG)["spec"]["template"]["spec"]
    container = spec["containers"][0]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["capabilities"]["drop"] == ["ALL"]
    assert spec["securityContext"]["runAsUser"] == APP_UID and spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/var/run/postgresql"]]
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert mounts["/var/lib/postgresql/data"] == "data"  # the claim


def test_password_comes_from_the_secret_never_from_values(rendered):
    env = {e["name"]: e for e in pg_container(rendered["postgres"])["env"]}
    ref = env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": SECRET_NAME, "key": "POSTGRES_PASSWORD"}
    assert "value" not in env["POSTGRES_PASSWORD"]


def test_backend_requires_database_url_and_may_scale(rendered):
    objects = rendered["postgres"]
    backend = one(objects, "Deployment", BACKEND)
    assert backend["spec"]["replicas"] == 2
    env = {e["name"]: e for e in backend["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["optional"] is False
    assert one(objects, "PodDisruptionBudget", BACKEND)


def test_postgresql_has_distinct_readiness_and_liveness_probes(rendered):
    container = pg_container(rendered["postgres"])
    assert container["readinessProbe"] != container["livenessProbe"]
    assert container["readinessProbe"]["exec"]["command"][0] == "pg_isready"


def test_network_policy_lets_only_the_backend_reach_postgresql(rendered):
    objects = rendered["postgres"]
    policy = one(objects, "NetworkPolicy", PG)
    (rule,) = policy["spec"]["ingress"]
    assert [p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in rule["from"]] == ["backend"]
    backend_egress = one(objects, "NetworkPolicy", BACKEND)["spec"]["egress"]
    assert any(p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component") == "postgresql"
               for rule in backend_egress for p in rule.get("to", []))


def test_external_and_in_cluster_database_together_are_refused(helm):
    result = helm.template(sets=["postgresql.enabled=true", "database.external=true"])
    assert result.returncode != 0
    assert "database.external and postgresql.enabled are both true" in result.stderr


def test_unknown_postgresql_keys_are_refused(helm):
    result = helm.template(sets=["postgresql.enabeld=true"])
    assert result.returncode != 0 and "enabeld" in result.stderr


def test_statefulsets_are_only_rendered_for_postgresql(rendered):
    assert [s["metadata"]["name"] for s in by_kind(rendered["postgres"], "StatefulSet")] == [PG]
