"""/api/tasks: CRUD on the caller's own tasks. Another user's task id answers 404 (never
403), so ids cannot be probed for existence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from app.api.deps import CurrentUser, SessionDep
from app.crud import tasks
from app.models import Task
from app.models.task import TaskCreate, TaskList, TaskPublic, TaskStatus, TaskUpdate

router = APIRouter(prefix="/api/tasks", tags=["tasks"])

MAX_PAGE = 200


def _owned(session: SessionDep, user: CurrentUser, task_id: int) -> Task:
    assert user.id is not None
    task = tasks.get_for_owner(session, user.id, task_id)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"task {task_id} not found")
    return task


@router.get("", response_model=TaskList)
def list_tasks(
    session: SessionDep,
    user: CurrentUser,
    status_filter: Annotated[TaskStatus | None, Query(alias="status", description="open or done")] = None,
    q: Annotated[str | None, Query(max_length=200, description="case-insensitive text search in titles")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TaskList:
    assert user.id is not None
    page = tasks.list_for_owner(session, user.id, status_filter, (q or "").strip() or None, limit, offset)
    return TaskList(
        items=[TaskPublic.model_validate(t) for t in page.items], total=page.total, limit=limit, offset=offset
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
def create_task(body: TaskCreate, session: SessionDep, user: CurrentUser) -> TaskPublic:
    assert user.id is not None
    task = tasks.create(session, user.id, body.title, body.done, body.due_date)
    return TaskPublic.model_validate(task)


@router.get("/{task_id}", response_model=TaskPublic)
def get_task(task_id: int, session: SessionDep, user: CurrentUser) -> TaskPublic:
    return TaskPublic.model_validate(_owned(session, user, task_id))


@router.patch("/{task_id}", response_model=TaskPublic)
def update_task(task_id: int, body: TaskUpdate, session: SessionDep, user: CurrentUser) -> TaskPublic:
    task = _owned(session, user, task_id)
    changes = body.model_dump(exclude_unset=True)
    return TaskPublic.model_validate(tasks.update(session, task, changes))


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(task_id: int, session: SessionDep, user: CurrentUser) -> Response:
    tasks.delete(session, _owned(session, user, task_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
