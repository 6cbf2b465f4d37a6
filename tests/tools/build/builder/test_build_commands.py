"""From a plan to sandbox commands: rewrites, refusals, static sites, inferred start commands, web-app
detection, .env placeholders, runtimes, the Dockerfile and the socket table of a sandbox."""

from __future__ import annotations

from pathlib import Path

from builder_helpers import write_app
from goose_studio.tools.build.builder import dockerfile
from goose_studio.tools.build.builder.commands import adapt, infer_start, refusal, serves_http
from goose_studio.tools.build.builder.envfile import env_from_example, parse_env
from goose_studio.tools.build.builder.ports import parse_listening
from goose_studio.tools.build.builder.runtimes import check_binaries, python_allows
from goose_studio.tools.build.plan import make_plan
from goose_studio.tools.build.plan.model import NeutralPlan, RuntimeVersion


def planned(app: Path, fmt: str = "nixpacks") -> NeutralPlan:
    result = make_plan(app, fmt)  # type: ignore[arg-type]
    assert result.plan is not None, result.reason
    return result.plan


def test_nixpacks_python_commands_use_a_venv_in_the_app_folder_and_flask_gets_a_start(tmp_path):
    app = write_app(tmp_path / "f", {"requirements.txt": "flask\n",
                                     "web.py": "from flask import Flask\nserver = Flask(__name__)\n"})
    steps = adapt(planned(app), app, shim_dir="/app/.goose-studio/bin", static_server="/app/s.py")
    assert [s.command for s in steps.steps] == [
        "python -m venv /app/.venv && . /app/.venv/bin/activate && pip install -r requirements.txt"]
    assert steps.start == "python -m flask --app web:server run --host 127.0.0.1 --port $PORT"
    assert steps.start_origin.startswith("inferred")
    assert steps.env["PATH"].split(":")[:2] == ["/app/.venv/bin", "/app/.goose-studio/bin"]
    assert "PIP_NO_CACHE_DIR" not in steps.env and steps.env["VIRTUAL_ENV"] == "/app/.venv"


def test_a_static_site_is_served_by_the_studio_server_in_both_formats(tmp_path):
    app = write_app(tmp_path / "s", {"index.html": "<h1>hi</h1>"})
    for fmt in ("nixpacks", "railpack"):
        steps = adapt(planned(app, fmt), app, shim_dir="/b", static_server="/app/s.py")
        assert steps.steps == [] and steps.start == "python3 /app/s.py ."


def test_commands_that_write_outside_the_app_folder_are_refused():
    for command in ("sudo make install", "npm install -g serve", "apt-get install -y libpq-dev",
                    "echo x > /etc/hosts", "pip install --target /usr/lib/x y", "yarn global add x"):
        assert refusal(command), command
    for command in ("npm ci", "pip install -r requirements.txt > /tmp/log 2>&1", "echo ok > /dev/null",
                    "python -m venv /app/.venv", "npm run build -- --outDir /app/dist"):
        assert refusal(command) is None, command


def test_a_refused_step_is_listed(tmp_path):
    app = write_app(tmp_path / "r", {"main.py": "print(1)\n", "Procfile": "web: python3 main.py\n",
                                     "nixpacks.toml": '[phases.install]\ncmds = ["echo x > /etc/evil"]\n'})
    steps = adapt(planned(app), app, shim_dir="/b", static_server="/s.py")
    assert steps.refused and "outside the app folder" in steps.refused[0]


def test_web_apps_are_told_from_libraries_and_command_line_tools(tmp_path):
    lib = write_app(tmp_path / "lib", {"pyproject.toml": "[project]\nname='lib'\nversion='1'\n",
                                       "lib/__init__.py": "def f():\n    return 1\n"})
    cli = write_app(tmp_path / "cli", {"main.py": "import sys\nprint(sys.argv)\n"})
    node = write_app(tmp_path / "n", {"package.json": '{"name":"n","scripts":{"start":"node index.js"}}',
                                      "index.js": "require('http').createServer(()=>{}).listen(process.env.PORT)"})
    assert serves_http(planned(lib), lib)[0] is False
    assert serves_http(planned(cli), cli)[0] is False
    assert serves_http(planned(node), node) == (True, "index.js serves HTTP")
    assert infer_start(planned(node).model_copy(update={"start": planned(node).start.model_copy(
        update={"command": None})}), node)[0] == "node index.js"


