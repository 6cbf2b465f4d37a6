"""Reading symbol signatures: parameters (name, annotation, default, kind), base classes and decorators."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..index_models import Symbol
from .text import WS_RE, inline, matching_bracket, paren_content, split_top

_TRIVIAL_BASES = frozenset({"object", "Generic", "typing.Generic"})


@dataclass
class Param:
    """One parameter of a function signature."""

    name: str
    annotation: str
    default: str | None
    kind: str  # "positional", "keyword-only", "var-positional", "var-keyword"
    optional: bool


def _param_text(signature: str, name: str) -> str | None:
    """The text between the brackets of the parameter list following ``name``."""
    pos = signature.find(name + "(")
    if pos < 0:
        pos = signature.find(name)
    start = signature.find("(", max(pos, 0))
    if start < 0:
        return None
    return paren_content(signature, start)


def split_default(item: str) -> tuple[str, str | None]:
    """``name: T = value`` as (``name: T``, ``value``); the default is None when there is none."""
    depth = 0
    for i, ch in enumerate(item):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth == 0:
            before = item[i - 1] if i else ""
            after = item[i + 1] if i + 1 < len(item) else ""
            if before not in "=!<>" and after not in "=>":
                return item[:i].strip(), item[i + 1 :].strip()
    return item.strip(), None


def parse_params(sym: Symbol, lang: str) -> list[Param] | None:
    """The parameters of a function or method (without ``self``/``cls``); None when the signature has no list."""
    text = _param_text(sym.signature, sym.name)
    if text is None:
        return None
    out: list[Param] = []
    keyword_only = False
    for raw in split_top(text, ",", angle=lang != "python"):
        item = WS_RE.sub(" ", raw).strip()
        if not item or item == "/":
            continue
        if item == "*":
            keyword_only = True
            continue
        head, default = split_default(item)
        if lang == "python":
            name, _, ann = head.partition(":")
        elif head.startswith(("{", "[")):
            end = matching_bracket(head, 0)
            name, ann = head[: end + 1], head[end + 1 :].lstrip(" :?")
        else:
            name, _, ann = head.partition(":")
        name, ann = name.strip(), ann.strip()
        kind = "keyword-only" if keyword_only else "positional"
        if name.startswith("**"):
            kind = "var-keyword"
        elif name.startswith("*") or name.startswith("..."):
            kind, keyword_only = "var-positional", True
        optional = default is not None or name.endswith("?") or kind.startswith("var")
        name = name.rstrip("?")
        if lang != "python":
            name = re.sub(r"^(public|private|protected|readonly)\s+", "", name)
        out.append(Param(name, ann, default, kind, optional))
    if lang == "python" and sym.kind == "method" and out and out[0].name in ("self", "cls"):
        out = out[1:]
    return out


def describe_param(p: Param) -> str:
    """One line on a parameter: name, annotation, keyword-only, and whether a call must pass it."""
    bits = [f"`{inline(p.name, 60)}`"]
    extra = []
    if p.annotation:
        extra.append(f"`{inline(p.annotation, 60)}`")
    if p.kind == "keyword-only":
        extra.append("keyword-only")
    if extra:
        bits.append("(" + ", ".join(extra) + ")")
    if p.kind == "var-positional":
        bits.append("collects any extra positional arguments")
    elif p.kind == "var-keyword":
        bits.append("collects any extra keyword arguments")
    elif p.default is not None:
        bits.append(f"optional, default `{inline(p.default, 60)}`")
    elif p.optional:
        bits.append("optional")
    else:
        bits.append("required")
    return " ".join(bits)


def base_names(sym: Symbol, lang: str) -> list[str]:
    """The base classes a class declares (Python bases bar trivial ones, or the JS/TS ``extends`` class)."""
    sig = WS_RE.sub(" ", sym.signature)
    if lang == "python":
        match = re.search(r"class\s+\w+\s*(?:\[[^\]]*\])?\s*\(", sig)
        if not match:
            return []
        inner = paren_content(sig, match.end() - 1) or ""
        out = []
        for item in split_top(inner):
            item = item.strip()
            if not item or "=" in item or item.startswith("*"):
                continue
            base = item.split("[", 1)[0].strip()
            if base and base not in _TRIVIAL_BASES:
                out.append(base)
        return out
    match = re.search(r"\bextends\s+([A-Za-z_$][\w.$]*)", sig)
    return [match.group(1)] if match else []


def decorator_name(deco: str) -> str:
    """The dotted name of a decorator, without ``@`` and arguments."""
    match = re.match(r"\s*@?\s*([A-Za-z_][\w.]*)", deco)
    return match.group(1) if match else ""


def decorator_line(deco: str) -> str:
    """The decorator as written in source, with its ``@``."""
    deco = deco.strip()
    return deco if deco.startswith("@") else "@" + deco
