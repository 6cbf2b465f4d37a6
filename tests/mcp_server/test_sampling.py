"""The MCP sampling bridge: a host that can sample lends its model to the runs it starts, through a
loopback OpenAI-compatible endpoint; without sampling, or with another brain configured, nothing starts;
once the host is gone the endpoint answers 503 and the brain's answer is None.

Handshake-era hosts (mode="legacy") are asked at once over their session; 2026-07-28 hosts (the client's
default mode) are asked inside the result of their next run_status / list_runs call."""
from __future__ import annotations

from pathlib import Path

import anyio
import anyio.to_thread
import mcp_types as types
import openai
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from conftest import free_port, start_mcp_http, stop_process_group
from goose_studio.agents.brain import OpenAIBrain, brain_from_env
from goose_studio.tools.runs import RunStatusArgs
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
    """A host's sampling callback: answers every request with a fixed text (or refuses), keeps what it was asked."""

    def __init__(self, text: str, refuse: bool = False) -> None:
        self.text = text
        self.refuse = refuse
        self.requests: list[types.CreateMessageRequestParams] = []

    async def __call__(self, context, params: types.CreateMessageRequestParams):
        self.requests.append(params)
        if self.refuse:
            return types.ErrorData(code=-1, message="The user declined to let the server use the model.")
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
    assert not anyio.run(learn).is_error  # nor on 2026-07-28
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


# ------------------------------------------------------------------ 2026-07-28: asked inside a poll


def asked_while_polling(client, run_id: str, env: dict[str, str], prompt: str, until, limit_s: float = 20):
    """The worker asks the endpoint (in a thread) while the host polls run_status; (answer or status, polls)."""

    async def go():
        outcome: dict = {}
        polls: list = []

        async def worker_asks():
            try:
                outcome["answer"] = await anyio.to_thread.run_sync(ask_endpoint, env, prompt)
            except openai.APIStatusError as exc:
                outcome["status"] = exc.status_code

        async with anyio.create_task_group() as tg:
            tg.start_soon(worker_asks)
            with anyio.fail_after(limit_s):
                while not until(outcome):
                    try:
                        polls.append(await client.call_tool("run_status", {"run_id": run_id}))
                    except MCPError as refused:
                        polls.append(refused)
                    await anyio.sleep(0.05)
        return outcome, polls

    return go()


def test_a_2026_host_is_asked_inside_run_status_and_the_answer_reaches_the_worker(ws, bridge, spawned, tmp_path):
    host = Host('{"action": "retry"}')

    async def main():
        async with Client(build_server(ws, sampling_bridge=bridge), sampling_callback=host) as client:
            started = await client.call_tool("learn", {"source": str(tmp_path / "repo")})
            run_id, env = started.structured_content["run_id"], spawned[-1]["env"]
            outcome, polls = await asked_while_polling(client, run_id, env, "What should the run do?",
                                                       until=lambda o: o)
            quiet = await client.call_tool("list_runs", {})  # nothing queued: a plain result
            tools = await client.list_tools()
        return run_id, env, outcome, polls, quiet, tools

    run_id, env, outcome, polls, quiet, tools = anyio.run(main)
    assert env["GOOSE_STUDIO_LLM_MODEL"] == "host-sampling" and env["GOOSE_STUDIO_LLM_BASE_URL"].startswith("http://127")
    assert outcome == {"answer": '{"action": "retry"}'}
    assert polls and all(not p.is_error and p.structured_content["run_id"] == run_id for p in polls)
    assert len(host.requests) == 1  # asked once, answered on the retry of the same call
    asked = host.requests[0]
    assert asked.system_prompt == "Be brief." and asked.max_tokens == 50
    assert [(m.role, m.content.text) for m in asked.messages] == [("user", "What should the run do?")]
    assert not quiet.is_error and len(host.requests) == 1
    schema = next(t for t in tools.tools if t.name == "run_status").input_schema
    assert set(schema["properties"]) == set(RunStatusArgs.model_fields)  # the hidden parameter is not offered


def test_a_2026_host_that_does_not_poll_or_refuses_leaves_the_worker_to_the_rules(ws, spawned, tmp_path):
    bridge = SamplingBridge(timeout_s=1.5)
    refusing = Host("never", refuse=True)
    try:
        async def main():
            async with Client(build_server(ws, sampling_bridge=bridge), sampling_callback=refusing) as client:
                started = await client.call_tool("learn", {"source": str(tmp_path / "repo")})
                run_id, env = started.structured_content["run_id"], spawned[-1]["env"]
                unpolled = await anyio.to_thread.run_sync(lambda: brain_from_env(env).complete("s", "anyone?"))
                outcome, polls = await asked_while_polling(client, run_id, env, "Still there?",
                                                           until=lambda o: o)
                after = await client.call_tool("run_status", {"run_id": run_id})
            return unpolled, outcome, polls, after

        unpolled, outcome, polls, after = anyio.run(main)
    finally:
        bridge.close()
    assert unpolled is None  # nobody polled within the timeout: no answer, the rules decide
    assert outcome == {"status": 503}
    refused = [p for p in polls if isinstance(p, MCPError)]
    assert len(refused) == 1 and len(refusing.requests) == 1  # offered to one call only
    assert all(not p.is_error for p in polls if not isinstance(p, MCPError)) and not after.is_error


def test_a_real_run_explains_its_guide_question_with_a_2026_hosts_model_over_http(studio_home, tmp_path):
    explanation = "There is no repository at that path; point the run at a folder or a git URL."
    host = Host('{"explanation": "%s"}' % explanation)
    port = free_port()
    proc = start_mcp_http(studio_home, port)
    try:
        async def main():
            async with Client(f"http://127.0.0.1:{port}/mcp", sampling_callback=host) as client:
                started = await client.call_tool("learn", {"source": str(tmp_path / "no-such-repo")})
                assert not started.is_error, started.content
                run_id = started.structured_content["run_id"]
                with anyio.fail_after(180):
                    while True:
                        status = await client.call_tool("run_status", {"run_id": run_id})
                        if status.structured_content["status"] == "waiting":
                            return status.structured_content
                        await anyio.sleep(0.2)

        status = anyio.run(main)
    finally:
        stop_process_group(proc)
    assert status["question"]["explanation"] == explanation
    assert status["question"]["kind"] == "not_found" and status["question"]["tab"] == "source"
    assert host.requests and "no-such-repo" in host.requests[0].messages[0].content.text
