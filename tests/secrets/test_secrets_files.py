"""Files that hold credentials by their nature are told by their path alone (``.npmrc`` by a token in it)."""

from __future__ import annotations

import pytest

from goose_studio.secrets.files import holds_secrets, is_secret_file, npmrc_has_token


@pytest.mark.parametrize("rel", [
    ".env", ".env.local", ".env.production", "deploy/prod.env", ".envrc", "keys/server.pem", "tls.key",
    "cert.p12", "store.jks", "putty.ppk", "id_rsa", "id_rsa.pub", ".ssh/id_ed25519", ".pypirc", ".netrc",
    ".git-credentials", ".pgpass", "credentials.json", "client_secret_1234.apps.googleusercontent.com.json",
    "gcp/shop-service-account.json", "deploy-credentials.json", ".aws/credentials", ".docker/config.json",
    ".streamlit/secrets.toml", "config/secrets.yml", "infra/terraform.tfstate", "infra/terraform.tfstate.backup",
    "CONFIG/.ENV",
])
def test_secret_files(rel: str) -> None:
    assert is_secret_file(rel)


@pytest.mark.parametrize("rel", [
    ".env.example", ".env.sample", ".env.template", "example.env", "env.py", "environment.yml", "keys.py",
    "docs/keys.md", "public.pub.txt", "credentials.py", "config.json", ".npmrc", "src/key_handler.ts",
    "aws/credentials.md", "requirements.txt",
])
def test_ordinary_files(rel: str) -> None:
    assert not is_secret_file(rel)


def test_an_npmrc_counts_only_with_a_token(tmp_path) -> None:
    plain, token, link = tmp_path / "plain", tmp_path / "token", tmp_path / "link"
    plain.write_text("registry=https://registry.npmjs.org/\nsave-exact=true\n")
    token.write_text("registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_abc\n")
    link.symlink_to(plain)
    assert not npmrc_has_token(plain) and npmrc_has_token(token)
    assert not holds_secrets("web/.npmrc", plain) and holds_secrets("web/.npmrc", token)
    assert holds_secrets(".npmrc", link)  # a link is never followed to find out
    assert holds_secrets(".env", tmp_path / "missing")  # by name: never opened
