"""Registry tools as MCP tools, registered through the SDK's public ``MCPServer.add_tool``.

For each :class:`~goose_studio.tools.registry.ToolSpec` a handler is made whose signature has one keyword
parameter per field of the tool's args model (so the SDK publishes those fields, with their types,
constraints, defaults and descriptions, as the input schema) and whose return annotation names the result
model (the output schema). The handler validates the arguments as the client sent them with the args model itself (its own
checks and its refusal of unknown fields included), runs the tool in a thread, and returns a ``CallToolResult``: the result as structured content
(valid against the output schema) and as JSON text; or, for a failure, ``is_error`` with the Guide text
(what failed, why, what to do, how to resume) and the typed failure in the result's ``_meta`` under
``goose-studio/failure`` — never structured content that would contradict the declared schema. Nothing a
client sends crashes the server. While a pipeline tool runs, its progress events are forwarded as MCP
progress notifications. A tool flagged ``ui`` carries ``_meta.ui.resourceUri`` (the run view, an MCP App).
"""

from __future__ import annotations

import inspect
import json
import secrets
import shutil
import time
from typing import Annotated, Any, Callable

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer, Resolve
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from ..errors import FailureKind, ToolFailure, internal_failure
from ..events import Event, EventBus
from ..messages import failure_text, progress_text
from ..tools.registry import ToolContext, ToolSpec
from ..ui.page import APP_URI
from ..workspace import Workspace
from .sampling import SamplingBridge

#: Where an error result carries its typed failure (kind, message, hint, details).
FAILURE_META = "goose-studio/failure"
_PROGRESS_INTERVAL_S = 0.25


