"""The ``testing`` category: how a symbol is tested (the real test functions), what a test checks, which
tests a test file holds, and test skeletons built from real signatures and raise conditions.

A test covers the symbols it calls and those whose names its own name or its class's name spells
(``test_load_config_missing`` covers ``load_config``); a name defined in several places counts only
where the test file imports it from.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict
from typing import Iterable

from ..index_models import Symbol
from .repo import File, Pair, Repo, SymRef, group_of, listing
from .signatures import decorator_name, parse_params
from .text import PY_BUILTINS, Code, first_sentence, pick, pluralize, summary

def _test_targets(repo: Repo, tf: File, ts: Symbol) -> list[SymRef]:
    """The symbols the test ``ts`` of ``tf`` covers (see the module docstring)."""
    imported = set(repo.deps.get(tf.path, []))
    found: list[SymRef] = []

    def add(name: str) -> None:
        defs = repo.defs_by_name.get(name, [])
        if len(defs) > 1:
            defs = [r for r in defs if r[0] in imported] or []
        for ref in defs[:3]:
            if ref not in found:
                found.append(ref)

    for call in ts.calls:
        last = call.strip().rsplit(".", 1)[-1]
        if last and not last.startswith("test"):
            add(last)
    words = [w for w in re.split(r"[\W_]+", re.sub(r"^test_?", "", ts.name, flags=re.I).lower()) if w]
    spans = {"_".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + 6) + 1)}
    spans |= {span.replace("_", "") for span in spans}
    parent = re.sub(r"^Test", "", ts.parent or "").lower()
    if parent:
        spans.add(parent)
    for span in sorted(spans):
        if len(span) >= 4:
            for name in repo.names_by_lower.get(span, []):
                add(name)
    return found


def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    """How each tested symbol is tested, what each test checks, what each test file holds, then test
    skeletons."""
    tests = repo.test_symbols()
    tested: dict[SymRef, list[tuple[File, Symbol]]] = defaultdict(list)
    for tf, ts in tests:
        for ref in _test_targets(repo, tf, ts):
            tested[ref].append((tf, ts))
    for ref in sorted(tested):
        f, s = repo.symbols[ref]
        uses = tested[ref]
        q = s.qualname
        test_files = sorted({tf.path for tf, _ in uses})
        options = [
            f"How is `{q}` from `{f.path}` tested?",
            f"Which tests cover `{q}` ({f.path}) in {repo.name}?",
            f"Where are the tests for `{q}` in the {repo.name} project?",
        ]
        parts: list[str | Code] = [f"`{q}` ({f.path}) is tested by {listing(uses, 8)}."]
        if len(test_files) == 1:
            ex_f, ex = min(uses, key=lambda r: (r[1].end_line - r[1].start_line, r[1].qualname))
            code = repo.code(ex_f, ex)
            if code:
                parts += [f" For example, `{ex.qualname}`:\n", code]
            group, source = test_files[0], repo.source(ex_f, ex)
        else:
            group, source = group_of(uses)
        yield Pair("testing", pick(options, "test-how", f.path, q), repo.compose(parts), source, group)
    by_file: dict[str, list[Symbol]] = defaultdict(list)
    for tf, ts in tests:
        by_file[tf.path].append(ts)
        doc = summary(ts.docstring)
        calls = repo.describe_calls(tf, ts)
        code = repo.code(tf, ts)
        if not (doc or calls or code):
            continue
        options = [
            f"What does the test `{ts.qualname}` in `{tf.path}` check?",
            f"Explain the test `{ts.qualname}` ({tf.path}).",
        ]
        parts = [f"`{ts.qualname}` is a test in `{tf.path}` (lines {ts.start_line}-{ts.end_line})."]
        if doc:
            parts.append(" " + doc)
        if calls:
            parts.append(f" It calls {calls}.")
        if code:
            parts += [" The test:\n", code]
        yield Pair("testing", pick(options, "test-what", tf.path, ts.qualname), repo.compose(parts),
                    repo.source(tf, ts), tf.path)
    for path in sorted(by_file):
        members = by_file[path]
        options = [
            f"Which tests are in `{path}`?",
            f"What does the test file `{path}` cover?",
        ]
        items = []
        for ts in members[:12]:
            doc = first_sentence(ts.docstring)
            items.append(f"- `{ts.qualname}`" + (f": {doc}." if doc else ""))
        more = f"\n- and {len(members) - 12} more" if len(members) > 12 else ""
        out = f"`{path}` holds {pluralize(len(members), 'test')}:\n" + "\n".join(items) + more
        f = repo.files[path]
        yield Pair("testing", pick(options, "test-file", path), repo.compose([out]),
                    f"{path}:1-{max(1, f.index.lines)}", path)
    yield from _test_skeletons(repo, tested)


def _test_style(repo: Repo) -> tuple[str, list[str]] | None:
    py_tests = [f for f in repo.files.values()
                if f.index.is_test and f.lang == "python" and any(s.is_test for s in f.index.symbols)]
    if not py_tests:
        return None
    top_level = any(
        s.kind == "function" and s.name.startswith("test") for f in py_tests for s in f.index.symbols)
    uses_pytest = any(any(i.split(".")[0] == "pytest" for i in f.index.imports) for f in py_tests)
    uses_unittest = any(any(i.split(".")[0] == "unittest" for i in f.index.imports) for f in py_tests)
    style = "unittest" if uses_unittest and not (uses_pytest or top_level) else "pytest"
    return style, sorted(f.path for f in py_tests)


def _test_skeletons(repo: Repo, tested: dict[SymRef, list[tuple[File, Symbol]]]) -> Iterable[Pair]:
    found = _test_style(repo)
    if found is None:
        return
    style, test_paths = found
    for f, s in repo.code_symbols(("function", "method")):
        if f.lang != "python" or s.name.startswith("_") or s.signature.lstrip().startswith("async"):
            continue
        params = parse_params(s, f.lang)
        if params is None:
            continue
        module = repo.python_import_name(f.path)
        if not module:
            continue
        near = _nearby_tests(f.path, test_paths)
        if not near:
            continue
        test_dirs = Counter(posixpath.dirname(p) for p in near)
        test_dir = sorted(test_dirs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        stem = posixpath.basename(f.path)[:-3]
        existing = [p for p in near if posixpath.basename(p) in (f"test_{stem}.py", f"{stem}_test.py")]
        test_file = existing[0] if existing else f"{test_dir + '/' if test_dir else ''}test_{stem}.py"
        dir_text = f"`{test_dir}/`" if test_dir else "the top-level folder"
        args = ", ".join(f"{p.name}=..." for p in params if not p.optional)
        decos = [decorator_name(d) for d in s.decorators]
        if s.kind == "method" and s.parent:
            imported = s.parent.split(".")[0]
            if "staticmethod" in decos or "classmethod" in decos:
                call = f"{s.parent}.{s.name}({args})"
            else:
                init = next((m for m in repo.methods[(f.path, s.parent)] if m.name == "__init__"), None)
                init_params = parse_params(init, f.lang) if init else None
                if init_params is None:
                    init_args = "..."
                else:
                    init_args = ", ".join(f"{p.name}=..." for p in init_params if not p.optional)
                call = f"{s.parent}({init_args}).{s.name}({args})"
        else:
            imported = s.name
            call = f"{s.name}({args})"
        raises = repo.raises(f, s)
        ref = (f.path, s.qualname, s.start_line)
        intro = (f"This project's tests live in {dir_text}; put it in `{test_file}`. "
                 f"`{s.qualname}` is {repo.where(f, s)}. Replace each `...` with a real value:\n")
        if raises:
            r = raises[0]
            exc_import = _exception_import(repo, r.exc)
            if exc_import is None:
                continue
            lines = ["import pytest" if style == "pytest" else "import unittest", ""]
            lines.append(f"from {module} import {imported}")
            if exc_import:
                lines.append(exc_import)
            lines += ["", ""]
            comment = f"# {s.qualname} raises {r.exc} {r.condition.replace('`', '')} (line {r.line})"
            test_name = f"test_{s.name}_raises_{re.sub(r'[^a-z0-9]+', '_', r.exc.split('.')[-1].lower())}"
            if style == "pytest":
                lines += [f"def {test_name}():", f"    {comment}", f"    with pytest.raises({r.exc}):",
                          f"        {call}"]
            else:
                cls = "Test" + "".join(w.capitalize() for w in s.name.split("_"))
                lines += [f"class {cls}(unittest.TestCase):", f"    def {test_name}(self):", f"        {comment}",
                          f"        with self.assertRaises({r.exc}):", f"            {call}"]
            options = [
                f"Write a test that checks `{s.qualname}` in `{f.path}` raises `{r.exc}`.",
                f"How do I test the `{r.exc}` case of `{s.qualname}` ({f.path})?",
            ]
            yield Pair("testing", pick(options, "test-raise", f.path, s.qualname),
                        repo.compose([intro, Code(lines, "python")]), repo.source(f, s), f.path)
        elif ref not in tested and first_sentence(s.docstring):
            lines = ["import unittest", ""] if style == "unittest" else []
            lines += [f"from {module} import {imported}", "", ""]
            purpose = first_sentence(s.docstring)
            if style == "pytest":
                lines += [f"def test_{s.name}():", f"    # {s.qualname}: {purpose}", f"    result = {call}",
                          "    assert result == ...  # the value the docstring promises"]
            else:
                cls = "Test" + "".join(w.capitalize() for w in s.name.split("_"))
                lines += [f"class {cls}(unittest.TestCase):", f"    def test_{s.name}(self):",
                          f"        # {s.qualname}: {purpose}", f"        result = {call}",
                          "        self.assertEqual(result, ...)  # the value the docstring promises"]
            options = [
                f"Write a {style} test for `{s.qualname}` in `{f.path}`.",
                f"`{s.qualname}` ({f.path}) has no test yet. How would I write one?",
            ]
            yield Pair("testing", pick(options, "test-new", f.path, s.qualname),
                        repo.compose([intro, Code(lines, "python")]), repo.source(f, s), f.path)


def _test_root(path: str) -> str:
    """The folder a test file's suite belongs to: the part of its path before a tests/test folder."""
    parts = path.split("/")[:-1]
    for i, comp in enumerate(parts):
        if comp in ("tests", "test", "testing"):
            return "/".join(parts[:i])
    return "/".join(parts)


def _nearby_tests(path: str, test_paths: list[str]) -> list[str]:
    """The test files of the innermost test suite whose root folder holds ``path``."""
    best: list[str] = []
    best_len = -1
    for tp in test_paths:
        root = _test_root(tp)
        if root and not path.startswith(root + "/"):
            continue
        if len(root) > best_len:
            best, best_len = [tp], len(root)
        elif len(root) == best_len:
            best.append(tp)
    return best

def _exception_import(repo: Repo, exc: str) -> str | None:
    """The import line a test needs for ``exc``: "" for builtins, None when it cannot be found."""
    if "." in exc:
        return f"import {exc.split('.')[0]}"
    if exc in PY_BUILTINS:
        return ""
    defs = [r for r in repo.defs_by_name.get(exc, []) if repo.symbols[r][1].kind == "class"]
    if len(defs) != 1:
        return None
    module = repo.python_import_name(defs[0][0])
    return f"from {module} import {exc}" if module else None
