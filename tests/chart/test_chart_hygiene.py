"""File hygiene (chart-testing's yamllint rules) and documentation of every value."""

import json
import re

import jsonschema
import pytest
import yaml

from chart_helpers import CHART, HERE, DuplicateKeyLoader

CHART_FILES = sorted(p for p in CHART.rglob("*") if p.is_file())
YAML_FILES = sorted([*CHART.glob("*.yaml"), *HERE.glob("*.yaml")])


def relative(path):
    return str(path.relative_to(CHART.parent))


@pytest.mark.parametrize("path", CHART_FILES, ids=relative)
def test_no_trailing_spaces_tabs_or_crlf_and_one_final_newline(path):
    text = path.read_text()
    assert text.endswith("\n") and not text.endswith("\n\n"), "needs exactly one final newline"
    assert "\r" not in text, "CRLF line endings"
    for number, line in enumerate(text.split("\n"), 1):
        assert line == line.rstrip(), f"line {number}: trailing whitespace"
        if path.suffix in {".yaml", ".tpl", ".txt"}:
            assert "\t" not in line, f"line {number}: tab"


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_yaml_files_have_no_duplicate_keys(path):
    yaml.load(path.read_text(), Loader=DuplicateKeyLoader)


def test_schema_is_a_valid_json_schema():
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


def undocumented_values(text: str) -> list[str]:
    """Leaf keys of values.yaml with no comment directly above them and no `# --` comment on an
    enclosing key (which documents the whole block, e.g. resources)."""
    lines = text.split("\n")
    stack: list[tuple[int, str, bool]] = []  # (indent, key, documents its block)
    missing = []
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)([A-Za-z0-9_.\-/]+):(.*)$", line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent, key, rest = len(match.group(1)), match.group(2), match.group(3).strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        previous = lines[index - 1].strip() if index else ""
        commented = previous.startswith("#")
        block_doc = previous.startswith("# --") or (commented and _comment_block_starts_with_dash(lines, index))
        following = next((l for l in lines[index + 1:] if l.strip() and not l.strip().startswith("#")), "")
        following_indent = len(following) - len(following.lstrip())
        is_leaf = bool(rest) or following.lstrip().startswith("- ") or following_indent <= indent
        path = ".".join([k for _, k, _ in stack] + [key])
        if is_leaf and not commented and not any(doc for _, _, doc in stack):
            missing.append(path)
        stack.append((indent, key, block_doc))
    return missing


def _comment_block_starts_with_dash(lines, index):
    cursor = index - 1
    while cursor >= 0 and lines[cursor].strip().startswith("#"):
        if lines[cursor].strip().startswith("# --"):
            return True
        cursor -= 1
    return False


def test_every_value_is_documented():
    assert undocumented_values((CHART / "values.yaml").read_text()) == []


def test_documentation_check_notices_an_undocumented_key():
    assert undocumented_values("backend:\n  # -- documented\n  a: 1\n  b: 2\n") == ["backend.b"]
