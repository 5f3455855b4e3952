"""Container image tooling: offline base images, builds, benchmark, dependency audit.

Entry point: `python3 -m scripts.images {build,bases,bench,audit}`.
Tilt calls `base_image_args()` for the PYTHON_BASE/NODE_BASE build args.
"""
from .bases import base_image_args, ensure_offline_base, resolve_bases

__all__ = ["base_image_args", "ensure_offline_base", "resolve_bases"]
