"""Shared fixtures for the minitask test suite."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from minitask.hooks import default_registry
from minitask.models import Priority, Task

TODAY = date(2025, 6, 11)  # a Wednesday


@pytest.fixture(autouse=True)
def _isolated_hooks():
    """Keep hooks registered by one test from leaking into another."""
    default_registry.clear()
    default_registry.failures.clear()
    yield
    default_registry.clear()


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def make_task():
    """Factory for tasks with deterministic creation times."""

    def factory(task_id: int = 1, title: str = "Task", **fields) -> Task:
        fields.setdefault("created", datetime(2025, 6, 1, 9, 0))
        return Task(id=task_id, title=title, **fields)

    return factory


@pytest.fixture
def sample_tasks(make_task) -> list[Task]:
    return [
        make_task(1, "Write quarterly report", priority=Priority.HIGH, tags=["work"], due=date(2025, 6, 20)),
        make_task(2, "Buy milk", tags=["home", "errands"], due=date(2025, 6, 10)),
        make_task(3, "Plan holiday", priority=Priority.LOW, tags=["home"], notes="look at trains"),
        make_task(4, "Fix login bug", priority=Priority.URGENT, tags=["work"], due=date(2025, 6, 11)),
        make_task(5, "Water plants", due=date(2025, 6, 9), recurrence="every 2 days", status="done",
                  completed=datetime(2025, 6, 9, 18, 0)),
    ]
