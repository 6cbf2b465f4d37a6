"""Ruby (Rails, Rack, Rake, scripts) and PHP (vanilla, Laravel, custom nginx) apps in both formats."""

from __future__ import annotations

import json

import pytest

from plan_helpers import case_params, check, no_real_tools, write_app  # noqa: F401  (fixture)

RAILS_START = "bundle exec bin/rails server -b 0.0.0.0 -p ${PORT:-3000} -e $RAILS_ENV"
LOCK = "GEM\n  specs:\n\nRUBY VERSION\n   ruby 3.1.4p223\n\nBUNDLED WITH\n   2.4.10\n"
NIX_PHP_START = ("node /assets/scripts/prestart.mjs /assets/nginx.template.conf /nginx.conf && "
                 "(php-fpm -y /assets/php-fpm.conf & nginx -c /nginx.conf)")

RUBY = [
    ("rails", {"Gemfile": "gem 'rails'\ngem 'pg'\ngem 'sprockets-rails'\n", "Gemfile.lock": LOCK,
               ".ruby-version": "3.2.2\n", "config/application.rb": "class Application < Rails::Application\nend\n",
               "bin/rails": ""},
     {"nixpacks": {"provider": "ruby", "start": RAILS_START, "install": ["bundle install"], "framework": "rails",
                   "build": ["bundle exec rake assets:precompile"], "port": 3000, "nix_pkgs": ["rustc"],
                   "runtimes": [("ruby", "3.2.2", ".ruby-version")]},
      "railpack": {"provider": "ruby", "start": RAILS_START, "install": ["gem install -N bundler:2.4.10",
                                                                         "bundle install"],
                   "build": ["bundle exec rake assets:precompile"], "runtimes": [("ruby", "3.2.2", ".ruby-version")]}}),
    ("rack", {"Gemfile": 'ruby "3.3.0"\ngem "sinatra"\n', "config.ru": "run App\n"},
     {"nixpacks": {"provider": "ruby", "start": "bundle exec rackup config.ru -p ${PORT:-3000}",
                   "runtimes": [("ruby", "3.3.0", "Gemfile")], "port": 3000},
      "railpack": {"provider": "ruby", "start": "bundle exec rackup config.ru -p ${PORT:-3000}",
                   "runtimes": [("ruby", "3.3.0", "Gemfile")]}}),
    ("script", {"Gemfile": "gem 'httparty'\n", "Gemfile.lock": LOCK, "app.rb": "puts 1\n"},
     {"nixpacks": {"provider": "ruby", "start": None, "runtimes": [("ruby", "3.1.4", "Gemfile.lock")]},
      "railpack": {"provider": "ruby", "start": "ruby app.rb", "runtimes": [("ruby", "3.4.6", "default")]}}),
    ("rake", {"Gemfile": "gem 'rake'\n", "Rakefile": "task :default\n", ".ruby-version": "ruby-3.3.1\n"},
     {"nixpacks": {"provider": "ruby", "start": "bundle exec rake", "runtimes": [("ruby", "ruby-3.3.1",
                                                                                   ".ruby-version")]},
      "railpack": {"provider": "ruby", "start": "bundle exec rake", "runtimes": [("ruby", "3.3.1", ".ruby-version")]}}),
]

PHP = [
    ("php-vanilla", {"index.php": "<?php echo 1;"},
     {"nixpacks": {"provider": "php", "start": NIX_PHP_START, "port": 80,
                   "install": ["mkdir -p /var/log/nginx && mkdir -p /var/cache/nginx"],
                   "runtimes": [("php", "8.3", "default")]},
      "railpack": {"provider": "php", "start": "/start-container.sh", "port": 80,
                   "runtimes": [("php", "8.4", "default")]}}),
    ("laravel", {"composer.json": json.dumps({"require": {"php": "^8.2", "ext-pdo_pgsql": "*"}}), "artisan": "",
                 "package.json": json.dumps({"scripts": {"build": "vite build"}}), "package-lock.json": "{}"},
     {"nixpacks": {"provider": "php", "start": NIX_PHP_START, "framework": "laravel",
                   "install": ["mkdir -p /var/log/nginx && mkdir -p /var/cache/nginx",
                               "composer install --ignore-platform-reqs", "npm ci"], "build": ["npm run build"],
                   "nix_pkgs": ["(php.withExtensions (pe: pe.enabled ++ [pe.all.pdo_pgsql]))", "nginx"],
                   "runtimes": [("php", "8.2", "composer.json > require > php")]},
      "railpack": {"provider": "php", "start": "/start-container.sh", "framework": "laravel",
                   "install": ["composer install --optimize-autoloader --no-scripts --no-interaction"],
                   "build": ["npm run build", "php artisan config:cache"],
                   "runtimes": [("php", "8.2", "composer.json > require > php")]}}),
    ("php-nginx", {"composer.json": "{}", "nginx.conf": "events {}\n", "index.php": ""},
     {"nixpacks": {"provider": "php", "start": "php-fpm -y /assets/php-fpm.conf & nginx -c /app/nginx.conf",
                   "install": ["composer install --ignore-platform-reqs"]},
      "railpack": {"provider": "php", "start": "/start-container.sh", "package_manager": "composer"}}),
]


@pytest.mark.parametrize("name,files,fmt,exp", case_params(RUBY + PHP))
def test_ruby_and_php_apps(tmp_path, name, files, fmt, exp):
    check(write_app(tmp_path / name, files), fmt, exp)


def test_rails_variables_and_node_assets(tmp_path):
    app = write_app(tmp_path / "r", {"Gemfile": "gem 'rails'\n", ".ruby-version": "3.3.0",
                                     "config/application.rb": "Rails::Application", "rails": "",
                                     "package.json": "{}", "yarn.lock": ""})
    plan = check(app, "nixpacks", {"provider": "ruby",
                                   "start": "bundle exec rails server -b 0.0.0.0 -p ${PORT:-3000}"}).plan
    assert plan.variables["RAILS_SERVE_STATIC_FILES"] == "1"
    assert plan.variables["GEM_HOME"] == "/usr/local/rvm/gems/3.3.0"
    assert plan.shell_commands("node:install") == ["yarn install --frozen-lockfile"]
    assert "node:install" in plan.phase("build").depends_on
    plan = check(app, "railpack", {"provider": "ruby",
                                   "start": "bundle exec rails server -b 0.0.0.0 -p ${PORT:-3000}"}).plan
    assert plan.shell_commands("install:node") == ["yarn install --frozen-lockfile"]


def test_ruby_version_env_var(tmp_path):
    app = write_app(tmp_path / "v", {"Gemfile": 'ruby "3.2.0"\n', "Rakefile": ""})
    check(app, "nixpacks", {"provider": "ruby", "start": "bundle exec rake",
                            "runtimes": [("ruby", "3.3.5", "NIXPACKS_RUBY_VERSION")]}, {"NIXPACKS_RUBY_VERSION": "3.3.5"})
    check(app, "railpack", {"provider": "ruby", "start": "bundle exec rake",
                            "runtimes": [("ruby", "3.3.5", "RAILPACK_RUBY_VERSION")]}, {"RAILPACK_RUBY_VERSION": "3.3.5"})
