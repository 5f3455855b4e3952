"""Command lines and config files of every host process of the cluster.

Each component is a function returning its argv after writing whatever config file it reads; `up`
starts them, `status` and `up` probe them with the `health` checks at the bottom.
"""
from __future__ import annotations

import json
import os
import socket
import ssl
import urllib.error
import urllib.request
from pathlib import Path

from . import config, images

S = config.State


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


# --- registry -----------------------------------------------------------------------------------

def registry(state: S, node_ip: str) -> list[str]:
    cfg = f"""version: 0.1
log:
  level: info
  fields: {{service: registry}}
storage:
  filesystem:
    rootdirectory: {state.registry_data}
  delete:
    enabled: true
  maintenance:
    uploadpurging: {{enabled: true, age: 24h, interval: 24h, dryrun: false}}
http:
  addr: {config.REGISTRY}
  headers:
    X-Content-Type-Options: [nosniff]
"""
    state.registry_data.mkdir(parents=True, exist_ok=True)
    path = _write(state.config / "registry.yml", cfg)
    return [config.which("docker-registry") or "/usr/bin/docker-registry", "serve", str(path)]


# --- etcd ---------------------------------------------------------------------------------------

def etcd(state: S, node_ip: str) -> list[str]:
    from .builds import upstream_binary
    pki = state.pki
    url = f"https://127.0.0.1:{config.ETCD_CLIENT_PORT}"
    return [str(upstream_binary("etcd")),
            "--name=todo-local", f"--data-dir={state.etcd_data}",
            f"--listen-client-urls={url}", f"--advertise-client-urls={url}",
            f"--listen-peer-urls=http://127.0.0.1:{config.ETCD_PEER_PORT}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{config.ETCD_PEER_PORT}",
            f"--initial-cluster=todo-local=http://127.0.0.1:{config.ETCD_PEER_PORT}",
            "--listen-metrics-urls=http://127.0.0.1:2381",
            f"--cert-file={pki / 'etcd-server.crt'}", f"--key-file={pki / 'etcd-server.key'}",
            f"--trusted-ca-file={pki / 'ca.crt'}", "--client-cert-auth=true",
            # Same compaction/snapshot settings kubeadm uses; a small quota is plenty for dev.
            "--snapshot-count=10000", "--quota-backend-bytes=2147483648",
            "--log-level=warn"]


# --- containerd ---------------------------------------------------------------------------------

def containerd(state: S, node_ip: str) -> list[str]:
    c = state.containerd
    for d in (c / "root", c / "state", state.run, state.runc_root):
        d.mkdir(parents=True, exist_ok=True)
    certs_d = c / "certs.d"
    # Plain-HTTP pulls from the local registry (containerd runs on the host, so 127.0.0.1 is right).
    _write(certs_d / config.REGISTRY / "hosts.toml",
           f'server = "http://{config.REGISTRY}"\n\n[host."http://{config.REGISTRY}"]\n'
           f'  capabilities = ["pull", "resolve", "push"]\n')
    toml = f"""# containerd for the todo-local cluster: its own socket, root and state, apart from dockerd's.
version = 2
root = "{c / 'root'}"
state = "{c / 'state'}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "{state.containerd_sock}"

[ttrpc]
  address = "{state.containerd_sock}.ttrpc"

[debug]
  level = "warn"

[plugins."io.containerd.internal.v1.opt"]
  path = "{c / 'opt'}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{images.ref('pause')}"
  # netns bind mounts under our state dir instead of /run/netns, so down finds exactly ours.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  # Hosts without CAP_SYS_RESOURCE (sandboxed VMs, rootless) cannot lower oom_score_adj below our own;
  # the kubelet asks for -997 for Guaranteed and critical pods. Clamp instead of failing the container.
  restrict_oom_score_adj = true
  max_container_log_line_size = 16384
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "{config.which('runc') or '/usr/sbin/runc'}"
        Root = "{state.runc_root}"
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{state.cni_conf_dir}"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "{certs_d}"
"""
    path = _write(state.config / "containerd.toml", toml)
    return [config.which("containerd") or "/usr/bin/containerd", "--config", str(path)]


# --- control plane ------------------------------------------------------------------------------

