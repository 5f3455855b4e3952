import subprocess

import pytest

from scripts.tilt import reset_data


def test_backend_stops_before_its_claim_is_deleted_and_tilt_reapplies_both():
    cmds = [" ".join(c) for c in reset_data.commands("ns1", "rel", "todo-local")]
    scale = next(i for i, c in enumerate(cmds) if "scale deployment/rel-backend --replicas=0" in c)
    delete = next(i for i, c in enumerate(cmds) if "delete pvc rel-backend-data" in c)
    assert scale < delete
    assert cmds[-2:] == ["tilt trigger uncategorized", "tilt trigger backend"]
    assert all("--context todo-local" in c for c in cmds if c.startswith("kubectl"))


def test_a_failing_step_stops_the_reset_and_names_the_command():
    ran = []

    def run(cmd):
        ran.append(cmd)
        return subprocess.CompletedProcess(cmd, 1 if "wait" in cmd else 0)

    with pytest.raises(reset_data.ResetError, match="kubectl .* wait .* failed"):
        reset_data.reset("ns1", "rel", "todo-local", run=run)
    assert not any("delete" in c for c in ran), "the claim must not be deleted while a pod may still use it"
