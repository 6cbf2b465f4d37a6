"""The ``generate`` category: the implementation of a symbol, the signature matching a docstring, and how
to add a new subclass or decorated function following the project's existing pattern."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from ..index_models import Symbol
from .repo import File, Pair, Repo, group_of, listing
from .signatures import base_names, decorator_name
from .text import Code, dedent_lines, first_sentence, name_list, pick

_TRIVIAL_DECORATORS = frozenset(
    {
        "property", "staticmethod", "classmethod", "abstractmethod", "abc.abstractmethod", "wraps",
        "functools.wraps", "overload", "typing.overload", "override", "typing.override", "cached_property",
        "functools.cached_property", "cache", "functools.cache", "lru_cache", "functools.lru_cache",
        "dataclass", "dataclasses.dataclass", "contextmanager", "contextlib.contextmanager",
        "total_ordering", "functools.total_ordering", "final", "typing.final",
    }
)


def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    """Implementations and signatures of symbols (UI components left to ``uiux`` when it is requested
    too), then the project's subclass and decorator patterns."""
    skip_components = "uiux" in categories
    for f, s in repo.code_symbols():
        if skip_components and repo.is_component(f, s):
            continue
        q, path = s.qualname, f.path
        code = repo.code(f, s)
        if code and (s.kind != "class" or len(code.lines) <= 40) and len(code.lines) >= 2:
            options = [
                f"Show how `{q}` is implemented in `{path}`.",
                f"Write the code of `{q}` from the {repo.name} project.",
                f"How is the {repo.kind_word(s)} `{q}` in `{path}` implemented?",
                f"What is the source code of `{q}` ({path})?",
            ]
            head = f"`{q}` is {repo.where(f, s)}. Its implementation:\n"
            yield Pair("generate", pick(options, "generate-impl", path, q), repo.compose([head, code]),
                        repo.source(f, s), path)
        sentence = first_sentence(s.docstring)
        if s.kind in ("function", "method") and len(sentence.split()) >= 4:
            sig = repo.signature_code(f, s)
            if sig:
                options = [
                    f'Write the signature of the {repo.name} {repo.kind_word(s)} described as: "{sentence}".',
                    f'Which {repo.kind_word(s)} in {repo.name} does this: "{sentence}"? Show its signature.',
                ]
                head = f"That is `{q}`, {repo.where(f, s)}:\n"
                yield Pair("generate", pick(options, "generate-sig", path, q), repo.compose([head, sig]),
                            repo.source(f, s), path)
    yield from _subclass_patterns(repo)
    yield from _decorator_patterns(repo)

def _subclass_patterns(repo: Repo) -> Iterable[Pair]:
    by_base: dict[str, list[tuple[File, Symbol]]] = defaultdict(list)
    for f, s in repo.code_symbols(("class",)):
        for base in base_names(s, f.lang):
            by_base[base].append((f, s))
    for base in sorted(by_base):
        subs = by_base[base]
        if len(subs) < 2:
            continue
        example_f, example = min(subs, key=lambda r: (r[1].end_line - r[1].start_line, r[0].path, r[1].qualname))
        common = [m.name for m in repo.methods[(example_f.path, example.qualname)]]
        for f, s in subs:
            names = {m.name for m in repo.methods[(f.path, s.qualname)]}
            common = [n for n in common if n in names]
        sig = repo.signature_code(example_f, example)
        if sig is None:
            continue
        lines = list(sig.lines)
        bare = len(lines)
        for m in repo.methods[(example_f.path, example.qualname)]:
            if m.name not in common:
                continue
            msig = m.signature.strip().splitlines()
            if not msig:
                continue
            body = dedent_lines(msig[:4])
            lines += ["    " + x for x in body] + ["        ..."]
        if len(lines) == bare:
            lines.append("    ..." if example_f.lang == "python" else "  // ...")
        parts: list[str | Code] = [f"The existing subclasses of `{base}` in {repo.name} are {listing(subs, 6)}."]
        if common:
            parts.append(f" They all define {name_list(common, 8)}.")
        parts.append(f" A new one follows the same shape; the smallest, `{example.qualname}`, is declared as:\n")
        parts.append(Code(lines, example_f.lang))
        group, source = group_of(subs)
        options = [
            f"How do I add a new subclass of `{base}` in {repo.name}, following the existing pattern?",
            f"In the {repo.name} project, what should a new `{base}` subclass look like?",
        ]
        yield Pair("generate", pick(options, "generate-sub", base), repo.compose(parts), source, group)


def _decorator_patterns(repo: Repo) -> Iterable[Pair]:
    by_deco: dict[str, list[tuple[File, Symbol]]] = defaultdict(list)
    for f, s in repo.code_symbols():
        seen = set()
        for d in s.decorators:
            name = decorator_name(d)
            if not name or name in _TRIVIAL_DECORATORS or name.split(".")[-1] in ("setter", "getter", "deleter"):
                continue
            if name not in seen:
                seen.add(name)
                by_deco[name].append((f, s))
    for deco in sorted(by_deco):
        refs = by_deco[deco]
        if len(refs) < 2:
            continue
        example_f, example = min(refs, key=lambda r: (r[1].end_line - r[1].start_line, r[0].path, r[1].qualname))
        sig = repo.signature_code(example_f, example)
        if sig is None:
            continue
        kinds = {s.kind for _, s in refs}
        noun, nouns = ("class", "classes") if kinds == {"class"} else ("function", "functions")
        where = listing(refs, 6)
        body = "    ..." if example_f.lang == "python" else "  // ..."
        parts: list[str | Code] = [
            f"In {repo.name}, these use `@{deco}`: {where}. A new {noun} is declared the same way; "
            f"for example `{example.qualname}`:\n",
            Code(list(sig.lines) + [body], example_f.lang),
        ]
        group, source = group_of(refs)
        options = [
            f"How do I add a new {noun} that uses the `@{deco}` decorator in {repo.name}?",
            f"What is the pattern for `@{deco}` {nouns} in the {repo.name} project?",
        ]
        yield Pair("generate", pick(options, "generate-deco", deco), repo.compose(parts), source, group)
