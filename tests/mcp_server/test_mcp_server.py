"""The MCP server: tools generated from the registry, errors as Guide results, resources and prompts (in
memory); the real `goose-studio mcp` over stdio and over HTTP; and one `learn` over MCP that outlives its
client."""
import json
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx2
import pytest
import yaml
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from conftest import free_port, start_mcp_http, stop_process_group, studio_cli, studio_env, write_sample_repo
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import read_events
from goose_studio.mcp_server import build_server
from goose_studio.mcp_server.tools import FAILURE_META
from goose_studio.options import default
from goose_studio.runner import execute, start_run
from goose_studio.runstore import RunStatus, RunStore
from goose_studio.tools.registry import load_all
from goose_studio.tools.runs import LearnArgs
from goose_studio.workspace import Workspace

EXPECTED_TOOLS = {"learn", "run_status", "list_runs", "resume_run", "cancel_run", "list_cores", "chat_with_core",
                  "clone", "index_code", "generate_pairs", "prepare_model", "train", "evaluate", "package", "validate"}


@pytest.fixture
def ws(studio_home: Path) -> Workspace:
    return Workspace.from_env()


def in_memory(ws: Workspace, body) -> object:
    """Run ``body(client)`` against the server through the SDK's in-process client."""
    async def main():
        async with Client(build_server(ws)) as client:
            return await body(client)

    return anyio.run(main)


def failure_of(result) -> dict:
    """The typed failure an error result carries in its _meta."""
    return result.meta[FAILURE_META]


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def stdio_params(home: Path) -> StdioServerParameters:
    cli = studio_cli()
    return StdioServerParameters(command=cli[0], args=[*cli[1:], "mcp"],
                                 env={"GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1",
                                      "TOKENIZERS_PARALLELISM": "false"})


# ------------------------------------------------------------------------------------------ in memory


def test_tools_are_generated_from_the_registry(ws):
    tools = in_memory(ws, lambda c: c.list_tools())
    by_name = {t.name: t for t in tools.tools}
    registry = load_all()
    assert EXPECTED_TOOLS <= set(by_name) and set(by_name) == set(registry)
    for name, spec in registry.items():
        published, own = by_name[name].input_schema, spec.args_model.model_json_schema()
        assert published["properties"] == own["properties"], name
        assert published.get("required", []) == own.get("required", []), name
        assert by_name[name].output_schema == spec.result_model.model_json_schema(), name
    for tool in tools.tools:
        assert tool.description and "\n" not in tool.description, tool.name
        assert tool.output_schema is not None, tool.name
    learn = by_name["learn"].input_schema["properties"]
    assert {"source", "preset", "max_steps", "min_pairs", "eval_samples"} <= set(learn)
    assert all(p.get("description") for p in learn.values())
    assert learn["min_pairs"]["default"] == default("min_pairs")
    assert learn["max_pairs"]["default"] == default("max_pairs")
    assert by_name["run_status"].annotations.read_only_hint is True
    assert by_name["train"].annotations.read_only_hint is False


def test_a_tool_failure_is_an_error_result_with_the_guide(ws, tmp_path):
    result = in_memory(ws, lambda c: c.call_tool("validate", {"path": str(tmp_path / "absent.gcpkg")}))
    assert result.is_error is True
    text = text_of(result)
    assert "kind: not_found" in text and "What to do:" in text and "What failed: validate" in text
    assert result.structured_content is None and failure_of(result)["kind"] == "not_found"


def test_invalid_arguments_are_rejected_and_the_server_keeps_serving(ws):
    async def body(client):
        bad = [await client.call_tool("list_runs", {"limit": "many"}),
               await client.call_tool("list_runs", {"limit": 0}),
               await client.call_tool("learn", {}),  # neither source nor example
               await client.call_tool("learn", {"source": "x", "preset": "huge"}),
               await client.call_tool("learn", {"source": "x", "unknown_option": 1}),
               await client.call_tool("validate", {}),
               await client.call_tool("chat_with_core", {"prompt": "hi"}),  # neither core nor run_id
               await client.call_tool("no_such_tool", {})]
        return bad, await client.call_tool("list_runs", {})

    bad, after = in_memory(ws, body)
    assert [r.is_error for r in bad] == [True] * len(bad)
    assert after.is_error is False and after.structured_content == {"runs": [], "total": 0}


def test_run_status_of_an_unknown_run_is_an_error(ws):
    async def body(client):
        return (await client.call_tool("run_status", {"run_id": "no-such-run-0000"}),
                await client.call_tool("run_status", {"run_id": "../../etc"}),
                await client.call_tool("resume_run", {"run_id": "no-such-run-0000"}),
                await client.call_tool("cancel_run", {"run_id": "no-such-run-0000"}))

    results = in_memory(ws, body)
    assert all(r.is_error for r in results)
    assert [failure_of(r)["kind"] for r in results] == ["not_found", "invalid_input", "not_found", "not_found"]
    assert all(r.structured_content is None for r in results)


