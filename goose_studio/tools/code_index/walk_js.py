"""JavaScript, TypeScript and TSX definitions: functions (declared, or assigned to ``const``/``let``/``var``),
classes and their methods and function-valued fields, CommonJS exports and prototype methods, with
decorators and JSDoc (``/** */``) comments."""

from __future__ import annotations

import re
from typing import Any

from .extract import Extractor
from .text import WS_RE, one_line


class JsExtractor(Extractor):
    """Walks the top level of a JavaScript, TypeScript or TSX module (and the classes found there)."""

    _JS_FUNCS = frozenset({"function_declaration", "generator_function_declaration", "function_expression",
                           "function", "generator_function", "arrow_function"})
    _JS_CLASSES = frozenset({"class_declaration", "class", "abstract_class_declaration"})

    def _first_code_child(self, node: Any) -> Any:
        for c in node.children:
            if c.type != "decorator" and "comment" not in c.type:
                return c
        return node

    def _decorators(self, *nodes: Any) -> list[Any]:
        out = []
        for n in nodes:
            out.extend(c for c in n.children if c.type == "decorator")
        return out

    def walk(self) -> None:
        for stmt in self.root.named_children:
            self._js_statement(stmt)

    def _js_statement(self, stmt: Any) -> None:
        decl, outer, default = stmt, stmt, False
        if stmt.type == "export_statement":
            decl = stmt.child_by_field_name("declaration") or stmt.child_by_field_name("value")
            if decl is None:
                return
            default = any(c.type == "default" for c in stmt.children)
        dt = decl.type
        decorators = self._decorators(outer, decl) if decl is not outer else self._decorators(outer)
        span_node = decorators[0] if decorators else outer
        header_start = self._first_code_child(outer).start_byte
        if dt in self._JS_FUNCS:
            name_node = decl.child_by_field_name("name")
            name = self.text(name_node) if name_node is not None else ("default" if default else "")
            if not name:
                return
            body = decl.child_by_field_name("body")
            self.add(kind="function", name=name, qualname=name, parent=None, node=outer, span_start_node=span_node,
                     header_start=header_start, header_end=body.start_byte if body is not None else outer.end_byte,
                     decorators=[one_line(self.text(d).lstrip("@")) for d in decorators],
                     doc=self.doc_before(span_node.start_byte, "jsdoc"), is_test=False)
        elif dt in self._JS_CLASSES:
            name_node = decl.child_by_field_name("name")
            name = self.text(name_node) if name_node is not None else ("default" if default else "")
            if name:
                self._js_class(decl, outer, span_node, header_start, name, decorators)
        elif dt in ("lexical_declaration", "variable_declaration"):
            declarators = [c for c in decl.named_children if c.type == "variable_declarator"]
            for k, declarator in enumerate(declarators):
                value = declarator.child_by_field_name("value")
                name_node = declarator.child_by_field_name("name")
                if value is None or name_node is None or name_node.type != "identifier":
                    continue
                name = self.text(name_node)
                first = k == 0
                node_for_span = span_node if first else declarator
                if value.type in self._JS_FUNCS:
                    body = value.child_by_field_name("body")
                    prefix = self.slice(header_start, declarators[0].start_byte)
                    self.add(kind="function", name=name, qualname=name, parent=None,
                             node=outer if len(declarators) == 1 else declarator, span_start_node=node_for_span,
                             header_start=declarator.start_byte,
                             header_end=body.start_byte if body is not None else declarator.end_byte,
                             decorators=[], doc=self.doc_before(node_for_span.start_byte, "jsdoc") if first else "",
                             is_test=False, header_node=declarator, sig_prefix=prefix)
                elif value.type in self._JS_CLASSES:
                    self._js_class(value, outer if len(declarators) == 1 else declarator, node_for_span,
                                   header_start if first else declarator.start_byte, name, [])
        elif dt == "expression_statement" and decl is stmt:
            self._js_assignment(stmt)

    _JS_NAME_RE = re.compile(r"^[A-Za-z_$][\w$]*$")

    def _js_assignment(self, stmt: Any) -> None:
        """``exports.f = function``, ``module.exports = (a) => ...``, ``Foo.prototype.m = function``."""
        expr = stmt.named_children[0] if stmt.named_child_count else None
        if expr is None or expr.type != "assignment_expression":
            return
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        if left is None or right is None or left.type != "member_expression":
            return
        is_class = right.type in self._JS_CLASSES
        if right.type not in self._JS_FUNCS and not is_class:
            return
        parts = WS_RE.sub("", self.text(left)).split(".")
        if parts[:2] == ["module", "exports"]:
            parts = parts[2:]
        elif parts[:1] == ["exports"]:
            parts = parts[1:]
        if not parts:  # the module's single export: named after the function or class when it has a name
            own = right.child_by_field_name("name")
            parts = [self.text(own) if own is not None else "module.exports"]
        elif not all(self._JS_NAME_RE.match(p) for p in parts):
            return
        if is_class:
            self._js_class(right, stmt, stmt, stmt.start_byte, ".".join(parts), [])
            return
        parent = None
        if len(parts) >= 3 and parts[-2] == "prototype":
            parent = ".".join(parts[:-2])
            parts = parts[:-2] + parts[-1:]
        body = right.child_by_field_name("body")
        self.add(kind="method" if parent else "function", name=parts[-1], qualname=".".join(parts),
                 parent=parent, node=stmt, span_start_node=stmt, header_start=stmt.start_byte,
                 header_end=body.start_byte if body is not None else stmt.end_byte, decorators=[],
                 doc=self.doc_before(stmt.start_byte, "jsdoc"), is_test=False)

    def _js_class(self, decl: Any, outer: Any, span_node: Any, header_start: int, name: str,
                  decorators: list[Any]) -> None:
        body = decl.child_by_field_name("body")
        self.add(kind="class", name=name, qualname=name, parent=None, node=outer, span_start_node=span_node,
                 header_start=header_start, header_end=body.start_byte if body is not None else outer.end_byte,
                 decorators=[one_line(self.text(d).lstrip("@")) for d in decorators],
                 doc=self.doc_before(span_node.start_byte, "jsdoc"), is_test=False)
        if body is None:
            return
        pending: list[Any] = []
        for member in body.named_children:
            mt = member.type
            if mt == "decorator":
                pending.append(member)
                continue
            if "comment" in mt:
                continue
            decos = pending + self._decorators(member)
            pending = []
            value = None
            if mt == "method_definition":
                value = member
            elif mt in ("public_field_definition", "field_definition"):
                v = member.child_by_field_name("value")
                if v is not None and v.type in self._JS_FUNCS:
                    value = v
            if value is None:
                continue
            name_node = member.child_by_field_name("name") or member.child_by_field_name("property")
            if name_node is None:
                continue
            mname = self.text(name_node)
            mbody = value.child_by_field_name("body")
            span = decos[0] if decos else member
            self.add(kind="method", name=mname, qualname=f"{name}.{mname}", parent=name, node=member,
                     span_start_node=span, header_start=self._first_code_child(member).start_byte,
                     header_end=mbody.start_byte if mbody is not None else member.end_byte,
                     decorators=[one_line(self.text(d).lstrip("@")) for d in decos],
                     doc=self.doc_before(span.start_byte, "jsdoc"), is_test=False)
