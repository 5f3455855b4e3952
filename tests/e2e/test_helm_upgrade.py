"""Production defaults lose nothing (issue 17), on the local cluster with real helm and kubectl:

- `helm install` with values.yaml (SQLite on the default claim), tasks created through the API,
  `helm upgrade` to a new image tag (the backend pod is replaced), then the backend pod deleted:
  every task is still there.
- A release made by the chart before the headless Service, with in-cluster PostgreSQL and data,
  upgraded to this chart through the loop's own pre-deploy step (scripts/tilt/postgres_upgrade.py,
  the chart README's `--cascade=orphan` step): the data is found, on the same claim.
"""
import io
import secrets
import subprocess
import tarfile

import pytest
import yaml

from helm_release_helpers import (REGISTRY, Release, create_tasks, log_in, push_postgres_image,
                                  push_runtime_image, retag, run, sign_up, task_titles)
from scripts.tilt import postgres_upgrade
from scripts.tilt.secrets import postgres_url
from tests.support.tilt_session import REPO, tool_env

RELEASE = "todo-app"  # object names todo-app-backend, ... (the namespace is unique)
TITLES = ["upgrade: keep me", "upgrade: and me", "upgrade: me too"]
# The last chart whose PostgreSQL StatefulSet names the ClusterIP Service in spec.serviceName (the
# parent of this change on main); the test checks that it really does.
OLD_CHART_COMMIT = "9e0bb46c7abc4ee5b79c1b0337028a8589ae90de"


def kubectl_on_path(cmd, **kwargs):
    """subprocess.run with the project's tools first on PATH, as the Tiltfile runs the helper."""
    return subprocess.run(cmd, env=tool_env(), **kwargs)


def image_sets(backend_tag: str) -> list[str]:
    return [f"backend.image.repository={REGISTRY}/todo-backend", f"backend.image.tag={backend_tag}",
            "frontend.replicaCount=0"]  # only the backend holds data; no frontend build needed


@pytest.fixture(scope="module")
def backend_tag():
    tag = push_runtime_image("backend")
    yield tag
    # Only the tags this module made (the layers stay shared with todo-backend:runtime).
    run("docker", "rmi", f"{REGISTRY}/todo-backend:{tag}", f"{REGISTRY}/todo-backend:{tag}-b", check=False)


def test_prod_values_keep_every_task_through_an_upgrade_and_a_pod_deletion(kube_context, backend_tag):
    rel = Release(kube_context, "todo-upg", RELEASE)
    try:
        rel.create_namespace(f"JWT_SECRET={secrets.token_urlsafe(48)}\n")
        rel.helm("install", "helm/todo-app", *image_sets(backend_tag))
        claim_uid = rel.uid("pvc", f"{RELEASE}-backend-data")
        with rel.backend_api() as api:
            creds, auth = sign_up(api)
            create_tasks(api, auth, TITLES)
            assert task_titles(api, auth) == sorted(TITLES)
        before = rel.pods("backend")

        rel.helm("upgrade", "helm/todo-app", *image_sets(retag("backend", backend_tag)))
        after_upgrade = rel.pods("backend")
        assert after_upgrade and not set(after_upgrade) & set(before), "the upgrade must replace the pod"
        with rel.backend_api() as api:
            assert task_titles(api, log_in(api, creds)) == sorted(TITLES), "tasks lost by helm upgrade"

        rel.kubectl("delete", "pod", *after_upgrade, "--wait=true", timeout=180)
        rel.kubectl("rollout", "status", f"deployment/{RELEASE}-backend", "--timeout=240s", timeout=260)
        assert not set(rel.pods("backend")) & set(after_upgrade)
        with rel.backend_api() as api:
            assert task_titles(api, log_in(api, creds)) == sorted(TITLES), "tasks lost with the pod"
        assert rel.uid("pvc", f"{RELEASE}-backend-data") == claim_uid, "the same claim all along"
    finally:
        rel.delete()


def old_chart(tmp_path):
    """helm/todo-app as it was at OLD_CHART_COMMIT, unpacked into tmp_path."""
    archive = subprocess.run(["git", "archive", OLD_CHART_COMMIT, "helm/todo-app"], cwd=REPO,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    chart = tmp_path / "helm" / "todo-app"
    sts = (chart / "templates" / "postgresql-statefulset.yaml").read_text()
    assert "serviceName: {{ $name }}\n" in sts, "OLD_CHART_COMMIT no longer names the ClusterIP Service"
    return chart


def test_an_old_charts_postgres_release_upgrades_with_its_data(kube_context, backend_tag, tmp_path, request):
    rel = Release(kube_context, "todo-upg", RELEASE)
    password = secrets.token_urlsafe(24)
    try:
        rel.create_namespace(f"JWT_SECRET={secrets.token_urlsafe(48)}\nPOSTGRES_PASSWORD={password}\n"
                             f"DATABASE_URL={postgres_url(password, RELEASE)}\n")
        pg_tag = push_postgres_image()
        request.addfinalizer(lambda: run("docker", "rmi", f"{REGISTRY}/todo-postgres:{pg_tag}", check=False))
        sets = [*image_sets(backend_tag), "postgresql.enabled=true",
                f"postgresql.image.repository={REGISTRY}/todo-postgres", f"postgresql.image.tag={pg_tag}"]
        rel.helm("install", str(old_chart(tmp_path)), *sets)
        claim = f"data-{RELEASE}-postgresql-0"
        claim_uid = rel.uid("pvc", claim)
        with rel.backend_api() as api:
            creds, auth = sign_up(api)
            create_tasks(api, auth, TITLES)

        sts = yaml.safe_load(rel.kubectl("get", "statefulset", f"{RELEASE}-postgresql", "-o", "yaml").stdout)
        assert sts["spec"]["serviceName"] == f"{RELEASE}-postgresql"
        # Without the step the upgrade is refused: serviceName is immutable.
        refused = rel.helm_may_fail("upgrade", "helm/todo-app", *sets)
        assert refused.returncode != 0, "the old StatefulSet took the new serviceName: the step is not needed"
        assert "Forbidden: updates to statefulset spec" in refused.stderr, refused.stderr
        # The loop's pre-deploy step (what `secret-apply --db=postgres` runs) orphans it first.
        said = postgres_upgrade.migrate(rel.ns, RELEASE, kube_context, run=kubectl_on_path)
        assert "--cascade=orphan" in said and rel.pods("postgresql"), said  # the pod kept running

        rel.helm("upgrade", "helm/todo-app", *sets)
        rel.kubectl("rollout", "status", f"statefulset/{RELEASE}-postgresql", "--timeout=240s", timeout=260)
        sts = yaml.safe_load(rel.kubectl("get", "statefulset", f"{RELEASE}-postgresql", "-o", "yaml").stdout)
        assert sts["spec"]["serviceName"] == f"{RELEASE}-postgresql-headless"
        assert rel.uid("pvc", claim) == claim_uid, "the database's claim must be the same one"
        with rel.backend_api() as api:
            assert task_titles(api, log_in(api, creds)) == sorted(TITLES), "tasks lost in the upgrade"
        # Run again, the step finds nothing to do.
        assert "nothing to do" in postgres_upgrade.migrate(rel.ns, RELEASE, kube_context, run=kubectl_on_path)
    finally:
        rel.delete()
