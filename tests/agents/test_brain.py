"""The brain against real HTTP servers on 127.0.0.1: a good answer, garbage, a closed port, a slow server
and an HTTP 500 each give a parsed model or None, quickly, and never raise."""
from __future__ import annotations

import time

import pytest
from pydantic import BaseModel

from llm_server import completion
from conftest import free_port
from goose_studio.agents.brain import (HOST_SAMPLING_MODEL, OpenAIBrain, RulesBrain, ask, brain_from_env,

                                       first_json_object)


class Plan(BaseModel):
    action: str
    retries: int


def test_a_valid_answer_is_parsed_into_the_model(local_server):
    server = local_server(lambda body: (200, "application/json",
                                        completion('Sure:\n```json\n{"action": "retry", "retries": 2}\n```')))
    brain = OpenAIBrain(server.base_url, "sk-test", "tiny", timeout_s=5)
    plan = ask(brain, "The build failed with a timeout. What now?", Plan)
    assert plan == Plan(action="retry", retries=2)
    sent = server.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    assert sent["model"] == "tiny" and sent["temperature"] == 0 and sent["max_tokens"] == 400
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert '"retries"' in sent["messages"][0]["content"]  # the default system prompt carries the schema


def test_garbage_is_none(local_server):
    not_json = local_server(lambda body: (200, "application/json", b"<html>surprise</html>"))
    prose = local_server(lambda body: (200, "application/json", completion("I think you should retry.")))
    wrong_shape = local_server(lambda body: (200, "application/json", completion('{"action": 3}')))
    empty = local_server(lambda body: (200, "application/json", completion("")))
    assert OpenAIBrain(not_json.base_url, timeout_s=5).complete("s", "u") is None
    assert ask(OpenAIBrain(not_json.base_url, timeout_s=5), "q", Plan) is None
    assert OpenAIBrain(prose.base_url, timeout_s=5).complete("s", "u") == "I think you should retry."
    assert ask(OpenAIBrain(prose.base_url, timeout_s=5), "q", Plan) is None
    assert ask(OpenAIBrain(wrong_shape.base_url, timeout_s=5), "q", Plan) is None
    assert OpenAIBrain(empty.base_url, timeout_s=5).complete("s", "u") is None


def test_a_closed_port_is_none_quickly():
    brain = OpenAIBrain(f"http://127.0.0.1:{free_port()}/v1", timeout_s=5)
    started = time.monotonic()
    assert brain.complete("s", "u") is None
    assert ask(brain, "q", Plan) is None
    assert time.monotonic() - started < 5.0  # gave up; did not wait out the server


def test_a_slow_server_is_none_within_the_timeout(local_server):
    def slow(body: dict) -> tuple[int, str, bytes]:
        server.release.wait(10)  # far past the brain's timeout; released at teardown
        return 200, "application/json", completion('{"action": "late", "retries": 0}')

    server = local_server(slow)
    brain = OpenAIBrain(server.base_url, timeout_s=1.0)
    started = time.monotonic()
    assert brain.complete("s", "u") is None
    assert time.monotonic() - started < 5.0  # gave up; did not wait out the server


def test_http_500_is_none(local_server):
    server = local_server(lambda body: (500, "application/json", b'{"error": {"message": "boom"}}'))
    brain = OpenAIBrain(server.base_url, timeout_s=5)
    assert brain.complete("s", "u") is None
    assert ask(brain, "q", Plan) is None
    assert len(server.requests) == 2  # max_retries=0: one request per question


def test_rules_brain_never_answers():
    brain = RulesBrain()
    assert brain.name == "rules" and brain.complete("s", "u") is None and ask(brain, "q", Plan) is None


def test_brain_from_env():
    assert brain_from_env({}).name == "rules"
    configured = brain_from_env({"GOOSE_STUDIO_LLM_BASE_URL": "http://127.0.0.1:11434/v1"})
    assert isinstance(configured, OpenAIBrain) and configured.name == "openai"
    assert (configured.api_key, configured.model, configured.timeout_s) == ("none", "default", 20.0)
    full = brain_from_env({"GOOSE_STUDIO_LLM_BASE_URL": "http://h/v1", "GOOSE_STUDIO_LLM_API_KEY": "k",
                           "GOOSE_STUDIO_LLM_MODEL": "qwen3:0.6b", "GOOSE_STUDIO_LLM_TIMEOUT": "3.5"})
    assert isinstance(full, OpenAIBrain) and (full.api_key, full.model, full.timeout_s) == ("k", "qwen3:0.6b", 3.5)
    sampling = brain_from_env({"GOOSE_STUDIO_LLM_BASE_URL": "http://127.0.0.1:1/v1",
                               "GOOSE_STUDIO_LLM_MODEL": HOST_SAMPLING_MODEL})
    assert sampling.name == "sampling"
    forced = brain_from_env({"GOOSE_STUDIO_LLM_BASE_URL": "http://h/v1", "GOOSE_STUDIO_BRAIN": "rules"})
    assert forced.name == "rules"
    bad_timeout = brain_from_env({"GOOSE_STUDIO_LLM_BASE_URL": "http://h/v1", "GOOSE_STUDIO_LLM_TIMEOUT": "soon"})
    assert isinstance(bad_timeout, OpenAIBrain) and bad_timeout.timeout_s == 20.0


@pytest.mark.parametrize("text, expected", [
    ('{"a": 1}', {"a": 1}),
    ('noise {not json} then {"a": {"b": [1, 2]}} and {"c": 3}', {"a": {"b": [1, 2]}}),
    ('```json\n{"a": "}"}\n```', {"a": "}"}),
    ('[1, 2] {"a": 1}', {"a": 1}),
    ("no object here", None),
    ('{"a": 1', None),
])
def test_first_json_object(text, expected):
    assert first_json_object(text) == expected
