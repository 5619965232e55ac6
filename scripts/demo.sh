#!/usr/bin/env bash
# The quick start's main job: build what is missing, then a real run in a warm sandbox and the pool's stats.
set -euo pipefail
cd "$(dirname "$0")/.."
# No engine answering: say so, and (asking first) install and start one as CI does; on macOS/Windows, say what to start.
bash scripts/engine.sh ensure
bash images/build.sh
node esbuild.mjs --production
echo '$ warmbox run examples/hello.py          # first run: starts warmboxd, which warms the pool'
node dist/cli.js run examples/hello.py --no-stdin
sleep 1
echo '$ warmbox run examples/hello.py --json   # now served by a warm sandbox'
node dist/cli.js run examples/hello.py --no-stdin --json
echo '$ warmbox stats'
node dist/cli.js stats
echo '(the daemon keeps the pool warm for 15 idle minutes; `node dist/cli.js daemon stop` ends it and removes its containers)'
