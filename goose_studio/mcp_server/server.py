"""The MCP view of the studio, generated from the tool registry plus run control.

Every tool is a :class:`~goose_studio.tools.registry.ToolSpec`: its MCP input schema is the args model's
JSON schema and its output schema the result model's, unchanged. A :class:`ToolFailure` comes back as a
tool result with ``is_error`` set and the Guide text (what failed, why, what to do, how to resume); bad
arguments are rejected against the schema; nothing a client sends crashes the server. While a tool runs,
its progress events are forwarded as MCP progress notifications.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
import traceback
import zipfile
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.resolve import Resolve, build_resolver_plans
from mcp.server.mcpserver.prompts.base import UserMessage
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, create_model

from ..errors import FailureKind, ToolFailure
from ..events import Event, EventBus, read_events
from ..tools.registry import ToolContext, ToolSpec, load_all
from ..workspace import Workspace
from .control import CONTROL_SPECS, core_path, guide_text, progress_text
from .sampling import POLLING_TOOLS, WORKER_TOOLS, SamplingBridge

SERVER_NAME = "goose-studio"
INSTRUCTIONS = (
    "Goose Studio turns a code repository into a tested LoRA adapter (an Intelligence Core, a .gcpkg file). "
    "Start with learn (returns a run_id at once; the run continues in the background even if you disconnect), "
    "then poll run_status every few seconds. A stopped run says why and how to fix it; resume_run continues it. "
    "list_cores and chat_with_core use finished cores; the other tools run single pipeline steps."
)

#: The registry tools exposed over MCP, in pipeline order.
PIPELINE_TOOLS = ("clone", "index_code", "generate_pairs", "prepare_model", "train", "evaluate", "package", "validate")

_READ_ONLY = {"run_status", "list_runs", "list_cores", "validate", "chat_with_core"}
_OPEN_WORLD = {"clone", "learn", "prepare_model"}

_PROGRESS_INTERVAL_S = 0.25


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("goose-studio")
    except Exception:
        return "0"


# ------------------------------------------------------------------------------------------ progress


class _ProgressForwarder:
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
        parts = event.type.split(".")
        if len(parts) != 3 or parts[0] != "step":
            return
        self.count += 1
        message = progress_text(parts[1], event.payload) if parts[2] == "progress" else f"{parts[1]} {parts[2]}"
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


# ------------------------------------------------------------------------------------------ tools


def failure_result(failure: ToolFailure, what: str, run_id: str | None = None) -> CallToolResult:
    """A tool failure as an MCP error result: the Guide text, and the typed failure as structured data."""
    return CallToolResult(content=[TextContent(type="text", text=guide_text(failure, what, run_id))],
                          structured_content={"failure": failure.to_dict()}, is_error=True)


def _internal(ws: Workspace, what: str, exc: BaseException) -> ToolFailure:
    where = ws.root / "logs" / "mcp-error.log"
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        with where.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {what}\n{traceback.format_exc()}\n")
    except OSError:
        pass
    return ToolFailure(FailureKind.internal, f"{type(exc).__name__}: {exc}",
                       hint=f"This is a bug in Goose Studio; the details are in {where}.")


class _WholeArguments(ArgModelBase):
    def model_dump_one_level(self) -> dict[str, Any]:
        return {"args": self}  # the tool receives its args model whole, as the registry's functions expect


def _argument_model(args_model: type[BaseModel]) -> type[ArgModelBase]:
    """What the SDK validates a call's arguments into: the args model itself (same fields, validators, name)."""
    return create_model(args_model.__name__, __base__=(args_model, _WholeArguments),
                        __module__=args_model.__module__)


def mcp_tool(spec: ToolSpec, ws: Workspace, bridge: SamplingBridge | None = None) -> Tool:
    """One registry entry as an MCP tool: schemas from its models, failures as Guide results, progress forwarded.

    With a sampling ``bridge``, the tools that start workers (learn, resume_run) hand the worker the host's
    model when the host can sample (``ToolContext.extra["worker_env"]``), and the tools a host polls
    (run_status, list_runs) carry the workers' queued requests to a 2026-07-28+ host (a resolved parameter,
    not part of the input schema).
    """

    async def call(args: BaseModel, ctx: Context, **_resolved: Any) -> BaseModel | CallToolResult:
        call_dir = None
        bus = None
        forwarder = None
        if spec.tab is not None:  # a pipeline tool: give it an event bus for this call, forwarded as progress
            call_id = f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
            call_dir = ws.cache / "mcp-calls" / call_id
            bus = EventBus(call_id, call_dir / "events.jsonl")
            forwarder = _ProgressForwarder(ctx)
            bus.subscribe(forwarder)
        extra: dict[str, Any] = {}
        if bridge is not None and spec.name in WORKER_TOOLS:
            worker_env = await bridge.worker_env_for(ctx)
            if worker_env:
                extra["worker_env"] = worker_env
        tool_ctx = ToolContext(workspace=ws, events=bus, tab=spec.tab, extra=extra)
        try:
            result = await anyio.to_thread.run_sync(spec.fn, args, tool_ctx)
        except ToolFailure as failure:
            return failure_result(failure, spec.name)
        except Exception as exc:  # a bug: typed at the edge, traceback to a log file
            return failure_result(_internal(ws, spec.name, exc), spec.name)
        finally:
            if call_dir is not None:
                shutil.rmtree(call_dir, ignore_errors=True)
        if forwarder is not None:
            await forwarder.flush()
        return result

    annotations = ToolAnnotations(read_only_hint=spec.name in _READ_ONLY, destructive_hint=False,
                                  open_world_hint=spec.name in _OPEN_WORLD)
    metadata = FuncMetadata(arg_model=_argument_model(spec.args_model), output_model=spec.result_model,
                            output_schema=spec.output_schema())
    resolved: dict[str, Any] = {}
    if bridge is not None and spec.name in POLLING_TOOLS:
        resolved["_host_answered"] = (Resolve(bridge.polling_resolver()), False)
    return Tool(fn=call, name=spec.name, title=spec.name.replace("_", " "), description=spec.description,
                parameters=spec.input_schema(), fn_metadata=metadata, is_async=True, context_kwarg="ctx",
                annotations=annotations, resolved_params=resolved,
                resolver_plans=build_resolver_plans(resolved, set(spec.args_model.model_fields)))


