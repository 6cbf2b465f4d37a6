"""The official MCP Inspector (npm @modelcontextprotocol/inspector, CLI mode) as a strict client, over stdio
and over HTTP: it lists the tools, calls one, and shows an error result (a run id that does not exist) as the
failure it is, instead of rejecting its structured content against the tool's output schema.

scripts/test-tools.sh installs the Inspector and the Node.js it needs into .tools/inspector (`make test`
runs it)."""
import json
import subprocess
from pathlib import Path

import pytest

from conftest import free_port, start_mcp_http, stop_process_group, studio_cli

ROOT = Path(__file__).resolve().parents[2]
INSPECTOR = ROOT / ".tools" / "inspector" / "node_modules"
NODE = INSPECTOR / "node" / "bin" / "node"
LAUNCHER = INSPECTOR / "@modelcontextprotocol" / "inspector" / "clients" / "launcher" / "build" / "index.js"


@pytest.fixture(scope="module")
def inspector() -> list[str]:
    if not (NODE.is_file() and LAUNCHER.is_file()):
        pytest.fail("The MCP Inspector is not installed: run `bash scripts/test-tools.sh` (make test does).")
    return [str(NODE), str(LAUNCHER), "--cli"]


def inspect_json(cmd: list[str], home: Path) -> tuple[dict, str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(home), "MCP_CATALOG_PATH": str(home / "mcp.json")})
    out = proc.stdout
    data, end = json.JSONDecoder().raw_decode(out[out.index("{"):])  # the result; an error line may follow
    return data, out + proc.stderr


def stdio_target(home: Path) -> list[str]:
    return ["-e", f"GOOSE_STUDIO_HOME={home}", "-e", "HF_HUB_OFFLINE=1", "--", *studio_cli(), "mcp"]


def check_session(inspector: list[str], target: list[str], home: Path) -> None:
    """``target`` comes last: a command after ``--`` takes every argument that follows it."""
    listed, _ = inspect_json([*inspector, "--method", "tools/list", *target], home)
    names = {t["name"] for t in listed["tools"]}
    assert {"learn", "run_status", "list_runs", "clone", "validate"} <= names
    assert all(t.get("outputSchema") for t in listed["tools"])
    runs, said = inspect_json([*inspector, "--method", "tools/call", "--tool-name", "list_runs", *target], home)
    assert runs.get("isError") is not True and runs["structuredContent"] == {"runs": [], "total": 0}, said
    missing, said = inspect_json([*inspector, "--method", "tools/call", "--tool-name", "run_status",
                                  "--tool-arg", "run_id=no-such-run-0000", *target], home)
    assert missing["isError"] is True and "structuredContent" not in missing, said
    assert missing["_meta"]["goose-studio/failure"]["kind"] == "not_found"
    assert "What failed: run_status" in missing["content"][0]["text"]
    assert "output schema" not in said.lower() and "does not match" not in said.lower(), said


def test_the_inspector_over_stdio(inspector, studio_home):
    check_session(inspector, stdio_target(studio_home), studio_home)


def test_the_inspector_over_http(inspector, studio_home):
    port = free_port()
    proc = start_mcp_http(studio_home, port)
    try:
        check_session(inspector, ["--transport", "http", "--server-url", f"http://127.0.0.1:{port}/mcp"], studio_home)
    finally:
        stop_process_group(proc)
