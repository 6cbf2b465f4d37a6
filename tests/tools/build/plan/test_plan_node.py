"""Node.js apps (npm, pnpm, Yarn classic/Berry, Bun; Next, Vite, CRA, Angular, Astro, Nuxt, Express) in both
formats: provider, start command, install/build commands, versions and their sources."""

from __future__ import annotations

import json

import pytest

from plan_helpers import case_params, check, no_real_tools, write_app  # noqa: F401  (fixture)

SPA_NIX = "exec caddy run --config /assets/Caddyfile --adapter caddyfile 2>&1"
SPA_RAILPACK = "caddy run --config /Caddyfile --adapter caddyfile 2>&1"
LOCK3 = json.dumps({"lockfileVersion": 3, "packages": {}})


def pkg(**fields) -> str:
    return json.dumps(fields)


CASES = [
    ("npm-express", {"package.json": pkg(name="a", scripts={"start": "node server.js"}, engines={"node": "20.x"},
                                         dependencies={"express": "^4"}),
                     "package-lock.json": LOCK3, "server.js": "app.listen(3000)\n"},
     {"nixpacks": {"provider": "node", "start": "npm run start", "install": ["npm ci"], "port": 3000,
                   "framework": "express", "package_manager": "npm", "nix_pkgs": ["nodejs_20", "npm-9_x"],
                   "runtimes": [("node", "20.x", "package.json > engines > node")], "binaries": ["node>=20", "npm"]},
      "railpack": {"provider": "node", "start": "npm run start", "install": ["npm install"], "port": 3000,
                   "runtimes": [("node", "20.x", "package.json > engines > node")], "binaries": ["node>=20", "npm"]}}),
    ("pnpm-corepack", {"package.json": pkg(packageManager="pnpm@9.1.0", scripts={"build": "tsc", "start":
                                                                                 "node dist/index.js"}),
                       "pnpm-lock.yaml": "lockfileVersion: '9.0'\n", ".nvmrc": "lts/iron\n"},
     {"nixpacks": {"provider": "node", "start": "pnpm run start", "build": ["pnpm run build"],
                   "install": ["npm install -g corepack@0.24.1 && corepack enable", "pnpm i --frozen-lockfile"],
                   "nix_pkgs": ["nodejs_20", "pnpm-9_x"], "runtimes": [("node", "20", ".nvmrc")]},
      "railpack": {"provider": "node", "start": "pnpm run start", "build": ["pnpm run build"],
                   "install": ["npm i -g corepack@latest && corepack enable && corepack prepare --activate",
                               "pnpm install --frozen-lockfile --prefer-offline"],
                   "runtimes": [("node", "lts/iron", ".nvmrc"), ("pnpm", "9.1.0", "package.json > packageManager")]}}),
    ("yarn-classic", {"package.json": pkg(scripts={"start": "node index.js", "build": "webpack"}),
                      "yarn.lock": "# yarn lockfile v1\n", ".node-version": "18.17.0\n", "index.js": ""},
     {"nixpacks": {"provider": "node", "start": "yarn run start", "install": ["yarn install --frozen-lockfile"],
                   "build": ["yarn run build"], "package_manager": "yarn-classic", "nix_pkgs": ["nodejs_18", "yarn-1_x"],
                   "runtimes": [("node", "18.17.0", ".node-version")]},
      "railpack": {"provider": "node", "start": "yarn run start", "install": ["yarn install --frozen-lockfile"],
                   "package_manager": "yarn-classic", "runtimes": [("node", "18.17.0", ".node-version")]}}),
    ("yarn-berry", {"package.json": pkg(scripts={"start": "node index.js"}), "yarn.lock": "__metadata:\n",
                    ".yarnrc.yml": "nodeLinker: node-modules\n", "index.js": ""},
     {"nixpacks": {"provider": "node", "start": "yarn run start", "install": ["yarn install --check-cache"],
                   "package_manager": "yarn-berry", "runtimes": [("node", "18", "default")]},
      "railpack": {"provider": "node", "start": "yarn run start", "install": ["yarn install --check-cache"],
                   "package_manager": "yarn-berry", "runtimes": [("node", "22", "default")]}}),
    ("bun-script", {"package.json": pkg(scripts={"start": "bun run server.ts"}), "bun.lockb": "", "server.ts": ""},
     {"nixpacks": {"provider": "node", "start": "bun run start", "install": ["bun i --no-save"],
                   "package_manager": "bun", "nix_pkgs": ["nodejs_18", "bun"]},
      "railpack": {"provider": "node", "start": "bun run start", "install": ["bun install --frozen-lockfile"],
                   "package_manager": "bun", "runtimes": [("bun", "latest", "default")], "binaries": ["bun"]}}),
    ("bun-index", {"package.json": pkg(name="b", module="index.ts"), "bun.lock": "{}", "index.ts": ""},
     {"nixpacks": {"provider": "node", "start": "bun index.ts", "install": ["bun i --no-save"]},
      "railpack": {"provider": "node", "start": "bun index.ts", "install": ["bun install --frozen-lockfile"]}}),
    ("next", {"package.json": pkg(scripts={"build": "next build", "start": "next start"},
                                  dependencies={"next": "15.0.0", "react": "19.0.0"}), "package-lock.json": LOCK3},
     {"nixpacks": {"provider": "node", "start": "npm run start", "build": ["npm run build"], "framework": "next",
                   "port": 3000},
      "railpack": {"provider": "node", "start": "npm run start", "build": ["npm run build"], "framework": "next",
                   "port": 3000}}),
    ("vite-react", {"package.json": pkg(scripts={"dev": "vite", "build": "vite build"},
                                        dependencies={"react": "18.3.0"}, devDependencies={"vite": "5.4.0"}),
                    "package-lock.json": LOCK3, "vite.config.js": "export default { build: { outDir: 'build' } }\n",
                    "index.html": "<div id=root></div>"},
     {"nixpacks": {"provider": "node", "start": SPA_NIX, "build": ["npm run build"], "static_dir": "build",
                   "port": 80},
      "railpack": {"provider": "node", "start": SPA_RAILPACK, "build": ["npm run build"], "static_dir": "build",
                   "port": 80}}),
    ("cra", {"package.json": pkg(scripts={"start": "react-scripts start", "build": "react-scripts build"},
                                 dependencies={"react": "18", "react-scripts": "5.0.1"}), "package-lock.json": LOCK3},
     {"nixpacks": {"provider": "node", "start": "npm run start", "build": ["npm run build"]},
      "railpack": {"provider": "node", "start": SPA_RAILPACK, "build": ["npm run build"], "static_dir": "build"}}),
    ("express-main", {"package.json": pkg(main="src/server.js", dependencies={"express": "^4"}),
                      "src/server.js": "const PORT = process.env.PORT || 8080\n"},
     {"nixpacks": {"provider": "node", "start": "node src/server.js", "install": ["npm i"], "port": 8080},
      "railpack": {"provider": "node", "start": "node src/server.js", "install": ["npm install"], "port": 8080}}),
    ("nuxt", {"package.json": pkg(scripts={"build": "nuxt build", "postinstall": "nuxt prepare"},
                                  dependencies={"nuxt": "^3.15.0"})},
     {"nixpacks": {"provider": "node", "start": None, "build": ["npm run build"]},
      "railpack": {"provider": "node", "start": "node .output/server/index.mjs", "build": ["npm run build"],
                   "framework": "nuxt"}}),
    ("astro-static", {"package.json": pkg(scripts={"build": "astro build"}, dependencies={"astro": "^5"}),
                      "astro.config.mjs": "export default {}\n"},
     {"nixpacks": {"provider": "node", "start": None, "build": ["npm run build"]},
      "railpack": {"provider": "node", "start": SPA_RAILPACK, "static_dir": "dist"}}),
    ("angular", {"package.json": pkg(scripts={"start": "ng serve", "build": "ng build"},
                                     dependencies={"@angular/core": "^19"}),
                 "angular.json": json.dumps({"projects": {"shop": {"architect": {"build": {
                     "builder": "@angular-devkit/build-angular:application",
                     "options": {"outputPath": "dist/shop"}}}}}})},
     {"nixpacks": {"provider": "node", "start": "npm run start", "build": ["npm run build"]},
      "railpack": {"provider": "node", "start": SPA_RAILPACK, "static_dir": "dist/shop/browser"}}),
]


