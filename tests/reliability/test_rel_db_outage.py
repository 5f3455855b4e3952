"""Database outage in the dev loop (`tilt up -- --db=postgres`): PostgreSQL scaled to 0 makes the
backend unready (503 within 5 s) but not dead (/health 200, no restart), Tilt's backend-readiness
resource turns red with the reason in its log, and after a restore everything is back within 10 s
with every task written before the outage still there."""
import time

import requests

from reliability_helpers import TIMEOUT, new_user, record, wait_for

PG = "statefulset/todo-app-postgresql"


def status(url: str) -> int:
    return requests.get(url, timeout=3).status_code


def test_db_outage_makes_backend_unready_not_dead_and_recovers_without_losing_tasks(pg_loop):
    base = pg_loop.url
    _, auth = new_user(base)
    titles = [f"before outage {i}" for i in range(20)]
    for title in titles:
        r = requests.post(f"{base}/api/tasks", json={"title": title}, headers=auth, timeout=TIMEOUT)
        assert r.status_code == 201, r.text
    (backend_before,) = pg_loop.pods("backend")
    assert pg_loop.runtime_status("backend-readiness") == "ok"
    log_offset = len(pg_loop.log.read_text(errors="replace"))

    # --- outage -------------------------------------------------------------------------------
    pg_loop.kubectl("scale", PG, "--replicas=0")
    stopped = time.monotonic()
    health_codes = []

    def unready():
        health_codes.append(status(f"{base}/health"))
        return status(f"{base}/ready") == 503
    _, to_unready = wait_for(unready, 30, "/ready to answer 503")
    assert to_unready <= 5, f"/ready took {to_unready:.1f}s to turn 503"
    _, to_red = wait_for(lambda: pg_loop.runtime_status("backend-readiness") == "error", 30,
                         "Tilt's backend-readiness to turn red", interval=0.5)
    to_red = time.monotonic() - stopped
    # Stay down a little: liveness must keep passing (the kubelet probes /health every 10 s).
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline:
        health_codes.append(status(f"{base}/health"))
        assert status(f"{base}/ready") == 503
        time.sleep(0.5)
    assert set(health_codes) == {200}, health_codes
    outage_log = pg_loop.log.read_text(errors="replace")[log_offset:]
    # The probe watcher logs each transition under its resource: "backend /ready 200 → 503 database unreachable".
    probe_lines = [l for l in outage_log.splitlines() if "backend /ready" in l]
    assert any("503" in l and "database unreachable" in l for l in probe_lines), outage_log[-3000:]

    # --- restore --------------------------------------------------------------------------------
    pg_loop.kubectl("scale", PG, "--replicas=1")
    restored = time.monotonic()
    _, to_ready = wait_for(lambda: status(f"{base}/ready") == 200, 60, "/ready to answer 200 again")
    assert to_ready <= 10, f"/ready took {to_ready:.1f}s after the restore"
    wait_for(lambda: pg_loop.runtime_status("backend-readiness") == "ok", 30,
             "Tilt's backend-readiness to turn green", interval=0.5)
    to_green = time.monotonic() - restored

    assert pg_loop.pods("backend") == [backend_before], "the backend pod was restarted or replaced"
    r = requests.get(f"{base}/api/tasks", params={"limit": 100}, headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200
    assert sorted(t["title"] for t in r.json()["items"]) == sorted(titles)
    record("db_outage", {"seconds_to_ready_503": round(to_unready, 2), "seconds_to_tilt_red": round(to_red, 2),
                         "seconds_to_ready_200_after_restore": round(to_ready, 2),
                         "seconds_to_tilt_green_after_restore": round(to_green, 2),
                         "health_checks_during_outage": len(health_codes), "health_non_200": 0,
                         "backend_restarts": backend_before[1], "tasks_before": len(titles),
                         "tasks_after": len(r.json()["items"])})
