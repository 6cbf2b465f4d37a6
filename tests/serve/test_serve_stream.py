"""`serve` streams real tokens: a backend that can stream sends one server-sent chunk per generated piece
(a core on a tiny real model, the same text as without streaming), a failure before the first token is an
HTTP error, a failure during the stream an OpenAI-shaped error event; a core's answer uses its retrieval
index."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evals"))  # the shared tiny model

from conftest import write_sample_repo  # noqa: E402
from evals_helpers import TEMPLATE, tiny_model_and_adapter  # noqa: E402
from goose_studio.errors import FailureKind, ToolFailure  # noqa: E402
from goose_studio.retrieval import build_index_folder  # noqa: E402
from goose_studio.serve import ChatMessage, CoreBackend, build_app  # noqa: E402
from goose_studio.tools.code_index import IndexCodeArgs  # noqa: E402
from goose_studio.tools.registry import ToolContext, call_tool  # noqa: E402
from goose_studio.workspace import Workspace  # noqa: E402


def events(response) -> list:
    out = []
    for line in response.iter_lines():
        if line.startswith("data: "):
            body = line[len("data: "):]
            out.append(body if body == "[DONE]" else json.loads(body))
    return out


def contents(chunks: list) -> list[str]:
    return [c["choices"][0]["delta"].get("content") for c in chunks if isinstance(c, dict) and "choices" in c
            and c["choices"][0]["delta"].get("content")]


class Pieces:
    def __init__(self, pieces, fail_at=None, fail_first=False):
        self.pieces, self.fail_at, self.fail_first = pieces, fail_at, fail_first

    def __call__(self, messages, max_tokens, temperature):
        return "".join(self.pieces)

    def stream(self, messages, max_tokens, temperature):
        if self.fail_first:
            raise ToolFailure(FailureKind.oom, "out of memory")
        for n, piece in enumerate(self.pieces):
            if n == self.fail_at:
                raise RuntimeError("broke")
            yield piece


BODY = {"messages": [{"role": "user", "content": "hi"}], "stream": True}


def post(backend, body=BODY):
    client = TestClient(build_app(backend, "m", allowed_hosts=["testserver"]))
    return client.stream("POST", "/v1/chat/completions", json=body)


def test_a_streaming_backend_sends_a_chunk_per_piece():
    with post(Pieces(["Hel", "lo", " there"])) as response:
        assert response.status_code == 200
        got = events(response)
    assert contents(got) == ["Hel", "lo", " there"]
    assert got[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert got[-2]["choices"][0]["finish_reason"] == "stop" and got[-1] == "[DONE]"


def test_a_failure_before_the_first_token_is_an_http_error():
    with post(Pieces(["x"], fail_first=True)) as response:
        assert response.status_code == 503
        response.read()
        assert response.json()["error"]["code"] == "oom"


def test_a_failure_during_the_stream_is_an_error_event():
    with post(Pieces(["a", "b", "c"], fail_at=1)) as response:
        got = events(response)
    assert contents(got) == ["a"] and got[-1]["error"]["type"] == "server_error"


@pytest.fixture(scope="module")
def core(tmp_path_factory) -> CoreBackend:
    model, adapter = tiny_model_and_adapter(tmp_path_factory.getbasetemp() / "evals-shared")
    repo = write_sample_repo(tmp_path_factory.mktemp("serve-src") / "inventory", git=False)
    call_tool("index_code", IndexCodeArgs(repo_path=str(repo)), ToolContext(workspace=Workspace(tmp_path_factory.mktemp("h"))))
    index = build_index_folder(repo, repo / ".studio-index.json", tmp_path_factory.mktemp("r") / "retrieval")
    return CoreBackend(model, adapter, TEMPLATE, "tiny-core", retrieval=index)


def test_a_core_streams_the_same_answer_it_gives_whole(core):
    body = {"messages": [{"role": "user", "content": "What does reserve do?"}], "max_tokens": 12}
    client = TestClient(build_app(core, "tiny-core", allowed_hosts=["testserver"]))
    whole = client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as response:
        pieces = contents(events(response))
    assert len(pieces) >= 2 and "".join(pieces).strip() == whole


def test_a_core_answers_with_passages_of_its_repository(core):
    ids = core.encode([ChatMessage(role="user", content="How do I hold items for a pending order?")], 16)
    prompt = core.scorer.tokenizer.decode(ids)
    assert "inventory/stock.py" in prompt and prompt.rstrip().endswith("assistant")
