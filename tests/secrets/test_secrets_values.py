"""Judging names and values: secret-like names, placeholders, references, random-looking values."""

from __future__ import annotations

import pytest

from goose_studio.secrets.values import is_placeholder, is_reference, is_secret_name, looks_random


@pytest.mark.parametrize("name", ["DB_PASSWORD", "apiKey", "api_key", "SECRET_KEY", "client_secret", "passwd",
                                  "GITHUB_TOKEN", "x-api-key", "AWS_SECRET_ACCESS_KEY", "self.auth_token"])
def test_secret_like_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["token_count", "max_tokens", "tokenizer", "password_field", "TOKEN_URL",
                                  "secret_name", "public_key", "bos_token", "TOKEN_HEADER", "bypass", "name"])
def test_names_about_a_secret_rather_than_holding_it(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize("value", ["your-api-key", "xxxxxxxx", "changeme", "<token>", "${TOKEN}", "{{ secret }}",
                                   "AKIAIOSFODNN7EXAMPLE", "$API_KEY", "[REDACTED]", "<REDACTED:jwt>", "hf_***",
                                   "0123456789", "ABCDEFGHIJ"])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["Zx81Qw7Lp02Vn4Mb6Tr9Ys3Ud5", "s3cr3tValue!9x", "kGdCfGbsb5qXwq"])
def test_real_looking_values_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


def test_references_and_random_values() -> None:
    assert is_reference("os.environ") and is_reference("get_token()") and is_reference("settings.API_KEY")
    assert not is_reference("hunter2-pass!")
    assert looks_random("Zx81Qw7Lp02Vn4Mb6Tr9Ys3Ud5")
    assert not looks_random("LangGraphDeprecatedSinceV10")  # an identifier's words
    assert not looks_random("e3b0c44298fc1c149afbf4c8996fb92427ae41e4")  # one case only
    assert not looks_random("Zx81Qw7Lp")  # too short
