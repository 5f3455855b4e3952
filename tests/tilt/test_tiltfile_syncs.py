"""The Tiltfile owns each service's live-update sync rules; the checks and the loop's telemetry read
them from it (scripts/tilt/tiltfile.py). `tests/e2e/test_tiltfile_result.py` holds Tilt's own view
of the same rules to what this reader sees."""
import pytest

from scripts.tilt import tiltfile


def test_each_services_sync_rules_are_read_from_the_tiltfile():
    syncs = tiltfile.live_syncs()
    assert ("backend/app", "/app/app") in syncs["backend"]
    assert ("frontend/src", "/app/src") in syncs["frontend"]
    assert set(syncs) == {"backend", "frontend"}, "postgresql has no live update"


def test_a_commented_out_sync_is_not_a_sync(tmp_path):
    f = tmp_path / "Tiltfile"
    f.write_text("live_update=[\n    sync('backend/app', '/app/app'),\n"
                 "    # sync('backend/old', '/app/old'),\n    sync('backend/x.ini', '/app/x.ini')]  # sync('a/b', '/c')\n")
    assert tiltfile.live_syncs(f) == {"backend": [("backend/app", "/app/app"), ("backend/x.ini", "/app/x.ini")]}


def test_only_existing_paths_are_synced_sources(tmp_path):
    (tmp_path / "frontend" / "src").mkdir(parents=True)
    (tmp_path / "Tiltfile").write_text("sync('frontend/src', '/app/src'), sync('frontend/public', '/app/public')\n")
    assert tiltfile.synced_sources(tmp_path) == {"frontend": ["frontend/src"]}


def test_a_tiltfile_without_sync_rules_names_what_reads_them(tmp_path):
    (tmp_path / "Tiltfile").write_text("live_update=[sync(SRC, DST)]\n")
    with pytest.raises(tiltfile.TiltfileError, match="no live-update sync.*the checks"):
        tiltfile.live_syncs(tmp_path / "Tiltfile")
