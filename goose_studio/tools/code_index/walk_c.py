"""C and C++ definitions: functions (``Class::method`` definitions become methods of ``Class``), structs,
unions and classes (typedef'd anonymous ones by their alias), namespaces, templates, ``extern "C"`` blocks
and preprocessor conditionals, with the comment just above each as its doc."""

from __future__ import annotations

from typing import Any

from .extract import Extractor
from .text import WS_RE


class CExtractor(Extractor):
    """Walks a C or C++ translation unit."""

    _C_CLASSES = frozenset({"class_specifier", "struct_specifier", "union_specifier"})
    _C_NESTED = frozenset({"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef",
                           "declaration_list"})

    def walk(self) -> None:
        self._c_body(self.root, "", None)

    def _c_body(self, body: Any, prefix: str, cls: str | None) -> None:
        for node in body.named_children:
            self._c_item(node, node, prefix, cls)

    def _c_item(self, node: Any, outer: Any, prefix: str, cls: str | None) -> None:
        t = node.type
        if t == "function_definition":
            self._c_function(node, outer, prefix, cls)
        elif t == "template_declaration":
            inner = next((c for c in reversed(node.named_children)
                          if c.type in ("function_definition", "declaration", "template_declaration")
                          or c.type in self._C_CLASSES), None)
            if inner is not None:
                self._c_item(inner, outer, prefix, cls)
        elif t in self._C_CLASSES:
            self._c_class(node, outer, None, prefix, cls)
        elif t in ("declaration", "type_definition", "field_declaration"):
            spec = node.child_by_field_name("type")
            if spec is not None and spec.type in self._C_CLASSES:
                alias = None
                if t == "type_definition":
                    decl = node.child_by_field_name("declarator")
                    alias = self.text(decl) if decl is not None and decl.type == "type_identifier" else None
                self._c_class(spec, outer, alias, prefix, cls)
        elif t == "namespace_definition":
            name_node = node.child_by_field_name("name")
            inner = node.child_by_field_name("body")
            if inner is not None:
                ns = WS_RE.sub("", self.text(name_node)).replace("::", ".") + "." if name_node is not None else ""
                self._c_body(inner, prefix + ns, cls)
        elif t == "linkage_specification":
            inner = node.child_by_field_name("body")
            if inner is not None:
                if inner.type == "declaration_list":
                    self._c_body(inner, prefix, cls)
                else:
                    self._c_item(inner, inner, prefix, cls)
        elif t in self._C_NESTED:
            self._c_body(node, prefix, cls)

    def _c_class(self, spec: Any, outer: Any, alias: str | None, prefix: str, cls: str | None) -> None:
        body = spec.child_by_field_name("body")
        name_node = spec.child_by_field_name("name")
        if body is None:
            return
        name = self.text(name_node) if name_node is not None else alias
        if not name:
            return
        qual = prefix + name
        self.add(kind="class", name=name, qualname=qual, parent=cls, node=outer, span_start_node=outer,
                 header_start=outer.start_byte, header_end=body.start_byte, decorators=[],
                 doc=self.doc_before(outer.start_byte, "lines"), is_test=False)
        self._c_body(body, qual + ".", qual)

    def _c_function(self, node: Any, outer: Any, prefix: str, cls: str | None) -> None:
        decl = node.child_by_field_name("declarator")
        depth = 0
        while decl is not None and decl.type != "function_declarator" and depth < 8:
            nxt = decl.child_by_field_name("declarator")
            if nxt is None:
                named = decl.named_children
                nxt = named[-1] if named else None
            decl = nxt
            depth += 1
        if decl is None:
            return
        name_node = decl.child_by_field_name("declarator")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        full = WS_RE.sub("", self.text(name_node))
        parent = cls
        name = full
        if "::" in full:
            scope, _, name = full.rpartition("::")
            parent = prefix + scope.replace("::", ".")
        qual = f"{parent}.{name}" if parent else prefix + name
        self.add(kind="method" if parent else "function", name=name, qualname=qual, parent=parent, node=outer,
                 span_start_node=outer, header_start=outer.start_byte, header_end=body.start_byte, decorators=[],
                 doc=self.doc_before(outer.start_byte, "lines"),
                 is_test=self.is_test_file and name.lower().startswith("test"))
