"""What the Tiltfile declares as checks, and the checks' own error paths."""
import hashlib

import pytest

from scripts.checks import NAMES, contract, resources, tools
from scripts.checks.frontend_env import CheckSetupError, require_node_modules
from scripts.tilt import tiltfile


def test_tilt_up_declares_every_check_and_tilt_ci_only_the_contract_and_types():
    assert [c["name"] for c in resources.for_tilt("up")] == list(NAMES) == [
        "api-contract", "frontend-types", "frontend-lint", "frontend-tests", "backend-tests"]
    assert [c["name"] for c in resources.for_tilt("ci")] == ["api-contract", "frontend-types"]
    assert set(tools.CHECKS) == set(NAMES), "one function per check"


def test_backend_checks_watch_what_the_backend_live_update_syncs():
    synced = [src for src, _ in tiltfile.live_syncs()["backend"]]
    by_name = {c["name"]: c for c in resources.for_tilt("up")}
    assert by_name["api-contract"]["deps"] == synced
    assert set(synced) | {"backend/tests"} <= set(by_name["backend-tests"]["deps"])


def test_what_the_checks_write_never_triggers_a_check():
    ignore = resources.for_tilt("up")[0]["ignore"]
    assert {"**/__pycache__", "**/node_modules", "**/.testmondata*"} <= set(ignore)


def test_missing_node_modules_is_one_error_naming_the_fix(tmp_path):
    with pytest.raises(CheckSetupError, match=r"frontend/node_modules is missing.*npm ci --prefix frontend"):
        require_node_modules(tmp_path)


def test_node_modules_installed_from_an_older_lock_file_is_refused(tmp_path):
    (tmp_path / "node_modules" / ".bin").mkdir(parents=True)
    (tmp_path / "node_modules" / ".bin" / "tsc").touch()
    lock = tmp_path / "package-lock.json"
    lock.write_text('{"lockfileVersion": 3}')
    stamp = tmp_path / "node_modules" / ".lock.sha256"
    stamp.write_text(hashlib.sha256(lock.read_bytes()).hexdigest())
    require_node_modules(tmp_path)
    lock.write_text('{"lockfileVersion": 3, "packages": {}}')
    with pytest.raises(CheckSetupError, match="package-lock.json changed since"):
        require_node_modules(tmp_path)


def test_regenerated_api_types_rerun_no_frontend_check_since_api_contract_type_checks_them():
    by_name = {c["name"]: c for c in resources.for_tilt("up")}
    for name in ("frontend-types", "frontend-lint", "frontend-tests"):
        assert contract.TYPES_DIR in by_name[name]["ignore"], name
        assert set(resources.IGNORE) <= set(by_name[name]["ignore"]), name
    assert contract.TYPES_DIR not in by_name["api-contract"]["ignore"]


def test_the_checks_flag_picks_checks_or_none_under_either_subcommand():
    assert [c["name"] for c in resources.for_tilt("up", ["backend-tests", "api-contract"])] == [
        "api-contract", "backend-tests"]
    assert [c["name"] for c in resources.for_tilt("ci", ["frontend-lint"])] == ["frontend-lint"]
    assert resources.for_tilt("up", []) == []
