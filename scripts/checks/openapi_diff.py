"""What changed between two OpenAPI documents, in words: operation, schema, field.

Why our own ~80 lines and not a library: the maintained OpenAPI differ (oasdiff) is a Go binary
released on GitHub (unreachable here), and the Python ones on PyPI are unmaintained. The loop's
verdict is tsc against the regenerated types; this summary only says *what* moved and *which
operations* carry it, so a red `api-contract` reads "TaskPublic.title removed (GET /api/tasks …)"
next to tsc's file:line.
"""
from __future__ import annotations

import json

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
REF = "#/components/schemas/"
# Documentation-only keys: a changed title or description changes no client's types.
COSMETIC = {"title", "description", "examples", "example"}


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        found = {ref[len(REF):]} if isinstance(ref, str) and ref.startswith(REF) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def _operations(doc: dict) -> dict[str, dict]:
    return {f"{m.upper()} {path}": op for path, item in (doc.get("paths") or {}).items()
            for m, op in item.items() if m in METHODS}


def _schemas(doc: dict) -> dict[str, dict]:
    return (doc.get("components") or {}).get("schemas") or {}


def users_of(doc: dict) -> dict[str, list[str]]:
    """Schema name → the operations whose request or response reaches it (through nested refs)."""
    schemas = _schemas(doc)
    closure: dict[str, set[str]] = {}

    def reach(name: str, seen: frozenset = frozenset()) -> set[str]:
        if name in closure:
            return closure[name]
        out = {name}
        for ref in _refs(schemas.get(name, {})) - seen - {name}:
            out |= reach(ref, seen | {name})
        closure[name] = out
        return out

    users: dict[str, list[str]] = {}
    for op_name, op in _operations(doc).items():
        for direct in _refs(op):
            for name in reach(direct):
                users.setdefault(name, []).append(op_name)
    return {k: sorted(set(v)) for k, v in users.items()}


def _shape(node: dict) -> str:
    return json.dumps({k: v for k, v in node.items() if k not in COSMETIC}, sort_keys=True)


def changes(old: dict, new: dict) -> list[str]:
    """One line per change, with the operations that use the schema it is in."""
    lines: list[str] = []
    old_ops, new_ops = _operations(old), _operations(new)
    lines += [f"operation {op} removed" for op in sorted(old_ops.keys() - new_ops.keys())]
    lines += [f"operation {op} added" for op in sorted(new_ops.keys() - old_ops.keys())]
    old_s, new_s = _schemas(old), _schemas(new)
    users = users_of(old) | users_of(new)

    def where(name: str) -> str:
        return f" (used by {', '.join(users[name])})" if users.get(name) else ""

    for name in sorted(old_s.keys() - new_s.keys()):
        lines.append(f"schema {name} removed{where(name)}")
    for name in sorted(new_s.keys() - old_s.keys()):
        lines.append(f"schema {name} added{where(name)}")
    for name in sorted(old_s.keys() & new_s.keys()):
        before, after = old_s[name].get("properties") or {}, new_s[name].get("properties") or {}
        req_before, req_after = set(old_s[name].get("required") or []), set(new_s[name].get("required") or [])
        for field in sorted(before.keys() - after.keys()):
            lines.append(f"{name}.{field} removed{where(name)}")
        for field in sorted(after.keys() - before.keys()):
            kind = "required" if field in req_after else "optional"
            lines.append(f"{name}.{field} added ({kind}){where(name)}")
        for field in sorted(before.keys() & after.keys()):
            if _shape(before[field]) != _shape(after[field]):
                lines.append(f"{name}.{field} type changed{where(name)}")
            if field in req_after and field not in req_before:
                lines.append(f"{name}.{field} became required{where(name)}")
            if field in req_before and field not in req_after:
                lines.append(f"{name}.{field} became optional{where(name)}")
    return lines
