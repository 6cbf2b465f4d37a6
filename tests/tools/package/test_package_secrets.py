"""Finding secret-looking strings in text: known token formats and credential assignments, not placeholders,
through the studio's one detector."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from goose_studio.tools import package as pkg
from goose_studio.tools.package import secrets
from package_helpers import FAKE_AWS_KEY, FAKE_GITHUB_TOKEN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FAKE_AWS_KEY, "aws_access_key_id"),
        (FAKE_GITHUB_TOKEN, "github_token"),
        ("github_pat_" + "A1b2" * 8, "github_fine_grained_token"),
        ("sk-proj-" + "a1B2c3" * 5, "openai_api_key"),
        ("hf_" + "aB3" * 12, "huggingface_token"),
        ("xoxb-" + "1234567890-abcdef", "slack_token"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private_key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private_key"),
        ('DB_PASSWORD = "s3cr3tValue!9x"', "credential_assignment"),
        ('{"api_key": "Zq81mVn0pLk2x7Yt"}', "credential_assignment"),
    ],
)
def test_secret_patterns_match(text, expected):
    assert expected in [name for name, _ in pkg.find_secrets(f"before {text} after")]


@pytest.mark.parametrize(
    "text",
    [
        "task-manager-configuration-module-name",
        'password = "your-password-here"',
        "api_key = os.environ['API_KEY']",
        "password: short",
        "The hf_hub_download helper and the sk-learn package.",
    ],
)
def test_secret_patterns_ignore_ordinary_text(text):
    assert pkg.find_secrets(text) == []


def test_secrets_module_uses_only_the_studio_detector():
    tree = ast.parse(Path(secrets.__file__).read_text(encoding="utf-8"))
    imported = [("." * n.level) + (n.module or "") for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert sorted(set(imported) - {"__future__"}) == ["...secrets", "...secrets.values"]


def test_findings_are_previews_not_values():
    token = "ghp_" + "Zq9" * 12
    [(kind, shown)] = pkg.find_secrets(f"token = '{token}'")
    assert kind == "github_token" and token not in shown and shown.endswith(f"({len(token)} chars)")