def test_run_status_reports_a_failure_with_its_hint(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "src"), {"preset": "smoke"})
    failure = ToolFailure(FailureKind.insufficient_data, "Only 3 pairs.", hint="Point it at a bigger repository.")
    RunStore(ws).update(run_id, status=RunStatus.failed, step="prepare", failed_step="prepare",
                        failure=failure.to_dict())

    async def body(client):
        listed = await client.call_tool("list_runs", {"status": "failed"})
        status = await client.call_tool("run_status", {"run_id": run_id})
        prompt = await client.get_prompt("why_did_my_run_stop", {"run_id": run_id})
        return listed, status, prompt

    listed, status, prompt = in_memory(ws, body)
    assert [r["run_id"] for r in listed.structured_content["runs"]] == [run_id]
    data = status.structured_content
    assert status.is_error is False and data["status"] == "failed" and data["resumable"] is True
    assert data["failure"]["kind"] == "insufficient_data" and data["failure"]["step"] == "prepare"
    assert "Point it at a bigger repository." in data["failure"]["guide"] and "resume_run" in data["failure"]["guide"]
    prompt_text = prompt.messages[0].content.text
    assert run_id in prompt_text and "Point it at a bigger repository." in prompt_text


def test_a_run_whose_process_died_is_interrupted(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "src"), {"preset": "smoke"})
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    RunStore(ws).update(run_id, status=RunStatus.running, step="train", worker_pid=gone.pid)
    result = in_memory(ws, lambda c: c.call_tool("run_status", {"run_id": run_id}))
    data = result.structured_content
    assert data["status"] == "interrupted" and data["recorded_status"] == "running"
    assert data["alive"] is False and data["resumable"] is True and data["failure"]["step"] == "train"


def test_resume_and_cancel_over_mcp_return_at_once(ws, tmp_path):
    failed = start_run(ws, str(tmp_path / "absent"), {"preset": "smoke"})
    RunStore(ws).update(failed, status=RunStatus.failed, failed_step="source",
                        failure=ToolFailure(FailureKind.not_found, "gone").to_dict())
    idle = start_run(ws, str(tmp_path / "absent"), {"preset": "smoke"})

    async def body(client):
        resumed = await client.call_tool("resume_run", {"run_id": failed})
        cancelled = await client.call_tool("cancel_run", {"run_id": idle})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # follow the resumed run in its worker
            status = (await client.call_tool("run_status", {"run_id": failed})).structured_content
            if status["status"] not in ("starting", "running"):
                return resumed, cancelled, status
            await anyio.sleep(0.2)
        pytest.fail(f"the resumed run did not stop: {status}")

    resumed, cancelled, status = in_memory(ws, body)
    assert resumed.is_error is False and resumed.structured_content["status"] == "starting"
    assert resumed.structured_content["worker_pid"] > 0
    # The source is gone: the Guide asks for another one instead of failing.
    assert status["status"] == "waiting" and status["question"]["kind"] == "not_found"
    assert [c["id"] for c in status["question"]["choices"]] == ["other-source", "retry"]
    assert "resume_run" in status["question"]["guide"]
    assert status["worker_pid"] == resumed.structured_content["worker_pid"]
    assert cancelled.structured_content == {"run_id": idle, "status": "cancelled", "was_running": False, "step": None}


def test_a_guide_question_is_answered_over_mcp(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "absent"), {"preset": "smoke"})
    assert execute(ws, run_id).status is RunStatus.waiting

    async def body(client):
        status = (await client.call_tool("run_status", {"run_id": run_id})).structured_content
        wrong = await client.call_tool("resume_run", {"run_id": run_id, "answer": "delete-everything"})
        needs_value = await client.call_tool("resume_run", {"run_id": run_id, "answer": "other-source"})
        answered = await client.call_tool("resume_run", {"run_id": run_id, "answer": "retry"})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the worker tries again; the source is still absent, so it asks again
            after = (await client.call_tool("run_status", {"run_id": run_id})).structured_content
            if after["status"] not in ("starting", "running"):
                return status, wrong, needs_value, answered, after
            await anyio.sleep(0.2)
        pytest.fail(f"the answered run did not stop: {after}")

    status, wrong, needs_value, answered, after = in_memory(ws, body)
    assert status["status"] == "waiting" and status["question"]["tab"] == "source"
    assert "other-source=<source>" in status["question"]["guide"]
    for refused in (wrong, needs_value):
        assert refused.is_error is True and "choice" in refused.content[0].text
    assert RunStore(ws).read(run_id).question is not None  # a refused answer changed nothing
    assert answered.is_error is False and answered.structured_content["status"] == "starting"
    assert after["status"] == "waiting"
    events = [e.type for e in read_events(ws.run_dir(run_id) / "events.jsonl")]
    assert events.count("agent.guide.answered") == 1 and events[-1] == "run.waiting"


