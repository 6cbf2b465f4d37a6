"""Procfiles, each tool's config files (nixpacks.toml/json, railpack.json) and env overrides."""

from __future__ import annotations

import json

import pytest

from goose_studio.tools.build.plan import ConfigError, make_plan
from plan_helpers import check, no_real_tools, write_app  # noqa: F401  (fixture)

NODE = {"package.json": json.dumps({"scripts": {"start": "node index.js", "build": "tsc"}}), "index.js": ""}


def test_procfile_web_wins_and_release_becomes_a_phase(tmp_path):
    app = write_app(tmp_path / "p", {**NODE, "Procfile": "release: npm run migrate\nweb: node web.js\n"
                                                         "worker: node worker.js\n"})
    plan = check(app, "nixpacks", {"provider": "node", "start": "node web.js"}).plan
    release = plan.phase("release")
    assert release.commands == ["npm run migrate"] and release.depends_on == ["setup", "install", "build"]
    check(app, "railpack", {"provider": "node", "start": "node web.js"})


def test_procfile_without_web(tmp_path):
    app = write_app(tmp_path / "w", {**NODE, "Procfile": "clock: node clock.js\nworker: node worker.js\n"})
    check(app, "nixpacks", {"provider": "node", "start": "node worker.js"})
    app2 = write_app(tmp_path / "o", {**NODE, "Procfile": "zeta: node z.js\nalpha: node a.js\n"})
    check(app2, "nixpacks", {"provider": "node", "start": "node a.js"})  # first by name
    check(app2, "railpack", {"provider": "node", "start": "node z.js"})  # first in file order


@pytest.mark.parametrize("fmt", ["nixpacks", "railpack"])
def test_env_commands_override_the_provider_and_the_procfile(tmp_path, fmt):
    prefix = fmt.upper()
    app = write_app(tmp_path / "e", {**NODE, "Procfile": "web: node web.js\n"})
    env = {f"{prefix}_INSTALL_CMD": "npm install --legacy-peer-deps", f"{prefix}_BUILD_CMD": "npm run compile",
           f"{prefix}_START_CMD": "node dist/main.js"}
    plan = check(app, fmt, {"provider": "node", "start": "node dist/main.js",
                            "install": ["npm install --legacy-peer-deps"], "build": ["npm run compile"]}, env).plan
    assert plan.shell_commands("build") == ["npm run compile"]
    assert {f"{prefix}_BUILD_CMD", f"{prefix}_START_CMD"} <= set(plan.overrides)


def test_nixpacks_env_packages_merge_with_the_providers(tmp_path):
    app = write_app(tmp_path / "k", {"requirements.txt": "", "main.py": ""})
    result = check(app, "nixpacks", {"provider": "python", "start": "python main.py"},
                   {"NIXPACKS_PKGS": "ffmpeg imagemagick", "NIXPACKS_APT_PKGS": "libpq-dev",
                    "NIXPACKS_INSTALL_CMD": "pip install -r requirements.txt",
                    "NIXPACKS_INSTALL_CACHE_DIRS": "/root/.cache/extra"})
    setup = result.rendered["phases"]["setup"]
    assert setup["nixPkgs"] == ["ffmpeg", "imagemagick", "python3", "gcc"]
    assert setup["aptPkgs"] == ["libpq-dev"]
    install = result.rendered["phases"]["install"]
    assert install["cacheDirectories"] == ["/root/.cache/pip", "/root/.cache/extra"]
    assert result.rendered["variables"]["NIXPACKS_PKGS"] == "ffmpeg imagemagick"  # env vars reach the build


def test_nixpacks_toml_config(tmp_path):
    app = write_app(tmp_path / "t", {**NODE, "nixpacks.toml": '[phases.setup]\nnixPkgs = ["...", "ffmpeg"]\n'
                                                             '[phases.build]\ncmds = ["npm run build:prod"]\n'
                                                             '[start]\ncmd = "node server.js"\n'
                                                             '[variables]\nAPP_MODE = "prod"\n'})
    result = check(app, "nixpacks", {"provider": "node", "start": "node server.js", "build": ["npm run build:prod"]})
    assert result.rendered["phases"]["setup"]["nixPkgs"][-1] == "ffmpeg"
    assert result.rendered["variables"]["APP_MODE"] == "prod"
    assert result.plan.config_files == ["nixpacks.toml"]


