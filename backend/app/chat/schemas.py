"""Request/response contract of POST /api/chat."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.task import TaskPublic

MAX_MESSAGE_LENGTH = 1000


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_LENGTH)]
    # The user's local date, so "tomorrow" means their tomorrow; defaults to the server's (UTC) date.
    today: date | None = Field(default=None, description="client's local date (YYYY-MM-DD)")


class ChatAction(BaseModel):
    type: Literal["created", "completed", "deleted", "listed"]
    task: TaskPublic


class ChatResponse(BaseModel):
    reply: str
    actions: list[ChatAction]
    # The caller's tasks after the actions, so a client can refresh its list from one response.
    tasks: list[TaskPublic]
