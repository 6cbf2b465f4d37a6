"""Records (rows of a table, objects of a JSON file, rows of a dataset) into question/answer pairs.

A record set is read in one of three ways, decided once from its column names and a sample of values
(:func:`infer`):

- **pairs**: columns for the instruction and the output (and optionally an input/context, a system prompt,
  a category), found by name (``instruction``/``output``, ``prompt``/``completion``, ``question``/``answer``,
  ``query``/``response``, ``input``/``output``, ...), given by the user as a mapping
  (``instruction=COL,output=COL``), or inferred from the values: of two text columns, the shorter one on
  average asks and the longer one answers. When that reading is not clear (two columns of like length,
  or three and more text columns none of which is named), the decision is ``unclear`` with the best guess
  and an alternative, for the user to choose.
- **chat**: a column of messages (``messages`` with role/content, ``conversations`` with from/value, a
  ``conversation``): one pair per answer of the assistant, with the earlier turns as ``history``.
- **document**: a single text column (``text``, ``content``, ``body``, ...): the rows are text to learn from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Literal

from ...errors import FailureKind, ToolFailure

ROLES = ("instruction", "input", "output", "system", "category")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "instruction": ("instruction", "instructions", "prompt", "question", "query", "problem", "q", "request",
                    "task", "human", "user", "user_input", "ask", "prompt_text", "question_text", "source_text"),
    "input": ("input", "context", "passage", "inputs", "additional_input", "extra_input"),
    "output": ("output", "completion", "response", "answer", "chosen", "solution", "a", "assistant", "gpt",
               "reply", "target", "answer_text", "response_text", "outputs", "story", "target_text", "result"),
    "system": ("system", "system_prompt", "system_message"),
    "category": ("category", "categories", "task_type", "topic", "subject", "domain", "skill"),
}
CHAT_COLUMNS = ("messages", "conversations", "conversation", "dialogue", "dialog", "chat", "turns")
TEXT_COLUMNS = ("text", "content", "body", "document", "article", "passage", "markdown")
USER_ROLES = {"user", "human", "prompter", "customer", "question", "asker"}
ASSISTANT_ROLES = {"assistant", "gpt", "bot", "model", "chatbot", "ai", "agent", "answer", "gemini", "claude"}
MAX_HISTORY = 4
SAMPLE_ROWS = 200

Reading = Literal["pairs", "chat", "document", "none", "unclear"]


@dataclass
class Pair:
    instruction: str
    output: str
    input: str = ""
    system: str = ""
    history: list[list[str]] = field(default_factory=list)
    category: str = ""
    origin: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"instruction": self.instruction, "input": self.input, "output": self.output}
        if self.system:
            data["system"] = self.system
        if self.history:
            data["history"] = self.history
        if self.category:
            data["category"] = self.category
        if self.origin:
            data["origin"] = self.origin
        return data

    def key(self) -> tuple[str, str, str]:
        return (self.instruction, self.input, self.output)


@dataclass
class Decision:
    """How a record set is read; for ``unclear``, the best guess and an alternative (as mapping strings)."""

    reading: Reading
    mapping: dict[str, str] = field(default_factory=dict)
    how: str = ""  # names | given | content | guess
    guess: str | None = None
    alternative: str | None = None
    reason: str = ""


def norm(name: Any) -> str:
    return re.sub(r"[\s\-.]+", "_", str(name).strip().lower())


def as_text(value: Any) -> str:
    """A cell as text: strings stripped, numbers written, lists of strings joined, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return "" if value != value else str(value)  # NaN: empty
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return "\n".join(v.strip() for v in value if v.strip())
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


# ------------------------------------------------------------------------------------------------ mappings


def mapping_text(mapping: dict[str, str]) -> str:
    return ",".join(f"{role}={mapping[role]}" for role in ROLES if role in mapping)