def test_nixpacks_json_and_custom_config_file(tmp_path):
    app = write_app(tmp_path / "j", {"nixpacks.json": json.dumps({"phases": {"setup": {"nixPkgs": ["cowsay"]}},
                                                                  "start": {"cmd": "cowsay hi"}}),
                                     "ops/plan.toml": '[start]\ncmd = "echo from ops"\n'})
    result = check(app, "nixpacks", {"provider": None, "start": "cowsay hi"})
    assert "NIXPACKS_METADATA" not in result.rendered.get("variables", {})
    assert result.rendered["phases"]["setup"]["nixPkgs"] == ["cowsay"]
    check(app, "nixpacks", {"provider": None, "start": "echo from ops"}, {"NIXPACKS_CONFIG_FILE": "ops/plan.toml"})


def test_broken_or_missing_config_file_is_an_error(tmp_path):
    app = write_app(tmp_path / "b", {**NODE, "nixpacks.toml": "[start\ncmd = 1\n"})
    with pytest.raises(ConfigError):
        make_plan(app, "nixpacks")
    with pytest.raises(ConfigError):
        make_plan(write_app(tmp_path / "m", NODE), "railpack", {"RAILPACK_CONFIG_FILE": "nope.json"})


def test_railpack_json_config(tmp_path):
    app = write_app(tmp_path / "r", {**NODE, "Procfile": "web: node web.js\n", "railpack.json": json.dumps({
        "packages": {"python": "3.12"}, "buildAptPackages": ["neofetch"],
        "steps": {"build": {"commands": ["...", "neofetch"], "variables": {"HELLO": "world"}}},
        "deploy": {"startCommand": "node prod.js", "aptPackages": ["ffmpeg"]}})})
    result = check(app, "railpack", {"provider": "node", "start": "node prod.js",
                                     "build": ["npm run build", "neofetch"],
                                     "runtimes": [("python", "3.12", "railpack.json > packages")]})
    plan = result.plan
    assert plan.phase("build").variables["HELLO"] == "world"
    assert "neofetch" in plan.phase("setup").apt_pkgs and "ffmpeg" in plan.deploy_apt_pkgs
    steps = {s["name"]: s for s in result.rendered["plan"]["steps"]}
    assert steps["packages:apt:build"]["commands"][0]["customName"] == "install apt packages: neofetch"


def test_railpack_config_provider_and_env_packages(tmp_path):
    app = write_app(tmp_path / "two", {**NODE, "requirements.txt": "", "main.py": "",
                                       "railpack.json": '{"provider": "node"}'})
    result = check(app, "railpack", {"provider": "python", "start": "npm run start"},
                   {"RAILPACK_PACKAGES": "jq@1.7 bun", "RAILPACK_DEPLOY_APT_PACKAGES": "curl"})
    assert result.plan.provider == "node" and result.plan.providers[:2] == ["python", "node"]
    assert result.rendered["detectedProviders"] == ["python"]  # what Railpack detected, the config chose node
    versions = {r.name: (r.version, r.source) for r in result.plan.runtimes}
    assert versions["jq"] == ("1.7", "RAILPACK_PACKAGES") and versions["bun"] == ("latest", "RAILPACK_PACKAGES")
    assert "curl" in result.plan.deploy_apt_pkgs


def test_nixpacks_config_providers_list(tmp_path):
    app = write_app(tmp_path / "np", {**NODE, "requirements.txt": "", "main.py": "",
                                      "nixpacks.toml": 'providers = ["python"]\n'})
    check(app, "nixpacks", {"provider": "python", "start": "python main.py"})
