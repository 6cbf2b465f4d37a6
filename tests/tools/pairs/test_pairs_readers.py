"""The readers behind the fact categories: Python facts from the syntax tree, docstring sections in three
styles, questions from sentences, identifiers in people's words, and documentation files in four formats
(with the files that must never be read)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from goose_studio.tools.pairs.docsource import find_doc_files, parse_doc, read_doc_files
from goose_studio.tools.pairs.docstrings import default_phrase, parse_docstring
from goose_studio.tools.pairs.phrasing import humanize, phrasings, singular
from goose_studio.tools.pairs.pyfacts import read_facts
from goose_studio.tools.pairs.sentences import questions_for, split_sentences

PY = '''
import os
import click

LIMIT = 5  # retries before giving up
_TABLE = {"a": 1, "b": 2}
Alias = dict[str, int]


@click.command("sync")
@click.option("--depth", default=3, help="follow links this deep")
def sync(depth):
    """Copy the files."""
    home = os.getenv("APP_HOME", "/srv")
    # the cache must be warm before the first copy
    warm()
'''


def test_python_facts_come_from_the_syntax_tree() -> None:
    facts = read_facts(textwrap.dedent(PY).split("\n"))
    by_name = {a.name: a for a in facts.assigned}
    assert by_name["LIMIT"].value == "5" and by_name["LIMIT"].comment == "retries before giving up"
    assert by_name["_TABLE"].items == [('"a"', "1"), ('"b"', "2")]
    assert "Alias" not in by_name  # a type alias is not a fact people ask about
    assert [c.name for c in facts.commands] == ["sync"]
    assert [(o.command, o.flags, o.default) for o in facts.options] == [("sync", ["--depth"], "3")]
    assert [(e.var, e.default, e.func) for e in facts.env] == [("APP_HOME", '"/srv"', "sync")]
    assert [(c.text, c.code) for c in facts.comments] == [("retries before giving up", "LIMIT = 5"),
                                                          ("the cache must be warm before the first copy", "warm()")]
    assert read_facts(["def broken(:"]).assigned == []  # a file that does not parse yields nothing


def test_docstrings_in_google_numpy_sphinx_and_jsdoc_style() -> None:
    google = parse_docstring("Do it.\n\nArgs:\n    n: How many; defaults to ``3``.\n\nReturns:\n    The count.\n\n"
                             "Raises:\n    ValueError: If n is negative.\n\nExit codes:\n    0: fine.\n    1: bad.")
    assert google.description == ["Do it."] and google.params == {"n": "How many; defaults to `3`."}
    assert google.returns == "The count." and google.raises == [("ValueError", "If n is negative.")]
    assert google.sections == {"exit codes": [("0", "fine."), ("1", "bad.")]}
    numpy = parse_docstring("Sum.\n\nParameters\n----------\nx : int\n    The first.\n\nReturns\n-------\nint\n    Total.")
    assert numpy.params == {"x": "The first."}
    sphinx = parse_docstring("Load.\n\n:param path: Where from.\n:raises OSError: When unreadable.\n:returns: Data.")
    assert sphinx.params == {"path": "Where from."} and sphinx.raises == [("OSError", "When unreadable.")]
    jsdoc = parse_docstring("Format.\n@param {number} n - The count.\n@returns {string} The text.\n@throws {RangeError} on -1")
    assert jsdoc.params == {"n": "The count."} and jsdoc.returns == "The text." and jsdoc.raises[0][0] == "RangeError"
    assert default_phrase("How many; defaults to ``sys.argv[1:]``.") == "`sys.argv[1:]`"


def test_sentences_become_the_questions_they_answer() -> None:
    assert split_sentences("Use `a.b` here. E.g. this, i.e. that. Next one.") == [
        "Use `a.b` here.", "E.g. this, i.e. that.", "Next one."]
    assert questions_for("Tasks are stored in `~/.tasks.json`.") == ["Where are tasks stored?"]
    assert questions_for("Use `--file PATH` to choose another file.") == ["How do I choose another file?"]
    assert questions_for("Prefix a term with `-` to negate it.") == ["How do I negate a term?"]
    assert questions_for("Closed tasks are hidden unless you pass `--all`.") == ["When are closed tasks hidden?"]
    assert questions_for("Return True if the task is open.", "`is_open`")[0] == "When does `is_open` return True?"
    assert questions_for("It is fine.") == [] and questions_for("Why?") == []


def test_identifiers_in_peoples_words() -> None:
    assert humanize("MAX_TITLE_LENGTH") == "maximum title length"
    assert humanize("JsonStore") == "JSON store" and humanize("ICAL_PRIORITY") == "iCalendar priority"
    assert singular("exit codes") == "exit code" and singular("aliases") == "alias"
    picked = phrasings(["a", "b", "c", "d"], 3, "key")
    assert [rank for rank, _ in picked] == [0, 1, 2] and len({q for _, q in picked}) == 3
    assert picked == phrasings(["a", "b", "c", "d"], 3, "key")  # stable


def test_documentation_in_four_formats() -> None:
    md = parse_doc("README.md", "# Tool\n\nIntro text here.\n\n## Usage\n\n| flag | meaning |\n|---|---|\n| `-v` | verbose |\n"
                                "\n```console\n$ tool -v\nok\n```\n\n- `x`: an item\n")
    assert [s.title for s in md.sections] == ["Tool", "Usage"]
    kinds = [b.kind for b in md.sections[1].blocks]
    assert kinds == ["table", "code", "list"] and md.sections[1].blocks[0].rows == [["flag", "meaning"], ["`-v`", "verbose"]]
    rst = parse_doc("docs/a.rst", "Title\n=====\n\nSome ``code`` and :func:`f`.\n\n.. code-block:: python\n\n   x = 1\n\n"
                                  "Part\n----\n\nMore.\n")
    assert [s.title for s in rst.sections] == ["Title", "Part"]
    assert rst.sections[0].blocks[0].text == "Some `code` and `f`." and rst.sections[0].blocks[1].lines == ["x = 1"]
    adoc = parse_doc("docs/b.adoc", "= Book\n\n== Setup\n\nRun it.\n\n----\nmake\n----\n")
    assert [(s.title, s.trail) for s in adoc.sections] == [("Setup", ["Book"])]  # a heading with no text is dropped
    assert adoc.sections[0].blocks[1].lines == ["make"]
    txt = parse_doc("docs/c.txt", "NOTES\n\nPlain words here.\n")
    assert txt.sections[0].title == "Notes" and txt.sections[0].blocks[0].text == "Plain words here."


def test_documentation_files_found_and_the_ones_never_read(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "README.md").write_text("# r\n\nHello there.\n")
    (root / "docs" / "guide.rst").write_text("Guide\n=====\n\nText.\n")
    (root / "LICENSE.txt").write_text("MIT")
    (root / ".env").write_text("API_KEY=abc")
    (root / "docs" / "blob.md").write_bytes(b"\x00\x01binary")
    (root / "docs" / "huge.md").write_text("x" * (300 * 1024))
    outside = tmp_path / "secret.md"
    outside.write_text("# secret\n\nnot yours\n")
    os.symlink(outside, root / "docs" / "linked.md")
    paths, _ = find_doc_files(root)
    assert [p.relative_to(root).as_posix() for p in paths] == ["README.md", "docs/blob.md", "docs/guide.rst",
                                                                "docs/huge.md"]
    docs, skipped = read_doc_files(root)
    assert [d.path for d in docs] == ["README.md", "docs/guide.rst"]
    assert dict(skipped) == {"docs/linked.md": "link_outside_repository", "docs/blob.md": "binary",
                             "docs/huge.md": "too_large"}
