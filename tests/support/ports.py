"""Local ports for the servers tests start (Tilt's port-forwards, containers, a dev-command's API)."""
from __future__ import annotations

import random
import socket
from pathlib import Path


def free_port() -> int:
    """A local port free now and outside the kernel's ephemeral range. Port 0 would hand out one of
    the ephemeral ports, which every outgoing connection draws its source port from: in the minute
    until Tilt binds the forward, some connection took it (ci10: "bind: address already in use" for
    the backend's forward, and `tilt ci` failed). Above 10000 and below that range nothing but a
    listener uses a port, and this one was free when chosen."""
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(10000, low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free local port between 10000 and {low}")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; elsewhere the split differs but the range stays high
