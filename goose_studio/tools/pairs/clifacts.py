"""Command-line facts for the ``defaults`` category: what each command does, each option's default, its
accepted values and how to do what its help says, and the environment variables the library reads.

The program's name is the parser's ``prog``, else a console script from ``pyproject.toml``, else the
repository's name.
"""

from __future__ import annotations

import re
from typing import Iterable

from .docsource import clean_inline
from .lookup import constants, facts_of, library_files, plain_value
from .phrasing import family, humanize, lower_first, sentence, with_cite
from .pyfacts import CliCommand, CliOption
from .repo import File, Pair, Repo
from .text import first_sentence, name_list

CATEGORY = "defaults"
_HOW_VERBS = frozenset({
    "include", "remove", "stop", "mark", "reopen", "show", "write", "override", "print", "skip", "enable", "disable",
    "ignore", "keep", "force", "allow", "limit", "hide", "suppress", "read", "use", "set", "add", "delete",
    "exclude", "sort", "output", "save", "load", "run", "display", "list", "check", "turn", "watch", "follow",
    "treat", "match", "increase", "decrease", "change", "make", "append", "create", "export", "import", "select",
    "filter", "choose", "pick", "return", "emit", "send", "fetch", "download", "upload", "open", "close", "clear",
    "reset", "restore", "start", "resume", "cancel", "retry", "wait", "copy", "move", "rename", "replace", "update",
    "validate", "verify", "compare", "convert", "format", "render", "build", "install", "uninstall", "upgrade",
    "log", "trace", "debug", "dump", "report", "count", "search", "find", "edit", "apply", "merge", "split",
    "sync", "serve", "bind", "listen", "connect", "disconnect", "mount", "unmount", "lock", "unlock", "complete",
    "delete", "purge", "prune", "archive", "compress", "decompress", "encrypt", "decrypt", "sign", "tag", "untag",
})
_DEFAULT_IN_HELP = re.compile(r"\((?:default|defaults to)[:\s]\s*([^)]+)\)", re.I)


def prog_name(repo: Repo) -> str:
    """The command's name: a parser's ``prog``, a console script of pyproject.toml, or the repository's name."""
    found = repo.cache.get("prog")
    if isinstance(found, str):
        return found
    prog = next((facts_of(repo, f).prog for f in library_files(repo) if facts_of(repo, f).prog), "")
    if not prog:
        try:
            text = (repo.root / "pyproject.toml").read_text(encoding="utf-8", errors="replace")[:20000]
        except OSError:
            text = ""
        m = re.search(r"^\[project\.scripts\]\s*\n\s*([\w.-]+)\s*=", text, re.M)
        prog = m.group(1) if m else repo.name
    repo.cache["prog"] = prog
    return prog


def pairs(repo: Repo) -> Iterable[Pair]:
    prog = prog_name(repo)
    for f in library_files(repo):
        facts = facts_of(repo, f)
        seen: set[str] = set()
        for c in facts.commands:
            if c.name in seen:
                continue
            seen.add(c.name)
            opts = [o for o in facts.options if o.command == c.name]
            yield from _command(repo, f, prog, c, opts)
        for o in facts.options:
            yield from _option(repo, f, prog, o, facts)
        for e in facts.env:
            yield from _env(repo, f, e)


def _command_text(prog: str, command: str) -> str:
    return f"`{prog} {command}`" if command else f"`{prog}`"


_AMBIGUOUS = frozenset({"tag", "list", "filter", "format", "report", "count", "log", "search", "sort", "output",
                        "trace", "debug", "dump", "archive", "sign", "lock", "match", "copy", "update", "set", "use",
                        "find", "build", "record", "display", "check", "export", "import", "limit", "run"})
_DETERMINER_NEXT = frozenset({"a", "an", "the", "all", "every", "each", "this", "these", "those", "its", "their", "your",
                              "one", "any", "no", "at", "to", "in", "out", "up", "only"})


def _verb_first(help_text: str) -> bool:
    """Whether the help text starts with a verb ("include closed tasks"), not a noun ("tag (repeatable)")."""
    words = help_text.strip().lower().split()
    if len(words) < 2 or words[0].rstrip(",.:") not in _HOW_VERBS or not words[1][:1].isalpha():
        return False
    return words[0] not in _AMBIGUOUS or words[1] in _DETERMINER_NEXT


