"""C# and F# (.NET): a root *.csproj / *.fsproj; SDK from global.json / TargetFramework / env."""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles

NIX_VARS = {"ASPNETCORE_ENVIRONMENT": "Production", "ASPNETCORE_URLS": "http://0.0.0.0:3000",
            "DOTNET_ROOT": "/nix/var/nix/profiles/default/"}


def _project(files: AppFiles, ext: str) -> str | None:
    found = files.glob(f"*.{ext}")
    return found[0] if found else None


def detect_csharp(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return _project(files, "csproj") is not None


def detect_fsharp(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return _project(files, "fsproj") is not None


def detect_dotnet(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    """Railpack's dotnet provider looks for a root *.csproj only."""
    return detect_csharp(files, flavor, env)


def _plan(ctx: PlanContext, ext: str, language: str) -> None:
    f, plan_ = ctx.files, ctx.plan
    project = _project(f, ext) or _project(f, "csproj") or _project(f, "fsproj") or "app.csproj"
    name = project.rsplit(".", 1)[0]
    plan_.language, plan_.package_manager = language, "nuget"
    text = f.read(project) or ""
    plan_.framework = "aspnetcore" if "Microsoft.NET.Sdk.Web" in text else None
    global_sdk = (f.obj("global.json").get("sdk") or {}).get("version")
    if ctx.nix:
        version = ctx.pick_version("dotnet", "6", [(ctx.cfg("CSHARP_SDK_VERSION") if ext == "csproj" else None,
                                                   ctx.cfg_name("CSHARP_SDK_VERSION")),
                                                  (global_sdk if ext == "csproj" else None, "global.json")])
        major = re.match(r"\d+", version)
        number = int(major.group(0)) if major else 6
        ctx.phase("setup").nix_pkgs.append("dotnet-sdk" if number == 6 else f"dotnet-sdk_{number}")
        ctx.cmd("install", "dotnet restore")
        ctx.cmd("build", "dotnet publish --no-restore -c Release -o out")
        plan_.variables.update(NIX_VARS)
        ctx.start(f"./out/{name}")
    else:
        tfm = re.search(r"<TargetFramework>\s*net(?:coreapp)?(\d+\.\d+)", text)
        version = ctx.pick_version("dotnet", "6.0.428", [(tfm.group(1) if tfm else None, project),
                                                         (global_sdk, "global.json"),
                                                         (ctx.cfg("DOTNET_VERSION"), ctx.cfg_name("DOTNET_VERSION"))])
        install = ctx.cmd("install", "mkdir -p /root/.nuget/packages", "dotnet restore")
        install.depends_on = ["packages:mise"]
        install.only_include_files = [x for x in f.all_files if "/" not in x and (
            x.endswith((".csproj", ".fsproj")) or x in ("global.json", "nuget.config"))]
        ctx.cmd("build", "dotnet publish --no-restore -c Release -o out")
        short = ".".join(version.split(".")[:2])
        plan_.variables.update({"ASPNETCORE_ENVIRONMENT": "Production", "ASPNETCORE_CONTENTROOT": "/app/out",
                                "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_ROOT": f"/mise/installs/dotnet/{short}"})
        plan_.deploy_apt_pkgs.append("libicu-dev")
        ctx.start(f"ASPNETCORE_URLS=http://0.0.0.0:${{PORT:-3000}} ./out/{name}")
    plan_.port = 3000
    ctx.binaries("dotnet")


def plan_csharp(ctx: PlanContext) -> None:
    _plan(ctx, "csproj", "csharp")


def plan_fsharp(ctx: PlanContext) -> None:
    _plan(ctx, "fsproj", "fsharp")


CSHARP = ProviderSpec("csharp", "csharp", {"nixpacks": "c#"}, detect_csharp, plan_csharp)
FSHARP = ProviderSpec("fsharp", "fsharp", {"nixpacks": "f#"}, detect_fsharp, plan_fsharp)
DOTNET = ProviderSpec("dotnet", "csharp", {"railpack": "dotnet"}, detect_dotnet, plan_csharp)
