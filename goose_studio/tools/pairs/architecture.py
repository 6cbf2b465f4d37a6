"""The ``architecture`` category: what a module is responsible for, what it imports, who imports it, what a
directory holds, where a symbol is defined, and an overview of the codebase."""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from typing import Iterable

from .repo import File, Pair, Repo, group_of
from .text import name_list, pick, pluralize, summary

def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    """Per file its role and imports; per imported file its importers; per directory its files; per
    qualified name where it is defined; and, with two files or more, an overview."""
    for f in repo.files.values():
        path = f.path
        top = [s for s in f.index.symbols if s.kind in ("class", "function") and not s.parent]
        doc = summary(f.index.module_docstring)
        if top or doc:
            options = [
                f"What is `{path}` responsible for in {repo.name}?",
                f"What is the role of the module `{path}` in the {repo.name} project?",
                f"Summarize what `{path}` contains.",
            ]
            parts: list[str] = [f"`{path}` is a {f.lang} {'test ' if f.index.is_test else ''}module"]
            parts.append(f": {doc}" if doc else ".")
            classes = [s.name for s in top if s.kind == "class"]
            funcs = [s.name for s in top if s.kind == "function"]
            if classes:
                parts.append(f" It defines the {'class' if len(classes) == 1 else 'classes'} {name_list(classes, 8)}.")
            if funcs:
                parts.append(f" It {'also ' if classes else ''}defines the "
                             f"{'function' if len(funcs) == 1 else 'functions'} {name_list(funcs, 8)}.")
            if f.index.imports:
                internal = repo.deps.get(path, [])
                if internal:
                    parts.append(f" It builds on {name_list(internal, 5)}.")
            yield Pair("architecture", pick(options, "arch-module", path), repo.compose(["".join(parts)]),
                        f"{path}:1-{max(1, f.index.lines)}", path)
        internal, external = repo.deps.get(path, []), repo.external.get(path, [])
        if internal or external:
            options = [
                f"What does `{path}` depend on?",
                f"Which modules does `{path}` import in {repo.name}?",
            ]
            bits = []
            if internal:
                bits.append(f"these {repo.name} modules: {name_list(internal, 10)}")
            if external:
                bits.append(f"these outside packages or standard modules: {name_list(external, 10)}")
            out = f"`{path}` imports " + "; and ".join(bits) + "."
            yield Pair("architecture", pick(options, "arch-deps", path), repo.compose([out]),
                        f"{path}:1-{max(1, f.index.lines)}", path)
    for target in sorted(repo.importers):
        users = sorted(set(repo.importers[target]))
        if not users:
            continue
        options = [
            f"Which modules import `{target}`?",
            f"Where is `{target}` used in the {repo.name} codebase?",
        ]
        out = f"`{target}` is imported by {pluralize(len(users), 'module')}: {name_list(users, 12)}."
        yield Pair("architecture", pick(options, "arch-importers", target), repo.compose([out]),
                    "; ".join(users[:4]) + ("; ..." if len(users) > 4 else ""), "")
    by_dir: dict[str, list[File]] = defaultdict(list)
    for f in repo.files.values():
        by_dir[posixpath.dirname(f.path)].append(f)
    for d in sorted(by_dir):
        members = by_dir[d]
        if len(members) < 2:
            continue
        label = f"`{d}/` directory" if d else "top-level directory"
        options = [
            f"What does the {label} of {repo.name} contain?",
            f"Give an overview of the {label} in the {repo.name} project.",
        ]
        items = [f"- `{f.path}`: {repo.module_summary(f)}" for f in members[:10]]
        more = f"\n- and {len(members) - 10} more files" if len(members) > 10 else ""
        where = f"`{d}/`" if d else f"The top level of {repo.name}"
        out = f"{where} holds {pluralize(len(members), 'indexed file')}:\n" + "\n".join(items) + more
        yield Pair("architecture", pick(options, "arch-dir", d), repo.compose([out]), (d or ".") + "/", "")
    for qual in sorted(repo.defs_by_qual):
        refs = [repo.symbols[r] for r in repo.defs_by_qual[qual]]
        refs = [(f, s) for f, s in refs if not (s.name.startswith("__") and s.name.endswith("__"))]
        if not refs:
            continue
        options = [
            f"Where is `{qual}` defined in {repo.name}?",
            f"In which file of the {repo.name} project is `{qual}` defined?",
            f"Where can I find `{qual}` in the {repo.name} codebase?",
        ]
        if len(refs) == 1:
            f, s = refs[0]
            out = f"`{qual}` is {repo.where(f, s)}."
            group, source = f.path, repo.source(f, s)
        else:
            out = f"There are {len(refs)} definitions of `{qual}`:\n" + "\n".join(
                f"- {repo.where(f, s)}" for f, s in refs[:8])
            group, source = group_of(refs)
        yield Pair("architecture", pick(options, "arch-where", qual), repo.compose([out]), source, group)
    if len(repo.files) >= 2:
        langs = Counter(f.lang for f in repo.files.values())
        lang_text = ", ".join(f"{lang} ({n})" for lang, n in sorted(langs.items(), key=lambda kv: (-kv[1], kv[0])))
        dirs = Counter(f.path.split("/")[0] for f in repo.files.values() if "/" in f.path)
        top_files = sorted(f.path for f in repo.files.values() if "/" not in f.path)
        out = f"{repo.name} has {pluralize(len(repo.files), 'indexed source file')}: {lang_text}."
        if dirs:
            out += " Top-level directories: " + ", ".join(
                f"`{d}/` ({pluralize(n, 'file')})" for d, n in sorted(dirs.items())[:10]) + "."
        if top_files:
            out += f" Top-level files: {name_list(top_files, 8)}."
        tests = sorted(f.path for f in repo.files.values() if f.index.is_test)
        if tests:
            out += f" Tests live in {name_list(sorted({posixpath.dirname(t) or '.' for t in tests}), 4)}."
        options = [
            f"Give an overview of the {repo.name} codebase.",
            f"How is the {repo.name} project laid out?",
        ]
        yield Pair("architecture", pick(options, "arch-overview"), repo.compose([out]), "./", "")
