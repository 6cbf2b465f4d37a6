"""The ``defaults`` category: values people ask about — module constants (and the items of a constant
table), enum members, class attributes and dataclass / pydantic field defaults, parameter defaults, and
(through :mod:`.clifacts`) command-line option defaults and environment variables.

Each fact is asked in several phrasings, in the identifier's own name and in people's words
(``MAX_TITLE_LENGTH`` -> "the maximum title length"), and answered in a plain sentence that cites the line.
"""

from __future__ import annotations

from typing import Iterable

from . import clifacts
from .docstrings import default_phrase, parse_docstring
from .lookup import constant_note, constants, facts_of, library_files, plain_value, symbol_at, usages
from .phrasing import family, humanize, plural_noun, sentence, singular, with_cite
from .pyfacts import Assigned, EnumMember
from .repo import File, Pair, Repo
from .text import inline, name_list

CATEGORY = "defaults"
_MAX_ITEMS = 30


def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    """Constants, enum members, field and parameter defaults of the library's Python files, then its
    command-line options and environment variables."""
    for f in library_files(repo):
        facts = facts_of(repo, f)
        docs = {s.qualname: parse_docstring(s.docstring) for s in f.index.symbols if s.docstring}
        for a in facts.assigned:
            if a.kind == "constant":
                yield from _constant(repo, f, a)
            else:
                yield from _field(repo, f, a, docs.get(a.owner))
        yield from _prefix_groups(repo, f, [a for a in facts.assigned if a.kind == "constant"])
        for owner, members in facts.enums.items():
            yield from _enum(repo, f, owner, members)
        yield from _required_fields(repo, f, facts.assigned)
        by_func: dict[str, list] = {}
        for p in facts.params:
            by_func.setdefault(p.func, []).append(p)
        for func, params in by_func.items():
            yield from _params(repo, f, func, params, docs.get(func))
    yield from clifacts.pairs(repo)


def _n(repo: Repo) -> int:
    return repo.phrasings


def _constant(repo: Repo, f: File, a: Assigned) -> Iterable[Pair]:
    src = f"{f.path}:{a.line}" if a.line == a.end else f"{f.path}:{a.line}-{a.end}"
    name, human, r = a.name, humanize(a.name), repo.name
    if name == "__version__":
        v = plain_value(a.value)
        yield from family(CATEGORY, f"{f.path}:version", [
            f"What version of {r} is this?", f"Which version number does {r} have?",
            f"What is `__version__` in {r}?", f"Which release of {r} does this code belong to?",
        ], [with_cite(f"This is {r} version {v}.", src),
            with_cite(f"{r} is at version {v}: `__version__ = {a.value}` in `{f.path}`.", src)], src, f.path, _n(repo))
        return
    extra = ""
    if a.comment:
        extra += " " + sentence(a.comment)
    if a.description:
        extra += " " + sentence(a.description)
    used = [(uf, us, no, code) for uf, us, no, code in usages(repo, name, skip=(f.path, a.line)) if us]
    users = list(dict.fromkeys(us.qualname for _, us, _, _ in used))
    use_text = f" It is used by {name_list(users, 4)}." if users else ""
    check = next((code for _, _, _, code in used if code.startswith(("if ", "elif ", "while ", "assert ", "return "))),
                 "")
    if check:
        use_text += f" For example: `{inline(check, 100)}`."
    if a.items:
        yield from _table(repo, f, a, src, human)
        return
    if a.members:
        shown = [plain_value(m) for m in a.members[:_MAX_ITEMS]]
        listed = name_list(shown, _MAX_ITEMS)
        be = "are" if plural_noun(human) else "is"
        yield from family(CATEGORY, f"{f.path}:{name}", [
            f"What are the {human} in {r}?" if be == "are" else f"What does the {human} of {r} hold?",
            f"Which values does `{name}` hold in {r}?", f"What is in `{name}` ({f.path})?",
            f"List the {human} that {r} defines.",
        ], [with_cite(f"The {human} (`{name}`) {be} {listed}.", src),
            with_cite(f"`{name}` in `{f.path}` holds {listed}.{extra}{use_text}", src)], src, f.path, _n(repo))
        return
    value = inline(a.value, 90)
    shown = plain_value(value)
    yield from family(CATEGORY, f"{f.path}:{name}", [
        f"What is the {human} in {r}?", f"What is `{name}` set to in {r}?",
        f"Which value does {r} use for the {human}?", f"What is the value of `{name}` in `{f.path}`?",
        f"How big is the {human} in {r}?" if human.startswith(("maximum", "minimum", "limit")) else
        f"What does {r} define as the {human}?",
    ], [with_cite(f"The {human} is `{shown}` (`{name}`).{extra}", src),
        with_cite(f"`{name}` is set to `{value}` in `{f.path}`.{extra}{use_text}", src)], src, f.path, _n(repo))


