"""Deterministic, offline interpreter: used when COHERE_API_KEY is not set (and as the
reference behaviour the Cohere prompt describes)."""

from __future__ import annotations

import re
from datetime import date

from app.chat.dates import extract_due_date
from app.chat.intent import Intent

HELP = (
    "Sorry, I didn't understand that. Try: 'add buy milk tomorrow', 'what is left?', "
    "'complete 3', 'delete 3' or 'list'."
)

_POLITE = r"^(?:please\s+|can\s+you\s+|could\s+you\s+)?"
_TASK_REF = r"(?:task\s+|number\s+|no\.?\s*)?#?(?P<id>\d+)"
ADD = re.compile(
    _POLITE + r"(?:add|create|new|remember\s+to|remind\s+me\s+to|i\s+need\s+to|todo:?)\s+"
    r"(?:a\s+)?(?:new\s+)?(?:task\s*(?::|to\b)?\s*)?(?P<rest>.+)$",
    re.I,
)
COMPLETE = re.compile(
    _POLITE
    + r"(?:complete|finish|close|check(?:\s+off)?|tick(?:\s+off)?|mark|done(?:\s+with)?"
    + r"|i\s+(?:did|finished|completed))\s+"
    + _TASK_REF
    + r"(?:\s+(?:as\s+)?(?:done|complete|completed|finished))?$",
    re.I,
)
DELETE = re.compile(_POLITE + r"(?:delete|remove|drop|cancel|erase|forget)\s+" + _TASK_REF + r"$", re.I)
LIST_OPEN = re.compile(
    r"^(?:what(?:'s|\s+is|s)?\s+(?:still\s+)?(?:left|open|remaining|pending|outstanding)(?:\s+to\s+do)?"
    r"|what\s+do\s+i\s+(?:still\s+)?(?:have|need)\s+to\s+do"
    r"|(?:show|list)\s+(?:me\s+)?(?:my\s+)?(?:open|pending|remaining|outstanding)(?:\s+tasks)?"
    r"|(?:open|pending|remaining)\s+tasks)$",
    re.I,
)
LIST_DONE = re.compile(
    r"^(?:what\s+(?:have|did)\s+i\s+(?:done|do|finished|finish|completed|complete)(?:\s+already)?"
    r"|(?:show|list)\s+(?:me\s+)?(?:my\s+)?(?:done|completed|finished)(?:\s+tasks)?"
    r"|(?:done|completed|finished)\s+tasks)$",
    re.I,
)
LIST_ALL = re.compile(
    r"^(?:list|show|tasks|todos|(?:list|show)(?:\s+me)?(?:\s+(?:all|my|all\s+my|the))?\s+(?:tasks|todos|todo\s+list|list)"
    r"|(?:all|my)\s+(?:tasks|todos))$",
    re.I,
)


def _normalise(message: str) -> str:
    # Collapse whitespace and drop closing punctuation: "What is left?" == "what is left".
    return re.sub(r"\s+", " ", message).strip().rstrip("?!.").strip()


def _clean_title(title: str) -> str:
    return title.strip().strip("\"'").strip().rstrip(",;:.").strip()


class RuleBasedInterpreter:
    def interpret(self, message: str, today: date) -> Intent:
        text = _normalise(message)
        if match := COMPLETE.match(text):
            return Intent(action="complete", task_id=int(match["id"]))
        if match := DELETE.match(text):
            return Intent(action="delete", task_id=int(match["id"]))
        if LIST_OPEN.match(text):
            return Intent(action="list", scope="open")
        if LIST_DONE.match(text):
            return Intent(action="list", scope="done")
        if LIST_ALL.match(text):
            return Intent(action="list", scope="all")
        if match := ADD.match(text):
            title, due = extract_due_date(match["rest"], today)
            title = _clean_title(title)
            if not title:
                return Intent(action="unknown", reply="What should the task say? Try 'add buy milk tomorrow'.")
            return Intent(action="add", title=title, due_date=due)
        return Intent(action="unknown", reply=HELP)
