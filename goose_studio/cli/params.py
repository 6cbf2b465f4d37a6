"""CLI options derived from a tool's args model: one ``--option`` per field, with its default and help.

A command built this way has no list of its own: a field added to the model is an option of the command.
Values are checked by the model itself (:func:`~goose_studio.tools.registry.validate_args`), so a bad value
is the same typed ``invalid_input`` failure on the CLI as over MCP.
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any, Literal, Optional

import typer
from pydantic import BaseModel


def _cli_type(annotation: Any) -> tuple[Any, str]:
    """A type Typer parses for ``annotation``, and a note for the help (the choices of a Literal)."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return str, " (" + " | ".join(str(a) for a in typing.get_args(annotation)) + ")"
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            inner, note = _cli_type(args[0])
            return Optional[inner], note
    return annotation, ""


def model_parameters(model: type[BaseModel], *, skip: tuple[str, ...] = (), arguments: tuple[str, ...] = (),
                     shorts: dict[str, str] | None = None, metavars: dict[str, str] | None = None
                     ) -> list[inspect.Parameter]:
    """Typer parameters for ``model``'s fields: ``arguments`` positional, the rest ``--options``."""
    params = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        annotation, note = _cli_type(field.annotation)
        default = field.get_default(call_default_factory=True)
        help_text = (field.description or "") + note
        if name in arguments:
            info: Any = typer.Argument(default if not field.is_required() else ..., help=help_text)
        else:
            flag_name = name.replace('_', '-')
            # a switch can be turned either way: --check-load / --no-check-load
            long = f"--{flag_name}/--no-{flag_name}" if annotation in (bool, Optional[bool]) else f"--{flag_name}"
            decls = [long, *([(shorts or {})[name]] if name in (shorts or {}) else [])]
            info = typer.Option(default if not field.is_required() else ..., *decls, help=help_text,
                                metavar=(metavars or {}).get(name))
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation))
    return params


def with_parameters(fn: Any, params: list[inspect.Parameter]) -> Any:
    """``fn`` (taking ``**kwargs``) with ``params`` as the signature Typer reads."""
    fn.__signature__ = inspect.Signature(params)
    return fn


def flag(name: str, help_text: str, *decls: str) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                             default=typer.Option(False, *(decls or (f"--{name.replace('_', '-')}",)), help=help_text))
