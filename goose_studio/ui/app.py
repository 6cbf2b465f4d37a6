"""The web UI's server: the page, a JSON API over the registry's tools, a run's events as server-sent events,
screenshots and loss curves by run and number, uploads, and TEST's streamed chat.

Routes (all answers JSON ``{ok: true, result}`` or ``{ok: false, failure, guide}`` unless said otherwise):

- ``GET /`` — the page (:func:`~goose_studio.ui.page.page_html`, mode ``http``), with a nonce CSP.
- ``GET /api/boot`` — what the page is given when it loads (tools, recipes, presets).
- ``POST /api/tools/{name}`` — call a registry tool (:func:`~goose_studio.tools.registry.call_tool`) with the
  JSON body as its arguments, after :func:`~goose_studio.ui.guard.confine` has checked the places they name.
- ``GET /api/runs/{run_id}/stream`` — server-sent events: ``event``, ``status``, ``problem``
  (:mod:`.stream`); ``Last-Event-ID`` continues where a dropped connection stopped.
- ``GET /api/runs/{run_id}/screenshots`` and ``.../screenshots/{n}`` (the image), ``.../loss-curves`` and
  ``.../loss-curves/{n}`` (PNG), ``.../samples?n=`` (training pairs).
- ``GET /api/system`` — the GPUs (name, memory, utilisation) or why there are none.
- ``POST /api/uploads?name=FILE[&batch=B]`` — the body is one file (:mod:`.uploads`).
- ``POST /api/chat`` — server-sent events of one question (:mod:`.chat`).

:func:`create_app` wraps it in the checks of :mod:`goose_studio.httpsec` and :mod:`.security`: Host, Origin,
and with a token, the bearer token (or the cookie a browser got with ``/?token=``).
"""

from __future__ import annotations

import secrets
from typing import Any

import anyio.to_thread
from pydantic import ValidationError
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..errors import FailureKind, ToolFailure, internal_failure
from ..httpsec import BearerAuth, HostCheck, host_patterns
from ..messages import failure_text
from ..runstore import RunStore
from ..tools.registry import ToolContext, call_tool, load_all
from ..workspace import Workspace
from . import guard, uploads
from .chat import ChatRequest, bad_request, chat_stream
from .page import boot_data, page_html
from .security import API_HEADERS, OriginCheck, TokenCookie, page_headers
from .stream import run_stream

TOKEN_ENV = "GOOSE_STUDIO_UI_TOKEN"
STATUS = {FailureKind.invalid_input: 400, FailureKind.not_found: 404, FailureKind.internal: 500}
SSE_HEADERS = {**API_HEADERS, "x-accel-buffering": "no"}


def ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result}, headers=API_HEADERS)


def failed(failure: ToolFailure, what: str) -> JSONResponse:
    return JSONResponse({"ok": False, "failure": failure.to_dict(), "guide": failure_text(failure, what=what)},
                        status_code=STATUS.get(failure.kind, 422), headers=API_HEADERS)


