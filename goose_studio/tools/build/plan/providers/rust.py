"""Rust: Cargo.toml; toolchain from rust-toolchain(.toml), Cargo ``rust-version`` or env; ``./bin/<name>``.

Nixpacks builds for the musl target by default (unless openssl, a toolchain file, wasm or NIXPACKS_NO_MUSL) and
runs the binary in a slim image; Railpack builds natively and copies the binary into ``bin``.
"""

from __future__ import annotations

import platform
import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles
from ..versions import mise_version

RUST_OVERLAY = "https://github.com/oxalica/rust-overlay/archive/master.tar.gz"
NIX_ARCHIVE = "ef56e777fedaa4da8c66a150081523c5de1e0171"
SLIM_IMAGE = "ubuntu:jammy"


def detect(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("Cargo.toml")


def musl_target() -> str:
    """The musl target Nixpacks builds for on this machine's architecture."""
    arch = "aarch64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"
    return f"{arch}-unknown-linux-musl"


def toolchain_file(files: AppFiles) -> str | None:
    return files.any("rust-toolchain", "rust-toolchain.toml")


def _bins(files: AppFiles, cargo: dict) -> list[str]:
    name = (cargo.get("package") or {}).get("name")
    bins = [name] if name and files.has("src/main.rs") else []
    for b in cargo.get("bin") or []:
        if isinstance(b, dict) and b.get("name") and b["name"] not in bins:
            bins.append(b["name"])
    bins += [p.rsplit("/", 1)[-1].rsplit(".", 1)[0] for p in files.glob("src/bin/*")]
    return bins


def _workspace_bin(ctx: PlanContext, cargo: dict) -> str | None:
    if ctx.cfg("CARGO_WORKSPACE"):
        return ctx.cfg("CARGO_WORKSPACE")
    ws = cargo.get("workspace")
    if not isinstance(ws, dict):
        return None
    exclude = set(ws.get("exclude") or [])
    members = [m for m in (ws.get("default-members") or []) + (ws.get("members") or []) if m not in exclude]
    for member in members:
        folders = sorted({p.rsplit("/", 1)[0] for p in ctx.files.glob("**/Cargo.toml") if "/" in p
                          and re.fullmatch(member.replace("*", "[^/]+"), p.rsplit("/", 1)[0])})
        for folder in folders:
            sub = ctx.files.toml(f"{folder}/Cargo.toml")
            pkg = sub.get("package") or {}
            if pkg.get("name") and (sub.get("bin") or "lib" not in sub):
                return pkg["name"]
    return None


def _uses_openssl(files: AppFiles, cargo: dict) -> bool:
    for key in ("dependencies", "dev-dependencies", "build-dependencies"):
        if "openssl" in (cargo.get(key) or {}):
            return True
    return files.contains("Cargo.lock", "openssl")


def plan(ctx: PlanContext) -> None:
    f, plan_ = ctx.files, ctx.plan
    cargo = f.toml("Cargo.toml")
    package = cargo.get("package") or {}
    plan_.language, plan_.package_manager = "rust", "cargo"
    deps = cargo.get("dependencies") or {}
    plan_.framework = next((fw for fw in ("rocket", "actix-web", "axum", "warp") if fw in deps), None)
    toolchain = toolchain_file(f)
    rust_version = package.get("rust-version") if isinstance(package.get("rust-version"), str) else None
    bins = _bins(f, cargo)
    workspace = _workspace_bin(ctx, cargo)
    if ctx.nix:
        channel = None
        if toolchain:
            channel = (f.toml(toolchain).get("toolchain") or {}).get("channel") if toolchain.endswith(".toml") \
                else (f.read(toolchain) or "").strip()
        ctx.pick_version("rust", "stable", [(ctx.cfg("RUST_VERSION"), ctx.cfg_name("RUST_VERSION")),
                                            (channel, toolchain or ""), (rust_version, "Cargo.toml > rust-version")])
        if ctx.cfg("RUST_VERSION"):
            pkg = f'rust-bin.stable."{ctx.cfg("RUST_VERSION")}".default'
        elif toolchain:
            pkg = f"(rust-bin.fromRustupToolchainFile ../{toolchain})"
        elif rust_version:
            pkg = f'rust-bin.stable."{rust_version}".default'
        else:
            pkg = "rust-bin.stable.latest.default"
        wasm = bool(re.search(r'target\s*=\s*"wasm32-wasi"', f.read(".cargo/config.toml") or ""))
        openssl = _uses_openssl(f, cargo)
        musl = not wasm and not ctx.truthy("NO_MUSL") and not toolchain and not openssl
        target = "wasm32-wasi" if wasm else (musl_target() if musl else None)
        setup = ctx.phase("setup")
        setup.nix_pkgs += ["binutils", "gcc", pkg]
        setup.nix_overlays.append(RUST_OVERLAY)
        if toolchain:
            setup.only_include_files = [toolchain]
        if openssl:
            setup.nix_libs += ["openssl", "openssl.dev"]
        if musl:
            setup.nix_pkgs += ["musl", "musl.dev"]
        setup.nixpkgs_archive = NIX_ARCHIVE
        build = ctx.phase("build")
        build.depends_on = ["setup"]
        build.commands.append("mkdir -p bin")
        suffix = ".wasm" if wasm else ""
        rel = f"target/{target}/release" if target else "target/release"
        cargo_cmd = "cargo build --release" + (f" --package {workspace}" if workspace else "") + \
            (f" --target {target}" if target else "")
        chosen = [workspace] if workspace else bins
        if chosen:
            build.commands.append(cargo_cmd)
            build.commands += [f"cp {rel}/{b}{suffix} bin" for b in chosen]
        ctx.cache("build", "cargo_git", "/root/.cargo/git")
        ctx.cache("build", "cargo_registry", "/root/.cargo/registry")
        if package.get("name"):
            ctx.cache("build", "cargo_target", "target")
        start = _start_bin(ctx, package, bins, workspace, suffix)
        if start and target:
            ctx.start(start, SLIM_IMAGE, [start])
        else:
            ctx.start(start)
    else:
        mise = mise_version(f, "rust")
        channel = (f.toml("rust-toolchain.toml").get("toolchain") or {}).get("channel")
        dot = f.read(".rust-version") or f.read("rust-version.txt")
        edition = package.get("edition")
        ctx.pick_version("rust", "1.89", [(mise[0] if mise else None, mise[1] if mise else ""),
                                          (channel, "rust-toolchain.toml"),
                                          (rust_version, "Cargo.toml > package.rust-version"),
                                          (dot.strip() if dot else None, ".rust-version"),
                                          (ctx.cfg("RUST_VERSION"), ctx.cfg_name("RUST_VERSION")),
                                          ({"2015": "1.30.0", "2018": "1.55.0", "2021": "1.84.0",
                                            "2024": "1.85.1"}.get(str(edition)) if edition else None,
                                           "Cargo.toml > package.edition")])
        install = ctx.phase("install")
        install.depends_on = ["packages:mise"]
        install.only_include_files = [x for x in ("Cargo.toml", "Cargo.lock") if f.has(x)]
        install.commands.append("cargo build --release")
        ctx.cache("install", "cargo_registry", "/root/.cargo/registry")
        ctx.cache("install", "cargo_git", "/root/.cargo/git")
        build = ctx.phase("build")
        chosen = [workspace] if workspace else bins
        build.commands += ["mkdir -p bin", "cargo build --release" + (f" --package {workspace}" if workspace else "")]
        build.commands += [f"cp target/release/{b} bin" for b in chosen]
        ctx.cache("build", "cargo_target", "target")
        ctx.start(_start_bin(ctx, package, bins, workspace, ""))
    plan_.variables["ROCKET_ADDRESS"] = "0.0.0.0"
    ctx.binaries("cargo", "rustc")


def _start_bin(ctx: PlanContext, package: dict, bins: list[str], workspace: str | None, suffix: str) -> str | None:
    if workspace:
        return f"./bin/{workspace}"
    chosen = None
    if len(bins) == 1:
        chosen = bins[0]
    elif ctx.cfg("RUST_BIN") and ctx.cfg("RUST_BIN") in bins:
        chosen = ctx.cfg("RUST_BIN")
    elif bins and package.get("default-run"):
        chosen = package["default-run"]
    return f"./bin/{chosen}{suffix}" if chosen else None


SPEC = ProviderSpec("rust", "rust", {"nixpacks": "rust", "railpack": "rust"}, detect, plan)