def test_env_from_example_keeps_plain_settings_and_replaces_secrets(tmp_path):
    app = write_app(tmp_path / "e", {".env.example": "PORT=3000\nDEBUG=true\nSECRET_KEY=changeme\n"
                                                     "API_TOKEN=\nDATABASE_URL=postgres://u:p@db/x\n"})
    values, example = env_from_example(app)
    assert example == ".env.example"
    assert values["PORT"] == "3000" and values["DEBUG"] == "true"
    assert values["SECRET_KEY"].startswith("goose-studio-placeholder") and values["API_TOKEN"].startswith(
        "goose-studio-placeholder")
    assert values["DATABASE_URL"].startswith("sqlite")
    assert parse_env((app / ".env").read_text()) == values
    assert env_from_example(app) is None  # a .env is there now: left as it is


def test_runtime_versions_are_held_against_this_machine():
    assert python_allows("3.11", (3, 11)) and python_allows(">=3.8", (3, 11)) and not python_allows("3.99", (3, 11))
    plan = NeutralPlan(flavor="nixpacks", app_dir="/x", app_root=".", binaries=["node>=99", "npm", "nosuchtool"],
                       runtimes=[RuntimeVersion(name="node", version="99", source=".nvmrc")])
    check = check_binaries(plan)
    assert [(v[0], v[1], v[2]) for v in check.version] == [("node", "99", ".nvmrc")]
    assert check.missing == [("nosuchtool", "nosuchtool")]


def test_the_generated_dockerfile_has_the_base_packages_commands_port_and_start(tmp_path):
    app = write_app(tmp_path / "d", {"requirements.txt": "flask\n", "app.py": "from flask import Flask\n"
                                     "app = Flask(__name__)\n"})
    plan = planned(app)
    steps = adapt(plan, app, shim_dir="/b", static_server="/s.py")
    text = dockerfile.render(plan, steps, ["libgl1"])
    assert text.splitlines()[1] == "FROM python:3.11-slim"
    assert "apt-get install -y --no-install-recommends libgl1" in text
    assert "RUN python -m venv /srv/app/.venv" in text and "EXPOSE 5000" in text
    assert text.rstrip().endswith('"python -m flask --app app:app run --host 127.0.0.1 --port $PORT"]')
    report = dockerfile.write(app, plan, steps, [])
    assert report.origin == "generated" and Path(report.path).name == "Dockerfile.goose-studio"
    (app / "Dockerfile").write_text("FROM scratch\n")
    assert dockerfile.write(app, plan, steps, []).origin == "existing"


def test_listening_sockets_are_read_from_a_socket_table():
    table = ("  sl  local_address rem_address   st tx_queue rx_queue\n"
             "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000\n"
             "   1: 0100007F:1F91 0100007F:9C40 01 00000000:00000000\n")
    assert parse_listening(table) == {8080}


class FakeImages:
    def __init__(self) -> None:
        self.built: list[dict] = []

    def build(self, **kwargs):
        self.built.append(kwargs)

    def get(self, tag):
        return type("Image", (), {"attrs": {"Config": {"Entrypoint": ["node"], "Cmd": ["server.js"],
                                                       "WorkingDir": "/srv/site"}}})()


def test_the_image_is_built_from_the_build_folder_and_started_as_its_dockerfile_says(tmp_path):
    from goose_studio.tools.build.builder.docker_run import image_command
    from goose_studio.tools.build.builder.report import DockerfileReport

    client = type("Client", (), {"images": FakeImages()})()
    assert dockerfile.build_image(client, tmp_path, "Dockerfile.goose-studio", "goose-studio-build/x:latest") == \
        "goose-studio-build/x:latest"
    assert client.images.built == [{"path": str(tmp_path), "dockerfile": "Dockerfile.goose-studio",
                                    "tag": "goose-studio-build/x:latest", "rm": True, "forcerm": True, "pull": False}]
    steps = adapt(planned(write_app(tmp_path / "s", {"index.html": "<h1>x</h1>"})), tmp_path / "s", shim_dir="/b",
                  static_server="/app/.goose-studio/serve_static.py")
    own = DockerfileReport(path=str(tmp_path / "Dockerfile"), origin="existing")
    made = DockerfileReport(path=str(tmp_path / "Dockerfile.goose-studio"), origin="generated")
    assert image_command(client, "t", own, steps) == "cd /srv/site && exec node server.js"
    assert image_command(client, "t", made, steps) == "cd /srv/app && python3 /srv/app/.goose-studio/serve_static.py ."
