"""The Ollama ``Modelfile`` of an exported core: ``FROM`` the merged GGUF (never ``ADAPTER``, which Ollama
0.34.1 and later refuse), the chat template of the core's LLaMA-Factory template in Ollama's Go template
syntax, and its stop tokens (with the tokenizer's end-of-sequence token)."""

from __future__ import annotations

import json
from pathlib import Path

_CHATML = ('{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}'
           '{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}'
           '<|im_start|>assistant\n')
_LLAMA3 = ('<|begin_of_text|>{{- if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>'
           '{{ end }}{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}'
           '<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n')
_GEMMA = ('{{- range .Messages }}<start_of_turn>{{ if eq .Role "assistant" }}model{{ else }}user{{ end }}\n'
          '{{ .Content }}<end_of_turn>\n{{ end }}<start_of_turn>model\n')
_MISTRAL = ('{{- range .Messages }}{{ if eq .Role "user" }}[INST] {{ if $.System }}{{ $.System }}\n\n{{ end }}'
            '{{ .Content }} [/INST]{{ else if eq .Role "assistant" }} {{ .Content }}</s>{{ end }}{{ end }}')
_PHI = ('{{- if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}{{- range .Messages }}<|{{ .Role }}|>\n'
        '{{ .Content }}<|end|>\n{{ end }}<|assistant|>\n')
_DEFAULT = ('{{- if .System }}{{ .System }}\n{{ end }}{{- range .Messages }}{{ if eq .Role "user" }}Human: '
            '{{ .Content }}\n{{ else if eq .Role "assistant" }}Assistant: {{ .Content }}\n{{ end }}{{ end }}Assistant:')

#: Chat families: (Go template, stop tokens).
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "chatml": (_CHATML, ("<|im_end|>", "<|im_start|>")),
    "llama3": (_LLAMA3, ("<|eot_id|>", "<|start_header_id|>")),
    "gemma": (_GEMMA, ("<end_of_turn>", "<start_of_turn>")),
    "mistral": (_MISTRAL, ("[INST]", "</s>")),
    "phi": (_PHI, ("<|end|>", "<|user|>")),
    "default": (_DEFAULT, ("Human:",)),
}
#: LLaMA-Factory template names and the family they belong to.
TEMPLATE_FAMILY = {
    "chatml": "chatml", "qwen": "chatml", "qwen2_vl": "chatml", "qwen3": "chatml", "qwen3_nothink": "chatml",
    "smollm": "chatml", "smollm2": "chatml", "yi": "chatml", "hermes": "chatml",
    "llama3": "llama3", "llama3_2": "llama3", "mllama": "llama3",
    "gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma",
    "mistral": "mistral", "llama2": "mistral", "ministral": "mistral",
    "phi": "phi", "phi4_mini": "phi",
    "default": "default", "empty": "default",
}


def family_of(template: str) -> str:
    return TEMPLATE_FAMILY.get(template, "chatml" if "qwen" in template else "default")


def eos_token(model_dir: Path) -> str | None:
    """The tokenizer's end-of-sequence token as written in its tokenizer_config.json."""
    try:
        config = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    token = config.get("eos_token")
    if isinstance(token, dict):
        token = token.get("content")
    return token if isinstance(token, str) and token else None


def stop_tokens(template: str, model_dir: Path | None = None) -> list[str]:
    stops = list(FAMILIES[family_of(template)][1])
    eos = eos_token(model_dir) if model_dir is not None else None
    if eos and eos not in stops and family_of(template) != "chatml":
        stops.append(eos)
    return stops


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def modelfile(gguf_name: str, template: str, stops: list[str], system: str | None = None) -> str:
    """The Modelfile text: FROM the GGUF next to it, TEMPLATE, stop PARAMETERs and an optional SYSTEM."""
    body = FAMILIES[family_of(template)][0]
    lines = [f"# Ollama Modelfile of a Goose Studio core (chat template: {template}).",
             f"# Create it with: ollama create <name> -f Modelfile", f"FROM ./{gguf_name}",
             f'TEMPLATE """{body}"""']
    lines += [f"PARAMETER stop {_quote(s)}" for s in stops]
    if system:
        lines.append(f'SYSTEM """{system}"""')
    return "\n".join(lines) + "\n"
