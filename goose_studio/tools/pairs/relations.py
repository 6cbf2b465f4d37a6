"""The ``relations`` category: how the library's classes relate — what a class extends (and so also is),
which classes derive from a base, the exception to catch for all of the library's errors, which methods
a subclass overrides and which a base leaves abstract, and which parts of the code use a class.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from ..index_models import Symbol
from .docsource import clean_inline
from .phrasing import family, humanize, sentence, with_cite
from .repo import File, Pair, Repo
from .signatures import base_names, decorator_name
from .text import first_sentence, name_list

CATEGORY = "relations"
_EXCEPTION_ROOTS = frozenset({"Exception", "BaseException", "Error", "ValueError", "RuntimeError", "KeyError",
                              "TypeError", "OSError", "LookupError", "IOError"})


def _classes(repo: Repo) -> dict[str, tuple[File, Symbol]]:
    """Library classes by bare name (names defined once only)."""
    out: dict[str, tuple[File, Symbol]] = {}
    counts: dict[str, int] = defaultdict(int)
    for f, s in repo.code_symbols(("class",)):
        if not f.index.is_test:
            counts[s.name] += 1
            out[s.name] = (f, s)
    return {k: v for k, v in out.items() if counts[k] == 1}


def _summary(s: Symbol) -> str:
    text = clean_inline(first_sentence(s.docstring))
    return f" ({text[0].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text})" if text else ""


def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    classes = _classes(repo)
    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = defaultdict(list)
    for name, (f, s) in classes.items():
        bases = [b.rsplit(".", 1)[-1] for b in base_names(s, f.lang)]
        parents[name] = bases
        for b in bases:
            if b in classes:
                children[b].append(name)
    n = repo.phrasings

    def ancestors(name: str) -> list[str]:
        out: list[str] = []
        todo = list(parents.get(name, []))
        while todo:
            b = todo.pop(0)
            if b not in out and b != name:
                out.append(b)
                todo += parents.get(b, [])
        return out

    for name, (f, s) in classes.items():
        bases = parents[name]
        if not bases:
            continue
        src, q = repo.source(f, s), f"`{name}`"
        chain = ancestors(name)
        inside = [b for b in bases if b in classes]
        base_text = " and ".join(f"`{b}`{_summary(classes[b][1]) if b in classes else ''}" for b in bases[:3])
        also = [a for a in chain if a not in bases]
        also = [a for a in also if a in classes]
        also_text = f" So a {q} is also {_an(also[0])} {name_list(also, 4)}." if also else ""
        yield from family(CATEGORY, f"{f.path}:{name}:bases", [
            f"What does {q} inherit from?", f"What is the parent class of {q}?", f"Which class does {q} extend?",
            f"What kind of class is {q} in {repo.name}?",
        ], [with_cite(f"{q} extends {base_text}.{also_text}", src),
            with_cite(f"In `{f.path}`, {q} is declared as a subclass of {name_list(bases, 3)}.{also_text}", src)],
            src, f.path, n)
        for a in chain[:4]:
            if a in classes:
                yield from family(CATEGORY, f"{f.path}:{name}:is:{a}", [
                    f"Is {q} {_an(a)} `{a}`?", f"Does catching `{a}` also catch {q}?" if _is_error(a, chain) else
                    f"Can I use a {q} where a `{a}` is expected?",
                ], [with_cite(f"Yes: {q} derives from `{a}`" + (
                    f" (through {name_list([x for x in chain[:chain.index(a)]], 3)})." if chain.index(a) else "."), src)],
                    src, f.path, n)
        if inside:
            yield from _overrides(repo, f, s, name, inside, classes)
    for base, subs in sorted(children.items()):
        bf, bs = classes[base]
        src = repo.source(bf, bs)
        listed = "; ".join(f"`{c}`{_summary(classes[c][1])}" for c in sorted(subs)[:8])
        human = humanize(base)
        yield from family(CATEGORY, f"{bf.path}:{base}:subclasses", [
            f"Which classes derive from `{base}`?", f"What are the subclasses of `{base}` in {repo.name}?",
            f"Which kinds of {human} does {repo.name} provide?", f"What implementations of `{base}` exist?",
        ], [with_cite(f"{len(subs)} {'class derives' if len(subs) == 1 else 'classes derive'} from `{base}`: {listed}.",
                      src)], src, bf.path, n)
        abstract = [m.name for m in repo.methods[(bf.path, bs.qualname)]
                    if "abstractmethod" in {decorator_name(d).rsplit(".", 1)[-1] for d in m.decorators}]
        if abstract:
            yield from family(CATEGORY, f"{bf.path}:{base}:abstract", [
                f"Which methods must a subclass of `{base}` implement?", f"What are the abstract methods of `{base}`?",
                f"How do I write my own `{base}`?",
            ], [with_cite(f"A `{base}` subclass must implement {name_list(abstract, 10)}; the existing ones are "
                          f"{name_list(sorted(subs), 6)}.", src)], src, bf.path, n)
    yield from _error_root(repo, classes, children, ancestors)
    yield from _users(repo, classes)


def _an(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _is_error(base: str, chain: list[str]) -> bool:
    return base.endswith(("Error", "Exception")) or any(c in _EXCEPTION_ROOTS for c in chain)


def _overrides(repo: Repo, f: File, s: Symbol, name: str, bases: list[str],
               classes: dict[str, tuple[File, Symbol]]) -> Iterable[Pair]:
    own = [m.name for m in repo.methods[(f.path, s.qualname)] if not m.name.startswith("__") or m.name == "__init__"]
    inherited: dict[str, str] = {}
    for b in bases:
        bf, bs = classes[b]
        for m in repo.methods[(bf.path, bs.qualname)]:
            inherited.setdefault(m.name, b)
    overridden = [m for m in own if m in inherited and m != "__init__"]
    if not overridden:
        return
    src = repo.source(f, s)
    items = ", ".join(f"`{m}` (from `{inherited[m]}`)" for m in overridden[:10])
    yield from family(CATEGORY, f"{f.path}:{name}:overrides", [
        f"Which methods does `{name}` override?", f"What does `{name}` change compared with `{bases[0]}`?",
        f"Which inherited methods does `{name}` redefine?",
    ], [with_cite(f"`{name}` overrides {items}.", src)], src, f.path, repo.phrasings)


def _error_root(repo: Repo, classes, children, ancestors) -> Iterable[Pair]:
    for name, (f, s) in sorted(classes.items()):
        chain = ancestors(name)
        if not (name.endswith(("Error", "Exception")) or any(c in _EXCEPTION_ROOTS for c in chain)):
            continue
        if any(a in classes for a in chain):
            continue  # not a root: one of its bases is the library's own
        descendants: list[str] = []
        todo = list(children.get(name, []))
        while todo:
            c = todo.pop(0)
            if c not in descendants:
                descendants.append(c)
                todo += children.get(c, [])
        if len(descendants) < 2:
            continue
        src = repo.source(f, s)
        r = repo.name
        yield from family(CATEGORY, f"{f.path}:{name}:root", [
            f"Which exception should I catch to handle every {r} error?", f"What is the base class of {r}'s errors?",
            f"Is there one exception type that covers all errors of {r}?",
            f"How do I catch any error that {r} raises?",
        ], [with_cite(f"Catch `{name}`: the other {r} errors derive from it ({name_list(descendants, 8)}).", src),
            with_cite(f"`{name}`{_summary(s)} is the base of {len(descendants)} {r} exceptions: "
                      f"{name_list(descendants, 10)}.", src)], src, f.path, repo.phrasings)


def _users(repo: Repo, classes: dict[str, tuple[File, Symbol]]) -> Iterable[Pair]:
    users: dict[str, list[tuple[File, Symbol]]] = defaultdict(list)
    for f, s in repo.code_symbols(("function", "method")):
        if f.index.is_test:
            continue
        named = set(s.calls) | {w for w in _words(s.signature)}
        for cname in named & set(classes):
            if cname != s.qualname.split(".")[0]:
                users[cname].append((f, s))
    for cname, refs in sorted(users.items()):
        cf, cs = classes[cname]
        if len(refs) < 2:
            continue
        src = repo.source(cf, cs)
        listed = name_list(list(dict.fromkeys(s.qualname for _, s in refs)), 8)
        files = name_list(sorted({f.path for f, _ in refs}), 4)
        yield from family(CATEGORY, f"{cf.path}:{cname}:users", [
            f"Which parts of {repo.name} use `{cname}`?", f"Where is `{cname}` used?", f"What uses `{cname}`?",
        ], [with_cite(sentence(f"`{cname}` is used by {listed}, in {files}"), src)], src, cf.path, repo.phrasings)


def _words(text: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Z][A-Za-z0-9_]+", text))
