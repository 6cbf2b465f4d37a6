"""minitask: a tiny task tracker.

The library side offers a validated data model (:class:`Task`), storage
back-ends (:class:`JsonStore`, :class:`MemoryStore`), a filter language
(:func:`parse_query`), recurring schedules and exporters. The ``minitask``
command wraps them in a small CLI.

Example:
    >>> from minitask import MemoryStore, parse_query
    >>> store = MemoryStore()
    >>> task = store.create("Water the plants", tags=["home"])
    >>> [t.title for t in parse_query("tag:home").filter(store.all())]
    ['Water the plants']
"""

from __future__ import annotations

__version__ = "0.3.0"

from .errors import (
    DuplicateTaskError,
    ExportError,
    HookError,
    MinitaskError,
    NotFoundError,
    QuerySyntaxError,
    RecurrenceError,
    SchemaVersionError,
    StorageError,
    ValidationError,
)
from .export import export_tasks
from .hooks import HookRegistry, on
from .models import Priority, Status, Task
from .query import Query, parse_query
from .scheduling import RecurrenceRule, parse_due, parse_rule
from .storage import JsonStore, MemoryStore, Store, open_store

__all__ = [
    "__version__",
    "DuplicateTaskError", "ExportError", "HookError", "MinitaskError", "NotFoundError",
    "QuerySyntaxError", "RecurrenceError", "SchemaVersionError", "StorageError", "ValidationError",
    "HookRegistry", "on",
    "Priority", "Status", "Task",
    "Query", "parse_query",
    "RecurrenceRule", "parse_due", "parse_rule",
    "JsonStore", "MemoryStore", "Store", "open_store",
    "export_tasks",
]
