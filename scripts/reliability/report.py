"""Write the reliability suite's measurements as a Markdown report (+ a latency plot PNG).

    python -m scripts.reliability.report [--results reports/reliability] [--out reports/reliability.md]

tests/reliability records each measurement as JSON under reports/reliability/ (gitignored); run the
suite first (`.venv/bin/python -m pytest tests/reliability`). Missing results are listed, not invented.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "reports" / "reliability"

EXPECTED = {
    "db_outage": "DB outage (Postgres scaled to 0 under `tilt up -- --db=postgres`)",
    "authorization": "Cross-user authorization through the deployed stack",
    "secret_hygiene": "Secret hygiene after a full `tilt ci -- --db=postgres`",
    "sigterm_in_flight": "SIGTERM during an in-flight request",
    "fuzz_authenticated": "API fuzzing (schemathesis), authenticated",
    "fuzz_unauthenticated": "API fuzzing (schemathesis), unauthenticated",
    "disruption_eviction_and_delete": "Eviction / hard delete under load (2 replicas + PDB)",
    "disruption_rolling_update": "Rolling image update under load",
}


def load(results: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(results.glob("*.json"))
            if p.stem in EXPECTED}


def _flat(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows = []
    for key, value in data.items():
        if isinstance(value, dict):
            rows += _flat(value, f"{prefix}{key}.")
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def phase_table(data: dict) -> list[str]:
    """Windows with requests/failed/p50/p99 as one table (the disruption results)."""
    phases = [(k, v) for k, v in data.items() if isinstance(v, dict) and "requests" in v]
    lines = ["| phase | requests | failed | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {k} | {v['requests']} | {v['failed']} | {v['p50_ms']} | {v['p99_ms']} |" for k, v in phases]
    extra = [(k, v) for k, v in data.items() if not (isinstance(v, dict) and "requests" in v)]
    if extra:
        lines += ["", ", ".join(f"{k}: {v}" for k, v in extra)]
    return lines


def markdown(results: dict[str, dict]) -> str:
    out = ["# Reliability report", "", "Produced by `python -m scripts.reliability.report` from the numbers the",
           "`tests/reliability` suite records.", ""]
    missing = [title for key, title in EXPECTED.items() if key not in results]
    for key, title in EXPECTED.items():
        if key not in results:
            continue
        data = results[key]
        out += [f"## {title}", ""]
        if any(isinstance(v, dict) and "requests" in v for v in data.values()):
            out += phase_table(data)
        else:
            out += ["| measure | value |", "|---|---|"]
            out += [f"| {k} | {v} |" for k, v in _flat(data)]
        out.append("")
    if (RESULTS / "latency_disruption.png").exists() or results:
        out += ["![latency under disruption](reliability/latency_disruption.png)", ""]
    if missing:
        out += ["## Not measured in this run", ""] + [f"- {m}" for m in missing] + [""]
    return "\n".join(out)


def plot(series_file: Path, png: Path) -> bool:
    """Per-request latency over time with the disruption events marked; False if there is no data."""
    if not series_file.exists():
        return False
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
    data = json.loads(series_file.read_text())
    start = data["start"]
    ok = [(t - start, ms) for t, status, ms in data["rows"] if status == 200]
    bad = [(t - start, ms) for t, status, ms in data["rows"] if status != 200]
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.scatter([t for t, _ in ok], [ms for _, ms in ok], s=4, label="200")
    if bad:
        ax.scatter([t for t, _ in bad], [ms for _, ms in bad], s=12, color="red", label="failed")
    for name, t in data["events"].items():
        ax.axvline(t - start, color="gray", linestyle="--")
        ax.text(t - start, ax.get_ylim()[1] * 0.95, f" {name}", va="top")
    ax.set_xlabel("seconds since load start")
    ax.set_ylabel("latency (ms)")
    ax.set_yscale("log")
    ax.set_title("GET /api/tasks through the backend Service, 10 req/s")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.reliability.report")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--out", type=Path, default=REPO / "reports" / "reliability.md")
    args = p.parse_args(argv)
    results = load(args.results) if args.results.is_dir() else {}
    if not results:
        print(f"ERROR: no results in {args.results}; run `.venv/bin/python -m pytest tests/reliability` first "
              f"(it records its measurements there).", file=sys.stderr)
        return 1
    plotted = plot(args.results / "latency_disruption.json", args.results / "latency_disruption.png")
    text = markdown(results)
    if not plotted:
        text = text.replace("![latency under disruption](reliability/latency_disruption.png)\n", "")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}" + (f" and {args.results / 'latency_disruption.png'}" if plotted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
