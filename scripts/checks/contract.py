"""The API contract: the backend's OpenAPI → TypeScript types → the frontend type-checked against them.

Generator: @hey-api/openapi-ts (typescript plugin only). It is maintained, accepts TypeScript 6 as
a peer (openapi-typescript 7 declares `typescript ^5`, which `npm ci` refuses next to our 6.0), and
emits plain type aliases per schema and per operation, with no runtime code.

Where the loop writes: the committed files themselves (frontend/openapi.json and
frontend/src/lib/client/api/), and only when their content changes. So a backend edit shows up in
`git status` as the matching change of the generated files — the two belong in the same commit —
and reverting the backend edit regenerates byte-identical files, leaving git clean. The drift
test (tests/checks) fails when the committed files differ from what the backend produces.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import openapi_diff, openapi_export, typecheck
from .frontend_env import CACHE, REPO, require_node_modules, tool_env

# The generated files, relative to the repo: one owner for the drift test and the loop.
DOCUMENT = "frontend/openapi.json"
TYPES_DIR = "frontend/src/lib/client/api"
GENERATOR = "node_modules/@hey-api/openapi-ts/bin/run.js"
GENERATOR_ARGS = ["--plugins", "@hey-api/typescript", "--silent", "--no-log-file"]


class GeneratorError(Exception):
    pass


def generate(repo: Path = REPO) -> dict[str, str]:
    """Every generated file (repo-relative path → text), from the backend's code as it is now."""
    frontend = repo / "frontend"
    require_node_modules(frontend)
    document = openapi_export.render(openapi_export.openapi_document(repo / "backend"))
    with tempfile.TemporaryDirectory(prefix="api-contract-") as tmp:
        spec = Path(tmp) / "openapi.json"
        spec.write_text(document)
        out = Path(tmp) / "out"
        # Run with node directly (not npx): a second saved per save.
        p = subprocess.run(["node", GENERATOR, "--input", str(spec), "--output", str(out), *GENERATOR_ARGS],
                           cwd=frontend, env=tool_env(), capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise GeneratorError(f"@hey-api/openapi-ts failed (exit {p.returncode}):\n{p.stdout}{p.stderr}")
        files = {DOCUMENT: document}
        files |= {f"{TYPES_DIR}/{f.relative_to(out).as_posix()}": f.read_text()
                  for f in sorted(out.rglob("*")) if f.is_file()}
    return files


def committed(repo: Path = REPO) -> dict[str, str]:
    """The generated files as they are in the working tree."""
    found = {f"{TYPES_DIR}/{f.relative_to(repo / TYPES_DIR).as_posix()}": f.read_text()
             for f in sorted((repo / TYPES_DIR).rglob("*")) if f.is_file()} if (repo / TYPES_DIR).is_dir() else {}
    if (repo / DOCUMENT).is_file():
        found[DOCUMENT] = (repo / DOCUMENT).read_text()
    return found


def drift(repo: Path = REPO) -> list[str]:
    """Paths whose committed content differs from what the backend produces (empty = in step)."""
    want, have = generate(repo), committed(repo)
    return sorted(p for p in want.keys() | have.keys() if want.get(p) != have.get(p))


def write(files: dict[str, str], repo: Path = REPO) -> list[str]:
    """Bring the working tree to `files`: rewrite what differs (atomically), delete stale generated
    files. Unchanged files are not touched, so nothing downstream (Tilt, next dev) sees a save."""
    changed = []
    have = committed(repo)
    for rel, text in files.items():
        if have.get(rel) != text:
            target = repo / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            # The temporary file outside every Tilt watch (frontend/.checks, same file system), so
            # the frontend's live update sees one changed file, not a stray .tmp as well.
            tmp = repo / "frontend" / CACHE / f".{target.name}.tmp"
            tmp.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text)
            tmp.replace(target)
            changed.append(rel)
    for rel in sorted(have.keys() - files.keys()):
        (repo / rel).unlink()
        changed.append(rel)
    return changed


def run(repo: Path = REPO) -> int:
    """The `api-contract` check: regenerate, say what changed, type-check the frontend against it."""
    start = time.monotonic()
    before = _baseline(repo)
    files = generate(repo)
    generated = time.monotonic()
    lines = openapi_diff.changes(json.loads(before), json.loads(files[DOCUMENT])) if before else []
    changed = write(files, repo)
    if lines:
        print("API changes against the committed contract (frontend/openapi.json at HEAD):")
        for line in lines:
            print(f"  - {line}")
    print(f"types: {', '.join(changed)} updated" if changed else "types: unchanged")
    sys.stdout.flush()
    # Most backend saves leave the API as it was: when the types are the ones that last type-checked
    # clean, the verdict stands (frontend edits are frontend-types' job) and the save costs no tsc run.
    passed = repo / "frontend" / CACHE / "api-contract.passed"
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    if not changed and passed.is_file() and passed.read_text() == digest:
        print(f"api-contract: ok: API unchanged since it last type-checked clean ({generated - start:.1f}s)")
        return 0
    passed.unlink(missing_ok=True)
    rc = typecheck.run("api-contract", repo / "frontend")
    print(f"timings: OpenAPI + types {generated - start:.1f}s, tsc {time.monotonic() - generated:.1f}s")
    if rc == 0:
        passed.parent.mkdir(parents=True, exist_ok=True)
        passed.write_text(digest)
        print("api-contract: ok: the frontend type-checks against the backend's OpenAPI")
    else:
        print("api-contract: FAILED: the frontend does not type-check against the backend's OpenAPI "
              "(tsc's errors above name the file:line and the field; the changes above name the operation)")
    return rc


def _baseline(repo: Path) -> str | None:
    """The contract to describe changes against: git's HEAD version (so every save of a still-broken
    backend names what broke), else the working tree's (a copy that is no git repository)."""
    p = subprocess.run(["git", "show", f"HEAD:{DOCUMENT}"], cwd=repo, capture_output=True, text=True)
    if p.returncode == 0:
        return p.stdout
    return committed(repo).get(DOCUMENT)

