"""A ``.env`` for an app that ships only an example of one, with safe placeholders instead of secrets.

:func:`env_from_example` reads ``.env.example`` (or ``.env.sample``, ``.env.template``, ``.env.dist``) and
writes ``.env`` in the build folder: plain settings keep the example's value (a port, a flag, a local
URL), anything named like a secret or left empty gets a placeholder that is clearly not one. The values
are also handed to the app's environment, since not every app reads ``.env`` itself. The user's own
``.env``, when the source has one, is left as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

EXAMPLES = (".env.example", ".env.sample", ".env.template", ".env.dist", "env.example", ".env.local.example")
SECRET_NAME = re.compile(r"(?i)secret|token|passw|api[_-]?key|private|credential|auth|salt|signing|_key$|^key$")
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
PLACEHOLDER = "goose-studio-placeholder"


def example_file(app: Path) -> Path | None:
    return next((app / name for name in EXAMPLES if (app / name).is_file()), None)


def parse_env(text: str) -> dict[str, str]:
    """``KEY=value`` lines (quotes and trailing comments removed)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            continue
        value = m.group(2)
        if value[:1] in "'\"" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        values[m.group(1)] = value
    return values


def placeholder(name: str, example: str) -> str:
    """A safe value for ``name``: the example's when it is a plain setting, else a placeholder."""
    if re.search(r"(?i)url|uri|dsn", name):
        if example.startswith(("sqlite", "http://localhost", "http://127.0.0.1")) and "@" not in example:
            return example
        return "sqlite:///goose-studio-placeholder.db" if re.search(r"(?i)database|db", name) else "http://localhost"
    if SECRET_NAME.search(name) or not example or re.search(r"(?i)your|change|xxx|<|replace|todo|example", example):
        return f"{PLACEHOLDER}-{name.lower().replace('_', '-')}"
    return example


def env_from_example(app: Path) -> tuple[dict[str, str], str] | None:
    """Write ``app/.env`` from the example when there is one and no ``.env``: (values, example name)."""
    example = example_file(app)
    if example is None or (app / ".env").exists():
        return None
    values = {k: placeholder(k, v) for k, v in parse_env(example.read_text(errors="replace")).items()}
    write_env(app, values)
    return values, example.name


def write_env(app: Path, values: dict[str, str]) -> None:
    lines = ["# Written by goose-studio for a sandboxed trial run: placeholders, not real settings."]
    lines += [f"{k}={v}" for k, v in values.items()]
    (app / ".env").write_text("\n".join(lines) + "\n")


def add_variable(app: Path, name: str) -> dict[str, str]:
    """Add one missing variable (a placeholder) to ``app/.env``; every value the file now holds."""
    path = app / ".env"
    values = parse_env(path.read_text(errors="replace")) if path.exists() else {}
    values.setdefault(name, placeholder(name, ""))
    write_env(app, values)
    return values
