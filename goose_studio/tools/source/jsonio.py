"""Reading JSON and JSON Lines files as people make them, fixing what can be fixed and saying so.

Fixes made (each reported): a byte-order mark or another encoding (:func:`.formats.decode_text`); a JSON
array in a ``.jsonl`` file or JSON Lines in a ``.json`` file; trailing commas; single-quoted or
Python-style lines (``{'a': True}``, read with :func:`ast.literal_eval`, never executed); a file cut off
in the middle (the complete records before the break are kept). A line that still cannot be read is
left out and counted with its line number; the rest of the file is used.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chats import Shape, json_shape, lines_shape
from .formats import Unreadable, decode_text, read_limited

_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")
MAX_BAD_LINES_LISTED = 10


@dataclass
class Loaded:
    shape: Shape
    fixes: list[str] = field(default_factory=list)


def _repair(line: str) -> Any:
    """A line that json.loads refused, read another way (or ValueError)."""
    text = line.strip().rstrip(",").strip()
    try:
        return json.loads(_TRAILING_COMMA_RE.sub(r"\1", text))
    except ValueError:
        pass
    try:
        value = ast.literal_eval(text)  # literals only: nothing is executed
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ValueError("unreadable") from None
    if not isinstance(value, (dict, list)):
        raise ValueError("not an object")
    return value


def parse_lines(text: str, fixes: list[str]) -> list[Any]:
    """The objects of a JSON Lines text; repaired and unreadable lines are reported in ``fixes``."""
    objects: list[Any] = []
    repaired = 0
    bad: list[int] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            objects.append(json.loads(line))
            continue
        except ValueError:
            pass
        try:
            objects.append(_repair(line))
            repaired += 1
        except ValueError:
            bad.append(number)
    if repaired:
        fixes.append(f"repaired {repaired} line(s) (trailing commas, single quotes)")
    if bad:
        shown = ", ".join(map(str, bad[:MAX_BAD_LINES_LISTED])) + (", ..." if len(bad) > MAX_BAD_LINES_LISTED else "")
        fixes.append(f"left out {len(bad)} unreadable line(s): {shown}")
    return objects


def _recover_array(text: str) -> list[Any] | None:
    """The complete items of a JSON array that is cut off (None when the text is not such an array)."""
    start = text.lstrip()
    if not start.startswith("["):
        return None
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    items: list[Any] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return items if items else None
        try:
            item, pos = decoder.raw_decode(text, pos)
        except ValueError:
            return items if items else None
        items.append(item)


def _where(exc: json.JSONDecodeError) -> str:
    return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"


def load_json_text(text: str, fmt: str, fixes: list[str]) -> Shape:
    """The shape of a JSON or JSON Lines text (see the module doc); :class:`Unreadable` when nothing can be read."""
    stripped = text.strip()
    if not stripped:
        raise Unreadable("empty file")
    if fmt == "jsonl":
        if stripped.startswith("["):
            try:
                data = json.loads(stripped)
                fixes.append("a JSON array in a JSON Lines file: read as one JSON document")
                return json_shape(data)
            except ValueError:
                pass
        objects = parse_lines(text, fixes)
        if not objects:
            raise Unreadable("no line of it is a JSON object")
        return lines_shape(objects)
    try:
        return json_shape(json.loads(stripped))
    except json.JSONDecodeError as exc:
        first_error = exc
    lines = [ln for ln in stripped.split("\n") if ln.strip()]
    if len(lines) >= 2 and lines[0].lstrip().startswith("{"):
        trial: list[str] = []
        objects = parse_lines(stripped, trial)
        if len(objects) >= max(2, len(lines) // 2):
            fixes.append("JSON Lines in a .json file: read line by line")
            fixes.extend(trial)
            return lines_shape(objects)
    try:
        data = json.loads(_TRAILING_COMMA_RE.sub(r"\1", stripped))
        fixes.append("removed trailing commas")
        return json_shape(data)
    except ValueError:
        pass
    items = _recover_array(stripped)
    if items:
        fixes.append(f"the file is cut off ({_where(first_error)}): the {len(items)} complete record(s) "
                     "before the break were kept")
        return json_shape(items)
    raise Unreadable(f"not valid JSON ({_where(first_error)})")


def load_json_file(path: Path, fmt: str, max_bytes: int) -> Loaded:
    data = read_limited(path, max_bytes)
    text, fixes = decode_text(data)
    shape = load_json_text(text, fmt, fixes)
    return Loaded(shape, fixes)
