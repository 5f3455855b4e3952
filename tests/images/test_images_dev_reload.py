"""Dev images reload on a file written into the app dir as the runtime user, which is what
Tilt's live update does (tar over `docker exec`/`kubectl exec`, as the app user)."""
from __future__ import annotations

import time
import uuid

import pytest

from images_helpers import APP_UID, WRITABLE, start

AS_APP = f"{APP_UID}:{APP_UID}"

# Appended to backend/app/main.py: wraps the contract's factory `app.main:create_app` (what
# `python -m app` hands uvicorn) with one extra route, so only a real reload can serve it.
BACKEND_PATCH = """

_create_app_before_reload_probe = create_app


def create_app(*args, **kwargs):
    application = _create_app_before_reload_probe(*args, **kwargs)
    application.add_api_route("/reload-probe", lambda: {{"probe": "{token}"}})
    return application
"""
FRONTEND_PAGE = "export default function ReloadProbe() {{\n  return <p>{token}</p>;\n}}\n"


@pytest.fixture
def dev(request, built):
    service = request.param
    # Mount the writable dirs as the chart does (emptyDir/PVC): the runtime creates missing mount
    # points as root, which once left next dev unable to create .next/dev.
    mounts = [a for path in WRITABLE[service] if path != "/tmp"
              for a in ("--tmpfs", f"{path}:uid={APP_UID},gid={APP_UID},mode=0700")]
    c = start(service, f"todo-{service}:dev", extra=tuple(mounts))
    yield c
    c.remove()


def _wait_for(container, path: str, token: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    body = ""
    while time.monotonic() < deadline:
        try:
            status, body = container.get(path, timeout=30)
            if status == 200 and token in body:
                return
        except OSError:
            pass  # the reloader restarts the server: refused connections are expected briefly
        time.sleep(0.5)
    pytest.fail(f"{container.image} did not serve {token!r} at {path} within {within}s "
                f"(last body {body[:200]!r}); logs:\n{container.logs()[-3000:]}")


@pytest.mark.parametrize("dev", ["backend"], indirect=True)
def test_backend_dev_reloads_a_route_change_synced_as_app_user(dev):
    dev.wait_http("/health", 200, within=60)
    assert dev.get("/reload-probe")[0] == 404
    token = uuid.uuid4().hex
    dev.exec("sh", "-c", "cat >> /app/app/main.py", user=AS_APP,
             stdin=BACKEND_PATCH.format(token=token))
    _wait_for(dev, "/reload-probe", token)


@pytest.mark.parametrize("dev", ["frontend"], indirect=True)
def test_frontend_dev_reloads_an_edited_page_synced_as_app_user(dev):
    dev.wait_http("/api/health", 200, within=90)
    first, second = f"first-{uuid.uuid4().hex}", f"second-{uuid.uuid4().hex}"
    write = "mkdir -p /app/src/app/reload-probe && cat > /app/src/app/reload-probe/page.tsx"
    dev.exec("sh", "-c", write, user=AS_APP, stdin=FRONTEND_PAGE.format(token=first))
    _wait_for(dev, "/reload-probe", first, within=90)
    # Editing the now-compiled page must be picked up by next dev's watcher, not just a new route.
    dev.exec("sh", "-c", "cat > /app/src/app/reload-probe/page.tsx", user=AS_APP,
             stdin=FRONTEND_PAGE.format(token=second))
    _wait_for(dev, "/reload-probe", second, within=60)
