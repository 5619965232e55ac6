#!/usr/bin/env bash
# Installs what the end-to-end tests drive: code-server (VS Code's workbench and extension host; 4.100.3 is the last
# that runs on Node 20) and playwright-core, into test/e2e/node_modules, plus Debian's Chromium. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
for p in build-essential pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev python3; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "e2e setup: install these Debian packages first: ${need[*]}" >&2; exit 2; }
  echo "[e2e setup] apt-get install ${need[*]}"
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ -f node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node ] && [ -d node_modules/playwright-core ]; then
  echo "[e2e setup] code-server and playwright-core present"; exit 0
fi
scratch=$(mktemp -d)
# @vscode/ripgrep downloads rg from the internet; it takes a cached tarball instead: Debian's rg.
mkdir -p "$scratch/vscode-ripgrep-cache-1.15.11"
tar -czf "$scratch/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
echo "[e2e setup] npm ci (code-server builds its native modules: a few minutes)"
# code-server's postinstall refuses root without unsafe_perm; node-pty's runs `npx node-gyp` and needs yes.
TMPDIR=$scratch XDG_CONFIG_HOME=$scratch/cfg XDG_DATA_HOME=$scratch/data XDG_CACHE_HOME=$scratch/cache \
  npm_config_unsafe_perm=true npm_config_yes=true npm ci --no-audit --no-fund
rm -rf "$scratch"
