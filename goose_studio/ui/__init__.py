"""The studio in the browser: the six tabs as one page (:mod:`.page`, ``static/``), served by ``goose-studio ui``
(:mod:`.app`) and, inside an MCP host, as the MCP App resource of the studio's MCP server."""
