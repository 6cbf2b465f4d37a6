#!/usr/bin/env bash
# What the test suite needs beyond the Python environment: Debian's bubblewrap and Chromium (installed when
# run as root, else a line saying what to install), and the official MCP Inspector with the Node.js it needs
# (>= 22) in .tools/inspector, from the npm registry. Idempotent: a second run only checks what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing ${need[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "==> the tests need these Debian packages: ${need[*]} (sudo apt-get install ${need[*]})"
  fi
fi

INSPECTOR_DIR=.tools/inspector
INSPECTOR_VERSION=2.12.0
NODE_VERSION=22.23.3
if [ ! -x "$INSPECTOR_DIR/node_modules/node/bin/node" ] || \
   [ ! -f "$INSPECTOR_DIR/node_modules/@modelcontextprotocol/inspector/package.json" ]; then
  echo "==> installing the MCP Inspector $INSPECTOR_VERSION with Node.js $NODE_VERSION (npm)"
  mkdir -p "$INSPECTOR_DIR"
  npm install --silent --no-audit --no-fund --prefix "$INSPECTOR_DIR" \
    "node@$NODE_VERSION" "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" >/dev/null 2>&1
fi
echo "==> test tools ready"
