"""Ruby (Bundler): Gemfile; version from .ruby-version / Gemfile ``ruby`` / Gemfile.lock; Rails, Rack, Rake."""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles
from ..versions import extract_semver, mise_version
from . import node as node_provider
from .node_web import package_json

RBENV_APT = ["git", "curl", "autoconf", "bison", "build-essential", "libssl-dev", "libyaml-dev", "libreadline6-dev",
             "zlib1g-dev", "libncurses5-dev", "libffi-dev", "libgdbm6", "libgdbm-dev", "libdb-dev"]
RAILPACK_DEFAULT = "3.4.6"


def detect(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("Gemfile")


def uses_gem(files: AppFiles, name: str) -> bool:
    return files.contains("Gemfile", name) or files.contains("Gemfile.lock", name)


def is_rails(files: AppFiles) -> bool:
    return files.contains("config/application.rb", "Rails::Application")


def bundler_version(files: AppFiles) -> str:
    lines = (files.read("Gemfile.lock") or "").split("\n")
    for i, line in enumerate(lines):
        if "BUNDLED WITH" in line and i + 1 < len(lines):
            return f"bundler:{lines[i + 1].strip()}"
    return "bundler"


def gemfile_ruby(files: AppFiles) -> str | None:
    m = re.search(r"""ruby\s+(?:'|")([^'"]+)(?:'|")""", files.read("Gemfile") or "")
    return m.group(1) if m else None


def start_command(ctx: PlanContext) -> str | None:
    f = ctx.files
    if is_rails(f):
        if f.has("rails"):
            return "bundle exec rails server -b 0.0.0.0 -p ${PORT:-3000}"
        return "bundle exec bin/rails server -b 0.0.0.0 -p ${PORT:-3000} -e $RAILS_ENV"
    if f.has("config/environment.rb") and f.has_dir("script"):
        return "bundle exec ruby script/server -p ${PORT:-3000}"
    if f.has("config.ru"):
        return "bundle exec rackup config.ru -p ${PORT:-3000}"
    if f.has("Rakefile"):
        return "bundle exec rake"
    if not ctx.nix:
        main = f.any("app.rb", "main.rb", "server.rb")
        return f"ruby {main}" if main else None
    return None


def _nix_version(ctx: PlanContext) -> str:
    f = ctx.files
    if ctx.cfg("RUBY_VERSION"):
        ctx.runtime("ruby", ctx.cfg("RUBY_VERSION") or "", ctx.cfg_name("RUBY_VERSION"))
        return ctx.cfg("RUBY_VERSION") or ""
    if f.has(".ruby-version"):
        value = (f.read(".ruby-version") or "").strip()
        ctx.runtime("ruby", value, ".ruby-version")
        return value
    m = re.search(r"""ruby (?:'|")(.*)(?:'|")[^>]""", f.read("Gemfile") or "")
    if m:
        ctx.runtime("ruby", m.group(1), "Gemfile")
        return f"ruby-{m.group(1)}"
    m = re.search(r"ruby ((?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*))[^>]", f.read("Gemfile.lock") or "")
    if m:
        ctx.runtime("ruby", m.group(1), "Gemfile.lock")
        return f"ruby-{m.group(1)}"
    ctx.runtime("ruby", "3.1.2", "default")
    ctx.note("No Ruby version found (.ruby-version, Gemfile, Gemfile.lock); Nixpacks itself stops here.")
    return "ruby-3.1.2"


def plan(ctx: PlanContext) -> None:
    f, plan_ = ctx.files, ctx.plan
    plan_.language, plan_.package_manager = "ruby", "bundler"
    plan_.framework = "rails" if is_rails(f) else ("sinatra" if uses_gem(f, "sinatra") else
                                                   ("rack" if f.has("config.ru") else None))
    if ctx.nix:
        version = _nix_version(ctx)
        bare = version.removeprefix("ruby-")
        setup = ctx.phase("setup")
        setup.apt_pkgs.append("procps")
        setup.only_include_files = []
        if f.contains("Gemfile", "pg"):
            setup.apt_pkgs.append("libpq-dev")
        if f.contains("Gemfile", "mysql"):
            setup.apt_pkgs.append("default-libmysqlclient-dev")
        if uses_gem(f, "magick"):
            setup.apt_pkgs.append("libmagickwand-dev")
            setup.nix_pkgs.append("imagemagick")
        if uses_gem(f, "vips"):
            setup.apt_pkgs.append("libvips-dev")
        if uses_gem(f, "charlock_holmes"):
            setup.apt_pkgs.append("libicu-dev")
        mm = re.match(r"(\d+)\.(\d+)", bare)
        if mm and int(mm.group(1)) >= 3 and int(mm.group(2)) >= 1:
            setup.nix_pkgs.append("rustc")
        setup.apt_pkgs += RBENV_APT
        setup.commands.append(
            "curl -fsSL https://github.com/rbenv/rbenv-installer/raw/HEAD/bin/rbenv-installer | bash -s stable "
            "&& printf '\\neval \"$(~/.rbenv/bin/rbenv init -)\"' >> /root/.profile && . /root/.profile "
            f"&& rbenv install {bare} && rbenv global {bare} && gem install {bundler_version(f)}")
        setup.paths.append("$HOME/.rbenv/bin")
        install = ctx.phase("install")
        ctx.cache("install", "bundle", "/root/.bundle/cache")
        if not uses_gem(f, "local"):
            install.only_include_files = ["Gemfile", "Gemfile.lock"]
        install.commands.append("bundle install")
        if uses_gem(f, "bootsnap"):
            install.commands.append("bundle exec bootsnap precompile --gemfile")
        install.paths += [f"/usr/local/rvm/rubies/{version}/bin", f"/usr/local/rvm/gems/{version}/bin",
                          f"/usr/local/rvm/gems/{version}@global/bin"]
        plan_.variables.update({"BUNDLE_GEMFILE": "/app/Gemfile", "GEM_HOME": f"/usr/local/rvm/gems/{version}",
                                "GEM_PATH": f"/usr/local/rvm/gems/{version}:/usr/local/rvm/gems/{version}@global",
                                "MALLOC_ARENA_MAX": "2"})
        if is_rails(f):
            plan_.variables.update({"RAILS_LOG_TO_STDOUT": "enabled", "RAILS_SERVE_STATIC_FILES": "1"})
    else:
        dot = f.read(".ruby-version")
        mise = mise_version(f, "ruby")
        ctx.pick_version("ruby", RAILPACK_DEFAULT, [(ctx.cfg("RUBY_VERSION"), ctx.cfg_name("RUBY_VERSION")),
                                                    (extract_semver(dot) if dot else None, ".ruby-version"),
                                                    (gemfile_ruby(f), "Gemfile"),
                                                    (mise[0] if mise else None, mise[1] if mise else "")])
        setup = ctx.phase("setup")
        setup.apt_pkgs += ["libyaml-dev"]
        version = ctx.runtime_of("ruby")
        mm = re.match(r"(\d+)\.(\d+)", version.version if version else "")
        if mm and int(mm.group(1)) >= 3 and int(mm.group(2)) > 1:
            setup.apt_pkgs += ["rustc", "cargo"]
        install = ctx.phase("install")
        install.depends_on = ["packages:mise"]
        env = {"BUNDLE_GEMFILE": "/app/Gemfile", "GEM_PATH": "/usr/local/bundle", "GEM_HOME": "/usr/local/bundle",
               "MALLOC_ARENA_MAX": "2"}
        install.variables.update(env)
        install.only_include_files = [x for x in ("Gemfile", "Gemfile.lock") if f.has(x)]
        install.commands += [f"gem install -N {bundler_version(f)}", "bundle install"]
        if uses_gem(f, "bootsnap"):
            install.commands.append("bundle exec bootsnap precompile --gemfile")
        install.paths.append("/usr/local/bundle")
        plan_.variables.update(env)
        runtime_apt = ["libyaml-dev"]
        for gem, pkgs in (("pg", ["libpq-dev"]), ("mysql", ["default-libmysqlclient-dev"]),
                          ("magick", ["libmagickwand-dev"]), ("vips", ["libvips-dev"]),
                          ("charlock_holmes", ["libicu-dev", "libxml2-dev", "libxslt-dev"])):
            if uses_gem(f, gem):
                runtime_apt += pkgs
        plan_.deploy_apt_pkgs += runtime_apt
        ctx.meta("rubyRails", is_rails(f))
    build = ctx.phase("build")
    if is_rails(f) and (uses_gem(f, "sprockets") or uses_gem(f, "propshaft")):
        build.commands.append("bundle exec rake assets:precompile")
    if is_rails(f) and uses_gem(f, "bootsnap"):
        build.commands.append("bundle exec bootsnap precompile app/ lib/")
    if f.has("package.json") or uses_gem(f, "execjs"):
        _add_node(ctx)
    ctx.start(start_command(ctx))
    plan_.port = 3000 if "PORT:-3000" in (plan_.start.command or "") else (4567 if plan_.framework == "sinatra"
                                                                           else None)
    ctx.binaries("ruby", "bundle")


def _add_node(ctx: PlanContext) -> None:
    """Node install phases next to Ruby's (for the asset pipeline), as both tools add them."""
    if not ctx.files.has("package.json"):
        ctx.binaries("node")
        return
    pkg = package_json(ctx.files)
    pm = node_provider.package_manager(ctx, pkg)
    name = "node:install" if ctx.nix else "install:node"
    phase = ctx.phase(name)
    phase.depends_on = ["setup"] if ctx.nix else ["packages:mise"]
    phase.commands.append(node_provider.install_command(ctx, pm))
    phase.paths.append("/app/node_modules/.bin")
    build = ctx.phase("build")
    if name not in build.depends_on:
        build.depends_on.append(name)
    ctx.binaries("node", node_provider.pm_name(pm))


SPEC = ProviderSpec("ruby", "ruby", {"nixpacks": "ruby", "railpack": "ruby"}, detect, plan)
