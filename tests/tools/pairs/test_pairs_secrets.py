"""No secret reaches a written pair: a repository seeded with credentials of many kinds (in code, comments,
docstrings, error messages, tests, a React component, the README and a configuration file) gives pairs
that hold placeholders instead, and stats that say how many were redacted, of which kinds and where,
without the values; a repository without secrets reports none."""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest

from goose_studio.secrets import scan
from pairs_helpers import ctx, make_indexed_repo, read_jsonl, run  # noqa: F401  (fixtures)

EXAMPLE = Path(__file__).resolve().parents[3] / "goose_studio" / "examples" / "minitask"


def _rand(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
            return value


def _secrets() -> dict[str, str]:
    rng = random.Random(20)
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps({"sub": "svc", "iat": 1}).encode()).rstrip(b"=").decode()
    return {
        "aws_key": "AKIA" + _rand(rng, 16, string.ascii_uppercase + string.digits),
        "aws_secret": _rand(rng, 40, string.ascii_letters + string.digits + "/+"),
        "github": "ghp_" + _rand(rng, 36),
        "github_app": "ghs_" + _rand(rng, 36),
        "gitlab": "glpat-" + _rand(rng, 20),
        "slack": f"xoxb-{rng.randrange(10**10, 10**11)}-{rng.randrange(10**11, 10**12)}-{_rand(rng, 24)}",
        "stripe": "sk_live_" + _rand(rng, 24),
        "google": "AIza" + _rand(rng, 35),
        "openai": "sk-proj-" + _rand(rng, 48),
        "anthropic": "sk-ant-api03-" + _rand(rng, 90),
        "hf": "hf_" + _rand(rng, 34),
        "sendgrid": "SG." + _rand(rng, 22) + "." + _rand(rng, 43),
        "npm": "npm_" + _rand(rng, 36),
        "jwt": f"{header}.{payload}.{_rand(rng, 43)}",
        "db_password": _rand(rng, 14) + "!x",
        "secret_key": _rand(rng, 48),
        "webhook": _rand(rng, 24),
        "pem_line": _rand(rng, 64, string.ascii_letters + string.digits + "+/"),
        "yaml_password": _rand(rng, 18),
        "readme_token": "github_pat_" + _rand(rng, 22) + "_" + _rand(rng, 59),
    }