def test_progress_events_become_progress_notifications(ws, tmp_path):
    repo = write_sample_repo(tmp_path / "inventory", git=False)
    seen = []

    async def on_progress(progress, total, message):
        seen.append((progress, message))

    result = in_memory(ws, lambda c: c.call_tool("index_code", {"repo_path": str(repo)}, progress_callback=on_progress))
    assert result.is_error is False and result.structured_content["files"] >= 5
    assert seen and any("files" in (m or "") for _, m in seen)
    assert [p for p, _ in seen] == sorted({p for p, _ in seen})  # strictly increasing
    assert not list((ws.cache / "mcp-calls").iterdir())  # the call's scratch bus is cleaned up


def test_resources_and_prompts(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "src"), {"preset": "smoke"})
    (ws.run_dir(run_id) / "events.jsonl").write_text(json.dumps(
        {"ts": 1.0, "run_id": run_id, "type": "step.source.started", "payload": {}}) + "\n")

    async def body(client):
        templates = await client.list_resource_templates()
        events = await client.read_resource(f"studio://runs/{run_id}/events")
        prompts = await client.list_prompts()
        learn = await client.get_prompt("learn_repo", {"source": "https://example.invalid/r.git"})
        errors = []
        for uri in ("studio://runs/no-such-run-0000/events", "studio://cores/nothing/manifest",
                    "studio://runs/..%2F..%2Fetc/events"):
            try:
                await client.read_resource(uri)
            except MCPError as exc:
                errors.append(exc)
        try:
            await client.get_prompt("why_did_my_run_stop", {"run_id": "no-such-run-0000"})
        except MCPError as exc:
            errors.append(exc)
        errors.append((await client.call_tool("list_runs", {})).is_error)  # still serving
        return templates, events, prompts, learn, errors

    templates, events, prompts, learn, errors = in_memory(ws, body)
    assert {t.uri_template for t in templates.resource_templates} == {"studio://runs/{run_id}/events",
                                                                      "studio://cores/{name}/manifest"}
    assert [e["type"] for e in json.loads(events.contents[0].text)] == ["step.source.started"]
    assert {p.name for p in prompts.prompts} == {"learn_repo", "why_did_my_run_stop"}
    assert "https://example.invalid/r.git" in learn.messages[0].content.text
    assert len(errors) == 5 and all(isinstance(e, MCPError) for e in errors[:4]) and errors[4] is False


def test_chat_with_an_unknown_core_is_not_found(ws):
    result = in_memory(ws, lambda c: c.call_tool("chat_with_core", {"prompt": "hi", "core": "nothing-v1"}))
    assert result.is_error and failure_of(result)["kind"] == "not_found"


def test_learn_args_match_the_cli_options():
    args = LearnArgs(source="x", preset="smoke", max_steps=2, min_pairs=10, eval_samples=2)
    assert (args.preset, args.max_steps, args.min_pairs, args.eval_samples) == ("smoke", 2, 10, 2)


