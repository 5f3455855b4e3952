"""Ports and the PostgreSQL security context have one owner, values.yaml: set one elsewhere and
every consumer in the rendered chart (container, the PORT the process binds, Services, probes,
NetworkPolicies, the frontend's proxy URL, the helm test pod) follows. The templates hold no
literal port numbers."""

import re

from chart_helpers import CHART, HERE, RELEASE, by_kind, one

BACKEND, FRONTEND, POSTGRES = (f"{RELEASE}-{c}" for c in ("backend", "frontend", "postgresql"))
POSTGRES_VALUES = HERE / "values-postgres.yaml"


def container(objects, kind, name):
    return one(objects, kind, name)["spec"]["template"]["spec"]["containers"][0]


def env_of(c):
    return {e["name"]: e.get("value") for e in c.get("env") or []}


def http_port(c):
    return next(p["containerPort"] for p in c["ports"] if p["name"] == "http")


def test_app_ports_follow_values(helm):
    objects = helm.render(sets=["backend.containerPort=9001", "frontend.containerPort=4001",
                                "backend.service.port=9100", "frontend.service.port=4100"])
    backend, frontend = container(objects, "Deployment", BACKEND), container(objects, "Deployment", FRONTEND)
    assert http_port(backend) == 9001
    # The process binds what the pod declares: PORT reaches the backend through its ConfigMap.
    assert one(objects, "ConfigMap", BACKEND)["data"]["PORT"] == "9001"
    assert http_port(frontend) == 4001 and env_of(frontend)["PORT"] == "4001"
    for name, port in ((BACKEND, 9100), (FRONTEND, 4100)):
        (service_port,) = one(objects, "Service", name)["spec"]["ports"]
        assert (service_port["port"], service_port["targetPort"]) == (port, "http")
    for c in (backend, frontend):
        for probe in ("readinessProbe", "livenessProbe"):
            assert c[probe]["httpGet"]["port"] == "http", (c["name"], probe)
    assert env_of(frontend)["BACKEND_URL"] == f"http://{BACKEND}:9100"
    test_pod = next(o for o in by_kind(objects, "Pod"))
    urls = env_of(test_pod["spec"]["containers"][0])["CHECK_URLS"].split()
    assert all(":9100/" in u or ":4100/" in u for u in urls), urls


def test_postgresql_port_and_security_context_follow_values(helm):
    objects = helm.render([POSTGRES_VALUES], sets=[
        "postgresql.port=6543", "networkPolicy.enabled=true", "networkPolicy.dns.port=5353",
        "postgresql.podSecurityContext.runAsUser=20002", "postgresql.podSecurityContext.fsGroup=20003",
        "postgresql.containerSecurityContext.readOnlyRootFilesystem=false"])
    statefulset = one(objects, "StatefulSet", POSTGRES)
    pg = statefulset["spec"]["template"]["spec"]["containers"][0]
    assert pg["ports"][0]["containerPort"] == 6543 and env_of(pg)["PGPORT"] == "6543"
    for probe in ("readinessProbe", "livenessProbe"):
        command = pg[probe]["exec"]["command"]
        assert command[command.index("-p") + 1] == "6543", probe
    for name in (POSTGRES, f"{POSTGRES}-headless"):
        assert one(objects, "Service", name)["spec"]["ports"][0]["port"] == 6543, name
    pod_security = statefulset["spec"]["template"]["spec"]["securityContext"]
    assert (pod_security["runAsUser"], pod_security["fsGroup"]) == (20002, 20003)
    assert pg["securityContext"]["readOnlyRootFilesystem"] is False
    egress = one(objects, "NetworkPolicy", BACKEND)["spec"]["egress"]
    ports = [p for rule in egress for p in rule.get("ports") or []]
    assert {"port": 6543, "protocol": "TCP"} in ports
    assert {"port": 5353, "protocol": "UDP"} in ports and {"port": 53, "protocol": "UDP"} not in ports


def test_templates_hold_no_literal_port_numbers():
    # A port number in a template is a second owner of a fact values.yaml owns. Only lines that
    # speak of ports or URLs are searched, outside {{ }} actions, so lengths, retry counts and
    # sizes elsewhere are not mistaken for ports.
    portish = re.compile(r"(?i)port|\"-p\"|://|localhost")
    offenders = []
    for path in sorted((CHART / "templates").rglob("*")):
        if path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), 1):
                text = re.sub(r"\{\{.*?\}\}|\b\d+(\.\d+){3}\b", "", line)  # actions, IPv4 addresses
                if portish.search(text) and re.search(r"\b\d{2,5}\b", text):
                    offenders.append(f"{path.relative_to(CHART)}:{number}: {line.strip()}")
    assert not offenders, "literal ports in templates (read them from values):\n" + "\n".join(offenders)
