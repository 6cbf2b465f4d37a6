"""Human-readable rendering of tasks.

Everything here is pure: functions take tasks and a reference date and return
strings, which keeps them easy to test and reuse outside the CLI.
"""

from __future__ import annotations

from datetime import date
from typing import Callable, Iterable, Sequence

from .models import Status, Task

STATUS_MARKS = {Status.OPEN: "[ ]", Status.DONE: "[x]", Status.CANCELLED: "[-]"}
ELLIPSIS = "…"


def plural(count: int, word: str) -> str:
    """Return ``"1 day"``, ``"3 days"`` and so on."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def relative_date(when: date, today: date) -> str:
    """Describe ``when`` relative to ``today``.

    Examples: ``"today"``, ``"tomorrow"``, ``"in 3 days"``, ``"2 weeks ago"``.
    Dates more than a year away are shown in ISO format.

    Args:
        when: The date to describe.
        today: The reference date.

    Returns:
        A short phrase.
    """
    delta = (when - today).days
    distance = abs(delta)
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if distance < 14:
        amount = plural(distance, "day")
    elif distance < 60:
        amount = plural(distance // 7, "week")
    elif distance < 365:
        amount = plural(distance // 30, "month")
    else:
        return when.isoformat()
    return f"in {amount}" if delta > 0 else f"{amount} ago"


def truncate(text: str, width: int) -> str:
    """Shorten ``text`` to at most ``width`` characters, marking the cut.

    Raises:
        ValueError: If ``width`` is less than 1.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    if len(text) <= width:
        return text
    return text[: width - 1] + ELLIPSIS


def due_label(task: Task, today: date) -> str:
    """Relative due date of a task, with ``!`` appended when overdue."""
    if task.due is None:
        return ""
    label = relative_date(task.due, today)
    return f"{label}!" if task.is_overdue(today) else label


Column = tuple[str, Callable[[Task, date], str]]

COLUMNS: dict[str, Column] = {
    "id": ("ID", lambda task, today: str(task.id)),
    "status": ("ST", lambda task, today: STATUS_MARKS[task.status]),
    "priority": ("PRI", lambda task, today: task.priority.label),
    "title": ("TITLE", lambda task, today: task.title + (" ↻" if task.recurrence else "")),
    "due": ("DUE", due_label),
    "tags": ("TAGS", lambda task, today: " ".join(f"#{tag}" for tag in task.tags)),
}
DEFAULT_COLUMNS = ("id", "status", "priority", "title", "due", "tags")


def render_table(
    tasks: Sequence[Task],
    today: date,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    max_title: int = 40,
) -> str:
    """Render tasks as a plain-text table with aligned columns.

    Args:
        tasks: Tasks to show, in display order.
        today: Reference date for relative due dates.
        columns: Column keys, a subset of :data:`COLUMNS`.
        max_title: Titles longer than this are truncated.

    Returns:
        The table, or ``"No tasks."`` when ``tasks`` is empty.

    Raises:
        ValueError: If an unknown column is requested.
    """
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown column(s): {', '.join(unknown)}; available: {', '.join(COLUMNS)}")
    if not tasks:
        return "No tasks."
    headers = [COLUMNS[name][0] for name in columns]
    rows = []
    for task in tasks:
        cells = [COLUMNS[name][1](task, today) for name in columns]
        rows.append([truncate(cell, max_title) if name == "title" else cell for name, cell in zip(columns, cells)])
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [_join(headers, widths), _join(["-" * w for w in widths], widths)]
    lines.extend(_join(row, widths) for row in rows)
    return "\n".join(lines)


def _join(cells: Iterable[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()


def render_markdown(tasks: Sequence[Task], today: date, heading: str = "Tasks") -> str:
    """Render tasks as a Markdown checklist grouped into open and closed.

    Args:
        tasks: Tasks to include.
        today: Reference date for relative due dates.
        heading: Text of the top-level heading.

    Returns:
        Markdown text ending with a newline.
    """
    lines = [f"# {heading}", ""]
    groups = [("Open", [t for t in tasks if not t.status.is_closed]), ("Closed", [t for t in tasks if t.status.is_closed])]
    for title, group in groups:
        if not group:
            continue
        lines += [f"## {title}", ""]
        for task in group:
            lines.append(markdown_item(task, today))
        lines.append("")
    if len(lines) == 2:
        lines += ["_No tasks._", ""]
    return "\n".join(lines)


def markdown_item(task: Task, today: date) -> str:
    """Render one task as a Markdown list item."""
    box = "[x]" if task.status is Status.DONE else "[ ]"
    title = _escape_markdown(task.title)
    if task.status is Status.CANCELLED:
        title = f"~~{title}~~"
    details = [task.priority.label] if task.priority.label != "normal" else []
    if task.due is not None:
        details.append(f"due {task.due.isoformat()} ({due_label(task, today)})")
    if task.recurrence:
        details.append(f"repeats {task.recurrence}")
    suffix = f" ({'; '.join(details)})" if details else ""
    tags = "".join(f" `#{tag}`" for tag in task.tags)
    return f"- {box} {title}{suffix}{tags}"


def _escape_markdown(text: str) -> str:
    for char in "\\`*_[]":
        text = text.replace(char, "\\" + char)
    return text


def summarize(task: Task) -> str:
    """One-line summary used in command confirmations, e.g. ``#4 Pay rent [high, due 2026-02-01]``."""
    details = [task.priority.label]
    if task.due is not None:
        details.append(f"due {task.due.isoformat()}")
    if task.recurrence:
        details.append(task.recurrence)
    if task.status is not Status.OPEN:
        details.append(task.status.value)
    return f"#{task.id} {task.title} [{', '.join(details)}]"
