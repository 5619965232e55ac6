// Bundles: the extension (node, cjs, vscode external), the daemon in two parts (a small entry that binds the socket,
// then the core with dockerode), the CLI, and later the webview page. `--production` minifies. Types: `npm run typecheck`.
import * as esbuild from 'esbuild';
import { chmodSync, readFileSync } from 'fs';
import { fileURLToPath } from 'url';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

// dockerode's BuildKit session (gRPC) and protobuf modules: replaced by a stub, see daemon/vendorStubs.
const dockerodeBuildkitStub = {
  name: 'dockerode-buildkit-stub',
  setup(build) {
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: fileURLToPath(new URL('./daemon/vendorStubs/dockerodeBuildkit.js', import.meta.url)) } : undefined,
    );
  },
};

// The CLI is both a shell script and JavaScript: sh runs line 2 (\`:\` with an argument, then the rest), Node reads
// it as a directive and a comment. The shell drops NODE_EXTRA_CA_CERTS before Node starts: Node parses that bundle
// at start-up, tens of milliseconds a CLI talking to a Unix socket never needs (kept aside for a daemon it spawns).
const CLI_BANNER = [
  '#!/bin/sh',
  '":" // ; [ -z "${NODE_EXTRA_CA_CERTS-}" ] || export WARMBOX_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"',
].join('\n');

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  define: { __WARMBOX_VERSION__: JSON.stringify(pkg.version) },
  // ssh2 (through docker-modem) loads optional native speed-ups in try/catch; the pure-JS paths serve us.
  external: ['vscode', 'cpu-features', '*.node'],
  plugins: [dockerodeBuildkitStub],
};

const builds = [
  { ...node, entryPoints: { extension: 'extension/main.ts' } },
  { ...node, entryPoints: { daemon: 'daemon/main.ts' } },
  { ...node, entryPoints: { daemonCore: 'daemon/core.ts' } },
  // The CLI: a small entry (the launcher line, then cli/launch.ts) that runs the CLI proper from V8's code cache. What
  // Node compiles without that cache is less text to parse (names kept, so errors still read the same).
  { ...node, entryPoints: { cli: 'cli/launch.ts' }, banner: { js: CLI_BANNER }, minifyWhitespace: true, minifySyntax: true },
  { ...node, entryPoints: { cliMain: 'cli/main.ts' }, minifyWhitespace: true, minifySyntax: true },
  { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production, logLevel: 'warning', entryPoints: { panel: 'media/src/panel.ts' }, outdir: 'media' },
];

const t0 = Date.now();
if (watch) {
  for (const b of builds) await (await esbuild.context({ outdir: 'dist', ...b })).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build({ outdir: 'dist', ...b })));
  // Run as a program (`dist/cli.js run x.py`), as npm's bin link does.
  chmodSync('dist/cli.js', 0o755);
  console.log(`[esbuild] built ${builds.length} bundles in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}