def kube_apiserver(state: S, node_ip: str) -> list[str]:
    pki = state.pki
    return [str(config.kube_bin("kube-apiserver")),
            f"--advertise-address={node_ip}", "--bind-address=0.0.0.0", f"--secure-port={config.API_PORT}",
            f"--etcd-servers=https://127.0.0.1:{config.ETCD_CLIENT_PORT}",
            f"--etcd-cafile={pki / 'ca.crt'}", f"--etcd-certfile={pki / 'apiserver-etcd-client.crt'}",
            f"--etcd-keyfile={pki / 'apiserver-etcd-client.key'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            f"--kubelet-certificate-authority={pki / 'ca.crt'}",
            "--kubelet-preferred-address-types=InternalIP,Hostname",
            f"--service-cluster-ip-range={config.SERVICE_CIDR}",
            f"--service-account-issuer=https://kubernetes.default.svc.{config.CLUSTER_DOMAIN}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            # Aggregation-layer auth (request headers from a front proxy signed by our CA). Without it the
            # scheduler and controller-manager log a missing CA bundle every resync.
            f"--requestheader-client-ca-file={pki / 'ca.crt'}", "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User", "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
            f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
            "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
            "--allow-privileged=true", "--profiling=false", "--v=1"]


def _component_auth(state: S, name: str) -> list[str]:
    kc = state.kubeconfigs / f"{name}.conf"
    return [f"--kubeconfig={kc}", f"--authentication-kubeconfig={kc}", f"--authorization-kubeconfig={kc}"]


def kube_controller_manager(state: S, node_ip: str) -> list[str]:
    pki = state.pki
    return [str(config.kube_bin("kube-controller-manager")), *_component_auth(state, "controller-manager"),
            "--bind-address=127.0.0.1", "--secure-port=10257", "--leader-elect=false",
            f"--client-ca-file={pki / 'ca.crt'}", f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}", f"--cluster-signing-key-file={pki / 'ca.key'}",
            f"--service-account-private-key-file={pki / 'sa.key'}", "--use-service-account-credentials=true",
            "--allocate-node-cidrs=true", f"--cluster-cidr={config.POD_CIDR}", "--node-cidr-mask-size=24",
            f"--service-cluster-ip-range={config.SERVICE_CIDR}", "--profiling=false", "--v=1"]


def kube_scheduler(state: S, node_ip: str) -> list[str]:
    return [str(config.kube_bin("kube-scheduler")), *_component_auth(state, "scheduler"),
            "--bind-address=127.0.0.1", "--secure-port=10259", "--leader-elect=false",
            "--profiling=false", "--v=1"]


# --- node ---------------------------------------------------------------------------------------

def resolv_conf() -> str:
    """The resolv.conf pods with dnsPolicy Default (CoreDNS) get: skip a loopback stub resolver
    (systemd-resolved), which would make CoreDNS forward to itself."""
    stub = Path("/run/systemd/resolve/resolv.conf")
    text = Path("/etc/resolv.conf").read_text() if Path("/etc/resolv.conf").exists() else ""
    if "nameserver 127." in text and stub.exists():
        return str(stub)
    return "/etc/resolv.conf"


def kubelet(state: S, node_ip: str) -> list[str]:
    pki = state.pki
    cfg = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
        # This host is cgroup v1 and has no systemd (kubelet >= 1.35 refuses cgroup v1 unless told).
        "failCgroupV1": False, "cgroupDriver": "cgroupfs",
        "cgroupRoot": config.CGROUP_ROOT, "cgroupsPerQOS": True, "enforceNodeAllocatable": ["pods"],
        "containerRuntimeEndpoint": f"unix://{state.containerd_sock}",
        "address": "0.0.0.0", "port": 10250, "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1", "healthzPort": 10248,
        "tlsCertFile": str(pki / "kubelet-serving.crt"), "tlsPrivateKeyFile": str(pki / "kubelet-serving.key"),
        "rotateCertificates": False, "serverTLSBootstrap": False,
        "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True},
                           "x509": {"clientCAFile": str(pki / "ca.crt")}},
        "authorization": {"mode": "Webhook"},
        "clusterDNS": [config.DNS_IP], "clusterDomain": config.CLUSTER_DOMAIN,
        "resolvConf": resolv_conf(),
        "podLogsDir": str(state.pod_logs),
        # A dev disk is often fullish: never taint the node or evict for disk, never GC images early.
        "evictionHard": {"memory.available": "100Mi", "nodefs.available": "1%", "nodefs.inodesFree": "1%",
                         "imagefs.available": "1%", "imagefs.inodesFree": "1%"},
        "imageGCHighThresholdPercent": 100, "imageGCLowThresholdPercent": 99,
        # 0, not -999: lowering it needs CAP_SYS_RESOURCE, which sandboxed hosts may not grant.
        "oomScoreAdj": 0,
        "failSwapOn": False, "serializeImagePulls": False, "maxPods": 110,
        "nodeStatusUpdateFrequency": "10s", "syncFrequency": "30s",
        "fileCheckFrequency": "20s", "staticPodPath": "",
        "shutdownGracePeriod": "0s", "containerLogMaxSize": "10Mi", "containerLogMaxFiles": 3,
    }
    path = _write(state.config / "kubelet.json", json.dumps(cfg, indent=2) + "\n")
    state.kubelet_dir.mkdir(parents=True, exist_ok=True)
    state.pod_logs.mkdir(parents=True, exist_ok=True)
    return [str(config.kube_bin("kubelet")), f"--config={path}",
            f"--kubeconfig={state.kubeconfigs / 'kubelet.conf'}",
            f"--root-dir={state.kubelet_dir}", f"--cert-dir={state.kubelet_dir / 'pki'}",
            f"--hostname-override={config.NODE_NAME}", f"--node-ip={node_ip}",
            "--node-labels=node.kubernetes.io/todo-local=true", "--v=1"]


