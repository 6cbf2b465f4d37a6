"""The detector's interface: findings with kind, line, offsets and a preview that never holds the value;
placeholders, masks, known values (with their kinds), the values of a text for redacting them elsewhere,
and a package that imports nothing else of the studio."""

from __future__ import annotations

import ast
from pathlib import Path

import goose_studio.secrets as secrets
from goose_studio.secrets import Redacted, placeholder, redact, scan, secret_values

TOKEN = "ghp_" + "Zq9aB1" * 6


def test_a_finding_says_where_the_secret_is_without_holding_it() -> None:
    text = f"# config\nname = 'shop'\ntoken = '{TOKEN}'\n"
    [f] = scan(text, where="app/config.py")
    assert (f.kind, f.line, f.where) == ("github_token", 3, "app/config.py")
    assert text[f.start:f.end] == TOKEN
    assert TOKEN not in f.preview and f.preview.endswith(f"({len(TOKEN)} chars)")
    assert TOKEN not in repr(f.as_dict()) and set(f.as_dict()) == {"kind", "line", "start", "end", "preview", "where"}


def test_redact_replaces_each_secret_by_its_placeholder() -> None:
    text = f"a={TOKEN} b=AKIA{'Q7' * 8}"
    out = redact(text)
    assert isinstance(out, Redacted) and out.changed
    assert out.text == f"a={placeholder('github_token')} b={placeholder('aws_access_key_id')}"
    assert placeholder("jwt") == "<REDACTED:jwt>"


def test_a_text_without_secrets_comes_back_unchanged() -> None:
    text = "def add(a, b):\n    return a + b\n"
    assert redact(text) == Redacted(text, []) and not redact(text).changed
    assert scan("") == []


def test_the_caller_chooses_the_mask() -> None:
    out = redact(f"token {TOKEN} end", mask=lambda f: f"[{f.kind}]")
    assert out.text == "token [github_token] end"


def test_known_values_are_found_wherever_they_appear_with_their_kind() -> None:
    text = "the value plain-looking-value! and again plain-looking-value"
    assert [f.kind for f in scan(text, known=["plain-looking-value"])] == ["known_value", "known_value"]
    assert [f.kind for f in scan(text, known={"plain-looking-value": "password"})] == ["password", "password"]
    assert scan("abc is short", known=["abc"]) == []
    many = {f"value-{i:04d}-xyz": "credential_assignment" for i in range(100)}
    assert [f.kind for f in scan("see value-0042-xyz here", known=many)] == ["credential_assignment"]


def test_secret_values_lists_what_to_redact_elsewhere() -> None:
    key_line = "MIIEow" + "Ab12Cd34" * 7
    text = (f'URL = "postgres://app:Xk29fLq0Zt@db/shop"\nTOKEN = "{TOKEN}"\n'
            f"-----BEGIN RSA PRIVATE KEY-----\n{key_line}\n-----END RSA PRIVATE KEY-----\n")
    values = secret_values(text, where="settings.py")
    assert values[TOKEN] == "github_token"
    assert values["Xk29fLq0Zt"] == "url_credentials"  # the password alone, as prose would quote it
    assert values[key_line] == "private_key"
    paraphrase = f"The database password is Xk29fLq0Zt and the key starts with {key_line}."
    assert "Xk29fLq0Zt" not in redact(paraphrase, known=values).text
    assert key_line not in redact(paraphrase, known=values).text


def test_the_package_imports_nothing_else_of_the_studio() -> None:
    root = Path(secrets.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1 and not (node.module or "").startswith("goose_studio"), path.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("goose_studio") for a in node.names), path.name