@pytest.mark.parametrize("name,files,fmt,exp", case_params(CASES))
def test_node_apps(tmp_path, name, files, fmt, exp):
    check(write_app(tmp_path / name, files), fmt, exp)


def test_node_version_from_env_var_wins_over_engines(tmp_path):
    app = write_app(tmp_path / "v", {"package.json": pkg(engines={"node": "18"}, scripts={"start": "node a.js"}),
                                     ".nvmrc": "16\n"})
    check(app, "nixpacks", {"provider": "node", "start": "npm run start", "nix_pkgs": ["nodejs_22"],
                            "runtimes": [("node", "22", "NIXPACKS_NODE_VERSION")]}, {"NIXPACKS_NODE_VERSION": "22"})
    check(app, "railpack", {"provider": "node", "start": "npm run start",
                            "runtimes": [("node", "21.1", "RAILPACK_NODE_VERSION")]}, {"RAILPACK_NODE_VERSION": "21.1"})


def test_nixpacks_node_range_picks_newest_even_major_and_old_lockfiles(tmp_path):
    app = write_app(tmp_path / "r", {"package.json": pkg(engines={"node": ">=14.10.3 <16"}),
                                     "package-lock.json": '{"lockfileVersion": 1}', "index.js": ""})
    result = check(app, "nixpacks", {"provider": "node", "start": "node index.js", "install": ["npm ci"],
                                     "nix_pkgs": ["nodejs_14", "npm-6_x"]})
    setup = result.rendered["phases"]["setup"]
    assert setup["nixpkgsArchive"] == "bf744fe90419885eefced41b3e5ae442d732712d"  # the archive for node <= 16


