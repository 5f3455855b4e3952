"""Pod networking on the host: the CNI config, our iptables chains, and their removal.

What is ours and therefore removed on `down`:
  * chains TODO-LOCAL-* (our pod ACCEPT/MASQUERADE rules) and the jumps to them,
  * chains KUBE-* (made by kube-proxy and the kubelet; nothing else on a dev machine makes them),
  * portmap's per-pod CNI-DN-* chains whose rules name our CNI network, and its shared CNI-HOSTPORT-*
    chains once no other CNI-DN-* chain is left,
  * the bridge config.BRIDGE and the veths enslaved to it.
Docker's chains and every other rule are left alone.
"""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from . import config


def run(cmd: list[str], check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, input=input)
    if check and r.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed: {r.stderr.strip() or r.stdout.strip()}")
    return r


def write_cni_conf(state: config.State) -> None:
    state.cni_conf_dir.mkdir(parents=True, exist_ok=True)
    state.cni_ipam_dir.mkdir(parents=True, exist_ok=True)
    conf = {
        "cniVersion": "1.0.0",
        "name": config.CNI_NETWORK,
        "plugins": [
            {
                "type": "bridge", "bridge": config.BRIDGE, "isGateway": True,
                # Egress masquerade is our own rule (TODO-LOCAL-NAT): nothing per pod to leak on SIGKILL.
                "ipMasq": False,
                # A pod reaching itself through its Service's ClusterIP needs hairpin.
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": config.NODE_POD_CIDR, "gateway": config.POD_GATEWAY}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(state.cni_ipam_dir),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    # containerd's CRI adds the loopback interface itself with the `loopback` plugin from bin_dir.
    path = state.cni_conf_dir / "10-todo-local.conflist"
    text = json.dumps(conf, indent=2) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def ensure_sysctls() -> None:
    """Forwarding and bridged traffic through iptables are what pods and Services need."""
    if not Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists() and shutil.which("modprobe"):
        run(["modprobe", "br_netfilter"], check=False)
    if not Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists():
        raise RuntimeError("the br_netfilter kernel module is missing (no /proc/sys/net/bridge); "
                           "load it with `modprobe br_netfilter` and retry")
    for key in ("net/ipv4/ip_forward", "net/bridge/bridge-nf-call-iptables"):
        p = Path("/proc/sys") / key
        if p.read_text().strip() != "1":
            p.write_text("1")


# --- our own rules -------------------------------------------------------------------------------

def _ipt(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(["iptables", "-w", "5", *args], check=check)


def ensure_host_rules() -> None:
    fwd, nat, pods, br = config.FWD_CHAIN, config.NAT_CHAIN, config.POD_CIDR, config.BRIDGE
    # A ClusterIP that belongs to no Service (a stale DNS answer after a Service was recreated) is not
    # DNATed by kube-proxy and would follow the default route off this machine. Refuse it here, so
    # the client fails fast and locally (by the filter stage, real Service traffic is already DNATed).
    no_service = ["-d", config.SERVICE_CIDR, "-j", "REJECT", "--reject-with", "icmp-port-unreachable"]
    rules = {
        ("filter", config.OUT_CHAIN, "OUTPUT"): [no_service],
        ("filter", fwd, "FORWARD"): [
            no_service,
            # dockerd sets the FORWARD policy to DROP; pods need these.
            ["-s", pods, "-j", "ACCEPT"],                                 # pod egress and pod->pod
            ["-d", pods, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
            ["-i", br, "-o", br, "-j", "ACCEPT"],                         # same-bridge traffic
        ],
        ("nat", nat, "POSTROUTING"): [
            ["-s", pods, "-d", pods, "-j", "RETURN"],
            ["-s", pods, "!", "-o", br, "-j", "MASQUERADE"],               # pod egress to the world
        ],
    }
    for (table, chain, parent), specs in rules.items():
        if _ipt("-t", table, "-n", "-L", chain, check=False).returncode != 0:
            _ipt("-t", table, "-N", chain)
        else:
            _ipt("-t", table, "-F", chain)
        for spec in specs:
            _ipt("-t", table, "-A", chain, *spec)
        jump = ["-m", "comment", "--comment", "todo-local cluster", "-j", chain]
        if _ipt("-t", table, "-C", parent, *jump, check=False).returncode != 0:
            _ipt("-t", table, "-I", parent, "1", *jump)


# --- sweeping what is ours -----------------------------------------------------------------------

def _owned_chains(save: str) -> set[str]:
    chains = re.findall(r"^:(\S+)", save, re.M)
    mine = {c for c in chains if c.startswith(("KUBE-", "TODO-LOCAL-"))}
    ours_mark = f'name: \\"{config.CNI_NETWORK}\\"'
    dn_chains = {c for c in chains if c.startswith("CNI-DN-")}
    our_dn = set()
    for c in dn_chains:
        lines = [l for l in save.splitlines() if l.startswith(f"-A {c} ") or f"-j {c}" in l]
        if any(ours_mark in l for l in lines):
            our_dn.add(c)
    mine |= our_dn
    if dn_chains and dn_chains <= our_dn:
        mine |= {c for c in chains if c.startswith("CNI-HOSTPORT-")}
    return mine


def _sweep_table(tool: str, table: str) -> int:
    r = run([f"{tool}-save", "-t", table], check=False)
    if r.returncode != 0:
        return 0
    save = r.stdout
    owned = _owned_chains(save)
    if not owned:
        return 0
    script = [f"*{table}"]
    for line in save.splitlines():
        if not line.startswith("-A "):
            continue
        parts = shlex.split(line)
        chain = parts[1]
        target = parts[parts.index("-j") + 1] if "-j" in parts else None
        # Rules inside chains we delete go with the flush; rules elsewhere that jump into them go now.
        if chain not in owned and target in owned:
            script.append("-D " + line[3:])
    script += [f"-F {c}" for c in sorted(owned)]
    script += [f"-X {c}" for c in sorted(owned)]
    script.append("COMMIT")
    r = run([f"{tool}-restore", "-w", "5", "--noflush"], check=False, input="\n".join(script) + "\n")
    if r.returncode != 0:
        raise RuntimeError(f"{tool}-restore (table {table}) failed removing {sorted(owned)}: {r.stderr.strip()}")
    return len(owned)


def sweep_iptables() -> int:
    """Remove every chain of ours (see module doc) in both address families. Returns chains removed."""
    removed = 0
    for tool in ("iptables", "ip6tables"):
        if not shutil.which(f"{tool}-save", path="/usr/sbin:/sbin:/usr/bin:/bin"):
            continue
        for table in ("filter", "nat", "mangle"):
            removed += _sweep_table(tool, table)
    return removed


def remaining_chains() -> list[str]:
    out = []
    for tool in ("iptables", "ip6tables"):
        if not shutil.which(f"{tool}-save", path="/usr/sbin:/sbin:/usr/bin:/bin"):
            continue
        for table in ("filter", "nat", "mangle"):
            r = run([f"{tool}-save", "-t", table], check=False)
            out += [f"{tool}/{table}/{c}" for c in _owned_chains(r.stdout)] if r.returncode == 0 else []
    return out


# --- links ---------------------------------------------------------------------------------------

def our_links() -> list[str]:
    """Our bridge and every interface enslaved to it (the host ends of pod veths)."""
    r = run(["ip", "-j", "link", "show", "master", config.BRIDGE], check=False)
    links = [l["ifname"] for l in json.loads(r.stdout or "[]")] if r.returncode == 0 else []
    if run(["ip", "link", "show", config.BRIDGE], check=False).returncode == 0:
        links.append(config.BRIDGE)
    return links


def remove_links() -> int:
    links = our_links()
    for name in links:
        run(["ip", "link", "delete", name], check=False)
    return len(links)
