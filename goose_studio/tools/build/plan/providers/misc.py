"""Smaller languages: Deno, Crystal, Dart, Haskell (stack), Swift, Zig and COBOL."""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles
from ..versions import mise_version

DENO_IMPORT = re.compile(r"""import .+ from (?:"|'|`)https://deno.land/[^"`']+\.(?:ts|js|tsx|jsx)(?:"|'|`);?""")
SWIFT_ARCHIVES = {"5.4": "c82b46413401efa740a0b994f52e9903a4f6dcd5", "5.4.2": "c82b46413401efa740a0b994f52e9903a4f6dcd5",
                  "5.5.2": "7592790b9e02f7f99ddcb1bd33fd44ff8df6a9a7", "5.5.3": "7cf5ccf1cdb2ba5f08f0ac29fc3d04b0b59a07e4",
                  "5.6.2": "3c3b3ab88a34ff8026fc69cb78febb9ec9aedb16", "5.7.3": "8cad3dbe48029cb9def5cdb2409a6c80d3acfe2e",
                  "5.8": "9957cd48326fe8dbd52fdc50dd2502307f188b0d"}


def detect_deno(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    if files.any("deno.json", "deno.jsonc"):
        return True
    if flavor != "nixpacks":
        return False
    return any(DENO_IMPORT.search(files.read(p) or "") for p in files.all_files
               if p.endswith((".ts", ".tsx", ".js", ".jsx")))


def plan_deno(ctx: PlanContext) -> None:
    f = ctx.files
    ctx.plan.language, ctx.plan.package_manager = "typescript", "deno"
    config = f.obj("deno.json") or f.obj("deno.jsonc", comments=True)
    task = ((config.get("tasks") or {}).get("start")) if isinstance(config.get("tasks"), dict) else None
    if ctx.nix:
        ctx.runtime("deno", "2" if ctx.cfg("USE_DENO_2") else "1", ctx.cfg_name("USE_DENO_2")
                    if ctx.cfg("USE_DENO_2") else "default")
        ctx.phase("setup").nix_pkgs.append("deno")
        index = next(iter(sorted(p for p in f.all_files if re.search(r"(^|/)index\.(ts|tsx|js|jsx)$", p))), None)
        if index:
            ctx.cmd("build", f"deno cache {index}").depends_on = ["install", "setup"]
        ctx.start(task or (f"deno run --allow-all {index}" if index else None))
    else:
        mise = mise_version(f, "deno")
        dot = f.read(".deno-version")
        ctx.pick_version("deno", "2", [(ctx.cfg("DENO_VERSION"), ctx.cfg_name("DENO_VERSION")),
                                       (dot.strip() if dot else None, ".deno-version"),
                                       (mise[0] if mise else None, mise[1] if mise else "")])
        main = f.any("main.ts", "main.js", "main.mjs", "main.mts") or next(
            iter(sorted(p for p in f.all_files if p.endswith((".ts", ".js", ".mjs", ".mts")))), None)
        if main:
            ctx.cmd("build", f"deno cache {main}").depends_on = ["packages:mise"]
        ctx.start(f"deno run --allow-all {main}" if main else None)
    ctx.binaries("deno")
    port = re.search(r"port:\s*(\d{2,5})", f.read("main.ts") or f.read("src/index.ts") or "")
    ctx.plan.port = int(port.group(1)) if port else 8000


def detect_crystal(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("shard.yml")


def plan_crystal(ctx: PlanContext) -> None:
    shard = ctx.files.yaml("shard.yml") or {}
    ctx.plan.language, ctx.plan.package_manager = "crystal", "shards"
    ctx.runtime("crystal", str(shard.get("crystal") or "latest"), "shard.yml" if shard.get("crystal") else "default")
    ctx.phase("setup").nix_pkgs += ["crystal", "shards"]
    ctx.cmd("install", "shards install")
    ctx.cmd("build", "shards build")
    targets = list((shard.get("targets") or {}).keys()) if isinstance(shard, dict) else []
    ctx.start(f"./bin/{targets[0]}" if targets else None)
    if not targets:
        ctx.note("shard.yml has no targets; there is no binary to start")
    ctx.binaries("crystal", "shards")


def detect_dart(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("pubspec.yaml")


def plan_dart(ctx: PlanContext) -> None:
    spec = ctx.files.yaml("pubspec.yaml") or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    sdk = ((spec.get("environment") or {}).get("sdk")) if isinstance(spec, dict) else None
    ctx.plan.language, ctx.plan.package_manager = "dart", "pub"
    ctx.runtime("dart", str(sdk or "latest"), "pubspec.yaml > environment > sdk" if sdk else "default")
    ctx.phase("setup").nix_pkgs.append("dart")
    ctx.cmd("install", "dart pub get").only_include_files = ["pubspec.yaml"]
    ctx.cmd("build", f"dart compile exe bin/{name}.dart")
    ctx.start(f"./bin/{name}.exe")
    ctx.binaries("dart")


def detect_haskell(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("package.yaml") and bool(files.glob("**/*.hs"))


def plan_haskell(ctx: PlanContext) -> None:
    spec = ctx.files.yaml("package.yaml") or {}
    stack = ctx.files.yaml("stack.yaml") or {}
    ctx.plan.language, ctx.plan.package_manager = "haskell", "stack"
    resolver = stack.get("resolver") if isinstance(stack, dict) else None
    ctx.runtime("ghc", str(resolver or "latest"), "stack.yaml > resolver" if resolver else "default")
    setup = ctx.phase("setup")
    setup.nix_pkgs.append("stack")
    setup.apt_pkgs += ["libgmp-dev", "gcc", "binutils", "make", "zlib1g-dev"]
    ctx.cmd("install", "stack setup")
    ctx.cache("install", "stack", "/root/.stack")
    ctx.cmd("build", "stack install")
    ctx.cache("build", "stack", "/root/.stack")
    ctx.cache("build", "stack-work", ".stack-work")
    exes = sorted((spec.get("executables") or {}).keys()) if isinstance(spec, dict) else []
    ctx.start(f"/root/.local/bin/{exes[0]}" if exes else None)
    ctx.binaries("stack")


def detect_swift(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("Package.swift")


def plan_swift(ctx: PlanContext) -> None:
    f = ctx.files
    ctx.plan.language, ctx.plan.package_manager = "swift", "swiftpm"
    dot = f.read(".swift-version")
    tools = re.search(r"swift-tools-version:\s*([0-9.]+)", f.read("Package.swift") or "")
    version = ctx.pick_version("swift", "5.8", [(dot.split("\n")[0].strip() if dot else None, ".swift-version"),
                                                (tools.group(1) if tools else None, "Package.swift")])
    setup = ctx.phase("setup")
    setup.nix_pkgs += ["coreutils", "swift", "clang", "zlib", "zlib.dev"]
    setup.nixpkgs_archive = SWIFT_ARCHIVES.get(version, SWIFT_ARCHIVES["5.8"])
    install = ctx.cmd("install", "swift package resolve")
    install.only_include_files = ["Package.swift"] + (["Package.resolved"] if f.has("Package.resolved") else [])
    mains = [p for p in f.all_files if p.startswith("Sources/") and p.endswith("/main.swift") and ".build" not in p]
    name = mains[0].split("/")[1] if mains else None
    ctx.cmd("build", "CC=clang++ swift build -c release --static-swift-stdlib",
            f"cp ./.build/release/{name} ./{name} && rm -rf ./.build" if name else "")
    ctx.start(f"./{name}" if name else None)
    ctx.binaries("swift", "clang")


def detect_zig(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return any(p.endswith(".zig") for p in files.all_files)


def plan_zig(ctx: PlanContext) -> None:
    ctx.plan.language, ctx.plan.package_manager = "zig", "zig"
    ctx.runtime("zig", "latest", "default")
    ctx.phase("setup").nix_pkgs.append("zig")
    ctx.phase("install")
    if ctx.files.has(".gitmodules"):
        ctx.cmd("install", "git submodule update --init")
    ctx.cmd("build", "zig build -Doptimize=ReleaseSafe")
    ctx.start(f"./zig-out/bin/{ctx.files.name or '*'}")
    ctx.binaries("zig")


def detect_cobol(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return any(p.endswith(".cbl") for p in files.all_files)


def plan_cobol(ctx: PlanContext) -> None:
    f = ctx.files
    ctx.plan.language = "cobol"
    sources = sorted((p for p in f.all_files if p.endswith(".cbl")), key=lambda p: (p.count("/"), p))
    wanted = ctx.cfg("COBOL_APP_NAME")
    path = next((p for p in sources if wanted and p.endswith(f"{wanted}.cbl")), None) \
        or next((p for p in sources if p.endswith("index.cbl")), None) or (sources[0] if sources else "./")
    stem = path.rsplit("/", 1)[-1].removesuffix(".cbl")
    ctx.phase("setup").nix_pkgs += ["gnu-cobol", "gcc"]
    build = ctx.cmd("build", f"cobc {ctx.cfg('COBOL_COMPILE_ARGS') or '-x -o'} {stem} {path}")
    build.depends_on = ["install", "setup"]
    ctx.start(f"./{stem}")
    ctx.binaries("cobc")


DENO = ProviderSpec("deno", "typescript", {"nixpacks": "deno", "railpack": "deno"}, detect_deno, plan_deno)
CRYSTAL = ProviderSpec("crystal", "crystal", {"nixpacks": "crystal"}, detect_crystal, plan_crystal)
DART = ProviderSpec("dart", "dart", {"nixpacks": "dart"}, detect_dart, plan_dart)
HASKELL = ProviderSpec("haskell", "haskell", {"nixpacks": "haskell"}, detect_haskell, plan_haskell)
SWIFT = ProviderSpec("swift", "swift", {"nixpacks": "swift"}, detect_swift, plan_swift)
ZIG = ProviderSpec("zig", "zig", {"nixpacks": "zig"}, detect_zig, plan_zig)
COBOL = ProviderSpec("cobol", "cobol", {"nixpacks": "cobol"}, detect_cobol, plan_cobol)
