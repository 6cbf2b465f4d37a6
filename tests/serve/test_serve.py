"""`goose-studio serve`: the real command serving the embedded model, called with the openai client and the
studio's own brain; OpenAI-shaped 4xx errors for bad requests; the app's auth, host check and backend
failures with a stand-in backend; unknown cores and unsafe binds refused with a message, not a traceback."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from pydantic import BaseModel
from starlette.testclient import TestClient

from conftest import free_port, studio_cli
from goose_studio.agents.brain import OpenAIBrain, ask, brain_from_env
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.serve import BackendUnavailable, ChatMessage, Reply, build_app, split_messages



def serve_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOOSE_STUDIO_")}
    return {**env, "GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
            "COLUMNS": "200", **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`goose-studio serve embedded` as a real process (started once for this module); yields its /v1 URL."""
    root = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = (root / "serve.log").open("wb")
    proc = subprocess.Popen([*studio_cli(), "serve", "embedded", "--port", str(port)], env=serve_env(root / "home"),
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # converts the embedded model on first use, then loads it
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited with {proc.returncode}:\n{(root / 'serve.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"serve did not answer /health in time:\n{(root / 'serve.log').read_text()[-3000:]}")
            time.sleep(0.25)
        yield f"{base}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def client_for(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="none", timeout=120, max_retries=0)


# ------------------------------------------------------------------------------------------ the real server


def test_the_openai_client_gets_an_answer(server):
    client = client_for(server)
    assert [m.id for m in client.models.list().data] == ["embedded"]
    reply = client.chat.completions.create(
        model="anything", max_tokens=24, temperature=0,
        messages=[{"role": "system", "content": "You are a concise assistant."},
                  {"role": "user", "content": "Name a programming language."},
                  {"role": "assistant", "content": "Python."},
                  {"role": "user", "content": "Name another one."}])
    choice = reply.choices[0]
    assert choice.message.role == "assistant" and choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length") and reply.model == "embedded"
    assert reply.usage.prompt_tokens > 10 and 0 < reply.usage.completion_tokens <= 24

    chunks = list(client.chat.completions.create(model="embedded", max_tokens=8, stream=True,
                                                 messages=[{"role": "user", "content": "Say hello."}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")


class Verdict(BaseModel):
    answer: str


def test_the_studios_brain_gets_an_answer_through_it(server):
    brain = brain_from_env({"GOOSE_STUDIO_LLM_BASE_URL": server, "GOOSE_STUDIO_LLM_TIMEOUT": "120"})
    assert isinstance(brain, OpenAIBrain) and brain.name == "openai"
    text = brain.complete("You are terse.", "What is a LoRA adapter?", max_tokens=16)
    assert isinstance(text, str) and text.strip()
    verdict = ask(brain, 'Reply with {"answer": "yes"}.', Verdict, max_tokens=16)  # a 135M model may not comply
    assert verdict is None or isinstance(verdict, Verdict)


@pytest.mark.parametrize("body, param", [
    ({"model": "embedded", "messages": []}, "messages"),
    ({"model": "embedded"}, "messages"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}, "messages"),
    ({"messages": [{"role": "wizard", "content": "hi"}]}, "messages.0.role"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}, None),
    ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, "max_tokens"),
    ({"messages": [{"role": "user", "content": "hi"}], "temperature": 9}, "temperature"),
    ({"messages": [{"role": "user", "content": "hi"}], "n": 3}, "n"),
])
def test_bad_requests_get_4xx_json_errors(server, body, param):
    response = httpx.post(f"{server}/chat/completions", json=body, timeout=30)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    if param is not None:
        assert error["param"] == param


def test_malformed_json_unknown_paths_and_foreign_hosts(server):
    bad_json = httpx.post(f"{server}/chat/completions", content=b"{not json",
                          headers={"content-type": "application/json"}, timeout=30)
    assert bad_json.status_code == 400 and bad_json.json()["error"]["type"] == "invalid_request_error"
    missing = httpx.get(f"{server}/no/such/thing", timeout=30)
    assert missing.status_code == 404 and "error" in missing.json()
    assert httpx.get(f"{server}/models/not-this-one", timeout=30).status_code == 404
    wrong_method = httpx.get(f"{server}/chat/completions", timeout=30)
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    rebound = httpx.get(f"{server.removesuffix('/v1')}/health", headers={"host": "attacker.example"}, timeout=30)
    assert rebound.status_code == 421 and rebound.json()["error"]["code"] == "host_not_allowed"


# ------------------------------------------------------------------------------------------ refusals


def test_an_unknown_core_is_a_message_and_a_nonzero_exit(tmp_path):
    proc = subprocess.run([*studio_cli(), "serve", "no-such-core-v1", "--port", str(free_port())],
                          env=serve_env(tmp_path / "home"), capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "no-such-core-v1" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


def test_a_non_loopback_bind_needs_a_token(tmp_path):
    proc = subprocess.run([*studio_cli(), "serve", "embedded", "--host", "0.0.0.0", "--port", str(free_port())],
                          env=serve_env(tmp_path / "home"), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "GOOSE_STUDIO_SERVE_TOKEN" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


def test_a_busy_port_is_a_message(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = subprocess.run([*studio_cli(), "serve", "embedded", "--port", str(port)],
                              env=serve_env(tmp_path / "home"), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout


# ------------------------------------------------------------------------------------------ the app itself


class Echo:
    """A stand-in backend: answers with what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[ChatMessage], int, float]] = []

    def __call__(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> str:
        self.calls.append((messages, max_tokens, temperature))
        return "echo: " + messages[-1].text()


def app_client(backend, **options) -> TestClient:
    return TestClient(build_app(backend, "stand-in", allowed_hosts=["testserver"], **options),
                      raise_server_exceptions=False)


def test_a_token_protects_every_route():
    client = app_client(Echo(), token="s3cret-token")
    assert client.get("/health").status_code == 401
    assert client.get("/health", headers={"authorization": "Bearer wrong"}).status_code == 401
    ok = client.post("/v1/chat/completions", headers={"authorization": "Bearer s3cret-token"},
                     json={"messages": [{"role": "user", "content": "hi"}]})
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"] == "echo: hi"


def test_the_backend_gets_the_request_and_its_failures_are_typed():
    echo = Echo()
    client = app_client(echo)
    reply = client.post("/v1/chat/completions", json={
        "model": "x", "max_completion_tokens": 7, "temperature": 0.5, "top_p": 0.9,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "part one"}]}]})
    assert reply.status_code == 200 and reply.json()["usage"] is None
    messages, max_tokens, temperature = echo.calls[-1]
    assert (messages[-1].text(), max_tokens, temperature) == ("part one", 7, 0.5)

    def unavailable(messages, max_tokens, temperature):
        raise BackendUnavailable("the host went away")

    def crashing(messages, max_tokens, temperature):
        raise RuntimeError("kaboom")

    body = {"messages": [{"role": "user", "content": "hi"}]}
    gone = app_client(unavailable).post("/v1/chat/completions", json=body)
    assert gone.status_code == 503 and gone.json()["error"]["code"] == "unavailable"
    crashed = app_client(crashing).post("/v1/chat/completions", json=body)
    assert crashed.status_code == 500 and crashed.json()["error"]["type"] == "server_error"
    counted = app_client(lambda m, n, t: Reply(text="ok", finish_reason="length", prompt_tokens=3,
                                               completion_tokens=n)).post("/v1/chat/completions", json=body)
    assert counted.json()["usage"] == {"prompt_tokens": 3, "completion_tokens": 256, "total_tokens": 259}
    assert counted.json()["choices"][0]["finish_reason"] == "length"


def test_split_messages():
    messages = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="developer", content="JSON."),
                ChatMessage(role="user", content="a"), ChatMessage(role="tool", content="b"),
                ChatMessage(role="assistant", content="c"), ChatMessage(role="user", content="d")]
    system, turns = split_messages(messages)
    assert system == "Be brief.\n\nJSON."
    assert turns == [{"role": "user", "content": "a\n\nb"}, {"role": "assistant", "content": "c"},
                     {"role": "user", "content": "d"}]
    with pytest.raises(ToolFailure) as info:
        split_messages([ChatMessage(role="system", content="only a system turn")])
    assert info.value.kind is FailureKind.invalid_input
