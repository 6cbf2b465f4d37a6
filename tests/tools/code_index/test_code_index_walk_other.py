"""index_code: Go, Rust, Java and Ruby definitions, imports, doc comments and test flags."""

from __future__ import annotations

from goose_studio.tools.code_index import extract_file


def test_go() -> None:
    go = extract_file("go", b'// Package srv serves.\npackage srv\n\nimport "fmt"\n\n'
                            b'// Server serves.\ntype Server struct{ n int }\n\n'
                            b'// Run runs it.\nfunc (s *Server) Run(n int) error { fmt.Println(n); return nil }\n')
    assert go[0] == "Package srv serves." and go[1] == ["fmt"]
    assert [(s.kind, s.qualname, s.docstring) for s in go[2]] == [
        ("class", "Server", "Server serves."), ("method", "Server.Run", "Run runs it.")]
    assert go[2][1].signature == "func (s *Server) Run(n int) error" and go[2][1].calls == ["fmt.Println"]


def test_rust() -> None:
    rust = extract_file("rust", b"use std::fmt;\n/// A point.\npub struct P { x: i32 }\n"
                                b"impl P {\n    /// Norm.\n    pub fn norm(&self) -> i32 { abs(self.x) }\n}\n"
                                b"#[test]\nfn it_works() { assert_eq!(1, 1); }\n")
    assert rust[1] == ["std::fmt"]
    assert [(s.kind, s.qualname, s.docstring, s.is_test) for s in rust[2]] == [
        ("class", "P", "A point.", False), ("method", "P.norm", "Norm.", False),
        ("function", "it_works", "", True)]
    assert rust[2][2].decorators == ["test"] and rust[2][2].calls == ["assert_eq!"]


def test_java() -> None:
    java = extract_file("java", b"import java.util.List;\n/** Greets. */\npublic class Hello {\n"
                                b"  @Test\n  public void greet(String n) { System.out.println(n); }\n}\n")
    assert java[1] == ["java.util.List"]
    assert [(s.qualname, s.signature) for s in java[2]] == [
        ("Hello", "public class Hello"), ("Hello.greet", "public void greet(String n)")]
    assert java[2][0].docstring == "Greets." and java[2][1].is_test and java[2][1].decorators == ["Test"]


def test_ruby() -> None:
    ruby = extract_file("ruby", b"require 'json'\nmodule M\n  # Does it.\n  class K < B\n"
                                b"    def go(a)\n      helper(a)\n    end\n  end\nend\n")
    assert ruby[1] == ["json"]
    assert [(s.kind, s.qualname) for s in ruby[2]] == [("class", "M"), ("class", "M.K"), ("method", "M.K.go")]
    assert ruby[2][1].docstring == "Does it." and ruby[2][2].calls == ["helper"]
