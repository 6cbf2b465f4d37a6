"""Python apps (pip, uv, Poetry, Pipenv, setuptools; Flask, Django, FastAPI, scripts) in both formats."""

from __future__ import annotations

import pytest

from plan_helpers import case_params, check, no_real_tools, write_app  # noqa: F401  (fixture)

VENV = "python -m venv --copies /opt/venv && . /opt/venv/bin/activate"
DJANGO_SETTINGS = ("WSGI_APPLICATION = 'mysite.wsgi.application'\n"
                   "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n")

CASES = [
    ("flask-pip", {"requirements.txt": "flask==3.0\ngunicorn==22\n", "main.py": "app = Flask(__name__)\n"},
     {"nixpacks": {"provider": "python", "start": "python main.py", "framework": "flask", "package_manager": "pip",
                   "install": [f"{VENV} && pip install -r requirements.txt"], "nix_pkgs": ["python3", "gcc"],
                   "runtimes": [("python", "3", "default")]},
      "railpack": {"provider": "python", "start": "gunicorn --bind 0.0.0.0:${PORT:-8000} main:app", "port": 8000,
                   "install": ["python -m venv /app/.venv", "pip install -r requirements.txt"],
                   "runtimes": [("python", "3.13", "default")], "binaries": ["python3>=3.13", "pip"]}}),
    ("django", {"requirements.txt": "Django==5.0\ngunicorn\npsycopg2-binary\n", "manage.py": "",
                ".python-version": "3.11\n", "mysite/__init__.py": "", "mysite/settings.py": DJANGO_SETTINGS},
     {"nixpacks": {"provider": "python", "start": "python manage.py migrate && gunicorn mysite.wsgi",
                   "framework": "django", "nix_pkgs": ["python311", "postgresql_16.dev", "gcc"],
                   "runtimes": [("python", "3.11", ".python-version")], "port": 8000},
      "railpack": {"provider": "python", "framework": "django", "port": 8000,
                   "start": "python manage.py migrate && gunicorn --bind 0.0.0.0:${PORT:-8000} mysite.wsgi:application",
                   "runtimes": [("python", "3.11", ".python-version")]}}),
    ("fastapi-uv", {"pyproject.toml": '[project]\nname = "api"\ndependencies = ["fastapi", "uvicorn"]\n',
                    "uv.lock": "version = 1\n", "main.py": "app = FastAPI()\n"},
     {"nixpacks": {"provider": "python", "start": "python main.py", "package_manager": "uv",
                   "install": [f"{VENV} && pip install uv==$NIXPACKS_UV_VERSION && uv sync --no-dev --frozen"]},
      "railpack": {"provider": "python", "start": "uvicorn main:app --host 0.0.0.0 --port ${PORT:-8000}",
                   "install": ["uv sync --locked --no-dev --no-install-project"], "framework": "fastapi",
                   "build": ["uv sync --locked --no-dev --no-editable"], "binaries": ["uv"]}}),
    ("poetry-runtime-txt", {"pyproject.toml": '[tool.poetry]\nname = "p"\n', "poetry.lock": "", "app.py": "",
                            "runtime.txt": "python-3.10.12\n"},
     {"nixpacks": {"provider": "python", "start": None, "nix_pkgs": ["python310"],
                   "install": [f"{VENV} && pip install poetry==$NIXPACKS_POETRY_VERSION && "
                               "poetry install --no-dev --no-interaction --no-ansi"],
                   "runtimes": [("python", "python-3.10.12", "runtime.txt")]},
      "railpack": {"provider": "python", "start": "python app.py", "package_manager": "poetry",
                   "install": ["poetry install --no-interaction --no-ansi --only main --no-root"],
                   "runtimes": [("python", "3.10.12", "runtime.txt")]}}),
    ("pipenv-bot", {"Pipfile": '[packages]\nrequests = "*"\n[requires]\npython_version = "3.12"\n',
                    "Pipfile.lock": "{}", "bot.py": ""},
     {"nixpacks": {"provider": "python", "start": None, "nix_pkgs": ["python312", "pipenv"],
                   "install": [f"{VENV} && PIPENV_VENV_IN_PROJECT=1 pipenv install --deploy"],
                   "runtimes": [("python", "3.12", "Pipfile > python_version")]},
      "railpack": {"provider": "python", "start": "python bot.py", "package_manager": "pipenv",
                   "install": ["pipenv install --deploy --ignore-pipfile"],
                   "runtimes": [("python", "3.12", "Pipfile > python_version")]}}),
    ("setuptools-module", {"pyproject.toml": '[project]\nname = "mytool"\nversion = "1.0"\n'},
     {"nixpacks": {"provider": "python", "start": "python -m mytool",
                   "install": [f"{VENV} && pip install --upgrade build setuptools && pip install ."]},
      "railpack": {"provider": "python", "start": None, "package_manager": "pip"}}),
]


@pytest.mark.parametrize("name,files,fmt,exp", case_params(CASES))
def test_python_apps(tmp_path, name, files, fmt, exp):
    check(write_app(tmp_path / name, files), fmt, exp)


def test_python_version_env_var_and_nixpacks_labels(tmp_path):
    app = write_app(tmp_path / "e", {"requirements.txt": "django\npsycopg2\n", "manage.py": "",
                                     "settings.py": DJANGO_SETTINGS})
    result = check(app, "nixpacks", {"provider": "python", "start": "python manage.py migrate && gunicorn mysite.wsgi",
                                     "nix_pkgs": ["python312"],
                                     "runtimes": [("python", "3.12", "NIXPACKS_PYTHON_VERSION")]},
                   {"NIXPACKS_PYTHON_VERSION": "3.12"})
    assert result.rendered["variables"]["NIXPACKS_METADATA"] == "python,django,postgres"
    check(app, "railpack", {"provider": "python", "runtimes": [("python", "3.11", "RAILPACK_PYTHON_VERSION")],
                            "start": "python manage.py migrate && gunicorn --bind 0.0.0.0:${PORT:-8000} "
                                     "mysite.wsgi:application"}, {"RAILPACK_PYTHON_VERSION": "3.11"})


def test_railpack_python_mise_version_and_database_packages(tmp_path):
    app = write_app(tmp_path / "m", {"requirements.txt": "mysqlclient\n", "main.py": "",
                                     ".tool-versions": "python 3.12.4\n"})
    plan = check(app, "railpack", {"provider": "python", "start": "python main.py",
                                   "runtimes": [("python", "3.12.4", ".tool-versions")]}).plan
    assert plan.phase("setup").apt_pkgs == ["default-libmysqlclient-dev"]
    assert plan.deploy_apt_pkgs == ["default-mysql-client"]
