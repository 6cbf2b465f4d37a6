"""The ``behaviour`` category: what the library's functions and classes do, in people's words, from their
docstrings and comments — what a function is for, what it returns, what it raises and when, what its
arguments and a class's attributes mean, its examples, each sentence of its description as the answer
to the question it settles, and why a commented line is there.

Docstring sentences in the imperative ("Return the canonical form of a tag.") become statements about
the symbol ("`normalize_tag` returns the canonical form of a tag.").
"""

from __future__ import annotations

import re
from typing import Iterable

from ..index_models import Symbol
from .docsource import clean_inline
from .docstrings import DocParts, parse_docstring
from .lookup import facts_of, library_files, symbol_at
from .phrasing import family, humanize, lower_first, sentence, with_cite
from .repo import File, Pair, Repo
from .sentences import questions_for, split_sentences
from .text import Code, inline, name_list

CATEGORY = "behaviour"
_MAX_DESC = 520
_IRREGULAR = {"do": "does", "go": "goes", "be": "is", "have": "has"}
_VERBS = frozenset("""
    return get set create build make parse render check validate convert load save read write compute calculate find
    apply run start stop register close open add remove delete update handle process format print emit call send
    raise mark complete export import split join merge sort filter match map wrap yield generate initialize reset fold
    escape shift shorten describe upgrade migrate reserve insert replace subscribe decorate tokenize turn ensure look
    pick choose tell report count test compare copy move list show strip clean normalize serialize deserialize encode
    decode hash sign verify fetch download upload extract collect resolve select scan walk visit wait retry log record
    store cache clear drop keep skip ignore allow deny lock unlock patch install define declare implement override
    extend expose provide accept reject notify announce publish execute evaluate spawn schedule truncate apply yield
    lower upper trim pad align group split combine attach detach connect disconnect bind listen serve dispatch route
    wrap unwrap guess infer detect determine identify measure estimate limit cap enforce require assert mock stub
    prepare finish finalize commit rollback begin end enter exit iterate enumerate filter reduce flatten expand
    render display draw paint highlight translate localize configure setup construct instantiate clone duplicate
    freeze thaw sanitize quote unquote escape fold unfold compile interpret transform adapt coerce cast
""".split())


def third_person(text: str) -> str:
    """An imperative docstring sentence as a statement: "Return X." -> "returns X."; other text unchanged."""
    m = re.match(r"^([A-Z][a-z]+)\b(.*)$", text)
    if not m:
        return ""
    verb = m.group(1).lower()
    if verb in _IRREGULAR:
        return _IRREGULAR[verb] + m.group(2)
    if verb not in _VERBS or m.group(2).startswith((":", ",")):
        return ""
    if verb.endswith(("ch", "sh", "ss", "x", "z", "o")):
        return verb + "es" + m.group(2)
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies" + m.group(2)
    return verb + "s" + m.group(2)


def statement(name: str, text: str) -> str:
    """``name`` and what its docstring sentence says about it, as one sentence."""
    text = sentence(clean_inline(text))
    did = third_person(text)
    if did:
        return f"{name} {did}"
    m = re.match(r"^(Returns?|Yields?|Raises?|Creates?|Builds?|Parses?|Renders?)\b(.*)$", text)
    if m:
        return f"{name} {m.group(1).lower()}{m.group(2)}"
    return f"{name}: {lower_first(text)}"


def repo_names(repo: Repo) -> frozenset[str]:
    """Names a sentence may start with as its subject: the project's name and its symbols' names."""
    found = repo.cache.get("names")
    if found is None:
        found = frozenset({repo.name, repo.name.lower(), *repo.defs_by_name})
        repo.cache["names"] = found
    return found  # type: ignore[return-value]


def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    """Per documented library symbol: description, sentences, returns, raises, parameters, attributes,
    examples; per commented line: why it is there."""
    for f, s in repo.code_symbols():
        if f.index.is_test or not s.docstring or s.name.startswith("_") and s.name != "__init__":
            continue
        doc = parse_docstring(s.docstring)
        yield from _symbol(repo, f, s, doc)
    for f in library_files(repo):
        yield from _comments(repo, f)


