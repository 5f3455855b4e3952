"""The `api-contract` check end to end on a scratch copy: real backend app, real generator, real tsc."""
from scripts.checks import contract

TYPES = f"{contract.TYPES_DIR}/types.gen.ts"


def _edit_task_public(repo, old: str, new: str) -> None:
    path = repo / "backend/app/models/task.py"
    text = path.read_text()
    start = text.index("class TaskPublic(BaseModel):")
    assert old in text[start:]
    path.write_text(text[:start] + text[start:].replace(old, new, 1))


def test_a_renamed_response_field_fails_naming_operation_field_and_frontend_line(scratch_repo, capfd):
    _edit_task_public(scratch_repo, "    title: str\n", "    name: str\n")
    assert contract.run(scratch_repo) != 0
    out = capfd.readouterr().out
    assert "TaskPublic.title removed (used by" in out and "GET /api/tasks" in out
    assert "TaskPublic.name added (required)" in out
    # tsc's error against the new types: the frontend file and line that reads the old field.
    errors = [line for line in out.splitlines() if "error TS" in line and "'title'" in line]
    assert any(line.startswith("src/components/") and "(" in line.split(":")[0] for line in errors), out
    assert "api-contract: FAILED" in out


def test_a_required_request_field_fails_where_the_frontend_sends_the_body(scratch_repo, capfd):
    path = scratch_repo / "backend/app/models/task.py"
    text = path.read_text()
    path.write_text(text.replace("class TaskCreate(BaseModel):\n    model_config = ConfigDict(extra=\"forbid\")\n",
                                 "class TaskCreate(BaseModel):\n    model_config = ConfigDict(extra=\"forbid\")\n"
                                 "    priority: int\n", 1))
    assert contract.run(scratch_repo) != 0
    out = capfd.readouterr().out
    assert "TaskCreate.priority added (required) (used by POST /api/tasks)" in out
    assert any(line.startswith("src/lib/client/tasks-api.ts(") and "'TaskCreate'" in line for line in out.splitlines())
    assert "Property 'priority' is missing" in out, out


def test_a_new_optional_field_stays_green_and_the_types_file_gains_it(scratch_repo, capfd):
    before = (scratch_repo / contract.DOCUMENT).stat().st_mtime_ns
    _edit_task_public(scratch_repo, "    title: str\n", "    title: str\n    priority: int | None = None\n")
    assert contract.run(scratch_repo) == 0
    out = capfd.readouterr().out
    assert "TaskPublic.priority added (optional)" in out and "api-contract: ok" in out
    assert "priority?: number | null;" in (scratch_repo / TYPES).read_text()
    assert (scratch_repo / contract.DOCUMENT).stat().st_mtime_ns != before


def test_an_unchanged_backend_leaves_the_generated_files_untouched(scratch_repo, capfd):
    files = [scratch_repo / contract.DOCUMENT, scratch_repo / TYPES]
    before = [f.stat().st_mtime_ns for f in files]
    assert contract.run(scratch_repo) == 0
    assert "types: unchanged" in capfd.readouterr().out
    assert [f.stat().st_mtime_ns for f in files] == before