def parse_mappings(text: str | None) -> list[dict[str, str]]:
    """``instruction=q,output=a;instruction=x,output=y`` as mappings; ``invalid_input`` when malformed."""
    out: list[dict[str, str]] = []
    for chunk in filter(None, (c.strip() for c in (text or "").split(";"))):
        mapping: dict[str, str] = {}
        for item in filter(None, (i.strip() for i in chunk.split(","))):
            role, sep, col = item.partition("=")
            role = norm(role)
            if not sep or role not in ROLES or not col.strip():
                raise ToolFailure(FailureKind.invalid_input, f"The column mapping '{chunk}' cannot be read.",
                                  hint="Write it as instruction=COLUMN,output=COLUMN (optionally input=, system=, "
                                       "category=); separate mappings for different files with ';'.",
                                  details={"columns": text})
            mapping[role] = col.strip()
        if "instruction" not in mapping or "output" not in mapping:
            raise ToolFailure(FailureKind.invalid_input, f"The column mapping '{chunk}' needs instruction= and output=.",
                              hint="Write it as instruction=COLUMN,output=COLUMN.", details={"columns": text})
        out.append(mapping)
    return out


def _by_names(columns: list[str]) -> dict[str, str]:
    normed = {norm(c): c for c in columns}
    found: dict[str, str] = {}
    for role in ("instruction", "output", "system", "category"):
        for name in SYNONYMS[role]:
            if name in normed and normed[name] not in found.values():
                found[role] = normed[name]
                break
    for name in SYNONYMS["input"]:
        col = normed.get(name)
        if col is not None and col not in found.values():
            if "instruction" in found:
                found["input"] = col
            else:  # {input, output}: the input is what is asked
                found["instruction"] = col
            break
    return found


def _text_stats(columns: list[str], sample: list[dict[str, Any]]) -> dict[str, float]:
    """Average length of each column that holds text (mostly non-empty, not mostly numbers)."""
    stats: dict[str, float] = {}
    for col in columns:
        values = [r.get(col) for r in sample]
        texts = [v for v in values if isinstance(v, str) and v.strip()]
        if not values or len(texts) < 0.7 * len(values):
            continue
        numeric = sum(1 for t in texts if re.fullmatch(r"[\s\d.,:+\-/%$€eE]+", t))
        if numeric > len(texts) / 2:
            continue
        avg = sum(len(t) for t in texts) / len(texts)
        if avg >= 2:
            stats[col] = avg
    return stats


def infer(columns: list[str], sample: list[dict[str, Any]], given: list[dict[str, str]] | None = None) -> Decision:
    """How to read records with these columns (``sample``: some of them), see the module doc."""
    for mapping in given or []:
        if all(col in columns for col in mapping.values()):
            return Decision("pairs", dict(mapping), "given")
    normed = {norm(c): c for c in columns}
    named = _by_names(columns)
    if "instruction" in named and "output" in named:
        return Decision("pairs", named, "names")
    for name in CHAT_COLUMNS:
        col = normed.get(name)
        if col is not None and any(isinstance(r.get(col), list) for r in sample[:20]):
            return Decision("chat", {"messages": col}, "names")
    stats = _text_stats(columns, sample[:SAMPLE_ROWS])
    for name in TEXT_COLUMNS:
        col = normed.get(name)
        if col is not None and col in stats and len(stats) <= 2:
            return Decision("document", {"text": col}, "names")
    extra = {k: v for k, v in named.items() if k in ("system", "category")}
    texts = [c for c in columns if c in stats and c not in extra.values()]
    if not texts:
        return Decision("none", reason=f"no text columns (columns: {', '.join(map(str, columns[:12]))})")
    if len(texts) == 1:
        return Decision("document", {"text": texts[0]}, "content")
    by_len = sorted(texts, key=lambda c: stats[c])
    guess = {"instruction": by_len[0], "output": by_len[-1], **extra}
    if len(texts) == 2 and stats[by_len[-1]] >= 1.5 * stats[by_len[0]]:
        return Decision("pairs", guess, "content")
    first_two = {"instruction": texts[0], "output": texts[1], **extra}
    alternative = first_two if first_two != guess else {"instruction": by_len[-1], "output": by_len[0], **extra}
    return Decision("unclear", guess, "guess", guess=mapping_text(guess), alternative=mapping_text(alternative),
                    reason=f"{len(texts)} text columns ({', '.join(map(str, texts[:8]))}) and none named as "
                           f"the question or the answer")


