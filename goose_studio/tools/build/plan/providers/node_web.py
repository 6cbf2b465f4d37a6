"""Node.js helpers shared by both flavors: package.json access, workspaces, frameworks, static (SPA) output."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..files import AppFiles


@dataclass
class PackageJson:
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def scripts(self) -> dict[str, str]:
        s = self.data.get("scripts")
        return {k: v for k, v in s.items() if isinstance(v, str)} if isinstance(s, dict) else {}

    def script(self, name: str) -> str:
        return self.scripts.get(name, "")

    def deps(self, dev: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("dependencies", "devDependencies") if dev else ("dependencies",):
            if isinstance(self.data.get(key), dict):
                out.update(self.data[key])
        return out

    def has_dep(self, name: str) -> bool:
        return name in self.deps()

    def has_dep_nix(self, name: str) -> bool:
        """Nixpacks' check: dependencies when the field exists, devDependencies only when it does not."""
        deps = self.data.get("dependencies")
        if isinstance(deps, dict):
            return name in deps
        dev = self.data.get("devDependencies")
        return isinstance(dev, dict) and name in dev

    @property
    def engines(self) -> dict[str, str]:
        e = self.data.get("engines")
        return {k: str(v) for k, v in e.items()} if isinstance(e, dict) else {}

    @property
    def package_manager(self) -> tuple[str, str] | None:
        """('pnpm', '9.1.0') from ``packageManager: "pnpm@9.1.0+sha..."``."""
        pm = self.data.get("packageManager")
        if not isinstance(pm, str) or not pm.strip():
            return None
        name, _, version = pm.strip().partition("@")
        return name, version.split("+", 1)[0]

    @property
    def main(self) -> str:
        m = self.data.get("main")
        return m if isinstance(m, str) else ""

    @property
    def workspaces(self) -> list[str]:
        w = self.data.get("workspaces")
        if isinstance(w, dict):
            w = w.get("packages")
        return [x for x in w if isinstance(x, str)] if isinstance(w, list) else []


def package_json(files: AppFiles, rel: str = "package.json") -> PackageJson:
    return PackageJson(files.obj(rel))


def workspace_globs(files: AppFiles) -> list[str]:
    pnpm = files.yaml("pnpm-workspace.yaml")
    globs = []
    if isinstance(pnpm, dict) and isinstance(pnpm.get("packages"), list):
        globs += [g for g in pnpm["packages"] if isinstance(g, str)]
    return globs + package_json(files).workspaces


def workspace_packages(files: AppFiles) -> list[str]:
    """Folders (relative) of the workspace's packages that have a package.json."""
    found: list[str] = []
    manifests = [f for f in files.glob("**/package.json") if f != "package.json"]
    for pattern in workspace_globs(files):
        if pattern.startswith("!"):
            continue
        rx = re.compile("^" + re.escape(pattern.rstrip("/")).replace(r"\*\*", ".+").replace(r"\*", "[^/]+") + "$")
        for m in manifests:
            folder = m.rsplit("/", 1)[0]
            if rx.match(folder) and folder not in found:
                found.append(folder)
    return sorted(found)


def all_package_jsons(files: AppFiles) -> list[tuple[str, PackageJson]]:
    """(folder, manifest) for the root and every nested package.json (dependency folders skipped)."""
    out = []
    for rel in files.glob("**/package.json"):
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        out.append((folder, package_json(files, rel)))
    return out


def uses_text_dependency(files: AppFiles, name: str) -> bool:
    """Nixpacks' loose check: the name appears in package.json or a lock file."""
    return any(files.contains(f, name) for f in ("package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml"))


# -- frameworks -------------------------------------------------------------------------------------------------

FRAMEWORK_DEPS = [("next", "next"), ("nuxt", "nuxt"), ("@remix-run/node", "remix"), ("@remix-run/react", "remix"),
                  ("@tanstack/react-start", "tanstack-start"), ("@sveltejs/kit", "sveltekit"), ("astro", "astro"),
                  ("@angular/core", "angular"), ("react-scripts", "cra"), ("vite", "vite"),
                  ("express", "express"), ("fastify", "fastify"), ("@nestjs/core", "nestjs"), ("koa", "koa"),
                  ("hono", "hono")]


