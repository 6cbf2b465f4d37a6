"""The planted-secrets corpus: every kind of credential in every syntax is found and leaves no trace after
redaction; look-alikes (placeholders, references, digests, identifiers) and the project's own sample data
give no finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from goose_studio.secrets import redact, scan
from secrets_helpers import NEGATIVES, SYNTAXES, corpus, in_context

ROOT = Path(__file__).resolve().parents[2]
# the kind a finding must have where the format tells it
EXPECTED_KIND = {
    "aws_access_key_id": "aws_access_key_id", "aws_secret_access_key": "aws_secret_access_key",
    "github_token": "github_token", "github_fine_grained_token": "github_fine_grained_token",
    "github_app_token": "github_app_token", "gitlab_token": "gitlab_token", "slack_token": "slack_token",
    "slack_webhook": "slack_webhook", "stripe_live_key": "stripe_key", "stripe_test_key": "stripe_key",
    "google_api_key": "google_api_key", "azure_connection_string": "azure_storage_key",
    "twilio_api_key": "twilio_key", "sendgrid_api_key": "sendgrid_api_key", "openai_api_key": "openai_api_key",
    "anthropic_api_key": "anthropic_api_key", "huggingface_token": "huggingface_token", "npm_token": "npm_token",
    "pypi_token": "pypi_token", "jwt": "jwt", "telegram_bot_token": "telegram_token",
    "database_url": "url_credentials", "basic_auth_url": "url_credentials", "rsa_private_key": "private_key",
    "ec_private_key": "private_key", "openssh_private_key": "private_key",
    "google_service_account_key": "private_key",
}
SAMPLES = corpus() + in_context()


def test_the_corpus_has_at_least_twenty_kinds_in_every_syntax() -> None:
    kinds = {s.kind for s in corpus()}
    assert len(kinds) >= 20
    assert all({s.syntax for s in corpus() if s.kind == k} == set(SYNTAXES) for k in kinds)


def test_every_planted_secret_is_found_and_redacted() -> None:
    missed = []
    for sample in SAMPLES:
        out = redact(sample.text, where=sample.where)
        if not out.findings or any(value in out.text for value in sample.values):
            missed.append((sample.kind, sample.syntax))
    assert missed == []


def test_formats_are_named_by_their_kind() -> None:
    wrong = []
    for sample in corpus():
        want = EXPECTED_KIND.get(sample.kind)
        kinds = {f.kind for f in scan(sample.text, where=sample.where)}
        if want and want not in kinds:
            wrong.append((sample.kind, sample.syntax, sorted(kinds)))
    assert wrong == []


def test_redaction_is_idempotent_and_leaves_the_rest_alone() -> None:
    for sample in SAMPLES:
        once = redact(sample.text, where=sample.where)
        twice = redact(once.text, where=sample.where)
        assert twice.text == once.text and twice.findings == []
        pos = 0
        for f in once.findings:  # the text between findings is kept as it was
            assert f.start >= pos
            assert sample.text[pos:f.start] in once.text
            pos = f.end


@pytest.mark.parametrize("text", NEGATIVES)
def test_look_alikes_are_not_secrets(text: str) -> None:
    assert scan(text) == []


def _sample_files() -> list[Path]:
    examples = [p for p in (ROOT / "goose_studio" / "examples").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts]
    return examples + [ROOT / "README.md", ROOT / "ARCHITECTURE.md", ROOT / "tests" / "conftest.py"]


def test_the_project_sample_data_has_no_finding() -> None:
    found = [(p.relative_to(ROOT).as_posix(), f.kind, f.line)
             for p in _sample_files() for f in scan(p.read_text(encoding="utf-8"), where=p.name)]
    assert found == []
