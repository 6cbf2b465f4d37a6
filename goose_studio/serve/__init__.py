"""``goose-studio serve``: an OpenAI-compatible chat endpoint for a core, the embedded model, or the MCP host.

:mod:`.api` is the HTTP API over any backend, :mod:`.backend` a core as a backend, :mod:`.server` the
sockets and servers. The MCP server's sampling bridge is another backend of the same API.
"""

from .api import TOKEN_ENV, Backend, BackendUnavailable, ChatMessage, ChatRequest, Reply, build_app, split_messages
from .backend import EMBEDDED, CoreBackend, load_core_backend
from .server import DEFAULT_PORT, BackgroundServer, bind_socket, check_bind, serve

__all__ = ["Backend", "BackendUnavailable", "BackgroundServer", "ChatMessage", "ChatRequest", "CoreBackend",
           "DEFAULT_PORT", "EMBEDDED", "Reply", "TOKEN_ENV", "bind_socket", "build_app", "check_bind",
           "load_core_backend", "serve", "split_messages"]
