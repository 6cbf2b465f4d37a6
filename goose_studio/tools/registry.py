"""The tool contract: one typed function per tool, registered once, and the only definition of a tool.

A tool is ``fn(args: ArgsModel, ctx: ToolContext) -> ResultModel`` where both models are pydantic, registered
with :func:`tool`. Its entry (:class:`ToolSpec`) carries what every view needs: the tab it belongs to (None for
run control), its MCP annotations (read-only, destructive, idempotent, open-world), whether it starts a
background worker or is polled by hosts that follow a run (and so may carry a sampling request), and whether
it is its tab's primary tool (the one a ``<tab>:<fault>`` injection hits), and whether a host that renders MCP
Apps shows the studio's run view beside its result (``ui``). The CLI's ``tools`` command, the MCP
tool list, the run graph's calls, the fault map and the sampling bridge's tool sets are all derived from
:data:`REGISTRY`; nobody keeps a second list or writes a second schema. Failures are raised as
:class:`~goose_studio.errors.ToolFailure`.

Tool modules are found, not listed: :func:`load_all` imports every module and package under
``goose_studio.tools``, so a new tool is one decorated function in a new (or existing) module.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from ..errors import FailureKind, ToolFailure
from ..events import TABS, EventBus
from ..faults import maybe_fail
from ..workspace import Workspace


@dataclass
class ToolContext:
    """What a tool may use besides its arguments: the workspace, and a run's event bus if any.

    ``extra`` carries what a caller hands its tools beyond that (the MCP server: the environment that lends
    a worker the host's model).
    """

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
    tab: str | None = None
    title: str | None = None
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = False
    starts_worker: bool = False  # hands long work to a background worker and returns at once
    polled: bool = False  # called again and again by a host that follows a run
    primary: bool = False  # the tool a "<tab>:<fault>" injection hits
    ui: bool = False  # its result is shown in the studio's run view (MCP Apps: _meta.ui.resourceUri)

    def input_schema(self) -> dict[str, Any]:
        return self.args_model.model_json_schema()

    def output_schema(self) -> dict[str, Any]:
        return self.result_model.model_json_schema()

    @property
    def label(self) -> str:
        return self.title or self.name.replace("_", " ")


REGISTRY: dict[str, ToolSpec] = {}


def tool(name: str, *, tab: str | None = None, title: str | None = None, read_only: bool = False,
         destructive: bool = False, idempotent: bool = False, open_world: bool = False,
         starts_worker: bool = False, polled: bool = False, primary: bool = False,
         ui: bool = False) -> Callable[[Callable], Callable]:
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
        if tab is not None and tab not in TABS:
            raise ValueError(f"tool {name}: unknown tab {tab!r}")
        if primary and tab is None:
            raise ValueError(f"tool {name}: only a tab's tool can be its primary tool")
        if name in REGISTRY:
            raise ValueError(f"tool {name} registered twice")
        if primary and any(s.primary and s.tab == tab for s in REGISTRY.values()):
            raise ValueError(f"tool {name}: tab {tab} already has a primary tool")
        doc = inspect.getdoc(fn) or ""
        REGISTRY[name] = ToolSpec(name, fn, args_model, result_model, doc.split("\n\n")[0].replace("\n", " "), tab,
                                  title, read_only, destructive, idempotent, open_world, starts_worker, polled,
                                  primary, ui)
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


def get_spec(name: str) -> ToolSpec:
    load_all()
    spec = REGISTRY.get(name)
    if spec is None:
        raise ToolFailure(FailureKind.invalid_input, f"There is no tool named '{name}'.",
                          hint="Known tools: " + ", ".join(sorted(REGISTRY)))
    return spec


def call_tool(name: str, args: dict[str, Any] | BaseModel, ctx: ToolContext) -> BaseModel:
    """Validate arguments and run a registered tool. Raises ToolFailure only (or what the tool lets through)."""
    spec = get_spec(name)
    checked = validate_args(spec, args)
    maybe_fail(spec.name, spec.tab, spec.primary, ctx.workspace.run_paths(ctx.run_id).faults if ctx.run_id else None)
    return spec.fn(checked, ctx)


_LOADED = False


def load_all() -> dict[str, ToolSpec]:
    """Import every module and package under ``goose_studio.tools`` so that all tools are registered."""
    global _LOADED
    if not _LOADED:
        package = importlib.import_module(__package__)
        for module in pkgutil.iter_modules(package.__path__):
            if module.name != "registry":
                importlib.import_module(f"{__package__}.{module.name}")
        _LOADED = True
    return REGISTRY


def specs() -> list[ToolSpec]:
    """Every tool: run control first, then the pipeline in tab order (registration order within each)."""
    order = {name: i for i, name in enumerate(load_all())}
    return sorted(REGISTRY.values(), key=lambda s: (-1 if s.tab is None else TABS.index(s.tab), order[s.name]))


def tab_of(target: str) -> str:
    """The tab a tool belongs to (a tab name is its own tab); a run-control tool or unknown name: itself."""
    if target in TABS:
        return target
    spec = load_all().get(target)
    return spec.tab if spec is not None and spec.tab is not None else target
