"""Go: go.mod / go.work / main.go; version from the go.mod ``go`` directive; a static ``out`` binary."""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles
from ..versions import mise_version

NIX_GO = {"1.18": ("go_1_18", "5148520bfab61f99fd25fb9ff7bfbb50dad3c9db"),
          "1.19": ("go_1_19", "5148520bfab61f99fd25fb9ff7bfbb50dad3c9db"),
          "1.20": ("go_1_20", "1f13eabcd6f5b00fe9de9575ac52c66a0e887ce6"),
          "1.21": ("go_1_21", "1f13eabcd6f5b00fe9de9575ac52c66a0e887ce6"),
          "1.22": ("go", "e89cf1c932006531f454de7d652163a9a5c86668"),
          "1.23": ("go_1_23", "05bbf675397d5366259409139039af8077d695ce")}
NIX_DEFAULT = ("go", "e89cf1c932006531f454de7d652163a9a5c86668")
SLIM_IMAGE = "ubuntu:jammy"
RAILPACK_BUILD = 'go build -ldflags="-w -s" -o out'


def detect(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    if flavor == "nixpacks":
        return bool(files.any("main.go", "go.mod"))
    return bool(files.any("go.mod", "go.work", "main.go"))


def go_directive(files: AppFiles) -> str | None:
    for line in (files.read("go.mod") or "").splitlines():
        if line.strip().startswith("go "):
            return line.strip()[3:].strip() or None
    return None


def workspace_modules(files: AppFiles) -> list[str]:
    return sorted(p.rsplit("/", 1)[0] for p in files.glob("**/go.mod") if "/" in p)


def plan(ctx: PlanContext) -> None:
    f, plan_ = ctx.files, ctx.plan
    plan_.language, plan_.package_manager = "go", "go"
    if "github.com/gin-gonic/gin" in (f.read("go.mod") or ""):
        plan_.framework = "gin"
    root_go = bool(f.glob("*.go"))
    cmd_dirs = f.dirs("cmd") if f.has_dir("cmd") else []
    directive = go_directive(f)
    if ctx.nix:
        version = ctx.pick_version("go", "1.22", [(directive, "go.mod")])
        nix_pkg, archive = NIX_GO.get(version, NIX_DEFAULT) if directive else NIX_DEFAULT
        setup = ctx.phase("setup")
        setup.nix_pkgs.append(nix_pkg)
        setup.nixpkgs_archive = archive
        if f.has("go.mod"):
            ctx.cmd("install", "go mod download")
            ctx.cache("install", "go-build", "/root/.cache/go-build")
        build_cmd = None
        if ctx.cfg("GO_BIN"):
            build_cmd = f"go build -o out ./cmd/{ctx.cfg('GO_BIN')}"
        elif f.has("go.mod") and root_go:
            build_cmd = "go build -o out"
        elif cmd_dirs:
            build_cmd = f"go build -o out ./cmd/{cmd_dirs[0]}"
        elif f.has("go.mod"):
            build_cmd = "go build -o out"
        elif f.has("main.go"):
            build_cmd = "go build -o out main.go"
        build = ctx.phase("build")
        build.depends_on = ["install", "setup"]
        if build_cmd:
            build.commands.append(build_cmd)
        ctx.cache("build", "go-build", "/root/.cache/go-build")
        if f.glob("**/*.go"):
            cgo = (ctx.var("CGO_ENABLED") or "0") == "1"
            ctx.start("./out", None if cgo else SLIM_IMAGE)
        plan_.variables["CGO_ENABLED"] = "0"
    else:
        mise = mise_version(f, "go")
        ctx.pick_version("go", "1.23", [(ctx.cfg("GO_VERSION"), ctx.cfg_name("GO_VERSION")),
                                        (directive, "go.mod"), (mise[0] if mise else None,
                                                                mise[1] if mise else "")])
        cgo = ctx.var("CGO_ENABLED") == "1"
        install = ctx.phase("install")
        install.depends_on = ["packages:mise"]
        install.variables.update({"GOPATH": "/go", "GOBIN": "/go/bin"})
        install.paths.append("/go/bin")
        if f.has("go.mod") or f.has("go.work"):
            ctx.cache("install", "go-build", "/root/.cache/go-build")
            install.only_include_files = [x for x in f.all_files if x.rsplit("/", 1)[-1] in
                                          ("go.mod", "go.sum", "go.work", "go.work.sum")]
            install.commands.append("go mod download")
            if not cgo:
                install.variables["CGO_ENABLED"] = "0"
        build_cmd = None
        modules = workspace_modules(f)
        if ctx.cfg("GO_WORKSPACE_MODULE"):
            build_cmd = f"{RAILPACK_BUILD} ./{ctx.cfg('GO_WORKSPACE_MODULE')}"
        elif ctx.cfg("GO_BIN"):
            build_cmd = f"{RAILPACK_BUILD} ./cmd/{ctx.cfg('GO_BIN')}"
        elif f.has("go.mod") and root_go:
            build_cmd = RAILPACK_BUILD
        elif cmd_dirs:
            build_cmd = f"{RAILPACK_BUILD} ./cmd/{cmd_dirs[0]}"
        elif f.has("go.mod"):
            build_cmd = RAILPACK_BUILD
        elif f.has("go.work"):
            main_mod = next((m for m in modules if f.has(f"{m}/main.go")), None)
            build_cmd = f"{RAILPACK_BUILD} ./{main_mod}" if main_mod else None
        elif f.has("main.go"):
            build_cmd = f"{RAILPACK_BUILD} main.go"
        if build_cmd:
            ctx.cmd("build", build_cmd)
            ctx.cache("build", "go-build", "/root/.cache/go-build")
        if cgo:
            ctx.phase("setup").apt_pkgs += ["gcc", "g++", "libc6-dev"]
        plan_.deploy_apt_pkgs += ["tzdata"] + (["libc6"] if cgo else [])
        ctx.start("./out")
        ctx.meta("goMod", f.has("go.mod"))
        ctx.meta("goWorkspace", f.has("go.work"))
        ctx.meta("goRootFile", root_go)
        ctx.meta("goCGO", cgo)
        if len(modules) > 1 and f.has("go.work"):
            ctx.note(f"Go workspace with modules: {', '.join(modules)}")
    m = re.search(r"(\d+\.\d+)", (ctx.runtime_of("go").version if ctx.runtime_of("go") else ""))
    ctx.binaries(f"go>={m.group(1)}" if m else "go")
    for rel in ("main.go", *(f"cmd/{d}/main.go" for d in cmd_dirs)):
        port = re.search(r"(?:Addr|ListenAndServe\(|Run\()\s*[:=]?\s*\"[^\"]*:(\d{2,5})\"", f.read(rel) or "")
        if port:
            plan_.port = int(port.group(1))
            break


SPEC = ProviderSpec("go", "go", {"nixpacks": "go", "railpack": "golang"}, detect, plan)
