"""Export tasks as CSV, JSON or iCalendar text.

Each exporter takes a sequence of tasks and returns a string; the caller
decides where to write it. :func:`export_tasks` picks an exporter by name.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Callable, Sequence

from .errors import ExportError
from .models import Priority, Status, Task
from .scheduling import Frequency, parse_rule

CSV_FIELDS = ("id", "title", "status", "priority", "tags", "due", "recurrence", "notes", "created", "completed")
JSON_FORMAT_VERSION = 1
ICAL_PRODID = "-//minitask//task export//EN"
ICAL_LINE_LIMIT = 75
ICAL_PRIORITY = {Priority.URGENT: 1, Priority.HIGH: 3, Priority.NORMAL: 5, Priority.LOW: 9}
ICAL_STATUS = {Status.OPEN: "NEEDS-ACTION", Status.DONE: "COMPLETED", Status.CANCELLED: "CANCELLED"}


def export_csv(tasks: Sequence[Task]) -> str:
    """Render tasks as CSV with a header row.

    Tags are joined with ``;`` so that the column stays a single cell.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for task in tasks:
        row = task.to_dict()
        row["tags"] = ";".join(task.tags)
        writer.writerow({key: "" if row[key] is None else row[key] for key in CSV_FIELDS})
    return buffer.getvalue()


def export_json(tasks: Sequence[Task]) -> str:
    """Render tasks as a JSON document with a small format header."""
    document = {
        "format": "minitask-export",
        "version": JSON_FORMAT_VERSION,
        "tasks": [task.to_dict() for task in tasks],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def escape_ical_text(text: str) -> str:
    """Escape a value for an iCalendar TEXT property (RFC 5545, 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold_line(line: str, limit: int = ICAL_LINE_LIMIT) -> str:
    """Fold a content line so no physical line exceeds ``limit`` octets.

    Continuation lines start with a single space. Multi-byte characters are
    never split.

    Args:
        line: An unfolded content line without its line ending.
        limit: Maximum octets per physical line.

    Returns:
        The folded line, with ``\\r\\n`` between physical lines.
    """
    parts: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        budget = limit if not parts else limit - 1
        if size + width > budget:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _ical_timestamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _rrule(recurrence: str) -> str:
    rule = parse_rule(recurrence)
    freq = {Frequency.DAILY: "DAILY", Frequency.WEEKLY: "WEEKLY", Frequency.MONTHLY: "MONTHLY"}[rule.frequency]
    return f"FREQ={freq}" if rule.interval == 1 else f"FREQ={freq};INTERVAL={rule.interval}"


def export_ical(tasks: Sequence[Task], now: datetime | None = None) -> str:
    """Render tasks as an iCalendar document of ``VTODO`` components.

    Args:
        tasks: Tasks to export.
        now: Time used for ``DTSTAMP``; defaults to the current time.

    Returns:
        The calendar text with CRLF line endings.
    """
    stamp = _ical_timestamp(now or datetime.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ICAL_PRODID}"]
    for task in tasks:
        lines += [
            "BEGIN:VTODO",
            f"UID:task-{task.id}@minitask",
            f"DTSTAMP:{stamp}",
            f"CREATED:{_ical_timestamp(task.created)}",
            f"SUMMARY:{escape_ical_text(task.title)}",
            f"PRIORITY:{ICAL_PRIORITY[task.priority]}",
            f"STATUS:{ICAL_STATUS[task.status]}",
        ]
        if task.due is not None:
            lines.append(f"DUE;VALUE=DATE:{task.due.strftime('%Y%m%d')}")
            if task.recurrence:
                lines.append(f"RRULE:{_rrule(task.recurrence)}")
        if task.tags:
            lines.append("CATEGORIES:" + ",".join(escape_ical_text(tag) for tag in task.tags))
        if task.notes:
            lines.append(f"DESCRIPTION:{escape_ical_text(task.notes)}")
        if task.completed is not None:
            lines.append(f"COMPLETED:{_ical_timestamp(task.completed)}")
        lines.append("END:VTODO")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold_line(line) for line in lines) + "\r\n"


EXPORTERS: dict[str, Callable[[Sequence[Task]], str]] = {
    "csv": export_csv,
    "json": export_json,
    "ical": export_ical,
}
FORMAT_ALIASES = {"ics": "ical", "icalendar": "ical"}


def export_tasks(tasks: Sequence[Task], fmt: str) -> str:
    """Export tasks in the named format.

    Args:
        tasks: Tasks to export.
        fmt: ``"csv"``, ``"json"`` or ``"ical"`` (``"ics"`` is accepted too).

    Returns:
        The exported text.

    Raises:
        ExportError: If the format is unknown.
    """
    name = FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
    try:
        exporter = EXPORTERS[name]
    except KeyError:
        raise ExportError(f"unknown export format {fmt!r}; choose from {', '.join(EXPORTERS)}") from None
    return exporter(tasks)
