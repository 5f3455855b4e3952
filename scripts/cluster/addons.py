"""In-cluster objects `up` applies: RBAC for apiserver->kubelet, CoreDNS, the host-path provisioner and
its default StorageClass, and the KEP-1755 ConfigMap that tells tools (Tilt) about the local registry.

Objects are built as Python dicts and server-side applied as one JSON List (no YAML library needed).
"""
from __future__ import annotations

import hashlib
import json
import subprocess

from . import config, images

COREFILE = f""".:1053 {{
    errors
    health {{
        lameduck 2s
    }}
    ready
    kubernetes {config.CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        # Short: a dev loop deletes and recreates Services (tilt down/up) within seconds, and a
        # 30 s answer would keep pointing clients at the old ClusterIP.
        ttl 5
    }}
    prometheus :9153
    forward . /etc/resolv.conf {{
        max_concurrent 1000
    }}
    cache 30
    reload
    loadbalance
}}
"""

RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
CRITICAL_TOLERATIONS = [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]


def _meta(name: str, ns: str | None = None, **labels) -> dict:
    m = {"name": name}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    return m


def rbac_objects() -> list[dict]:
    return [{
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": _meta("todo-local:kube-apiserver-kubelet-client"),
        # exec, logs, port-forward: the apiserver calls the kubelet as this user.
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "system:kubelet-api-admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                      "name": "kube-apiserver-kubelet-client"}],
    }]


def coredns_objects() -> list[dict]:
    ns = "kube-system"
    labels = {"k8s-app": "kube-dns"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta("coredns", ns)},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": _meta("system:coredns"),
         "rules": [{"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"],
                    "verbs": ["list", "watch"]},
                   {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
                    "verbs": ["list", "watch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": _meta("system:coredns"),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:coredns"},
         "subjects": [{"kind": "ServiceAccount", "name": "coredns", "namespace": ns}]},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("coredns", ns),
         "data": {"Corefile": COREFILE}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta("coredns", ns, **labels),
         "spec": {
             "replicas": 1, "selector": {"matchLabels": labels},
             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
             "template": {"metadata": {"labels": labels}, "spec": {
                 "serviceAccountName": "coredns", "priorityClassName": "system-cluster-critical",
                 "dnsPolicy": "Default", "tolerations": CRITICAL_TOLERATIONS,
                 "securityContext": {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532,
                                     "seccompProfile": {"type": "RuntimeDefault"}},
                 "containers": [{
                     "name": "coredns", "image": images.ref("coredns"), "imagePullPolicy": "IfNotPresent",
                     "args": ["-conf", "/etc/coredns/Corefile"],
                     "ports": [{"name": "dns", "containerPort": 1053, "protocol": "UDP"},
                               {"name": "dns-tcp", "containerPort": 1053, "protocol": "TCP"},
                               {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}],
                     "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}, "limits": {"memory": "170Mi"}},
                     "securityContext": RESTRICTED_CONTAINER,
                     "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}, "initialDelaySeconds": 10,
                                       "periodSeconds": 10, "failureThreshold": 5},
                     "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}, "periodSeconds": 1},
                     "volumeMounts": [{"name": "config", "mountPath": "/etc/coredns", "readOnly": True}],
                 }],
                 "volumes": [{"name": "config", "configMap": {"name": "coredns"}}],
             }}}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {**_meta("kube-dns", ns, **labels, **{"kubernetes.io/name": "CoreDNS"}),
                      "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
         "spec": {"selector": labels, "clusterIP": config.DNS_IP,
                  "ports": [{"name": "dns", "port": 53, "targetPort": 1053, "protocol": "UDP"},
                            {"name": "dns-tcp", "port": 53, "targetPort": 1053, "protocol": "TCP"},
                            {"name": "metrics", "port": 9153, "targetPort": 9153, "protocol": "TCP"}]}},
    ]


def provisioner_objects(state: config.State) -> list[dict]:
    ns, name = "kube-system", "todo-local-provisioner"
    labels = {"app": name}
    base = str(state.volumes)
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name, ns)},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": _meta(name),
         "rules": [
             {"apiGroups": [""], "resources": ["persistentvolumes"],
              "verbs": ["get", "list", "watch", "create", "delete", "patch", "update"]},
             {"apiGroups": [""], "resources": ["persistentvolumeclaims"], "verbs": ["get", "list", "watch", "update"]},
             {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["get", "list", "watch"]},
             {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "update", "patch"]},
             {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
         ]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": _meta(name),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
         "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}]},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(name, ns, **labels),
         "spec": {
             "replicas": 1, "selector": {"matchLabels": labels}, "strategy": {"type": "Recreate"},
             "template": {"metadata": {"labels": labels}, "spec": {
                 "serviceAccountName": name, "priorityClassName": "system-cluster-critical",
                 "tolerations": CRITICAL_TOLERATIONS,
                 "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                 "containers": [{
                     "name": "provisioner", "image": images.ref("provisioner"), "imagePullPolicy": "IfNotPresent",
                     "env": [{"name": "BASE_DIR", "value": base},
                             {"name": "PROVISIONER_NAME", "value": config.PROVISIONER_NAME},
                             {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                     "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "128Mi"}},
                     # Root in the container to create/remove volume dirs on the host that pods of any UID
                     # wrote into; only the capabilities that needs.
                     "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                         "capabilities": {"drop": ["ALL"], "add": ["DAC_OVERRIDE", "FOWNER"]}},
                     # Same path inside and out, so the PV's hostPath is the real host path.
                     "volumeMounts": [{"name": "volumes", "mountPath": base}],
                 }],
                 "volumes": [{"name": "volumes", "hostPath": {"path": base, "type": "DirectoryOrCreate"}}],
             }}}},
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
         "metadata": {"name": config.STORAGE_CLASS,
                      "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
         "provisioner": config.PROVISIONER_NAME, "reclaimPolicy": "Delete",
         "volumeBindingMode": "WaitForFirstConsumer"},
    ]


def registry_objects() -> list[dict]:
    host = config.REGISTRY
    return [{
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("local-registry-hosting", "kube-public"),
        "data": {"localRegistryHosting.v1":
                 f'host: "{host}"\nhostFromContainerRuntime: "{host}"\n'
                 f'help: "Push images to {host}; the cluster pulls them from the same address."\n'},
    }]


def all_objects(state: config.State) -> list[dict]:
    return rbac_objects() + registry_objects() + coredns_objects() + provisioner_objects(state)


def digest(state: config.State) -> str:
    return hashlib.sha256(json.dumps(all_objects(state), sort_keys=True).encode()).hexdigest()[:16]


def applied_digest(state: config.State) -> str:
    p = state.run / "addons.digest"
    return p.read_text().strip() if p.exists() else ""


def apply(state: config.State, objects: list[dict] | None = None) -> None:
    doc = {"apiVersion": "v1", "kind": "List", "items": objects or all_objects(state)}
    cmd = [str(config.kube_bin("kubectl")), "--kubeconfig", str(state.admin_kubeconfig), "apply",
           "--server-side", "--force-conflicts", "--field-manager=todo-local-cluster", "-f", "-"]
    r = subprocess.run(cmd, input=json.dumps(doc), capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"kubectl apply of the cluster add-ons failed: {r.stderr.strip()}")
    if objects is None:
        (state.run / "addons.digest").write_text(digest(state) + "\n")
