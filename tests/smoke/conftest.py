"""Smoke tests run by Tilt (`tilt ci`, or the dashboard button) through the port-forwards.

URLs come from the Tiltfile (SMOKE_BACKEND_URL / SMOKE_FRONTEND_URL), so a test loop on other ports
is checked, never a developer's own loop by accident.
"""
import os
import uuid

import pytest
import requests
from scripts.project import BACKEND_PORT, FRONTEND_PORT

TIMEOUT = 10


@pytest.fixture(scope="session")
def backend_url():
    return os.environ.get("SMOKE_BACKEND_URL", f"http://localhost:{BACKEND_PORT}").rstrip("/")


@pytest.fixture(scope="session")
def frontend_url():
    return os.environ.get("SMOKE_FRONTEND_URL", f"http://localhost:{FRONTEND_PORT}").rstrip("/")


@pytest.fixture
def user():
    return {"email": f"smoke-{uuid.uuid4().hex[:10]}@example.com", "password": f"pw-{uuid.uuid4().hex}"}


@pytest.fixture
def browser(frontend_url, user):
    """A requests session that behaves like the browser: signs up through the frontend, keeps the cookie."""
    s = requests.Session()
    r = s.post(f"{frontend_url}/api/auth/signup", json=user, timeout=TIMEOUT)
    assert r.status_code in (200, 201), r.text
    yield s
    s.close()
