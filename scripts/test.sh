#!/usr/bin/env bash
# npm test: type check, unit tests, then the integration suites against the real Docker Engine.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1; then
  echo "npm test: Docker is not reachable. Start it (sudo systemctl start docker, or Docker Desktop); CI does this in .ci/run." >&2
  exit 1
fi
bash images/build.sh
node esbuild.mjs
npx tsc -p tsconfig.test.json
npx mocha --config .mocharc.json out/test/unit
npx mocha --config .mocharc.json --timeout 60000 out/test/integration
# The same scenarios on other engines: a second dockerd (DOCKER_HOST, contexts, TLS, ssh, gVisor) and Podman.
if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
  bash test/engines/run.sh
else
  echo "npm test: skipped the engine suite (test/engines: it starts a second dockerd, sshd and Podman, which needs root)"
fi
# The extension in a real VS Code workbench (code-server + headless Chromium): see test/e2e/.
if [ -d test/e2e/node_modules/code-server ]; then
  npm run package --silent >/dev/null
  node test/e2e/run.js
elif [ "${CI:-}" = true ]; then
  echo "npm test: the end-to-end tools are missing in CI; .ci/run must run test/e2e/setup.sh" >&2
  exit 1
else
  echo "npm test: skipped the VS Code end-to-end tests (run bash test/e2e/setup.sh once to enable them)"
fi