def test_railpack_spa_is_off_with_a_custom_start_or_no_spa(tmp_path):
    files = {"package.json": pkg(scripts={"build": "vite build", "start": "vite preview --host"},
                                 devDependencies={"vite": "5"}), "vite.config.ts": "export default {}"}
    app = write_app(tmp_path / "s", files)
    check(app, "railpack", {"provider": "node", "start": "npm run start", "static_dir": None})
    app2 = write_app(tmp_path / "s2", {**files, "package.json": pkg(scripts={"build": "vite build"},
                                                                    devDependencies={"vite": "5"})})
    check(app2, "railpack", {"provider": "node", "start": None, "static_dir": None}, {"RAILPACK_NO_SPA": "1"})
    check(app2, "railpack", {"provider": "node", "start": SPA_RAILPACK, "static_dir": "out"},
          {"RAILPACK_SPA_OUTPUT_DIR": "out"})


def test_nixpacks_turborepo_build_and_app_start(tmp_path):
    app = write_app(tmp_path / "t", {"package.json": pkg(workspaces=["apps/*"]), "package-lock.json": LOCK3,
                                     "turbo.json": json.dumps({"tasks": {"build": {}}}),
                                     "apps/web/package.json": pkg(name="web", scripts={"start": "next start"})})
    check(app, "nixpacks", {"provider": "node", "start": "npm --workspace web run start",
                            "build": ["npx turbo run build"]}, {"NIXPACKS_TURBO_APP_NAME": "web"})


def test_node_system_packages_for_native_dependencies(tmp_path):
    app = write_app(tmp_path / "n", {"package.json": pkg(scripts={"start": "node a.js"},
                                                         dependencies={"prisma": "5", "canvas": "2",
                                                                       "puppeteer": "22"})})
    plan = check(app, "nixpacks", {"provider": "node", "start": "npm run start"}).plan
    setup = plan.phase("setup")
    assert "openssl" in setup.nix_pkgs and {"libuuid", "libGL"} <= set(setup.nix_libs)
    assert "libnss3" in setup.apt_pkgs
