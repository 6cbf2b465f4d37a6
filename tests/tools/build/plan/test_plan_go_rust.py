"""Go (modules, cmd/ folders, main.go, workspaces) and Rust (bins, openssl, toolchains, workspaces) apps."""

from __future__ import annotations

import pytest

from goose_studio.tools.build.plan.providers.rust import musl_target
from plan_helpers import case_params, check, no_real_tools, write_app  # noqa: F401  (fixture)

RP_GO = 'go build -ldflags="-w -s" -o out'
MUSL = musl_target()

GO = [
    ("go-mod", {"go.mod": "module example.com/a\n\ngo 1.21\n",
                "main.go": 'package main\nfunc main() { http.ListenAndServe(":8080", nil) }\n'},
     {"nixpacks": {"provider": "go", "start": "./out", "install": ["go mod download"], "build": ["go build -o out"],
                   "nix_pkgs": ["go_1_21"], "runtimes": [("go", "1.21", "go.mod")], "port": 8080,
                   "binaries": ["go>=1.21"]},
      "railpack": {"provider": "golang", "start": "./out", "install": ["go mod download"], "build": [RP_GO],
                   "runtimes": [("go", "1.21", "go.mod")], "port": 8080}}),
    ("go-cmd", {"go.mod": "module example.com/b\n\ngo 1.23\n", "cmd/api/main.go": "package main\n",
                "cmd/worker/main.go": "package main\n"},
     {"nixpacks": {"provider": "go", "start": "./out", "build": ["go build -o out ./cmd/api"],
                   "nix_pkgs": ["go_1_23"]},
      "railpack": {"provider": "golang", "start": "./out", "build": [f"{RP_GO} ./cmd/api"]}}),
    ("go-main-only", {"main.go": "package main\nfunc main() {}\n"},
     {"nixpacks": {"provider": "go", "start": "./out", "build": ["go build -o out main.go"],
                   "runtimes": [("go", "1.22", "default")], "nix_pkgs": ["go"]},
      "railpack": {"provider": "golang", "start": "./out", "build": [f"{RP_GO} main.go"],
                   "runtimes": [("go", "1.23", "default")]}}),
    ("go-work", {"go.work": "go 1.22\nuse ./api\nuse ./shared\n", "api/go.mod": "module api\n\ngo 1.22\n",
                 "api/main.go": "package main\n", "shared/go.mod": "module shared\n\ngo 1.22\n",
                 "shared/lib.go": "package shared\n"},
     {"nixpacks": {"provider": "go", "start": "./out", "app_root": "api", "build": ["go build -o out"]},
      "railpack": {"provider": "golang", "start": "./out", "app_root": ".", "build": [f"{RP_GO} ./api"]}}),
]

RUST = [
    ("rust-bin", {"Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\n', "src/main.rs": "fn main(){}"},
     {"nixpacks": {"provider": "rust", "start": "./bin/hello", "nix_pkgs": ["binutils", "gcc",
                                                                            "rust-bin.stable.latest.default", "musl"],
                   "build": ["mkdir -p bin", f"cargo build --release --target {MUSL}",
                             f"cp target/{MUSL}/release/hello bin"], "runtimes": [("rust", "stable", "default")]},
      "railpack": {"provider": "rust", "start": "./bin/hello", "install": ["cargo build --release"],
                   "build": ["mkdir -p bin", "cargo build --release", "cp target/release/hello bin"],
                   "runtimes": [("rust", "1.89", "default")]}}),
    ("rust-openssl", {"Cargo.toml": '[package]\nname = "app"\nrust-version = "1.75"\n\n[dependencies]\n'
                                    'openssl = "0.10"\n', "src/main.rs": ""},
     {"nixpacks": {"provider": "rust", "start": "./bin/app", "nix_pkgs": ['rust-bin.stable."1.75".default'],
                   "build": ["cargo build --release", "cp target/release/app bin"],
                   "runtimes": [("rust", "1.75", "Cargo.toml > rust-version")]},
      "railpack": {"provider": "rust", "start": "./bin/app",
                   "runtimes": [("rust", "1.75", "Cargo.toml > package.rust-version")]}}),
    ("rust-toolchain-bins", {"rust-toolchain.toml": '[toolchain]\nchannel = "1.80.0"\n',
                             "Cargo.toml": '[package]\nname = "multi"\ndefault-run = "server"\n',
                             "src/bin/server.rs": "", "src/bin/cli.rs": ""},
     {"nixpacks": {"provider": "rust", "start": "./bin/server",
                   "nix_pkgs": ["(rust-bin.fromRustupToolchainFile ../rust-toolchain.toml)"],
                   "build": ["cargo build --release", "cp target/release/cli bin", "cp target/release/server bin"],
                   "runtimes": [("rust", "1.80.0", "rust-toolchain.toml")]},
      "railpack": {"provider": "rust", "start": "./bin/server",
                   "runtimes": [("rust", "1.80.0", "rust-toolchain.toml")]}}),
    ("rust-workspace", {"Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
                        "crates/api/Cargo.toml": '[package]\nname = "api"\n', "crates/api/src/main.rs": "",
                        "crates/core/Cargo.toml": '[package]\nname = "core"\n\n[lib]\npath = "src/lib.rs"\n'},
     {"nixpacks": {"provider": "rust", "start": "./bin/api",
                   "build": [f"cargo build --release --package api --target {MUSL}",
                             f"cp target/{MUSL}/release/api bin"]},
      "railpack": {"provider": "rust", "start": "./bin/api",
                   "build": ["cargo build --release --package api", "cp target/release/api bin"]}}),
]


@pytest.mark.parametrize("name,files,fmt,exp", case_params(GO + RUST))
def test_go_and_rust_apps(tmp_path, name, files, fmt, exp):
    check(write_app(tmp_path / name, files), fmt, exp)


def test_go_env_overrides_and_cgo(tmp_path):
    app = write_app(tmp_path / "g", {"go.mod": "module g\n\ngo 1.22\n", "cmd/a/main.go": "", "cmd/b/main.go": ""})
    result = check(app, "nixpacks", {"provider": "go", "start": "./out", "build": ["go build -o out ./cmd/b"]},
                   {"NIXPACKS_GO_BIN": "b", "CGO_ENABLED": "1"})
    assert result.rendered["start"] == {"cmd": "./out"}  # no slim run image with CGO
    plan = check(app, "railpack", {"provider": "golang", "start": "./out", "build": [f"{RP_GO} ./cmd/b"],
                                   "runtimes": [("go", "1.24", "RAILPACK_GO_VERSION")]},
                 {"RAILPACK_GO_BIN": "b", "RAILPACK_GO_VERSION": "1.24", "CGO_ENABLED": "1"}).plan
    assert {"gcc", "libc6-dev"} <= set(plan.phase("setup").apt_pkgs) and "libc6" in plan.deploy_apt_pkgs


def test_nixpacks_rust_musl_runs_in_a_slim_image(tmp_path):
    app = write_app(tmp_path / "slim", {"Cargo.toml": '[package]\nname = "slim"\n', "src/main.rs": ""})
    start = check(app, "nixpacks", {"provider": "rust", "start": "./bin/slim"}).rendered["start"]
    assert start == {"cmd": "./bin/slim", "runImage": "ubuntu:jammy", "onlyIncludeFiles": ["./bin/slim"]}
    plain = check(app, "nixpacks", {"provider": "rust", "start": "./bin/slim",
                                    "build": ["cargo build --release", "cp target/release/slim bin"]},
                  {"NIXPACKS_NO_MUSL": "1"})
    assert "runImage" not in plain.rendered["start"]
