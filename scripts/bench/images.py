"""Benchmark (not a test): image sizes against the seed's targets, cold build time, and the
rebuild time after a code-only change, on a scratch copy of the tree (tags todo-bench-*), so the
real todo-* images are never replaced by a benchmark build."""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from scripts.images import docker_cli
from scripts.images.bases import log, resolve_bases
from scripts.images.build import BASE_ARG, build_one, step_was_cached
from scripts.images.config import REPO_ROOT
from scripts.images.snapshot import fresh_copy

MB = 1_000_000
SEED_TARGET_MB = {"backend": 300, "frontend": 250}   # seed research: "Backend ~300MB, Frontend ~250MB"
SEED_COMBINED_MB = 600
GOAL_MB = {"backend": 230, "frontend": 230}          # this project's goal on the bases built here
REBUILD_GOAL_S = {"backend": 5.0}                    # frontend's is bound by `next build`
# The step that must come from the cache after a code-only change.
DEPENDENCY_STEP = {"backend": "pip install -r requirements.txt", "frontend": "npm ci"}
# The code-only change: a comment appended to a source file.
CODE_FILE = {"backend": "app/main.py", "frontend": "src/app/page.tsx"}
COMMENT = {"backend": "\n# bench: code-only change {n}\n", "frontend": "\n// bench: code-only change {n}\n"}

# Why each heavy dependency is (or is not) in the runtime image. Sizes are measured, not quoted.
VERDICTS = {
    "cohere": "AI chat (/api/chat) SDK; most of it is its tokenizers/huggingface-hub/hf-xet/"
              "fastavro tail (local tokenize, datasets), not chat: a thin httpx client would save it",
    "sqlalchemy": "ORM core under SQLModel + Alembic; earns its place (C extensions for speed)",
    "uvloop": "faster event loop; optional (asyncio works without), keep for throughput",
    "psycopg-binary": "Postgres driver with bundled libpq/OpenSSL; earns its place (no compiler)",
    "pydantic-core": "validation core of FastAPI/pydantic; earns its place",
    "watchfiles": "only `--reload` uses it; dead weight in runtime (small; could be a dev-only dep)",
    "alembic": "migrations at start-up; earns its place",
    "pydantic": "request/response models and settings; earns its place",
    "uvicorn": "ASGI server; earns its place",
    "sqlmodel": "typed models over SQLAlchemy; earns its place",
    "psycopg": "Postgres driver API (binary part listed separately); earns its place",
    "pydantic-settings": "env-var settings; earns its place",
    "httptools": "fast HTTP parser for uvicorn; optional, small",
    "fastapi": "the web framework; earns its place",
    "argon2-cffi": "password hashing; earns its place",
    "next": "Next.js server runtime (traced subset only); earns its place",
    "@img/sharp-libvips-linux-x64": "libvips for next/image optimisation; no page renders "
                                     "next/image today, so it is weight kept for when one does",
    "sharp": "loader for the libvips above (same verdict)",
    "react-dom": "React server renderer; earns its place",
}

BACKEND_SIZES = r"""
import importlib.metadata as md, json, os, re
sizes, requires = {}, {}
for d in md.distributions():
    name = d.metadata["Name"].lower().replace("_", "-")
    total = 0
    for f in d.files or []:
        p = d.locate_file(f)
        try: total += os.path.getsize(p)
        except OSError: pass
    sizes[name] = total
    requires[name] = sorted({re.match(r"[A-Za-z0-9._-]+", r).group(0).lower().replace("_", "-")
                             for r in (d.requires or []) if "extra ==" not in r})
print(json.dumps({"sizes": sizes, "requires": requires}))
"""


def _closure(root: str, requires: dict[str, list[str]]) -> set[str]:
    seen, todo = set(), [root]
    while todo:
        n = todo.pop()
        if n in seen or n not in requires:
            continue
        seen.add(n)
        todo.extend(requires[n])
    return seen


def backend_heaviest(image: str, direct: list[str], top: int = 8) -> list[tuple[str, int, str]]:
    """(direct dependency, MB installed exclusively because of it incl. its own deps, verdict)."""
    data = json.loads(docker_cli.out(["run", "--rm", "--network", "none", "--entrypoint", "python",
                                      image, "-c", BACKEND_SIZES]))
    sizes, requires = data["sizes"], data["requires"]
    closures = {d: _closure(d, requires) for d in direct if d in requires}
    rows = []
    for d, clo in closures.items():
        others = set().union(*(c for k, c in closures.items() if k != d)) if len(closures) > 1 else set()
        exclusive = (clo - others) | {d}
        rows.append((d, sum(sizes.get(n, 0) for n in exclusive), VERDICTS.get(d, "")))
    return sorted(rows, key=lambda r: -r[1])[:top]


