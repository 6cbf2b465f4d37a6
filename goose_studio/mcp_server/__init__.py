"""The studio as an MCP server: pipeline tools generated from the registry, run control, resources, prompts.

``goose-studio mcp`` serves it over stdio (what Goose launches); ``goose-studio mcp --http`` over
streamable HTTP.
"""

from .server import build_server, serve_stdio

__all__ = ["build_server", "serve_stdio"]
