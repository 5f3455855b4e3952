"""Dependency audit: pip-audit over the packages installed in todo-backend:runtime, and
`npm audit --omit=dev` over frontend/package-lock.json.

Both tools need an online vulnerability service (pip-audit: PyPI's per-release JSON API or OSV;
npm audit: the registry's advisories endpoint). When the service does not answer, the package is
reported as NOT AUDITED — never as "no known vulnerabilities".
Exit code: 0 all audited and clean, 1 vulnerabilities found, 3 something could not be audited.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from . import docker_cli
from .config import REPO_ROOT, TOOLS_CACHE

PIP_AUDIT_VERSION = "2.10.1"
BACKEND_IMAGE = "todo-backend:runtime"

LIST_INSTALLED = ("import importlib.metadata as m; print('\\n'.join(sorted("
                  "f\"{d.metadata['Name']}=={d.version}\" for d in m.distributions())))")


@dataclass
class Audit:
    name: str
    audited: list[str] = field(default_factory=list)
    unaudited: dict[str, str] = field(default_factory=dict)      # package -> why
    findings: list[dict] = field(default_factory=list)           # {package, version, id, fix}
    error: str | None = None
    note: str | None = None

    def status(self) -> str:
        if self.error and not self.audited:
            return "NOT AUDITED"
        if self.findings:
            return "VULNERABLE"
        return "PARTIAL" if self.unaudited else "CLEAN"


def _pip_audit_bin() -> Path:
    venv = TOOLS_CACHE / f"pip-audit-{PIP_AUDIT_VERSION}"
    exe = venv / "bin" / "pip-audit"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet",
                        f"pip-audit=={PIP_AUDIT_VERSION}"], check=True)
    return exe


def backend_requirements() -> tuple[list[str], str]:
    """name==version of every distribution in the runtime image (else the pinned file)."""
    if docker_cli.image_exists(BACKEND_IMAGE):
        out = docker_cli.out(["run", "--rm", "--network", "none", "--entrypoint", "python",
                              BACKEND_IMAGE, "-c", LIST_INSTALLED])
        return [line for line in out.splitlines() if line.strip()], f"installed in {BACKEND_IMAGE}"
    reqs = [line.split("#")[0].strip() for line in
            (REPO_ROOT / "backend" / "requirements.txt").read_text().splitlines()]
    return [r for r in reqs if "==" in r], "backend/requirements.txt (image not built)"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pypi_latest_vulns(name: str, version: str) -> list[dict] | None:
    """Fallback when pip-audit's per-release lookup fails: PyPI's project JSON lists the
    vulnerabilities of the *latest* release only, so it answers just when we pin the latest."""
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=15) as r:
            data = json.load(r)
    except (OSError, ValueError):
        return None
    if data.get("info", {}).get("version") != version or "vulnerabilities" not in data:
        return None
    return data["vulnerabilities"]


def pip_audit() -> Audit:
    audit = Audit("backend (pip-audit)")
    reqs, source = backend_requirements()
    audit.name += f": {len(reqs)} packages {source}"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(reqs) + "\n")
    try:
        proc = subprocess.run([str(_pip_audit_bin()), "--no-deps", "--disable-pip", "-r", fh.name,
                               "--format", "json", "--progress-spinner", "off"],
                              capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(fh.name)
    try:
        result = json.loads(proc.stdout or "{}")
    except ValueError:
        result = {}
    if "dependencies" not in result:
        audit.error = f"pip-audit failed ({proc.returncode}): {proc.stderr.strip()[-400:]}"
        return audit
    for dep in result["dependencies"]:
        pin = f"{dep['name']}=={dep.get('version', '?')}"
        if "skip_reason" in dep:
            audit.unaudited[dep["name"]] = dep["skip_reason"]
            continue
        audit.audited.append(pin)
        for v in dep.get("vulns", []):
            audit.findings.append({"package": dep["name"], "version": dep.get("version"),
                                   "id": v.get("id"), "fix": ", ".join(v.get("fix_versions", []))})
    # Second chance for skipped packages through the project JSON (covers latest-release pins).
    if audit.unaudited:
        audit.note = (f"pip-audit could not look up {len(audit.unaudited)} of {len(reqs)} packages: "
                      "PyPI's per-release JSON API (https://pypi.org/pypi/<name>/<version>/json) "
                      "answers 404 from this network and OSV (api.osv.dev) does not resolve; "
                      "those were checked against the vulnerabilities PyPI's project JSON lists "
                      "for the latest release, which applies because we pin that release")
    versions = {_norm(k): v for k, v in (r.split("==", 1) for r in reqs)}
    for name in list(audit.unaudited):
        version = versions.get(_norm(name))
        vulns = _pypi_latest_vulns(name, version) if version else None
        if vulns is None:
            continue
        del audit.unaudited[name]
        audit.audited.append(f"{name}=={version} (PyPI project JSON)")
        for v in vulns:
            if not v.get("withdrawn"):
                audit.findings.append({"package": name, "version": version, "id": v.get("id"),
                                       "fix": ", ".join(v.get("fixed_in", []))})
    if audit.unaudited:
        audit.error = ("no vulnerability data for these pins: not the latest release, and pip-audit's "
                       "per-release lookup is unavailable here")
    return audit


def npm_audit() -> Audit:
    audit = Audit("frontend (npm audit --omit=dev)")
    proc = subprocess.run(["npm", "audit", "--omit=dev", "--json"], cwd=REPO_ROOT / "frontend",
                          capture_output=True, text=True, timeout=300)
    try:
        data = json.loads(proc.stdout or "{}")
    except ValueError:
        data = {}
    if "error" in data or "vulnerabilities" not in data:
        err = data.get("error", {})
        msg = data.get("message") or err.get("summary") or proc.stderr.strip()[-300:]
        audit.error = f"the npm registry's audit endpoint did not answer: {msg}"
        return audit
    meta = data.get("metadata", {}).get("dependencies", {})
    audit.audited = [f"{meta.get('prod', '?')} production packages"]
    for name, v in data["vulnerabilities"].items():
        advisories = [x for x in v.get("via", []) if isinstance(x, dict)]
        audit.findings.append({"package": name, "version": v.get("range"),
                               "id": ", ".join(a.get("url", a.get("title", "")) for a in advisories)
                               or "via " + ", ".join(x for x in v.get("via", []) if isinstance(x, str)),
                               "fix": "npm audit fix" if v.get("fixAvailable") else "none",
                               "severity": v.get("severity")})
    return audit


def main() -> int:
    audits = [pip_audit(), npm_audit()]
    for a in audits:
        print(f"\n{a.name}: {a.status()}")
        print(f"  audited: {len(a.audited)}   not audited: {len(a.unaudited)}   findings: {len(a.findings)}")
        if a.note:
            print(f"  note: {a.note}")
        if a.error:
            print(f"  why not fully audited: {a.error}")
        if a.unaudited and len(a.unaudited) <= 60:
            print(f"  not audited: {', '.join(sorted(a.unaudited))}")
        for f in a.findings:
            sev = f" [{f['severity']}]" if f.get("severity") else ""
            print(f"  - {f['package']} {f['version']}{sev}: {f['id']} (fix: {f['fix'] or 'none'})")
    out = REPO_ROOT / "reports" / "images-audit.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps([a.__dict__ | {"status": a.status()} for a in audits], indent=2) + "\n")
    print(f"\n(report written to {out.relative_to(REPO_ROOT)})")
    if any(a.findings for a in audits):
        return 1
    return 3 if any(a.status() in ("NOT AUDITED", "PARTIAL") for a in audits) else 0
