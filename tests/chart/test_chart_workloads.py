"""Workload policy and wiring on the rendered chart: probes, resources, images, secrets, labels,
selectors, Services, Ingress, rollouts on config/Secret change, storage and shutdown."""

import re
from decimal import Decimal

import pytest

from chart_helpers import (CHART, RELEASE, VALUES_SETS, all_containers, by_kind, is_hook, one,
                           pod_specs, pod_templates)
from scripts.project import BACKEND_PORT, SECRET_NAME

SETS = sorted(VALUES_SETS)
BACKEND, FRONTEND = f"{RELEASE}-backend", f"{RELEASE}-frontend"
STANDARD_LABELS = {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                   "app.kubernetes.io/component", "app.kubernetes.io/part-of",
                   "app.kubernetes.io/managed-by", "helm.sh/chart"}
UNSTABLE_SELECTOR_LABELS = {"app.kubernetes.io/version", "helm.sh/chart"}
SECRET_ENV = {"JWT_SECRET", "DATABASE_URL", "COHERE_API_KEY"}

_UNITS = {"": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value) -> Decimal:
    number, unit = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(value)).groups()
    return Decimal(number) * _UNITS[unit]


def deployment_container(objects, name):
    return one(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


# ---- probes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("values_set", SETS)
def test_every_app_container_has_distinct_readiness_and_liveness_probes(rendered, values_set):
    for deployment in by_kind(rendered[values_set], "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert container.get("readinessProbe") and container.get("livenessProbe"), container["name"]
            assert container["readinessProbe"] != container["livenessProbe"], container["name"]


@pytest.mark.parametrize("name, readiness, liveness", [
    (BACKEND, "/ready", "/health"), (FRONTEND, "/api/ready", "/api/health")])
def test_prod_probes_use_the_seed_paths_and_timings(rendered, name, readiness, liveness):
    container = deployment_container(rendered["prod"], name)
    timings = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")
    ready, live = container["readinessProbe"], container["livenessProbe"]
    assert (ready["httpGet"]["path"], [ready[t] for t in timings]) == (readiness, [10, 5, 3, 3])
    assert (live["httpGet"]["path"], [live[t] for t in timings]) == (liveness, [30, 10, 5, 3])
    assert "startupProbe" not in container


def test_dev_adds_startup_probes_on_the_liveness_path(rendered):
    for name in (BACKEND, FRONTEND):
        container = deployment_container(rendered["dev"], name)
        assert container["startupProbe"]["httpGet"]["path"] == container["livenessProbe"]["httpGet"]["path"]


def test_probe_settings_are_overridable(helm):
    objects = helm.render(sets=["backend.probes.readiness.path=/ready/deep",
                                "backend.probes.liveness.periodSeconds=20"])
    container = deployment_container(objects, BACKEND)
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready/deep"
    assert container["livenessProbe"]["periodSeconds"] == 20


# ---- resources ---------------------------------------------------------------------------------

@pytest.mark.parametrize("values_set", SETS)
def test_every_container_has_cpu_and_memory_requests_within_limits(rendered, values_set):
    for obj, spec in pod_specs(rendered[values_set]):
        for _, container in all_containers(spec):
            resources = container.get("resources") or {}
            for resource in ("cpu", "memory"):
                request = resources.get("requests", {}).get(resource)
                limit = resources.get("limits", {}).get(resource)
                assert request and limit, f"{obj['metadata']['name']}/{container['name']} {resource}"
                assert quantity(request) <= quantity(limit), f"{container['name']} {resource}"


def test_prod_resources_are_the_seeds(rendered):
    # CPU and memory; ephemeral storage has its own test (test_chart_production_defaults.py).
    seed = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
    for name in (BACKEND, FRONTEND):
        resources = deployment_container(rendered["prod"], name)["resources"]
        cpu_memory = {kind: {r: q for r, q in quantities.items() if r in ("cpu", "memory")}
                      for kind, quantities in resources.items()}
        assert cpu_memory == seed, name


# ---- images ------------------------------------------------------------------------------------

@pytest.mark.parametrize("values_set", SETS)
def test_images_are_pinned_never_latest(rendered, values_set):
    for obj, spec in pod_specs(rendered[values_set]):
        for _, container in all_containers(spec):
            image = container["image"]
            name, _, digest = image.partition("@")
            tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
            assert tag or digest, f"{container['name']}: {image} has neither tag nor digest"
            assert tag != "latest", f"{container['name']}: {image}"
            assert container.get("imagePullPolicy") in {"Always", "IfNotPresent", "Never"}


def test_image_references_come_from_values(helm):
    # Tilt substitutes its builds by matching the repository; digests pin production images.
    digest = "sha256:" + "ab" * 32
    objects = helm.render(sets=["backend.image.repository=registry.local:5000/todo-backend",
                                "backend.image.tag=1.2.3", f"backend.image.digest={digest}",
                                "frontend.image.pullPolicy=Always"])
    assert deployment_container(objects, BACKEND)["image"] == f"registry.local:5000/todo-backend:1.2.3@{digest}"
    assert deployment_container(objects, FRONTEND)["imagePullPolicy"] == "Always"


# ---- secrets -----------------------------------------------------------------------------------

@pytest.mark.parametrize("values_set", SETS)
def test_no_secret_values_in_the_chart(rendered, values_set):
    objects = rendered[values_set]
    assert not by_kind(objects, "Secret"), "the chart must never template a Secret"
    for obj, spec in pod_specs(objects):
        for _, container in all_containers(spec):
            for env in container.get("env") or []:
                sensitive = env["name"] in SECRET_ENV or re.search(r"SECRET|PASSWORD|TOKEN|API_KEY", env["name"])
                if sensitive:
                    assert "value" not in env, f"{env['name']} has a literal value"
                    assert "secretKeyRef" in env["valueFrom"], env["name"]
    for config_map in by_kind(objects, "ConfigMap"):
        assert not set(config_map["data"]) & SECRET_ENV, config_map["metadata"]["name"]


def secret_refs(objects):
    env = deployment_container(objects, BACKEND)["env"]
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env if "valueFrom" in e}


def test_backend_reads_its_secrets_from_the_existing_secret(rendered):
    refs = secret_refs(rendered["prod"])
    assert set(refs) == SECRET_ENV
    assert {ref["name"] for ref in refs.values()} == {SECRET_NAME}
    assert {name: ref["key"] for name, ref in refs.items()} == {n: n for n in SECRET_ENV}
    assert refs["JWT_SECRET"].get("optional", False) is False, "no JWT secret: the pod must not start"
    assert refs["COHERE_API_KEY"]["optional"] is True, "chat is optional"
    assert refs["DATABASE_URL"]["optional"] is True, "SQLite is the default"


def test_declaring_an_external_database_makes_database_url_required(rendered):
    assert secret_refs(rendered["optins"])["DATABASE_URL"]["optional"] is False


def test_secret_name_comes_from_values(helm):
    refs = secret_refs(helm.render(sets=["secrets.existingSecret=prod-todo-secrets"]))
    assert {ref["name"] for ref in refs.values()} == {"prod-todo-secrets"}


# ---- configuration and rollouts ----------------------------------------------------------------

def test_backend_config_comes_from_the_configmap(rendered):
    container = deployment_container(rendered["prod"], BACKEND)
    config_map = one(rendered["prod"], "ConfigMap", BACKEND)
    assert {"configMapRef": {"name": BACKEND}} in container["envFrom"]
    assert config_map["data"] == {"PORT": str(BACKEND_PORT), "APP_ENV": "production", "LOG_LEVEL": "info", "LOG_FORMAT": "json",
                                  "CORS_ORIGINS": "", "DATA_DIR": "/data", "MIGRATE_ON_START": "true",
                                  "UVICORN_RELOAD": "false"}


def test_dev_config_enables_reload_and_debug_logging(rendered):
    data = one(rendered["dev"], "ConfigMap", BACKEND)["data"]
    assert (data["APP_ENV"], data["LOG_LEVEL"], data["UVICORN_RELOAD"]) == ("development", "debug", "true")
    assert data["LOG_FORMAT"] == "text"  # readable lines in Tilt's pane


def pod_annotations(objects, name):
    return one(objects, "Deployment", name)["spec"]["template"]["metadata"].get("annotations") or {}


def test_config_change_rolls_the_backend(helm, rendered):
    before = pod_annotations(rendered["prod"], BACKEND)["checksum/config"]
    after = pod_annotations(helm.render(sets=["backend.config.logLevel=warning"]), BACKEND)["checksum/config"]
    assert before != after


def test_secret_checksum_rolls_the_backend(helm, rendered):
    assert "checksum/secret" not in pod_annotations(rendered["prod"], BACKEND)
    objects = helm.render(sets=["secrets.checksum=0123abcd"])
    assert pod_annotations(objects, BACKEND)["checksum/secret"] == "0123abcd"


def test_frontend_proxies_to_the_backend_service(rendered):
    for values_set in SETS:
        objects = rendered[values_set]
        env = {e["name"]: e.get("value") for e in deployment_container(objects, FRONTEND)["env"]}
        port = one(objects, "Service", BACKEND)["spec"]["ports"][0]["port"]
        assert env["BACKEND_URL"] == f"http://{BACKEND}:{port}"


# ---- storage -----------------------------------------------------------------------------------

def volume_for(objects, name, mount_path):
    spec = one(objects, "Deployment", name)["spec"]["template"]["spec"]
    mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == mount_path)
    return next(v for v in spec["volumes"] if v["name"] == mount["name"])