def kube_proxy(state: S, node_ip: str) -> list[str]:
    cfg = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(state.kubeconfigs / "kube-proxy.conf")},
        "oomScoreAdj": 0,
        "mode": "iptables", "hostnameOverride": config.NODE_NAME, "clusterCIDR": config.POD_CIDR,
        "bindAddress": "0.0.0.0", "healthzBindAddress": "127.0.0.1:10256",
        "metricsBindAddress": "127.0.0.1:10249",
        # Do not write host sysctls: keep the kernel's conntrack table size and timeouts.
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s",
                      "tcpCloseWaitTimeout": "0s"},
        # localhostNodePorts would set net.ipv4.conf.all.route_localnet=1 on the host: leave it off.
        # NodePorts on the node IP only (not on docker0 and every other local address).
        "nodePortAddresses": ["primary"],
        "iptables": {"localhostNodePorts": False, "syncPeriod": "30s", "minSyncPeriod": "1s"},
    }
    path = _write(state.config / "kube-proxy.json", json.dumps(cfg, indent=2) + "\n")
    return [str(config.kube_bin("kube-proxy")), f"--config={path}", "--v=1"]


BUILDERS = {
    "registry": registry, "etcd": etcd, "containerd": containerd, "kube-apiserver": kube_apiserver,
    "kube-controller-manager": kube_controller_manager, "kube-scheduler": kube_scheduler,
    "kubelet": kubelet, "kube-proxy": kube_proxy,
}


# --- health -------------------------------------------------------------------------------------

def _https(url: str, state: S, client_cert: str | None = None, verify: bool = True, timeout: float = 2):
    ctx = ssl.create_default_context(cafile=str(state.pki / "ca.crt")) if verify else ssl._create_unverified_context()
    if client_cert:
        ctx.load_cert_chain(str(state.pki / f"{client_cert}.crt"), str(state.pki / f"{client_cert}.key"))
    with urllib.request.urlopen(url, context=ctx, timeout=timeout) as r:
        return r.status, r.read().decode(errors="replace")


def _http(url: str, timeout: float = 2):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode(errors="replace")


def healthy(name: str, state: S) -> bool:
    """One quick probe of a component's health endpoint."""
    try:
        if name == "registry":
            return _http(f"http://{config.REGISTRY}/v2/")[0] == 200
        if name == "etcd":
            code, body = _https(f"https://127.0.0.1:{config.ETCD_CLIENT_PORT}/health", state, "apiserver-etcd-client")
            return code == 200 and '"health":"true"' in body.replace(" ", "")
        if name == "containerd":
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(1)
            try:
                s.connect(str(state.containerd_sock))
                return True
            finally:
                s.close()
        if name == "kube-apiserver":
            return _https(f"https://127.0.0.1:{config.API_PORT}/readyz", state, "admin")[0] == 200
        if name == "kube-controller-manager":
            return _https("https://127.0.0.1:10257/healthz", state, verify=False)[0] == 200
        if name == "kube-scheduler":
            return _https("https://127.0.0.1:10259/healthz", state, verify=False)[0] == 200
        if name == "kubelet":
            return _http("http://127.0.0.1:10248/healthz")[0] == 200
        if name == "kube-proxy":
            return _http("http://127.0.0.1:10256/healthz")[0] == 200
    except (OSError, urllib.error.URLError, ssl.SSLError, ValueError):
        return False
    raise KeyError(name)


def port_owner_hint(port: int) -> str:
    """Who listens on a port we need, for a clear 'port in use' error."""
    import subprocess
    r = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True)
    return r.stdout.strip()


def env_for(name: str) -> dict[str, str]:
    env = dict(os.environ)
    # kube-proxy/kubelet exec iptables, mount, etc. from PATH: make sure sbin dirs are on it.
    env["PATH"] = env.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin"
    return env
