"""Command-line interface: ``minitask add|list|done|edit|remove|export``.

Tasks are kept in a JSON file, by default ``~/.minitask.json``; set the
``MINITASK_FILE`` environment variable or pass ``--file`` to use another.

Exit codes:
    0: success.
    1: invalid input, such as a bad priority or an empty title.
    2: command-line usage error, including malformed queries.
    3: a task id does not exist.
    4: the task file could not be read or written.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from . import __version__
from .errors import MinitaskError, NotFoundError, QuerySyntaxError, StorageError, ValidationError
from .export import EXPORTERS, export_tasks
from .formatting import render_markdown, render_table, summarize
from .models import Priority, Status
from .query import parse_query
from .scheduling import parse_due
from .storage import JsonStore, Store

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_STORAGE = 4

FILE_ENV_VAR = "MINITASK_FILE"
DEFAULT_FILENAME = ".minitask.json"

Handler = Callable[[argparse.Namespace, Store, date], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a function as the handler of a subcommand."""

    def decorator(handler: Handler) -> Handler:
        COMMANDS[name] = handler
        return handler

    return decorator


def default_path() -> Path:
    """Task file location: ``$MINITASK_FILE`` or ``~/.minitask.json``."""
    configured = os.environ.get(FILE_ENV_VAR)
    return Path(configured).expanduser() if configured else Path.home() / DEFAULT_FILENAME


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with all subcommands."""
    parser = argparse.ArgumentParser(prog="minitask", description="A tiny task tracker.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-f", "--file", type=Path, help=f"task file (default: ${FILE_ENV_VAR} or ~/{DEFAULT_FILENAME})")
    parser.add_argument("--today", type=_iso_date, help="override today's date (YYYY-MM-DD)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add = sub.add_parser("add", help="create a task")
    add.add_argument("title", nargs="+", help="task title")
    add.add_argument("-p", "--priority", default="normal", help="low, normal, high or urgent")
    add.add_argument("-t", "--tag", action="append", default=[], help="tag (repeatable)")
    add.add_argument("-d", "--due", help="due date: YYYY-MM-DD, today, tomorrow, +3d, friday")
    add.add_argument("-r", "--every", help="recurrence: daily, weekly, monthly, 'every 2 weeks'")
    add.add_argument("-n", "--note", default="", help="free-form notes")

    lst = sub.add_parser("list", help="show tasks")
    lst.add_argument("query", nargs="*", help="filter, e.g. 'tag:work priority>=high'")
    lst.add_argument("-a", "--all", action="store_true", help="include closed tasks")
    lst.add_argument("--format", choices=("table", "markdown"), default="table")
    lst.add_argument("--limit", type=int, help="show at most this many tasks")

    done = sub.add_parser("done", help="mark tasks as done")
    done.add_argument("ids", nargs="+", type=int, metavar="ID")

    edit = sub.add_parser("edit", help="change a task")
    edit.add_argument("id", type=int)
    edit.add_argument("--title")
    edit.add_argument("-p", "--priority")
    due = edit.add_mutually_exclusive_group()
    due.add_argument("-d", "--due")
    due.add_argument("--no-due", action="store_true", help="remove the due date")
    edit.add_argument("-t", "--tag", action="append", default=[], help="add a tag")
    edit.add_argument("--untag", action="append", default=[], help="remove a tag")
    repeat = edit.add_mutually_exclusive_group()
    repeat.add_argument("-r", "--every")
    repeat.add_argument("--no-repeat", action="store_true", help="stop the task recurring")
    edit.add_argument("-n", "--note")
    state = edit.add_mutually_exclusive_group()
    state.add_argument("--cancel", action="store_true", help="mark the task cancelled")
    state.add_argument("--reopen", action="store_true", help="reopen a closed task")

    remove = sub.add_parser("remove", help="delete tasks")
    remove.add_argument("ids", nargs="+", type=int, metavar="ID")

    export = sub.add_parser("export", help="write tasks as CSV, JSON or iCalendar")
    export.add_argument("query", nargs="*", help="optional filter")
    export.add_argument("--format", choices=sorted(EXPORTERS), default="json")
    export.add_argument("-o", "--output", type=Path, help="write to a file instead of stdout")
    return parser


def _now_on(today: date) -> datetime:
    return datetime.combine(today, datetime.now().time()).replace(microsecond=0)


@command("add")
def cmd_add(args: argparse.Namespace, store: Store, today: date) -> int:
    """Create a task from the ``add`` arguments."""
    fields: dict[str, Any] = {
        "priority": Priority.parse(args.priority),
        "tags": args.tag,
        "notes": args.note,
        "created": _now_on(today),
    }
    if args.due:
        fields["due"] = parse_due(args.due, today)
    if args.every:
        fields["recurrence"] = args.every
    task = store.create(" ".join(args.title), **fields)
    print(f"Added {summarize(task)}")
    return EXIT_OK


@command("list")
def cmd_list(args: argparse.Namespace, store: Store, today: date) -> int:
    """Print the tasks matching the query."""
    query = parse_query(" ".join(args.query), today)
    mentions_state = any(c.field in ("status", "is") for c in query.conditions)
    tasks = [task for task in query.filter(store.all()) if args.all or mentions_state or task.status is Status.OPEN]
    if args.limit is not None:
        tasks = tasks[: max(args.limit, 0)]
    if args.format == "markdown":
        print(render_markdown(tasks, today), end="")
    else:
        print(render_table(tasks, today))
    return EXIT_OK


@command("done")
def cmd_done(args: argparse.Namespace, store: Store, today: date) -> int:
    """Complete tasks; recurring tasks get their next occurrence."""
    status = EXIT_OK
    for task_id in args.ids:
        try:
            task, follow_up = store.complete(task_id, when=_now_on(today))
        except MinitaskError as exc:
            _error(exc)
            status = max(status, exit_code_for(exc))
            continue
        print(f"Completed {summarize(task)}")
        if follow_up is not None:
            print(f"  next: {summarize(follow_up)}")
    return status


@command("edit")
def cmd_edit(args: argparse.Namespace, store: Store, today: date) -> int:
    """Apply the requested changes to one task."""
    task = store.get(args.id)
    changes: dict[str, Any] = {}
    if args.title is not None:
        changes["title"] = args.title
    if args.priority is not None:
        changes["priority"] = Priority.parse(args.priority)
    if args.due is not None:
        changes["due"] = parse_due(args.due, today)
    if args.no_due:
        changes["due"] = None
    if args.tag or args.untag:
        missing = [tag for tag in args.untag if tag.lstrip("#").lower() not in task.tags]
        if missing:
            raise ValidationError(f"task {task.id} has no tag {missing[0]!r}", field="tags")
        removed = {tag.lstrip("#").lower() for tag in args.untag}
        changes["tags"] = [tag for tag in task.tags if tag not in removed] + args.tag
    if args.every is not None:
        changes["recurrence"] = args.every
    if args.no_repeat:
        changes["recurrence"] = None
    if args.note is not None:
        changes["notes"] = args.note
    if args.cancel:
        if task.status.is_closed:
            raise ValidationError(f"task {task.id} is already {task.status.value}", field="status")
        changes.update(status=Status.CANCELLED, completed=max(_now_on(today), task.created))
    if args.reopen:
        changes.update(status=Status.OPEN, completed=None)
    if not changes:
        print("minitask: error: nothing to change; pass an option such as --title or --due", file=sys.stderr)
        return EXIT_USAGE
    updated = store.update(task.with_changes(**changes))
    print(f"Updated {summarize(updated)}")
    return EXIT_OK


@command("remove")
def cmd_remove(args: argparse.Namespace, store: Store, today: date) -> int:
    """Delete tasks by id."""
    status = EXIT_OK
    for task_id in args.ids:
        try:
            removed = store.remove(task_id)
        except NotFoundError as exc:
            _error(exc)
            status = EXIT_NOT_FOUND
            continue
        print(f"Removed {summarize(removed)}")
    return status


@command("export")
def cmd_export(args: argparse.Namespace, store: Store, today: date) -> int:
    """Export the matching tasks (all tasks by default)."""
    tasks = parse_query(" ".join(args.query), today).filter(store.all())
    text = export_tasks(tasks, args.format)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise StorageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    print(f"Exported {len(tasks)} task(s) to {args.output}", file=sys.stderr)
    return EXIT_OK


def exit_code_for(error: MinitaskError) -> int:
    """Map an error to the process exit code documented in this module."""
    if isinstance(error, NotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(error, StorageError):
        return EXIT_STORAGE
    if isinstance(error, QuerySyntaxError):
        return EXIT_USAGE
    return EXIT_INVALID


def _error(error: MinitaskError) -> None:
    print(f"minitask: error: {error}", file=sys.stderr)
    if isinstance(error, QuerySyntaxError):
        print(error.pointer(), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        One of the ``EXIT_*`` codes.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    today = args.today or date.today()
    try:
        store = JsonStore(args.file or default_path())
        return COMMANDS[args.command](args, store, today)
    except MinitaskError as exc:
        _error(exc)
        return exit_code_for(exc)


if __name__ == "__main__":
    sys.exit(main())