def test_dev_data_survives_rebuilds_and_tilt_down(rendered):
    claim_name = volume_for(rendered["dev"], BACKEND, "/data")["persistentVolumeClaim"]["claimName"]
    claim = one(rendered["dev"], "PersistentVolumeClaim", claim_name)
    assert claim["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep",
                                                "tilt.dev/down-policy": "keep"}
    # One SQLite writer on a ReadWriteOnce volume: old pod stops before the new one starts.
    assert one(rendered["dev"], "Deployment", BACKEND)["spec"]["strategy"] == {"type": "Recreate"}


# ---- shutdown ----------------------------------------------------------------------------------

@pytest.mark.parametrize("values_set", SETS)
def test_pods_drain_before_sigterm(rendered, values_set):
    for deployment in by_kind(rendered[values_set], "Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        sleep = spec["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert 0 < sleep < spec["terminationGracePeriodSeconds"], deployment["metadata"]["name"]


# ---- labels and selectors ----------------------------------------------------------------------

@pytest.mark.parametrize("values_set", SETS)
def test_every_object_and_pod_carries_the_standard_labels(rendered, values_set):
    for obj in rendered[values_set]:
        missing = STANDARD_LABELS - set(obj["metadata"].get("labels") or {})
        assert not missing, f"{obj['kind']}/{obj['metadata']['name']} lacks {missing}"
    for obj, metadata in pod_templates(rendered[values_set]):
        assert not STANDARD_LABELS - set(metadata.get("labels") or {}), obj["metadata"]["name"]


def selectors(objects):
    for obj in objects:
        spec = obj.get("spec") or {}
        if obj["kind"] == "Service":
            yield obj, spec.get("selector") or {}
        elif obj["kind"] in {"Deployment", "PodDisruptionBudget"}:
            yield obj, spec["selector"]["matchLabels"]
        elif obj["kind"] == "NetworkPolicy":
            yield obj, spec["podSelector"]["matchLabels"]


@pytest.mark.parametrize("values_set", SETS)
def test_selectors_never_include_version_or_chart(rendered, values_set):
    for obj, selector in selectors(rendered[values_set]):
        assert selector, f"{obj['kind']}/{obj['metadata']['name']} selects everything"
        assert not set(selector) & UNSTABLE_SELECTOR_LABELS, obj["metadata"]["name"]
        assert "app.kubernetes.io/component" in selector, obj["metadata"]["name"]


@pytest.mark.parametrize("values_set", SETS)
def test_every_service_selects_a_pod_with_its_target_port(rendered, values_set):
    objects = rendered[values_set]
    app_pods = [(meta["labels"], spec) for (obj, meta), (_, spec)
                in zip(pod_templates(objects), pod_specs(objects)) if not is_hook(obj)]
    for service in by_kind(objects, "Service"):
        selector = service["spec"]["selector"]
        matching = [spec for labels, spec in app_pods if selector.items() <= labels.items()]
        assert len(matching) == 1, f"Service {service['metadata']['name']} selects {len(matching)} pod templates"
        port_names = {p["name"] for c in matching[0]["containers"] for p in c.get("ports") or []}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names, service["metadata"]["name"]


def test_deployment_selectors_match_their_own_pods(rendered):
    for values_set in SETS:
        for deployment in by_kind(rendered[values_set], "Deployment"):
            selector = deployment["spec"]["selector"]["matchLabels"]
            labels = deployment["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= labels.items()


def test_ingress_routes_to_a_chart_service_port(rendered):
    objects = rendered["optins"]
    services = {s["metadata"]["name"]: s for s in by_kind(objects, "Service")}
    ingress = one(objects, "Ingress", RELEASE)
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["todo.example.com"], "secretName": "todo-example-com-tls"}]
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            target = path["backend"]["service"]
            assert target["name"] == FRONTEND, "only the frontend is exposed"
            port_names = {p["name"] for p in services[target["name"]]["spec"]["ports"]}
            assert target["port"]["name"] in port_names


