"""Elixir, Gleam, Deno, Crystal, Dart, Haskell, Swift, Zig and COBOL apps in both formats (the languages only
Nixpacks knows are no-app under Railpack)."""

from __future__ import annotations

import pytest

from plan_helpers import NO_APP, case_params, check, no_real_tools, write_app  # noqa: F401  (fixture)

SHIPMENT = "./build/erlang-shipment/entrypoint.sh run"
MIX_INSTALL = ["mix local.hex --force", "mix local.rebar --force", "mix deps.get --only prod"]


def mix(app: str, extra: str = "") -> str:
    return (f"defmodule M.MixProject do\n  def project do\n    [app: :{app},\n     elixir: \"~> 1.15\",\n"
            f"     deps: deps()]\n  end\n  defp deps, do: [{extra}]\nend\n")


BEAM = [
    ("phoenix", {"mix.exs": mix("my_app", '{:phoenix, "~> 1.7"}') + '# "assets.deploy": ["esbuild"]\n'},
     {"nixpacks": {"provider": "elixir", "start": "mix phx.server", "install": MIX_INSTALL, "port": 4000,
                   "build": ["mix compile", "mix assets.deploy"], "nix_pkgs": ["elixir_1_15", "gcc"],
                   "runtimes": [("elixir", "1.15", "mix.exs")], "framework": "phoenix"},
      "railpack": {"provider": "elixir", "start": "/app/_build/prod/rel/my_app/bin/my_app start",
                   "build": ["mix compile", "mix assets.deploy", "mix release"],
                   "runtimes": [("elixir", "1.15", "mix.exs"), ("erlang", "27.3", "default")]}}),
    ("elixir-version-file", {"mix.exs": mix("worker"), ".elixir-version": "1.16.2\n"},
     {"nixpacks": {"provider": "elixir", "start": "mix phx.server", "nix_pkgs": ["elixir_1_16"],
                   "runtimes": [("elixir", "1.16.2", ".elixir-version")]},
      "railpack": {"provider": "elixir", "start": "/app/_build/prod/rel/worker/bin/worker start",
                   "runtimes": [("elixir", "1.16.2", ".elixir-version")]}}),
    ("ecto", {"mix.exs": mix("shop", '{:ecto_sql, "~> 3.10"}, {:postgrex, ">= 0.0.0"}')},
     {"nixpacks": {"provider": "elixir", "start": "mix phx.server", "build": ["mix compile", "mix ecto.setup"]},
      "railpack": {"provider": "elixir", "start": "/app/_build/prod/rel/shop/bin/shop start",
                   "build": ["mix compile", "mix release"]}}),
    ("gleam", {"gleam.toml": 'name = "app"\n',
               "manifest.toml": 'packages = [{ name = "gleam_stdlib", version = "0.40.0" }]\n'},
     {"nixpacks": {"provider": "gleam", "start": SHIPMENT, "build": ["gleam export erlang-shipment"],
                   "install": ["sh /assets/get-gleam.sh 0.40.0", "gleam deps download"],
                   "runtimes": [("gleam", "0.40.0", "manifest.toml > gleam_stdlib")]},
      "railpack": {"provider": "gleam", "start": SHIPMENT, "build": ["gleam export erlang-shipment"]}}),
    ("gleam-no-manifest", {"gleam.toml": 'name = "app"\n', "src/app.gleam": ""},
     {"nixpacks": NO_APP, "railpack": {"provider": "gleam", "start": SHIPMENT}}),
    ("gleam-no-stdlib", {"gleam.toml": "", "manifest.toml": "packages = []\n"},
     {"nixpacks": {"provider": "gleam", "start": SHIPMENT, "install": ["sh /assets/get-gleam.sh main"]},
      "railpack": {"provider": "gleam", "start": SHIPMENT}}),
]

DENO = [
    ("deno-task", {"deno.json": '{"tasks": {"start": "deno run --allow-net main.ts"}}', "main.ts": ""},
     {"nixpacks": {"provider": "deno", "start": "deno run --allow-net main.ts"},
      "railpack": {"provider": "deno", "start": "deno run --allow-all main.ts", "build": ["deno cache main.ts"],
                   "runtimes": [("deno", "2", "default")]}}),
    ("deno-import", {"src/index.ts": 'import { serve } from "https://deno.land/std@0.200.0/http/server.ts";\n'},
     {"nixpacks": {"provider": "deno", "start": "deno run --allow-all src/index.ts",
                   "build": ["deno cache src/index.ts"]}, "railpack": NO_APP}),
    ("deno-jsonc", {"deno.jsonc": '// settings\n{"imports": {},}\n', "server.ts": "", ".deno-version": "1.46.3\n"},
     {"nixpacks": {"provider": "deno", "start": None},
      "railpack": {"provider": "deno", "start": "deno run --allow-all server.ts",
                   "runtimes": [("deno", "1.46.3", ".deno-version")]}}),
]