def _symbol(repo: Repo, f: File, s: Symbol, doc: DocParts) -> Iterable[Pair]:
    q = f"`{s.qualname}`"
    src, path, n = repo.source(f, s), f.path, repo.phrasings
    is_class = s.kind == "class"
    desc = [clean_inline(p) for p in doc.description if p.strip()]
    if desc:
        first = split_sentences(desc[0])[0] if split_sentences(desc[0]) else desc[0]
        short = statement(q, first)
        longer = " ".join(desc)
        if len(longer) > _MAX_DESC:
            longer = longer[:_MAX_DESC].rsplit(". ", 1)[0] + "."
        tail = []
        if doc.returns:
            tail.append(f"It returns {lower_first(sentence(clean_inline(doc.returns))).rstrip('.')}.")
        if doc.raises:
            tail.append(f"It raises {name_list([e for e, _ in doc.raises], 4)} on bad input.")
        if is_class:
            questions = [f"What is {q} in {repo.name}?", f"What does the {q} class do?", f"What is a {q} for?",
                         f"What does {q} represent?"]
        else:
            questions = [f"What does {q} do?", f"What is {q} for?", f"How does {q} work?",
                         f"What is the job of {q} in {repo.name}?"]
        yield from family(CATEGORY, f"{path}:{s.qualname}:does", questions, [
            with_cite(short, src), with_cite(f"{statement(q, longer)} {' '.join(tail)}".strip(), src)], src, path, n)
        for para in desc:
            for sent in split_sentences(para)[: 8]:
                asked = questions_for(sent, q, names=repo_names(repo))
                if not asked:
                    continue
                answer = sentence(clean_inline(sent))
                yield from family(CATEGORY, f"{path}:{s.qualname}:says:{answer[:60]}", asked, [
                    with_cite(f"{answer.rstrip('.')} ({q}).", src),
                    with_cite(f"In `{path}`, {q} says: {answer}", src)], src, path, n)
    if doc.returns and not is_class:
        ret = lower_first(sentence(clean_inline(doc.returns))).rstrip(".")
        yield from family(CATEGORY, f"{path}:{s.qualname}:returns", [
            f"What does {q} return?", f"What do I get back from {q}?", f"What is the result of calling {q}?",
        ], [with_cite(f"{q} returns {ret}.", src), with_cite(f"{q} ({path}) returns {ret}.", src)], src, path, n)
    for exc, cond in doc.raises:
        cond_text = lower_first(sentence(clean_inline(cond))).rstrip(".") if cond else ""
        exc = exc.strip("` ")
        when = f" {cond_text}" if cond_text else ""
        yield from family(CATEGORY, f"{path}:{s.qualname}:raises:{exc}", [
            f"When does {q} raise `{exc}`?", f"Why does {q} fail with `{exc}`?", f"What makes {q} raise a `{exc}`?",
            f"Can {q} raise `{exc}`?",
        ], [with_cite(f"{q} raises `{exc}`{when}.", src),
            with_cite(f"According to its docstring, {q} ({path}) raises `{exc}`{when}.", src)], src, path, n)
    if len(doc.raises) > 1:
        listed = "; ".join(f"`{e.strip('` ')}` {lower_first(clean_inline(c)).rstrip('.')}" for e, c in doc.raises[:6])
        yield from family(CATEGORY, f"{path}:{s.qualname}:errors", [
            f"Which errors can {q} raise?", f"What exceptions should I expect from {q}?",
        ], [with_cite(f"{q} raises {listed}.", src)], src, path, n)
    for name, text in list(doc.params.items())[:12]:
        if not text:
            continue
        meaning = sentence(clean_inline(text))
        yield from family(CATEGORY, f"{path}:{s.qualname}:param:{name}", [
            f"What is the `{name}` argument of {q} for?", f"What does the `{name}` parameter of {q} mean?",
            f"What should I pass as `{name}` to {q}?",
        ], [with_cite(f"`{name}` of {q}: {meaning}", src)], src, path, n)
    for name, text in list(doc.attributes.items())[:16]:
        if not text:
            continue
        meaning = sentence(clean_inline(text))
        yield from family(CATEGORY, f"{path}:{s.qualname}:attr:{name}", [
            f"What is `{s.name}.{name}`?", f"What does the `{name}` attribute of a {q} hold?",
            f"What does `{name}` mean on a {humanize(s.name)} in {repo.name}?",
        ], [with_cite(f"`{s.name}.{name}`: {meaning}", src)], src, path, n)
    example = [x for x in doc.examples if x.strip()]
    if example:
        code = repo.compose([f"An example of {q}:\n", Code(example[:16], f.lang if f.lang != "python" else "python"),
                             f"\n{'(see ' + src + ')'}"])
        yield from family(CATEGORY, f"{path}:{s.qualname}:example", [
            f"Show an example of using {q}.", f"How do I use {q}?", f"Give me a usage example for {q}.",
        ], [code], src, path, n)


def _comments(repo: Repo, f: File) -> Iterable[Pair]:
    for c in facts_of(repo, f).comments:
        owner = symbol_at(f, c.line)
        if not c.code or not owner or owner.name.startswith("__"):
            continue
        q = f"`{owner.qualname}`"
        src = f"{f.path}:{c.line}"
        code = inline(c.code, 90)
        said = sentence(c.text)
        yield from family(CATEGORY, f"{f.path}:{c.line}:why", [
            f"Why does {q} do `{code}`?", f"What is the reason for `{code}` in {q}?",
            f"What does the line `{code}` in {q} ({f.path}) take care of?",
        ], [with_cite(f"{said}", src), with_cite(f"In {q}, `{code}` is there because: {said}", src)],
            src, f.path, repo.phrasings)
