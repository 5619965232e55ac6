import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { armScript, encodeBuild, encodeHeader } from '../../../daemon/armScript';
import { buildConfig } from '../../../daemon/config';
import { builtinImage, builtinProfiles } from '../../../daemon/profiles';
import { classifyDockerError } from '../../../daemon/docker';
import { BuildCache, cacheKey } from '../../../daemon/languages/buildCache';
import { CompileFrame } from '../../../daemon/languages/compileFrame';
import { placeholderName, shellArg } from '../../../daemon/languages/placeholders';
import { resolveProfileFor, shebangInterpreter } from '../../../daemon/languages/resolve';
import { silentLogger } from '../../../daemon/log';

describe('languages: placeholders', () => {
  it('expands {file} {dir} {name} {out} anywhere inside an argument and nothing else', () => {
    const words = ['{file}', '-o{out}/{name}.bin', '--in={dir}/x y', 'lit $HOME `id` "q" \\', '{nope}'];
    const script = `f='src/a b.c'; wbfile=/work/$f; wbdir=\${wbfile%/*}; wbname=\${wbfile##*/}; wbname=\${wbname%.*}; wbout=/build/out; printf '<%s>' ${words.map(shellArg).join(' ')}`;
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    assert.equal(out, '</work/src/a b.c><-o/build/out/a b.bin><--in=/work/src/x y><lit $HOME `id` "q" \\><{nope}>');
  });

  it('knows {name} as PID 1 makes it (the class a pre-started JVM waits for), for every shape of file name', () => {
    for (const f of ['Main.java', 'src/app/Greeter.java', 'a.b.java', 'noext', 'dir.x/plain', '.hidden']) {
      const sh = execFileSync('sh', ['-c', 'f=$1; wbfile=/work/$f; wbname=${wbfile##*/}; printf %s "${wbname%.*}"', 'sh', f], { encoding: 'utf8' });
      assert.equal(placeholderName(f), sh, f);
    }
  });

  it('gives compiled profiles a compile phase in valid sh, and user profiles may declare one', () => {
    const c = buildConfig({ profiles: { zig: { image: 'zig:1', compile: ['zig', 'build-exe', '-femit-bin={out}/{name}', '{file}'], command: ['{out}/{name}'], extensions: ['.zig'] } } }, {});
    for (const name of ['c', 'go', 'java', 'typescript', 'zig']) {
      const p = c.profiles.get(name)!;
      for (const isolation of ['fresh', 'reuse'] as const) {
        const s = armScript({ command: p.command, compile: p.compile, health: p.health, isolation, uid: 4242 });
        execFileSync('sh', ['-n', '-c', s]);
        assert.match(s, /compile \|\| \{/);
        assert.match(s, /cprog=\$r/);
      }
    }
    assert.deepEqual(c.profiles.get('zig')!.compile, ['zig', 'build-exe', '-femit-bin={out}/{name}', '{file}']);
  });

  it('carries the build step in the meta block and a cached artifact after the deleted paths', () => {
    const art = Buffer.from('ARTIFACT');
    const h = encodeHeader({ secret: 's', nonce: 'n', sync: 'y', file: 'm.c', cwd: '.', env: {}, code: Buffer.from('C'), args: [], backstopS: 5, build: { mode: 'hit', artifact: art } });
    assert.ok(h.toString().includes('wbc=hit; wbalen=8;'));
    assert.ok(h.subarray(h.length - 8).equals(art));
    const b = encodeHeader({ secret: 's', nonce: 'n', sync: 'y', file: 'm.c', cwd: '.', env: {}, code: Buffer.from('C'), args: [], backstopS: 5, build: { mode: 'build', timeoutS: 30, maxArtifactBytes: 99 } });
    assert.ok(b.toString().includes('wbc=build; wbctmo=30; wbamax=99; wbalen=0;'));
  });
});

describe('languages: compile report framing', () => {
  it('parses the report split anywhere and hands back what follows', () => {
    const whole = Buffer.concat([Buffer.from('WBC n1 0 5 3 0\nmsgs!tar'), Buffer.from('program output')]);
    for (let cut = 1; cut < whole.length; cut++) {
      const f = new CompileFrame('n1', 100);
      const r1 = f.push(whole.subarray(0, cut));
      const rest = r1 === null ? f.push(whole.subarray(cut)) : Buffer.concat([r1, whole.subarray(cut)]);
      assert.ok(f.done);
      assert.equal(f.report!.messages, 'msgs!');
      assert.equal(f.report!.artifact!.toString(), 'tar');
      assert.equal(rest!.toString(), 'program output');
    }
  });

  it('refuses a report with another nonce, or sizes past the caps', () => {
    assert.throws(() => new CompileFrame('n1', 100).push(Buffer.from('WBC n2 0 0 0 0\n')), /malformed/);
    assert.throws(() => new CompileFrame('n1', 100).push(Buffer.from('WBC n1 0 0 101 0\n')), /out of bounds/);
    assert.throws(() => new CompileFrame('n1', 100).push(Buffer.alloc(300, 'x')), /malformed/);
  });
});

describe('languages: build cache', () => {
  const c = buildConfig({}, {});
  const gcc = c.profiles.get('c')!;
  const src = { file: 'main.c', cwd: '.', code: Buffer.from('int main(){}') };

  it('keys on the sources, the image id and the compile command', () => {
    const k = cacheKey(gcc, 'sha256:a', src);
    assert.equal(cacheKey(gcc, 'sha256:a', { ...src }), k);
    assert.notEqual(cacheKey(gcc, 'sha256:b', src), k);
    assert.notEqual(cacheKey(gcc, 'sha256:a', { ...src, code: Buffer.from('int main(){ }') }), k);
    assert.notEqual(cacheKey({ ...gcc, compile: [...gcc.compile!, '-g'] }, 'sha256:a', src), k);
    assert.notEqual(cacheKey(gcc, 'sha256:a', { ...src, overlays: { 'x.h': '#define X' } }), k);
  });

  it('survives a restart, evicts the least recently used past its cap, and keeps its folder private', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbcache-'));
    try {
      const key = (i: number) => String(i).repeat(64).slice(0, 64);
      const a = new BuildCache(path.join(dir, 'c'), 250, silentLogger);
      await a.put(key(1), Buffer.alloc(100, 1));
      await a.put(key(2), Buffer.alloc(100, 2));
      assert.equal((await a.get(key(1)))![0], 1); // 1 is now the most recently used
      await a.put(key(3), Buffer.alloc(100, 3)); // 300 > 250: the least recently used (2) goes
      assert.equal(await a.get(key(2)), undefined);
      assert.equal(fs.statSync(path.join(dir, 'c')).mode & 0o777, 0o700);
      const b = new BuildCache(path.join(dir, 'c'), 250, silentLogger);
      assert.equal(b.count, 2);
      assert.equal((await b.get(key(3)))![0], 3);
      assert.equal((await b.get(key(1)))![0], 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('languages: choosing the profile', () => {
  const profiles = [...buildConfig({}, {}).profiles.values()];
  it('reads shebangs, env -S included', () => {
    assert.equal(shebangInterpreter('#!/usr/bin/env python3'), 'python3');
    assert.equal(shebangInterpreter('#!/usr/bin/env -S node --no-warnings'), 'node');
    assert.equal(shebangInterpreter('#! /bin/bash -e'), 'bash');
    assert.equal(shebangInterpreter('print(1)'), undefined);
  });
  it('prefers the extension, then the language id, then the shebang', () => {
    assert.deepEqual(resolveProfileFor(profiles, { fileName: 'a.py', languageId: 'ruby', firstLine: '#!/usr/bin/env node' }), { profile: 'python', by: 'extension' });
    assert.deepEqual(resolveProfileFor(profiles, { fileName: 'Untitled-1', languageId: 'go' }), { profile: 'go', by: 'languageId' });
    assert.deepEqual(resolveProfileFor(profiles, { fileName: 'run', firstLine: '#!/usr/bin/python3.11' }), { profile: 'python', by: 'shebang' });
    assert.deepEqual(resolveProfileFor(profiles, { fileName: 'x.lua' }), { profile: 'lua', by: 'extension' });
    const r = resolveProfileFor(profiles, { fileName: 'x.txt', languageId: 'plaintext' });
    assert.ok('error' in r && r.error.includes('"x.txt"') && r.error.includes('known: python, node'));
  });
});

describe('languages: a missing image', () => {
  it("names the command that builds just that language's image", () => {
    const e = classifyDockerError({ statusCode: 404, message: 'No such image: warmbox/go:2' }, { where: 'unix:///x', image: 'warmbox/go:2' });
    assert.equal(e.reason, 'image-missing');
    assert.match(e.message, /`npm run images go`/);
    const other = classifyDockerError({ statusCode: 404, message: 'No such image' }, { where: 'unix:///x', image: 'ruby:3' });
    assert.match(other.message, /`npm run images`/);
  });
});

describe('languages: image tags', () => {
  it("tags each built-in language's image as images/build.sh builds it (image_version)", () => {
    const sh = path.join(__dirname, '../../../../images/build.sh');
    for (const p of builtinProfiles()) {
      if (p.name === 'shell' || !fs.existsSync(path.join(path.dirname(sh), p.name))) continue;
      const v = execFileSync('bash', ['-c', `eval "$(sed -n '/^version=/p;/^image_version()/p' "$0")"; image_version "$1"`, sh, p.name], { encoding: 'utf8' }).trim();
      assert.equal(p.image, `warmbox/${p.name}:${v}`, p.name);
    }
    assert.equal(builtinImage('java'), 'warmbox/java:3');
  });

  it("arms a compiled language's sandbox with its latest build and the build's {name}, as one safe word", () => {
    const art = Buffer.from('tar');
    assert.equal(Buffer.concat(encodeBuild({ artifact: art, name: 'Main' })).toString(), 'WBART 3 Main\ntar');
    assert.equal(Buffer.concat(encodeBuild({ artifact: art, name: 'a b; rm' })).toString(), 'WBART 3\ntar');
    assert.equal(Buffer.concat(encodeBuild(undefined)).toString(), 'WBART 0\n');
  });
});