def _command(repo: Repo, f: File, prog: str, c: CliCommand, opts: list[CliOption]) -> Iterable[Pair]:
    src = f"{f.path}:{c.line}"
    cmd = _command_text(prog, c.name)
    help_text = c.help.strip().rstrip(".")
    flags = [o.flags[-1] for o in opts if o.flags[-1].startswith("-")]
    args = [o.flags[0] for o in opts if not o.flags[0].startswith("-")]
    usage = f"`{prog} {c.name}{''.join(' ' + a.upper() for a in args)}`"
    opt_text = f" Its options are {name_list(flags, 12)}." if flags else ""
    if help_text:
        does = f"{cmd} is the command to {lower_first(help_text)}" if _verb_first(help_text) else \
            f"{cmd}: {lower_first(help_text)}"
        yield from family(CATEGORY, f"{f.path}:cmd:{c.name}", [
            f"What does {cmd} do?", f"What is the {c.name} command of {prog} for?",
            f"Which {prog} command should I use to {lower_first(help_text)}?" if _verb_first(help_text) else
            f"What is {cmd} used for?",
            f"How do I {lower_first(help_text)} with {prog}?" if _verb_first(help_text) else
            f"Explain the {prog} {c.name} command.",
        ], [with_cite(sentence(does), src), with_cite(f"{sentence(does)} Run it as {usage}.{opt_text}", src)],
            src, f.path, repo.phrasings)
    if opts:
        lines = [f"`{'/'.join(o.flags)}`" + (f": {o.help}" if o.help else "") for o in opts[:12]]
        yield from family(CATEGORY, f"{f.path}:cmd:{c.name}:options", [
            f"Which options does {cmd} take?", f"What arguments does {cmd} accept?",
            f"List the options of the {prog} {c.name} command.",
        ], [with_cite(f"{cmd} takes " + "; ".join(lines) + ".", src)], src, f.path, repo.phrasings)


def _choices(o: CliOption, facts) -> str:
    if not o.choices:
        return ""
    if o.choices.startswith(("(", "[", "{")):
        return ", ".join(plain_value(x.strip()) for x in o.choices.strip("()[]{}").split(",") if x.strip())
    for a in facts.assigned:
        if a.name in o.choices and (a.items or a.members):
            keys = [plain_value(k) for k, _ in a.items] or [plain_value(m) for m in a.members]
            return ", ".join(sorted(keys) if "sorted" in o.choices else keys)
    return o.choices


def _option(repo: Repo, f: File, prog: str, o: CliOption, facts) -> Iterable[Pair]:
    src = f"{f.path}:{o.line}"
    cmd = _command_text(prog, o.command)
    flag = o.flags[-1]
    names = " / ".join(f"`{x}`" for x in o.flags)
    dest = humanize(flag.lstrip("-"))
    help_text = o.help.strip().rstrip(".")
    choices = _choices(o, facts)
    default = None
    if o.default is not None and o.action not in ("store_true", "store_false", "count", "version"):
        default = plain_value(o.default)
        if default in ("[]", "()"):
            default = None
    m = _DEFAULT_IN_HELP.search(help_text)
    if default is None and m:
        default = m.group(1).strip()
    key = f"{f.path}:opt:{o.command}:{flag}"
    if default is not None and default not in ("None", ""):
        more = f" ({help_text})" if help_text and not m else ""
        yield from family(CATEGORY, key + ":default", [
            f"What is the default {flag} of {cmd}?", f"If I don't pass {flag} to {cmd}, what is used?",
            f"What does {cmd} use for {dest} by default?", f"Which {dest} does {prog} use when none is given?",
        ], [with_cite(f"{cmd} uses `{default}` for {names} by default{more}.", src),
            with_cite(f"The {names} option of {cmd} defaults to `{default}`{more}.", src)], src, f.path, repo.phrasings)
    if choices:
        yield from family(CATEGORY, key + ":choices", [
            f"Which values does {flag} accept in {cmd}?", f"What can I pass to {flag} of {cmd}?",
            f"What are the allowed {dest} values of {cmd}?",
        ], [with_cite(f"{names} of {cmd} accepts {choices}.", src)], src, f.path, repo.phrasings)
    if help_text and flag.startswith("-"):
        how = _verb_first(help_text)
        takes_value = o.action not in ("store_true", "store_false", "count", "store_const", "help", "version")
        action = f"pass {names} with a value" if takes_value else f"pass {names}"
        questions = [f"What does {flag} do in {cmd}?", f"What is the {flag} option of {cmd} for?"]
        if how:
            questions = [f"How do I {lower_first(help_text)} with {cmd}?",
                         f"Which option of {cmd} lets me {lower_first(help_text)}?"] + questions
        yield from family(CATEGORY, key + ":help", questions, [
            with_cite(sentence(f"To {lower_first(help_text)}, {action} to {cmd}") if how else
                      sentence(f"{names} of {cmd}: {help_text}"), src),
            with_cite(sentence(f"{cmd} {names}: {help_text}"), src)], src, f.path, repo.phrasings)


def _env(repo: Repo, f: File, e) -> Iterable[Pair]:
    src = f"{f.path}:{e.line}"
    func = next((s for s in f.index.symbols if s.qualname == e.func), None)
    said = clean_inline(first_sentence(func.docstring)) if func and func.docstring else ""
    detail = f" {sentence(said)}" if said else ""
    default = f" When it is not set, `{e.func}` uses `{plain_value(e.default)}`." if e.default else ""
    consts = [name for name, hits in constants(repo).items() if any(plain_value(a.value) == e.var for _, a in hits)]
    alias = f" (the constant `{consts[0]}`)" if consts else ""
    yield from family(CATEGORY, f"{f.path}:env:{e.var}", [
        f"Which environment variable does {repo.name} read in `{e.func}`?",
        f"What does the `{e.var}` environment variable do in {repo.name}?",
        f"How do I set the {humanize(e.var.lower())} for {repo.name} from the environment?",
        f"Which environment variables does {repo.name} use?",
    ], [with_cite(f"`{e.func}` reads the environment variable `{e.var}`{alias}.{detail}{default}", src)],
        src, f.path, repo.phrasings)
