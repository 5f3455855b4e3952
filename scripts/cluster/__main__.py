"""Entry point for `python3 -m scripts.cluster ...` and `python3 scripts/cluster ...`."""
import signal
import sys

if len(sys.argv) > 1 and sys.argv[1] in ("status", "logs", "env"):
    # Read-only commands end quietly under `| head`; up/down/prune keep going (ui.say drops output).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)

if not __package__:
    # Run as a directory (python3 scripts/cluster): make the repo root importable.
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from scripts.cluster.cli import main
else:
    from .cli import main

sys.exit(main())
