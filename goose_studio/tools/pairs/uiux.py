"""The ``uiux`` category: React/JSX components, their props, hooks, rendered child components and
implementation."""

from __future__ import annotations

import re
from typing import Iterable

from .repo import Pair, Repo
from .signatures import parse_params, split_default
from .text import Code, inline, name_list, pick, split_top, summary

def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    """Per React/JSX component: its props, hooks and rendered child components, then its code."""
    for f, s in repo.code_symbols(("function", "class")):
        if not repo.is_component(f, s):
            continue
        q, path = s.qualname, f.path
        body = repo.span(f, s.start_line, s.end_line) or []
        hooks: list[str] = []
        for call in s.calls:
            name = call.strip().rsplit(".", 1)[-1]
            if re.match(r"use[A-Z]", name) and name not in hooks:
                hooks.append(name)
        for line in body:
            for name in re.findall(r"\b(use[A-Z]\w*)\s*[(<]", line):
                if name not in hooks:
                    hooks.append(name)
        children: list[str] = []
        for line in body:
            for tag in re.findall(r"(?<![\w$.])<([A-Z][\w.]*)", line):
                if tag != s.name and tag not in children:
                    children.append(tag)
        props: list[str] = []
        params = parse_params(s, f.lang) if s.kind == "function" and s.signature else None
        prop_type = ""
        if params:
            first = params[0]
            if first.name.startswith("{"):
                for item in split_top(first.name.strip("{} "), ","):
                    name = split_default(item.split(":", 1)[0])[0].strip().lstrip(".")
                    if re.fullmatch(r"[A-Za-z_$][\w$]*", name):
                        props.append(name)
            prop_type = first.annotation
        doc = summary(s.docstring)
        if not (props or hooks or children or doc):
            continue
        parts: list[str | Code] = [f"`{q}` is a UI component in `{path}` (lines {s.start_line}-{s.end_line})."]
        if doc:
            parts.append(" " + doc)
        if props:
            parts.append(f" It takes the props {name_list(props, 10)}"
                         + (f" (typed `{inline(prop_type, 60)}`)" if prop_type else "") + ".")
        elif prop_type:
            parts.append(f" Its props are typed `{inline(prop_type, 60)}`.")
        if hooks:
            parts.append(f" It uses the hooks {name_list(hooks, 8)}.")
        if children:
            parts.append(f" It renders {name_list(children, 10)}.")
        options = [
            f"What does the `{q}` component in `{path}` render?",
            f"Explain the React component `{q}` ({path}).",
            f"Which props and hooks does the `{q}` component in {repo.name} use?",
        ]
        yield Pair("uiux", pick(options, "ui-explain", path, q), repo.compose(parts), repo.source(f, s), path)
        code = repo.code(f, s)
        if code:
            options = [
                f"Show the implementation of the `{q}` component ({path}).",
                f"How is the `{q}` component in {repo.name} built?",
            ]
            head = f"`{q}` is defined in `{path}` (lines {s.start_line}-{s.end_line}):\n"
            yield Pair("uiux", pick(options, "ui-code", path, q), repo.compose([head, code]),
                        repo.source(f, s), path)
