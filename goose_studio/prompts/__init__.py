"""Prompt templates as files: ``goose_studio/prompts/<name>`` rendered with Jinja2.

Templates are plain text files beside this module (``ask_json.j2``, ...). Rendering is strict: a variable
the template uses but the caller did not pass is an error (``StrictUndefined``), never an empty string
sent to a model. Templates are loaded once and cached.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from ..errors import FailureKind, ToolFailure

PROMPTS_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PROMPTS_DIR)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # prompts are text for a model, not HTML
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def names() -> list[str]:
    """The templates that ship with the studio."""
    return sorted(p.name for p in PROMPTS_DIR.iterdir() if p.is_file() and p.suffix != ".py" and not p.name.startswith("."))


def render(name: str, **variables: Any) -> str:
    """Render the template ``prompts/<name>`` with ``variables``.

    Raises ToolFailure (kind ``internal``): for an unknown template, a template that does not parse, or a
    variable the template needs that was not given (the message names it).
    """
    try:
        template = _environment().get_template(name)
    except jinja2.TemplateNotFound:
        raise ToolFailure(FailureKind.internal, f"There is no prompt template '{name}'.",
                          hint="Known templates: " + ", ".join(names()), details={"template": name}) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ToolFailure(FailureKind.internal, f"The prompt template '{name}' does not parse: {exc.message} "
                          f"(line {exc.lineno}).", details={"template": name, "line": exc.lineno}) from None
    try:
        return template.render(**variables)
    except jinja2.UndefinedError as exc:
        raise ToolFailure(FailureKind.internal, f"The prompt template '{name}' needs a variable that was not "
                          f"given: {exc.message}.", hint="Pass every variable the template uses to render().",
                          details={"template": name, "given": sorted(variables)}) from None


__all__ = ["PROMPTS_DIR", "names", "render"]
