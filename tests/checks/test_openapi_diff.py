"""The change summary names the operation, the schema and the field."""
import copy

from scripts.checks.openapi_diff import changes, users_of


def _json(ref: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


DOC = {
    "paths": {
        "/api/tasks": {
            "get": {"responses": {"200": _json("TaskList")}},
            "post": {"requestBody": _json("TaskCreate"), "responses": {"201": _json("Task")}},
        },
    },
    "components": {"schemas": {
        "TaskList": {"properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}},
                     "required": ["items"]},
        "Task": {"properties": {"title": {"type": "string", "title": "Title"}, "done": {"type": "boolean"}},
                 "required": ["title", "done"]},
        "TaskCreate": {"properties": {"title": {"type": "string"}}, "required": ["title"]},
    }},
}


def test_nested_schemas_are_attributed_to_every_operation_that_reaches_them():
    assert users_of(DOC)["Task"] == ["GET /api/tasks", "POST /api/tasks"]
    assert users_of(DOC)["TaskCreate"] == ["POST /api/tasks"]


def test_removed_renamed_retyped_and_newly_required_fields_are_named():
    new = copy.deepcopy(DOC)
    task = new["components"]["schemas"]["Task"]
    task["properties"]["name"] = task["properties"].pop("title")
    task["required"] = ["name", "done"]
    task["properties"]["done"] = {"type": "string"}
    new["components"]["schemas"]["TaskCreate"]["properties"]["due"] = {"type": "string"}
    new["components"]["schemas"]["TaskCreate"]["required"] = ["title", "due"]
    assert changes(DOC, new) == [
        "Task.title removed (used by GET /api/tasks, POST /api/tasks)",
        "Task.name added (required) (used by GET /api/tasks, POST /api/tasks)",
        "Task.done type changed (used by GET /api/tasks, POST /api/tasks)",
        "TaskCreate.due added (required) (used by POST /api/tasks)",
    ]


def test_removed_operations_and_cosmetic_changes():
    new = copy.deepcopy(DOC)
    del new["paths"]["/api/tasks"]["post"]
    new["components"]["schemas"]["Task"]["properties"]["title"]["title"] = "The title"
    assert changes(DOC, new) == ["operation POST /api/tasks removed"]
    assert changes(DOC, copy.deepcopy(DOC)) == []
