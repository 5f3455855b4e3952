"""CLI: python3 -m scripts.images {build,bases,audit} (see --help of each; the benchmark is
`python -m scripts.bench images`)."""
from __future__ import annotations

import argparse
import sys

from .config import SERVICES, TARGETS


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m scripts.images", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    b = sub.add_parser("build", help="build todo-backend/todo-frontend images (dev and runtime)")
    b.add_argument("--target", choices=(*TARGETS, "all"), default="all")
    b.add_argument("--service", choices=(*SERVICES, "all"), default="all")
    b.add_argument("--bases", choices=("auto", "official", "offline"), default=None,
                   help="base image policy (default: env TODO_APP_BASES or auto)")
    b.add_argument("--no-cache", action="store_true", help="ignore the layer cache")

    s = sub.add_parser("bases", help="print the chosen base images, building offline ones if needed")
    s.add_argument("--mode", choices=("auto", "official", "offline"), default=None)

    sub.add_parser("audit", help="pip-audit (backend) and npm audit --omit=dev (frontend)")

    a = p.parse_args(argv)
    try:
        if a.cmd == "build":
            from .build import build_all
            build_all(services=SERVICES if a.service == "all" else (a.service,),
                      targets=TARGETS if a.target == "all" else (a.target,),
                      bases_mode=a.bases, no_cache=a.no_cache)
        elif a.cmd == "bases":
            from .bases import resolve_bases
            for k, v in resolve_bases(a.mode).items():
                print(f"{k}={v}")
        elif a.cmd == "audit":
            from .audit import main as audit_main
            return audit_main()
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
