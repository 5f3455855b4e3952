"""A known starting point: one demo user with tasks in every state the app shows.

Idempotent: running it again leaves one demo user and one task per title below, each back in
its seeded state (due dates move with today); the user's other tasks are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from app.core.security import Passwords
from app.crud import tasks as task_crud
from app.crud import users as user_crud
from app.models import Task

# Published on purpose (printed by the button): dev data only, refused under APP_ENV=production.
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class DemoTask:
    title: str
    done: bool
    due_in_days: int | None  # relative to the day of seeding; None = no due date


DEMO_TASKS = (
    DemoTask("Try the chat: add buy milk tomorrow", done=False, due_in_days=None),  # open, undated
    DemoTask("Renew the passport", done=False, due_in_days=-3),  # open, overdue
    DemoTask("Call the plumber", done=False, due_in_days=0),  # open, due today
    DemoTask("Plan the team offsite", done=False, due_in_days=7),  # open, upcoming
    DemoTask("Set up the dev loop", done=True, due_in_days=None),  # done, undated
    DemoTask("File the expense report", done=True, due_in_days=-1),  # done, was due
)


@dataclass(frozen=True)
class SeedResult:
    user_created: bool
    created: int
    updated: int
    unchanged: int


def seed(session: Session, passwords: Passwords, today: date) -> SeedResult:
    user = user_crud.get_by_email(session, DEMO_EMAIL)
    user_created = user is None
    if user is None:
        user = user_crud.create(session, DEMO_EMAIL, passwords.hash(DEMO_PASSWORD))
    elif not passwords.verify(DEMO_PASSWORD, user.password_hash):
        # The printed login must work, whatever happened to the account since.
        user.password_hash = passwords.hash(DEMO_PASSWORD)
        session.add(user)
        session.commit()
    assert user.id is not None
    created = updated = unchanged = 0
    for demo in DEMO_TASKS:
        due = today + timedelta(days=demo.due_in_days) if demo.due_in_days is not None else None
        existing = session.exec(select(Task).where(Task.owner_id == user.id, Task.title == demo.title)).first()
        if existing is None:
            task_crud.create(session, user.id, demo.title, done=demo.done, due_date=due)
            created += 1
        elif (existing.done, existing.due_date) != (demo.done, due):
            task_crud.update(session, existing, {"done": demo.done, "due_date": due})
            updated += 1
        else:
            unchanged += 1
    return SeedResult(user_created, created, updated, unchanged)
