"""Source text cleaning for the index: one-line headers, comment markers, callee names, license and directive
comments."""

from __future__ import annotations

import inspect
import re

WS_RE = re.compile(r"\s+")
_TRAILING_COMMA_RE = re.compile(r",\s*\n\s*([)\]}])")
_OPEN_NL_RE = re.compile(r"([(\[{])[ \t]*\r?\n\s*")
_NL_CLOSE_RE = re.compile(r"\s*\n\s*([)\]}])")
_DOTTED_RE = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$#][\w$]*)*!?$")
_TRAILING_NAME_RE = re.compile(r"([A-Za-z_$][\w$]*)!?\s*$")
_GENERIC_ARGS_RE = re.compile(r"<[^<>]*>")
# A comment block that is a license header is never taken as the file's description.
LICENSE_RE = re.compile(
    r"\b(copyright|spdx-license-identifier|licensed under|permission is hereby granted|all rights reserved)\b",
    re.I,
)
# Comments that only talk to tools (linters, editors, build constraints) are not documentation.
DIRECTIVE_RE = re.compile(
    r"^\s*(eslint|jshint|jslint|global\s|@ts-|prettier-ignore|istanbul|frozen_string_literal|-\*-|vim?:|"
    r"encoding[:=]|coding[:=]|typed:|rubocop|clang-format|NOLINT|@flow|@jsx|webpack|#region|#endregion|"
    r"!\[|go:build|\+build)",
    re.I,
)


def one_line(text: str) -> str:
    """A declaration header on one line, single-spaced (multi-line parameter lists folded)."""
    if "\n" in text:
        text = _TRAILING_COMMA_RE.sub(r"\1", text)
        text = _OPEN_NL_RE.sub(r"\1", text)
        text = _NL_CLOSE_RE.sub(r"\1", text)
    return " ".join(text.split())


def clean_comment(parts: list[str]) -> str:
    """Doc text from comment tokens: markers (``/** */``, leading ``*``, ``///``, ``//``, ``#``) removed."""
    lines: list[str] = []
    for part in parts:
        if part.startswith("/*"):
            body = part[2:-2] if part.endswith("*/") else part[2:]
            body = body.lstrip("*!")
            for ln in body.splitlines():
                ln = ln.lstrip()
                if ln.startswith("*"):
                    ln = ln[1:]
                    if ln.startswith(" "):
                        ln = ln[1:]
                lines.append(ln)
        else:
            for prefix in ("///", "//!", "//", "#"):
                if part.startswith(prefix):
                    part = part[len(prefix):]
                    break
            lines.append(part[1:] if part.startswith(" ") else part)
    return inspect.cleandoc("\n".join(lines)).strip()


def callee_name(text: str) -> str:
    """The called name in a callee expression: a dotted name (generic arguments dropped, at most 120
    characters), else its last identifier, else ""."""
    text = text.strip()
    if "<" in text:
        for _ in range(3):
            text = _GENERIC_ARGS_RE.sub("", text)
    if _DOTTED_RE.match(text):
        return text[:120]
    compact = WS_RE.sub("", text)
    if _DOTTED_RE.match(compact):
        return compact[:120]
    m = _TRAILING_NAME_RE.search(text)
    return m.group(1) if m else ""
