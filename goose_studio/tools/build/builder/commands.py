"""From a plan to what the sandbox runs: install and build commands, the start command, and their environment.

The plans follow Nixpacks and Railpack, whose images put a virtual environment in ``/opt/venv`` and serve
static files with nginx or Caddy. In the sandbox only ``/app`` is writable and the system is this
machine's, so :func:`adapt` rewrites what must change (``/opt/venv`` → ``/app/.venv``, caches under
``/cache``), drops the setup phase (Nix packages) and the web servers' own steps, serves static output
with the studio's standard-library server, and infers a start command for the frameworks the tools leave
without one (Flask, Django, FastAPI, Streamlit, a Node entry file). Commands that would write outside the
app folder (``sudo``, global installs, system package managers, redirections into system folders) are
refused before anything runs. :func:`serves_http` tells, from a few files, whether the app is a web app at
all, so that a library or a command-line tool is not built for nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..plan.model import NeutralPlan
from .runtimes import SERVERS

SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SKIPPED_PHASES = ("setup", "caddy", "nginx", "packages:mise", "mise")
DROPPED_VARIABLES = ("PIP_NO_CACHE_DIR", "PIP_CACHE_DIR", "NIXPACKS_METADATA", "UV_CACHE_DIR", "PIP_DEFAULT_TIMEOUT")
REWRITES = (("/opt/venv", "/app/.venv"), ("/opt/pip-cache", "/cache/pip"), ("/opt/uv-cache", "/cache/uv"),
            ("--copies ", ""))
WEB_FRAMEWORKS = frozenset({
    "flask", "django", "fastapi", "fasthtml", "streamlit", "express", "fastify", "nestjs", "koa", "hono", "next",
    "nuxt", "remix", "tanstack-start", "sveltekit", "astro", "angular", "cra", "vite", "rails", "sinatra",
    "phoenix", "spring-boot", "aspnetcore", "gin", "rocket", "actix-web", "axum", "warp", "laravel", "symfony"})
ENTRY_FILES = ("main.py", "app.py", "server.py", "wsgi.py", "application.py", "manage.py", "index.js", "server.js",
               "app.js", "main.js", "index.mjs", "server.mjs", "src/index.js", "src/server.js", "src/main.py",
               "src/app.py", "main.go", "index.php", "index.html")
SERVES = re.compile(r"\.listen\(|createServer|HTTPServer|http\.server|\bapp\.run\(|\bserve\(|uvicorn|gunicorn|"
                    r"ListenAndServe|process\.env\.PORT|environ(?:\.get)?\s*[\[(]\s*['\"]PORT|<html", re.I)
REFUSED = (
    (re.compile(r"(^|[;&|]\s*)sudo\b"), "runs sudo"),
    (re.compile(r"\b(?:npm|pnpm|yarn|bun)\s+(?:i|install|add)\b[^;&|]*\s(?:-g|--global)\b|\byarn\s+global\b"),
     "installs a package globally"),
    (re.compile(r"\b(?:apt-get|apt|dnf|yum|apk|brew)\s+(?:install|add)\b"), "installs system packages"),
    (re.compile(r">>?\s*/(?!app\b|tmp\b|dev/|cache\b)"), "writes a file outside the app folder"),
    (re.compile(r"--(?:prefix|target|root)[= ]\s*/(?!app\b|tmp\b|cache\b)"), "installs outside the app folder"),
)
FRAMEWORK_PATTERNS = {"flask": r"(\w+)\s*=\s*Flask\(", "fastapi": r"(\w+)\s*=\s*FastAPI\(",
                      "fasthtml": r"(\w+)\s*,\s*\w+\s*=\s*fast_app\("}


@dataclass
class Step:
    phase: str
    command: str


@dataclass
class SandboxPlan:
    """The commands and environment one build runs in the sandbox."""

    steps: list[Step] = field(default_factory=list)
    start: str | None = None
    start_origin: str = "plan"
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    static_dir: str | None = None
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def rewrite(text: str) -> str:
    for old, new in REWRITES:
        text = text.replace(old, new)
    return text


def refusal(command: str) -> str | None:
    """Why ``command`` would write outside the app folder, or None."""
    for pattern, why in REFUSED:
        if pattern.search(command):
            return why
    return None


def _read(app: Path, rel: str, limit: int = 200_000) -> str:
    try:
        with (app / rel).open(encoding="utf-8", errors="replace") as fh:
            return fh.read(limit)
    except OSError:
        return ""


def serves_http(plan: NeutralPlan, app: Path) -> tuple[bool, str]:
    """Whether the app is a web app the studio can run and look at, and what says so (or why not)."""
    if plan.static_dir is not None or plan.provider == "staticfile":
        return True, "a static site"
    if plan.framework in WEB_FRAMEWORKS:
        return True, f"a {plan.framework} app"
    if plan.port is not None:
        return True, f"an app listening on port {plan.port}"
    procfile = _read(app, "Procfile", 20_000)
    if re.search(r"^web\s*:", procfile, re.M):
        return True, "a Procfile web process"
    named = re.findall(r"[\w./-]+\.(?:py|js|mjs|ts|rb|php)\b", plan.start.command or "")
    for rel in dict.fromkeys([*named, *ENTRY_FILES]):
        if SERVES.search(_read(app, rel)):
            return True, f"{rel} serves HTTP"
    what = plan.provider or "plain"
    return False, (f"a {what} project without a web server (no web framework, port, Procfile web process or "
                   "listening code was found)")


def _python_module(app: Path, framework: str) -> tuple[str, str] | None:
    """(module, variable) of the file that makes the framework's app object."""
    pattern = re.compile(FRAMEWORK_PATTERNS[framework])
    for rel in dict.fromkeys(("app.py", "main.py", "wsgi.py", "application.py", "server.py", "src/app.py", "src/main.py",
                *[p.name for p in sorted(app.glob("*.py"))[:30]],
                *[p.relative_to(app).as_posix() for p in sorted(app.glob("*/__init__.py"))[:20]],
                *[p.relative_to(app).as_posix() for p in sorted(app.glob("*/app.py"))[:20]])):
        m = pattern.search(_read(app, rel))
        if m:
            module = rel[:-3].replace("/", ".")
            return (module[:-9] if module.endswith(".__init__") else module), m.group(1)
    return None


