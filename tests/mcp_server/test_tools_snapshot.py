"""The MCP tools/list output keeps what clients rely on: every tool of the snapshot (taken from the server
before its tools were derived from the registry) keeps its title, read-only and open-world hints,
every argument (none becomes required that was not) and every result field (still present where it was
required), in nested result models too. What may change is what a client cannot break on: new tools, new
optional arguments, new result fields, wider types, new choices, other defaults and wording."""
import json
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from goose_studio.mcp_server import build_server
from goose_studio.workspace import Workspace

SNAPSHOT = Path(__file__).with_name("snapshots") / "tools_list.json"


def kept(old: dict[str, Any], new: dict[str, Any], where: str, outputs: bool) -> list[str]:
    """Where ``new`` breaks a client of ``old``: an argument or field gone, an argument newly required, a required
    result field no longer required; the same for every nested definition."""
    problems = [f"{where}.{name} is gone" for name in old.get("properties", {}) if name not in new.get("properties", {})]
    was, now = set(old.get("required", [])), set(new.get("required", []))
    if (outputs and not was <= now) or (not outputs and not now <= was):
        problems.append(f"{where}.required: {sorted(was)} -> {sorted(now)}")
    for name, sub in old.get("$defs", {}).items():
        if name not in new.get("$defs", {}):
            problems.append(f"{where}.$defs.{name} is gone")
        else:
            problems += kept(sub, new["$defs"][name], f"{where}.$defs.{name}", outputs)
    return problems


def test_every_tool_of_the_snapshot_is_listed_and_compatible(studio_home):
    async def listed():
        async with Client(build_server(Workspace.from_env())) as client:
            return (await client.list_tools()).tools

    now = {t.name: t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in anyio.run(listed)}
    before = json.loads(SNAPSHOT.read_text())
    assert len(before) == 15
    for old in before:
        new = now[old["name"]]
        assert new["title"] == old["title"] and new["description"], old["name"]
        assert kept(old["inputSchema"], new["inputSchema"], old["name"] + ".input", outputs=False) == []
        assert kept(old["outputSchema"], new["outputSchema"], old["name"] + ".output", outputs=True) == []
        for hint in ("readOnlyHint", "openWorldHint"):
            assert new["annotations"][hint] == old["annotations"][hint], (old["name"], hint)


def test_the_check_catches_a_breaking_change():
    old = {"properties": {"a": {}, "b": {}}, "required": ["a"], "$defs": {"M": {"properties": {"x": {}}}}}
    assert kept(old, {**old, "properties": {"a": {}, "b": {}, "c": {}}}, "t", False) == []
    assert kept(old, {**old, "properties": {"a": {}}}, "t", False)  # an argument gone
    assert kept(old, {**old, "required": ["a", "b"]}, "t", False)  # newly required
    assert kept(old, {**old, "required": []}, "t", True)  # a required result field no longer required
    assert kept(old, {**old, "$defs": {"M": {"properties": {}}}}, "t", True)  # a nested field gone
