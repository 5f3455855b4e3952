"""Due dates in plain words ("tomorrow", "friday", "in 3 days", "2026-03-01") for the rule-based
parser. Returns the date and the sentence with the date words taken out (the task title)."""

from __future__ import annotations

import re
from datetime import date, timedelta

# Full names only: abbreviations like "sun" or "sat" are too often part of a title.
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}

_LEAD = r"(?:\b(?:on|by|due|for|until|before)\s+)?"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_LEAD + r"\b(?:the\s+)?day\s+after\s+tomorrow\b", re.I), "day_after"),
    (re.compile(_LEAD + r"\b(?:today|tonight|this\s+evening)\b", re.I), "today"),
    (re.compile(_LEAD + r"\btomorrow\b", re.I), "tomorrow"),
    (re.compile(_LEAD + r"\bin\s+(?P<n>\d{1,3})\s+(?P<unit>days?|weeks?)\b", re.I), "relative"),
    (re.compile(_LEAD + r"\bin\s+a\s+week\b|\bnext\s+week\b", re.I), "week"),
    (re.compile(_LEAD + r"\b(?P<iso>\d{4}-\d{2}-\d{2})\b", re.I), "iso"),
    (re.compile(_LEAD + r"\b(?:next\s+|this\s+)?(?P<weekday>" + "|".join(WEEKDAYS) + r")\b", re.I), "weekday"),
]


def _resolve(kind: str, match: re.Match[str], today: date) -> date | None:
    if kind == "today":
        return today
    if kind == "tomorrow":
        return today + timedelta(days=1)
    if kind == "day_after":
        return today + timedelta(days=2)
    if kind == "week":
        return today + timedelta(weeks=1)
    if kind == "relative":
        n = int(match["n"])
        return today + (timedelta(weeks=n) if match["unit"].lower().startswith("week") else timedelta(days=n))
    if kind == "iso":
        try:
            return date.fromisoformat(match["iso"])
        except ValueError:
            return None
    # A bare weekday means its next occurrence: "friday" said on a Friday is next week's.
    ahead = (WEEKDAYS[match["weekday"].lower()] - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def extract_due_date(text: str, today: date) -> tuple[str, date | None]:
    for pattern, kind in _PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        due = _resolve(kind, match, today)
        if due is None:
            continue
        rest = (text[: match.start()] + " " + text[match.end() :]).strip()
        return re.sub(r"\s{2,}", " ", rest), due
    return text, None
