"""`python -m scripts.bench <name> [options]`: run one benchmark (`<name> -h` for its options).

    loop      save → live of the backend, the frontend's HTML and HMR; warm `dev up`; `tilt ci`
    checks    save → live with the loop's checks running vs disabled; save → api-contract red
    debug     backend save → live with the debugger on vs off
    devdata   the dev-data buttons (seed, snapshot, restore, reset)
    cluster   the local cluster's start, stop and memory
    images    image sizes, cold build, code-only rebuild
"""
from __future__ import annotations

import importlib
import sys

NAMES = ("loop", "checks", "debug", "devdata", "cluster", "images")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in NAMES:
        print(__doc__, file=sys.stderr)
        return 2
    module = importlib.import_module(f"scripts.bench.{argv[0]}")
    sys.argv = [f"python -m scripts.bench {argv[0]}", *argv[1:]]  # argparse's prog and arguments
    return module.main() if argv[0] == "images" else module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
