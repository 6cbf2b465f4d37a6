"""Python (pip, Poetry, PDM, uv, Pipenv): detection, versions, install, framework start commands.

Nixpacks: a venv in /opt/venv, version from NIXPACKS_PYTHON_VERSION / .python-version / runtime.txt / Pipfile /
.tool-versions, Django started with gunicorn, else ``python main.py`` or the pyproject module. Railpack: a venv
in /app/.venv, version from RAILPACK_PYTHON_VERSION > .python-version > runtime.txt > Pipfile > mise (3.13 by
default), Django/Flask/FastAPI/FastHTML start commands, else the first main file (main.py, app.py, ...).
"""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles
from ..versions import extract_semver, major_minor, mise_version, tool_versions

VENV = "python -m venv --copies /opt/venv && . /opt/venv/bin/activate"
NIX_ARCHIVE, NIX_LEGACY_ARCHIVE = "bc8f8d1be58e8c8383e683a06e1e1e57893fff87", "5148520bfab61f99fd25fb9ff7bfbb50dad3c9db"
NIX_VERSIONS = {("3", "13"): "python313", ("3", "12"): "python312", ("3", "11"): "python311",
                ("3", "10"): "python310", ("3", "9"): "python39", ("3", "8"): "python38", ("3", "7"): "python37",
                ("2", "7"): "python27", ("2", "_"): "python27"}
RAILPACK_DEFAULT = "3.13"
MAIN_FILES_NIX = ["main.py"]
MAIN_FILES_RAILPACK = ["main.py", "app.py", "start.py", "bot.py", "hello.py", "server.py"]
PY_VARS = {"PYTHONFAULTHANDLER": "1", "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "random",
           "PYTHONDONTWRITEBYTECODE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_DEFAULT_TIMEOUT": "100"}


