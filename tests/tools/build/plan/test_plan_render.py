"""The two JSON shapes (nixpacks plan, railpack info), rendering either flavor in either shape, and reading the
JSON back into a neutral plan."""

from __future__ import annotations

import json

from goose_studio.tools.build.plan import make_plan, render
from goose_studio.tools.build.plan import readback
from plan_helpers import no_real_tools, write_app  # noqa: F401  (fixture)

VITE = {"package.json": json.dumps({"scripts": {"build": "vite build"}, "dependencies": {"react": "18"},
                                    "devDependencies": {"vite": "5"}}), "yarn.lock": ""}


def test_nixpacks_shape(tmp_path):
    app = write_app(tmp_path / "n", {"package.json": json.dumps({"scripts": {"start": "node a.js", "build": "tsc"}}),
                                     "package-lock.json": '{"lockfileVersion": 2}'})
    out = make_plan(app, "nixpacks").rendered
    assert list(out) == ["providers", "buildImage", "variables", "phases", "start"]
    assert out["providers"] == [] and out["buildImage"].startswith("ghcr.io/railwayapp/nixpacks:")
    assert list(out["variables"]) == sorted(out["variables"]) and out["variables"]["NIXPACKS_METADATA"] == "node"
    assert list(out["phases"]) == ["build", "install", "setup"]
    assert out["phases"]["setup"] == {"nixPkgs": ["nodejs_18", "npm-8_x"], "nixOverlays": [
        "https://github.com/railwayapp/nix-npm-overlay/archive/main.tar.gz"],
        "nixpkgsArchive": "5624e1334b26ddc18da37e132b6fa8e93b481468"}
    assert out["phases"]["install"] == {"dependsOn": ["setup"], "cmds": ["npm ci"], "cacheDirectories": ["/root/.npm"],
                                        "paths": ["/app/node_modules/.bin"]}
    assert out["phases"]["build"]["cmds"] == ["npm run build"]
    assert out["start"] == {"cmd": "npm run start"}
    assert all("name" not in phase for phase in out["phases"].values())  # as the CLI prints them


def test_nixpacks_spa_adds_a_caddy_phase(tmp_path):
    out = make_plan(write_app(tmp_path / "v", VITE), "nixpacks").rendered
    assert out["phases"]["caddy"]["cmds"] == ["caddy fmt --overwrite /assets/Caddyfile"]
    assert out["phases"]["caddy"]["dependsOn"] == ["setup"]
    assert out["variables"]["NIXPACKS_SPA_OUTPUT_DIR"] == "dist"


def test_railpack_shape(tmp_path):
    app = write_app(tmp_path / "r", {"go.mod": "module r\n\ngo 1.22\n", "go.sum": "", "main.go": ""})
    out = make_plan(app, "railpack").rendered
    assert set(out) == {"railpackVersion", "plan", "resolvedPackages", "metadata", "detectedProviders", "logs",
                        "success"}
    assert out["success"] is True and out["detectedProviders"] == ["golang"]
    assert out["metadata"]["providers"] == "golang" and out["metadata"]["goMod"] == "true"
    assert out["resolvedPackages"]["go"] == {"name": "go", "requestedVersion": "1.22", "resolvedVersion": "1.22",
                                             "source": "go.mod"}
    steps = {s["name"]: s for s in out["plan"]["steps"]}
    assert list(steps) == ["packages:mise", "install", "build", "packages:apt:runtime"]
    assert steps["packages:mise"]["commands"][-1] == {"cmd": "mise install", "customName": "install mise packages: go"}
    install = steps["install"]
    assert install["inputs"] == [{"step": "packages:mise"}] and install["caches"] == ["go-build"]
    assert {"src": "go.mod", "dest": "go.mod"} in install["commands"] and {"cmd": "go mod download"} in install["commands"]
    assert steps["build"]["secrets"] == ["*"] and {"include": ["."], "local": True} in steps["build"]["inputs"]
    assert steps["build"]["commands"] == [{"cmd": 'go build -ldflags="-w -s" -o out'}]
    deploy = out["plan"]["deploy"]
    assert deploy["startCommand"] == "./out" and deploy["base"] == {"step": "packages:apt:runtime"}
    assert out["plan"]["caches"]["go-build"] == {"directory": "/root/.cache/go-build", "type": "shared"}


def test_railpack_spa_deploys_caddy_with_the_output_folder(tmp_path):
    out = make_plan(write_app(tmp_path / "v", VITE), "railpack").rendered
    names = [s["name"] for s in out["plan"]["steps"]]
    assert names.index("packages:caddy") < names.index("caddy")
    inputs = out["plan"]["deploy"]["inputs"]
    assert {"include": ["dist"], "step": "build"} in inputs and {"include": ["/Caddyfile"], "step": "caddy"} in inputs
    assert out["metadata"]["nodeIsSPA"] == "true"


def test_shell_operators_run_through_sh_c(tmp_path):
    app = write_app(tmp_path / "c", {"package.json": json.dumps({"packageManager": "yarn@4.1.0"}), "yarn.lock": ""})
    steps = {s["name"]: s for s in make_plan(app, "railpack").rendered["plan"]["steps"]}
    corepack = [c for c in steps["install"]["commands"] if "corepack" in c.get("cmd", "")][0]
    assert corepack["cmd"] == "sh -c 'npm i -g corepack@latest && corepack enable && corepack prepare --activate'"
    assert corepack["customName"] == "npm i -g corepack@latest && corepack enable && corepack prepare --activate"


def test_either_flavor_renders_in_either_shape_and_reads_back(tmp_path):
    app = write_app(tmp_path / "x", {"requirements.txt": "flask\ngunicorn\n", "main.py": ""})
    for plan in (make_plan(app, "nixpacks").plan, make_plan(app, "railpack").plan):
        for fmt in ("nixpacks", "railpack"):
            out = render(plan, fmt)
            assert readback.provider_of(fmt, out) == "python"
            assert readback.start_of(fmt, out) == plan.start.command
            back = readback.neutral_from(fmt, out, str(app))
            assert back.start.command == plan.start.command
            assert back.shell_commands("install") == plan.shell_commands("install")


def test_readback_understands_older_nixpacks_shapes():
    listed = {"phases": [{"name": "setup", "nixPackages": [{"name": "nodejs-16_x"}]},
                         {"name": "install", "commands": ["npm i"]}], "startPhase": {"cmd": "node index.js"}}
    assert readback.provider_of("nixpacks", listed) == "node"
    assert readback.commands_of("nixpacks", listed, "install") == ["npm i"]
    assert readback.start_of("nixpacks", listed) == "node index.js"
    oldest = {"setup": {"pkgs": [{"name": "python38"}]}, "install": {"cmds": ["pip install ."]},
              "start": {"cmd": "python main.py"}}
    assert readback.provider_of("nixpacks", oldest) == "python"
    assert readback.commands_of("nixpacks", oldest, "install") == ["pip install ."]


def test_neutral_plan_carries_what_an_executor_needs(tmp_path):
    app = write_app(tmp_path / "e", {"package.json": json.dumps({"scripts": {"start": "node server.js"},
                                                                 "engines": {"node": ">=18"}}),
                                     "server.js": "app.listen(4000)"})
    for fmt in ("nixpacks", "railpack"):
        plan = make_plan(app, fmt).plan
        assert plan.shell_commands("install") and plan.start.command == "npm run start" and plan.port == 4000
        assert any(b.startswith("node>=") for b in plan.binaries) and "npm" in plan.binaries
        assert [p.name for p in plan.phases][:1] in (["setup"], ["install"])