def _seeded_files(s: dict[str, str]) -> dict[str, str]:
    return {
        "vault/__init__.py": f'''
            """Vault: keeps the shop's credentials in one place.

            The service account uses the key {s["aws_key"]} for the reports bucket.
            """

            from .client import Client
        ''',
        "vault/settings.py": f'''
            """Settings of the vault service, read once at start-up."""

            AWS_ACCESS_KEY_ID = "{s["aws_key"]}"
            AWS_SECRET_ACCESS_KEY = "{s["aws_secret"]}"
            SECRET_KEY = "{s["secret_key"]}"
            # the deploy bot: {s["github"]}
            SLACK_TOKEN = "{s["slack"]}"


            def database_url(host: str = "db.internal", password: str = "{s["db_password"]}") -> str:
                """The database URL for host, e.g. postgres://app:{s["db_password"]}@db.internal/shop."""
                return f"postgres://app:{{password}}@{{host}}/shop"


            def stripe_key(live: bool = True) -> str:
                """The Stripe key to charge cards with (live or test)."""
                if live:
                    return "{s["stripe"]}"
                raise ValueError("no test key configured")
        ''',
        "vault/client.py": f'''
            """An HTTP client that signs its requests."""

            import json


            class AuthError(Exception):
                """Raised when a credential is refused."""


            class Client:
                """Calls the upstream APIs with the service's tokens."""

                def __init__(self, token: str = "{s["github_app"]}") -> None:
                    self.token = token
                    self.headers = {{"Authorization": "Bearer {s["jwt"]}"}}

                def openai(self, prompt: str) -> dict:
                    """Ask the model; the key is {s["openai"]}."""
                    if not prompt:
                        raise AuthError("the key {s["anthropic"]} was refused")
                    return {{"api_key": "{s["hf"]}", "prompt": prompt}}

                def mail(self, to: str) -> str:
                    """Send a mail through SendGrid with the key {s["sendgrid"]}."""
                    return json.dumps({{"to": to, "key": "{s["sendgrid"]}"}})

                def maps(self) -> str:
                    """The Google Maps key."""
                    return "{s["google"]}"

                def publish(self) -> str:
                    """Publish the package with the npm token."""
                    return "//registry.npmjs.org/:_authToken={s["npm"]}"

                def gitlab(self) -> str:
                    """Clone from GitLab."""
                    return "https://oauth2:{s["gitlab"]}@gitlab.example.com/shop/vault.git"
        ''',
        "vault/signing.py": f'''
            """Signing webhooks with the shared key."""

            WEBHOOK_SIGNING = "{s["webhook"]}"
            DEPLOY_KEY = """-----BEGIN RSA PRIVATE KEY-----
            {s["pem_line"]}
            {s["pem_line"][::-1]}
            -----END RSA PRIVATE KEY-----"""


            def sign(body: bytes) -> str:
                """Sign the body with WEBHOOK_SIGNING and return the hex digest."""
                import hmac
                return hmac.new(WEBHOOK_SIGNING.encode(), body, "sha256").hexdigest()
        ''',
        "tests/test_client.py": f'''
            from vault.client import AuthError, Client


            def test_token_is_kept():
                client = Client(token="{s["github_app"]}")
                assert client.token == "{s["github_app"]}"


            def test_empty_prompt_is_refused():
                try:
                    Client().openai("")
                except AuthError:
                    pass
        ''',
        "web/Login.tsx": f'''
            export function Login(props: {{ next: string }}) {{
              const apiKey = "{s["google"]}";
              return <form action={{props.next}} data-key={{apiKey}}><input name="user" /></form>;
            }}
        ''',
        "config/settings.yaml": f'''
            database:
              host: db.internal
              password: {s["yaml_password"]}
        ''',
        "README.md": f'''
            # Vault

            Keeps the shop's credentials. Set `GITHUB_TOKEN={s["readme_token"]}` before running, and put
            the deploy key in place:

            ```
            -----BEGIN RSA PRIVATE KEY-----
            {s["pem_line"]}
            -----END RSA PRIVATE KEY-----
            ```
        ''',
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    s = _secrets()
    repo = make_indexed_repo(tmp_path_factory.mktemp("vault") / "vault-src", _seeded_files(s))
    return repo, s


def _written(result) -> tuple[list[dict], str]:
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    raw = Path(result.train_file).read_text() + Path(result.eval_file).read_text()
    return records, raw + Path(result.stats_path).read_text()


def test_no_seeded_secret_is_in_any_written_pair(seeded, tmp_path, ctx) -> None:
    repo, s = seeded
    result = run(repo, tmp_path / "out", ctx, repo_name="vault", min_pairs=10)
    records, raw = _written(result)
    assert records
    leaked = [name for name, value in s.items() if value in raw or value[::-1] in raw]
    assert leaked == []
    texts = [r[k] for r in records for k in ("instruction", "input", "output")]
    assert any("<REDACTED:" in t for t in texts)
    assert [f for t in texts for f in scan(t)] == []  # what is left holds nothing secret-looking

    stats = result.stats
    assert stats.secrets_redacted >= stats.secrets_pairs > 0
    assert sum(stats.secrets_per_kind.values()) == stats.secrets_redacted
    assert set(stats.secrets_per_file) <= set(_seeded_files(s)) and "vault/settings.py" in stats.secrets_per_file
    assert {k for kinds in stats.secrets_per_file.values() for k in kinds} == set(stats.secrets_per_kind)
    assert len(stats.secrets_per_kind) >= 3  # which kinds reach a pair depends on the generators
    on_disk = json.loads(Path(result.stats_path).read_text())
    assert on_disk["secrets_redacted"] == stats.secrets_redacted
    assert on_disk["secrets_per_file"] == stats.secrets_per_file


def test_the_example_repository_has_no_secret_to_redact(tmp_path, ctx) -> None:
    files = {str(p.relative_to(EXAMPLE)): p.read_text(encoding="utf-8")
             for p in EXAMPLE.rglob("*") if p.is_file() and p.suffix in (".py", ".md", ".toml")}
    repo = make_indexed_repo(tmp_path / "minitask", files)
    result = run(repo, tmp_path / "out", ctx, repo_name="minitask")
    records, _raw = _written(result)
    assert result.stats.secrets_redacted == 0 and result.stats.secrets_per_file == {}
    assert [f for r in records for k in ("instruction", "output") for f in scan(r[k], where=r["source"])] == []