# ---- scaling and production objects ------------------------------------------------------------

def test_autoscaled_deployments_leave_replicas_to_the_hpa(rendered):
    objects = rendered["optins"]
    for hpa in by_kind(objects, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert "replicas" not in one(objects, target["kind"], target["name"])["spec"]
    assert {h["spec"]["scaleTargetRef"]["name"] for h in by_kind(objects, "HorizontalPodAutoscaler")} == {
        BACKEND, FRONTEND}


def test_network_policies_allow_frontend_to_backend_to_database_and_dns_only(rendered):
    objects = rendered["optins"]
    backend = one(objects, "NetworkPolicy", BACKEND)["spec"]
    frontend = one(objects, "NetworkPolicy", FRONTEND)["spec"]
    for policy in (backend, frontend):
        assert policy["policyTypes"] == ["Ingress", "Egress"]
        dns_ports = {(p["port"], p["protocol"]) for rule in policy["egress"] for p in rule.get("ports", [])
                     if p["port"] == 53}
        assert dns_ports == {(53, "UDP"), (53, "TCP")}
    callers = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
               for rule in backend["ingress"] for peer in rule["from"]]
    assert sorted(callers) == ["frontend", "test"]
    frontend_targets = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                        for rule in frontend["egress"] for peer in rule["to"] if "podSelector" in peer
                        and "namespaceSelector" not in peer]
    assert frontend_targets == ["backend"]
    database = [rule for rule in backend["egress"] if {"port": 5432, "protocol": "TCP"} in rule["ports"]]
    assert database and database[0]["to"] == [{"ipBlock": {"cidr": "10.20.0.0/24"}}]


