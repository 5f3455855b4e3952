"""`up`: bring the cluster up (or say it already is), with per-component progress and timings.

Order, with independent steps in parallel:
  registry, etcd, containerd  ->  kube-apiserver (needs etcd)  ->  controller-manager, scheduler,
  kubelet, kube-proxy, add-ons (need the apiserver)  ->  node Ready, CoreDNS and provisioner available.
Our images are imported into containerd while the apiserver starts.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from . import (addons, builds, cgroups, components, config, hostdeps, images, kubeconfig, network, pki,
               procs, teardown)
from .ui import ComponentError, log_tail, say

PORTS = {"kube-apiserver": [config.API_PORT], "etcd": [config.ETCD_CLIENT_PORT, config.ETCD_PEER_PORT, 2381],
         "registry": [5000], "kubelet": [10250, 10248], "kube-proxy": [10256, 10249],
         "kube-controller-manager": [10257], "kube-scheduler": [10259]}

STARTUP_TIMEOUT = {"registry": 15, "etcd": 30, "containerd": 20, "kube-apiserver": 90,
                   "kube-controller-manager": 60, "kube-scheduler": 60, "kubelet": 60, "kube-proxy": 60}


class Up:
    def __init__(self, state: config.State):
        self.state = state
        self.t0 = time.monotonic()
        self.since = int(time.time())  # wall clock, whole seconds like Kubernetes timestamps
        self.node_ip = ""
        self.procs: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, float] = {}
        self.aborted = False  # set on failure so waiting threads stop at once

    def elapsed(self) -> str:
        return f"{time.monotonic() - self.t0:5.1f}s"

    def line(self, what: str, took: float | None = None) -> None:
        extra = f" ({took:.1f}s)" if took is not None else ""
        say(f"  [{self.elapsed()}] {what}{extra}")

    # --- processes --------------------------------------------------------------------------------

    def launch(self, name: str) -> None:
        argv = components.BUILDERS[name](self.state, self.node_ip)
        self.started_at[name] = time.monotonic()
        self.procs[name] = procs.start(self.state, name, argv, env=components.env_for(name))

    def exited(self, name: str) -> str | None:
        """'exit code N' once the component we started has exited (we are its parent: poll() is exact)."""
        rc = self.procs[name].poll()
        return None if rc is None else f"exited with code {rc}"

    def wait_healthy(self, name: str) -> None:
        timeout = STARTUP_TIMEOUT[name]
        start = self.started_at[name]
        while not self.aborted:
            if components.healthy(name, self.state):
                self.line(f"{name} healthy", time.monotonic() - start)
                return
            if (why := self.exited(name)):
                raise ComponentError(name, f"{why} during startup", self.state.log(name))
            if time.monotonic() - start > timeout:
                raise ComponentError(name, f"not healthy after {timeout}s", self.state.log(name))
            time.sleep(0.1)
        raise ComponentError(name, "aborted")

    # --- steps ------------------------------------------------------------------------------------

    def check_ports(self) -> None:
        busy = []
        for comp, ports in PORTS.items():
            for port in ports:
                who = components.port_owner_hint(port)
                if who:
                    busy.append(f"port {port} (needed by {comp}) is in use: {who}")
        if busy:
            raise ComponentError("preflight", "ports in use:\n    " + "\n    ".join(busy) +
                                 "\n  stop whatever holds them (or another local cluster) and retry")

    def kubectl(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run([str(config.kube_bin("kubectl")), "--kubeconfig", str(self.state.admin_kubeconfig),
                               *args], capture_output=True, text=True, timeout=timeout)

    def wait_node_ready(self, timeout: float = 90) -> None:
        """Ready as reported by *this* kubelet: after a restart etcd still holds the old Ready status,
        so the condition's heartbeat must be newer than this `up`."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            r = self.kubectl("get", "node", config.NODE_NAME, "-o", "json")
            if r.returncode == 0:
                node = json.loads(r.stdout)
                ready = next((c for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"), {})
                if ready.get("status") == "True" and _ts(ready.get("lastHeartbeatTime")) >= self.since:
                    self.line(f"node {config.NODE_NAME} Ready", time.monotonic() - start)
                    return
            if (why := self.exited("kubelet")):
                raise ComponentError("kubelet", why, self.state.log("kubelet"))
            time.sleep(0.25)
        raise ComponentError("kubelet", f"node {config.NODE_NAME} not Ready after {timeout}s",
                             self.state.log("kubelet"))

    def wait_deployments(self, timeout: float = 120, since: int | None = None) -> None:
        """CoreDNS and the provisioner serve: their rollout is complete and a Ready pod of the current
        template has a container started after `since` (default: this `up`'s start, because after a
        restart a Deployment's stored status still describes the previous run)."""
        since = self.since if since is None else since
        start = time.monotonic()
        pending = {"coredns", "todo-local-provisioner"}
        while pending and time.monotonic() - start < timeout:
            r = self.kubectl("-n", "kube-system", "get", "deployments,pods", "-o", "json")
            if r.returncode == 0:
                items = json.loads(r.stdout)["items"]
                pods = [i for i in items if i["kind"] == "Pod"]
                for d in (i for i in items if i["kind"] == "Deployment" and i["metadata"]["name"] in pending):
                    if _serving(d, pods, since):
                        pending.discard(d["metadata"]["name"])
                        self.line(f"{d['metadata']['name']} ready", time.monotonic() - start)
            if pending:
                time.sleep(0.25)
        if pending:
            r = self.kubectl("-n", "kube-system", "get", "pods", "-o", "wide")
            ev = self.kubectl("-n", "kube-system", "get", "events", "--sort-by=.lastTimestamp")
            raise ComponentError(", ".join(sorted(pending)), f"not ready after {timeout}s\n{r.stdout}"
                                 f"\n{chr(10).join(ev.stdout.splitlines()[-15:])}", self.state.log("kubelet"))

    def run(self) -> int:
        st = self.state
        say(f"==> todo-local cluster up (state {st.root})")
        if os.geteuid() != 0:
            raise SystemExit("error: the local cluster runs containerd, the kubelet and iptables on the host "
                             "and needs root; run `sudo python3 -m scripts.cluster up`")
        hostdeps.ensure()
        builds.ensure_all()
        self.node_ip = config.node_ip()
        if self.already_up():
            from .status import component_lines
            if addons.applied_digest(st) != addons.digest(st):
                # Our images or add-on manifests changed (e.g. a new provisioner): update in place.
                images.ensure_in_containerd(st)
                addons.apply(st)
                self.wait_deployments(since=0)  # live kubelet: statuses are current
                self.line("add-ons updated")
            say(f"==> already up ({self.elapsed().strip()}); kubectl --context {config.CONTEXT}")
            for line in component_lines(st)[1]:
                say(line)
            return 0
        left = teardown.anything_left(st)
        if left:
            rep = teardown.teardown(st)
            self.line(f"cleaned up a previous run ({', '.join(left)}): {rep.summary()}")
            for p in rep.problems:
                say(f"  warning: {p}")
        self.check_ports()
        for d in (st.root, st.logs, st.run, st.config):
            d.mkdir(parents=True, exist_ok=True)
        st.root.chmod(0o711)
        pki.ensure(st, self.node_ip)
        kubeconfig.write_all(st)
        network.ensure_sysctls()
        network.write_cni_conf(st)
        network.ensure_host_rules()
        cgroups.create()
        self.line(f"host prepared (node IP {self.node_ip})")

        pool = ThreadPoolExecutor(max_workers=6)
        try:
            for n in ("etcd", "containerd", "registry"):
                self.launch(n)
            f_reg = pool.submit(self.wait_healthy, "registry")
            self.wait_healthy("etcd")
            self.launch("kube-apiserver")
            f_api = pool.submit(self.wait_healthy, "kube-apiserver")
            self.wait_healthy("containerd")
            t = time.monotonic()
            imported = images.ensure_in_containerd(st)
            if imported:
                self.line(f"imported {len(imported)} image(s) into containerd", time.monotonic() - t)
            f_reg.result()
            f_push = pool.submit(images.ensure_in_registry)  # only does work on a fresh registry
            f_api.result()
            for n in ("kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"):
                self.launch(n)
            waits = [pool.submit(self.wait_healthy, n)
                     for n in ("kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy")]
            t = time.monotonic()
            addons.apply(st)
            self.line("add-ons applied (RBAC, CoreDNS, provisioner, StorageClass, registry ConfigMap)",
                      time.monotonic() - t)
            path = kubeconfig.merge_into_user(st)
            self.line(f"context {config.CONTEXT} in {path}")
            for w in waits:
                w.result()
            self.wait_node_ready()
            self.wait_deployments()
            pushed = f_push.result()
            if pushed:
                self.line(f"pushed {len(pushed)} image(s) to {config.REGISTRY}")
        except BaseException:
            self.aborted = True
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        say(f"==> cluster up in {self.elapsed().strip()}: kubectl --context {config.CONTEXT} get nodes")
        return 0

    def already_up(self) -> bool:
        """Every component runs, is healthy and was started with today's command line and config
        (after a change to them, `up` restarts the cluster)."""
        st = self.state
        for n in config.COMPONENT_ORDER:
            if not procs.pid_of(st, n) or not components.healthy(n, st):
                return False
        if not (st.pki / "ca.crt").exists():
            return False
        pki.ensure(st, self.node_ip)
        for n in config.COMPONENT_ORDER:
            argv = components.BUILDERS[n](st, self.node_ip)
            if procs.recorded_fingerprint(st, n) != procs.fingerprint(st, argv):
                self.line(f"{n}: command line or config changed, restarting the cluster")
                return False
        r = self.kubectl("get", "node", config.NODE_NAME, "-o",
                         "jsonpath={.status.conditions[?(@.type=='Ready')].status}", timeout=10)
        return r.returncode == 0 and r.stdout.strip() == "True"


def _ts(value: str | None) -> float:
    if not value:
        return 0.0
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _serving(deploy: dict, pods: list[dict], since: int) -> bool:
    st, meta = deploy.get("status", {}), deploy["metadata"]
    if st.get("observedGeneration", 0) < meta.get("generation", 1) or \
            st.get("updatedReplicas", 0) != st.get("replicas", 0):
        return False  # a rollout is still under way
    selector = deploy["spec"]["selector"]["matchLabels"]
    image = deploy["spec"]["template"]["spec"]["containers"][0]["image"]
    for p in pods:
        labels = p["metadata"].get("labels", {})
        if p["metadata"].get("deletionTimestamp") or any(labels.get(k) != v for k, v in selector.items()):
            continue
        statuses = p.get("status", {}).get("containerStatuses") or []
        if not statuses or p["spec"]["containers"][0]["image"] != image:
            continue
        running = statuses[0].get("state", {}).get("running") or {}
        if statuses[0].get("ready") and _ts(running.get("startedAt")) >= since:
            return True
    return False


def up(state: config.State) -> int:
    u = Up(state)
    try:
        return u.run()
    except ComponentError as e:
        say(f"\nerror: {e.component} failed: {e}".rstrip())
        if e.log:
            say(f"--- last lines of {e.log} ---\n{log_tail(e.log)}\n---")
        say(f"logs: python3 -m scripts.cluster logs {e.component.split(',')[0]}   "
            f"clean up: python3 -m scripts.cluster down")
        return 1
    except (builds.BuildError, RuntimeError) as e:
        say(f"\nerror: {e}")
        return 1
    finally:
        sys.stdout.flush()
