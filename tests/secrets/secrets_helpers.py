"""A planted-secrets corpus: credentials of many kinds, each written in several syntaxes, and lines that look
like credentials but are not (placeholders, references, digests).

Values are made from a seeded random generator, so no real-looking secret is written in this file and
the corpus is the same on every run. Each :class:`Planted` sample holds the text, the file name it would
live in and the values that must not survive redaction (for a private key, every line of its body).
Used by the tests in this folder and by ``benchmarks/secrets_corpus.py``.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
SYNTAXES = ("python", "javascript", "yaml", "env", "json", "shell", "markdown")
SUFFIX = {"python": "settings.py", "javascript": "config.js", "yaml": "config.yaml", "env": "deploy.env",
          "json": "config.json", "shell": "deploy.sh", "markdown": "SETUP.md"}


@dataclass(frozen=True)
class Planted:
    """One sample: the kind of credential, the syntax, the file name, the text and the secret values."""

    kind: str
    syntax: str
    where: str
    text: str
    values: tuple[str, ...]


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if alphabet is not ALNUM or (any(c.isdigit() for c in value) and any(c.isupper() for c in value)):
            return value


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pem(rng: random.Random, label: str, lines: int = 8) -> tuple[str, tuple[str, ...]]:
    body = [_rand(rng, B64, 64) for _ in range(lines)] + [_rand(rng, B64, 28) + "=="]
    return f"-----BEGIN {label}-----\n" + "\n".join(body) + f"\n-----END {label}-----\n", tuple(body)


def _values(rng: random.Random) -> list[tuple[str, str, str]]:
    """``(kind, name, value)`` for every kind of credential in the corpus."""
    jwt = ".".join([_b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()),
                    _b64url(json.dumps({"sub": _rand(rng, HEX, 12), "iat": 1700000000}).encode()),
                    _b64url(rng.randbytes(32))])
    db_pw, basic_pw = _rand(rng, ALNUM, 18), _rand(rng, ALNUM + "-_.~", 20)
    return [
        ("aws_access_key_id", "AWS_ACCESS_KEY_ID", "AKIA" + _rand(rng, string.ascii_uppercase + string.digits, 16)),
        ("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", _rand(rng, B64, 40)),
        ("github_token", "GITHUB_TOKEN", "ghp_" + _rand(rng, ALNUM, 36)),
        ("github_fine_grained_token", "GH_PAT", "github_pat_" + _rand(rng, ALNUM, 22) + "_" + _rand(rng, ALNUM, 59)),
        ("github_app_token", "GITHUB_APP_INSTALLATION", "ghs_" + _rand(rng, ALNUM, 36)),
        ("gitlab_token", "GITLAB_TOKEN", "glpat-" + _rand(rng, URLSAFE, 20)),
        ("slack_token", "SLACK_BOT_TOKEN",
         f"xoxb-{rng.randrange(10**10, 10**11)}-{rng.randrange(10**11, 10**12)}-{_rand(rng, ALNUM, 24)}"),
        ("slack_webhook", "SLACK_WEBHOOK",
         f"https://hooks.slack.com/services/T{_rand(rng, string.ascii_uppercase + string.digits, 8)}"
         f"/B{_rand(rng, string.ascii_uppercase + string.digits, 10)}/{_rand(rng, ALNUM, 24)}"),
        ("stripe_live_key", "STRIPE_SECRET_KEY", "sk_live_" + _rand(rng, ALNUM, 24)),
        ("stripe_test_key", "STRIPE_TEST_KEY", "sk_test_" + _rand(rng, ALNUM, 24)),
        ("google_api_key", "GOOGLE_MAPS_KEY", "AIza" + _rand(rng, URLSAFE, 35)),
        ("azure_storage_key", "AZURE_STORAGE_ACCOUNT_KEY", _rand(rng, B64, 86) + "=="),
        ("azure_connection_string", "AZURE_STORAGE_CONNECTION",
         "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=" + _rand(rng, B64, 86)
         + "==;EndpointSuffix=core.windows.net"),
        ("twilio_api_key", "TWILIO_API_KEY", "SK" + _rand(rng, HEX, 32)),
        ("twilio_auth_token", "TWILIO_AUTH_TOKEN", _rand(rng, HEX, 32)),
        ("sendgrid_api_key", "SENDGRID_API_KEY", "SG." + _rand(rng, URLSAFE, 22) + "." + _rand(rng, URLSAFE, 43)),
        ("openai_api_key", "OPENAI_API_KEY", "sk-proj-" + _rand(rng, ALNUM, 48)),
        ("anthropic_api_key", "ANTHROPIC_API_KEY", "sk-ant-api03-" + _rand(rng, URLSAFE, 93) + "AA"),
        ("huggingface_token", "HF_TOKEN", "hf_" + _rand(rng, ALNUM, 34)),
        ("npm_token", "NPM_TOKEN", "npm_" + _rand(rng, ALNUM, 36)),
        ("pypi_token", "PYPI_API_TOKEN", "pypi-AgEIcHlwaS5vcmc" + _rand(rng, URLSAFE, 120)),
        ("jwt", "SESSION_JWT", jwt),
        ("telegram_bot_token", "TELEGRAM_BOT", f"{rng.randrange(10**8, 10**9)}:AA{_rand(rng, URLSAFE, 33)}"),
        ("database_url", "DATABASE_URL", f"postgres://app:{db_pw}@db.internal:5432/shop"),
        ("basic_auth_url", "MIRROR_URL", f"https://deploy:{basic_pw}@git.internal.example/org/repo.git"),
        ("django_secret_key", "SECRET_KEY", _rand(rng, ALNUM + "!@#%^&*(-_=+)", 50)),
        ("db_password", "DB_PASSWORD", _rand(rng, ALNUM, 12) + "!" + _rand(rng, ALNUM, 3)),
        ("generic_high_entropy", "SESSION_SIGNING", _rand(rng, ALNUM, 32)),
    ]


def _camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(w.title() for w in rest)


def _render(syntax: str, name: str, value: str) -> str:
    """``value`` assigned to ``name`` as it would be written in ``syntax``."""
    if syntax == "python":
        return f'# settings for production\n{name} = "{value}"\nclient = Client(token={name})\n'
    if syntax == "javascript":
        return f"const config = {{\n  {_camel(name)}: '{value}',\n  retries: 3,\n}};\nexport default config;\n"
    if syntax == "yaml":
        return f"service:\n  name: shop\n  {name.lower()}: {value}\n  replicas: 2\n"
    if syntax == "env":
        return f"# deployment\nNODE_ENV=production\n{name}={value}\n"
    if syntax == "json":
        return json.dumps({"service": "shop", name.lower(): value, "retries": 3}, indent=2) + "\n"
    if syntax == "shell":
        return f'#!/bin/sh\nset -e\nexport {name}="{value}"\n./deploy --region eu\n'
    return f"## Setup\n\nPut this in your environment before running:\n\n```bash\n{name}='{value}'\n```\n"


def _render_key(syntax: str, name: str, pem: str) -> str:
    escaped = pem.replace("\n", "\\n")
    if syntax == "python":
        return f'{name} = """{pem}"""\n'
    if syntax == "javascript":
        return f"const {_camel(name)} = `{pem}`;\n"
    if syntax == "yaml":
        return f"{name.lower()}: |\n" + "".join(f"  {line}\n" for line in pem.splitlines())
    if syntax == "env":
        return f'{name}="{escaped}"\n'
    if syntax == "json":
        account = {"type": "service_account", "project_id": "shop-prod", "private_key_id": "1", "private_key": pem,
                   "client_email": "deploy@shop-prod.iam.gserviceaccount.com"}
        return json.dumps(account, indent=2) + "\n"
    if syntax == "shell":
        return f"cat > key.pem <<'EOF'\n{pem}EOF\nchmod 600 key.pem\n"
    return f"The deploy key:\n\n```\n{pem}```\n"


def corpus(seed: int = 7) -> list[Planted]:
    """Every kind of credential in every syntax (private keys included), as :class:`Planted` samples."""
    rng = random.Random(seed)
    samples: list[Planted] = []
    for kind, name, value in _values(rng):
        secret = value
        if kind == "database_url" or kind == "basic_auth_url":
            secret = value.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        elif kind == "azure_connection_string":
            secret = value.split("AccountKey=", 1)[1].split(";", 1)[0]
        for syntax in SYNTAXES:
            samples.append(Planted(kind, syntax, SUFFIX[syntax], _render(syntax, name, value), (secret,)))
    for kind, name, label in (("rsa_private_key", "DEPLOY_KEY", "RSA PRIVATE KEY"),
                              ("ec_private_key", "SIGNING_KEY", "EC PRIVATE KEY"),
                              ("openssh_private_key", "SSH_KEY", "OPENSSH PRIVATE KEY"),
                              ("google_service_account_key", "GCP_KEY", "PRIVATE KEY")):
        pem, body = _pem(rng, label)
        for syntax in SYNTAXES:
            samples.append(Planted(kind, syntax, SUFFIX[syntax], _render_key(syntax, name, pem), body))
    return samples


def in_context(seed: int = 11) -> list[Planted]:
    """Credentials in the other places they turn up: comments, docstrings, prose, command lines, URLs in
    commands, headers, keyword arguments, subscripts and more languages' assignment syntax."""
    rng = random.Random(seed)
    gh, sk, opaque = "ghs_" + _rand(rng, ALNUM, 36), "sk_live_" + _rand(rng, ALNUM, 24), _rand(rng, ALNUM, 40)
    pw = [_rand(rng, ALNUM, 10) + "#" + _rand(rng, ALNUM, 5) for _ in range(12)]
    rows = [
        ("comment", "app.py", f"def fetch():\n    # temporary: token {gh}\n    return get(URL)\n", gh),
        ("docstring", "client.py", f'def connect():\n    """Connect with the key {sk} (prod)."""\n', sk),
        ("prose", "NOTES.md", f"The production key is {sk}, rotate it monthly.\n", sk),
        ("clone_url", "ci.sh", f"git clone https://x-access-token:{gh}@github.com/org/repo.git\n", gh),
        ("bearer", "api.sh", f"curl -H 'Authorization: Bearer {opaque}' https://api.example.com/v1\n", opaque),
        ("curl_user", "api.sh", f"curl -u admin:{pw[0]} https://ci.example.com/api\n", pw[0]),
        ("cli_flag", "run.sh", f"./server --db-password={pw[1]} --port 8080\n", pw[1]),
        ("cli_flag_space", "run.sh", f"mysqldump --password {pw[2]} shop > dump.sql\n", pw[2]),
        ("npmrc", ".npmrc", f"//registry.npmjs.org/:_authToken={opaque}\n", opaque),
        ("pypirc", ".pypirc", f"[pypi]\nusername = deploy\npassword = {pw[3]}\n", pw[3]),
        ("dockerfile", "Dockerfile", f"FROM python:3.11\nENV API_KEY={pw[4]}\n", pw[4]),
        ("properties", "app.properties", f"db.url=jdbc:postgresql://db/shop\ndb.password={pw[5]}\n", pw[5]),
        ("toml", "config.toml", f'[service]\napi_key = "{pw[6]}"\n', pw[6]),
        ("go", "main.go", f'func main() {{\n\tapiKey := "{pw[7]}"\n\trun(apiKey)\n}}\n', pw[7]),
        ("ruby", "secrets.rb", f"config.secret_key_base = '{opaque}'\n", opaque),
        ("php", "config.php", f"return ['password' => '{pw[8]}'];\n", pw[8]),
        ("terraform", "main.tf", f'provider "azurerm" {{\n  client_secret = "{pw[9]}"\n}}\n', pw[9]),
        ("kwarg", "db.py", f'conn = connect(host="db", password="{pw[10]}")\n', pw[10]),
        ("subscript", "conf.py", f'os.environ["SECRET_KEY"] = "{pw[11]}"\n', pw[11]),
        ("attribute", "conf.py", f'self.api_token = "{opaque}"\n', opaque),
    ]
    return [Planted(f"context:{label}", "mixed", where, text, (value,)) for label, where, text, value in rows]


