"""Monorepos and workspaces (one app chosen, the others listed with why) and folders with no app."""

from __future__ import annotations

import json

import pytest

from goose_studio.tools.build.plan import make_plan
from plan_helpers import FORMATS, check, no_real_tools, write_app  # noqa: F401  (fixture)


def pkg(**fields) -> str:
    return json.dumps(fields)


@pytest.mark.parametrize("fmt", FORMATS)
def test_npm_workspace_builds_from_the_root_and_lists_its_packages(tmp_path, fmt):
    app = write_app(tmp_path / "ws", {"package.json": pkg(workspaces=["packages/*"], scripts={"start": "npm -w api start"}),
                                      "package-lock.json": "{}", "packages/api/package.json": pkg(name="api"),
                                      "packages/ui/package.json": pkg(name="ui")})
    plan = check(app, fmt, {"provider": "node", "start": "npm run start", "app_root": "."}).plan
    apps = {a.path: a for a in plan.apps}
    assert apps["."].chosen and not apps["packages/api"].chosen and not apps["packages/ui"].chosen
    assert "workspace" in apps["packages/ui"].reason


@pytest.mark.parametrize("fmt", FORMATS)
def test_pnpm_workspace_file_lists_packages(tmp_path, fmt):
    app = write_app(tmp_path / "pw", {"package.json": pkg(scripts={"start": "node server.js"}),
                                      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
                                      "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n",
                                      "apps/web/package.json": pkg(name="web"), "apps/docs/package.json": pkg()})
    plan = check(app, fmt, {"provider": "node", "start": "pnpm run start", "package_manager": "pnpm"}).plan
    assert sorted(a.path for a in plan.apps if not a.chosen) == ["apps/docs", "apps/web"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_turborepo_root(tmp_path, fmt):
    app = write_app(tmp_path / "turbo", {"package.json": pkg(workspaces=["apps/*"], packageManager="npm@10.9.0",
                                                             scripts={"build": "turbo run build", "start": "turbo run start"}),
                                         "package-lock.json": "{}", "turbo.json": json.dumps({"tasks": {"build": {}}}),
                                         "apps/web/package.json": pkg(name="web", scripts={"build": "next build"},
                                                                      dependencies={"next": "15"})})
    build = ["npx turbo run build"] if fmt == "nixpacks" else ["npm run build"]
    plan = check(app, fmt, {"provider": "node", "start": "npm run start", "build": build}).plan
    caches = {c.directory for c in plan.phase("build").caches}
    assert ("apps/web/.next/cache" if fmt == "nixpacks" else "/app/apps/web/.next/cache") in caches


@pytest.mark.parametrize("fmt", FORMATS)
def test_several_apps_in_subfolders_pick_one_and_explain_the_others(tmp_path, fmt):
    app = write_app(tmp_path / "mono", {"backend/requirements.txt": "flask\ngunicorn\n",
                                        "backend/main.py": "app = Flask(__name__)\n",
                                        "worker/go.mod": "module w\n\ngo 1.22\n", "worker/lib.txt": "",
                                        "docs/index.html": "<h1>docs</h1>", "README.md": "# mono\n"})
    result = make_plan(app, fmt)
    assert result.status == "planned"
    plan = result.plan
    chosen = [a for a in plan.apps if a.chosen]
    assert [a.path for a in chosen] == ["backend"] and plan.app_root == "backend" and plan.provider == "python"
    others = {a.path: a.reason for a in plan.apps if not a.chosen}
    assert set(others) == {"docs", "worker"}
    assert "static" in others["docs"]
    assert any("backend" in n for n in plan.notes)


def test_nixpacks_plans_the_only_subfolder(tmp_path):
    app = write_app(tmp_path / "wrap", {"server/package.json": pkg(scripts={"start": "node a.js"})})
    result = make_plan(app, "nixpacks")
    assert result.status == "planned" and result.plan.app_root == "server"
    assert "only sub-folder" in result.plan.apps[0].reason
    assert result.rendered["start"]["cmd"] == "npm run start"


@pytest.mark.parametrize("fmt", FORMATS)
def test_folder_without_an_app_is_no_app_not_an_error(tmp_path, fmt):
    app = write_app(tmp_path / "notes", {"README.md": "# notes\n", "docs/": "", "LICENSE": "MIT"})
    result = make_plan(app, fmt)
    assert result.status == "no-app" and result.plan is None and result.reason
    assert any("package.json" in x for x in result.looked_for) and any("Cargo.toml" in x for x in result.looked_for)
    if fmt == "nixpacks":
        assert result.rendered["phases"] == {} and result.rendered["providers"] == []
    else:
        assert result.rendered["success"] is False
        assert result.rendered["logs"][0]["level"] == "error"


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_folder_is_no_app(tmp_path, fmt):
    (tmp_path / "empty").mkdir()
    assert make_plan(tmp_path / "empty", fmt).status == "no-app"


@pytest.mark.parametrize("fmt", FORMATS)
def test_apps_inside_a_group_folder(tmp_path, fmt):
    app = write_app(tmp_path / "svc", {"services/api/requirements.txt": "fastapi\nuvicorn\n",
                                       "services/api/main.py": "app = FastAPI()\n",
                                       "services/web/package.json": pkg(scripts={"start": "node a.js"})})
    plan = make_plan(app, fmt).plan
    paths = sorted(a.path for a in plan.apps)
    assert paths == ["services/api", "services/web"] and sum(a.chosen for a in plan.apps) == 1
    assert plan.app_root in paths and all(a.reason for a in plan.apps)
