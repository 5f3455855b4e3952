"""Carry out an Intent on the user's tasks and describe the result in words."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session

from app.chat.intent import Intent
from app.chat.parser import HELP
from app.chat.schemas import ChatAction, ChatResponse
from app.crud import tasks
from app.models import Task
from app.models.task import TaskCreate, TaskPublic

# The chat answer lists at most this many tasks; the tasks page has real pagination.
CHAT_LIST_LIMIT = 100
NOT_FOUND = "I couldn't find task #{id}. Say 'list' to see your tasks and their numbers."


def _describe(task: Task) -> str:
    due = f" (due {task.due_date:%a %d %b})" if task.due_date else ""
    return f"#{task.id} {task.title}{due}"


def _public(task: Task) -> TaskPublic:
    return TaskPublic.model_validate(task)


def _add(session: Session, owner_id: int, intent: Intent) -> tuple[str, list[ChatAction]]:
    try:
        body = TaskCreate(title=intent.title or "", due_date=intent.due_date)
    except ValidationError:
        return "A task needs a title of 1 to 500 characters. Try 'add buy milk tomorrow'.", []
    task = tasks.create(session, owner_id, body.title, due_date=body.due_date)
    return f"Added {_describe(task)}.", [ChatAction(type="created", task=_public(task))]


def _complete(session: Session, owner_id: int, task_id: int) -> tuple[str, list[ChatAction]]:
    task = tasks.get_for_owner(session, owner_id, task_id)
    if task is None:
        return NOT_FOUND.format(id=task_id), []
    if task.done:
        return f"{_describe(task)} is already done.", []
    task = tasks.update(session, task, {"done": True})
    return f"Marked {_describe(task)} as done.", [ChatAction(type="completed", task=_public(task))]


def _delete(session: Session, owner_id: int, task_id: int) -> tuple[str, list[ChatAction]]:
    task = tasks.get_for_owner(session, owner_id, task_id)
    if task is None:
        return NOT_FOUND.format(id=task_id), []
    snapshot = _public(task)  # taken before the row is gone
    tasks.delete(session, task)
    return f"Deleted #{snapshot.id} {snapshot.title}.", [ChatAction(type="deleted", task=snapshot)]


def _list(session: Session, owner_id: int, scope: str) -> tuple[str, list[ChatAction]]:
    status = None if scope == "all" else scope
    page = tasks.list_for_owner(session, owner_id, status=status, limit=CHAT_LIST_LIMIT)  # type: ignore[arg-type]
    actions = [ChatAction(type="listed", task=_public(t)) for t in page.items]
    if not page.items:
        empty = {
            "open": "Nothing left to do: every task is done.",
            "done": "You haven't finished any tasks yet.",
            "all": "You have no tasks yet. Try 'add buy milk tomorrow'.",
        }[scope]
        return empty, actions
    label = {"open": "open task", "done": "finished task", "all": "task"}[scope]
    plural = "" if page.total == 1 else "s"
    lines = "; ".join(_describe(t) + (" [done]" if t.done and scope == "all" else "") for t in page.items)
    return f"You have {page.total} {label}{plural}: {lines}.", actions


def carry_out(session: Session, owner_id: int, intent: Intent) -> ChatResponse:
    if intent.action == "add":
        reply, actions = _add(session, owner_id, intent)
    elif intent.action in ("complete", "delete") and intent.task_id is not None:
        handler = _complete if intent.action == "complete" else _delete
        reply, actions = handler(session, owner_id, intent.task_id)
    elif intent.action == "list":
        reply, actions = _list(session, owner_id, intent.scope)
    else:
        reply, actions = (intent.reply or HELP), []
    current = tasks.list_for_owner(session, owner_id, limit=CHAT_LIST_LIMIT).items
    return ChatResponse(reply=reply, actions=actions, tasks=[_public(t) for t in current])
