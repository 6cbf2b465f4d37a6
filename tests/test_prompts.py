"""Prompt templates are files rendered strictly: a missing variable is an error that names it."""
import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.prompts import PROMPTS_DIR, names, render


def test_render_a_shipped_template():
    assert "ask_json.j2" in names() and (PROMPTS_DIR / "ask_json.j2").is_file()
    text = render("ask_json.j2", schema='{"type": "object"}')
    assert '{"type": "object"}' in text and "JSON" in text


def test_a_missing_variable_is_a_typed_error():
    with pytest.raises(ToolFailure) as info:
        render("ask_json.j2")
    assert info.value.kind is FailureKind.internal
    assert "schema" in info.value.message and info.value.details["template"] == "ask_json.j2"


@pytest.mark.parametrize("name", ["no_such_template.j2", "../errors.py", "/etc/passwd"])
def test_unknown_or_outside_templates_are_refused(name):
    with pytest.raises(ToolFailure) as info:
        render(name)
    assert info.value.kind is FailureKind.internal and info.value.details["template"] == name