def tool_specs() -> list[ToolSpec]:
    registry = load_all()
    return [*CONTROL_SPECS, *(registry[name] for name in PIPELINE_TOOLS if name in registry)]


# ------------------------------------------------------------------------------------------ the server


def build_server(workspace: Workspace | None = None, sampling_bridge: SamplingBridge | None = None) -> MCPServer:
    """The studio's MCP server over ``workspace`` (``$GOOSE_STUDIO_HOME`` by default).

    ``sampling_bridge`` lends the host's model to the runs it starts; one is made when not given (it starts
    nothing until a host that can sample calls learn or resume_run).
    """
    ws = workspace or Workspace.from_env()
    ws.ensure()
    bridge = sampling_bridge or SamplingBridge()
    server: MCPServer = MCPServer(SERVER_NAME, title="Goose Studio", instructions=INSTRUCTIONS, version=_version(),
                                  tools=[mcp_tool(spec, ws, bridge) for spec in tool_specs()], log_level="WARNING")
    _add_resources(server, ws)
    _add_prompts(server, ws)
    return server


def _add_resources(server: MCPServer, ws: Workspace) -> None:
    @server.resource("studio://runs/{run_id}/events", name="run_events", mime_type="application/json",
                     description="A run's events (events.jsonl) as a JSON list: step started/progress/complete/failed.")
    def run_events(run_id: str) -> str:
        try:
            path = ws.existing_run_dir(run_id) / "events.jsonl"
        except ToolFailure as failure:
            raise ResourceNotFoundError(guide_text(failure, f"studio://runs/{run_id}/events")) from None
        return json.dumps([e.model_dump(mode="json") for e in read_events(path)])

    @server.resource("studio://cores/{name}/manifest", name="core_manifest", mime_type="application/json",
                     description="A packaged core's manifest.json (name, base model, quality score, adapter).")
    def core_manifest(name: str) -> str:
        try:
            path = core_path(ws, name)
        except ToolFailure as failure:
            raise ResourceNotFoundError(guide_text(failure, f"studio://cores/{name}/manifest")) from None
        try:
            with zipfile.ZipFile(path) as zf:
                return json.dumps(json.loads(zf.read("manifest.json")))
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as exc:
            raise ResourceError(f"{path} has no readable manifest ({type(exc).__name__}); check it with validate.") from None


def _add_prompts(server: MCPServer, ws: Workspace) -> None:
    @server.prompt(name="learn_repo", description="Learn a repository: start a run, follow it, check the core.")
    def learn_repo(source: str, preset: str = "quick") -> list[UserMessage]:
        return [UserMessage(
            f"Learn the repository {source} with Goose Studio and turn it into an Intelligence Core.\n"
            f"1. Call learn with source={json.dumps(source)} and preset={json.dumps(preset)}; note the run_id.\n"
            "2. Call run_status with that run_id every 10-20 seconds and tell me the step and progress briefly.\n"
            "3. If the run fails, show me its failure guide (what failed, why, what to do) and ask before "
            "calling resume_run.\n"
            "4. When it is complete, call validate on the core path and report the quality score; then offer to "
            "ask the core a question with chat_with_core.")]

    @server.prompt(name="why_did_my_run_stop", description="Explain why a run stopped and what to do next.")
    def why_did_my_run_stop(run_id: str) -> list[UserMessage]:
        from .control import RunStatusArgs, run_status

        try:
            status = run_status(RunStatusArgs(run_id=run_id, events=8), ToolContext(workspace=ws))
        except ToolFailure as failure:
            raise ValueError(guide_text(failure, "why_did_my_run_stop")) from None
        if status.failure is not None:
            facts = status.failure.guide
        elif status.status in ("running", "starting"):
            facts = f"The run has not stopped: it is {status.status} ({status.progress or status.step})."
        else:
            facts = f"The run's status is {status.status}."
        events = "\n".join(f"- {e.type} {json.dumps(e.payload)[:300]}" for e in status.last_events)
        return [UserMessage(
            f"My Goose Studio run {run_id} stopped. Explain in plain words why, and what I should do next.\n\n"
            f"Status: {status.status} (step: {status.step}; completed: {', '.join(status.completed_steps) or 'none'})\n"
            f"{facts}\n\nLast events:\n{events or '- none'}\n\n"
            f"If it is resumable, the fix is to address the cause and then call resume_run with run_id '{run_id}'.")]


# ------------------------------------------------------------------------------------------ transports


def serve_stdio(workspace: Workspace | None = None) -> None:
    """Serve over stdin/stdout (what Goose launches). Closing it leaves runs started from it running."""
    server = build_server(workspace)
    anyio.run(server.run_stdio_async)