def test_helm_test_pod_checks_backend_health_and_readiness_through_the_service(rendered):
    pods = [o for o in by_kind(rendered["prod"], "Pod") if is_hook(o)]
    assert len(pods) == 1
    pod = pods[0]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["metadata"]["name"].endswith("-test")
    container = pod["spec"]["containers"][0]
    assert container["image"] == deployment_container(rendered["prod"], BACKEND)["image"]
    assert container["command"][:2] == ["python", "-c"] and "urllib.request" in container["command"][2]
    urls = next(e["value"] for e in container["env"] if e["name"] == "CHECK_URLS").split()
    assert f"http://{BACKEND}:{BACKEND_PORT}/health" in urls and f"http://{BACKEND}:{BACKEND_PORT}/ready" in urls
    assert pod["spec"]["restartPolicy"] == "Never"


def test_chart_dir_has_one_template_per_object_and_no_secret_template(helm):
    templates = sorted(p.name for p in (CHART / "templates").glob("*.yaml"))
    assert "secret.yaml" not in templates and not any("secret" in t for t in templates)
    # Counted on the rendered output (shared named templates put the text of one object into
    # several files): every template file yields exactly one object in some values set, and
    # never more than one.
    produced = set()
    for name, files in VALUES_SETS.items():
        result = helm.template(files)
        assert result.returncode == 0, result.stderr
        sources = re.findall(r"^# Source: [^/]+/templates/([^/\n]+)$", result.stdout, re.MULTILINE)
        for template in set(sources):
            assert sources.count(template) == 1, f"{template} renders {sources.count(template)} objects ({name})"
        produced |= set(sources)
    assert set(templates) - produced == set(), "templates that never render an object"
