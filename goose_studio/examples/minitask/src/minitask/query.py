"""A small filter language for selecting tasks.

A query is a list of terms separated by spaces; a task must satisfy every
term. Examples::

    status:open priority>=high tag:work due<2026-01-01
    -tag:someday "quarterly report"
    is:overdue p>normal

A term is either ``field OP value`` or a bare word (or quoted phrase) that
must appear in the title or notes. A leading ``-`` negates a term.

Fields: ``status`` (open, done, cancelled), ``priority`` (low, normal, high,
urgent or 1-4), ``tag``, ``due`` (a date expression or ``none``), ``id``,
``title`` (substring) and ``is`` (overdue, recurring, closed). ``is`` takes
only ``:``; the others accept ``:``, ``=`` and ``!=``, and ``priority``,
``due`` and ``id`` also accept ``<``, ``<=``, ``>`` and ``>=``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable

from .errors import MinitaskError, QuerySyntaxError
from .models import Priority, Status, Task, normalize_tag
from .scheduling import parse_due

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ":": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
EQUALITY = frozenset({":", "=", "!="})
ORDERED = frozenset(OPERATORS)
FIELDS: dict[str, frozenset[str]] = {
    "status": EQUALITY,
    "priority": ORDERED,
    "tag": EQUALITY,
    "due": ORDERED,
    "id": ORDERED,
    "title": EQUALITY,
    "is": frozenset({":"}),
}
FIELD_ALIASES = {"p": "priority", "prio": "priority", "tags": "tag", "state": "status"}
IS_VALUES = ("overdue", "recurring", "closed")

_OP_CHARS = "<>=!:"
_QUOTES = "\"'"


@dataclass(frozen=True)
class Token:
    """A lexical unit of a query.

    Attributes:
        kind: One of ``"word"``, ``"string"``, ``"op"`` or ``"not"``.
        text: The token's text, without quotes for strings.
        position: Offset of the token's first character in the query.
    """

    kind: str
    text: str
    position: int


def tokenize(query: str) -> list[Token]:
    """Split a query into tokens.

    Raises:
        QuerySyntaxError: On an unterminated string, a stray ``!`` or a
            ``-`` that is not followed by a term.
    """
    tokens: list[Token] = []
    index = 0
    length = len(query)
    at_term_start = True
    while index < length:
        char = query[index]
        if char.isspace():
            index += 1
            at_term_start = True
            continue
        start = index
        if char in _QUOTES:
            index += 1
            chars: list[str] = []
            while index < length and query[index] != char:
                if query[index] == "\\" and index + 1 < length:
                    index += 1
                chars.append(query[index])
                index += 1
            if index >= length:
                raise QuerySyntaxError("unterminated string", query, start)
            index += 1
            tokens.append(Token("string", "".join(chars), start))
        elif char == "-" and at_term_start:
            if index + 1 >= length or query[index + 1].isspace():
                raise QuerySyntaxError("'-' must be followed by a term", query, start)
            index += 1
            tokens.append(Token("not", "-", start))
            continue
        elif char in _OP_CHARS:
            two = query[index : index + 2]
            text = two if two in OPERATORS else char
            if text not in OPERATORS:
                raise QuerySyntaxError(f"unexpected character {char!r}; did you mean '!='?", query, start)
            index += len(text)
            tokens.append(Token("op", text, start))
        else:
            while index < length and not query[index].isspace() and query[index] not in _OP_CHARS + _QUOTES:
                index += 1
            tokens.append(Token("word", query[start:index], start))
        at_term_start = False
    return tokens


@dataclass(frozen=True)
class Condition:
    """One term of a query.

    Attributes:
        field: Field name, or ``"text"`` for a free-text term.
        op: Comparison operator.
        value: The converted value (a :class:`Status`, :class:`Priority`,
            date, int or string; ``None`` for ``due:none``).
        negated: Whether the term started with ``-``.
    """

    field: str
    op: str
    value: Any
    negated: bool = False

    def matches(self, task: Task, today: date) -> bool:
        """Return True if ``task`` satisfies this condition."""
        result = self._evaluate(task, today)
        return not result if self.negated else result

    def _evaluate(self, task: Task, today: date) -> bool:
        compare = OPERATORS[self.op]
        if self.field == "text":
            needle = self.value.casefold()
            return needle in task.title.casefold() or needle in task.notes.casefold()
        if self.field == "title":
            return (self.value.casefold() in task.title.casefold()) == (self.op != "!=")
        if self.field == "tag":
            return (self.value in task.tags) == (self.op != "!=")
        if self.field == "is":
            if self.value == "overdue":
                return task.is_overdue(today)
            if self.value == "recurring":
                return task.recurrence is not None
            return task.status.is_closed
        if self.field == "due":
            if self.value is None:
                return (task.due is None) == (self.op != "!=")
            return task.due is not None and compare(task.due, self.value)
        if self.field == "status":
            return compare(task.status, self.value)
        if self.field == "priority":
            return compare(task.priority, self.value)
        return compare(task.id, self.value)

    def __str__(self) -> str:
        prefix = "-" if self.negated else ""
        if self.field == "text":
            return f'{prefix}"{self.value}"'
        value = self.value
        if isinstance(value, (Status, Priority)):
            value = value.value if isinstance(value, Status) else value.label
        elif value is None:
            value = "none"
        return f"{prefix}{self.field}{self.op}{value}"


@dataclass
class Query:
    """A parsed query: the conjunction of its conditions."""

    conditions: list[Condition] = field(default_factory=list)
    today: date = field(default_factory=date.today)

    def matches(self, task: Task) -> bool:
        """Return True if ``task`` satisfies every condition."""
        return all(condition.matches(task, self.today) for condition in self.conditions)

    def filter(self, tasks: Iterable[Task]) -> list[Task]:
        """Return the matching tasks, preserving their order."""
        return [task for task in tasks if self.matches(task)]

    def __str__(self) -> str:
        return " ".join(str(condition) for condition in self.conditions)


def _convert(field_name: str, raw: Token, query: str, today: date) -> Any:
    """Turn a value token into the typed value for ``field_name``."""
    text = raw.text
    try:
        if field_name == "status":
            return Status.parse(text)
        if field_name == "priority":
            return Priority.parse(text)
        if field_name == "tag":
            return normalize_tag(text)
        if field_name == "due":
            return None if text.lower() == "none" else parse_due(text, today)
        if field_name == "id":
            if not text.isdigit():
                raise QuerySyntaxError(f"id must be a number, got {text!r}", query, raw.position)
            return int(text)
        if field_name == "is":
            if text.lower() not in IS_VALUES:
                raise QuerySyntaxError(
                    f"unknown value {text!r} for 'is'; expected one of: {', '.join(IS_VALUES)}",
                    query,
                    raw.position,
                )
            return text.lower()
        return text
    except QuerySyntaxError:
        raise
    except MinitaskError as exc:
        raise QuerySyntaxError(str(exc), query, raw.position) from exc


def parse_query(query: str, today: date | None = None) -> Query:
    """Parse a filter expression.

    Args:
        query: The expression, e.g. ``"status:open priority>=high"``. An
            empty string matches every task.
        today: Reference date for relative dates such as ``due<+7d`` and for
            ``is:overdue``; defaults to the current date.

    Returns:
        The parsed query.

    Raises:
        QuerySyntaxError: If the expression is malformed; the error's
            ``position`` points at the offending token.
    """
    today = today or date.today()
    tokens = tokenize(query)
    conditions: list[Condition] = []
    index = 0
    while index < len(tokens):
        negated = tokens[index].kind == "not"
        if negated:
            index += 1
        token = tokens[index]
        if token.kind in ("op", "not"):
            raise QuerySyntaxError(
                f"unexpected {token.text!r}; expected a field name or a word", query, token.position
            )
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind == "string" or following is None or following.kind != "op":
            conditions.append(Condition("text", ":", token.text, negated))
            index += 1
            continue
        name = FIELD_ALIASES.get(token.text.lower(), token.text.lower())
        if name not in FIELDS:
            known = ", ".join(FIELDS)
            raise QuerySyntaxError(f"unknown field {token.text!r}; known fields: {known}", query, token.position)
        if following.text not in FIELDS[name]:
            raise QuerySyntaxError(
                f"operator {following.text!r} cannot be used with field {name!r}", query, following.position
            )
        value = tokens[index + 2] if index + 2 < len(tokens) else None
        end = following.position + len(following.text)
        if value is None or value.kind not in ("word", "string") or value.position != end:
            raise QuerySyntaxError(f"expected a value after '{token.text}{following.text}'", query, end)
        conditions.append(Condition(name, following.text, _convert(name, value, query, today), negated))
        index += 3
    return Query(conditions, today)