class Studio:
    """The routes' shared state: the workspace and the page's boot data (made once)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        load_all()
        self.boot = boot_data("http")

    async def guarded(self, what: str, fn: Any, *args: Any) -> Response:
        """``fn(*args)`` in a thread, its result as JSON; a failure as the typed answer."""
        try:
            result = await anyio.to_thread.run_sync(fn, *args)
        except ToolFailure as failure:
            return failed(failure, what)
        except Exception as exc:  # a bug: typed at the edge, traceback to the log
            return failed(internal_failure(exc, self.ws.root / "logs" / "ui-error.log", what), what)
        return result if isinstance(result, Response) else ok(result)

    # ----------------------------------------------------------------------------------------- routes

    async def page(self, request: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(page_html("http", nonce=nonce, boot=self.boot), headers=page_headers(nonce))

    async def boot_json(self, request: Request) -> Response:
        return ok(self.boot)

    async def health(self, request: Request) -> Response:
        return ok({"status": "ok"})

    async def tool(self, request: Request) -> Response:
        name = request.path_params["name"]
        try:
            args = await request.json() if await request.body() else {}
        except ValueError:
            return failed(ToolFailure(FailureKind.invalid_input, "The request body is not JSON.",
                                      hint="Send the tool's arguments as a JSON object."), name)
        if not isinstance(args, dict):
            return failed(ToolFailure(FailureKind.invalid_input, "The arguments must be a JSON object.",
                                      hint="Send the tool's arguments as a JSON object."), name)

        def call() -> Any:
            guard.confine(args, self.ws)
            return call_tool(name, args, ToolContext(workspace=self.ws)).model_dump(mode="json")

        return await self.guarded(name, call)

    def _known_run(self, run_id: str) -> None:
        RunStore(self.ws).read(run_id)  # invalid_input for a bad id, not_found for an unknown one

    async def stream(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            await anyio.to_thread.run_sync(self._known_run, run_id)
        except ToolFailure as failure:
            return failed(failure, "the run's events")
        last = request.headers.get("last-event-id")
        return EventSourceResponse(run_stream(self.ws, run_id, last), ping=15, headers=SSE_HEADERS)

    async def screenshots(self, request: Request) -> Response:
        return await self.guarded("screenshots", guard.run_pages, self.ws, request.path_params["run_id"])

    async def screenshot(self, request: Request) -> Response:
        run_id, n = request.path_params["run_id"], request.path_params["n"]

        def image() -> Response:
            path, media = guard.screenshot_file(self.ws, run_id, n)
            return FileResponse(path, media_type=media, headers=API_HEADERS)

        return await self.guarded("screenshot", image)

    async def loss_curves(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        return await self.guarded("loss curves", lambda: {"count": len(guard.loss_curves(self.ws, run_id))})

    async def loss_curve(self, request: Request) -> Response:
        run_id, n = request.path_params["run_id"], request.path_params["n"]

        def image() -> Response:
            return FileResponse(guard.loss_curve_file(self.ws, run_id, n), media_type="image/png",
                                headers=API_HEADERS)

        return await self.guarded("loss curve", image)

    async def samples(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            n = max(1, min(50, int(request.query_params.get("n", "5"))))
        except ValueError:
            n = 5
        return await self.guarded("samples", lambda: {"pairs": guard.samples(self.ws, run_id, n)})

    async def system(self, request: Request) -> Response:
        def gpus() -> dict[str, Any]:
            from ..catalog import gpu_status

            return {"gpu": gpu_status().model_dump(mode="json")}

        return await self.guarded("system", gpus)

    async def upload(self, request: Request) -> Response:
        name = request.query_params.get("name", "")
        try:
            folder = uploads.batch_folder(self.ws, request.query_params.get("batch"))
        except ToolFailure as failure:
            return failed(failure, "upload")
        try:
            saved = await uploads.save_stream(folder, name, request.stream())
        except OSError as exc:
            return failed(ToolFailure(FailureKind.disk_full if "space" in str(exc).lower() else FailureKind.internal,
                                      f"The upload could not be saved: {exc}", hint="Free some space and try again."),
                          "upload")
        uploads.discard_if_empty(folder)
        return ok({"batch": folder.name, "files": [saved]})

    async def chat(self, request: Request) -> Response:
        try:
            req = ChatRequest.model_validate(await request.json())
        except (ValueError, ValidationError) as exc:
            return failed(bad_request(exc), "chat")
        return EventSourceResponse(chat_stream(self.ws, req), ping=15, headers=SSE_HEADERS)

    def routes(self) -> list[Route]:
        run = "/api/runs/{run_id}"
        return [Route("/", self.page), Route("/healthz", self.health), Route("/api/boot", self.boot_json),
                Route("/api/tools/{name}", self.tool, methods=["POST"]),
                Route(f"{run}/stream", self.stream), Route(f"{run}/screenshots", self.screenshots),
                Route(f"{run}/screenshots/{{n:int}}", self.screenshot), Route(f"{run}/loss-curves", self.loss_curves),
                Route(f"{run}/loss-curves/{{n:int}}", self.loss_curve), Route(f"{run}/samples", self.samples),
                Route("/api/system", self.system), Route("/api/uploads", self.upload, methods=["POST"]),
                Route("/api/chat", self.chat, methods=["POST"])]


def create_app(ws: Workspace | None = None, host: str = "127.0.0.1", port: int = 7860,
               token: str | None = None, allowed_hosts: tuple[str, ...] = ()) -> Any:
    """The web UI as an ASGI app for ``host:port``: Host and Origin checked, the token required when given."""
    workspace = ws or Workspace.from_env()
    workspace.ensure()
    app: Any = Starlette(routes=Studio(workspace).routes())
    names = host_patterns(host, allowed_hosts)
    if token:
        app = BearerAuth(app, token, TOKEN_ENV)
        app = TokenCookie(app, token)
    app = OriginCheck(app, names, port)
    return HostCheck(app, names)