def test_goose_config_prints_the_extension_block(studio_home):
    proc = subprocess.run([*studio_cli(), "goose-config"], env=studio_env(studio_home), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    config, _, one_session = proc.stdout.partition("# Or for one session:")
    block = yaml.safe_load(config)["extensions"]["goose-studio"]
    assert block["type"] == "stdio" and block["args"] == ["mcp"] and block["enabled"] is True
    assert Path(block["cmd"]).is_absolute() and block["envs"]["GOOSE_STUDIO_HOME"] == str(studio_home)
    assert block["name"] == "goose-studio" and block["timeout"] == 300
    assert one_session.strip().startswith("goose session --with-extension") and " mcp\"" in one_session


# ------------------------------------------------------------------------------------------ real transports


def test_stdio_subprocess_lists_tools_and_calls_one(studio_home):
    async def main():
        async with Client(stdio_params(studio_home)) as client:
            tools = await client.list_tools()
            runs = await client.call_tool("list_runs", {})
            missing = await client.call_tool("validate", {"path": "/no/such/core.gcpkg"})
            return tools, runs, missing

    tools, runs, missing = anyio.run(main)
    assert EXPECTED_TOOLS <= {t.name for t in tools.tools}
    assert runs.is_error is False and runs.structured_content["total"] == 0
    assert missing.is_error is True and "kind: not_found" in text_of(missing)


def test_http_server_on_loopback(studio_home):
    port = free_port()
    proc = start_mcp_http(studio_home, port)
    try:
        async def main():
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                tools = await client.list_tools()
                runs = await client.call_tool("list_runs", {})
            async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy") as client:  # a session-based client
                again = await client.call_tool("list_runs", {"limit": 1})
            return tools, runs, again

        tools, runs, again = anyio.run(main)
        assert EXPECTED_TOOLS <= {t.name for t in tools.tools}
        assert runs.is_error is False and runs.structured_content == {"runs": [], "total": 0}
        assert again.is_error is False
        rebinding = httpx2.post(f"http://127.0.0.1:{port}/mcp", headers={"Host": "attacker.example",
                                                                          "Content-Type": "application/json"},
                                content=b"{}")
        assert rebinding.status_code == 421
        origin = httpx2.post(f"http://127.0.0.1:{port}/mcp", headers={"Origin": "http://attacker.example",
                                                                       "Content-Type": "application/json"},
                             content=b"{}")
        assert origin.status_code == 403
    finally:
        stop_process_group(proc)


def test_http_with_a_token_requires_it_on_every_request(studio_home):
    port = free_port()
    proc = start_mcp_http(studio_home, port, GOOSE_STUDIO_MCP_TOKEN="s3cret-token")
    try:
        assert httpx2.get(f"http://127.0.0.1:{port}/healthz").status_code == 401
        wrong = httpx2.get(f"http://127.0.0.1:{port}/healthz", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401

        async def main():
            async with httpx2.AsyncClient(headers={"Authorization": "Bearer s3cret-token"}) as http:
                async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as c:
                    return await c.call_tool("list_runs", {})

        assert anyio.run(main).is_error is False
    finally:
        stop_process_group(proc)


def test_non_loopback_bind_without_a_token_refuses_to_start(studio_home):
    proc = subprocess.run([*studio_cli(), "mcp", "--http", "--host", "0.0.0.0", "--port", str(free_port())],
                          env=studio_env(studio_home), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "GOOSE_STUDIO_MCP_TOKEN" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------------------ end to end


@pytest.mark.e2e
def test_learn_over_mcp_survives_the_client_and_makes_a_valid_core(studio_home, tmp_path):
    repo = write_sample_repo(tmp_path / "inventory")

    async def start():
        async with Client(stdio_params(studio_home)) as client:
            started = await client.call_tool("learn", {"source": str(repo), "preset": "smoke", "min_pairs": 10,
                                                       "eval_samples": 2, "eval_probe_questions": 4,
                                                       "eval_general_questions": 4})
            assert started.is_error is False, text_of(started)
            run_id = started.structured_content["run_id"]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # see it running, then walk away mid-run
                status = (await client.call_tool("run_status", {"run_id": run_id})).structured_content
                if status["status"] == "running":
                    return run_id, status
                await anyio.sleep(0.5)
            pytest.fail(f"the run never started running: {status}")

    run_id, first = anyio.run(start)  # the client and its server process are gone now
    assert first["alive"] is True and first["worker_pid"]

    async def follow():
        async with Client(stdio_params(studio_home)) as client:  # a new session re-attaches by id
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                status = (await client.call_tool("run_status", {"run_id": run_id})).structured_content
                if status["status"] not in ("starting", "running"):
                    break
                await anyio.sleep(2)
            else:
                pytest.fail(f"the run did not finish within 600 s: {status}")
            assert status["status"] == "complete", status
            validated = await client.call_tool("validate", {"path": status["core"]})
            cores = await client.call_tool("list_cores", {})
            name = Path(status["core"]).stem
            manifest = await client.read_resource(f"studio://cores/{name}/manifest")
            chat = await client.call_tool("chat_with_core", {"core": name, "prompt": "What does Stock.reserve do?",
                                                             "max_new_tokens": 8})
            from_run = await client.call_tool("chat_with_core", {"run_id": run_id, "prompt": "What is a SKU?",
                                                                 "max_new_tokens": 4})
            return status, validated, cores, manifest, chat, from_run

    status, validated, cores, manifest, chat, from_run = anyio.run(follow)
    assert Path(status["core"]).is_file() and status["completed_steps"][-1] == "publish"
    assert validated.is_error is False and validated.structured_content["ok"] is True
    assert {c["name"]: c["ok"] for c in validated.structured_content["checks"]}["load"] is True
    assert status["core"] in [c["file"] for c in cores.structured_content["cores"]]
    assert json.loads(manifest.contents[0].text)["base_model"]
    assert chat.is_error is False, text_of(chat)
    assert 0 < chat.structured_content["new_tokens"] <= 8 and chat.structured_content["answer"]
    assert from_run.is_error is False, text_of(from_run)
    assert from_run.structured_content["adapter_dir"].endswith(run_id) and from_run.structured_content["new_tokens"] <= 4
