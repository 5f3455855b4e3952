import pytest

from scripts.tilt import context, plan, secrets
from scripts.tilt.plan import Flags
from scripts.project import BACKEND_PORT, FRONTEND_PORT

BASES = plan.ImageSettings({"PYTHON_BASE": "python:3.13-slim", "NODE_BASE": "node:22-slim"},
                           secrets=["id=build_ca,src=/etc/ssl/certs/ca-certificates.crt"], network="host")


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "extra.yaml").write_text("backend: {}\n")
    return tmp_path


def build(repo, ctx="todo-local", **kw):
    return plan.build(Flags(**kw), ctx, BASES, repo=repo)


def test_dev_plan_uses_dev_targets_and_dev_values(repo):
    p = build(repo)
    assert p["values"] == ["helm/todo-app/values-dev.yaml"]
    assert p["build"]["target"] == "dev" and p["services"] == ["backend", "frontend"]
    args = p["build"]["args"]
    assert args["backend"]["PYTHON_BASE"] == "python:3.13-slim" and "NODE_BASE" not in args["backend"]
    assert args["frontend"]["NODE_BASE"] == "node:22-slim" and "PYTHON_BASE" not in args["frontend"]
    # Built exactly like `scripts.images build`: CA bundle secret for pip/npm, same network.
    assert p["build"]["secret"] == BASES.secrets and p["build"]["network"] == "host"
    # The chart's image repositories: Tilt's builds replace exactly the images the pods name.
    assert p["images"] == {"backend": "todo-backend", "frontend": "todo-frontend", "postgresql": "todo-postgres"}


def test_prod_plan_uses_runtime_targets_and_times_no_live_update(repo):
    (repo / ".env").write_text("JWT_SECRET=" + "p" * 40 + "\n")
    p = build(repo, mode="prod")
    assert p["values"] == []
    assert p["build"]["target"] == "runtime"
    assert p["loop_stats"] == []


def test_prod_requires_its_own_jwt_secret(repo):
    with pytest.raises(secrets.SecretError, match="JWT_SECRET"):
        build(repo, mode="prod")
    assert not (repo / ".env").exists(), "prod must not generate a secret"


def test_the_plan_only_reads_the_env_file(repo):
    build(repo)
    assert not (repo / ".env").exists(), "generating dev secrets is its own step (dev-secrets), not the plan's"


def test_checksum_follows_the_env_file(repo):
    secrets.ensure_dev_secrets(repo / ".env", "dev", "sqlite")
    first = build(repo)["set"]
    (repo / ".env").write_text((repo / ".env").read_text() + "COHERE_API_KEY=k\n")
    assert build(repo)["set"] != first


def test_unknown_context_is_refused_before_anything_else(repo):
    with pytest.raises(context.ContextRefused):
        build(repo, ctx="prod-eu")
    assert not (repo / ".env").exists()


def test_ports_and_probes_follow_the_flags(repo):
    p = build(repo, backend_port=18000, frontend_port=13000)
    assert p["ports"] == {"backend": {"local": 18000, "container": BACKEND_PORT, "debugger": None},
                          "frontend": {"local": 13000, "container": FRONTEND_PORT, "debugger": None}}
    urls = {pr["name"]: pr["url"] for pr in p["probes"]}
    assert urls == {
        "backend-liveness": "http://localhost:18000/health",
        "backend-readiness": "http://localhost:18000/ready",
        "frontend-liveness": "http://localhost:13000/api/health",
        "frontend-readiness": "http://localhost:13000/api/ready",
    }


def test_only_backend_drops_the_frontend_everywhere(repo):
    p = build(repo, only=["backend"])
    assert p["services"] == ["backend"]
    assert {pr["service"] for pr in p["probes"]} == {"backend"}
    assert "frontend.replicaCount=0" in p["set"] and "backend.replicaCount=0" not in p["set"]


@pytest.mark.parametrize("kw, needle", [
    ({"mode": "staging"}, "--mode='staging'"),
    ({"only": ["db"]}, "--only=db"),
    ({"values": ["missing.yaml"]}, "--values=missing.yaml: no such file"),
    ({"backend_port": 0}, "--backend-port=0"),
])
def test_bad_flags_name_the_flag(repo, kw, needle):
    with pytest.raises(plan.PlanError) as err:
        build(repo, **kw)
    assert needle in str(err.value)


def test_extra_values_files_come_after_the_modes_own(repo):
    assert build(repo, values=["extra.yaml"])["values"] == ["helm/todo-app/values-dev.yaml", "extra.yaml"]


def test_flags_from_tilt_config_use_dashed_names():
    f = Flags.from_tilt({"mode": "prod", "backend-port": "18000", "only": ["backend"]})
    assert (f.mode, f.backend_port, f.only, f.frontend_port) == ("prod", 18000, ["backend"], FRONTEND_PORT)



def test_the_checks_flag_is_a_list_none_or_absent_and_unknown_names_are_refused_with_the_choices(repo):
    assert Flags.from_tilt({}).checks is None  # the subcommand's default set
    assert Flags.from_tilt({"checks": ["api-contract,backend-tests"]}).checks == ["api-contract", "backend-tests"]
    assert Flags.from_tilt({"checks": ["api-contract", "frontend-types"]}).checks == ["api-contract", "frontend-types"]
    assert Flags.from_tilt({"checks": ["none"]}).checks == []
    with pytest.raises(plan.PlanError, match=r"--checks=backend-test: no such check; choose from api-contract, "
                                             r"frontend-types, frontend-lint, frontend-tests, backend-tests"):
        plan.validate(Flags.from_tilt({"checks": ["backend-test"]}), repo)

def test_namespace_enforces_restricted_and_is_kept_on_down():
    from scripts.tilt import namespace
    ns = namespace.manifest("t1")
    assert ns["metadata"]["name"] == "t1"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert ns["metadata"]["annotations"]["tilt.dev/down-policy"] == "keep"


def test_a_values_file_naming_another_secret_is_refused_with_the_fix(repo):
    (repo / "other-secret.yaml").write_text("secrets:\n  existingSecret: my-secret\n")
    with pytest.raises(plan.PlanError, match=r"other-secret.yaml sets secrets.existingSecret='my-secret'.*"
                                             r"helm/todo-app/values.yaml"):
        build(repo, values=["other-secret.yaml"])
    (repo / "same-secret.yaml").write_text(f"secrets:\n  existingSecret: {secrets.SECRET_NAME}\n")
    assert build(repo, values=["same-secret.yaml"])["values"][-1] == "same-secret.yaml"


def test_an_unparsable_values_file_is_left_to_the_chart_render_which_names_the_line(repo):
    (repo / "broken.yaml").write_text("backend:\n  image: [unclosed\n")
    assert build(repo, values=["broken.yaml"])["values"][-1] == "broken.yaml"  # preflight.render reports it
