#!/usr/bin/env node
// README's table of languages, from the images themselves: each image's version (its tool asked in a throwaway
// container, no network) and size (`docker image ls`, 1000-based MB), and the disk all of them take together (the
// shared warmbox/base:2 layer counted once). `node scripts/languageTable.mjs` prints what differs; `--write` fixes it.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README = path.join(ROOT, 'README.md');
const BASE = 'warmbox/base:2';
// Each image's tag as images/build.sh makes it (its image_version: `java) echo 3 ;;`, the rest the shared version).
const BUILD_SH = fs.readFileSync(path.join(ROOT, 'images/build.sh'), 'utf8');
const OWN_TAGS = Object.fromEntries([...(/image_version\(\) \{ case \$1 in (.*?) \*\)/.exec(BUILD_SH)?.[1] ?? '').matchAll(/([a-z]+)\) echo (\d+) ;;/g)].map((m) => [m[1], m[2]]));
const imageOf = (profile) => `warmbox/${profile}:${OWN_TAGS[profile] ?? 2}`;

/** profile → [argv in its image, how to read the version, the cell]. */
const VERSION = {
  python: [['python3', '--version'], /Python (\S+)/, (v) => v],
  node: [['node', '--version'], /v(\S+)/, (v) => `Node ${v}`],
  shell: [['/bin/busybox'], /BusyBox v([0-9.]+)/, (v) => `busybox ${v} \`sh\``],
  typescript: [['sh', '-c', 'esbuild --version && node --version'], /^(\S+)\s+v(\S+)/, (e, n) => `esbuild ${e} + Node ${n}`],
  c: [['gcc', '-dumpfullversion'], /^(\S+)/, (v) => `gcc ${v}`],
  cpp: [['g++', '-dumpfullversion'], /^(\S+)/, (v) => `g++ ${v}`],
  go: [['go', 'version'], /go version go(\S+)/, (v) => `go ${v}`],
  rust: [['rustc', '--version'], /rustc (\S+)/, (v) => `rustc ${v}`],
  java: [['java', '-version'], /version "([^"]+)"/, (v) => `OpenJDK ${v} (default-jdk-headless)`],
  ruby: [['ruby', '--version'], /ruby (\d+\.\d+\.\d+)/, (v) => v],
  php: [['php', '--version'], /PHP (\S+)/, (v) => `${v} (php-cli)`],
  perl: [['perl', '-e', 'print $^V'], /v(\S+)/, (v) => v],
  lua: [['lua5.4', '-v'], /Lua (\S+)/, (v) => v],
};

const docker = (args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inspect = (image) => JSON.parse(docker(['image', 'inspect', image]))[0];
const mb = (bytes) => `${Math.round(bytes / 1e6)} MB`;

const base = inspect(BASE);
const baseTop = base.RootFS.Layers.at(-1);
let total = base.Size;
const rows = new Map();
for (const [profile, [argv, re, cell]] of Object.entries(VERSION)) {
  const image = imageOf(profile);
  const info = inspect(image);
  // Both streams: java -version and busybox's usage print on stderr.
  const r = spawnSync('docker', ['run', '--rm', '--network', 'none', '--entrypoint', '', image, ...argv], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  const m = re.exec(out);
  if (!m) throw new Error(`${image}: no version in ${JSON.stringify(out.slice(0, 200))}`);
  rows.set(profile, { version: cell(...m.slice(1)), size: mb(info.Size) });
  total += info.RootFS.Layers.includes(baseTop) ? info.Size - base.Size : info.Size;
}

let text = fs.readFileSync(README, 'utf8');
const changes = [];
text = text.replace(/^\| ([^|]+) \| `([a-z]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/gm, (line, lang, profile, files, version, how, size) => {
  const r = rows.get(profile);
  if (!r) return line;
  const next = `| ${lang} | \`${profile}\` | ${files} | ${r.version} | ${how} | ${r.size} |`;
  if (next !== line) changes.push(`${profile}: ${version.trim()} / ${size.trim()} -> ${r.version} / ${r.size}`);
  return next;
});
const missing = [...rows.keys()].filter((p) => !text.includes(`| \`${p}\` |`));
if (missing.length) throw new Error(`README's table has no row for ${missing.join(', ')}`);
text = text.replace(/the shared `warmbox\/base:2` layer \(\d+ MB\),(\s+)stored once: all thirteen take about [0-9.]+ GB/, (s, ws) => {
  const next = `the shared \`warmbox/base:2\` layer (${mb(base.Size)}),${ws}stored once: all thirteen take about ${(total / 1e9).toFixed(1)} GB`;
  if (next !== s) changes.push(`disk: ${s.replace(/\s+/g, ' ')} -> ${next.replace(/\s+/g, ' ')}`);
  return next;
});
if (process.argv.includes('--write')) fs.writeFileSync(README, text);
process.stdout.write(changes.length ? `${changes.join('\n')}\n${process.argv.includes('--write') ? 'README.md updated' : 'run with --write to update README.md'}\n` : 'README.md\'s language table matches the images\n');