class ProgressForwarder:
    """An event-bus subscriber (called in the tool's thread) that sends MCP progress notifications.

    Bursts are thinned to one notification per :data:`_PROGRESS_INTERVAL_S`; the last one held back is sent
    when the tool finishes (:meth:`flush`), so the client always sees the final state.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.count = 0
        self.last_sent = 0.0
        self.pending: str | None = None

    def __call__(self, event: Event) -> None:
        step = event.step
        if step is None:
            return
        tab, phase = step
        self.count += 1
        message = progress_text(tab, event.payload) if phase == "progress" else f"{tab} {phase}"
        now = time.monotonic()
        if now - self.last_sent < _PROGRESS_INTERVAL_S:
            self.pending = message
            return
        self.last_sent = now
        self.pending = None
        try:
            anyio.from_thread.run(self._send, message)
        except Exception:  # a client that went away must not fail the tool
            pass

    async def _send(self, message: str) -> None:
        await self.ctx.report_progress(float(self.count), None, message)

    async def flush(self) -> None:
        if self.pending is not None:
            message, self.pending = self.pending, None
            try:
                await self._send(message)
            except Exception:
                pass


def failure_result(failure: ToolFailure, what: str, run_id: str | None = None) -> CallToolResult:
    """A tool failure as an MCP error result: the Guide text, and the typed failure in ``_meta``."""
    return CallToolResult(content=[TextContent(type="text", text=failure_text(failure, what=what, run_id=run_id))],
                          is_error=True, meta={FAILURE_META: failure.to_dict()})


def success_result(result: BaseModel) -> CallToolResult:
    data = result.model_dump(mode="json")
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(data, indent=2))],
                          structured_content=data)


def _invalid(spec: ToolSpec, exc: ValidationError) -> ToolFailure:
    problems = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()]
    return ToolFailure(FailureKind.invalid_input, f"Invalid arguments for tool '{spec.name}': " + "; ".join(problems),
                       hint=f"See the argument schema of '{spec.name}'.", details={"errors": problems})


def _raw_arguments(ctx: Context) -> dict[str, Any] | None:
    try:
        raw = (ctx.request_context.params or {}).get("arguments")
    except (AttributeError, LookupError, ValueError):
        return None
    return dict(raw) if isinstance(raw, dict) else ({} if raw is None else None)


def _parameters(model: type[BaseModel]) -> list[inspect.Parameter]:
    """One keyword parameter per field of ``model``: its type and constraints, description and default."""
    params = []
    for name, field in model.model_fields.items():
        info = Field(description=field.description, title=field.title, default_factory=field.default_factory) \
            if field.default_factory is not None else Field(description=field.description, title=field.title)
        annotation = Annotated[(field.annotation, *field.metadata, info)]
        default = inspect.Parameter.empty if field.is_required() or field.default_factory else field.default
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))
    return params


def _with_signature(fn: Callable[..., Any], name: str, params: list[inspect.Parameter], returns: Any) -> None:
    fn.__name__ = fn.__qualname__ = name
    fn.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
    fn.__annotations__ = {**{p.name: p.annotation for p in params}, "return": returns}


def add_registry_tool(server: MCPServer, spec: ToolSpec, ws: Workspace, bridge: SamplingBridge | None) -> None:
    """Register ``spec`` on ``server``: schemas from its models, failures as Guide results, progress forwarded.

    With a sampling ``bridge``, tools that start workers hand the worker the host's model when the host can
    sample (``ToolContext.extra["worker_env"]``), and tools a host polls carry the workers' queued requests
    to a 2026-07-28+ host (a resolved parameter, not part of the input schema).
    """
    polled = bridge is not None and spec.polled
    resolved = {"host_answered"} if polled else set()

    async def handler(ctx: Context, **arguments: Any) -> CallToolResult:
        for key in resolved:
            arguments.pop(key, None)
        raw = _raw_arguments(ctx)
        try:  # the arguments as the client sent them, so the model's own rules apply (unknown fields included)
            args = spec.args_model.model_validate(raw if raw is not None else arguments)
        except ValidationError as exc:
            return failure_result(_invalid(spec, exc), spec.name)
        call_dir = bus = forwarder = None
        if spec.tab is not None:  # a pipeline tool: give it an event bus for this call, forwarded as progress
            call_id = f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
            call_dir = ws.cache / "mcp-calls" / call_id
            bus = EventBus(call_id, call_dir / "events.jsonl")
            forwarder = ProgressForwarder(ctx)
            bus.subscribe(forwarder)
        extra: dict[str, Any] = {}
        if bridge is not None and spec.starts_worker:
            worker_env = await bridge.worker_env_for(ctx)
            if worker_env:
                extra["worker_env"] = worker_env
        tool_ctx = ToolContext(workspace=ws, events=bus, tab=spec.tab, extra=extra)
        try:
            result = await anyio.to_thread.run_sync(spec.fn, args, tool_ctx)
        except ToolFailure as failure:
            return failure_result(failure, spec.name)
        except Exception as exc:  # a bug: typed at the edge, traceback to a log file
            return failure_result(internal_failure(exc, ws.root / "logs" / "mcp-error.log", spec.name), spec.name)
        finally:
            if call_dir is not None:
                shutil.rmtree(call_dir, ignore_errors=True)
        if forwarder is not None:
            await forwarder.flush()
        return success_result(result)

    params = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
              *_parameters(spec.args_model)]
    if polled:
        params.append(inspect.Parameter("host_answered", inspect.Parameter.KEYWORD_ONLY, default=False,
                                        annotation=Annotated[bool, Resolve(bridge.polling_resolver())]))
    _with_signature(handler, spec.name, params, Annotated[CallToolResult, spec.result_model])
    server.add_tool(handler, name=spec.name, title=spec.label, description=spec.description,
                    annotations=ToolAnnotations(read_only_hint=spec.read_only, destructive_hint=spec.destructive,
                                                idempotent_hint=spec.idempotent, open_world_hint=spec.open_world),
                    meta={"ui": {"resourceUri": APP_URI}} if spec.ui else None, structured_output=True)
