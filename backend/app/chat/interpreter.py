"""The interface between the chat endpoint and whatever understands the sentence."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from app.chat.intent import Intent


class ChatInterpreter(Protocol):
    def interpret(self, message: str, today: date) -> Intent: ...


class ChatUpstreamError(Exception):
    """The language service failed or timed out; the endpoint answers 502 with this message."""
