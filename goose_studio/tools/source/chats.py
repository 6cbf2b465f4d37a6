"""Chat exports and the shapes of JSON documents: which objects are records and which are conversations.

Recognised conversations:

- a ChatGPT export (``conversations.json``: a list of conversations, each a ``mapping`` of message nodes;
  the thread that ends at ``current_node`` is followed, hidden and tool messages left out),
- a Goose session export (an object with a ``conversation`` or ``messages`` list of role/content
  messages, content a string or a list of ``{"type": "text", "text": ...}`` parts) and Goose's JSON Lines
  session files (a metadata line, then one message per line),
- any list of role/content (or ShareGPT from/value) messages.

Anything else that is a list of objects (or an object holding one under ``data``, ``rows``, ``examples``,
...) is a set of records (:mod:`.records`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONTAINER_KEYS = ("data", "rows", "examples", "records", "items", "train", "pairs", "samples", "instances",
                  "dataset", "entries", "questions", "qa")
MESSAGE_LIST_KEYS = ("conversation", "messages", "chat_messages", "turns")


@dataclass
class Shape:
    """What a JSON document holds: records, conversations (lists of messages), or neither (``note`` says)."""

    records: list[Any] | None = None
    conversations: list[list[dict[str, Any]]] = field(default_factory=list)
    format: str = "json"
    note: str = ""


def is_message(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    has_role = any(k in obj for k in ("role", "from", "author", "speaker"))
    has_text = any(k in obj for k in ("content", "value", "text"))
    return has_role and has_text


def _is_message_list(items: list[Any]) -> bool:
    return bool(items) and sum(1 for m in items if is_message(m)) >= 0.6 * len(items)


def chatgpt_thread(conv: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of one ChatGPT conversation, oldest first, along the thread that ends at current_node."""
    mapping = conv.get("mapping") or {}
    if not isinstance(mapping, dict):
        return []
    node_id = conv.get("current_node")
    if node_id not in mapping:  # no current node: follow the first child from the root
        roots = [k for k, v in mapping.items() if isinstance(v, dict) and not v.get("parent")]
        node_id = roots[0] if roots else None
        while node_id in mapping and (mapping[node_id] or {}).get("children"):
            node_id = mapping[node_id]["children"][0]
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    while node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id] or {}
        msg = node.get("message")
        if isinstance(msg, dict):
            chain.append(msg)
        node_id = node.get("parent")
    messages = []
    for msg in reversed(chain):
        meta = msg.get("metadata") or {}
        if meta.get("is_visually_hidden_from_conversation"):
            continue
        role = ((msg.get("author") or {}).get("role")) or ""
        content = msg.get("content") or {}
        if isinstance(content, dict) and content.get("content_type") not in (None, "text", "multimodal_text"):
            continue  # code execution output, browsing results, ...
        parts = content.get("parts") if isinstance(content, dict) else content
        texts = [p for p in (parts or []) if isinstance(p, str) and p.strip()] if isinstance(parts, list) else []
        if role in ("user", "assistant", "system") and texts:
            messages.append({"role": role, "content": "\n".join(texts)})
    return messages


def json_shape(data: Any) -> Shape:
    """The shape of a parsed JSON document (see the module doc)."""
    if isinstance(data, list):
        dicts = [d for d in data if isinstance(d, dict)]
        if dicts and sum(1 for d in dicts if "mapping" in d) >= 0.6 * len(dicts):
            threads = [chatgpt_thread(d) for d in dicts]
            return Shape(conversations=[t for t in threads if t], format="chatgpt-export")
        if _is_message_list(data):
            return Shape(conversations=[[m for m in data if isinstance(m, dict)]], format="chat")
        if dicts:
            return Shape(records=data)
        return Shape(note="a JSON list of " + (type(data[0]).__name__ + "s" if data else "nothing"))
    if isinstance(data, dict):
        for key in MESSAGE_LIST_KEYS:
            value = data.get(key)
            if isinstance(value, list) and _is_message_list(value):
                fmt = "goose-session" if key == "conversation" else "chat"
                return Shape(conversations=[[m for m in value if isinstance(m, dict)]], format=fmt)
        for key in CONTAINER_KEYS:
            value = data.get(key)
            if isinstance(value, list) and any(isinstance(v, dict) for v in value):
                return json_shape(value)
        values = list(data.values())
        if len(values) >= 2 and all(isinstance(v, dict) for v in values):
            return Shape(records=values)  # {"id1": {...}, "id2": {...}}
        if any(k in data for k in ("instruction", "prompt", "question", "messages", "conversations")):
            return Shape(records=[data])  # one record on its own
        return Shape(note=f"a JSON object with keys {', '.join(map(str, list(data)[:8]))}")
    return Shape(note=f"a JSON {type(data).__name__}")


def lines_shape(objects: list[Any]) -> Shape:
    """The shape of a JSON Lines file's objects: one conversation (a session log) or records."""
    if _is_message_list(objects[1:] if len(objects) > 1 and not is_message(objects[0]) else objects):
        msgs = [m for m in objects if is_message(m)]
        return Shape(conversations=[msgs], format="goose-session" if not is_message(objects[0]) else "chat")
    return Shape(records=objects, format="jsonl")
