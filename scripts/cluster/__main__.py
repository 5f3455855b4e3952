"""Entry point for `python3 -m scripts.cluster ...` and `python3 scripts/cluster ...`."""
import signal
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly

if not __package__:
    # Run as a directory (python3 scripts/cluster): make the repo root importable.
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from scripts.cluster.cli import main
else:
    from .cli import main

sys.exit(main())
