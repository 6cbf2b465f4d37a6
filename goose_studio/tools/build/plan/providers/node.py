"""Node.js (npm, pnpm, Yarn classic/Berry, Bun): detection, versions, install/build/start, static sites.

Nixpacks rules: node version from NIXPACKS_NODE_VERSION > engines.node > .nvmrc > .node-version (newest even
major a range allows, default 18), package manager from ``packageManager`` then lock files, Corepack when
``packageManager`` names a non-npm manager, Vite SPAs served by Caddy. Railpack rules: RAILPACK_NODE_VERSION >
engines.node > .nvmrc > .node-version > mise.toml/.tool-versions > 22, lock files then ``.yarnrc.yml`` then
engines for the package manager, static sites (Vite, Astro, CRA, Angular) served by Caddy unless a custom
start command is set. Start: the ``start`` script, then ``main``, then index.js/index.ts.
"""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles
from ..versions import mise_version, newest_major, nvmrc_version
from . import node_web as web

NODE_OVERLAY = "https://github.com/railwayapp/nix-npm-overlay/archive/main.tar.gz"
NODE_ARCHIVE = "5624e1334b26ddc18da37e132b6fa8e93b481468"
NODE_LT16_ARCHIVE = "bf744fe90419885eefced41b3e5ae442d732712d"
CADDY_ARCHIVE = "ba913eda2df8eb72147259189d55932012df6301"
NIX_NODE_DEFAULT, NIX_NODE_MAJORS = 18, [14, 16, 18, 20, 22, 23, 24]
RAILPACK_NODE_DEFAULT = "22"
CACHE_DIRS = {"yarn-classic": "/usr/local/share/.cache/yarn/v6", "yarn-berry": "/usr/local/share/.cache/yarn/v6",
              "pnpm": "/root/.local/share/pnpm/store/v3", "bun": "/root/.bun", "npm": "/root/.npm"}
PUPPETEER_APT = ["libnss3", "libatk1.0-0", "libatk-bridge2.0-0", "libcups2", "libgbm1", "libasound2",
                 "libpangocairo-1.0-0", "libxss1", "libgtk-3-0", "libxshmfence1", "libglu1"]
SPA_START = "caddy run --config /Caddyfile --adapter caddyfile 2>&1"
NIX_SPA_START = "exec caddy run --config /assets/Caddyfile --adapter caddyfile 2>&1"
BUN_COMMAND = re.compile(r"(^|\s|;|&|&&|\||\|\|)bunx?\s")


