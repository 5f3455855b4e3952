"""Bad values fail `helm template` (so `helm install` and Tilt too) before anything reaches a
cluster, with a message naming the offending key. Schema errors name it as a JSON pointer
(/backend/replicaCount), the chart's own checks as a dotted path (backend.replicaCount)."""

import pytest

# (id, --set arguments, key the message must name, extra words it must contain)
CASES = [
    ("replicas-wrong-type", ["backend.replicaCount=two"], "backend.replicaCount", "integer"),
    ("replicas-negative", ["frontend.replicaCount=-1"], "frontend.replicaCount", "minimum"),
    ("unknown-key-typo", ["backend.replicas=2"], "backend", "replicas"),
    ("unknown-top-level-key", ["ingres.enabled=true"], "ingres", "not allowed"),
    ("probe-path-without-slash", ["backend.probes.readiness.path=ready"],
     "backend.probes.readiness.path", "pattern"),
    ("probe-timeout-zero", ["frontend.probes.liveness.timeoutSeconds=0"],
     "frontend.probes.liveness.timeoutSeconds", "minimum"),
    ("missing-image-tag", ["backend.image.tag="], "backend.image.tag", "digest"),
    ("latest-image-tag", ["frontend.image.tag=latest"], "frontend.image.tag", "latest"),
    ("bad-digest", ["backend.image.digest=sha256:nothex"], "backend.image.digest", "pattern"),
    ("bad-pull-policy", ["backend.image.pullPolicy=Sometimes"], "backend.image.pullPolicy", "IfNotPresent"),
    ("replicas-without-external-db", ["backend.replicaCount=2"], "backend.replicaCount", "database.external"),
    ("hpa-without-external-db", ["backend.autoscaling.enabled=true"],
     "backend.autoscaling.enabled", "database.external"),
    ("ingress-class-name-not-a-string", ["ingress.className=123"], "ingress.className", "string"),
    ("bad-memory-quantity", ["backend.resources.limits.memory=lots"], "backend.resources.limits.memory", "pattern"),
    ("missing-cpu-request", ["frontend.resources.requests.cpu=null"], "frontend.resources.requests", "cpu"),
    ("root-user", ["backend.podSecurityContext.runAsUser=0"], "backend.podSecurityContext.runAsUser", "minimum"),
    ("privilege-escalation", ["frontend.containerSecurityContext.allowPrivilegeEscalation=true"],
     "frontend.containerSecurityContext.allowPrivilegeEscalation", "false"),
    ("unconfined-seccomp", ["backend.podSecurityContext.seccompProfile.type=Unconfined"],
     "backend.podSecurityContext.seccompProfile.type", "RuntimeDefault"),
    ("extra-capability", ["backend.containerSecurityContext.capabilities.add={NET_ADMIN}"],
     "backend.containerSecurityContext.capabilities.add", "NET_BIND_SERVICE"),
    ("bad-service-type", ["frontend.service.type=External"], "frontend.service.type", "ClusterIP"),
    ("empty-secret-name", ["secrets.existingSecret="], "secrets.existingSecret", "minLength"),
    ("bad-app-env", ["backend.config.appEnv=staging"], "backend.config.appEnv", "production"),
    ("prestop-not-below-grace", ["backend.preStopSleepSeconds=30"], "backend.preStopSleepSeconds",
     "terminationGracePeriodSeconds"),
    ("hpa-max-below-min", ["frontend.autoscaling.enabled=true", "frontend.autoscaling.maxReplicas=1"],
     "frontend.autoscaling.maxReplicas", "minReplicas"),
    ("network-policy-without-db-cidrs", ["database.external=true", "networkPolicy.enabled=true"],
     "networkPolicy.databaseEgress.cidrs", "database"),
    ("tls-without-secret", ["ingress.enabled=true", "ingress.tls.enabled=true"], "ingress.tls.secretName", "tls"),
]


def names_key(stderr: str, key: str) -> bool:
    return key in stderr or "/" + key.replace(".", "/") in stderr


@pytest.mark.parametrize("sets, key, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_values_fail_with_a_message_naming_the_key(helm, sets, key, words):
    result = helm.template(sets=sets)
    assert result.returncode != 0, f"{sets} rendered, but should have been rejected"
    assert names_key(result.stderr, key), f"message does not name {key}:\n{result.stderr}"
    assert words in result.stderr, f"message does not mention {words!r}:\n{result.stderr}"


def test_several_problems_are_reported_at_once(helm):
    result = helm.template(sets=["backend.replicaCount=3", "frontend.image.tag=latest"])
    assert result.returncode != 0
    assert "backend.replicaCount" in result.stderr and "frontend.image.tag" in result.stderr


@pytest.mark.parametrize("sets", [
    ["database.external=true", "backend.replicaCount=3"],
    ["database.external=true", "backend.autoscaling.enabled=true"],
    ["backend.image.tag=", "backend.image.digest=sha256:" + "0" * 64],
    # The data claim is SQLite's: with a shared database the default persistence creates none, so
    # replicas never contend for one ReadWriteOnce volume.
    ["database.external=true", "backend.replicaCount=2", "backend.persistence.enabled=true"],
], ids=["replicas-with-external-db", "hpa-with-external-db", "digest-instead-of-tag",
        "replicas-with-external-db-and-persistence-default"])
def test_the_corresponding_valid_values_render(helm, sets):
    result = helm.template(sets=sets)
    assert result.returncode == 0, result.stderr
