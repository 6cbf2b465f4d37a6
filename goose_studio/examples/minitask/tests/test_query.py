from __future__ import annotations

from datetime import date

import pytest

from minitask.errors import QuerySyntaxError
from minitask.models import Priority, Status
from minitask.query import Token, parse_query, tokenize


def ids(query: str, tasks, today) -> list[int]:
    return [task.id for task in parse_query(query, today).filter(tasks)]


def test_tokenize_positions_and_kinds():
    tokens = tokenize('-tag:work due<=2025-07-01 "big report"')
    assert tokens == [
        Token("not", "-", 0),
        Token("word", "tag", 1),
        Token("op", ":", 4),
        Token("word", "work", 5),
        Token("word", "due", 10),
        Token("op", "<=", 13),
        Token("word", "2025-07-01", 15),
        Token("string", "big report", 26),
    ]


def test_tokenize_escaped_quote():
    assert tokenize(r'"say \"hi\""')[0].text == 'say "hi"'


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ('title:"open', "unterminated string", 6),
        ("tag!work", "did you mean '!='", 3),
        ("- tag:work", "'-' must be followed by a term", 0),
        ("colour:red", "unknown field 'colour'", 0),
        ("tag>work", "operator '>' cannot be used with field 'tag'", 3),
        ("priority>=", "expected a value after 'priority>='", 10),
        ("priority>=extreme", "unknown priority 'extreme'", 10),
        ("id:abc", "id must be a number", 3),
        ("is:late", "unknown value 'late' for 'is'", 3),
        (":work", "unexpected ':'", 0),
    ],
)
def test_syntax_errors(query, message, position):
    with pytest.raises(QuerySyntaxError, match=message) as info:
        parse_query(query)
    assert info.value.position == position
    assert info.value.pointer().splitlines()[1] == " " * position + "^"


def test_empty_query_matches_everything(sample_tasks, today):
    assert ids("", sample_tasks, today) == [1, 2, 3, 4, 5]


def test_field_conditions(sample_tasks, today):
    assert ids("status:open priority>=high", sample_tasks, today) == [1, 4]
    assert ids("tag:home", sample_tasks, today) == [2, 3]
    assert ids("tag!=home status=open", sample_tasks, today) == [1, 4]
    assert ids("due<2025-06-11", sample_tasks, today) == [2, 5]
    assert ids("due:none", sample_tasks, today) == [3]
    assert ids("due<=today status:open", sample_tasks, today) == [2, 4]
    assert ids("id>3", sample_tasks, today) == [4, 5]
    assert ids("p:low", sample_tasks, today) == [3]


def test_free_text_and_negation(sample_tasks, today):
    assert ids("report", sample_tasks, today) == [1]
    assert ids('"look at"', sample_tasks, today) == [3]
    assert ids("-tag:work -milk", sample_tasks, today) == [3, 5]
    assert ids("title:bug", sample_tasks, today) == [4]


def test_is_conditions(sample_tasks, today):
    assert ids("is:overdue", sample_tasks, today) == [2]
    assert ids("is:recurring", sample_tasks, today) == [5]
    assert ids("-is:closed", sample_tasks, today) == [1, 2, 3, 4]


def test_values_are_converted():
    query = parse_query("status:done priority<urgent due<+7d", today=date(2025, 6, 11))
    values = [condition.value for condition in query.conditions]
    assert values == [Status.DONE, Priority.URGENT, date(2025, 6, 18)]
    assert str(query) == "status:done priority<urgent due<2025-06-18"
