"""The images are built from a copy of the tree as it is (scripts/images/snapshot.py): committed
files, plus new ones, minus what was deleted or moved since the last commit."""
import subprocess

from scripts.images.snapshot import fresh_copy


def test_the_copy_is_the_working_tree_not_head_plus_new_files(tmp_path):
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "db.py").write_text("old module\n")
    (repo / "app" / "keep.py").write_text("kept\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "mv", "app/db.py", "app/engine.py"], cwd=repo, check=True)  # moved, not committed
    (repo / "app" / "keep.py").write_text("edited\n")
    (repo / "app" / "new.py").write_text("new\n")
    copy = fresh_copy(tmp_path / "copy", repo=repo)
    assert sorted(p.name for p in (copy / "app").iterdir()) == ["engine.py", "keep.py", "new.py"]
    assert (copy / "app" / "keep.py").read_text() == "edited\n"
