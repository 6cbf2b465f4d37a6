from __future__ import annotations

from datetime import date, datetime

import pytest

from minitask.errors import RecurrenceError, ValidationError
from minitask.models import Priority, Status, Task, normalize_tag, sort_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [("high", Priority.HIGH), ("URGENT", Priority.URGENT), ("l", Priority.LOW), ("2", Priority.NORMAL), (4, Priority.URGENT)],
)
def test_priority_parse(text, expected):
    assert Priority.parse(text) is expected


@pytest.mark.parametrize("text", ["", "medium", "9", 0])
def test_priority_parse_rejects_unknown(text):
    with pytest.raises(ValidationError) as info:
        Priority.parse(text)
    assert info.value.field == "priority"


def test_status_parse_and_closed():
    assert Status.parse(" Done ") is Status.DONE
    assert Status.CANCELLED.is_closed and not Status.OPEN.is_closed
    with pytest.raises(ValidationError, match="unknown status 'finished'"):
        Status.parse("finished")


def test_normalize_tag():
    assert normalize_tag("#Work") == "work"
    with pytest.raises(ValidationError, match="invalid tag"):
        normalize_tag("two words")


def test_task_normalises_fields(make_task):
    task = make_task(title="  Buy   milk ", tags=["Home", "#home", "errands"], priority="high", status="open")
    assert task.title == "Buy milk"
    assert task.tags == ["errands", "home"]
    assert task.priority is Priority.HIGH
    assert task.status is Status.OPEN


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"task_id": 0}, "positive integer"),
        ({"title": "   "}, "must not be empty"),
        ({"title": "x" * 201}, "the limit is 200"),
        ({"recurrence": "weekly"}, "needs a due date"),
        ({"completed": datetime(2025, 6, 2)}, "open task cannot have a completion time"),
        ({"tags": [f"t{i}" for i in range(11)]}, "at most 10 tags"),
    ],
)
def test_task_validation_errors(make_task, fields, message):
    with pytest.raises(ValidationError, match=message):
        make_task(**fields)


def test_task_rejects_bad_recurrence(make_task):
    with pytest.raises(RecurrenceError):
        make_task(due=date(2025, 6, 1), recurrence="now and then")


def test_recurrence_is_canonicalised(make_task):
    task = make_task(due=date(2025, 6, 1), recurrence="Every 1 Week")
    assert task.recurrence == "weekly"


def test_mark_done_and_twice(make_task):
    task = make_task()
    task.mark_done(datetime(2025, 6, 5, 12, 0))
    assert task.status is Status.DONE
    assert task.completed == datetime(2025, 6, 5, 12, 0)
    with pytest.raises(ValidationError, match="already done"):
        task.mark_done()


def test_is_overdue(make_task, today):
    assert make_task(due=date(2025, 6, 10)).is_overdue(today)
    assert not make_task(due=today).is_overdue(today)
    assert not make_task().is_overdue(today)


def test_round_trip_through_dict(sample_tasks):
    for task in sample_tasks:
        assert Task.from_dict(task.to_dict()) == task


def test_from_dict_reports_missing_and_bad_fields():
    with pytest.raises(ValidationError, match="missing the 'title' field"):
        Task.from_dict({"id": 1})
    with pytest.raises(ValidationError, match="due must be an ISO date"):
        Task.from_dict({"id": 1, "title": "x", "due": "next week"})


def test_with_changes_revalidates(make_task):
    task = make_task()
    assert task.with_changes(title="Renamed").title == "Renamed"
    with pytest.raises(ValidationError):
        task.with_changes(title="")


def test_sort_key_orders_open_urgent_first(sample_tasks):
    ordered = [task.id for task in sorted(sample_tasks, key=sort_key)]
    assert ordered == [4, 1, 2, 3, 5]
