"""Task persistence. Every query is scoped by owner: a task of another user is simply
"not found" here, so no route can leak it by forgetting a check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Task
from app.models.common import utcnow
from app.models.task import TaskStatus

# Largest id/offset the databases can compare against (PostgreSQL INTEGER; SQLite's limit is higher).
# Anything beyond cannot exist: answering "not found"/empty beats a driver OverflowError (500).
MAX_DB_INT = 2**31 - 1


@dataclass(frozen=True)
class Page:
    items: list[Task]
    total: int


def list_for_owner(
    session: Session,
    owner_id: int,
    status: TaskStatus | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(Task).where(Task.owner_id == owner_id)
    if status is not None:
        query = query.where(Task.done == (status == "done"))
    if q:
        # Case-insensitive substring match that treats % and _ literally on every database.
        query = query.where(func.lower(Task.title).contains(q.lower(), autoescape=True))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    if offset > MAX_DB_INT:
        return Page(items=[], total=total)
    items = session.exec(query.order_by(col(Task.id)).limit(limit).offset(offset)).all()
    return Page(items=list(items), total=total)


def get_for_owner(session: Session, owner_id: int, task_id: int) -> Task | None:
    if not 1 <= task_id <= MAX_DB_INT:
        return None
    return session.exec(select(Task).where(Task.id == task_id, Task.owner_id == owner_id)).first()


def create(session: Session, owner_id: int, title: str, done: bool = False, due_date: date | None = None) -> Task:
    now = utcnow()
    task = Task(owner_id=owner_id, title=title, done=done, due_date=due_date, created_at=now, updated_at=now)
    session.add(task)
    session.commit()
    session.refresh(task)
    return task


def update(session: Session, task: Task, changes: dict[str, object]) -> Task:
    for field, value in changes.items():
        setattr(task, field, value)
    task.updated_at = utcnow()
    session.add(task)
    session.commit()
    session.refresh(task)
    return task


def delete(session: Session, task: Task) -> None:
    session.delete(task)
    session.commit()