def _prefix_groups(repo: Repo, f: File, consts: list[Assigned]) -> Iterable[Pair]:
    """Constants named ``PREFIX_WHAT`` (three or more with one prefix and short values): a coded set such as
    exit codes, asked both ways -- which value means WHAT, and what a value means."""
    groups: dict[str, list[Assigned]] = {}
    for a in consts:
        if "_" in a.name.strip("_") and a.name.isupper() and a.value and len(a.value) <= 24 and not a.items:
            groups.setdefault(a.name.strip("_").split("_", 1)[0], []).append(a)
    for prefix, members in groups.items():
        if len(members) < 3 or len({m.value for m in members}) < len(members):
            continue
        kind = humanize(prefix)
        table = "; ".join(f"`{plain_value(m.value)}` for {humanize(m.name.split('_', 1)[1])}" for m in members[:12])
        src = f"{f.path}:{members[0].line}-{members[-1].end}"
        for m in members[:_MAX_ITEMS]:
            what, value = humanize(m.name.strip("_").split("_", 1)[1]), plain_value(m.value)
            msrc = f"{f.path}:{m.line}"
            yield from family(CATEGORY, f"{f.path}:{prefix}:{m.name}", [
                f"Which {kind} value means {what} in {repo.name}?", f"What is the {kind} code for {what}?",
                f"What does {kind} {value} mean in {repo.name}?", f"In {repo.name}, what is {kind} {value}?",
            ], [with_cite(f"{kind.capitalize()} {value} means {what} (`{m.name}`).", msrc),
                with_cite(f"`{m.name} = {m.value}` in `{f.path}`: {kind} {value} means {what}. The {kind} values "
                          f"are {table}.", src)], msrc, f.path, _n(repo))


def _table(repo: Repo, f: File, a: Assigned, src: str, human: str) -> Iterable[Pair]:
    name, r = a.name, repo.name
    items = a.items[:_MAX_ITEMS]
    listed = "; ".join(f"`{plain_value(k)}` -> `{plain_value(v)}`" for k, v in items[:12])
    more = f" and {len(a.items) - 12} more" if len(a.items) > 12 else ""
    yield from family(CATEGORY, f"{f.path}:{name}", [
        f"What does `{name}` map in {r}?", f"What are the {human} in {r}?",
        f"Which entries does `{name}` ({f.path}) have?", f"Show the {human} table of {r}.",
    ], [with_cite(f"`{name}` maps {listed}{more}.", src),
        with_cite(f"In `{f.path}`, `{name}` maps {listed}{more}.", src)], src, f.path, _n(repo))
    for key, value in items:
        k, v = plain_value(key), plain_value(value)
        line_src = src
        yield from family(CATEGORY, f"{f.path}:{name}[{key}]", [
            f"What does `{k}` map to in `{name}`?", f"What does `{k}` mean in {r}'s {human}?",
            f"In {r}, what is the {singular(human)} for `{k}`?", f"What is `{name}[{key}]` in {r}?",
        ], [with_cite(f"In {r}'s {human}, `{k}` maps to `{v}`.", line_src),
            with_cite(f"`{name}` in `{f.path}` maps `{k}` to `{v}`.", line_src)], line_src, f.path, _n(repo))


def _enum(repo: Repo, f: File, owner: str, members: list[EnumMember]) -> Iterable[Pair]:
    r, human = repo.name, humanize(owner)
    start, end = members[0].line, members[-1].line
    src = f"{f.path}:{start}-{end}"
    listed = ", ".join(f"`{m.name}` ({plain_value(m.value)})" for m in members[:_MAX_ITEMS])
    yield from family(CATEGORY, f"{f.path}:{owner}:members", [
        f"What values can a `{owner}` take in {r}?", f"What are the possible {human} values in {r}?",
        f"Which members does the enum `{owner}` have?", f"List the {human} options of {r}.",
    ], [with_cite(f"`{owner}` has {len(members)} members: {listed}.", src),
        with_cite(f"The enum `{owner}` in `{f.path}` defines {listed}.", src)], src, f.path, _n(repo))
    for m in members[:_MAX_ITEMS]:
        v = plain_value(m.value)
        word = humanize(m.name)
        msrc = f"{f.path}:{m.line}"
        yield from family(CATEGORY, f"{f.path}:{owner}.{m.name}", [
            f"What is the value of `{owner}.{m.name}`?", f"Which value is the {word} {human} in {r}?",
            f"What does `{owner}.{m.name}` stand for in {r}?", f"Which `{owner}` has the value {v}?",
        ], [with_cite(f"`{owner}.{m.name}` is {v}: the {word} {human}.", msrc),
            with_cite(f"In `{f.path}`, `{owner}.{m.name}` = {m.value}.", msrc)], msrc, f.path, _n(repo))


