"""Exception hierarchy for minitask.

Every error raised on purpose by the library derives from
:class:`MinitaskError`, so callers can catch a single type. The command-line
tool maps each family of errors to its own exit code.
"""

from __future__ import annotations


class MinitaskError(Exception):
    """Base class of all errors raised by minitask."""


class ValidationError(MinitaskError):
    """A value does not satisfy the rules of the data model.

    Attributes:
        field: Name of the offending field, or ``None`` when the error is not
            tied to a single field.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RecurrenceError(ValidationError):
    """A recurrence rule such as ``"every 2 weeks"`` could not be understood."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="recurrence")


class NotFoundError(MinitaskError):
    """No task exists with the requested id.

    Attributes:
        task_id: The id that was looked up.
    """

    def __init__(self, task_id: int) -> None:
        super().__init__(f"no task with id {task_id}")
        self.task_id = task_id


class DuplicateTaskError(MinitaskError):
    """A task with the same id is already stored."""

    def __init__(self, task_id: int) -> None:
        super().__init__(f"a task with id {task_id} already exists")
        self.task_id = task_id


class StorageError(MinitaskError):
    """Reading or writing the task file failed."""


class SchemaVersionError(StorageError):
    """The task file was written by a newer, incompatible version.

    Attributes:
        found: Schema version recorded in the file.
        supported: Highest schema version this version understands.
    """

    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            f"task file uses schema version {found}, but this version of "
            f"minitask only supports up to version {supported}; please upgrade"
        )
        self.found = found
        self.supported = supported


class QuerySyntaxError(MinitaskError):
    """A filter expression is malformed.

    Attributes:
        query: The full query text.
        position: Zero-based offset of the offending character.
    """

    def __init__(self, message: str, query: str, position: int) -> None:
        super().__init__(message)
        self.query = query
        self.position = position

    def pointer(self) -> str:
        """Render the query with a caret under the offending position.

        Returns:
            Two lines: the query and a ``^`` marker aligned with the error.
        """
        return f"{self.query}\n{' ' * self.position}^"


class ExportError(MinitaskError):
    """Tasks could not be exported in the requested format."""


class HookError(MinitaskError):
    """A hook was registered incorrectly or failed while running."""
