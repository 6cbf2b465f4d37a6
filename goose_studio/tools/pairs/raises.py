"""The ``raise``/``throw`` statements of a function: the exception, line, statement, the condition that
leads there (an English clause from the enclosing ``if``/``else``/``except``/loop) and the message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..index_models import Symbol
from .text import WS_RE, bracket_balance, indent_of, inline, paren_content

_STRING_RE = re.compile(
    r"""(?P<prefix>[rRbBuUfF]{0,2})"""
    r"""(?P<lit>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)"""
)


@dataclass
class Raise:
    """One ``raise``/``throw`` statement of a function."""

    exc: str
    line: int
    statement: str
    condition: str  # an English clause: "when `x` holds", ...
    message: str


def nested_ranges(symbols: list[Symbol], s: Symbol) -> list[tuple[int, int]]:
    """The line spans of the functions and classes defined inside ``s``."""
    return [
        (o.start_line, o.end_line)
        for o in symbols
        if o is not s and o.kind in ("function", "method", "class")
        and s.start_line < o.start_line and o.end_line <= s.end_line
    ]


def scan_raises(lang: str, lines: list[str] | None, symbols: list[Symbol], s: Symbol) -> list[Raise]:
    """The ``raise``/``throw`` statements of a function or method, nested definitions left out.

    ``lines`` are the file's lines (None when they cannot be used) and ``symbols`` all symbols of the file.
    """
    if s.kind not in ("function", "method") or lines is None:
        return []
    if s.end_line > len(lines) or s.start_line < 1:
        return []
    nested = nested_ranges(symbols, s)
    out: list[Raise] = []
    in_doc = ""
    for no in range(s.start_line + 1, s.end_line + 1):
        line = lines[no - 1]
        stripped = line.strip()
        if lang == "python":
            if in_doc:
                if stripped.count(in_doc) % 2 == 1:
                    in_doc = ""
                continue
            for quote in ('"""', "'''"):
                if stripped.count(quote) % 2 == 1:
                    in_doc = quote
                    break
            if in_doc or stripped.startswith(('"""', "'''", "#")):
                continue
        elif stripped.startswith(("//", "*", "/*")):
            continue
        if any(a <= no <= b for a, b in nested):
            continue
        found = _match_raise(lang, line)
        if not found:
            continue
        exc, inline_cond, col = found
        statement = _statement(lines, no, col, s.end_line)
        if inline_cond is not None:
            condition = f"when `{inline(inline_cond, 140)}` holds"
        else:
            condition = _condition(lang, lines, no, s.start_line)
        out.append(Raise(exc, no, statement, condition, _message(statement, exc)))
    return out


def _match_raise(lang: str, line: str) -> tuple[str, str | None, int] | None:
    if lang == "python":
        m = re.match(r"^\s*(?:(?:el)?if\s+(?P<cond>.+?):\s*)?raise\s+(?P<exc>[A-Za-z_][\w.]*)", line)
        if not m:
            return None
        return m.group("exc"), m.group("cond"), m.start("exc") - len("raise ")
    m = re.search(r"\bthrow\s+(?:new\s+)?(?P<exc>[A-Z][\w.$]*)\s*\(", line)
    if not m:
        return None
    cond = None
    head = line[: m.start()].strip()
    im = re.match(r"^(?:\}\s*)?(?:else\s+)?if\s*\(", head)
    if im:
        cond = paren_content(head, im.end() - 1)
    return m.group("exc"), cond, m.start()


def _statement(lines: list[str], no: int, col: int, end: int) -> str:
    text = lines[no - 1][col:].strip()
    depth = bracket_balance(text)
    i = no
    while depth > 0 and i < min(end, no + 5):
        nxt = lines[i].strip()
        glue = "" if text.endswith(("(", "[", "{")) or nxt.startswith((")", "]", "}")) else " "
        text += glue + nxt
        depth += bracket_balance(nxt)
        i += 1
    text = WS_RE.sub(" ", text)
    return text if len(text) <= 220 else text[:216].rstrip() + " ..."


def _message(statement: str, exc: str) -> str:
    tail = statement.split(exc, 1)[-1]
    m = _STRING_RE.search(tail)
    if not m:
        return ""
    lit = m.group("lit")
    msg = lit[1:-1]
    if "f" in m.group("prefix").lower():
        msg = re.sub(r"\{[^{}]*\}", "...", msg)
    if lit.startswith("`"):
        msg = re.sub(r"\$\{[^}]*\}", "...", msg)
    msg = WS_RE.sub(" ", msg).strip()
    return msg


def _condition(lang: str, lines: list[str], no: int, start: int) -> str:
    target = indent_of(lines[no - 1])
    j = no - 1
    while j >= start:
        line = lines[j - 1]
        s = line.strip()
        if not s or s.startswith(("#", "//")) or indent_of(line) >= target:
            j -= 1
            continue
        target = indent_of(line)
        if lang == "python":
            s = re.sub(r"\s+#[^\"']*$", "", s)
        head = re.sub(r"^\}\s*", "", s)
        if re.match(r"(el)?if\b|else\s+if\b", head):
            return f"when `{_cond_text(lang, lines, j, head)}` holds"
        if re.match(r"else\b", head):
            k = j - 1
            while k >= start:
                other = lines[k - 1]
                o = re.sub(r"^\}\s*", "", other.strip())
                if indent_of(other) == target and re.match(r"(el)?if\b|else\s+if\b", o):
                    return f"when `{_cond_text(lang, lines, k, o)}` does not hold (the `else` branch)"
                if indent_of(other) < target and other.strip():
                    break
                k -= 1
            return "in an `else` branch"
        if re.match(r"except\b|catch\b", head):
            return f"while handling an error caught by `{inline(head.rstrip(':{ '), 100)}`"
        if re.match(r"(for|while|async for)\b", head):
            return f"inside the loop `{inline(head.rstrip(':{ '), 100)}`"
        if re.match(r"(async\s+)?def\b|function\b|class\b", head) or j == start:
            break
        j -= 1
    return "unconditionally, whenever that line is reached"


def _cond_text(lang: str, lines: list[str], j: int, head: str) -> str:
    if lang == "python":
        text = re.sub(r"\s+#[^\"']*$", "", head)
        k = j
        while not text.rstrip().endswith(":") and k < j + 3 and k < len(lines):
            text += " " + lines[k].strip()
            k += 1
        text = re.sub(r"^(el)?if\s+", "", text).rstrip().rstrip(":")
        return inline(text, 140)
    m = re.search(r"\bif\s*\(", head)
    if m:
        inner = paren_content(head, m.end() - 1)
        if inner is None:
            joined = " ".join([head] + [lines[k].strip() for k in range(j, min(j + 3, len(lines)))])
            inner = paren_content(joined, joined.find("(", m.start())) or head
        return inline(inner, 140)
    return inline(head, 140)
