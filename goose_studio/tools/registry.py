"""The tool contract: one typed function per tool, registered once.

A tool is ``fn(args: ArgsModel, ctx: ToolContext) -> ResultModel`` where both models are pydantic. The
CLI, the conductor graph and the MCP server are generated from :data:`REGISTRY`; nobody writes a second
schema by hand. Failures are raised as :class:`~goose_studio.errors.ToolFailure`.
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from ..errors import FailureKind, ToolFailure
from ..events import EventBus
from ..workspace import Workspace


@dataclass
class ToolContext:
    """What a tool may use besides its arguments: the workspace, and a run's event bus if any."""

    workspace: Workspace
    run_id: str | None = None
    events: EventBus | None = None
    tab: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def progress(self, **payload: Any) -> None:
        if self.events is not None and self.tab is not None:
            self.events.step(self.tab, "progress", **payload)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    fn: Callable[[Any, ToolContext], BaseModel]
    args_model: type[BaseModel]
    result_model: type[BaseModel]
    description: str
    tab: str | None

    def input_schema(self) -> dict[str, Any]:
        return self.args_model.model_json_schema()

    def output_schema(self) -> dict[str, Any]:
        return self.result_model.model_json_schema()


REGISTRY: dict[str, ToolSpec] = {}


def tool(name: str, *, tab: str | None = None) -> Callable[[Callable], Callable]:
    """Register ``fn`` under ``name``; its models come from its type hints, its description from its docstring."""

    def decorate(fn: Callable) -> Callable:
        hints = typing.get_type_hints(fn)
        params = list(inspect.signature(fn).parameters)
        if len(params) != 2:
            raise TypeError(f"tool {name}: expected fn(args, ctx), got {params}")
        args_model = hints[params[0]]
        result_model = hints["return"]
        for model in (args_model, result_model):
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise TypeError(f"tool {name}: {model!r} is not a pydantic model")
        if name in REGISTRY:
            raise ValueError(f"tool {name} registered twice")
        doc = inspect.getdoc(fn) or ""
        REGISTRY[name] = ToolSpec(name, fn, args_model, result_model, doc.split("\n\n")[0].replace("\n", " "), tab)
        return fn

    return decorate


def validate_args(spec: ToolSpec, raw: dict[str, Any] | BaseModel) -> BaseModel:
    if isinstance(raw, spec.args_model):
        return raw
    data = raw.model_dump() if isinstance(raw, BaseModel) else raw
    try:
        return spec.args_model.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()]
        raise ToolFailure(
            FailureKind.invalid_input,
            f"Invalid arguments for tool '{spec.name}': " + "; ".join(problems),
            hint=f"See the argument schema of '{spec.name}'.",
            details={"errors": problems},
        ) from None


def call_tool(name: str, raw_args: dict[str, Any] | BaseModel, ctx: ToolContext) -> BaseModel:
    """Validate arguments and run a registered tool. Raises ToolFailure only."""
    load_all()
    spec = REGISTRY.get(name)
    if spec is None:
        raise ToolFailure(FailureKind.invalid_input, f"There is no tool named '{name}'.",
                          hint="Known tools: " + ", ".join(sorted(REGISTRY)))
    args = validate_args(spec, raw_args)
    from ..faults import maybe_fail

    maybe_fail(name, ctx.tab, ctx.workspace.run_dir(ctx.run_id) if ctx.run_id else None)
    return spec.fn(args, ctx)


_TOOL_MODULES = ("source", "code_index", "pairs", "models", "train", "evaluate", "package")


def load_all() -> dict[str, ToolSpec]:
    """Import every tool module so that all tools are registered."""
    import importlib

    for mod in _TOOL_MODULES:
        importlib.import_module(f"goose_studio.tools.{mod}")
    return REGISTRY
