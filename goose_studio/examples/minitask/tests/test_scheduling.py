from __future__ import annotations

from datetime import date, datetime

import pytest

from minitask.errors import RecurrenceError, ValidationError
from minitask.models import Status
from minitask.scheduling import (
    Frequency,
    RecurrenceRule,
    add_months,
    next_occurrence,
    occurrences,
    parse_due,
    parse_rule,
    spawn_next,
)


@pytest.mark.parametrize(
    ("text", "frequency", "interval", "canonical"),
    [
        ("daily", Frequency.DAILY, 1, "daily"),
        ("Weekly", Frequency.WEEKLY, 1, "weekly"),
        ("every 3 days", Frequency.DAILY, 3, "every 3 days"),
        ("every  2 weeks", Frequency.WEEKLY, 2, "every 2 weeks"),
        ("fortnightly", Frequency.WEEKLY, 2, "every 2 weeks"),
        ("every month", Frequency.MONTHLY, 1, "monthly"),
        ("quarterly", Frequency.MONTHLY, 3, "every 3 months"),
    ],
)
def test_parse_rule(text, frequency, interval, canonical):
    rule = parse_rule(text)
    assert (rule.frequency, rule.interval) == (frequency, interval)
    assert str(rule) == canonical


@pytest.mark.parametrize("text", ["sometimes", "every", "every 2 years", "every -1 days"])
def test_parse_rule_rejects(text):
    with pytest.raises(RecurrenceError, match="cannot understand recurrence"):
        parse_rule(text)


def test_interval_bounds():
    with pytest.raises(RecurrenceError, match="between 1 and 366"):
        RecurrenceRule(Frequency.DAILY, 0)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert add_months(date(2025, 2, 28), 1, anchor_day=31) == date(2025, 3, 31)
    assert add_months(date(2025, 1, 10), -2) == date(2024, 11, 10)


def test_monthly_occurrences_keep_anchor_day():
    dates = list(occurrences(parse_rule("monthly"), date(2025, 1, 31), 4))
    assert dates == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]


def test_weekly_occurrences():
    dates = list(occurrences(parse_rule("every 2 weeks"), date(2025, 6, 2), 3))
    assert dates == [date(2025, 6, 2), date(2025, 6, 16), date(2025, 6, 30)]


def test_occurrences_rejects_negative_count():
    with pytest.raises(ValueError):
        list(occurrences(parse_rule("daily"), date(2025, 1, 1), -1))


def test_next_occurrence_skips_missed_dates():
    rule = parse_rule("weekly")
    # Due on Monday June 2nd, completed on Wednesday June 11th: next is Monday June 16th.
    assert next_occurrence(rule, date(2025, 6, 2), date(2025, 6, 11)) == date(2025, 6, 16)
    assert next_occurrence(rule, date(2025, 6, 2), date(2025, 6, 1)) == date(2025, 6, 9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2025, 6, 11)),
        ("tomorrow", date(2025, 6, 12)),
        ("+3d", date(2025, 6, 14)),
        ("+2w", date(2025, 6, 25)),
        ("in 1 month", date(2025, 7, 11)),
        ("fri", date(2025, 6, 13)),
        ("Wednesday", date(2025, 6, 18)),
        ("2025-12-24", date(2025, 12, 24)),
    ],
)
def test_parse_due(text, expected, today):
    assert parse_due(text, today) == expected


def test_parse_due_error_message(today):
    with pytest.raises(ValidationError, match="cannot understand due date 'soonish'") as info:
        parse_due("soonish", today)
    assert info.value.field == "due"


def test_spawn_next(make_task, today):
    task = make_task(due=date(2025, 6, 9), recurrence="every 2 days", status=Status.DONE,
                     completed=datetime(2025, 6, 11, 8, 0))
    follow_up = spawn_next(task, 7, today)
    assert follow_up is not None
    assert (follow_up.id, follow_up.status, follow_up.completed) == (7, Status.OPEN, None)
    assert follow_up.due == date(2025, 6, 13)
    assert spawn_next(make_task(), 8, today) is None
