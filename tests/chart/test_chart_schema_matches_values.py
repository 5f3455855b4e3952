"""values.schema.json against values.yaml, key by key: every key in values.yaml has a schema entry
that states its type, and every property the schema declares exists in values.yaml, so neither file
can drift from the other unnoticed (helm only checks that values.yaml passes the schema, which a
schema that allows anything would)."""

from __future__ import annotations

import fnmatch
import json

import yaml

from chart_helpers import CHART

SCHEMA = json.loads((CHART / "values.schema.json").read_text())
VALUES = yaml.safe_load((CHART / "values.yaml").read_text())

# Schema properties values.yaml does not set (patterns over key paths), each with its reason.
NOT_IN_VALUES = {
    "global": "Helm's own key for subcharts; never set by this chart's values.yaml",
    "*.podSecurityContext.seccompProfile.localhostProfile": "only with seccompProfile.type Localhost, "
                                                            "which the default RuntimeDefault is not",
    "*.containerSecurityContext.capabilities.add": "the one capability Pod Security restricted allows "
                                                   "adding (NET_BIND_SERVICE) is one no image needs",
}


def resolve(node: dict) -> dict:
    """The node with its "$ref" (into #/$defs) merged in; the node's own keys win."""
    while "$ref" in node:
        target = SCHEMA
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def types_of(node: dict) -> set[str]:
    """The JSON types a node allows: its "type", or the union over its oneOf/anyOf branches."""
    if "type" in node:
        return set(node["type"]) if isinstance(node["type"], list) else {node["type"]}
    branches = node.get("oneOf") or node.get("anyOf") or []
    kinds = [types_of(resolve(b)) for b in branches]
    return set().union(*kinds) if kinds and all(kinds) else set()


def json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {dict: "object", list: "array", str: "string", float: "number", type(None): "null"}[type(value)]


def child_schema(node: dict, key: str) -> dict | None:
    if key in node.get("properties", {}):
        return node["properties"][key]
    if isinstance(node.get("additionalProperties"), dict):
        return node["additionalProperties"]
    return None


def walk(value, node: dict, path: str, problems: list[str]) -> None:
    node = resolve(node)
    allowed = types_of(node)
    if not allowed:
        problems.append(f"{path}: the schema entry has no type")
    elif json_type(value) not in allowed and not (json_type(value) == "integer" and "number" in allowed):
        problems.append(f"{path}: values.yaml has a {json_type(value)}, the schema allows {sorted(allowed)}")
    if isinstance(value, dict):
        for key, child in value.items():
            sub = child_schema(node, key)
            if sub is None:
                problems.append(f"{path}.{key}: in values.yaml but not in the schema")
            else:
                walk(child, sub, f"{path}.{key}", problems)
        for key in node.get("properties", {}):
            where = f"{path}.{key}".lstrip(".")
            if key not in value and not any(fnmatch.fnmatchcase(where, p) for p in NOT_IN_VALUES):
                problems.append(f"{path}.{key}: in the schema but not in values.yaml")
    elif isinstance(value, list) and "items" in node:
        for index, item in enumerate(value):
            walk(item, node["items"], f"{path}[{index}]", problems)


def test_every_values_key_has_a_typed_schema_entry_and_back():
    problems: list[str] = []
    walk(VALUES, SCHEMA, "", problems)
    assert not problems, ("values.yaml and values.schema.json disagree (add the key to the other file, "
                          "or remove it from both):\n" + "\n".join(p.lstrip(".") for p in problems))


def test_the_check_notices_a_key_missing_from_the_schema():
    # The walk itself must see a drift in either direction, or the test above proves nothing.
    problems: list[str] = []
    walk({**VALUES, "backend": {**VALUES["backend"], "typoKey": 1}}, SCHEMA, "", problems)
    assert problems == [".backend.typoKey: in values.yaml but not in the schema"]
    problems = []
    walk({k: v for k, v in VALUES.items() if k != "devRelaxations"}, SCHEMA, "", problems)
    assert problems == [".devRelaxations: in the schema but not in values.yaml"]
