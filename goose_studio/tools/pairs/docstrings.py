"""Reading docstrings: the description, and the sections Google, NumPy and Sphinx styles write —
parameters, returns, raises, attributes, examples — plus any other ``Label:`` section of ``key: text``
items (for example ``Exit codes:``)."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

_PARAM_LABELS = ("args", "arguments", "parameters", "params", "keyword args", "keyword arguments", "other parameters")
_RETURN_LABELS = ("returns", "return", "yields", "yield")
_RAISE_LABELS = ("raises", "raise", "exceptions", "throws")
_ATTR_LABELS = ("attributes", "attrs", "fields")
_EXAMPLE_LABELS = ("example", "examples", "usage")
_NOTE_LABELS = ("note", "notes", "warning", "warnings", "see also", "tip", "important", "caution")
_GOOGLE_HEAD = re.compile(r"^([A-Z][A-Za-z ]{1,30}):\s*$")
_NUMPY_RULE = re.compile(r"^\s*-{3,}\s*$")
_SPHINX_FIELD = re.compile(r"^:(param|parameter|arg|argument|key|keyword|type|raises|raise|except|returns|return|"
                           r"rtype|ivar|cvar|var)\s*([^:]*):\s*(.*)$")
_JSDOC = re.compile(r"^@(param|arg|argument|returns?|throws|exception|raises|example|default)\b\s*(?:\{([^}]*)\})?\s*(.*)$")
_ITEM = re.compile(r"^(\*{0,2}[\w.\-`'\"\[\]<>/ ]{1,40}?)\s*(?:\(([^)]{0,60})\))?\s*:\s+(.+)$")
_NUMPY_ITEM = re.compile(r"^([\w.*`]{1,40})\s*(?::\s*(.{0,60}))?$")


@dataclass
class DocParts:
    """The parts of one docstring, each in plain text (whitespace collapsed)."""

    description: list[str] = field(default_factory=list)  # paragraphs before the first section
    params: dict[str, str] = field(default_factory=dict)
    returns: str = ""
    raises: list[tuple[str, str]] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)  # lines, as written
    notes: list[str] = field(default_factory=list)
    sections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # other labelled key: text lists


def _flat(lines: list[str]) -> str:
    """Lines as one line of plain text: reStructuredText roles and double backticks reduced to `code`."""
    text = re.sub(r"\s+", " ", " ".join(x.strip() for x in lines)).strip()
    text = re.sub(r":[\w:.-]+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _items(body: list[str], numpy: bool = False) -> list[tuple[str, str]]:
    """``key: text`` items of a Google section, continuation lines folded in; in a NumPy section the
    ``name : type`` lines, each followed by its indented description."""
    out: list[tuple[str, list[str]]] = []
    base = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
    for raw in body:
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        line = raw.strip()
        if indent <= base:
            m = None if numpy else _ITEM.match(line)
            if m:
                out.append((m.group(1).strip("*` "), [m.group(3)]))
                continue
            m2 = _NUMPY_ITEM.match(line)
            if m2:
                out.append((m2.group(1).strip("*` "), []))
                continue
        if out:
            out[-1][1].append(line)
        else:
            out.append(("", [line]))
    return [(k, _flat(v)) for k, v in out]


def _split_sections(lines: list[str]) -> tuple[list[str], list[tuple[str, list[str], bool]]]:
    """Description lines, then (label, body lines, NumPy style) per Google or NumPy section."""
    head: list[str] = []
    sections: list[tuple[str, list[str], bool]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        m = _GOOGLE_HEAD.match(stripped) if line == line.lstrip() or not sections else None
        numpy = i + 1 < len(lines) and stripped and _NUMPY_RULE.match(lines[i + 1]) and len(stripped) < 32
        if numpy:
            sections.append((stripped.lower(), [], True))
            i += 2
            continue
        if m and (i + 1 >= len(lines) or lines[i + 1].startswith((" ", "\t")) or not lines[i + 1].strip()):
            sections.append((m.group(1).lower(), [], False))
            i += 1
            continue
        if sections:
            sections[-1][1].append(line)
        else:
            head.append(line)
        i += 1
    return head, sections


def parse_docstring(doc: str) -> DocParts:
    """The docstring's description paragraphs and sections."""
    parts = DocParts()
    if not doc or not doc.strip():
        return parts
    lines = textwrap.dedent(doc.expandtabs(4)).strip("\n").split("\n")
    if len(lines) > 1:  # the first line is often not indented like the rest
        lines = [lines[0].strip()] + textwrap.dedent("\n".join(lines[1:])).split("\n")
    plain: list[str] = []
    for line in lines:
        js = _JSDOC.match(line.strip())
        if js:
            tag, text = js.group(1), js.group(3).strip()
            if tag in ("param", "arg", "argument"):
                name, _, rest = text.partition(" ")
                parts.params[name.strip("[]").split("=")[0]] = rest.lstrip("- ").strip()
            elif tag.startswith("return"):
                parts.returns = text
            elif tag in ("throws", "exception", "raises"):
                parts.raises.append((js.group(2) or "Error", text))
            continue
        m = _SPHINX_FIELD.match(line.strip())
        if not m:
            plain.append(line)
            continue
        kind, name, text = m.group(1), m.group(2).strip(), m.group(3).strip()
        if kind in ("param", "parameter", "arg", "argument", "key", "keyword") and name:
            parts.params[name.split()[-1]] = text
        elif kind in ("raises", "raise", "except"):
            parts.raises.append((name or "Exception", text))
        elif kind in ("returns", "return"):
            parts.returns = text
        elif kind in ("ivar", "cvar", "var") and name:
            parts.attributes[name.split()[-1]] = text
    head, sections = _split_sections(plain)
    paragraph: list[str] = []
    literal = False  # inside an indented block after a line ending in "::" (an example, not prose)
    for line in head + [""]:
        if literal:
            if line.strip() and not line.startswith((" ", "\t")):
                literal = False
            else:
                if line.strip():
                    parts.examples.append(line.rstrip())
                continue
        if line.strip() and not line.strip().startswith(">>>"):
            if line.rstrip().endswith("::"):
                paragraph.append(line.rstrip()[:-1])
                literal = True
                parts.description.append(_flat(paragraph))
                paragraph = []
                continue
            paragraph.append(line)
        elif line.strip().startswith(">>>"):
            parts.examples.append(line.strip())
        elif paragraph:
            parts.description.append(_flat(paragraph))
            paragraph = []
    if parts.examples:
        parts.examples = textwrap.dedent("\n".join(parts.examples)).split("\n")
    for label, body, numpy in sections:
        if label in _PARAM_LABELS:
            parts.params.update({k: v for k, v in _items(body, numpy) if k})
        elif label in _RETURN_LABELS:
            items = _items(body, numpy)
            parts.returns = _flat([f"{k}: {v}" if k and v and " " not in k else (v or k) for k, v in items]) \
                if items and any(k for k, _ in items) and len(items) > 1 else _flat(body)
        elif label in _RAISE_LABELS:
            parts.raises += [(k, v) for k, v in _items(body, numpy) if k]
        elif label in _ATTR_LABELS:
            parts.attributes.update({k: v for k, v in _items(body, numpy) if k})
        elif label in _EXAMPLE_LABELS:
            parts.examples += [x for x in textwrap.dedent("\n".join(body)).strip("\n").split("\n")]
        elif label in _NOTE_LABELS:
            text = _flat(body)
            if text:
                parts.notes.append(text)
        else:
            items = [(k, v) for k, v in _items(body) if k and v]
            if items:
                parts.sections[label] = items
    return parts


def default_phrase(text: str) -> str:
    """The "defaults to X" / "default: X" / "by default X" part of a parameter's text, or ""."""
    text = text.replace("``", "`")
    m = re.search(r"(?:[Dd]efaults? (?:to|is)|[Dd]efault:|[Bb]y default,?)\s+((?:`[^`]*`|[^;`])+?)(?:\.\s|\.$|;|$)",
                  text)
    return m.group(1).strip().rstrip(",.") if m else ""
