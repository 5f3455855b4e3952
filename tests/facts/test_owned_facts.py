"""No new copy of an owned fact: each is written in its owner, and literally only where
tests/facts/owned-facts.yaml says so and why (e.g. a Dockerfile ARG default, a generated table)."""
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ALLOWED = yaml.safe_load((HERE / "owned-facts.yaml").read_text())
# This file and its list name the facts by design; generated API artefacts and lock files carry
# numbers of their own.
SKIP = {"tests/facts/owned-facts.yaml", "tests/facts/test_owned_facts.py"}
SKIP_SUFFIXES = ("package-lock.json", "frontend/openapi.json", "types.gen.ts")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                         capture_output=True, check=True).stdout.decode().split("\0")
    return [f for f in out if f and f not in SKIP and not f.endswith(SKIP_SUFFIXES) and (REPO / f).is_file()]


def copies(fact: str) -> Counter:
    word = re.compile(rf"(?<![\w.]){re.escape(fact)}(?![\w])")
    found = Counter()
    for f in tracked_files():
        try:
            text = (REPO / f).read_text()
        except UnicodeDecodeError:
            continue  # a picture
        for line in text.splitlines():
            found[f] += len(word.findall(line))
    return +found


@pytest.mark.parametrize("fact", sorted(ALLOWED))
def test_a_fact_is_stated_only_where_the_list_says_and_why(fact):
    allowed = {path: count for path, (count, _why) in ALLOWED[fact].items()}
    found = copies(fact)
    new = {f: n for f, n in found.items() if n > allowed.get(f, 0)}
    gone = {f: (n, found.get(f, 0)) for f, n in allowed.items() if found.get(f, 0) < n}
    assert not new, (f"{fact!r} written in {new} (file: copies) beyond tests/facts/owned-facts.yaml: read it from "
                     f"its owner instead (scripts/project.py, scripts/cluster/config.py, scripts/toolchain), "
                     f"or list the file there with the reason it must state it")
    assert not gone, f"{fact!r}: fewer copies than listed {gone} (listed, found): lower the counts in owned-facts.yaml"


def test_every_entry_gives_a_reason():
    for fact, entries in ALLOWED.items():
        for path, (count, why) in entries.items():
            assert count > 0 and len(why) > 10, (fact, path)
            assert (REPO / path).is_file(), f"{fact}: {path} does not exist"


def test_the_grep_sees_a_new_copy():
    stray = REPO / "tests" / "facts" / "stray_copy_for_the_test.py"
    stray.write_text("PORT = 8000\n")
    try:
        assert copies("8000")["tests/facts/stray_copy_for_the_test.py"] == 1
        with pytest.raises(AssertionError, match="beyond tests/facts/owned-facts.yaml"):
            test_a_fact_is_stated_only_where_the_list_says_and_why("8000")
    finally:
        stray.unlink()
