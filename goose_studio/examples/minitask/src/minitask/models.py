"""Core data model: tasks, priorities and statuses.

A :class:`Task` validates itself on creation, so an invalid task can never be
stored. Tasks convert to and from plain dictionaries, which is the format
used by the JSON store and the JSON exporter.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .errors import ValidationError
from .scheduling import parse_rule

MAX_TITLE_LENGTH = 200
MAX_TAGS = 10
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _now() -> datetime:
    """Current local time, truncated to whole seconds."""
    return datetime.now().replace(microsecond=0)


class Priority(enum.IntEnum):
    """How urgent a task is; higher values sort first."""

    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4

    @classmethod
    def parse(cls, text: str | int) -> Priority:
        """Parse a priority from its name, a prefix of it, or its number.

        Args:
            text: For example ``"high"``, ``"h"``, ``"3"`` or ``3``.

        Returns:
            The matching priority.

        Raises:
            ValidationError: If the text names no priority.
        """
        if isinstance(text, int) or str(text).strip().isdigit():
            number = int(text)
            try:
                return cls(number)
            except ValueError:
                raise ValidationError(
                    f"priority must be between {min(cls).value} and {max(cls).value}, got {number}",
                    field="priority",
                ) from None
        key = str(text).strip().lower()
        matches = [p for p in cls if p.name.lower().startswith(key)] if key else []
        if len(matches) != 1:
            names = ", ".join(p.name.lower() for p in cls)
            raise ValidationError(
                f"unknown priority {text!r}; expected one of: {names}", field="priority"
            )
        return matches[0]

    @property
    def label(self) -> str:
        """Lower-case display name, e.g. ``"high"``."""
        return self.name.lower()


class Status(str, enum.Enum):
    """Life-cycle state of a task."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"

    @classmethod
    def parse(cls, text: str) -> Status:
        """Parse a status name (case-insensitive).

        Raises:
            ValidationError: If the text is not a known status.
        """
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValidationError(
                f"unknown status {text!r}; expected one of: {names}", field="status"
            ) from None

    @property
    def is_closed(self) -> bool:
        """True for statuses that end a task's life cycle."""
        return self is not Status.OPEN


def normalize_tag(tag: str) -> str:
    """Return the canonical form of a tag.

    Tags are lower-cased and a leading ``#`` is dropped.

    Args:
        tag: The tag as typed by a user, e.g. ``"#Work"``.

    Returns:
        The normalised tag, e.g. ``"work"``.

    Raises:
        ValidationError: If the tag contains characters other than letters,
            digits, ``-`` and ``_`` or is longer than 32 characters.
    """
    cleaned = tag.strip().lstrip("#").lower()
    if not TAG_PATTERN.match(cleaned):
        raise ValidationError(
            f"invalid tag {tag!r}: tags use letters, digits, '-' and '_' "
            "and are at most 32 characters long",
            field="tags",
        )
    return cleaned


@dataclass
class Task:
    """A single unit of work.

    Attributes:
        id: Positive identifier, unique within a store.
        title: Short description shown in listings.
        status: Current life-cycle state.
        priority: Urgency used for sorting and filtering.
        tags: Sorted, de-duplicated, normalised tags.
        due: Optional due date.
        recurrence: Optional rule such as ``"weekly"``; completing a
            recurring task creates its next occurrence.
        notes: Free-form text.
        created: When the task was created.
        completed: When the task was closed, if it is closed.
    """

    id: int
    title: str
    status: Status = Status.OPEN
    priority: Priority = Priority.NORMAL
    tags: list[str] = field(default_factory=list)
    due: date | None = None
    recurrence: str | None = None
    notes: str = ""
    created: datetime = field(default_factory=_now)
    completed: datetime | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field and normalise tags and the recurrence rule.

        Raises:
            ValidationError: If any field is invalid.
            RecurrenceError: If the recurrence rule cannot be parsed.
        """
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id < 1:
            raise ValidationError(f"task id must be a positive integer, got {self.id!r}", field="id")
        self.title = " ".join(str(self.title).split())
        if not self.title:
            raise ValidationError("task title must not be empty", field="title")
        if len(self.title) > MAX_TITLE_LENGTH:
            raise ValidationError(
                f"task title is {len(self.title)} characters long; the limit is {MAX_TITLE_LENGTH}",
                field="title",
            )
        if not isinstance(self.status, Status):
            self.status = Status.parse(str(self.status))
        if not isinstance(self.priority, Priority):
            self.priority = Priority.parse(self.priority)
        self.tags = sorted({normalize_tag(t) for t in self.tags})
        if len(self.tags) > MAX_TAGS:
            raise ValidationError(f"a task may have at most {MAX_TAGS} tags", field="tags")
        if self.recurrence is not None:
            if self.due is None:
                raise ValidationError("a recurring task needs a due date", field="recurrence")
            self.recurrence = str(parse_rule(self.recurrence))
        if self.completed is not None and not self.status.is_closed:
            raise ValidationError("an open task cannot have a completion time", field="completed")
        if self.completed is not None and self.completed < self.created:
            raise ValidationError("a task cannot be completed before it was created", field="completed")

    def is_overdue(self, today: date) -> bool:
        """Return True if the task is open and its due date has passed."""
        return self.status is Status.OPEN and self.due is not None and self.due < today

    def mark_done(self, when: datetime | None = None) -> None:
        """Close the task as done.

        Args:
            when: Completion time; defaults to now.

        Raises:
            ValidationError: If the task is already closed.
        """
        if self.status.is_closed:
            raise ValidationError(f"task {self.id} is already {self.status.value}", field="status")
        self.status = Status.DONE
        self.completed = max(when or _now(), self.created)

    def with_changes(self, **changes: Any) -> Task:
        """Return a validated copy of the task with some fields replaced.

        Raises:
            ValidationError: If the resulting task is invalid.
        """
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Serialise the task to JSON-compatible values."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "priority": self.priority.label,
            "tags": list(self.tags),
            "due": self.due.isoformat() if self.due else None,
            "recurrence": self.recurrence,
            "notes": self.notes,
            "created": self.created.isoformat(),
            "completed": self.completed.isoformat() if self.completed else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        """Build a task from the output of :meth:`to_dict`.

        Raises:
            ValidationError: If a field is missing or malformed.
        """
        try:
            return cls(
                id=data["id"],
                title=data["title"],
                status=Status.parse(data.get("status", "open")),
                priority=Priority.parse(data.get("priority", "normal")),
                tags=list(data.get("tags", [])),
                due=_parse_date(data.get("due"), "due"),
                recurrence=data.get("recurrence"),
                notes=data.get("notes", ""),
                created=_parse_datetime(data.get("created"), "created") or _now(),
                completed=_parse_datetime(data.get("completed"), "completed"),
            )
        except KeyError as exc:
            raise ValidationError(f"task record is missing the {exc.args[0]!r} field", field=exc.args[0]) from None


def _parse_date(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}", field=name) from None


def _parse_datetime(value: str | None, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be an ISO timestamp, got {value!r}", field=name) from None


def sort_key(task: Task) -> tuple[int, int, date, int]:
    """Default ordering: open first, then by priority, due date and id."""
    return (
        0 if task.status is Status.OPEN else 1,
        -task.priority.value,
        task.due or date.max,
        task.id,
    )
