"""The user's own pairs (a pairs file from SOURCE) and pairs written by the brain pass, read leniently:
what can be fixed is fixed and reported, what cannot is skipped with its reason.

Accepted shapes, one per line (JSONL) or as a JSON array (or ``{"data": [...]}``): alpaca
(``instruction`` / ``input`` / ``output``), ``prompt`` / ``completion`` (or ``response``),
``question`` / ``answer``, and chat ``messages`` (the first user turn and the assistant's reply).
Fixes: a byte-order mark, Windows line ends, a JSON array instead of lines, keys in another case or
with spaces, numbers and lists where text belongs, surrounding whitespace, a trailing comma after an
object, single objects spread over several lines. Skipped: lines that are not JSON after the fixes, rows
without a question or an answer, exact repeats.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .repo import Pair
from .text import norm

MAX_USER_BYTES = 64 * 1024 * 1024
_QUESTION_KEYS = ("instruction", "prompt", "question", "query", "input_text", "q")
_ANSWER_KEYS = ("output", "completion", "response", "answer", "target", "a")


@dataclass
class UserPairs:
    """What was read from a pairs file: the pairs, and what was fixed and skipped (with line numbers)."""

    path: str
    pairs: list[Pair] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)  # kind of fix -> rows it was applied to
    skipped: list[dict[str, object]] = field(default_factory=list)  # {"line": n, "reason": ...}
    error: str = ""  # the whole file could not be used (missing, unreadable, binary, too large)

    def fix(self, kind: str) -> None:
        self.fixed[kind] = self.fixed.get(kind, 0) + 1


def _text(value: object, out: UserPairs, what: str) -> str:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped != value:
            out.fix("whitespace")
        return stripped
    if value is None:
        return ""
    if isinstance(value, (int, float, bool)):
        out.fix(f"{what}_not_text")
        return str(value)
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        out.fix(f"{what}_list_joined")
        return "\n".join(x.strip() for x in value).strip()
    out.fix(f"{what}_not_text")
    return json.dumps(value, ensure_ascii=False)


def _row(obj: object, out: UserPairs, origin: str, line: int) -> Pair | str:
    """A pair from one decoded row, or the reason it cannot be used."""
    if not isinstance(obj, dict):
        return "not_an_object"
    keys = {re.sub(r"[\s_-]+", "_", str(k).strip().lower()): v for k, v in obj.items()}
    if any(str(k) != re.sub(r"[\s_-]+", "_", str(k).strip().lower()) for k in obj):
        out.fix("key_names")
    if isinstance(keys.get("messages") or keys.get("conversations"), list):
        turns = keys.get("messages") or keys.get("conversations")
        user = next((t for t in turns if isinstance(t, dict) and str(t.get("role", t.get("from", ""))).lower()
                     in ("user", "human")), None)
        reply = next((t for t in turns if isinstance(t, dict) and str(t.get("role", t.get("from", ""))).lower()
                      in ("assistant", "gpt", "model", "bot")), None)
        question = _text((user or {}).get("content", (user or {}).get("value")), out, "question")
        answer = _text((reply or {}).get("content", (reply or {}).get("value")), out, "answer")
    else:
        question = next((_text(keys[k], out, "question") for k in _QUESTION_KEYS if k in keys and keys[k]), "")
        answer = next((_text(keys[k], out, "answer") for k in _ANSWER_KEYS if k in keys and keys[k]), "")
        extra = _text(keys.get("input"), out, "input") if "instruction" in keys else ""
        if extra:
            question = f"{question}\n{extra}" if question else extra
    if not question:
        return "no_question"
    if not answer:
        return "no_answer"
    category = str(keys.get("category") or "user").strip() or "user"
    source = str(keys.get("source") or f"{out.path}:{line}")
    group = str(keys.get("group") or "")
    return Pair(category, question, answer, source, group, origin=origin)


def _decode_lines(text: str, out: UserPairs) -> list[tuple[int, object]]:
    """Rows of a JSON Lines text; an object spread over several lines is joined, a line that starts no
    object is skipped as ``not_json`` at once (so it never swallows the rows after it)."""
    rows: list[tuple[int, object]] = []
    buffer, start = "", 0
    decoder = json.JSONDecoder()

    def attempt(candidate: str) -> tuple[object, bool] | None:
        cut = candidate.rstrip().rstrip(",")
        try:
            value, end = decoder.raw_decode(cut)
        except json.JSONDecodeError:
            return None
        return (value, cut != candidate.rstrip()) if not cut[end:].strip() else None

    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        if buffer and line.startswith(("{", "[")) and attempt(buffer) is None and attempt(f"{buffer}\n{line}") is None:
            out.skipped.append({"line": start, "reason": "not_json"})
            buffer = ""
        if not buffer:
            if not line.startswith(("{", "[")):
                out.skipped.append({"line": n, "reason": "not_json"})
                continue
            start = n
        buffer = f"{buffer}\n{line}" if buffer else line
        got = attempt(buffer)
        if got is None:
            if len(buffer) > 200_000 or n - start > 200:
                out.skipped.append({"line": start, "reason": "not_json"})
                buffer = ""
            continue
        value, comma = got
        if comma:
            out.fix("trailing_comma")
        if n != start:
            out.fix("row_over_several_lines")
        rows.append((start, value))
        buffer = ""
    if buffer:
        out.skipped.append({"line": start, "reason": "not_json"})
    return rows


def read_pairs_file(path: str | Path, origin: str = "user") -> UserPairs:
    """The pairs of ``path``, with every fix and skip recorded; never raises for what the file holds."""
    p = Path(path).expanduser()
    out = UserPairs(str(p))
    try:
        size = p.stat().st_size
        if size > MAX_USER_BYTES:
            out.error = "too_large"
            return out
        data = p.read_bytes()
    except OSError as exc:
        out.error = "missing" if isinstance(exc, FileNotFoundError) else "unreadable"
        return out
    if b"\x00" in data[:4096]:
        out.error = "binary"
        return out
    if data.startswith(b"\xef\xbb\xbf"):
        out.fix("byte_order_mark")
        data = data[3:]
    text = data.decode("utf-8", errors="replace")
    if "\ufffd" in text:
        out.fix("invalid_utf8_replaced")
    if "\r\n" in text:
        out.fix("windows_line_ends")
        text = text.replace("\r\n", "\n")
    stripped = text.strip()
    rows: list[tuple[int, object]]
    whole: object = None
    if stripped.startswith(("[", "{")):
        try:
            whole = json.loads(stripped)
        except json.JSONDecodeError:
            whole = None
    if isinstance(whole, list):
        out.fix("json_array")
        rows = [(i + 1, v) for i, v in enumerate(whole)]
    elif isinstance(whole, dict) and isinstance(whole.get("data"), list):
        out.fix("json_array")
        rows = [(i + 1, v) for i, v in enumerate(whole["data"])]
    else:
        rows = _decode_lines(text, out)
    seen: set[tuple[str, str]] = set()
    for line, obj in rows:
        got = _row(obj, out, origin, line)
        if isinstance(got, str):
            out.skipped.append({"line": line, "reason": got})
            continue
        key = (norm(got.instruction), norm(got.output))
        if key in seen:
            out.skipped.append({"line": line, "reason": "repeat"})
            continue
        seen.add(key)
        out.pairs.append(got)
    return out
