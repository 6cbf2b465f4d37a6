"""BEAM languages: Elixir (mix, Phoenix, Ecto) and Gleam (an Erlang shipment)."""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles
from ..versions import major_minor, mise_version

ELIXIR_ARCHIVE = "c5702bd28cbde41a191a9c2a00501f18941efbd0"
RAILPACK_ELIXIR_VARS = {"MIX_ENV": "prod", "ELIXIR_ERL_OPTIONS": "+fnu", "LANG": "en_US.UTF-8",
                        "LANGUAGE": "en_US:en", "LC_ALL": "en_US.UTF-8", "MIX_HOME": "/root/.mix",
                        "MIX_ARCHIVES": "/root/.mix/archives"}


def detect_elixir(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("mix.exs")


def mix_app_name(mix: str) -> str | None:
    m = re.search(r"app:\s*:(\w+)", mix)
    return m.group(1) if m else None


def plan_elixir(ctx: PlanContext) -> None:
    f, plan_ = ctx.files, ctx.plan
    mix = f.read("mix.exs") or ""
    plan_.language, plan_.package_manager = "elixir", "mix"
    plan_.framework = "phoenix" if ":phoenix" in mix else None
    mix_version = re.search(r"(elixir:[\s].*[> ])([0-9|\.]*)", mix)
    dot = f.read(".elixir-version")
    if ctx.nix:
        version = ctx.pick_version("elixir", "1", [(ctx.cfg("ELIXIR_VERSION"), ctx.cfg_name("ELIXIR_VERSION")),
                                                   (dot.strip() if dot else None, ".elixir-version"),
                                                   (mix_version.group(2) if mix_version else None, "mix.exs")])
        a, b = major_minor(version)
        pkg = f"elixir_1_{b}" if a == "1" and b.isdigit() and 9 <= int(b) <= 17 else "elixir"
        setup = ctx.phase("setup")
        setup.nix_pkgs += [pkg, "gcc"]
        setup.nix_libs.append("stdenv.cc.cc.lib")
        setup.nixpkgs_archive = ELIXIR_ARCHIVE
        ctx.cmd("install", "mix local.hex --force", "mix local.rebar --force", "mix deps.get --only prod")
        build = ctx.cmd("build", "mix compile")
        if "assets.deploy" in mix:
            build.commands.append("mix assets.deploy")
        if "postgrex" in mix and "ecto" in mix:
            build.commands.append("mix ecto.setup")
        plan_.variables.update({"MIX_ENV": "prod", "ELIXIR_ERL_OPTIONS": "+fnu"})
        ctx.start("mix phx.server")
    else:
        mise = mise_version(f, "elixir")
        ctx.pick_version("elixir", "1.18", [(mise[0] if mise else None, mise[1] if mise else ""),
                                            (dot.strip() if dot else None, ".elixir-version"),
                                            (mix_version.group(2) if mix_version else None, "mix.exs"),
                                            (ctx.cfg("ELIXIR_VERSION"), ctx.cfg_name("ELIXIR_VERSION"))])
        erl = mise_version(f, "erlang")
        erl_file = f.read(".erlang-version")
        ctx.pick_version("erlang", "27.3", [(erl[0] if erl else None, erl[1] if erl else ""),
                                            (erl_file.strip() if erl_file else None, ".erlang-version"),
                                            (ctx.cfg("ERLANG_VERSION"), ctx.cfg_name("ERLANG_VERSION"))])
        install = ctx.cmd("install", "mkdir -p config deps _build", "mix local.hex --force",
                          "mix local.rebar --force", "mix deps.get --only prod", "mix deps.compile")
        install.depends_on = ["packages:mise"]
        if "assets.setup" in mix:
            install.commands.append("mix assets.setup")
        build = ctx.cmd("build", "mix compile")
        if "assets.deploy" in mix:
            build.commands.append("mix assets.deploy")
        if "ecto.deploy" in mix:
            build.commands.append("mix ecto.deploy")
        build.commands.append("mix release")
        plan_.variables.update(RAILPACK_ELIXIR_VARS)
        name = mix_app_name(mix) or "app"
        ctx.start(f"/app/_build/prod/rel/{name}/bin/{name} start")
    plan_.port = 4000 if plan_.framework == "phoenix" else None
    ctx.binaries("elixir", "erl", "mix")


def detect_gleam(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    if flavor == "nixpacks":
        return files.has("gleam.toml") and files.has("manifest.toml")
    return files.has("gleam.toml")


def plan_gleam(ctx: PlanContext) -> None:
    f = ctx.files
    ctx.plan.language, ctx.plan.package_manager = "gleam", "gleam"
    packages = f.toml("manifest.toml").get("packages") or []
    stdlib = next((p.get("version") for p in packages if isinstance(p, dict) and p.get("name") == "gleam_stdlib"),
                  None)
    if ctx.nix:
        ctx.runtime("gleam", stdlib or "main", "manifest.toml > gleam_stdlib" if stdlib else "default")
        ctx.phase("setup").nix_pkgs += ["wget", "erlang", "elixir", "rebar3"]
        install = ctx.cmd("install", f"sh /assets/get-gleam.sh {stdlib or 'main'}", "gleam deps download")
        install.only_include_files = ["gleam.toml", "manifest.toml"]
        ctx.cmd("build", "gleam export erlang-shipment")
        ctx.start("./build/erlang-shipment/entrypoint.sh run", None, ["build/erlang-shipment"])
    else:
        ctx.runtime("gleam", "latest", "default")
        ctx.runtime("erlang", "latest", "default")
        ctx.cmd("build", "gleam export erlang-shipment").depends_on = ["packages:mise"]
        ctx.start("./build/erlang-shipment/entrypoint.sh run")
    ctx.binaries("gleam", "erl")


ELIXIR = ProviderSpec("elixir", "elixir", {"nixpacks": "elixir", "railpack": "elixir"}, detect_elixir, plan_elixir)
GLEAM = ProviderSpec("gleam", "gleam", {"nixpacks": "gleam", "railpack": "gleam"}, detect_gleam, plan_gleam)
