"""Task storage back-ends.

:class:`Store` defines the interface used by the rest of minitask.
:class:`MemoryStore` keeps tasks in a dictionary and is handy in tests;
:class:`JsonStore` persists them to a JSON file, writing atomically so that a
crash never leaves a half-written file behind.

The JSON file records a schema version. Files written by older versions are
upgraded on load by :func:`migrate`; files from newer versions are refused.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from abc import ABC, abstractmethod
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from .errors import DuplicateTaskError, NotFoundError, SchemaVersionError, StorageError, ValidationError
from .hooks import HookRegistry, default_registry
from .models import Priority, Task, sort_key
from .scheduling import spawn_next

SCHEMA_VERSION = 2

Document = dict[str, Any]
MIGRATIONS: dict[int, Callable[[Document], Document]] = {}


def _migration(from_version: int) -> Callable[[Callable[[Document], Document]], Callable[[Document], Document]]:
    """Register a function that upgrades a document from ``from_version``."""

    def decorator(function: Callable[[Document], Document]) -> Callable[[Document], Document]:
        MIGRATIONS[from_version] = function
        return function

    return decorator


@_migration(1)
def _v1_to_v2(document: Document) -> Document:
    """Version 1 stored ``done`` flags, numeric priorities and comma-separated tags."""
    tasks = []
    for record in document.get("tasks", []):
        record = dict(record)
        record["status"] = "done" if record.pop("done", False) else "open"
        priority = record.get("priority", 2)
        record["priority"] = Priority.parse(priority).label
        tags = record.get("tags") or ""
        record["tags"] = [t.strip() for t in tags.split(",") if t.strip()] if isinstance(tags, str) else tags
        tasks.append(record)
    next_id = max((int(t["id"]) for t in tasks if "id" in t), default=0) + 1
    return {"schema": 2, "next_id": next_id, "tasks": tasks}


def migrate(document: Document) -> Document:
    """Upgrade a task document to :data:`SCHEMA_VERSION`.

    Documents without a ``schema`` key are treated as version 1.

    Args:
        document: The decoded JSON document.

    Returns:
        A document in the current schema (the input is not modified).

    Raises:
        SchemaVersionError: If the document is newer than this version.
        StorageError: If the schema field is malformed or no migration exists.
    """
    version = document.get("schema", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise StorageError(f"schema version must be a positive integer, got {version!r}")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(version, SCHEMA_VERSION)
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StorageError(f"no migration from schema version {version}")
        try:
            document = step(document)
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            raise StorageError(f"could not migrate task file from schema version {version}: {exc}") from exc
        version += 1
    return document


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see either the old or new file.

    The text goes to a temporary file in the same directory, which is flushed
    to disk and then renamed over the target.

    Raises:
        StorageError: If the file cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc


class Store(ABC):
    """Interface shared by all task stores.

    Subclasses implement the five primitive operations; the convenience
    methods (:meth:`create`, :meth:`complete`, :meth:`find`) are built on
    them and emit events on :attr:`hooks`.
    """

    def __init__(self, hooks: HookRegistry | None = None) -> None:
        self.hooks = hooks if hooks is not None else default_registry

    @abstractmethod
    def get(self, task_id: int) -> Task:
        """Return the task with ``task_id``; raise :class:`NotFoundError` if absent."""

    @abstractmethod
    def all(self) -> list[Task]:
        """Return every task in the default sort order."""

    @abstractmethod
    def add(self, task: Task) -> Task:
        """Insert a new task; raise :class:`DuplicateTaskError` if its id is taken."""

    @abstractmethod
    def update(self, task: Task) -> Task:
        """Replace the stored task with the same id."""

    @abstractmethod
    def remove(self, task_id: int) -> Task:
        """Delete a task and return it."""

    @abstractmethod
    def allocate_id(self) -> int:
        """Reserve and return an unused task id."""

    def __len__(self) -> int:
        return len(self.all())

    def create(self, title: str, **fields: Any) -> Task:
        """Create and store a task with a freshly allocated id.

        Args:
            title: The task's title.
            **fields: Any other :class:`Task` fields.

        Returns:
            The stored task.

        Raises:
            ValidationError: If the fields do not form a valid task.
        """
        draft = Task(id=1, title=title, **fields)
        return self.add(draft.with_changes(id=self.allocate_id()))

    def complete(self, task_id: int, when: datetime | None = None) -> tuple[Task, Task | None]:
        """Mark a task done and, if it recurs, create its next occurrence.

        Returns:
            The completed task and the newly created occurrence (or ``None``).

        Raises:
            NotFoundError: If there is no such task.
            ValidationError: If the task is already closed.
        """
        task = self.get(task_id)
        task.mark_done(when)
        self.update(task)
        self.hooks.emit("task_completed", task=task)
        today = (when or datetime.now()).date()
        follow_up = spawn_next(task, self.allocate_id(), today) if task.recurrence else None
        if follow_up is not None:
            follow_up = self.add(follow_up)
        return task, follow_up

    def find(self, predicate: Callable[[Task], bool]) -> list[Task]:
        """Return the tasks for which ``predicate`` is true, in sort order."""
        return [task for task in self.all() if predicate(task)]


class MemoryStore(Store):
    """A store that keeps tasks in memory only."""

    def __init__(self, tasks: list[Task] | None = None, hooks: HookRegistry | None = None) -> None:
        super().__init__(hooks)
        self._tasks: dict[int, Task] = {}
        self._next_id = 1
        for task in tasks or []:
            self._insert(task)

    def _insert(self, task: Task) -> Task:
        if task.id in self._tasks:
            raise DuplicateTaskError(task.id)
        self._tasks[task.id] = dataclasses.replace(task)
        self._next_id = max(self._next_id, task.id + 1)
        return dataclasses.replace(task)

    def _changed(self) -> None:
        """Called after every mutation; persistent subclasses save here."""

    def get(self, task_id: int) -> Task:
        try:
            return dataclasses.replace(self._tasks[task_id])
        except KeyError:
            raise NotFoundError(task_id) from None

    def all(self) -> list[Task]:
        return sorted((dataclasses.replace(t) for t in self._tasks.values()), key=sort_key)

    def add(self, task: Task) -> Task:
        stored = self._insert(task)
        self._changed()
        self.hooks.emit("task_added", task=stored)
        return stored

    def update(self, task: Task) -> Task:
        previous = self.get(task.id)
        self._tasks[task.id] = dataclasses.replace(task)
        self._changed()
        self.hooks.emit("task_updated", task=task, previous=previous)
        return task

    def remove(self, task_id: int) -> Task:
        removed = self.get(task_id)
        del self._tasks[task_id]
        self._changed()
        self.hooks.emit("task_removed", task=removed)
        return removed

    def allocate_id(self) -> int:
        task_id = self._next_id
        self._next_id += 1
        return task_id


class JsonStore(MemoryStore):
    """A store backed by a JSON file.

    The file is read when the store is created and rewritten after every
    change. A missing file is treated as an empty task list.

    Args:
        path: Location of the task file.
        hooks: Event registry; defaults to the process-wide registry.

    Raises:
        StorageError: If the file exists but cannot be read or parsed.
        SchemaVersionError: If the file was written by a newer version.
    """

    def __init__(self, path: str | os.PathLike[str], hooks: HookRegistry | None = None) -> None:
        super().__init__(hooks=hooks)
        self.path = Path(path)
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise StorageError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        if not text.strip():
            return
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StorageError(
                f"{self.path} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
            ) from exc
        if not isinstance(document, dict):
            raise StorageError(f"{self.path} must contain a JSON object, not {type(document).__name__}")
        document = migrate(document)
        for index, record in enumerate(document.get("tasks", [])):
            try:
                self._insert(Task.from_dict(record))
            except (ValidationError, DuplicateTaskError, TypeError, AttributeError) as exc:
                raise StorageError(f"{self.path}: task #{index + 1} is invalid: {exc}") from exc
        next_id = document.get("next_id", 1)
        if isinstance(next_id, bool) or not isinstance(next_id, int):
            raise StorageError(f"{self.path}: next_id must be an integer, got {next_id!r}")
        self._next_id = max(self._next_id, next_id)

    def _changed(self) -> None:
        self.save()

    def save(self) -> None:
        """Write all tasks to :attr:`path` atomically.

        Raises:
            StorageError: If the file cannot be written.
        """
        document = {
            "schema": SCHEMA_VERSION,
            "next_id": self._next_id,
            "tasks": [self._tasks[key].to_dict() for key in sorted(self._tasks)],
        }
        atomic_write_text(self.path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def open_store(path: str | os.PathLike[str] | None, hooks: HookRegistry | None = None) -> Store:
    """Open a JSON store at ``path``, or a memory store when ``path`` is ``None``."""
    if path is None:
        return MemoryStore(hooks=hooks)
    return JsonStore(path, hooks=hooks)
