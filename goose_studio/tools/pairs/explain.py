"""The ``explain`` category: what a function, method or class does, where it lives, its signature,
docstring, calls, bases, decorators and methods."""

from __future__ import annotations

from typing import Iterable

from .repo import Pair, Repo
from .signatures import base_names, decorator_name
from .text import Code, name_list, pick, summary

def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    """One pair per documented (or calling, or inheriting) symbol that is not a UI component."""
    for f, s in repo.code_symbols():
        if repo.is_component(f, s):
            continue
        doc = summary(s.docstring)
        calls = repo.describe_calls(f, s)
        methods = [m.name for m in repo.methods[(f.path, s.qualname)]] if s.kind == "class" else []
        bases = base_names(s, f.lang) if s.kind == "class" else []
        if not (doc or calls or methods or bases):
            continue
        q, path = s.qualname, f.path
        if s.kind == "class":
            options = [
                f"Explain the class `{q}` in `{path}`.",
                f"What is the class `{q}` ({path}) for in the {repo.name} project?",
                f"What does the `{q}` class defined in `{path}` represent?",
                f"Describe the class `{q}` from `{path}`.",
            ]
        else:
            options = [
                f"What does `{q}` in `{path}` do?",
                f"In the {repo.name} project, what is the purpose of the {repo.kind_word(s)} `{q}` in `{path}`?",
                f"Explain `{q}` from `{path}`.",
                f"Briefly describe what `{q}` ({path}) is for.",
            ]
        parts: list[str | Code] = [f"`{q}` is {repo.where(f, s)}."]
        if doc:
            parts.append(" " + doc)
        if s.kind == "class":
            if bases:
                parts.append(f" It inherits from {name_list(bases, 4)}.")
            decos = [decorator_name(d) for d in s.decorators if decorator_name(d)]
            if decos:
                parts.append(f" It is decorated with {name_list(['@' + d for d in decos], 3)}.")
            if methods:
                parts.append(f" Its {'method is' if len(methods) == 1 else 'methods are'} {name_list(methods, 10)}.")
        else:
            sig = repo.signature_code(f, s)
            if sig:
                parts += ["\n\nSignature:\n", sig, "\n"]
            if calls:
                parts.append(f"\nIt calls {calls}.")
        yield Pair("explain", pick(options, "explain", path, q), repo.compose(parts), repo.source(f, s), path)
