"""The ``ui`` command: the studio's six tabs in the browser (``goose-studio ui``)."""

from __future__ import annotations

import os
from typing import Optional

import typer

from ..errors import FailureKind, ToolFailure
from ..httpsec import check_bind
from .common import EXIT_FAILED, EXIT_USAGE, app, err, show_failure, workspace


@app.command("ui")
def ui(
    host: str = typer.Option("127.0.0.1", help="Address to bind; non-loopback needs a token."),
    port: int = typer.Option(7860, min=1, max=65535, help="Port."),
    token: Optional[str] = typer.Option(None, "--token", envvar="GOOSE_STUDIO_UI_TOKEN", show_envvar=True,
                                        help="Require this token (Bearer header, or open the page once with "
                                             "?token=...); needed for a non-loopback address."),
    allow_host: list[str] = typer.Option([], "--allow-host", help="Extra Host header value to accept."),
) -> None:
    """Serve the studio's web UI: SOURCE, BUILD, PREPARE, TRAIN, TEST, PUBLISH, live from the runs' events."""
    from ..ui.app import TOKEN_ENV, create_app

    try:
        check_bind(host, token, "the studio's web UI", TOKEN_ENV, ", or open the page once with ?token=<token>")
        ws = workspace()
        asgi = create_app(ws, host=host, port=port, token=token, allowed_hosts=tuple(allow_host))
    except ToolFailure as failure:
        show_failure(failure)
        raise typer.Exit(EXIT_USAGE if failure.kind in (FailureKind.needs_user, FailureKind.invalid_input)
                         else EXIT_FAILED)
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + ("?token=<your token>" if token else "")
    err.print(f"Goose Studio at [bold]{url}[/] (workspace {ws.root}). Ctrl-C stops; runs go on.")
    uvicorn.run(asgi, host=host, port=port, log_level=os.environ.get("GOOSE_STUDIO_UI_LOG", "warning"),
                timeout_graceful_shutdown=2)