NEGATIVES: tuple[str, ...] = (
    'API_KEY = "your-api-key"',
    "OPENAI_API_KEY=sk-your-key-here",
    "password: xxxxxxxx",
    'token = "<token>"',
    "SECRET_KEY=changeme",
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    'password = os.environ["DB_PASSWORD"]',
    "api_key = settings.OPENAI_API_KEY",
    "token: ${TOKEN}",
    'export GITHUB_TOKEN="$(gh auth token)"',
    "DATABASE_URL=postgres://user:password@localhost:5432/app",
    "curl -H 'Authorization: Bearer <token>' https://api.example.com",
    'headers = {"Authorization": f"Bearer {token}"}',
    'sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
    'commit: 4b825dc642cb6eb9a060e54bf8d69288fbee4904',
    'request_id = "7f9c2ba4-e88f-4d2a-9a3e-2b1c0d7e6f5a"',
    'TOKEN_HEADER = "X-API-Key"',
    'password_field = "user_password"',
    "def login(username: str, password: str) -> Token:",
    'raise AuthError("invalid token: expected a bearer token")',
    "The api_key parameter is read from the OPENAI_API_KEY environment variable.",
    'MODEL = "sentence-transformers/all-MiniLM-L6-v2"',
    'checkpoint = "runs/2024-05-01T12-30-00/checkpoint-1200"',
    'token_count = len(tokenizer.encode(text))',
    "max_tokens: 320",
    'integrity: "sha512-Zq81mVn0pLk2x7YtAb3dEf4GhIjKlMnOpQrStUvWxYz=="',
    'private_key_path = "~/.ssh/id_ed25519"',
    'client = Client(api_key=api_key, timeout=30)',
    "https://github.com/owner/repo.git",
    "ssh://git@github.com/owner/repo.git",
    "mongodb://localhost:27017/app",
    "-----BEGIN PUBLIC KEY-----",
    'SECRET_KEY = "[REDACTED]"',
    'API_KEY = "<REDACTED:openai_api_key>"',
)
