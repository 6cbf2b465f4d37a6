"""The ``debug`` category: when a function raises an exception (condition and statement), where an error
message comes from, how an ``except`` handler deals with an error, and which arguments a function takes
(the usual cause of a ``TypeError``)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from ..index_models import Symbol
from .raises import Raise, nested_ranges
from .repo import File, Pair, Repo
from .signatures import decorator_name, describe_param, parse_params
from .text import Code, dedent_lines, indent_of, inline, name_list, pick, pluralize

def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    """Per function: when it raises each exception, where each error message comes from, how its
    ``except`` handlers deal with errors, and which arguments it takes."""
    for f, s in repo.code_symbols(("function", "method")):
        q, path = s.qualname, f.path
        by_exc: dict[str, list[Raise]] = defaultdict(list)
        for r in repo.raises(f, s):
            by_exc[r.exc].append(r)
        for exc in sorted(by_exc):
            found = by_exc[exc]
            raise_word = "raise" if f.lang == "python" else "throw"
            options = [
                f"When does `{q}` in `{path}` {raise_word} `{exc}`?",
                f"Why would `{q}` ({path}) {raise_word} a `{exc}`?",
                f"What makes `{q}` from `{path}` fail with `{exc}`?",
            ]
            verb = "raises" if f.lang == "python" else "throws"
            if len(found) == 1:
                r = found[0]
                parts: list[str | Code] = [
                    f"`{q}` ({path}) {verb} `{exc}` at line {r.line} {r.condition}:\n",
                    Code([r.statement], f.lang),
                ]
            else:
                items = "\n".join(f"- line {r.line}, {r.condition}: `{inline(r.statement, 220)}`" for r in found[:5])
                more = f"\n- and {len(found) - 5} more" if len(found) > 5 else ""
                parts = [f"`{q}` ({path}) {verb} `{exc}` in {len(found)} places:\n{items}{more}"]
            yield Pair("debug", pick(options, "debug-raise", path, q, exc), repo.compose(parts),
                        repo.source(f, s), path)
            for r in found:
                if len(r.message) < 8 or " " not in r.message:
                    continue
                msg = inline(r.message, 140).replace('"', "'")
                options = [
                    f'I get the error "{msg}" from {repo.name}. Where does it come from?',
                    f'What causes the {repo.name} error "{msg}"?',
                ]
                done = "raised" if verb == "raises" else "thrown"
                out = (f"That message is {done} as `{exc}` by `{q}` in `{path}` (line {r.line}), "
                       f"{r.condition}. The statement is `{inline(r.statement, 220)}`.")
                yield Pair("debug", pick(options, "debug-msg", path, q, r.line), repo.compose([out]),
                            f"{path}:{r.line}-{r.line}", path)
        yield from _except_handlers(repo, f, s)
        private = s.name.startswith("_")
        params = parse_params(s, f.lang) if s.signature and not private and not repo.is_component(f, s) else None
        if params:
            options = [
                f"I get a TypeError when I call `{q}` from `{path}`. What arguments does it take?",
                f"Which parameters does `{q}` in `{path}` accept, and which are required?",
                f"How do I call `{q}` ({path}) correctly?",
            ]
            sig = repo.signature_code(f, s, with_decorators=False)
            parts = [f"`{q}` is {repo.where(f, s)}, defined as:\n"]
            if sig:
                parts += [sig, "\n"]
            parts.append(f"It takes {pluralize(len(params), 'parameter')}:\n")
            parts.append("\n".join("- " + describe_param(p) for p in params[:10]))
            required = [p.name for p in params if not p.optional]
            if required:
                parts.append(f"\nA call must pass {name_list(required, 8)}.")
            else:
                parts.append("\nEvery parameter is optional.")
            if s.kind == "method" and s.parent and f.lang == "python":
                if "staticmethod" in [decorator_name(d) for d in s.decorators]:
                    parts.append(f" Call it as `{s.parent}.{s.name}(...)`.")
                elif "classmethod" in [decorator_name(d) for d in s.decorators]:
                    parts.append(f" Call it on the class, `{s.parent}.{s.name}(...)`; `cls` is passed for you.")
                else:
                    parts.append(f" Call it on a `{s.parent}` instance; `self` is passed for you.")
            yield Pair("debug", pick(options, "debug-args", path, q), repo.compose(parts), repo.source(f, s), path)


def _except_handlers(repo: Repo, f: File, s: Symbol) -> Iterable[Pair]:
    if f.lang != "python" or f.lines is None or s.end_line > len(f.lines):
        return
    nested = nested_ranges(f.index.symbols, s)
    seen: set[str] = set()
    for no in range(s.start_line + 1, s.end_line + 1):
        if any(a <= no <= b for a, b in nested):
            continue
        line = f.lines[no - 1]
        m = re.match(r"^\s*except\s+(?P<what>[^:]+?)(?:\s+as\s+\w+)?\s*:", line)
        if not m:
            continue
        what = inline(m.group("what").strip("() "), 80)
        if what in seen:
            continue
        seen.add(what)
        base = indent_of(line)
        block = [line]
        k = no
        while k < s.end_line and len(block) < 8:
            nxt = f.lines[k]
            if nxt.strip() and indent_of(nxt) <= base:
                break
            block.append(nxt)
            k += 1
        code = Code(dedent_lines(block), f.lang)
        q, path = s.qualname, f.path
        options = [
            f"How does `{q}` in `{path}` handle `{what}`?",
            f"What happens in `{q}` ({path}) when `{what}` is raised?",
        ]
        head = f"`{q}` ({path}) catches `{what}` at line {no} and handles it like this:\n"
        yield Pair("debug", pick(options, "debug-except", path, q, what), repo.compose([head, code]),
                    f"{path}:{no}-{k}", path)
