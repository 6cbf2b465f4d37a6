"""The registry is the only definition of a tool: a tool registered here appears in `goose-studio tools`, in
the MCP tool list and is callable from the run graph's tool caller, with no other edit."""
import json

import anyio
import pytest
from mcp import Client
from pydantic import BaseModel, Field
from typer.testing import CliRunner

from goose_studio.cli import app
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import TABS
from goose_studio.mcp_server import build_server
from goose_studio.tools.registry import REGISTRY, ToolContext, call_tool, load_all, specs, tab_of, tool
from goose_studio.workspace import Workspace


class EchoArgs(BaseModel):
    text: str = Field(description="What to echo.")
    times: int = Field(1, ge=1, le=5, description="How often.")


class EchoResult(BaseModel):
    echoed: str


@pytest.fixture
def echo_tool():
    @tool("echo_for_test", tab="prepare", read_only=True, idempotent=True)
    def echo(args: EchoArgs, ctx: ToolContext) -> EchoResult:
        """Echo a text (a tool registered by a test)."""
        return EchoResult(echoed=" ".join([args.text] * args.times))

    yield "echo_for_test"
    REGISTRY.pop("echo_for_test", None)


def test_registry_holds_every_tool_with_schemas_and_one_primary_tool_per_tab():
    tools = load_all()
    for spec in tools.values():
        assert issubclass(spec.args_model, BaseModel) and issubclass(spec.result_model, BaseModel)
        assert spec.description and spec.input_schema()["type"] == "object", spec.name
    primaries = {s.tab: s.name for s in tools.values() if s.primary}
    assert set(primaries) == set(TABS)
    assert all(tab_of(name) == tab for tab, name in primaries.items()) and tab_of("prepare_model") == "train"
    order = [s.tab for s in specs()]
    assert order[: order.count(None)] == [None] * order.count(None)  # run control first, then the tabs in order


def test_call_tool_rejects_bad_arguments_with_a_typed_failure(studio_home):
    ctx = ToolContext(workspace=Workspace.from_env())
    with pytest.raises(ToolFailure) as exc:
        call_tool("train", {"model_path": 3}, ctx)
    assert exc.value.kind is FailureKind.invalid_input
    assert "dataset_dir" in " ".join(exc.value.details["errors"])
    with pytest.raises(ToolFailure) as unknown:
        call_tool("no_such_tool", {}, ctx)
    assert unknown.value.kind is FailureKind.invalid_input


def test_a_registered_tool_is_listed_by_the_cli(echo_tool):
    result = CliRunner().invoke(app, ["tools", "--json"])
    assert result.exit_code == 0, result.output
    listed = {t["name"]: t for t in json.loads(result.stdout)}
    assert listed[echo_tool]["tab"] == "prepare" and listed[echo_tool]["read_only"] is True
    assert listed[echo_tool]["input_schema"]["properties"]["times"]["maximum"] == 5
    ran = CliRunner().invoke(app, ["tool", echo_tool, "--args", '{"text": "hi", "times": 2}'])
    assert ran.exit_code == 0 and json.loads(ran.stdout) == {"echoed": "hi hi"}


def test_a_registered_tool_is_an_mcp_tool(echo_tool, studio_home):
    async def body():
        async with Client(build_server(Workspace.from_env())) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            return (tools, await client.call_tool(echo_tool, {"text": "yo", "times": 3}),
                    await client.call_tool(echo_tool, {"text": "yo", "times": 9}))

    tools, ok, bad = anyio.run(body)
    listed = tools[echo_tool]
    assert listed.description == "Echo a text (a tool registered by a test)."
    assert listed.annotations.read_only_hint is True and listed.annotations.idempotent_hint is True
    assert set(listed.input_schema["properties"]) == {"text", "times"} and listed.input_schema["required"] == ["text"]
    assert listed.output_schema == EchoResult.model_json_schema()
    assert ok.is_error is False and ok.structured_content == {"echoed": "yo yo yo"}
    assert bad.is_error is True and bad.structured_content is None


def test_a_registered_tool_is_callable_from_the_graphs_tool_caller(echo_tool, studio_home, monkeypatch):
    ctx = ToolContext(workspace=Workspace.from_env(), tab="prepare")
    assert call_tool(echo_tool, EchoArgs(text="a", times=2), ctx) == EchoResult(echoed="a a")
    monkeypatch.setenv("GOOSE_STUDIO_FAULTS", f"{echo_tool}:oom")  # the run graph's fault injection reaches it
    with pytest.raises(ToolFailure) as injected:
        call_tool(echo_tool, {"text": "a"}, ctx)
    assert injected.value.kind is FailureKind.oom and injected.value.details["tool"] == echo_tool
