"""The built-in interpreter: sentences -> Intent, dates resolved against a fixed 'today'."""

from __future__ import annotations

from datetime import date

import pytest

from app.chat.dates import extract_due_date
from app.chat.intent import Intent
from app.chat.parser import HELP, RuleBasedInterpreter

TODAY = date(2026, 2, 18)  # a Wednesday
parse = RuleBasedInterpreter().interpret


@pytest.mark.parametrize(
    ("message", "title", "due"),
    [
        ("add buy milk tomorrow", "buy milk", date(2026, 2, 19)),
        ("Add buy milk today", "buy milk", TODAY),
        ("add call mom on friday", "call mom", date(2026, 2, 20)),
        ("add team lunch wednesday", "team lunch", date(2026, 2, 25)),  # same weekday -> next week
        ("add pay rent next monday", "pay rent", date(2026, 2, 23)),
        ("add renew passport in 3 days", "renew passport", date(2026, 2, 21)),
        ("add plan trip in 2 weeks", "plan trip", date(2026, 3, 4)),
        ("add clean garage next week", "clean garage", date(2026, 2, 25)),
        ("add file taxes by 2026-04-15", "file taxes", date(2026, 4, 15)),
        ("add water plants the day after tomorrow", "water plants", date(2026, 2, 20)),
        ("please add a task to book dentist", "book dentist", None),
        ("remind me to stretch tonight", "stretch", TODAY),
        ("add task: read the sun newspaper", "read the sun newspaper", None),
        ("create 'renew insurance'", "renew insurance", None),
        ("add buy milk", "buy milk", None),
    ],
)
def test_add(message: str, title: str, due: date | None) -> None:
    assert parse(message, TODAY) == Intent(action="add", title=title, due_date=due)


@pytest.mark.parametrize(
    "message",
    [
        "what is left?",
        "What's left",
        "whats left to do",
        "what do I still have to do?",
        "show my open tasks",
        "open tasks",
    ],
)
def test_what_is_left_lists_open_tasks(message: str) -> None:
    assert parse(message, TODAY) == Intent(action="list", scope="open")


@pytest.mark.parametrize(
    "message", ["list", "List.", "show my tasks", "list all tasks", "my tasks", "show me the list"]
)
def test_list_all(message: str) -> None:
    assert parse(message, TODAY) == Intent(action="list", scope="all")


@pytest.mark.parametrize("message", ["what have I done?", "show completed tasks", "done tasks"])
def test_list_done(message: str) -> None:
    assert parse(message, TODAY) == Intent(action="list", scope="done")


@pytest.mark.parametrize(
    "message",
    ["complete 3", "Complete task 3.", "mark 3 as done", "mark #3 done", "finish 3", "done with 3", "check off 3"],
)
def test_complete(message: str) -> None:
    assert parse(message, TODAY) == Intent(action="complete", task_id=3)


@pytest.mark.parametrize("message", ["delete 3", "remove task #3", "please delete 3!", "drop 3"])
def test_delete(message: str) -> None:
    assert parse(message, TODAY) == Intent(action="delete", task_id=3)


@pytest.mark.parametrize("message", ["hello there", "what is the weather?", "complete", "delete my life", "3"])
def test_unknown_sentence_gets_a_helpful_reply(message: str) -> None:
    intent = parse(message, TODAY)
    assert intent.action == "unknown"
    assert intent.reply == HELP
    assert "add buy milk tomorrow" in HELP and "what is left?" in HELP


def test_add_without_a_title_asks_for_one() -> None:
    intent = parse("add tomorrow", TODAY)
    assert intent.action == "unknown"
    assert intent.reply is not None and "add buy milk tomorrow" in intent.reply


def test_invalid_iso_date_stays_in_the_title() -> None:
    assert extract_due_date("file taxes 2026-02-30", TODAY) == ("file taxes 2026-02-30", None)
