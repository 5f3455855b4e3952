"""Authorization through the deployed stack (backend port-forward of the --db=postgres loop): a second
user tries every task endpoint (and the chat, which acts on tasks) on the first user's tasks.
Any success, any of the victim's data in an answer, or any change to the victim's tasks is a leak."""
import requests

from reliability_helpers import TIMEOUT, new_user, record


def test_cross_user_attempts_on_every_task_endpoint_leak_nothing(pg_loop):
    base = pg_loop.url
    _, victim = new_user(base)
    _, attacker = new_user(base)
    secret_titles = [f"victim-secret-{i}" for i in range(3)]
    ids = [requests.post(f"{base}/api/tasks", json={"title": t}, headers=victim, timeout=TIMEOUT).json()["id"]
           for t in secret_titles]
    own = requests.post(f"{base}/api/tasks", json={"title": "attacker own"}, headers=attacker, timeout=TIMEOUT)
    assert own.status_code == 201
    before = requests.get(f"{base}/api/tasks", headers=victim, timeout=TIMEOUT).json()

    attempts = []
    for task_id in ids:
        attempts += [
            ("GET", f"/api/tasks/{task_id}", None),
            ("PATCH", f"/api/tasks/{task_id}", {"title": "pwned"}),
            ("PATCH", f"/api/tasks/{task_id}", {"done": True}),
            ("DELETE", f"/api/tasks/{task_id}", None),
            ("POST", "/api/chat", {"message": f"delete task {task_id}"}),
            ("POST", "/api/chat", {"message": f"mark task {task_id} as done"}),
        ]
    attempts += [
        ("GET", "/api/tasks", None),
        ("GET", "/api/tasks?q=victim-secret", None),
        ("GET", "/api/tasks?status=open&limit=200", None),
        ("POST", "/api/chat", {"message": "show my tasks"}),
        ("POST", "/api/chat", {"message": "complete victim-secret-0"}),
    ]
    leaks = []
    for method, path, body in attempts:
        r = requests.request(method, f"{base}{path}", json=body, headers=attacker, timeout=TIMEOUT)
        assert r.status_code < 500, (method, path, r.status_code, r.text)
        if path.startswith("/api/tasks/") and r.status_code != 404:
            leaks.append((method, path, r.status_code))
        if any(t in r.text for t in secret_titles):
            leaks.append((method, path, "victim data in the answer"))
    # No token at all, and a forged one, are both refused on every endpoint.
    for headers in ({}, {"Authorization": "Bearer not.a.token"}):
        for method, path, body in attempts[:4] + attempts[-5:-2]:
            r = requests.request(method, f"{base}{path}", json=body, headers=headers, timeout=TIMEOUT)
            if r.status_code != 401:
                leaks.append((method, path, headers and "forged" or "anonymous", r.status_code))
    after = requests.get(f"{base}/api/tasks", headers=victim, timeout=TIMEOUT).json()
    assert after == before, "the victim's tasks changed"
    record("authorization", {"cross_user_attempts": len(attempts), "unauthenticated_attempts": 14,
                             "leaks": len(leaks)})
    assert leaks == []
