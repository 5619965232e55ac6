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
