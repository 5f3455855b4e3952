"""Third-party policy checkers on the rendered chart and the Dockerfiles: kube-score, checkov and
hadolint, the pinned builds from scripts/versions.toml (installed through the toolchain when
missing). Each runner returns its findings in one shape, so one allowlist (policy-allowlist.yaml)
covers all three; a finding that is neither fixed nor listed there fails with the tool's own words.

kube-linter and Polaris, which the audit in issue 17 also ran, are not here: the Go module proxy
answers 403 for both modules on this network and no other registry we reach ships them.

Run as a script to print each tool's version and failed/total checks for one render:
    .venv/bin/python tests/chart/policy_checkers.py rendered.yaml
(A uniquely named module, so other suites' conftest.py files can never shadow it.)
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pinned_tools import ToolInstallError, pinned_binaries  # noqa: E402
from scripts.toolchain.versions import load as load_versions  # noqa: E402  (needs REPO on sys.path)

TOOLS = ("kube-score", "checkov", "hadolint")
ALLOWLIST = Path(__file__).resolve().parent / "policy-allowlist.yaml"
DOCKERFILES = sorted((REPO / "docker").glob("*.Dockerfile"))


class CheckerError(RuntimeError):
    """A checker could not run or its output could not be read (never a finding)."""


@dataclasses.dataclass(frozen=True)
class Finding:
    tool: str
    check: str  # the tool's check id: container-image-pull-policy, CKV_K8S_43, DL3008
    object: str  # Kind/name for Kubernetes objects, the repo-relative path for a Dockerfile
    message: str  # the tool's own words

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.tool, self.check, self.object)


@dataclasses.dataclass
class Report:
    findings: list[Finding]
    failed: int  # checks that failed (kube-score and checkov count every check they ran)
    total: int


# ---- the binaries ---------------------------------------------------------------------------------

def binaries() -> dict[str, Path]:
    """The pinned checkers, installed on first use."""
    try:
        return pinned_binaries(*TOOLS)
    except ToolInstallError as error:
        raise CheckerError(str(error)) from None


def version(binary: Path) -> str:
    cmd = [str(binary), "version"] if binary.name == "kube-score" else [str(binary), "--version"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout.strip()


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL, **kwargs)


def _json(proc: subprocess.CompletedProcess, what: str):
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise CheckerError(f"{what} printed no JSON (exit {proc.returncode}):\n{proc.stderr or proc.stdout}") from None


# ---- kube-score -----------------------------------------------------------------------------------

def kube_score(binary: Path, render: Path, kubernetes_version: str) -> Report:
    """Every check, the optional ones too (ephemeral storage, requests == limits, …)."""
    major_minor = ".".join(kubernetes_version.split(".")[:2])
    proc = _run([binary, "score", "--all-default-optional", "--kubernetes-version", f"v{major_minor}",
                 "--output-format", "json", render])
    findings, total = [], 0
    for obj in _json(proc, "kube-score"):
        name = f"{obj['type_meta']['kind']}/{obj['object_meta']['name']}"
        for result in obj["checks"]:
            if result["skipped"]:
                continue
            total += 1
            if result["grade"] < 10:  # 10 = ok, 5 = warning, 1 = critical
                check = result["check"]
                level = "WARNING" if result["grade"] >= 5 else "CRITICAL"
                said = "; ".join(f"{c.get('path') or ''} {c['summary']}: {c.get('description') or ''}".strip()
                                 for c in result["comments"] or [])
                findings.append(Finding("kube-score", check["id"], name,
                                        f"[{level}] {name}: {check['id']} ({check['name']}): {said}"))
    return Report(findings, len(findings), total)


# ---- checkov --------------------------------------------------------------------------------------

def checkov(binary: Path, target: Path, framework: str) -> Report:
    """One run per render (kubernetes) or over docker/ (dockerfile). --skip-download: checkov
    otherwise fetches guidelines and policies from its vendor."""
    flag = "-d" if target.is_dir() else "-f"
    proc = _run([binary, "--skip-download", "--framework", framework, flag, target, "--output", "json"])
    data = _json(proc, "checkov")
    findings, failed, total = [], 0, 0
    for run in data if isinstance(data, list) else [data]:
        if "results" not in run:  # an empty report: nothing of this framework in the target
            continue
        failed += run["summary"]["failed"]
        total += run["summary"]["passed"] + run["summary"]["failed"]
        for result in run["results"]["failed_checks"]:
            if framework == "dockerfile":
                obj = f"docker/{Path(result['file_path']).name}"
            else:
                # Kind.namespace.name, graph checks append the pod labels: Kind and name identify it.
                kind, _, name = result["resource"].split(".")[:3]
                obj = f"{kind}/{name}"
            guideline = f" ({result['guideline']})" if result.get("guideline") else ""
            findings.append(Finding("checkov", result["check_id"], obj,
                                    f"{result['check_id']}: {result['check_name']} — {result['resource']}"
                                    f"{guideline}"))
    return Report(findings, failed, total)


# ---- hadolint -------------------------------------------------------------------------------------

def hadolint(binary: Path, dockerfile: Path, name: str) -> Report:
    """`name` is how the allowlist refers to the file (its path in the repo)."""
    with tempfile.TemporaryDirectory() as tmp:
        # An explicit, empty config: a .hadolint.yaml in the cwd or the user's config dir must not
        # silence rules behind the allowlist's back.
        config = Path(tmp) / "hadolint.yaml"
        config.write_text("ignored: []\n")
        proc = _run([binary, "--config", config, "--format", "json", "--no-fail", dockerfile], cwd=tmp)
    findings = [Finding("hadolint", r["code"], name, f"{name}:{r['line']} {r['code']} {r['level']}: {r['message']}")
                for r in _json(proc, "hadolint")]
    return Report(findings, len(findings), len(findings))


# ---- the allowlist --------------------------------------------------------------------------------

RENDERS = ("prod", "dev", "optins", "postgres", "docker")


def allowlist() -> list[dict]:
    """Entries {tool, check, objects, renders, reason} from policy-allowlist.yaml."""
    data = yaml.safe_load(ALLOWLIST.read_text()) or {}
    return [{"tool": tool, "check": item.get("check"), "objects": item.get("objects") or [],
             "renders": item.get("renders") or list(RENDERS), "reason": item.get("reason")}
            for tool, items in data.items() for item in items]


def allowed_keys(render: str) -> set[tuple[str, str, str]]:
    return {(e["tool"], e["check"], obj) for e in allowlist() if render in e["renders"] for obj in e["objects"]}


def unexpected(findings: list[Finding], render: str) -> list[Finding]:
    allowed = allowed_keys(render)
    return [f for f in findings if f.key not in allowed]


def describe(findings: list[Finding], where: str) -> str:
    lines = "\n".join(f"  {f.message}" for f in findings)
    return (f"{len(findings)} new finding(s) on {where}: fix them, or add each to "
            f"{ALLOWLIST.relative_to(REPO)} (check, object, one-line reason):\n{lines}")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: policy_checkers.py RENDERED.yaml", file=sys.stderr)
        return 2
    render = Path(argv[0]).resolve()
    tools = binaries()
    kube = load_versions().kubernetes
    for name, report in (("kube-score", kube_score(tools["kube-score"], render, kube)),
                         ("checkov", checkov(tools["checkov"], render, "kubernetes"))):
        print(f"{name} ({version(tools[name])}): {report.failed} failed / {report.total} checks")
    dockerfiles = [hadolint(tools["hadolint"], f, f"docker/{f.name}") for f in DOCKERFILES]
    print(f"hadolint ({version(tools['hadolint'])}): {sum(r.failed for r in dockerfiles)} findings "
          f"on {len(DOCKERFILES)} Dockerfiles")
    docker = checkov(tools["checkov"], REPO / "docker", "dockerfile")
    print(f"checkov dockerfile: {docker.failed} failed / {docker.total} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
