"""Where everything lives and the cluster's fixed numbers.

One place for paths, versions and network ranges so every other module (and the tests) agree.
All state sits under one directory so `down` and stale-run cleanup know exactly what is ours.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scripts.toolchain import versions
from scripts.toolchain.paths import cache_root, repo_root

REPO = repo_root()
IMAGES_SRC = Path(__file__).resolve().parent / "images"

CACHE = cache_root()
TOOLS = CACHE / "tools"
BUILD = CACHE / "build"

# Names and numbers the rest of the project (chart, Tiltfile, tests) relies on.
NODE_NAME = "todo-local"
CONTEXT = "todo-local"
POD_CIDR = "10.244.0.0/16"
NODE_POD_CIDR = "10.244.0.0/24"       # what the controller-manager hands the first (only) node
POD_GATEWAY = "10.244.0.1"
SERVICE_CIDR = "10.96.0.0/16"
KUBERNETES_SVC_IP = "10.96.0.1"
DNS_IP = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"
API_PORT = 6443
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
REGISTRY = "127.0.0.1:5000"
BRIDGE = "todo-local0"                # CNI bridge; ours alone, so down can delete it
CNI_NETWORK = "todo-local"
CGROUP_ROOT = "/todo-local"           # kubelet's cgroupRoot: a cgroup we create and remove ourselves
FWD_CHAIN = "TODO-LOCAL-FWD"          # our ACCEPT rules for pod traffic (dockerd sets FORWARD to DROP)
NAT_CHAIN = "TODO-LOCAL-NAT"          # our masquerade for pod egress
OUT_CHAIN = "TODO-LOCAL-OUT"          # host-originated traffic to unassigned ClusterIPs
STORAGE_CLASS = "todo-local-path"
PROVISIONER_NAME = "todo-local/host-path"

COMPONENT_ORDER = ["registry", "etcd", "containerd", "kube-apiserver", "kube-controller-manager",
                   "kube-scheduler", "kubelet", "kube-proxy"]


def kube_version() -> str:
    return versions.load().kubernetes


def cluster_versions() -> dict:
    return versions.load().cluster


def kube_bin_dir() -> Path:
    return TOOLS / f"kubernetes-{kube_version()}" / "bin"


def kube_bin(name: str) -> Path:
    return kube_bin_dir() / name


def tool_bin(name: str, version: str, binary: str | None = None) -> Path:
    return TOOLS / f"{name}-{version}" / "bin" / (binary or name)


@dataclass(frozen=True)
class State:
    """Paths inside the cluster's state directory."""
    root: Path

    @classmethod
    def default(cls) -> "State":
        override = os.environ.get("TODO_APP_CLUSTER_DIR")
        root = Path(override) if override else CACHE / "cluster"
        return cls(root.expanduser().resolve())

    pki = property(lambda s: s.root / "pki")
    kubeconfigs = property(lambda s: s.root / "kubeconfig")
    admin_kubeconfig = property(lambda s: s.root / "kubeconfig" / "admin.conf")
    config = property(lambda s: s.root / "config")
    logs = property(lambda s: s.root / "logs")
    run = property(lambda s: s.root / "run")
    etcd_data = property(lambda s: s.root / "etcd")
    containerd = property(lambda s: s.root / "containerd")
    containerd_sock = property(lambda s: s.root / "run" / "containerd.sock")
    runc_root = property(lambda s: s.root / "run" / "runc")
    cni_conf_dir = property(lambda s: s.root / "cni" / "net.d")
    cni_ipam_dir = property(lambda s: s.root / "cni" / "ipam")
    kubelet_dir = property(lambda s: s.root / "kubelet")
    pod_logs = property(lambda s: s.root / "pod-logs")
    registry_data = property(lambda s: s.root / "registry")
    volumes = property(lambda s: s.root / "volumes")

    def log(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def pidfile(self, component: str) -> Path:
        return self.run / f"{component}.pid"


def which(name: str, extra: tuple[str, ...] = ()) -> str | None:
    for d in extra:
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/local/go/bin")


def go_binary() -> str:
    go = which("go", ("/usr/local/go/bin",))
    if not go:
        raise SystemExit("error: the Go toolchain (`go`) is needed to build the cluster components; "
                         "install Go >= 1.25 (e.g. /usr/local/go) and retry")
    return go


def node_ip() -> str:
    """The host's primary IPv4 address: the source address of the default route (a route lookup only;
    nothing is sent). Overridable with TODO_APP_NODE_IP."""
    if os.environ.get("TODO_APP_NODE_IP"):
        return os.environ["TODO_APP_NODE_IP"]
    out = subprocess.run(["ip", "-j", "-4", "route", "get", "1.1.1.1"], capture_output=True, text=True)
    if out.returncode == 0:
        routes = json.loads(out.stdout or "[]")
        if routes and routes[0].get("prefsrc"):
            return routes[0]["prefsrc"]
    out = subprocess.run(["ip", "-j", "-4", "addr", "show", "scope", "global"], capture_output=True, text=True)
    for link in json.loads(out.stdout or "[]"):
        if link.get("ifname", "").startswith(("docker", "br-", "veth", BRIDGE)):
            continue
        for a in link.get("addr_info", []):
            return a["local"]
    raise SystemExit("error: cannot find this machine's IPv4 address (no default route); "
                     "set TODO_APP_NODE_IP=<address> and retry")
