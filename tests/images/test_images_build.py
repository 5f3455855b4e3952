"""The one build command produces all four images, labelled and configured as the chart expects."""
from __future__ import annotations

import re

import pytest

from images_helpers import APP_GID, APP_UID, docker
from scripts.images import docker_cli
from scripts.images.config import REPO_ROOT

IMAGES = [f"todo-{s}:{t}" for s in ("backend", "frontend") for t in ("dev", "runtime")]


@pytest.mark.parametrize("image", IMAGES)
def test_build_command_tags_every_image_with_target_and_content_tag(built, image):
    assert docker_cli.image_exists(image), f"{image} missing after `python3 -m scripts.images build`"
    repo, target = image.split(":")
    image_id = docker_cli.image_inspect(image)["Id"]
    content_tags = [t for t in docker_cli.image_inspect(image)["RepoTags"]
                    if re.fullmatch(rf"{repo}:{target}-[0-9a-f]{{12}}", t)]
    assert content_tags, f"{image} has no content tag <target>-<hash> (tags: {content_tags})"
    assert any(docker_cli.image_inspect(t)["Id"] == image_id for t in content_tags)


@pytest.mark.parametrize("image", IMAGES)
def test_images_run_as_numeric_app_user_shared_with_chart(built, image):
    cfg = docker_cli.image_inspect(image)["Config"]
    assert cfg["User"] == f"{APP_UID}:{APP_GID}", "numeric USER needed for runAsNonRoot + live update"
    out = docker("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c",
                 "id -u; id -g; getent passwd app | cut -d: -f3; stat -c %u /app").stdout.split()
    assert out == [str(APP_UID), str(APP_GID), str(APP_UID), str(APP_UID)], f"uid/gid/app user/app dir owner: {out}"


@pytest.mark.parametrize("image", [i for i in IMAGES if i.endswith(":runtime")])
def test_runtime_images_carry_oci_labels_and_a_curl_free_healthcheck(built, image):
    cfg = docker_cli.image_inspect(image)["Config"]
    labels = cfg["Labels"] or {}
    for key in ("source", "revision", "version", "created"):
        value = labels.get(f"org.opencontainers.image.{key}", "")
        assert value and value != "unknown", f"label org.opencontainers.image.{key} is {value!r}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", labels["org.opencontainers.image.created"])
    test = " ".join(cfg["Healthcheck"]["Test"])
    assert "curl" not in test and "wget" not in test, f"HEALTHCHECK needs a tool slim lacks: {test}"


def test_dockerfiles_use_base_args_with_official_defaults_and_no_syntax_line():
    for name, arg, default in (("backend", "PYTHON_BASE", "python:3.13-slim"),
                               ("frontend", "NODE_BASE", "node:22-slim")):
        text = (REPO_ROOT / "docker" / f"{name}.Dockerfile").read_text()
        assert not re.search(r"^#\s*syntax\s*=", text, re.M | re.I), "no `# syntax=`: offline"
        assert f"ARG {arg}={default}\n" in text
        assert re.search(rf"^FROM \$\{{{arg}\}} AS base$", text, re.M)
        assert re.search(r"^FROM \S+ AS dev$", text, re.M) and re.search(r"^FROM \S+ AS runtime$", text, re.M)


@pytest.mark.parametrize("context", ["backend", "frontend"])
def test_dockerignore_keeps_secrets_and_vcs_out_of_the_context(context):
    lines = set((REPO_ROOT / context / ".dockerignore").read_text().split())
    assert {"**/.git", "**/.env", "**/.env.*"} <= lines


@pytest.mark.parametrize("image", [i for i in IMAGES if i.endswith(":dev")])
def test_dev_images_have_tar_and_a_writable_app_dir_for_live_update(built, image):
    # Tilt's live update streams a tar archive into the container and unpacks it as the app user.
    out = docker("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c",
                 "command -v tar && echo synced | tar -cf - -C /tmp . >/dev/null "
                 "&& touch /app/.live-update-probe && echo writable").stdout.split()
    assert out[-1] == "writable" and out[0].endswith("/tar"), out
