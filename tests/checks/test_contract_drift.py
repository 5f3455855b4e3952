"""Drift check: the committed generated API types are exactly what the backend's OpenAPI produces."""
from scripts.checks import contract

TYPES = f"{contract.TYPES_DIR}/types.gen.ts"


def test_committed_api_types_match_what_the_backend_serves():
    drifted = contract.drift()
    assert drifted == [], (
        f"generated API files differ from the backend's OpenAPI: {', '.join(drifted)}. Regenerate them with "
        "`.venv/bin/python -m scripts.checks api-contract` (the loop's api-contract check does it on every "
        "backend save) and commit them with the backend change."
    )


def test_drift_check_fails_on_a_hand_edited_types_file(scratch_repo):
    assert contract.drift(scratch_repo) == []
    types = scratch_repo / TYPES
    text = types.read_text()
    assert "    title: string;\n" in text
    types.write_text(text.replace("    title: string;\n", "    title: string | number;\n", 1))
    assert contract.drift(scratch_repo) == [TYPES]


def test_drift_check_fails_when_the_backend_changes_but_the_types_do_not(scratch_repo):
    task = scratch_repo / "backend/app/models/task.py"
    task.write_text(task.read_text().replace("class TaskPublic(BaseModel):\n", "class TaskPublic(BaseModel):\n"
                                             "    priority: int | None = None\n", 1))
    assert contract.drift(scratch_repo) == [contract.DOCUMENT, TYPES]