def infer_start(plan: NeutralPlan, app: Path) -> tuple[str | None, str]:
    """A start command for an app the tool left without one, and what it was inferred from."""
    fw = plan.framework
    if fw == "flask":
        found = _python_module(app, "flask")
        if found:
            return (f"python -m flask --app {found[0]}:{found[1]} run --host 127.0.0.1 --port $PORT",
                    f"the Flask app in {found[0]}")
    if fw == "django" and (app / "manage.py").exists():
        return "python manage.py runserver 127.0.0.1:$PORT --noreload", "Django's manage.py"
    if fw == "fastapi":
        found = _python_module(app, "fastapi")
        if found:
            return (f"python -m uvicorn {found[0]}:{found[1]} --host 127.0.0.1 --port $PORT",
                    f"the FastAPI app in {found[0]}")
    if fw == "streamlit":
        script = next((r for r in ("streamlit_app.py", "app.py", "main.py") if (app / r).exists()), None)
        if script:
            return (f"python -m streamlit run {script} --server.port $PORT --server.headless true",
                    f"the Streamlit script {script}")
    if plan.language in ("javascript", "typescript") or plan.provider in ("node", "bun"):
        for rel in ("server.js", "index.js", "app.js", "main.js", "index.mjs", "server.mjs", "src/index.js"):
            if (app / rel).exists():
                return f"node {rel}", f"the entry file {rel}"
    if plan.language == "python":
        for rel in ("app.py", "server.py", "main.py"):
            if SERVES.search(_read(app, rel)):
                return f"python {rel}", f"{rel}, which serves HTTP"
    return None, ""


def _environment(plan: NeutralPlan, extra_paths: list[str], shim_dir: str) -> dict[str, str]:
    env: dict[str, str] = {}
    paths: list[str] = []
    for phase in plan.phases:
        env.update(phase.variables)
        paths += [rewrite(p) for p in phase.paths]
    env.update(plan.variables)
    env = {k: rewrite(v) for k, v in env.items() if k not in DROPPED_VARIABLES}
    python = plan.language == "python" or plan.provider == "python"
    if python:
        env["VIRTUAL_ENV"] = "/app/.venv"
        paths.insert(0, "/app/.venv/bin")
    if plan.language in ("javascript", "typescript") or plan.package_manager in ("npm", "pnpm", "yarn", "bun"):
        paths.append("/app/node_modules/.bin")
    ordered = list(dict.fromkeys([*paths, *extra_paths, shim_dir]))
    env["PATH"] = ":".join([*ordered, SANDBOX_PATH])
    return env


def adapt(plan: NeutralPlan, app: Path, *, shim_dir: str, static_server: str,
          extra_paths: list[str] | None = None) -> SandboxPlan:
    """The sandbox's version of ``plan`` for the copy in ``app`` (see the module's rules)."""
    out = SandboxPlan(port=plan.port, static_dir=plan.static_dir)
    out.env = _environment(plan, list(extra_paths or []), shim_dir)
    start_cmd = plan.start.command or ""
    static = plan.static_dir is not None and (plan.provider == "staticfile" or plan.start.command is None or
                                              any(s in start_cmd for s in SERVERS) or
                                              any(b.split(">")[0] in SERVERS for b in plan.binaries))
    for phase in plan.phases:
        if phase.name in SKIPPED_PHASES or phase.name.startswith("packages:"):
            continue
        for command in phase.commands:
            command = rewrite(command).strip()
            if not command or (static and re.match(r"^(?:caddy|nginx)\b|^mkdir .*?/etc/nginx", command)):
                continue
            if command == "npm ci" and not (app / "package-lock.json").exists():
                command = "npm install"
            why = refusal(command)
            if why:
                out.refused.append(f"{phase.name}: `{command}` {why}")
            out.steps.append(Step(phase.name, command))
    if static:
        folder = plan.static_dir or "."
        out.start, out.start_origin = f"python3 {static_server} {folder}", f"static files of {folder}"
    elif plan.start.command:
        out.start = rewrite(plan.start.command)
    else:
        out.start, why = infer_start(plan, app)
        if out.start:
            out.start_origin = f"inferred from {why}"
            out.notes.append(f"The plan has no start command; started with `{out.start}` ({why}).")
    if out.start and refusal(out.start):
        out.refused.append(f"start: `{out.start}` {refusal(out.start)}")
    return out