def detect(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    mains = MAIN_FILES_NIX if flavor == "nixpacks" else MAIN_FILES_RAILPACK
    return bool(files.any(*mains, "requirements.txt", "pyproject.toml", "Pipfile"))


def uses_dep(files: AppFiles, dep: str) -> bool:
    return any(dep.lower() in (files.read(f) or "").lower() for f in ("requirements.txt", "pyproject.toml", "Pipfile"))


def package_manager(files: AppFiles) -> str:
    if files.has("requirements.txt"):
        return "pip"
    if files.has("pyproject.toml"):
        for lock, name in (("uv.lock", "uv"), ("poetry.lock", "poetry"), ("pdm.lock", "pdm")):
            if files.has(lock):
                return name
        return "pip"
    return "pipenv" if files.has("Pipfile") else "pip"


def is_django(files: AppFiles) -> bool:
    return files.has("manage.py") and uses_dep(files, "django")


def django_app(ctx: PlanContext) -> str | None:
    if ctx.cfg("DJANGO_APP_NAME"):
        return ctx.cfg("DJANGO_APP_NAME")
    rx = re.compile(r"WSGI_APPLICATION\s*=\s*[\"'](.*)\.application[\"']")
    for rel in ctx.files.glob("**/*.py"):
        m = rx.search(ctx.files.read(rel) or "")
        if m:
            return m.group(1)
    return None


def pipfile_version(files: AppFiles) -> tuple[str, str] | None:
    text = files.read("Pipfile") or ""
    for key in ("python_full_version", "python_version"):
        m = re.search(key + r"\s*=\s*['\"]([0-9.]*)", text)
        if m:
            return m.group(1), f"Pipfile > {key}"
    return None


def uses_postgres(files: AppFiles) -> bool:
    return uses_dep(files, "psycopg") or any("django.db.backends.postgresql" in (files.read(p) or "")
                                             for p in files.glob("**/*.py"))


def uses_mysql(files: AppFiles) -> bool:
    return uses_dep(files, "mysqlclient") or any(re.search(r"django\.db\.backends\.mysql|django_psdb_engine",
                                                           files.read(p) or "") for p in files.glob("**/*.py"))


def _nix_version(ctx: PlanContext) -> str:
    """The nix python package, following Nixpacks' order (a later file wins over the env var except
    .python-version, as its code reads them)."""
    f = ctx.files
    version, source = ctx.cfg("PYTHON_VERSION"), ctx.cfg_name("PYTHON_VERSION")
    if version is None and f.has(".python-version"):
        version, source = f.read(".python-version"), ".python-version"
    elif f.has("runtime.txt"):
        version, source = f.read("runtime.txt"), "runtime.txt"
    elif f.has("Pipfile"):
        found = pipfile_version(f)
        version, source = (found if found else (None, ""))
    elif f.has(".tool-versions") and "python" in tool_versions(f):
        parts = tool_versions(f)["python"].split(".")
        version, source = ".".join(parts[:2]), ".tool-versions"
    if not version:
        ctx.runtime("python", "3", "default")
        return "python3"
    ctx.runtime("python", version.strip(), source)
    return NIX_VERSIONS.get(major_minor(version), "python3")


def _plan_nixpacks(ctx: PlanContext, pm: str) -> None:
    f, plan = ctx.files, ctx.plan
    pkg = _nix_version(ctx)
    setup = ctx.phase("setup")
    setup.nix_pkgs.append(pkg)
    setup.nixpkgs_archive = NIX_LEGACY_ARCHIVE if pkg in ("python39", "python38", "python37", "python27") \
        else NIX_ARCHIVE
    if uses_postgres(f):
        setup.nix_pkgs.append("postgresql_16.dev")
    if is_django(f) and uses_mysql(f):
        setup.nix_pkgs.append("libmysqlclient.dev")
    if f.has("Pipfile"):
        setup.nix_pkgs.append("pipenv")
    if uses_dep(f, "cairo"):
        setup.nix_libs.append("cairo")
    setup.nix_libs += ["zlib", "stdenv.cc.cc.lib"]
    setup.nix_pkgs.append("gcc")
    install = ctx.phase("install")
    pip_cache = ("pip", "/root/.cache/pip")
    if f.has("requirements.txt"):
        install.commands.append(f"{VENV} && pip install -r requirements.txt")
        ctx.cache("install", *pip_cache)
    elif f.has("pyproject.toml") and pm == "poetry":
        install.commands.append(f"{VENV} && pip install poetry==$NIXPACKS_POETRY_VERSION && "
                                "poetry install --no-dev --no-interaction --no-ansi")
        ctx.cache("install", *pip_cache)
    elif f.has("pyproject.toml") and pm == "pdm":
        install.commands.append(f"{VENV} && pip install pdm==$NIXPACKS_PDM_VERSION && pdm install --prod")
        ctx.cache("install", *pip_cache)
        ctx.cache("install", "pdm", "/root/.cache/pdm")
    elif f.has("pyproject.toml") and pm == "uv":
        install.commands.append(f"{VENV} && pip install uv==$NIXPACKS_UV_VERSION && uv sync --no-dev --frozen")
        ctx.cache("install", "uv", "/root/.cache/uv")
    elif f.has("pyproject.toml"):
        install.commands.append(f"{VENV} && pip install --upgrade build setuptools && pip install .")
        install.only_include_files = ["pyproject.toml"]
        ctx.cache("install", *pip_cache)
    elif f.has("Pipfile"):
        flag = "--deploy" if f.has("Pipfile.lock") else "--skip-lock"
        install.commands.append(f"{VENV} && PIPENV_VENV_IN_PROJECT=1 pipenv install {flag}")
        ctx.cache("install", *pip_cache)
    if install.commands:
        install.paths.append("/opt/venv/bin")
    plan.variables.update(PY_VARS)
    plan.variables["PIP_NO_CACHE_DIR"] = "1"
    versions = tool_versions(f)
    if f.has("poetry.lock"):
        plan.variables["NIXPACKS_POETRY_VERSION"] = versions.get("poetry", "1.3.1")
    if f.has("pdm.lock"):
        plan.variables["NIXPACKS_PDM_VERSION"] = "2.13.3"
    if f.has("uv.lock"):
        plan.variables.update({"NIXPACKS_UV_VERSION": versions.get("uv", "0.4.30"), "UV_PROJECT_ENVIRONMENT":
                               "/opt/venv"})
    labels = [("django", is_django(f)), ("postgres", uses_postgres(f)), ("poetry", f.has("poetry.lock")),
              ("pdm", f.has("pdm.lock"))]
    plan.metadata["labels"] = ",".join(name for name, on in labels if on)
    start = None
    if is_django(f):
        start = f"python manage.py migrate && gunicorn {django_app(ctx) or 'app.wsgi'}"
    elif f.has("main.py"):
        start = "python main.py"
    elif f.has("pyproject.toml"):
        project = f.toml("pyproject.toml").get("project") or {}
        module = next(iter(project.get("packages") or []), None) or next(iter(project.get("py_modules") or []),
                                                                         None) or project.get("name")
        start = f"python -m {module}" if module else None
    ctx.start(start)


def _plan_railpack(ctx: PlanContext, pm: str) -> None:
    f, plan = ctx.files, ctx.plan
    pyver = f.read(".python-version")
    runtime = f.read("runtime.txt")
    mise = mise_version(f, "python")
    pipfile = pipfile_version(f)
    ctx.pick_version("python", RAILPACK_DEFAULT, [
        (ctx.cfg("PYTHON_VERSION"), ctx.cfg_name("PYTHON_VERSION")),
        (extract_semver(pyver) if pyver else None, ".python-version"),
        (mise[0] if mise else None, mise[1] if mise else ""),
        (extract_semver(runtime) if runtime else None, "runtime.txt"),
        (pipfile[0] if pipfile else None, pipfile[1] if pipfile else "")])
    install = ctx.phase("install")
    install.depends_on = ["packages:mise"]
    install.variables.update(PY_VARS)
    install.paths += ["/root/.local/bin", "/app/.venv/bin"] if pm != "pip" else ["/app/.venv/bin"]
    build = ctx.phase("build")
    if f.has("requirements.txt"):
        ctx.cache("install", "pip", "/opt/pip-cache")
        install.variables.update({"PIP_CACHE_DIR": "/opt/pip-cache", "VIRTUAL_ENV": "/app/.venv"})
        install.commands += ["python -m venv /app/.venv", "pip install -r requirements.txt"]
    elif pm == "uv":
        ctx.cache("install", "uv", "/opt/uv-cache")
        install.variables.update({"UV_COMPILE_BYTECODE": "1", "UV_LINK_MODE": "copy", "UV_CACHE_DIR":
                                  "/opt/uv-cache", "UV_PYTHON_DOWNLOADS": "never", "VIRTUAL_ENV": "/app/.venv"})
        install.commands.append("uv sync --locked --no-dev --no-install-project")
        build.commands.append("uv sync --locked --no-dev --no-editable")
    elif pm == "poetry":
        install.variables.update({"VIRTUAL_ENV": "/app/.venv", "POETRY_VIRTUALENVS_PATH": "/app/.venv",
                                  "POETRY_VIRTUALENVS_IN_PROJECT": "true"})
        install.commands.append("poetry install --no-interaction --no-ansi --only main --no-root")
    elif pm == "pdm":
        install.variables["PDM_CHECK_UPDATE"] = "false"
        install.commands.append("pdm install --check --prod --no-editable")
    elif pm == "pipenv":
        install.variables.update({"PIPENV_CHECK_UPDATE": "false", "PIPENV_VENV_IN_PROJECT": "1",
                                  "PIPENV_IGNORE_VIRTUALENVS": "1"})
        install.commands.append("pipenv install --deploy --ignore-pipfile" if f.has("Pipfile.lock")
                                else "pipenv install --skip-lock")
    for tool in {"poetry": ["pipx", "pipx:poetry"], "pdm": ["pipx", "pipx:pdm"], "uv": ["uv"],
                 "pipenv": ["pipx", "pipx:pipenv"]}.get(pm, []):
        ctx.runtime(tool, "latest", "default")
    install.only_include_files = [x for x in ("requirements.txt", "pyproject.toml", "Pipfile", "Pipfile.lock",
                                              "poetry.lock", "uv.lock", "pdm.lock") if f.has(x)]
    plan.variables.update(PY_VARS)
    if uses_postgres(f):
        ctx.phase("setup").apt_pkgs.append("libpq-dev")
        plan.deploy_apt_pkgs.append("libpq5")
    if uses_mysql(f):
        ctx.phase("setup").apt_pkgs.append("default-libmysqlclient-dev")
        plan.deploy_apt_pkgs.append("default-mysql-client")
    main = f.any(*MAIN_FILES_RAILPACK)
    start = None
    if is_django(f):
        start = (f"python manage.py migrate && gunicorn --bind 0.0.0.0:${{PORT:-8000}} "
                 f"{django_app(ctx) or 'app.wsgi'}:application")
    uvicorn = "uvicorn main:app --host 0.0.0.0 --port ${PORT:-8000}"
    if main and uses_dep(f, "python-fasthtml") and uses_dep(f, "uvicorn"):
        start = uvicorn
    if main and uses_dep(f, "fastapi") and uses_dep(f, "uvicorn") and not is_django(f):
        start = uvicorn
    if main and uses_dep(f, "flask") and uses_dep(f, "gunicorn"):
        start = "gunicorn --bind 0.0.0.0:${PORT:-8000} main:app"
    ctx.start(start or (f"python {main}" if main else None))
    ctx.meta("pythonPackageManager", pm if pm in ("poetry", "pdm", "uv") else "pip")
    ctx.meta("pythonDjango", is_django(f))
    ctx.meta("pythonFlask", uses_dep(f, "flask"))


def plan(ctx: PlanContext) -> None:
    f = ctx.files
    pm = package_manager(f)
    ctx.plan.language, ctx.plan.package_manager = "python", pm
    for dep, fw in (("django", "django"), ("fastapi", "fastapi"), ("python-fasthtml", "fasthtml"),
                    ("flask", "flask"), ("streamlit", "streamlit")):
        if uses_dep(f, dep) and (fw != "django" or is_django(f)):
            ctx.plan.framework = fw
            break
    (_plan_nixpacks if ctx.nix else _plan_railpack)(ctx, pm)
    cmd = ctx.plan.start.command or ""
    m = re.search(r"PORT:-(\d+)", cmd)
    ctx.plan.port = int(m.group(1)) if m else (8000 if "gunicorn" in cmd or "uvicorn" in cmd else
                                               {"flask": 5000, "streamlit": 8501}.get(ctx.plan.framework or ""))
    version = ctx.runtime_of("python")
    mm = re.match(r"\D*(\d+)\.(\d+)", version.version) if version else None
    ctx.binaries(f"python3>={mm.group(1)}.{mm.group(2)}" if mm and mm.group(1) == "3" else "python3",
                 {"pip": "pip", "pipenv": "pipenv"}.get(pm, pm))


SPEC = ProviderSpec("python", "python", {"nixpacks": "python", "railpack": "python"}, detect, plan)
