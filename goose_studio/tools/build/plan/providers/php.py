"""PHP (Composer, Laravel): composer.json or index.php; version from composer ``require.php``.

Nixpacks serves with nginx + php-fpm; Railpack with FrankenPHP via /start-container.sh. Both add a Node install
and build when package.json is present (Laravel front ends).
"""

from __future__ import annotations

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles
from . import node as node_provider
from .node_web import package_json

LEGACY, DEFAULT_ARCHIVE = "5148520bfab61f99fd25fb9ff7bfbb50dad3c9db", "dbc4f15b899ac77a8d408d8e0f89fa9c0c5f2b78"
NIX_PHP = {"7.4": ("php74", LEGACY), "8.0": ("php80", LEGACY), "8.1": ("php81", DEFAULT_ARCHIVE),
           "8.2": ("php", DEFAULT_ARCHIVE), "8.3": ("php83", DEFAULT_ARCHIVE), "8.4": ("php84", DEFAULT_ARCHIVE)}


def detect(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return bool(files.any("composer.json", "index.php"))


def php_version(ctx: PlanContext, default: str) -> str:
    require = ctx.files.obj("composer.json").get("require") or {}
    wanted = require.get("php") if isinstance(require, dict) else None
    if not wanted:
        ctx.runtime("php", default, "default")
        return default
    for v in ("8.0", "8.1", "8.2", "8.3", "8.4", "7.4") if ctx.nix else ("8.2", "8.3", "8.4"):
        if v in str(wanted):
            ctx.runtime("php", v, "composer.json > require > php")
            return v
    ctx.runtime("php", default, "default")
    ctx.note(f"PHP {wanted} is not available; using {default}")
    return default


def extensions(files: AppFiles, version: str) -> list[str]:
    require = files.obj("composer.json").get("require") or {}
    ignored = {"ext-json", "ext-zend-opcache"}
    return sorted(k[4:] for k in require if isinstance(k, str) and k.startswith("ext-")
                  and (version == "7.4" or k not in ignored))


def plan(ctx: PlanContext) -> None:
    f, plan_ = ctx.files, ctx.plan
    plan_.language, plan_.package_manager = "php", ("composer" if f.has("composer.json") else None)
    laravel = f.has("artisan")
    plan_.framework = "laravel" if laravel else ("symfony" if f.has("symfony.lock") else None)
    pkg = package_json(f)
    pm = node_provider.package_manager(ctx, pkg) if f.has("package.json") else None
    if ctx.nix:
        version = php_version(ctx, "8.3")
        php, archive = NIX_PHP[version]
        exts = extensions(f, version)
        setup = ctx.phase("setup")
        setup.nix_pkgs += [f"({php}.withExtensions (pe: pe.enabled ++ [{' '.join('pe.all.' + e for e in exts)}]))",
                           "nginx", "libmysqlclient", f"{php}Packages.composer", "nodejs_18", "npm-9_x"]
        setup.nix_pkgs += [f"{php}Extensions.{e}" for e in exts]
        setup.nix_overlays.append(node_provider.NODE_OVERLAY)
        setup.nixpkgs_archive = archive
        setup.nix_libs += [f"{php}Extensions.{e}" for e in exts] + ["libmysqlclient"]
        install = ctx.cmd("install", "mkdir -p /var/log/nginx && mkdir -p /var/cache/nginx")
        if f.has("composer.json"):
            install.commands.append("composer install --ignore-platform-reqs")
        if pm:
            install.commands.append(node_provider.install_command(ctx, pm))
        for script in ("prod", "build"):
            if pm and pkg.script(script):
                ctx.cmd("build", f"{node_provider.pm_name(pm)} run {script}")
                break
        if f.has("nginx.conf"):
            start = "php-fpm -y /assets/php-fpm.conf & nginx -c /app/nginx.conf"
        elif f.has("nginx.template.conf"):
            start = ("node /assets/scripts/prestart.mjs /app/nginx.template.conf /nginx.conf && "
                     "(php-fpm -y /assets/php-fpm.conf & nginx -c /nginx.conf)")
        else:
            start = ("node /assets/scripts/prestart.mjs /assets/nginx.template.conf /nginx.conf && "
                     "(php-fpm -y /assets/php-fpm.conf & nginx -c /nginx.conf)")
        plan_.variables["PORT"] = "80"
        if laravel:
            plan_.variables.update({"IS_LARAVEL": "yes", "NIXPACKS_PHP_ROOT_DIR": "/app/public"})
        ctx.start(start)
        ctx.binaries("php", "php-fpm", "nginx")
    else:
        version = php_version(ctx, "8.4")
        image = f"dunglas/frankenphp:php{version}-bookworm"
        setup = ctx.phase("setup")
        setup.apt_pkgs += ["ca-certificates", "git", "unzip", "zip"]
        ctx.meta("phpImage", image)
        exts = extensions(f, version) + [e.strip() for e in (ctx.cfg("PHP_EXTENSIONS") or "").split(",") if e.strip()]
        if exts:
            ctx.cmd("extensions", "install-php-extensions " + " ".join(exts))
        plan_.variables.update({"APP_ENV": "production", "APP_DEBUG": "false", "IS_LARAVEL": str(laravel).lower(),
                                "LOG_CHANNEL": "stderr", "SERVER_NAME": ":80", "PHP_INI_DIR": "/usr/local/etc/php"})
        if f.has("composer.json"):
            install = ctx.cmd("install", "composer install --optimize-autoloader --no-scripts --no-interaction")
            install.depends_on = ["extensions"] if exts else ["setup"]
            install.variables.update({"COMPOSER_CACHE_DIR": "/opt/cache/composer", "COMPOSER_FUND": "0"})
            ctx.cache("install", "composer", "/opt/cache/composer")
        if pm:
            node_install = ctx.cmd("install:node", node_provider.install_command(ctx, pm))
            node_install.depends_on = ["packages:mise"]
            if pkg.script("build"):
                ctx.cmd("build", f"{node_provider.pm_name(pm)} run build")
        if laravel:
            ctx.cmd("build", "mkdir -p storage/framework/{sessions,views,cache,testing} storage/logs bootstrap/cache",
                    "chmod -R a+rw storage", "php artisan config:cache", "php artisan event:cache",
                    "php artisan route:cache", "php artisan view:cache")
        ctx.start("/start-container.sh")
        ctx.binaries("php", "frankenphp")
    plan_.port = 80
    if f.has("composer.json"):
        ctx.binaries("composer")
    if pm:
        ctx.binaries("node", node_provider.pm_name(pm))


SPEC = ProviderSpec("php", "php", {"nixpacks": "php", "railpack": "php"}, detect, plan)