def detect(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("package.json")


def pm_name(pm: str) -> str:
    return "yarn" if pm.startswith("yarn") else pm


def package_manager(ctx: PlanContext, pkg: web.PackageJson) -> str:
    f, declared = ctx.files, pkg.package_manager
    if ctx.nix:
        if declared and declared[0] in ("npm", "pnpm", "yarn", "bun"):
            name = declared[0]
        elif f.has("pnpm-lock.yaml"):
            name = "pnpm"
        elif f.has("yarn.lock"):
            name = "yarn"
        elif f.any("bun.lockb", "bun.lock"):
            name = "bun"
        else:
            name = "npm"
        return ("yarn-berry" if f.has(".yarnrc.yml") else "yarn-classic") if name == "yarn" else name
    if declared:
        name, version = declared
        if name == "yarn" and version:
            return "yarn-classic" if version.split(".")[0] == "1" else "yarn-berry"
        if name in ("pnpm", "npm", "bun"):
            return name
    if f.has("pnpm-lock.yaml"):
        return "pnpm"
    if f.any("bun.lockb", "bun.lock"):
        return "bun"
    if f.any(".yarnrc.yml", ".yarnrc.yaml"):
        return "yarn-berry"
    if f.has("yarn.lock"):
        return "yarn-classic"
    engines = pkg.engines
    if engines.get("pnpm", "").strip():
        return "pnpm"
    if engines.get("bun", "").strip():
        return "bun"
    if engines.get("yarn", "").strip():
        return "yarn-classic" if engines["yarn"].strip().lstrip("^~v").split(".")[0] == "1" else "yarn-berry"
    return "npm"


def node_version(ctx: PlanContext, pkg: web.PackageJson) -> str:
    f = ctx.files
    nvmrc, dot = f.read(".nvmrc"), f.read(".node-version")
    sources = [(ctx.cfg("NODE_VERSION"), ctx.cfg_name("NODE_VERSION")),
               (pkg.engines.get("node"), "package.json > engines > node"),
               (nvmrc_version(nvmrc) if nvmrc is not None and ctx.nix else
                (nvmrc.strip().lstrip("v") if nvmrc is not None else None), ".nvmrc"),
               (dot.strip().replace("v", "") if dot is not None else None, ".node-version")]
    if not ctx.nix:
        found = mise_version(f, "node")
        sources.append((found[0], found[1]) if found else (None, ""))
    default = str(NIX_NODE_DEFAULT) if ctx.nix else RAILPACK_NODE_DEFAULT
    return ctx.pick_version("node", default, sources)


def nix_node_major(version: str) -> int:
    if version in ("*", ""):
        return NIX_NODE_DEFAULT
    even = [m for m in NIX_NODE_MAJORS if m % 2 == 0]
    return newest_major(version, even) or NIX_NODE_DEFAULT


def start_command(ctx: PlanContext, pkg: web.PackageJson, pm: str) -> str | None:
    f, runner = ctx.files, ("bun" if pm == "bun" else "node")
    if pkg.script("start"):
        return f"{pm_name(pm)} run start"
    if ctx.nix:
        if pkg.main and f.has(pkg.main):
            return f"{runner} {pkg.main}"
        if f.has("index.js"):
            return f"{runner} index.js"
        return "bun index.ts" if f.has("index.ts") and pm == "bun" else None
    if pkg.main:
        return f"{runner} {pkg.main}"
    index = f.any("index.js", "index.ts")
    if index:
        return f"{runner} {index}"
    if pkg.has_dep("nuxt"):
        return "node .output/server/index.mjs"
    if pkg.has_dep("@tanstack/react-start"):
        return "srvx --prod -s ../client dist/server/server.js"
    return None


def install_command(ctx: PlanContext, pm: str) -> str:
    f = ctx.files
    if ctx.nix:
        if pm == "pnpm":
            return "pnpm i --frozen-lockfile"
        if pm.startswith("yarn"):
            return "yarn install --check-cache" if f.has(".yarnrc.yml") else "yarn install --frozen-lockfile"
        if f.has("package-lock.json"):
            return "npm ci"
        return "bun i --no-save" if f.any("bun.lockb", "bun.lock") else "npm i"
    if pm == "npm":
        return ctx.cfg("NODE_NPM_INSTALL") or "npm install"
    return {"pnpm": "pnpm install --frozen-lockfile --prefer-offline" if f.has("pnpm-lock.yaml") else "pnpm install",
            "bun": "bun install --frozen-lockfile", "yarn-classic": "yarn install --frozen-lockfile",
            "yarn-berry": "yarn install --check-cache"}[pm]


def _turbo(ctx: PlanContext, pkg: web.PackageJson, pm: str) -> tuple[str | None, str | None]:
    """(build, start) Nixpacks derives from turbo.json and NIXPACKS_TURBO_APP_NAME."""
    turbo = ctx.files.obj("turbo.json")
    tasks = {**(turbo.get("pipeline") or {}), **(turbo.get("tasks") or {})}
    app = ctx.cfg("TURBO_APP_NAME")
    dlx = {"pnpm": "pnpx", "yarn-classic": "yarn", "yarn-berry": "yarn"}.get(pm, "npx")
    build = "npx turbo run build" if "build" in tasks else (f"{dlx} turbo run {app}:build" if app else None)
    start = None
    if app and any(p.endswith(app) for p in web.workspace_packages(ctx.files)):
        start = {"pnpm": f"pnpm --filter {app} run start", "yarn-classic": f"yarn workspace {app} run start",
                 "yarn-berry": f"yarn workspace {app} run start"}.get(pm, f"{pm} --workspace {app} run start")
    elif "start" in tasks:
        start = "npx turbo run start"
    return build, start


def _plan_nixpacks(ctx: PlanContext, pkg: web.PackageJson, pm: str) -> None:
    f, plan = ctx.files, ctx.plan
    major = nix_node_major(node_version(ctx, pkg))
    setup = ctx.phase("setup")
    pm_pkg = {"yarn-classic": "yarn-1_x", "yarn-berry": "yarn-1_x", "bun": "bun"}.get(pm)
    if pm == "pnpm":
        head = (f.read("pnpm-lock.yaml") or "")[:40]
        declared = pkg.package_manager
        pm_pkg = ("pnpm-6_x" if head.startswith("lockfileVersion: 5.3") else "pnpm-7_x" if head.startswith(
            "lockfileVersion: 5.4") else "pnpm-8_x" if head.startswith("lockfileVersion: '6.0'") else
            "pnpm-10_x" if declared and declared[1].startswith("10") else "pnpm-9_x")
    elif pm == "npm":
        lock = f.read("package-lock.json") or ""
        pm_pkg = ("npm-6_x" if '"lockfileVersion": 1' in lock else "npm-8_x" if '"lockfileVersion": 2' in lock
                  else "npm-9_x")
    setup.nix_pkgs += [f"nodejs_{major}", pm_pkg]
    setup.nix_overlays.append(NODE_OVERLAY)
    setup.nixpkgs_archive = NODE_LT16_ARCHIVE if major <= 16 else NODE_ARCHIVE
    if web.uses_text_dependency(f, "prisma"):
        setup.nix_pkgs.append("openssl")
    if web.uses_text_dependency(f, "sharp"):
        setup.nix_libs.append("gcc-unwrapped")
    if web.uses_text_dependency(f, "puppeteer"):
        setup.apt_pkgs += PUPPETEER_APT
    if web.uses_text_dependency(f, "canvas"):
        setup.nix_libs += ["libuuid", "libGL"]
    corepack = major != 14 and bool(pkg.package_manager) and pkg.package_manager[0] != "npm"
    install = ctx.phase("install")
    if corepack:
        install.commands.append("npm install -g corepack@0.24.1 && corepack enable")
    install.commands.append(install_command(ctx, pm))
    ctx.cache("install", pm, CACHE_DIRS[pm])
    deps = set().union(*(set(p.deps()) for _, p in web.all_package_jsons(f))) if f.has("package.json") else set()
    if "cypress" in deps:
        ctx.cache("install", "cypress", "/root/.cache/Cypress")
    install.paths.append("/app/node_modules/.bin")
    build = ctx.phase("build")
    turbo_build, turbo_start = _turbo(ctx, pkg, pm) if f.has("turbo.json") else (None, None)
    if turbo_build:
        build.commands.append(turbo_build)
    elif pkg.script("build"):
        build.commands.append(f"{pm_name(pm)} run build")
    for folder, sub in web.all_package_jsons(f):
        if "next" in sub.deps():
            ctx.cache("build", "next", f"{folder}/.next/cache" if folder else ".next/cache")
    ctx.cache("build", "node-modules", "node_modules/.cache")
    for extra in pkg.data.get("cacheDirectories") or []:
        if isinstance(extra, str):
            ctx.cache("build", "custom", extra)
    build.caches.sort(key=lambda c: c.directory)
    plan.variables.update({"CI": "true", "NODE_ENV": "production", "NPM_CONFIG_PRODUCTION": "false"})
    start = turbo_start
    is_vite = web.is_vite_nixpacks(f, pkg)
    spa_off = (ctx.cfg("SPA_CADDY") or "").lower() in ("false", "0")
    if is_vite:
        out = ctx.cfg("SPA_OUT_DIR") or web.vite_out_dir(f, pkg, "'\"`")
        plan.variables["NIXPACKS_SPA_OUTPUT_DIR"] = out
        if not spa_off and (web.vite_caddy_allowed_nixpacks(pkg) or ctx.cfg("SPA_OUT_DIR")):
            caddy = ctx.phase("caddy")
            caddy.depends_on, caddy.nix_pkgs, caddy.nixpkgs_archive = ["setup"], ["caddy"], CADDY_ARCHIVE
            caddy.commands.append("caddy fmt --overwrite /assets/Caddyfile")
            plan.static_dir, plan.port = out, 80
            start = start or NIX_SPA_START
    ctx.start(start or start_command(ctx, pkg, pm))
    ctx.binaries(f"node>={major}", pm_name(pm))


def _requires_node(ctx: PlanContext, pkg: web.PackageJson, pm: str) -> bool:
    if pm != "bun" or pkg.package_manager:
        return True
    if any("node" in s for s in pkg.scripts.values()):
        return True
    return web.is_astro(ctx.files, pkg) or web.is_vite_railpack(ctx.files, pkg)


def spa_output(ctx: PlanContext, pkg: web.PackageJson) -> str | None:
    """The static output folder Railpack serves with Caddy, or None when the app is not deployed as an SPA."""
    f = ctx.files
    if ctx.truthy("NO_SPA"):
        return None
    if ctx.cfg("SPA_OUTPUT_DIR"):
        return ctx.cfg("SPA_OUTPUT_DIR")
    start = ctx.cfg("START_CMD") or (ctx.config.get("deploy") or {}).get("startCommand") or pkg.script("start")
    if start and start not in ("ng serve", "react-scripts start"):
        return None
    if web.is_vite_railpack(f, pkg):
        return web.vite_out_dir(f, pkg)
    if web.is_astro_spa(f, pkg):
        return web.astro_out_dir(f)
    if web.is_cra(pkg):
        return "build"
    if web.is_angular(f, pkg):
        return web.angular_out_dir(f, ctx.cfg("ANGULAR_PROJECT")) or None
    return None


def _plan_railpack(ctx: PlanContext, pkg: web.PackageJson, pm: str) -> None:
    f, plan = ctx.files, ctx.plan
    needs_node = _requires_node(ctx, pkg, pm)
    needs_bun = pm == "bun" or any(BUN_COMMAND.search(s + " ") for s in pkg.scripts.values())
    version = node_version(ctx, pkg)
    if needs_bun:
        bun_file = f.read(".bun-version")
        ctx.pick_version("bun", "latest", [(ctx.cfg("BUN_VERSION"), ctx.cfg_name("BUN_VERSION")),
                                           (bun_file.strip() if bun_file else None, ".bun-version"),
                                           (pkg.engines.get("bun"), "package.json > engines > bun")])
    if pm == "pnpm":
        declared = pkg.package_manager
        ctx.pick_version("pnpm", "9", [(declared[1] if declared and declared[0] == "pnpm" else None,
                                        "package.json > packageManager"),
                                       (pkg.engines.get("pnpm"), "package.json > engines > pnpm")])
    corepack = bool(pkg.package_manager) and pm != "bun"
    install = ctx.phase("install")
    install.depends_on = ["packages:mise"]
    install.paths.append("/app/node_modules/.bin")
    install.variables.update(node_vars(pm))
    if corepack:
        install.variables["COREPACK_HOME"] = "/opt/corepack"
        install.commands.append("npm i -g corepack@latest && corepack enable && corepack prepare --activate")
    install.commands.append("mkdir -p /app/node_modules/.cache")
    if pm == "pnpm":
        install.variables.update({"PNPM_HOME": "/opt/pnpm", "PNPM_STORE_DIR": "/opt/pnpm/store"})
        install.paths.append("/opt/pnpm")
        install.commands.append("pnpm add -g node-gyp")
    install.commands.append(install_command(ctx, pm))
    cache = {"npm": ("npm-install", "/root/.npm", "shared"),
             "pnpm": ("pnpm-install", "/opt/pnpm/store", "shared"),
             "bun": ("bun-install", "/root/.bun/install/cache", "shared"),
             "yarn-classic": ("yarn-install", "/usr/local/share/.cache/yarn", "locked"),
             "yarn-berry": ("yarn-install", "/app/.yarn/cache", "shared")}[pm]
    ctx.cache("install", *cache)
    scripts_need_app = any(pkg.script(s) for s in ("preinstall", "postinstall", "prepare"))
    if not scripts_need_app:
        install.only_include_files = sorted(x for x in f.all_files if x.rsplit("/", 1)[-1] in (
            "package.json", "package-lock.json", "pnpm-workspace.yaml", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
            "bun.lock", ".yarnrc.yml", ".npmrc", ".node-version", ".nvmrc"))
    build = ctx.phase("build")
    if pkg.script("build"):
        build.commands.append(f"{pm_name(pm)} run build")
        if pkg.has_dep("next"):
            build.variables["NEXT_TELEMETRY_DISABLED"] = "1"
    ctx.cache("build", "node-modules", "/app/node_modules/.cache")
    for folder, sub in [("", pkg)] + [(p, web.package_json(f, f"{p}/package.json")) for p in
                                      web.workspace_packages(f)]:
        suffix = ("-" + folder.replace("/", "-")) if folder else ""
        base = f"/app/{folder}/" if folder else "/app/"
        if "next build" in sub.script("build"):
            ctx.cache("build", "next" + suffix, base + ".next/cache")
        if sub.has_dep("@remix-run/node"):
            ctx.cache("build", "remix" + suffix, base + ".cache")
        if web.is_vite_railpack(f.sub(folder) if folder else f, sub):
            ctx.cache("build", "vite" + suffix, base + "node_modules/.vite")
    plan.variables.update(node_vars(pm))
    plan.variables["NPM_CONFIG_FETCH_RETRIES"] = "5"
    if web.is_astro(f, pkg) and not web.is_astro_spa(f, pkg):
        plan.variables["HOST"] = "0.0.0.0"
    plan.deploy_apt_pkgs.append("libatomic1")
    out = spa_output(ctx, pkg)
    if out:
        plan.static_dir, plan.port = out, 80
        caddy = ctx.phase("caddy")
        caddy.depends_on = ["packages:caddy"]
        caddy.commands.append("caddy fmt --overwrite /Caddyfile")
        ctx.start(SPA_START)
    else:
        ctx.start(start_command(ctx, pkg, pm))
    ctx.meta("nodeRuntime", _runtime_label(ctx, pkg, pm, bool(out)))
    ctx.meta("nodePackageManager", pm.replace("-classic", "1").replace("-", ""))
    ctx.meta("nodeIsSPA", bool(out))
    ctx.meta("nodeUsesCorepack", corepack)
    major = re.match(r"\D*(\d+)", version)
    if needs_node:
        ctx.binaries(f"node>={major.group(1)}" if major else "node")
    if needs_bun:
        ctx.binaries("bun")
    ctx.binaries(pm_name(pm))


def node_vars(pm: str) -> dict[str, str]:
    out = {"NODE_ENV": "production", "NPM_CONFIG_PRODUCTION": "false", "NPM_CONFIG_UPDATE_NOTIFIER": "false",
           "NPM_CONFIG_FUND": "false", "CI": "true"}
    if pm == "yarn-classic":
        out["YARN_PRODUCTION"] = "false"
    return out


def _runtime_label(ctx: PlanContext, pkg: web.PackageJson, pm: str, spa: bool) -> str:
    fw = web.framework_of(pkg)
    if spa:
        return fw if fw in ("astro", "vite", "cra", "angular") else "static"
    return fw if fw in ("next", "nuxt", "remix", "tanstack-start", "vite") else ("bun" if pm == "bun" else "node")


def plan(ctx: PlanContext) -> None:
    pkg = web.package_json(ctx.files)
    pm = package_manager(ctx, pkg)
    ctx.plan.language = "javascript" if not ctx.files.has("tsconfig.json") else "typescript"
    ctx.plan.framework = web.framework_of(pkg)
    ctx.plan.package_manager = pm
    (_plan_nixpacks if ctx.nix else _plan_railpack)(ctx, pkg, pm)
    if ctx.plan.port is None:
        defaults = {"next": 3000, "nuxt": 3000, "remix": 3000, "sveltekit": 3000, "nestjs": 3000}
        ctx.plan.port = web.listen_port(ctx.files, pkg) or defaults.get(ctx.plan.framework or "")
    packages = web.workspace_packages(ctx.files)
    if packages:
        ctx.note(f"{pm_name(pm)} workspace with {len(packages)} packages, installed and built from the root")
        ctx.plan.metadata.setdefault("workspacePackages", ",".join(packages))


SPEC = ProviderSpec("node", "javascript", {"nixpacks": "node", "railpack": "node"}, detect, plan)
