"""The one action schema both interpreters produce (rule-based parser and Cohere)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IntentAction = Literal["add", "complete", "delete", "list", "unknown"]
ListScope = Literal["open", "done", "all"]


class Intent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: IntentAction
    title: str | None = None  # add
    due_date: date | None = None  # add
    task_id: int | None = Field(default=None, ge=1)  # complete / delete
    scope: ListScope = "all"  # list: "what is left?" -> open
    reply: str | None = None  # unknown: what to tell the user
