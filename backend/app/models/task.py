"""Tasks: the table and the request/response shapes of /api/tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String, false
from sqlmodel import Field, SQLModel

from app.models.common import UtcDatetime, utcnow

MAX_TITLE_LENGTH = 500

TaskStatus = Literal["open", "done"]


class Task(SQLModel, table=True):
    __tablename__ = "tasks"

    id: int | None = Field(default=None, primary_key=True)
    # Deleting a user deletes their tasks: nothing may outlive its owner.
    owner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    title: str = Field(sa_column=Column(String(MAX_TITLE_LENGTH), nullable=False))
    done: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    due_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


# Stripped first, so "   " is empty and rejected rather than stored as a blank task.
Title = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE_LENGTH)]


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    done: StrictBool = False
    due_date: date | None = None


class TaskUpdate(BaseModel):
    """Partial update: only the fields present in the body change; due_date may be null (clear)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    done: StrictBool | None = None
    due_date: date | None = None

    @field_validator("title", "done", mode="before")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        # Runs only for fields present in the body: absent means "unchanged", null is an error.
        if value is None:
            raise ValueError(f"{info.field_name} cannot be null; omit it to leave it unchanged")
        return value


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    done: bool
    due_date: date | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class TaskList(BaseModel):
    items: list[TaskPublic]
    total: int
    limit: int
    offset: int
