"""Static sites (nginx / Caddy), shell-script apps and C/C++ (CMake, Meson) apps in both formats."""

from __future__ import annotations

import pytest

from plan_helpers import NO_APP, case_params, check, no_real_tools, write_app  # noqa: F401  (fixture)

NGINX = ('[[ -z "${PORT}" ]] && echo "Environment variable PORT not found. Using PORT 80" || '
         'sed -i "s/0.0.0.0:80/$PORT/g" /assets/nginx.conf && nginx -c /assets/nginx.conf')
CADDY = "caddy run --config Caddyfile --adapter caddyfile 2>&1"

CASES = [
    ("site-root", {"index.html": "<h1>hi</h1>"},
     {"nixpacks": {"provider": "staticfile", "start": NGINX, "static_dir": ".", "port": 80, "nix_pkgs": ["nginx"]},
      "railpack": {"provider": "staticfile", "start": CADDY, "static_dir": ".", "port": 80}}),
    ("site-public", {"public/index.html": "", "README.md": ""},
     {"nixpacks": {"provider": "staticfile", "start": NGINX, "static_dir": "public"},
      "railpack": {"provider": "staticfile", "start": CADDY, "static_dir": "public"}}),
    ("site-staticfile", {"Staticfile": "root: site\n", "site/index.html": ""},
     {"nixpacks": {"provider": "staticfile", "start": NGINX, "static_dir": "site"},
      "railpack": {"provider": "staticfile", "start": CADDY, "static_dir": "site"}}),
    ("site-dist", {"dist/index.html": ""},
     {"nixpacks": {"provider": "staticfile", "start": NGINX, "static_dir": "dist", "app_root": "."},
      # Railpack does not look at dist/; the studio then finds the site one level down
      "railpack": {"provider": "staticfile", "start": CADDY, "static_dir": ".", "app_root": "dist"}}),
    ("shell-bash", {"start.sh !x": "#!/bin/bash\necho hi\n"},
     {"nixpacks": NO_APP, "railpack": {"provider": "shell", "start": "bash start.sh", "build": ["chmod +x start.sh"],
                                       "binaries": ["bash"]}}),
    ("shell-plain", {"start.sh": "echo hi\n"},
     {"nixpacks": NO_APP, "railpack": {"provider": "shell", "start": "sh start.sh"}}),
    ("shell-custom-zsh", {"deploy.sh": "#!/usr/bin/env zsh\necho hi\n"},
     {"nixpacks": NO_APP, "railpack": {"provider": "shell", "start": "zsh deploy.sh", "build": ["chmod +x deploy.sh"],
                                       "env": {"RAILPACK_SHELL_SCRIPT": "deploy.sh"}}}),
    ("cpp-cmake", {"CMakeLists.txt": "project(cpp-cmake)\n", "main.cpp": ""},
     {"nixpacks": NO_APP, "railpack": {"provider": "cpp", "start": "/build/cpp-cmake", "package_manager": "cmake",
                                       "build": ["mkdir /build", "cmake -B /build -GNinja /app", "cmake --build /build"],
                                       "runtimes": [("cmake", "latest", "default"), ("ninja", "latest", "default")]}}),
    ("cpp-meson", {"meson.build": "project('x', 'cpp')\n", "main.cpp": ""},
     {"nixpacks": NO_APP, "railpack": {"provider": "cpp", "start": "/build/cpp-meson", "package_manager": "meson",
                                       "build": ["mkdir /build", "meson setup /build", "meson compile -C /build"]}}),
    ("cpp-both", {"CMakeLists.txt": "", "meson.build": ""},
     {"nixpacks": NO_APP, "railpack": {"provider": "cpp", "start": "/build/cpp-both", "package_manager": "cmake"}}),
]


@pytest.mark.parametrize("name,files,fmt,exp", case_params(CASES))
def test_static_shell_and_cpp_apps(tmp_path, name, files, fmt, exp):
    check(write_app(tmp_path / name, files), fmt, exp)


def test_static_root_env_vars(tmp_path):
    app = write_app(tmp_path / "w", {"index.html": "", "www/index.html": ""})
    check(app, "nixpacks", {"provider": "staticfile", "start": NGINX, "static_dir": "www"},
          {"NIXPACKS_STATICFILE_ROOT": "www"})
    check(app, "railpack", {"provider": "staticfile", "start": CADDY, "static_dir": "www"},
          {"RAILPACK_STATIC_FILE_ROOT": "www"})


def test_railpack_static_detected_from_env_root_alone(tmp_path):
    app = write_app(tmp_path / "only-env", {"files/a.html": ""})
    check(app, "railpack", {"provider": "staticfile", "start": CADDY, "static_dir": "files"},
          {"RAILPACK_STATIC_FILE_ROOT": "files"})
