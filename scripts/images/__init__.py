"""Container image tooling: offline base images, builds, benchmark, dependency audit.

Entry point: `python3 -m scripts.images {build,bases,bench,audit}`.
For Tilt (docker_build):
  base_image_args()   -> {"PYTHON_BASE": ..., "NODE_BASE": ...}  (build_args)
  build_secret_args() -> ["id=build_ca,src=/etc/ssl/certs/ca-certificates.crt"] or []  (secret=)
  build_network()     -> (None | "host", why)  (network=, only when docker0 is gone)
"""
from .bases import base_image_args, ensure_offline_base, resolve_bases
from .build import build_secret_args
from .docker_cli import build_network

__all__ = ["base_image_args", "build_network", "build_secret_args", "ensure_offline_base",
           "resolve_bases"]
