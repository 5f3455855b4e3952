"""Which PortForward objects belong to a resource (the renewal itself runs against real Tilt in
tests/e2e/test_tilt_up_loop.py)."""
from scripts.tilt import port_forward


def _pf(name, resource):
    return {"metadata": {"name": name, "annotations": {"tilt.dev/resource": resource}}}


def test_only_the_resources_own_port_forwards_are_named():
    listing = {"items": [_pf("frontend-todo-app-frontend-abc", "frontend"), _pf("backend-todo-app-backend-x", "backend"),
                         {"metadata": {"name": "unannotated"}}]}
    assert port_forward.names_for(listing, "frontend") == ["frontend-todo-app-frontend-abc"]
    assert port_forward.names_for(listing, "db") == []
    assert port_forward.names_for({}, "frontend") == []