NIX_ONLY = [
    ("crystal", {"shard.yml": "name: app\ntargets:\n  server:\n    main: src/server.cr\n", "src/server.cr": ""},
     {"nixpacks": {"provider": "crystal", "start": "./bin/server", "install": ["shards install"],
                   "build": ["shards build"], "nix_pkgs": ["crystal", "shards"]}, "railpack": NO_APP}),
    ("crystal-version", {"shard.yml": "name: a\ncrystal: 1.10.1\ntargets:\n  a:\n    main: a.cr\n"},
     {"nixpacks": {"provider": "crystal", "start": "./bin/a", "runtimes": [("crystal", "1.10.1", "shard.yml")]},
      "railpack": NO_APP}),
    ("crystal-no-target", {"shard.yml": "name: lib\n"},
     {"nixpacks": {"provider": "crystal", "start": None}, "railpack": NO_APP}),
    ("dart", {"pubspec.yaml": "name: hello\nenvironment:\n  sdk: '>=3.0.0 <4.0.0'\n", "bin/hello.dart": ""},
     {"nixpacks": {"provider": "dart", "start": "./bin/hello.exe", "install": ["dart pub get"],
                   "build": ["dart compile exe bin/hello.dart"],
                   "runtimes": [("dart", ">=3.0.0 <4.0.0", "pubspec.yaml > environment > sdk")]}, "railpack": NO_APP}),
    ("dart-server", {"pubspec.yaml": "name: server\n"},
     {"nixpacks": {"provider": "dart", "start": "./bin/server.exe"}, "railpack": NO_APP}),
    ("dart-cli", {"pubspec.yaml": "name: tool_cli\nversion: 1.0.0\n"},
     {"nixpacks": {"provider": "dart", "start": "./bin/tool_cli.exe", "build": ["dart compile exe bin/tool_cli.dart"]},
      "railpack": NO_APP}),
    ("haskell", {"package.yaml": "name: app\nexecutables:\n  app-exe:\n    main: Main.hs\n", "app/Main.hs": "",
                 "stack.yaml": "resolver: lts-22.0\n"},
     {"nixpacks": {"provider": "haskell", "start": "/root/.local/bin/app-exe", "install": ["stack setup"],
                   "build": ["stack install"], "runtimes": [("ghc", "lts-22.0", "stack.yaml > resolver")]},
      "railpack": NO_APP}),
    ("haskell-two-exes", {"package.yaml": "executables:\n  zeta: {}\n  alpha: {}\n", "src/Lib.hs": ""},
     {"nixpacks": {"provider": "haskell", "start": "/root/.local/bin/alpha"}, "railpack": NO_APP}),
    ("haskell-no-sources", {"package.yaml": "name: x\n"}, {"nixpacks": NO_APP, "railpack": NO_APP}),
    ("swift", {"Package.swift": "// swift-tools-version:5.8\n", "Sources/App/main.swift": ""},
     {"nixpacks": {"provider": "swift", "start": "./App", "install": ["swift package resolve"],
                   "build": ["CC=clang++ swift build -c release --static-swift-stdlib",
                             "cp ./.build/release/App ./App && rm -rf ./.build"],
                   "runtimes": [("swift", "5.8", "Package.swift")]}, "railpack": NO_APP}),
    ("swift-version-file", {"Package.swift": "", ".swift-version": "5.7.3\n", "Sources/Run/main.swift": ""},
     {"nixpacks": {"provider": "swift", "start": "./Run", "runtimes": [("swift", "5.7.3", ".swift-version")]},
      "railpack": NO_APP}),
    ("swift-no-main", {"Package.swift": "// swift-tools-version:5.5\n", "Sources/Lib/lib.swift": ""},
     {"nixpacks": {"provider": "swift", "start": None}, "railpack": NO_APP}),
    ("zigapp", {"build.zig": "", "src/main.zig": ""},
     {"nixpacks": {"provider": "zig", "start": "./zig-out/bin/zigapp", "build": ["zig build -Doptimize=ReleaseSafe"]},
      "railpack": NO_APP}),
    ("zig-submodules", {"build.zig": "", ".gitmodules": "[submodule]\n"},
     {"nixpacks": {"provider": "zig", "start": "./zig-out/bin/zig-submodules",
                   "install": ["git submodule update --init"]}, "railpack": NO_APP}),
    ("zig-nested", {"tools/gen.zig": ""},
     {"nixpacks": {"provider": "zig", "start": "./zig-out/bin/zig-nested"}, "railpack": NO_APP}),
    ("cobol", {"index.cbl": "", "other.cbl": ""},
     {"nixpacks": {"provider": "cobol", "start": "./index", "build": ["cobc -x -o index index.cbl"]},
      "railpack": NO_APP}),
    ("cobol-src", {"src/app.cbl": ""},
     {"nixpacks": {"provider": "cobol", "start": "./app", "build": ["cobc -x -o app src/app.cbl"]},
      "railpack": NO_APP}),
    ("cobol-named", {"index.cbl": "", "report.cbl": ""},
     {"nixpacks": {"provider": "cobol", "start": "./report", "build": ["cobc -free -x -o report report.cbl"],
                   "env": {"NIXPACKS_COBOL_APP_NAME": "report", "NIXPACKS_COBOL_COMPILE_ARGS": "-free -x -o"}},
      "railpack": NO_APP}),
]


@pytest.mark.parametrize("name,files,fmt,exp", case_params(BEAM + DENO + NIX_ONLY))
def test_language_apps(tmp_path, name, files, fmt, exp):
    check(write_app(tmp_path / name, files), fmt, exp)
