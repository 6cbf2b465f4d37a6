"""Python definitions: classes, functions and methods (also inside ``if``/``try``/``with`` blocks), with
decorators, docstrings and pytest/unittest naming for test flags; the module docstring is the file's doc."""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

from .extract import Extractor
from .text import one_line

_PY_TEST_FUNC_RE = re.compile(r"^test(_|[A-Z0-9]|$)")
_PY_TEST_CLASS_RE = re.compile(r"^Test([A-Z0-9_]|$)|(Test|Tests|TestCase)$")


def _py_string(text: str) -> str:
    """The value of a Python string literal (used for docstrings)."""
    for q in ('"""', "'''"):
        # the common case, a plain triple-quoted string without escapes, needs no evaluation
        if text.startswith(q) and text.endswith(q) and len(text) >= 6 and "\\" not in text:
            inner = text[3:-3]
            if q not in inner:
                return inspect.cleandoc(inner).strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None
    if not isinstance(value, str):
        stripped = text.lstrip("rRbBuUfF")
        for q in ('"""', "'''", '"', "'"):
            if stripped.startswith(q) and stripped.endswith(q) and len(stripped) >= 2 * len(q):
                stripped = stripped[len(q):-len(q)]
                break
        value = stripped
    return inspect.cleandoc(value).strip()


class PythonExtractor(Extractor):
    """Walks a Python module."""

    _PY_CLAUSES = frozenset({"elif_clause", "else_clause", "except_clause", "except_group_clause", "finally_clause"})
    _PY_COMPOUND = frozenset({"if_statement", "try_statement", "with_statement"})

    def _py_docstring(self, block: Any) -> str:
        if block is None:
            return ""
        for stmt in block.named_children:
            if stmt.type == "comment":
                continue
            node = stmt
            if stmt.type == "expression_statement" and stmt.named_child_count == 1:
                node = stmt.named_children[0]
            if node.type in ("string", "concatenated_string"):
                return _py_string(self.text(node))
            return ""
        return ""

    def module_doc(self) -> str:
        """The module docstring."""
        return self._py_docstring(self.root)

    def walk(self) -> None:
        self._py_block(self.root, "", None, False)

    def _py_block(self, block: Any, prefix: str, cls: str | None, in_test_class: bool) -> None:
        for child in block.named_children:
            t = child.type
            if t == "decorated_definition":
                definition = child.child_by_field_name("definition")
                decorators = [c for c in child.named_children if c.type == "decorator"]
                if definition is not None:
                    self._py_def(definition, child, decorators, prefix, cls, in_test_class)
            elif t in ("function_definition", "class_definition"):
                self._py_def(child, child, [], prefix, cls, in_test_class)
            elif t in self._PY_COMPOUND:
                for sub in child.named_children:
                    if sub.type == "block":
                        self._py_block(sub, prefix, cls, in_test_class)
                    elif sub.type in self._PY_CLAUSES:
                        for b in sub.named_children:
                            if b.type == "block":
                                self._py_block(b, prefix, cls, in_test_class)

    def _py_def(self, node: Any, outer: Any, decorators: list[Any], prefix: str, cls: str | None,
                in_test_class: bool) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None:
            return
        name = self.text(name_node)
        qualname = prefix + name
        decos = [one_line(self.text(d).lstrip("@")) for d in decorators]
        is_class = node.type == "class_definition"
        if is_class:
            is_test = in_test_class or bool(_PY_TEST_CLASS_RE.search(name))
            kind = "class"
        else:
            is_test = in_test_class or bool(_PY_TEST_FUNC_RE.match(name))
            kind = "method" if cls is not None else "function"
        self.add(kind=kind, name=name, qualname=qualname, parent=cls, node=outer, span_start_node=outer,
                 header_start=node.start_byte, header_end=body.start_byte if body is not None else node.end_byte,
                 decorators=decos, doc=self._py_docstring(body), is_test=is_test)
        if is_class and body is not None:
            self._py_block(body, qualname + ".", qualname, is_test)
