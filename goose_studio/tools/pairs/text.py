"""Text helpers for building pairs: stable hashing and picks, whitespace normalisation, docstring summaries,
name lists, bracket matching and splitting, truncation, and code blocks fitted to an answer's limits."""

from __future__ import annotations

import builtins
import hashlib
import re
import textwrap
from dataclasses import dataclass

WS_RE = re.compile(r"\s+")
PY_BUILTINS = frozenset(dir(builtins))
_HASH_COMMENT_LANGS = frozenset({"python", "ruby", "bash", "shell", "yaml", "toml", "r", "perl", "elixir", "julia"})


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of the parts, the same in every process (unlike ``hash``)."""
    data = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def pick(options: list[str], *key: object) -> str:
    """One of ``options``, chosen by the stable hash of ``key``."""
    return options[stable_hash(*key) % len(options)]


def norm(text: str) -> str:
    """Whitespace collapsed and lower-cased: the form duplicates are compared in."""
    return WS_RE.sub(" ", text).strip().lower()


def summary(doc: str, limit: int = 300) -> str:
    """The docstring's first paragraph on one line, cut at a sentence end when it is long."""
    if not doc or not doc.strip():
        return ""
    para = re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0]
    para = WS_RE.sub(" ", para).strip()
    if len(para) > limit:
        cut = para[:limit]
        dot = cut.rfind(". ")
        para = cut[: dot + 1] if dot >= limit // 3 else cut.rsplit(" ", 1)[0] + " ..."
    if para and para[-1] not in ".!?:)":
        para += "."
    return para


def first_sentence(doc: str) -> str:
    """The docstring's first sentence, without its final full stop."""
    text = summary(doc, 400)
    match = re.search(r"(?<=[.!?])\s", text)
    if match:
        text = text[: match.start()]
    return text.strip().rstrip(".").strip()


def name_list(items: list[str], limit: int = 8) -> str:
    """`a`, `b` and `c` (and N more)."""
    shown = [f"`{x}`" for x in items[:limit]]
    rest = len(items) - len(shown)
    if rest > 0:
        return ", ".join(shown) + f" and {rest} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def pluralize(n: int, word: str, plural: str | None = None) -> str:
    """``1 file``, ``2 files``."""
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def indent_of(line: str) -> int:
    """Leading spaces of the line, a tab counting as four."""
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def inline(text: str, limit: int = 120) -> str:
    """Text fit for inline code: one line, no backticks, capped."""
    text = WS_RE.sub(" ", text).strip().replace("`", "'")
    return text if len(text) <= limit else text[: limit - 4].rstrip() + " ..."


def bracket_balance(text: str) -> int:
    """Open minus closed brackets, ignoring brackets inside simple string literals."""
    depth, quote, escaped = 0, "", False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth


def split_top(text: str, sep: str = ",", angle: bool = False) -> list[str]:
    """Split on ``sep`` outside brackets and string literals."""
    out: list[str] = []
    cur: list[str] = []
    depth, quote = 0, ""
    opens, closes = ("([{<", ")]}>") if angle else ("([{", ")]}")
    prev = ""
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote and prev != "\\":
                quote = ""
            prev = ch
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in opens and not (ch == "<" and prev == "="):
            depth += 1
        elif ch in closes and not (ch == ">" and prev == "="):
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        prev = ch
    out.append("".join(cur))
    return out


def paren_content(text: str, start: int) -> str | None:
    """The text inside the bracket pair opening at ``text[start]``."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return None


def matching_bracket(text: str, start: int) -> int:
    """Index of the bracket closing the one at ``text[start]`` (the last index when unbalanced)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return len(text) - 1


def _truncate(text: str, limit: int) -> str:
    """The text cut to ``limit`` characters at a line or word end, an open code fence closed."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 8)]
    nl = cut.rfind("\n")
    if nl > limit // 2:
        cut = cut[:nl]
    else:
        cut = cut.rsplit(" ", 1)[0]
    cut = cut.rstrip()
    if cut.count("```") % 2:
        cut += "\n```"
    else:
        cut += " ..."
    return cut


@dataclass
class Code:
    """A code block whose length can still be reduced to fit an answer."""

    lines: list[str]
    lang: str

    def render(self, limit: int) -> str:
        shown = self.lines[:limit]
        rest = len(self.lines) - len(shown)
        body = list(shown)
        if rest > 0:
            comment = "#" if self.lang in _HASH_COMMENT_LANGS else "//"
            pad = " " * indent_of(shown[-1]) if shown else ""
            body.append(f"{pad}{comment} ... ({pluralize(rest, 'more line')})")
        fence = self.lang if re.fullmatch(r"[a-z0-9_+-]+", self.lang or "") else ""
        return f"```{fence}\n" + "\n".join(body) + "\n```"


def compose(parts: list[str | Code], max_chars: int, max_lines: int) -> str:
    """The parts joined into one answer, code blocks shortened until it fits ``max_chars``, then cut."""
    codes = [p for p in parts if isinstance(p, Code)]
    limit = min(max_lines, max((len(c.lines) for c in codes), default=0))
    while True:
        text = "".join(p if isinstance(p, str) else p.render(limit) for p in parts).strip()
        if len(text) <= max_chars or limit <= 3:
            break
        limit = max(3, limit - max(1, limit // 5))
    return _truncate(text, max_chars)


def dedent_lines(lines: list[str]) -> list[str]:
    """The lines with their common indentation and leading and trailing blank lines removed."""
    text = textwrap.dedent("\n".join(line.expandtabs(4).rstrip() for line in lines))
    out = text.split("\n")
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return out
