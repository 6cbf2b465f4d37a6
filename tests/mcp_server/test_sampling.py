"""The MCP sampling bridge: a host that can sample lends its model to the runs it starts, through a
loopback OpenAI-compatible endpoint; without sampling, or with another brain configured, nothing starts;
once the host is gone the endpoint answers 503 and the brain's answer is None."""
from __future__ import annotations

from pathlib import Path

import anyio
import anyio.to_thread
import mcp_types as types
import openai
import pytest
from mcp import Client

from goose_studio.agents.brain import OpenAIBrain, brain_from_env
from goose_studio.mcp_server import build_server
from goose_studio.mcp_server.sampling import SamplingBridge
from goose_studio.workspace import Workspace


@pytest.fixture
def ws(studio_home: Path) -> Workspace:
    return Workspace.from_env()


@pytest.fixture
def bridge():
    bridge = SamplingBridge(timeout_s=10)
    yield bridge
    bridge.close()


@pytest.fixture
def spawned(monkeypatch) -> list[dict]:
    """Record the workers learn/resume_run would start (and their environment) instead of starting them."""
    calls: list[dict] = []

    def fake_spawn(ws, run_id, resume=False, env=None, **options):
        calls.append({"run_id": run_id, "resume": resume, "env": env, **options})
        return 999_999

    monkeypatch.setattr("goose_studio.worker.spawn_run", fake_spawn)
    return calls


@pytest.fixture(autouse=True)
def _no_configured_brain(monkeypatch):
    for name in ("GOOSE_STUDIO_LLM_BASE_URL", "GOOSE_STUDIO_LLM_API_KEY", "GOOSE_STUDIO_LLM_MODEL", "GOOSE_STUDIO_BRAIN",
                 "GOOSE_STUDIO_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


class Host:
    """A host's sampling callback: answers every request with a fixed text, and keeps what it was asked."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.requests: list[types.CreateMessageRequestParams] = []

    async def __call__(self, context, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        self.requests.append(params)
        return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text=self.text),
                                         model="host-model", stop_reason="endTurn")


def ask_endpoint(env: dict[str, str], prompt: str, **extra) -> str | None:
    client = openai.OpenAI(base_url=env["GOOSE_STUDIO_LLM_BASE_URL"], api_key=env["GOOSE_STUDIO_LLM_API_KEY"],
                           timeout=10, max_retries=0)
    reply = client.chat.completions.create(model=env["GOOSE_STUDIO_LLM_MODEL"], max_tokens=50, temperature=0,
                                           messages=[{"role": "system", "content": "Be brief."},
                                                     {"role": "user", "content": prompt}], **extra)
    return reply.choices[0].message.content


def test_learn_lends_the_hosts_model_to_the_worker(ws, bridge, spawned, tmp_path):
    host = Host('{"action": "retry"}')

    async def main():
        async with Client(build_server(ws, sampling_bridge=bridge), mode="legacy", sampling_callback=host) as client:
            started = await client.call_tool("learn", {"source": str(tmp_path / "repo")})
            env = spawned[-1]["env"]
            answer = await anyio.to_thread.run_sync(ask_endpoint, env, "What should the run do?")
            resumed = await client.call_tool("resume_run", {"run_id": started.structured_content["run_id"]})
        return started, env, answer, resumed

    started, env, answer, resumed = anyio.run(main)
    assert not started.is_error and not resumed.is_error
    assert answer == '{"action": "retry"}'
    assert env["GOOSE_STUDIO_LLM_MODEL"] == "host-sampling" and env["GOOSE_STUDIO_LLM_TIMEOUT"] == "10"
    assert env["GOOSE_STUDIO_LLM_BASE_URL"].startswith("http://127.0.0.1:")
    assert len(env["GOOSE_STUDIO_LLM_API_KEY"]) >= 32
    assert spawned[-1]["resume"] is True and spawned[-1]["env"] == env  # one endpoint, started once
    asked = host.requests[-1]
    assert asked.system_prompt == "Be brief." and asked.max_tokens == 50
    assert [(m.role, m.content.text) for m in asked.messages] == [("user", "What should the run do?")]

    # The host is gone: the endpoint says 503, and the worker's brain (named "sampling") has no answer.
    with pytest.raises(openai.APIStatusError) as gone:
        ask_endpoint(env, "Still there?")
    assert gone.value.status_code == 503
    brain = brain_from_env(env)
    assert isinstance(brain, OpenAIBrain) and brain.name == "sampling"
    assert brain.complete("system", "Still there?") is None


def test_the_endpoint_needs_its_token(ws, bridge, spawned, tmp_path):
    async def main():
        async with Client(build_server(ws, sampling_bridge=bridge), mode="legacy", sampling_callback=Host("hi")) as c:
            await c.call_tool("learn", {"source": str(tmp_path / "repo")})
            env = {**spawned[-1]["env"], "GOOSE_STUDIO_LLM_API_KEY": "wrong"}
            with pytest.raises(openai.AuthenticationError):
                await anyio.to_thread.run_sync(ask_endpoint, env, "hello")
            return await anyio.to_thread.run_sync(lambda: brain_from_env(spawned[-1]["env"]).complete("s", "hello"))

    assert anyio.run(main) == "hi"


def test_no_bridge_without_sampling_or_with_another_brain(ws, bridge, spawned, tmp_path, monkeypatch):
    async def learn(**client_options):
        async with Client(build_server(ws, sampling_bridge=bridge), **client_options) as client:
            return await client.call_tool("learn", {"source": str(tmp_path / "repo")})

    assert not anyio.run(lambda: learn(mode="legacy")).is_error  # a host that cannot sample
    assert spawned[-1]["env"] is None and bridge.base_url is None
    monkeypatch.setenv("GOOSE_STUDIO_LLM_BASE_URL", "http://127.0.0.1:11434/v1")  # the user's own endpoint wins
    assert not anyio.run(lambda: learn(mode="legacy", sampling_callback=Host("x"))).is_error
    assert spawned[-1]["env"] is None and bridge.base_url is None
    monkeypatch.delenv("GOOSE_STUDIO_LLM_BASE_URL")
    monkeypatch.setenv("GOOSE_STUDIO_BRAIN", "rules")
    assert not anyio.run(lambda: learn(mode="legacy", sampling_callback=Host("x"))).is_error
    assert spawned[-1]["env"] is None and bridge.base_url is None


def test_a_closed_host_session_is_503_while_the_server_lives(ws, bridge, spawned, tmp_path):
    server = build_server(ws, sampling_bridge=bridge)

    async def main():
        async with Client(server, mode="legacy", sampling_callback=Host("first")) as client:
            await client.call_tool("learn", {"source": str(tmp_path / "repo")})
        env = spawned[-1]["env"]
        try:
            await anyio.to_thread.run_sync(ask_endpoint, env, "anyone?")
        except openai.APIStatusError as exc:
            status = exc.status_code
        else:
            status = 200
        # A new host session that can sample takes over the same endpoint.
        async with Client(server, mode="legacy", sampling_callback=Host("second")) as client:
            await client.call_tool("learn", {"source": str(tmp_path / "repo")})
            again = await anyio.to_thread.run_sync(ask_endpoint, env, "anyone?")
        return status, again, spawned[-1]["env"] == env

    status, again, same_endpoint = anyio.run(main)
    assert status == 503 and again == "second" and same_endpoint
