"""CLI options derived from an args model: every switch can be set either way."""

from typing import Optional

import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from goose_studio.cli import app as studio_app
from goose_studio.cli.params import model_parameters, with_parameters


class _Args(BaseModel):
    check_load: bool = True
    fast: bool = False
    maybe: Optional[bool] = None
    count: int = 3


def _app(seen: dict):
    app = typer.Typer()

    def command(**kwargs):
        seen.update(kwargs)

    app.command()(with_parameters(command, model_parameters(_Args)))
    return app


def test_a_switch_that_defaults_on_can_be_turned_off():
    seen: dict = {}
    result = CliRunner().invoke(_app(seen), ["--no-check-load", "--fast", "--count", "5"])
    assert result.exit_code == 0, result.output
    assert seen == {"check_load": False, "fast": True, "maybe": None, "count": 5}


def test_defaults_hold_when_no_switch_is_given_and_an_optional_switch_takes_either_way():
    seen: dict = {}
    assert CliRunner().invoke(_app(seen), []).exit_code == 0
    assert seen["check_load"] is True and seen["fast"] is False and seen["maybe"] is None
    assert CliRunner().invoke(_app(seen), ["--no-maybe"]).exit_code == 0
    assert seen["maybe"] is False


def test_learn_lists_the_off_form_of_its_switches():
    result = CliRunner().invoke(studio_app, ["learn", "--help"], terminal_width=200)
    assert "--no-check-load" in result.output
