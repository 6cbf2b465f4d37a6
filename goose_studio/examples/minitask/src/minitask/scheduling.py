"""Due dates and recurring tasks.

Recurrence rules are short phrases such as ``"daily"``, ``"weekly"``,
``"monthly"`` or ``"every 3 days"``. A rule is parsed into a
:class:`RecurrenceRule`, which knows how to compute the next occurrence of a
date. Monthly rules keep their day of the month where possible and clamp to
the last day of shorter months (a task due on January 31st recurs on
February 28th or 29th, then March 31st).
"""

from __future__ import annotations

import calendar
import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Iterator

from .errors import RecurrenceError, ValidationError

if TYPE_CHECKING:
    from .models import Task

MAX_INTERVAL = 366
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_EVERY_RE = re.compile(r"^every\s+(?:(\d+)\s+)?(day|week|month)s?$")
_OFFSET_RE = re.compile(r"^(?:\+|in\s+)(\d+)\s*(d|w|m|days?|weeks?|months?)$")
_ALIASES = {
    "daily": "every 1 day",
    "weekly": "every 1 week",
    "monthly": "every 1 month",
    "biweekly": "every 2 weeks",
    "fortnightly": "every 2 weeks",
    "quarterly": "every 3 months",
    "yearly": "every 12 months",
}


class Frequency(enum.Enum):
    """Unit in which a recurrence interval is counted."""

    DAILY = "day"
    WEEKLY = "week"
    MONTHLY = "month"


def add_months(start: date, months: int, anchor_day: int | None = None) -> date:
    """Shift a date by a number of months, clamping to the month's end.

    Args:
        start: The date to shift.
        months: Number of months to add; may be negative.
        anchor_day: Preferred day of the month. Defaults to ``start.day``;
            passing the original day keeps a 31st-of-month schedule from
            drifting to the 28th after February.

    Returns:
        The shifted date.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor_day or start.day, last_day))


@dataclass(frozen=True)
class RecurrenceRule:
    """A repeating schedule: every ``interval`` days, weeks or months."""

    frequency: Frequency
    interval: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise RecurrenceError(
                f"recurrence interval must be between 1 and {MAX_INTERVAL}, got {self.interval}"
            )

    def __str__(self) -> str:
        if self.interval == 1:
            return {"day": "daily", "week": "weekly", "month": "monthly"}[self.frequency.value]
        return f"every {self.interval} {self.frequency.value}s"

    def next_after(self, current: date, anchor_day: int | None = None) -> date:
        """Return the occurrence that follows ``current``.

        Args:
            current: An occurrence date.
            anchor_day: Day of the month to aim for with monthly rules.

        Returns:
            The next occurrence date.
        """
        if self.frequency is Frequency.DAILY:
            return current + timedelta(days=self.interval)
        if self.frequency is Frequency.WEEKLY:
            return current + timedelta(weeks=self.interval)
        return add_months(current, self.interval, anchor_day)


def parse_rule(text: str) -> RecurrenceRule:
    """Parse a recurrence phrase.

    Accepted forms are ``daily``, ``weekly``, ``monthly``, ``biweekly``,
    ``fortnightly``, ``quarterly``, ``yearly`` and ``every [N] day(s)|week(s)|month(s)``.

    Args:
        text: The phrase, case-insensitive.

    Returns:
        The parsed rule.

    Raises:
        RecurrenceError: If the phrase is not recognised.
    """
    key = " ".join(str(text).lower().split())
    match = _EVERY_RE.match(_ALIASES.get(key, key))
    if match is None:
        raise RecurrenceError(
            f"cannot understand recurrence {text!r}; try 'daily', 'weekly', "
            "'monthly' or 'every 3 days'"
        )
    interval = int(match.group(1) or 1)
    return RecurrenceRule(Frequency(match.group(2)), interval)


def occurrences(rule: RecurrenceRule, start: date, count: int) -> Iterator[date]:
    """Yield ``count`` occurrences of a rule, starting with ``start`` itself.

    Raises:
        ValueError: If ``count`` is negative.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    current = start
    for _ in range(count):
        yield current
        current = rule.next_after(current, anchor_day=start.day)


def next_occurrence(rule: RecurrenceRule, due: date, after: date) -> date:
    """Return the first occurrence of a schedule strictly after a date.

    The schedule is anchored on ``due``: a weekly task due on a Monday keeps
    falling on Mondays even if it is completed late.

    Args:
        rule: The recurrence rule.
        due: The current due date, which anchors the schedule.
        after: Occurrences on or before this date are skipped.

    Returns:
        The next due date.
    """
    current = rule.next_after(due, anchor_day=due.day)
    while current <= after:
        current = rule.next_after(current, anchor_day=due.day)
    return current


def parse_due(text: str, today: date) -> date:
    """Parse a user-supplied due date.

    Args:
        text: ``YYYY-MM-DD``, ``today``, ``tomorrow``, an offset such as
            ``+3d``, ``+2w``, ``+1m`` or ``in 5 days``, or a weekday name
            (``fri``, ``friday``) meaning the next such day after today.
        today: The reference date.

    Returns:
        The due date.

    Raises:
        ValidationError: If the text is not a recognised date expression.
    """
    key = " ".join(text.strip().lower().split())
    if key == "today":
        return today
    if key == "tomorrow":
        return today + timedelta(days=1)
    offset = _OFFSET_RE.match(key)
    if offset:
        amount, unit = int(offset.group(1)), offset.group(2)[0]
        if unit == "d":
            return today + timedelta(days=amount)
        if unit == "w":
            return today + timedelta(weeks=amount)
        return add_months(today, amount)
    for index, name in enumerate(WEEKDAYS):
        if len(key) >= 3 and name.startswith(key):
            ahead = (index - today.weekday() - 1) % 7 + 1
            return today + timedelta(days=ahead)
    try:
        return date.fromisoformat(key)
    except ValueError:
        raise ValidationError(
            f"cannot understand due date {text!r}; use YYYY-MM-DD, 'today', "
            "'tomorrow', an offset like '+3d' or a weekday name",
            field="due",
        ) from None


def days_until(due: date, today: date) -> int:
    """Number of days from ``today`` to ``due``; negative when overdue."""
    return (due - today).days


def spawn_next(task: Task, new_id: int, today: date) -> Task | None:
    """Create the next occurrence of a recurring task.

    Args:
        task: A recurring task that has just been completed.
        new_id: Id to give the new task.
        today: The completion date; the new due date falls after it.

    Returns:
        A fresh open task, or ``None`` if ``task`` does not recur.
    """
    if task.recurrence is None or task.due is None:
        return None
    from .models import Status

    rule = parse_rule(task.recurrence)
    return task.with_changes(
        id=new_id,
        status=Status.OPEN,
        due=next_occurrence(rule, task.due, max(today, task.due)),
        completed=None,
        created=max(task.created, datetime.combine(today, datetime.min.time())),
    )