# ------------------------------------------------------------------------------------------------ pairs


def pairs_from_records(records: Iterable[dict[str, Any]], decision: Decision, origin: str,
                       dropped: dict[str, int]) -> Iterator[Pair]:
    """The pairs of records read as ``decision`` says (pairs or chat); ``dropped`` counts what was left out.

    A record that lacks the columns named by the file's reading (a file that mixes shapes) is read by its
    own field names when they name a question and an answer, or messages."""
    own: dict[tuple[str, ...], Decision] = {}
    for rec in records:
        if not isinstance(rec, dict):
            dropped["not an object"] = dropped.get("not an object", 0) + 1
            continue
        d = decision
        if decision.how == "names" and not all(col in rec for col in decision.mapping.values()):
            keys = tuple(map(str, rec))  # a record of another shape in the same file: read by its own names
            if keys not in own:
                own[keys] = infer(list(keys), [rec])
            if own[keys].reading in ("pairs", "chat"):
                d = own[keys]
        m = d.mapping
        if d.reading == "chat":
            messages = rec.get(m["messages"])
            got = list(pairs_from_messages(messages if isinstance(messages, list) else [], origin,
                                           system=as_text(rec.get("system"))))
            if not got:
                dropped["a conversation without an answered question"] = \
                    dropped.get("a conversation without an answered question", 0) + 1
            yield from got
            continue
        instruction, output = as_text(rec.get(m["instruction"])), as_text(rec.get(m["output"]))
        if not instruction or not output:
            dropped["without a question or an answer"] = dropped.get("without a question or an answer", 0) + 1
            continue
        yield Pair(instruction=instruction, output=output,
                   input=as_text(rec.get(m["input"])) if "input" in m else "",
                   system=as_text(rec.get(m["system"])) if "system" in m else "",
                   category=as_text(rec.get(m["category"]))[:80] if "category" in m else "", origin=origin)


def _role(message: dict[str, Any]) -> str:
    raw = message.get("role", message.get("from", message.get("author", message.get("speaker", ""))))
    if isinstance(raw, dict):
        raw = raw.get("role", "")
    role = norm(raw)
    if role in USER_ROLES:
        return "user"
    if role in ASSISTANT_ROLES:
        return "assistant"
    return "system" if role in ("system", "developer") else "other"


def message_text(content: Any) -> str:
    """The text of a message's content: a string, a list of parts ({type: text, text}), or {parts: [...]}."""
    if isinstance(content, str):
        return content.strip()
    if isinstance(content, dict):
        if isinstance(content.get("parts"), list):
            return message_text(content["parts"])
        if content.get("type", "text") == "text" and isinstance(content.get("text"), str):
            return content["text"].strip()
        return ""
    if isinstance(content, list):
        return "\n".join(t for t in (message_text(p) for p in content) if t).strip()
    return ""


def pairs_from_messages(messages: list[Any], origin: str, system: str = "") -> Iterator[Pair]:
    """One pair per assistant answer: the user turns before it ask, earlier exchanges become history."""
    history: list[list[str]] = []
    asked: list[str] = []
    answer: list[str] = []

    def flush() -> Iterator[Pair]:
        if asked and answer:
            pair = Pair(instruction="\n\n".join(asked), output="\n\n".join(answer), system=system,
                        history=[list(h) for h in history[-MAX_HISTORY:]], origin=origin)
            history.append([pair.instruction, pair.output])
            yield pair
        asked.clear()
        answer.clear()

    for message in messages:
        if not isinstance(message, dict):
            continue
        role = _role(message)
        text = message_text(message.get("content", message.get("value", message.get("text"))))
        if not text:
            continue
        if role == "system":
            system = system or text
        elif role == "user":
            if answer:
                yield from flush()
            asked.append(text)
        elif role == "assistant" and asked:
            answer.append(text)
    yield from flush()
