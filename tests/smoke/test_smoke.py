"""The loop's promise: both services up, wired together, and doing their job."""
import requests

from conftest import TIMEOUT


def test_backend_is_live_and_ready(backend_url):
    assert requests.get(f"{backend_url}/health", timeout=TIMEOUT).status_code == 200
    ready = requests.get(f"{backend_url}/ready", timeout=TIMEOUT)
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"


def test_frontend_is_live_and_ready(frontend_url):
    assert requests.get(f"{frontend_url}/api/health", timeout=TIMEOUT).status_code == 200
    assert requests.get(f"{frontend_url}/api/ready", timeout=TIMEOUT).status_code == 200


def test_signup_sets_an_httponly_cookie_and_never_returns_the_token(frontend_url, user):
    r = requests.post(f"{frontend_url}/api/auth/signup", json=user, timeout=TIMEOUT)
    assert r.status_code in (200, 201), r.text
    assert "access_token" not in r.text
    assert "httponly" in r.headers.get("set-cookie", "").lower()


def test_login_through_the_frontend_then_me(frontend_url, browser, user):
    fresh = requests.Session()
    r = fresh.post(f"{frontend_url}/api/auth/login", json=user, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    me = fresh.get(f"{frontend_url}/api/auth/me", timeout=TIMEOUT)
    assert me.status_code == 200 and me.json()["email"] == user["email"]


def test_task_crud_through_the_frontend_proxy(frontend_url, browser):
    created = browser.post(f"{frontend_url}/api/tasks", json={"title": "smoke: buy milk"}, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    task = created.json()
    listed = browser.get(f"{frontend_url}/api/tasks", params={"q": "smoke"}, timeout=TIMEOUT).json()
    assert [t["id"] for t in listed["items"]] == [task["id"]]
    done = browser.patch(f"{frontend_url}/api/tasks/{task['id']}", json={"done": True}, timeout=TIMEOUT)
    assert done.status_code == 200 and done.json()["done"] is True
    assert browser.delete(f"{frontend_url}/api/tasks/{task['id']}", timeout=TIMEOUT).status_code == 204
    gone = browser.get(f"{frontend_url}/api/tasks/{task['id']}", timeout=TIMEOUT)
    assert gone.status_code == 404


def test_chat_fallback_adds_a_task(frontend_url, browser):
    r = browser.post(f"{frontend_url}/api/chat", json={"message": "add water the plants tomorrow"},
                     timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["actions"] and body["actions"][0]["type"] == "created"
    titles = [t["title"] for t in browser.get(f"{frontend_url}/api/tasks", timeout=TIMEOUT).json()["items"]]
    assert any("water the plants" in t for t in titles)


def test_the_api_refuses_anonymous_requests(frontend_url):
    assert requests.get(f"{frontend_url}/api/tasks", timeout=TIMEOUT).status_code == 401
