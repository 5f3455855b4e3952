"""`--db=postgres`: the plan builds the PostgreSQL image, turns the chart's postgresql on, starts the
backend after it, and the Secret gets a generated POSTGRES_PASSWORD plus a DATABASE_URL for it."""
import pytest

from scripts import project
from scripts.tilt import plan, secrets
from scripts.tilt.plan import Flags

SETTINGS = plan.ImageSettings({"PYTHON_BASE": "python:3.13-slim", "NODE_BASE": "node:22-slim"},
                              network="host", postgres_base="todo-app/base-python:3.13-trixie-abc")


def build(repo, **kw):
    """As the Tiltfile does it: the dev-secrets step, then the plan."""
    flags = Flags(**kw)
    secrets.ensure_dev_secrets(repo / flags.env_file, flags.mode, flags.db)
    return plan.build(flags, "todo-local", SETTINGS, repo=repo)


def test_default_plan_has_no_database_image_or_resource(tmp_path):
    p = build(tmp_path)
    assert p["db"] == "sqlite"
    assert not any(s.startswith("postgresql.") for s in p["set"])


def test_postgres_plan_builds_the_image_and_enables_the_chart_database(tmp_path):
    p = build(tmp_path, db="postgres")
    assert p["db"] == "postgres" and p["images"]["postgresql"] == "todo-postgres"
    assert p["build"]["args"]["postgresql"] == {"POSTGRES_BASE": "todo-app/base-python:3.13-trixie-abc",
                                                **project.FACTS.build_args("postgresql")}  # the app user's ids
    assert p["build"]["network"] == "host"
    assert "postgresql.enabled=true" in p["set"]


def test_postgres_password_is_generated_once_into_env_and_the_url_is_derived(tmp_path):
    env = tmp_path / ".env"
    first = build(tmp_path, db="postgres")["set"]
    password = secrets.dotenv.load(env)["POSTGRES_PASSWORD"]
    assert len(password) >= 24
    assert build(tmp_path, db="postgres")["set"] == first  # stable: the database keeps its first password
    data = secrets.secret_data(env, [], db="postgres", release="todo-app")
    assert data["POSTGRES_PASSWORD"] == password
    assert data["DATABASE_URL"] == f"postgresql://todo:{password}@todo-app-postgresql:5432/todo"


def test_generated_url_escapes_a_hand_written_password():
    assert secrets.postgres_url("p@ss/w:rd", "rel") == "postgresql://todo:p%40ss%2Fw%3Ard@rel-postgresql:5432/todo"


def test_postgres_secret_without_a_password_names_the_key_and_the_fix(tmp_path):
    env = tmp_path / ".env"
    env.write_text("JWT_SECRET=" + "j" * 40 + "\n")
    with pytest.raises(secrets.SecretError, match="POSTGRES_PASSWORD.*nothing was deployed"):
        secrets.secret_data(env, [], db="postgres")


@pytest.mark.parametrize("kw, needle", [({"db": "mysql"}, "--db='mysql'"),
                                        ({"db": "postgres", "only": ["frontend"]}, "--only=frontend")])
def test_bad_database_flags_name_the_flag(tmp_path, kw, needle):
    with pytest.raises(plan.PlanError) as err:
        build(tmp_path, **kw)
    assert needle in str(err.value)


def test_db_flag_comes_from_tilt_config():
    assert Flags.from_tilt({"db": "postgres"}).db == "postgres"
    assert Flags.from_tilt({}).db == "sqlite"