def _field(repo: Repo, f: File, a: Assigned, doc) -> Iterable[Pair]:
    if not (a.value or a.factory) or a.owner.rsplit(".", 1)[-1].startswith("_"):
        return
    owner, name, r = a.owner, a.name, repo.name
    owner_bare = owner.rsplit(".", 1)[-1]
    src = f"{f.path}:{a.line}"
    meaning = (doc.attributes.get(name, "") if doc else "") or a.description or a.comment
    meaning_text = f" ({sentence(meaning).rstrip('.')})" if meaning else ""
    if a.value:
        value = inline(a.value, 80)
        default = f"`{plain_value(value)}`" + constant_note(repo, value)
    else:
        factory = a.factory
        simple = {"list": "a new empty list", "dict": "a new empty dict", "set": "a new empty set",
                  "tuple": "an empty tuple"}
        default = simple.get(factory, f"the result of `{factory}()`")
        fsym = next((s for s in f.index.symbols if s.qualname == factory and s.docstring), None)
        if fsym:
            default += f" ({sentence(parse_docstring(fsym.docstring).description[0]).rstrip('.').lower()})" \
                if parse_docstring(fsym.docstring).description else ""
    what = "field" if a.kind == "field" else "attribute"
    human = humanize(name)
    yield from family(CATEGORY, f"{f.path}:{owner}.{name}", [
        f"What is the default `{name}` of a `{owner_bare}`?",
        f"If I create a `{owner_bare}` without `{name}`, what does it get?",
        f"What {human} does a new {humanize(owner_bare)} have by default in {r}?",
        f"What is `{owner_bare}.{name}` by default?",
    ], [with_cite(f"A new `{owner_bare}` gets {default} as its `{name}`{meaning_text}.", src),
        with_cite(f"The {what} `{name}` of `{owner}` in `{f.path}` defaults to {default}{meaning_text}.", src)],
        src, f.path, _n(repo))


def _required_fields(repo: Repo, f: File, assigned: list[Assigned]) -> Iterable[Pair]:
    by_owner: dict[str, list[Assigned]] = {}
    for a in assigned:
        if a.kind == "field":
            by_owner.setdefault(a.owner, []).append(a)
    for owner, fields in by_owner.items():
        if owner.rsplit(".", 1)[-1].startswith("_"):
            continue
        required = [a.name for a in fields if not (a.value or a.factory)]
        optional = [a.name for a in fields if a.value or a.factory]
        if not fields:
            continue
        bare = owner.rsplit(".", 1)[-1]
        src = f"{f.path}:{fields[0].line}-{fields[-1].line}"
        need = f"needs {name_list(required, 10)}" if required else "needs no argument: every field has a default"
        opt = f"; {name_list(optional, 10)} {'has a default' if len(optional) == 1 else 'have defaults'}" \
            if optional and required else ""
        yield from family(CATEGORY, f"{f.path}:{owner}:required", [
            f"Which fields must I give to create a `{bare}`?", f"What are the required fields of `{bare}` in {repo.name}?",
            f"Which `{bare}` fields are optional?", f"What fields does a `{bare}` have?",
        ], [with_cite(f"A `{bare}` {need}{opt}.", src),
            with_cite(f"`{owner}` ({f.path}) has the fields {name_list([a.name for a in fields], 12)}; it {need}{opt}.",
                      src)], src, f.path, _n(repo))


def _params(repo: Repo, f: File, func: str, params: list, doc) -> Iterable[Pair]:
    bare = func.rsplit(".", 1)[-1]
    if bare.startswith("_") and bare != "__init__":
        return
    shown = func.rsplit(".", 1)[0] if bare == "__init__" else func
    call = f"`{shown}(...)`" if bare == "__init__" else f"`{shown}`"
    sym = symbol_at(f, params[0].line)
    src = f"{f.path}:{params[0].line}" if sym is None else f"{f.path}:{sym.start_line}-{sym.end_line}"
    for p in params:
        if p.name in ("self", "cls"):
            continue
        about = doc.params.get(p.name, "") if doc else ""
        default = inline(p.default, 70)
        note = constant_note(repo, default)
        meaning = ""
        if about:
            said = default_phrase(about)
            meaning = f"; the docstring says: {sentence(about).rstrip('.')}" if not said else \
                f", which means {said.rstrip('.')}"
        human = humanize(p.name)
        yield from family(CATEGORY, f"{f.path}:{func}({p.name})", [
            f"What is the default `{p.name}` of {call}?", f"If I call {call} without `{p.name}`, what is used?",
            f"What does `{p.name}` default to in {call}?", f"Which {human} does {call} use by default in {repo.name}?",
        ], [with_cite(f"`{p.name}` defaults to `{plain_value(default)}`{note} in {call}{meaning}.", src),
            with_cite(f"In `{f.path}`, {call} declares `{p.name}{': ' + p.annotation if p.annotation else ''} = "
                      f"{default}`{note}{meaning}.", src)], src, f.path, _n(repo))
