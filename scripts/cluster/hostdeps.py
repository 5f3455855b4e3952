"""Debian packages the cluster runs on the host; installed with apt-get when missing (as root).

containerd 1.6 (CRI v1, supported by kubelet 1.35), runc and the CNI plugins come from Debian; so do
the registry, iptables/conntrack (kube-proxy), openssl (certificates) and iproute2. A package is only
installed when the file it provides is missing, so a host whose containerd comes from elsewhere
(e.g. docker-ce's containerd.io, which conflicts with Debian's) is left as it is.
"""
from __future__ import annotations

import os
import subprocess

from .ui import say

# Debian package -> a file it installs (present = installed)
PACKAGES = {
    "containerd": "/usr/bin/containerd",
    "runc": "/usr/sbin/runc",
    "containernetworking-plugins": "/usr/lib/cni/bridge",
    "docker-registry": "/usr/bin/docker-registry",
    "iptables": "/usr/sbin/iptables",
    "conntrack": "/usr/sbin/conntrack",
    "openssl": "/usr/bin/openssl",
    "iproute2": "/sbin/ip",
    "mount": "/bin/mount",
}
# The Docker engine (to build the cluster's images on first use) is the toolchain's to install
# (`python3 scripts/toolchain install docker`); images.py says so if it is missing.


def missing() -> list[str]:
    return [pkg for pkg, path in PACKAGES.items() if not os.path.exists(path)]


def ensure() -> list[str]:
    need = missing()
    if not need:
        return []
    if os.geteuid() != 0:
        raise SystemExit(f"error: missing packages {' '.join(need)}; install them with "
                         f"`sudo apt-get install -y {' '.join(need)}` (or run this command as root)")
    say(f"  installing Debian packages: {' '.join(need)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *need], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    still = missing()
    if still:
        raise SystemExit(f"error: apt-get did not provide {' '.join(still)}")
    return need
