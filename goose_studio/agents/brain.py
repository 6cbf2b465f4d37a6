"""The brain: the model the agents may ask (never the tools), pluggable and allowed to be absent.

Three brains share one small interface, :class:`Brain`:

- :class:`OpenAIBrain` talks to any OpenAI-compatible chat endpoint (``/v1/chat/completions``): OpenAI,
  Ollama, vLLM, llama.cpp server, LM Studio, ``goose-studio serve``, or the MCP host's model through the
  studio's sampling bridge (then its name is ``sampling``).
- :class:`RulesBrain` is no model at all: it never answers, and the agents' deterministic rules decide.

``complete()`` never raises: ``None`` means "no answer" (no brain configured, endpoint down, timeout, HTTP
error, empty reply), and the caller falls back to its rules. :func:`ask` adds structure: it asks for one
JSON object and returns it validated as a pydantic model, or ``None``.

Configuration (see :func:`brain_from_env`): ``GOOSE_STUDIO_LLM_BASE_URL``, ``GOOSE_STUDIO_LLM_API_KEY``,
``GOOSE_STUDIO_LLM_MODEL``, ``GOOSE_STUDIO_LLM_TIMEOUT`` (seconds, default 20) and
``GOOSE_STUDIO_BRAIN=rules`` to force the rules.
"""

from __future__ import annotations

import json
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from ..redact import redact_url

log = logging.getLogger(__name__)

BASE_URL_ENV = "GOOSE_STUDIO_LLM_BASE_URL"
API_KEY_ENV = "GOOSE_STUDIO_LLM_API_KEY"
MODEL_ENV = "GOOSE_STUDIO_LLM_MODEL"
TIMEOUT_ENV = "GOOSE_STUDIO_LLM_TIMEOUT"
BRAIN_ENV = "GOOSE_STUDIO_BRAIN"
#: The model name the MCP sampling bridge gives its endpoint; an endpoint with it is the "sampling" brain.
HOST_SAMPLING_MODEL = "host-sampling"
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MODEL = "default"

BrainName = Literal["openai", "sampling", "rules"]
T = TypeVar("T", bound=BaseModel)

_MAX_JSON_STARTS = 64  # how many "{" positions ask() tries before it gives up on a reply


class Brain(ABC):
    """Something the agents can ask. ``complete`` returns the reply text, or None for no answer; never raises."""

    name: BrainName

    @abstractmethod
    def complete(self, system: str, user: str, *, max_tokens: int = 400) -> str | None:
        """The model's reply to one system + user turn, or None when there is no answer."""


class RulesBrain(Brain):
    """No model: every question goes unanswered, so the deterministic rules decide."""

    name: BrainName = "rules"

    def __init__(self, reason: str = "no LLM endpoint is configured") -> None:
        self.reason = reason

    def complete(self, system: str, user: str, *, max_tokens: int = 400) -> str | None:
        return None


class OpenAIBrain(Brain):
    """An OpenAI-compatible chat endpoint, asked with temperature 0, one try, bounded by a timeout."""

    def __init__(self, base_url: str, api_key: str = "none", model: str = DEFAULT_MODEL, *,
                 timeout_s: float = DEFAULT_TIMEOUT_S, name: BrainName = "openai") -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key or "none"
        self.model = model or DEFAULT_MODEL
        self.timeout_s = float(timeout_s)
        self.name = name
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key, timeout=self.timeout_s,
                                  max_retries=0)
        return self._client

    def complete(self, system: str, user: str, *, max_tokens: int = 400) -> str | None:
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}] if system \
            else [{"role": "user", "content": user}]
        try:
            response = self._get_client().chat.completions.create(
                model=self.model, messages=messages, max_tokens=max_tokens, temperature=0)
            text = response.choices[0].message.content
        except Exception as exc:  # down, timeout, HTTP error, unparsable reply: no answer, the rules decide
            log.warning("brain %s: no answer from %s (%s: %s)", self.name, redact_url(self.base_url),
                        type(exc).__name__, str(exc)[:200])
            return None
        if not isinstance(text, str) or not text.strip():
            log.warning("brain %s: empty reply from %s", self.name, redact_url(self.base_url))
            return None
        return text



def _timeout(raw: str | None) -> float:
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        log.warning("%s=%r is not a number of seconds; using %g", TIMEOUT_ENV, raw, DEFAULT_TIMEOUT_S)
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


def brain_from_env(env: Mapping[str, str] | None = None) -> Brain:
    """The brain the environment configures (``os.environ`` by default).

    ``GOOSE_STUDIO_BRAIN=rules`` forces the rules; otherwise ``GOOSE_STUDIO_LLM_BASE_URL`` selects an
    :class:`OpenAIBrain` (named ``sampling`` when the model is ``host-sampling``); otherwise the rules.
    """
    env = os.environ if env is None else env
    if (env.get(BRAIN_ENV) or "").strip().lower() == "rules":
        return RulesBrain(f"{BRAIN_ENV}=rules")
    base_url = (env.get(BASE_URL_ENV) or "").strip()
    if not base_url:
        return RulesBrain(f"{BASE_URL_ENV} is not set")
    model = (env.get(MODEL_ENV) or "").strip() or DEFAULT_MODEL
    return OpenAIBrain(base_url, (env.get(API_KEY_ENV) or "").strip() or "none", model,
                       timeout_s=_timeout(env.get(TIMEOUT_ENV)),
                       name="sampling" if model == HOST_SAMPLING_MODEL else "openai")


# ------------------------------------------------------------------------------------------ structured


def first_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` (bare, or inside a Markdown code fence), or None."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    tries = 0
    while start != -1 and tries < _MAX_JSON_STARTS:
        tries += 1
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def ask(brain: Brain, prompt: str, result_model: type[T], *, system: str | None = None,
        max_tokens: int = 400) -> T | None:
    """Ask ``brain`` for one JSON object and return it validated as ``result_model``; None for no usable answer.

    Without ``system``, the system prompt asks for JSON only and gives ``result_model``'s JSON schema.
    Never raises for what the model says: no answer, prose, broken JSON or JSON of the wrong shape are None.
    """
    if system is None:
        from ..prompts import render

        system = render("ask_json.j2", schema=json.dumps(result_model.model_json_schema(), separators=(",", ":")))
    reply = brain.complete(system, prompt, max_tokens=max_tokens)
    if reply is None:
        return None
    data = first_json_object(reply)
    if data is None:
        log.info("brain %s: the reply holds no JSON object (%r)", brain.name, reply[:120])
        return None
    try:
        return result_model.model_validate(data)
    except ValidationError as exc:
        log.info("brain %s: the reply's JSON is not a %s (%d errors)", brain.name, result_model.__name__,
                 exc.error_count())
        return None


__all__ = ["Brain", "BrainName", "HOST_SAMPLING_MODEL", "OpenAIBrain", "RulesBrain", "ask", "brain_from_env",
           "first_json_object"]
