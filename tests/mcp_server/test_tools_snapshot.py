"""The MCP tools/list output keeps what clients rely on: every tool of the snapshot (taken from the server
before its tools were derived from the registry) with the same description, argument properties, required
arguments, output schema, and read-only and open-world hints. New tools may appear beside them."""
import json
from pathlib import Path

import anyio
from mcp import Client

from goose_studio.mcp_server import build_server
from goose_studio.workspace import Workspace

SNAPSHOT = Path(__file__).with_name("snapshots") / "tools_list.json"


def test_every_tool_of_the_snapshot_is_listed_unchanged(studio_home):
    async def listed():
        async with Client(build_server(Workspace.from_env())) as client:
            return (await client.list_tools()).tools

    now = {t.name: t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in anyio.run(listed)}
    before = json.loads(SNAPSHOT.read_text())
    assert len(before) == 15
    for old in before:
        new = now[old["name"]]
        assert new["description"] == old["description"], old["name"]
        assert new["title"] == old["title"], old["name"]
        assert new["inputSchema"]["properties"] == old["inputSchema"]["properties"], old["name"]
        assert new["inputSchema"].get("required", []) == old["inputSchema"].get("required", []), old["name"]
        assert new["inputSchema"].get("$defs") == old["inputSchema"].get("$defs"), old["name"]
        assert new["outputSchema"] == old["outputSchema"], old["name"]
        for hint in ("readOnlyHint", "openWorldHint"):
            assert new["annotations"][hint] == old["annotations"][hint], (old["name"], hint)
