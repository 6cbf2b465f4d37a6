"""Static sites (nginx under Nixpacks, Caddy under Railpack), shell scripts and C/C++ (CMake, Meson)."""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles

NIX_STATIC_START = ('[[ -z "${PORT}" ]] && echo "Environment variable PORT not found. Using PORT 80" || '
                    'sed -i "s/0.0.0.0:80/$PORT/g" /assets/nginx.conf && nginx -c /assets/nginx.conf')
RAILPACK_STATIC_START = "caddy run --config Caddyfile --adapter caddyfile 2>&1"
SHELLS = {"bash": "bash", "sh": "sh", "dash": "sh", "zsh": "zsh"}


def detect_static(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    if flavor == "nixpacks":
        return files.has("Staticfile") or files.has("index.html") or any(
            files.has_dir(d) for d in ("public", "index", "dist"))
    return (files.has("Staticfile") or files.has("index.html") or files.has_dir("public")
            or bool(env.get("RAILPACK_STATIC_FILE_ROOT")))


def static_root(ctx: PlanContext) -> str:
    f = ctx.files
    staticfile = f.yaml("Staticfile")
    configured = staticfile.get("root") if isinstance(staticfile, dict) else None
    env_root = ctx.cfg("STATICFILE_ROOT") if ctx.nix else ctx.cfg("STATIC_FILE_ROOT")
    if env_root:
        return env_root
    if configured:
        return str(configured)
    order = ("public", "dist", "index") if ctx.nix else ("public",)
    return next((d for d in order if f.has_dir(d)), "" if ctx.nix else ".")


def plan_static(ctx: PlanContext) -> None:
    ctx.plan.language = "html"
    root = static_root(ctx)
    ctx.plan.static_dir = root or "."
    ctx.plan.port = 80
    if ctx.nix:
        setup = ctx.phase("setup")
        setup.nix_pkgs.append("nginx")
        setup.commands.append("mkdir /etc/nginx/ /var/log/nginx/ /var/cache/nginx/")
        ctx.start(NIX_STATIC_START)
        ctx.binaries("nginx")
    else:
        build = ctx.cmd("build", "caddy fmt --overwrite Caddyfile")
        build.depends_on = ["packages:caddy"]
        ctx.start(RAILPACK_STATIC_START)
        ctx.binaries("caddy")
    ctx.plan.metadata["staticRoot"] = root or "."


def detect_shell(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    script = env.get("RAILPACK_SHELL_SCRIPT")
    return files.has(script) if script else files.has("start.sh")


def plan_shell(ctx: PlanContext) -> None:
    script = ctx.cfg("SHELL_SCRIPT") or "start.sh"
    first = (ctx.files.read(script) or "").split("\n", 1)[0]
    m = re.match(r"#!\s*(?:/usr/bin/env\s+)?(?:\S*/)?(\w+)", first)
    shell = SHELLS.get(m.group(1), "bash") if m else "sh"
    ctx.plan.language = "shell"
    ctx.cmd("build", f"chmod +x {script}").depends_on = ["packages:mise"]
    if shell == "zsh":
        ctx.plan.deploy_apt_pkgs.append("zsh")
    ctx.start(f"{shell} {script}")
    ctx.binaries(shell)


def detect_cpp(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return bool(files.any("CMakeLists.txt", "meson.build"))


def plan_cpp(ctx: PlanContext) -> None:
    f = ctx.files
    meson = not f.has("CMakeLists.txt")
    ctx.plan.language, ctx.plan.package_manager = "cpp", ("meson" if meson else "cmake")
    for tool in (("meson", "ninja") if meson else ("cmake", "ninja")):
        ctx.runtime(tool, "latest", "default")
    if meson:
        build = ctx.cmd("build", "mkdir /build", "meson setup /build", "meson compile -C /build")
    else:
        build = ctx.cmd("build", "mkdir /build", "cmake -B /build -GNinja /app", "cmake --build /build")
    build.depends_on = ["packages:mise"]
    ctx.start(f"/build/{f.name}")
    ctx.binaries("meson" if meson else "cmake", "ninja", "c++")


STATICFILE = ProviderSpec("staticfile", "html", {"nixpacks": "staticfile", "railpack": "staticfile"},
                          detect_static, plan_static)
SHELL = ProviderSpec("shell", "shell", {"railpack": "shell"}, detect_shell, plan_shell)
CPP = ProviderSpec("cpp", "cpp", {"railpack": "cpp"}, detect_cpp, plan_cpp)
