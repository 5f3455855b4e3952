"""The in-cluster PostgreSQL image (docker/postgres.Dockerfile): built with its one command, it
reports its own health through the HEALTHCHECK (pg_isready), run the way the chart runs it
(the app user, read-only root, writable data/socket/tmp only)."""
import json
import time
import uuid

import pytest

from images_helpers import APP_UID, docker
from scripts.images import postgres

WRITABLE = ("/tmp", "/var/run/postgresql", "/var/lib/postgresql/data")


@pytest.fixture(scope="module")
def image(docker_engine) -> str:
    return postgres.build()[0]


@pytest.fixture
def container(image):
    name = f"todo-imgtest-postgres-{uuid.uuid4().hex[:8]}"
    args = ["run", "-d", "--name", name, "--label", "todo-app.test=images", "--network", "none",
            "--read-only", "--user", f"{APP_UID}:{APP_UID}", "-e", "POSTGRES_PASSWORD=images-test-password"]
    for path in WRITABLE:
        args += ["--tmpfs", f"{path}:uid={APP_UID},gid={APP_UID},mode=0775"]
    docker(*args, image)
    yield name
    docker("rm", "-f", "-v", name, check=False)


def test_the_image_declares_a_pg_isready_healthcheck(image):
    config = json.loads(docker("inspect", image).stdout)[0]["Config"]
    assert "pg_isready" in config["Healthcheck"]["Test"]


def test_a_fresh_container_initializes_and_becomes_healthy(container):
    deadline, status = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        state = json.loads(docker("inspect", container).stdout)[0]["State"]
        status = state.get("Health", {}).get("Status")
        if status == "healthy":
            break
        assert state["Running"], docker("logs", container, check=False).stderr[-2000:]
        time.sleep(1)
    logs = docker("logs", container, check=False)
    assert status == "healthy", f"health is {status!r} after 120s:\n{(logs.stdout + logs.stderr)[-2000:]}"
    assert "images-test-password" not in logs.stdout + logs.stderr