def frontend_heaviest(image: str, top: int = 6) -> list[tuple[str, int, str]]:
    script = ("cd /app/node_modules && for d in * @*/*; do case $d in @*/*|[!@]*) "
              "[ -d \"$d\" ] && echo \"$(du -sk \"$d\" | cut -f1) $d\";; esac; done; "
              "echo \"$(du -sk /usr/local/bin/node | cut -f1) node (binary)\"; "
              "echo \"$(du -sk /usr/local/lib/node_modules/npm | cut -f1) npm (in base)\"")
    out = docker_cli.out(["run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c", script])
    rows = []
    for line in out.splitlines():
        kb, name = line.split(" ", 1)
        if name.startswith("@") and "/" not in name:
            continue
        verdict = VERDICTS.get(name, {"node (binary)": "the runtime itself (symbols stripped)",
                                      "npm (in base)": "only builds need it; comes with the base "
                                      "image (official node images carry it too)"}.get(name, ""))
        rows.append((name, int(kb) * 1024, verdict))
    return sorted(rows, key=lambda r: -r[1])[:top]


def _direct_requirements() -> list[str]:
    names = []
    text = (REPO_ROOT / "backend" / "requirements.txt").read_text()
    for line in text.split("# --- transitive")[0].splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.append(line.split("==")[0].strip().lower().replace("_", "-"))
    return names


def main() -> int:
    bases = resolve_bases()
    report: dict = {"bases": {k: {"ref": v, "mb": round(docker_cli.image_size(v) / MB)}
                              for k, v in bases.items()}, "services": {}}
    scratch = Path(tempfile.mkdtemp(prefix="todo-bench-"))
    try:
        tree = fresh_copy(scratch / "tree")
        for service in ("backend", "frontend"):
            base = bases[BASE_ARG[service]]
            repo = f"todo-bench-{service}"
            log(f"{service}: cold build (--no-cache; pip/npm download caches stay warm)")
            cold = [build_one(service, t, base, no_cache=True, repository=repo, root=tree)
                    for t in ("dev", "runtime")]
            code_file = tree / service / CODE_FILE[service]
            with code_file.open("a") as fh:
                fh.write(COMMENT[service].format(n=time.time_ns()))
            log(f"{service}: rebuild after a code-only change to {CODE_FILE[service]}")
            re_rt = build_one(service, "runtime", base, repository=repo, root=tree)
            re_dev = build_one(service, "dev", base, repository=repo, root=tree)
            report["services"][service] = {
                "runtime_mb": round(cold[1].size / MB), "dev_mb": round(cold[0].size / MB),
                "cold_build_s": round(sum(r.seconds for r in cold), 1),
                "rebuild_runtime_s": round(re_rt.seconds, 1), "rebuild_dev_s": round(re_dev.seconds, 1),
                "dependency_cache_hit": bool(step_was_cached(re_rt.logfile, DEPENDENCY_STEP[service])
                                             and step_was_cached(re_dev.logfile, DEPENDENCY_STEP[service])),
            }
            image = f"{repo}:runtime"
            heavy = (backend_heaviest(image, _direct_requirements()) if service == "backend"
                     else frontend_heaviest(image))
            report["services"][service]["heaviest"] = [
                {"name": n, "mb": round(b / MB, 1), "verdict": v} for n, b, v in heavy]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        for service in ("backend", "frontend"):
            refs = docker_cli.out(["images", "--format", "{{.Repository}}:{{.Tag}}",
                                   f"todo-bench-{service}"]).split()
            if refs:
                docker_cli.run(["rmi", *refs], check=False)
    _print(report)
    out = REPO_ROOT / "reports" / "images-bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n(report written to {out.relative_to(REPO_ROOT)})")
    return 0


def _print(report: dict) -> None:
    print("\nBase images:")
    for arg, b in report["bases"].items():
        print(f"  {arg:<12} {b['ref']:<48} {b['mb']:>5} MB")
    print("\nImage sizes (uncompressed):")
    total = 0
    for s, r in report["services"].items():
        total += r["runtime_mb"]
        ok = "OK" if r["runtime_mb"] <= GOAL_MB[s] else "OVER"
        print(f"  todo-{s}:runtime {r['runtime_mb']:>5} MB   seed target ~{SEED_TARGET_MB[s]} MB, "
              f"goal <= {GOAL_MB[s]} MB: {ok}   (dev {r['dev_mb']} MB)")
    print(f"  combined runtime {total:>5} MB   seed target < {SEED_COMBINED_MB} MB: "
          f"{'OK' if total < SEED_COMBINED_MB else 'OVER'}")
    print("\nBuild times (dev + runtime cold; code-only rebuilds per target):")
    for s, r in report["services"].items():
        goal = REBUILD_GOAL_S.get(s)
        verdict = (f"goal <= {goal:.0f}s: {'OK' if r['rebuild_runtime_s'] <= goal else 'OVER'}"
                   if goal else "bound by `next build`")
        print(f"  {s:<9} cold {r['cold_build_s']:>6.1f}s   rebuild runtime {r['rebuild_runtime_s']:>5.1f}s "
              f"({verdict})   rebuild dev {r['rebuild_dev_s']:>5.1f}s   dependency layer cached: "
              f"{'yes' if r['dependency_cache_hit'] else 'NO'}")
    print("\nHeaviest dependencies in the runtime images (installed size):")
    for s, r in report["services"].items():
        print(f"  {s}:")
        for h in r["heaviest"]:
            print(f"    {h['name']:<30} {h['mb']:>6.1f} MB  {h['verdict']}")
