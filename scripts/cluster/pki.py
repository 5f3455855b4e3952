"""Certificates and keys for the cluster, made with the openssl CLI.

One CA signs everything, the front-proxy client included (kubeadm keeps a separate front-proxy CA; a
single-user local cluster gains nothing from the split). Keys are ECDSA P-256: every component
accepts them and they are generated in milliseconds. Certificates are reused across `up`s; serving
certificates are re-issued when the node IP they name changes.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import config

DAYS = "3650"  # a local dev cluster: no rotation machinery, so long-lived certificates


@dataclass(frozen=True)
class Cert:
    name: str
    cn: str
    org: str = ""
    server: bool = False
    client: bool = False
    sans: tuple[str, ...] = field(default_factory=tuple)


def cert_specs(node_ip: str) -> list[Cert]:
    node = config.NODE_NAME
    api_sans = ("DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc",
                f"DNS:kubernetes.default.svc.{config.CLUSTER_DOMAIN}", f"DNS:{node}",
                "IP:127.0.0.1", f"IP:{node_ip}", f"IP:{config.KUBERNETES_SVC_IP}")
    return [
        Cert("apiserver", "kube-apiserver", server=True, sans=api_sans),
        # apiserver -> kubelet (exec/logs/port-forward); authorized by RBAC (system:kubelet-api-admin).
        Cert("apiserver-kubelet-client", "kube-apiserver-kubelet-client", client=True),
        Cert("apiserver-etcd-client", "kube-apiserver-etcd-client", client=True),
        Cert("etcd-server", "etcd", server=True, client=True, sans=("DNS:localhost", "IP:127.0.0.1")),
        Cert("admin", "todo-local-admin", "system:masters", client=True),
        Cert("controller-manager", "system:kube-controller-manager", client=True),
        Cert("scheduler", "system:kube-scheduler", client=True),
        Cert("kubelet", f"system:node:{node}", "system:nodes", client=True),
        # The kubelet's serving cert names the node IP so the apiserver can verify it with our CA.
        Cert("kubelet-serving", f"system:node:{node}", "system:nodes", server=True,
             sans=(f"DNS:{node}", "DNS:localhost", "IP:127.0.0.1", f"IP:{node_ip}")),
        Cert("kube-proxy", "system:kube-proxy", client=True),
        # The apiserver's identity towards aggregated API servers (e.g. metrics-server, if installed).
        Cert("front-proxy-client", "front-proxy-client", client=True),
    ]


def _openssl(*args: str) -> None:
    r = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {r.stderr.strip()}")


def _key(path: Path) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path))
    path.chmod(0o600)


def _subject(c: Cert) -> str:
    return f"/CN={c.cn}" + (f"/O={c.org}" if c.org else "")


def _issue(pki: Path, c: Cert) -> None:
    key, crt = pki / f"{c.name}.key", pki / f"{c.name}.crt"
    if not key.exists():
        _key(key)
    usages = (["serverAuth"] if c.server else []) + (["clientAuth"] if c.client else [])
    ext = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
           f"extendedKeyUsage={','.join(usages)}"]
    if c.sans:
        ext.append(f"subjectAltName={','.join(c.sans)}")
    with tempfile.TemporaryDirectory() as tmp:
        csr, extfile = Path(tmp) / "req.csr", Path(tmp) / "ext.cnf"
        extfile.write_text("\n".join(ext) + "\n")
        _openssl("req", "-new", "-key", str(key), "-subj", _subject(c), "-out", str(csr))
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(pki / "ca.crt"), "-CAkey", str(pki / "ca.key"),
                 "-CAcreateserial", "-CAserial", str(pki / "ca.srl"), "-days", DAYS, "-sha256",
                 "-extfile", str(extfile), "-out", str(crt))


def ensure(state: config.State, node_ip: str) -> bool:
    """Create what is missing; re-issue SAN-bearing certs if the node IP changed. Returns True if
    anything was (re)issued."""
    pki = state.pki
    pki.mkdir(parents=True, exist_ok=True)
    pki.chmod(0o700)
    params_file = pki / "params.json"
    params = json.loads(params_file.read_text()) if params_file.exists() else {}
    changed = False
    if not (pki / "ca.crt").exists() or not (pki / "ca.key").exists():
        _key(pki / "ca.key")
        _openssl("req", "-x509", "-new", "-key", str(pki / "ca.key"), "-subj", "/CN=todo-local-ca",
                 "-days", DAYS, "-sha256", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
                 "-out", str(pki / "ca.crt"))
        for old in pki.glob("*.crt"):  # a new CA invalidates everything it did not sign
            if old.name != "ca.crt":
                old.unlink()
        changed = True
    if not (pki / "sa.key").exists():
        _key(pki / "sa.key")
        _openssl("pkey", "-in", str(pki / "sa.key"), "-pubout", "-out", str(pki / "sa.pub"))
        changed = True
    ip_changed = params.get("node_ip") != node_ip
    for c in cert_specs(node_ip):
        if not (pki / f"{c.name}.crt").exists() or (ip_changed and c.sans):
            _issue(pki, c)
            changed = True
    if changed or ip_changed:
        params_file.write_text(json.dumps({"node_ip": node_ip}) + "\n")
    return changed
