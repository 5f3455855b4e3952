"""Third-party policy checkers nobody here wrote: kube-score (every check, optional ones too) and
checkov (kubernetes framework) on each values set's render, hadolint and checkov (dockerfile
framework) on docker/*.Dockerfile. A finding is either fixed or listed in policy-allowlist.yaml
with a reason; anything else fails with the checker's own message. Each checker is also fed one
known defect, so the wiring is shown to fail when it should."""

import copy

import pytest
import yaml

import policy_checkers as pc
from chart_helpers import RELEASE, VALUES_SETS, kubernetes_version, one, pinned_version

RENDERS = sorted(VALUES_SETS)
BACKEND = f"{RELEASE}-backend"


@pytest.fixture(scope="session")
def checkers() -> dict:
    """The pinned binaries; the toolchain installs any that are missing (once, into its cache)."""
    try:
        return pc.binaries()
    except pc.CheckerError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def render_files(helm, tmp_path_factory) -> dict:
    """Each values set rendered to a file (the checkers read files), once per session."""
    directory = tmp_path_factory.mktemp("renders")
    files = {}
    for name, values in VALUES_SETS.items():
        result = helm.template(values)
        if result.returncode != 0:
            pytest.fail(f"helm template ({name}) failed:\n{result.stderr}", pytrace=False)
        files[name] = directory / f"{name}.yaml"
        files[name].write_text(result.stdout)
    return files


def run_checkers(checkers, render_files) -> dict:
    """{render: [Finding]} for every render and for "docker" (the Dockerfiles)."""
    found = {}
    for name, path in render_files.items():
        found[name] = (pc.kube_score(checkers["kube-score"], path, kubernetes_version()).findings
                       + pc.checkov(checkers["checkov"], path, "kubernetes").findings)
    found["docker"] = pc.checkov(checkers["checkov"], pc.REPO / "docker", "dockerfile").findings + [
        f for dockerfile in pc.DOCKERFILES
        for f in pc.hadolint(checkers["hadolint"], dockerfile, f"docker/{dockerfile.name}").findings]
    return found


@pytest.fixture(scope="session")
def findings(checkers, render_files) -> dict:
    try:
        return run_checkers(checkers, render_files)
    except pc.CheckerError as error:
        pytest.fail(str(error), pytrace=False)


# ---- the gate ------------------------------------------------------------------------------------

def test_the_checkers_are_the_pinned_versions(checkers):
    for name in pc.TOOLS:
        pinned = pinned_version(name)
        assert pinned in pc.version(checkers[name]), f"{checkers[name]} is not {name} {pinned}"


@pytest.mark.parametrize("render", RENDERS + ["docker"])
def test_no_finding_is_neither_fixed_nor_allowlisted(findings, render):
    new = pc.unexpected(findings[render], render)
    where = "the Dockerfiles" if render == "docker" else f"the {render} render"
    assert not new, pc.describe(new, where)


def test_every_allowlist_entry_still_matches_a_finding(findings):
    # A fixed finding leaves its entry behind; a stale entry would silently allow it back.
    stale = []
    for entry in pc.allowlist():
        for obj in entry["objects"]:
            key = (entry["tool"], entry["check"], obj)
            if not any(f.key == key for render in entry["renders"] for f in findings.get(render, [])):
                stale.append(f"{entry['tool']} {entry['check']} {obj} (renders {entry['renders']})")
    assert not stale, "policy-allowlist.yaml entries no checker reports any more (remove them):\n" + "\n".join(stale)


def test_every_allowlist_entry_names_check_objects_and_a_one_line_reason():
    entries = pc.allowlist()
    assert entries
    seen = set()
    for entry in entries:
        where = f"{entry['tool']} {entry['check']}"
        assert entry["tool"] in pc.TOOLS, f"{where}: unknown tool"
        assert isinstance(entry["check"], str) and entry["check"], f"{where}: no check id"
        assert entry["objects"] and all(isinstance(o, str) and "/" in o for o in entry["objects"]), \
            f"{where}: objects must be Kind/name or docker/<file>"
        assert set(entry["renders"]) <= set(pc.RENDERS), f"{where}: renders must be among {pc.RENDERS}"
        reason = entry["reason"]
        assert isinstance(reason, str) and "\n" not in reason.strip() and len(reason.split()) >= 8, \
            f"{where}: give a one-line reason (a sentence)"
        for obj in entry["objects"]:
            assert (entry["tool"], entry["check"], obj) not in seen, f"{where} {obj} is listed twice"
            seen.add((entry["tool"], entry["check"], obj))


# ---- the wiring can fail -------------------------------------------------------------------------

@pytest.fixture
def render_without_backend_memory_limit(rendered, tmp_path):
    objects = copy.deepcopy(rendered["prod"])
    container = one(objects, "Deployment", BACKEND)["spec"]["template"]["spec"]["containers"][0]
    del container["resources"]["limits"]["memory"]
    path = tmp_path / "defect.yaml"
    path.write_text(yaml.safe_dump_all(objects))
    return path


def assert_gate_reports(found, render, expected_key, words):
    new = pc.unexpected(found, render)
    assert [f.key for f in new] == [expected_key], pc.describe(new, "the defect")
    message = pc.describe(new, "the defect")
    assert words in message and expected_key[1] in message, message


def test_kube_score_fails_a_container_without_a_memory_limit(checkers, render_without_backend_memory_limit):
    report = pc.kube_score(checkers["kube-score"], render_without_backend_memory_limit, kubernetes_version())
    assert_gate_reports(report.findings, "prod", ("kube-score", "container-resources", f"Deployment/{BACKEND}"),
                        "Memory limit is not set")


def test_checkov_fails_a_container_without_a_memory_limit(checkers, render_without_backend_memory_limit):
    report = pc.checkov(checkers["checkov"], render_without_backend_memory_limit, "kubernetes")
    assert_gate_reports(report.findings, "prod", ("checkov", "CKV_K8S_13", f"Deployment/{BACKEND}"),
                        "Memory limits should be set")


def test_hadolint_fails_a_dockerfile_that_ends_as_root(checkers, tmp_path):
    original = pc.REPO / "docker" / "backend.Dockerfile"
    defect = tmp_path / "backend.Dockerfile"
    defect.write_text(original.read_text() + "USER 0\n")
    report = pc.hadolint(checkers["hadolint"], defect, "docker/backend.Dockerfile")
    assert_gate_reports(report.findings, "docker", ("hadolint", "DL3002", "docker/backend.Dockerfile"),
                        "Last USER should not be root")
