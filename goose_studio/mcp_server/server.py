"""The MCP view of the studio: every registry tool, resources and prompts.

Every tool is a :class:`~goose_studio.tools.registry.ToolSpec`, registered with the SDK's public API
(:mod:`.tools`): its input schema comes from its args model, its output schema from its result model, its
annotations from its registry entry. A :class:`ToolFailure` comes back as a tool result with ``is_error`` set
and the Guide text (what failed, why, what to do, how to resume).

The run view is an MCP App (extension ``io.modelcontextprotocol/ui``): the studio's page served as the
``ui://`` resource :data:`~goose_studio.ui.page.APP_URI` (``text/html;profile=mcp-app``), which the tools
flagged ``ui`` in the registry name in ``_meta.ui.resourceUri``; a host that renders MCP Apps shows it
beside their results, others read the same results as text.
"""

from __future__ import annotations

import json

import anyio
from mcp.server.apps import Apps
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.prompts.base import UserMessage

from ..cores import core_path, read_manifest
from ..errors import ToolFailure
from ..events import read_events
from ..messages import failure_text
from ..runstore import RunStore
from ..tools.registry import ToolContext, specs
from ..ui.page import APP_URI, page_html
from ..workspace import Workspace
from .sampling import SamplingBridge
from .tools import add_registry_tool

SERVER_NAME = "goose-studio"
INSTRUCTIONS = (
    "Goose Studio turns a code repository into a tested LoRA adapter (an Intelligence Core, a .gcpkg file). "
    "Start with learn (returns a run_id at once; the run continues in the background even if you disconnect), "
    "then poll run_status every few seconds. A stopped run says why and how to fix it; resume_run continues it. "
    "list_cores and chat_with_core use finished cores; the other tools run single pipeline steps."
)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("goose-studio")
    except Exception:
        return "0"


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
                                  log_level="WARNING", extensions=[_run_view()])
    for spec in specs():
        add_registry_tool(server, spec, ws, bridge)
    _add_resources(server, ws)
    _add_prompts(server, ws)
    return server


def _run_view() -> Apps:
    """The MCP Apps extension with the run view (the page in ``mcp`` mode) as its one ``ui://`` resource."""
    apps = Apps()
    apps.add_html_resource(APP_URI, page_html("mcp"), name="run_view", title="Goose Studio",
                           description="The studio's run view: the six tabs, live progress, Guide cards, results.",
                           prefers_border=False)
    return apps


def _add_resources(server: MCPServer, ws: Workspace) -> None:
    @server.resource("studio://runs/{run_id}/events", name="run_events", mime_type="application/json",
                     description="A run's events (events.jsonl) as a JSON list: step started/progress/complete/failed.")
    def run_events(run_id: str) -> str:
        try:
            store = RunStore(ws)
            store.read(run_id)
            path = store.paths(run_id).events
        except ToolFailure as failure:
            raise ResourceNotFoundError(failure_text(failure, what=f"studio://runs/{run_id}/events")) from None
        return json.dumps([e.model_dump(mode="json") for e in read_events(path)])

    @server.resource("studio://cores/{name}/manifest", name="core_manifest", mime_type="application/json",
                     description="A packaged core's manifest.json (name, base model, quality score, adapter).")
    def core_manifest(name: str) -> str:
        try:
            path = core_path(ws, name)
        except ToolFailure as failure:
            raise ResourceNotFoundError(failure_text(failure, what=f"studio://cores/{name}/manifest")) from None
        try:
            return json.dumps(read_manifest(path))
        except ToolFailure as failure:
            raise ResourceError(f"{failure.message} {failure.hint}") from None


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
        from ..tools.runs import RunStatusArgs, run_status

        try:
            status = run_status(RunStatusArgs(run_id=run_id, events=8), ToolContext(workspace=ws))
        except ToolFailure as failure:
            raise ValueError(failure_text(failure, what="why_did_my_run_stop")) from None
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