def framework_of(pkg: PackageJson) -> str | None:
    return next((fw for dep, fw in FRAMEWORK_DEPS if pkg.has_dep(dep)), None)


def vite_out_dir(files: AppFiles, pkg: PackageJson, quotes: str = "'\"") -> str:
    config = files.read("vite.config.js") or files.read("vite.config.ts") or ""
    m = re.search(r"outDir:\s*[" + quotes + r"](.+?)[" + quotes + "]", config)
    if m:
        return m.group(1)
    m = re.search(r"vite\s+build(?:\s+-[^\s]*)*\s+(?:--outDir)\s+([^-\s;]+)", pkg.script("build"))
    return m.group(1) if m else "dist"


def is_vite_railpack(files: AppFiles, pkg: PackageJson) -> bool:
    if pkg.has_dep("svelte") and pkg.has_dep("@sveltejs/kit"):
        return False
    if pkg.has_dep("@tanstack/react-start"):
        return False
    build = pkg.script("build")
    has_config = files.has("vite.config.js") or files.has("vite.config.ts")
    return pkg.has_dep("vite") and bool(build) and ("vite build" in build.lower() or has_config)


def is_vite_nixpacks(files: AppFiles, pkg: PackageJson) -> bool:
    return (pkg.has_dep_nix("vite") or files.has("vite.config.js") or files.has("vite.config.ts")
            or "vite build" in pkg.script("build").lower())


def vite_caddy_allowed_nixpacks(pkg: PackageJson) -> bool:
    d = pkg.has_dep_nix
    return (d("react") or d("vue") or (d("svelte") and not d("@sveltejs/kit")) or d("preact") or d("lit")
            or d("solid-js") or d("@builder.io/qwik"))


def astro_config(files: AppFiles) -> str:
    return files.read("astro.config.mjs") or files.read("astro.config.ts") or ""


def is_astro(files: AppFiles, pkg: PackageJson) -> bool:
    return bool(files.any("astro.config.mjs", "astro.config.ts")) and "astro build" in pkg.script("build").lower()


def is_astro_spa(files: AppFiles, pkg: PackageJson) -> bool:
    if not is_astro(files, pkg):
        return False
    adapters = ("@astrojs/node", "@astrojs/vercel", "@astrojs/cloudflare", "@astrojs/netlify")
    return "output: 'server'" not in astro_config(files) and not any(pkg.has_dep(a) for a in adapters)


def astro_out_dir(files: AppFiles) -> str:
    m = re.search(r"outDir:\s*['\"](.+?)['\"]", astro_config(files))
    return m.group(1) if m else "dist"


def is_cra(pkg: PackageJson) -> bool:
    return pkg.has_dep("react-scripts") and "react-scripts build" in pkg.script("build")


def is_angular(files: AppFiles, pkg: PackageJson) -> bool:
    return pkg.has_dep("@angular/core") and files.has("angular.json") and "ng build" in pkg.script("build").lower()


def angular_out_dir(files: AppFiles, project: str | None) -> str:
    config = files.obj("angular.json")
    projects = config.get("projects") if isinstance(config.get("projects"), dict) else {}
    for name, proj in projects.items():
        if project and name != project:
            continue
        build = (((proj or {}).get("architect") or {}).get("build") or {})
        options = build.get("options") or {}
        out = options.get("outputPath") or ""
        if isinstance(out, dict):
            out = out.get("base", "")
        if build.get("builder") == "@angular-devkit/build-angular:application" or options.get("browser"):
            return f"{out}/browser" if out else "browser"
        return out
    return ""


def listen_port(files: AppFiles, pkg: PackageJson) -> int | None:
    """A port literal in the entry file (``listen(3000)``, ``PORT || 8080``), when there is one."""
    for rel in (pkg.main, "index.js", "index.ts", "server.js", "app.js", "src/index.js", "src/index.ts",
                "src/server.ts", "src/main.ts"):
        text = files.read(rel) if rel else None
        if not text:
            continue
        m = re.search(r"(?:listen\(\s*|PORT\s*(?:\|\||\?\?)\s*|port\s*[:=]\s*)(\d{2,5})\b", text)
        if m:
            return int(m.group(1))
    return None


def dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True)
