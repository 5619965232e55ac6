import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { armScript, containerCmd, encodeArm, encodeHeader, encodeProject, encodeStdin, encodeSync, INLINE_CODE_MAX, shQuote } from '../../daemon/armScript';

describe('arm script and run framing', () => {
  it('quotes for sh so that any argument survives', () => {
    const args = ["it's", 'a b', '$(rm -rf /)', '`x`', '"q"', '\\', '', 'new\nline'];
    const out = execFileSync('sh', ['-c', `eval "set -- ${args.map(shQuote).join(' ').replace(/["\\$`]/g, '\\$&')}"; for a; do printf '<%s>' "$a"; done`], { encoding: 'utf8' });
    assert.equal(out, args.map((a) => `<${a}>`).join(''));
  });

  it('encodes the header with the secret, a one-line meta block of quoted shell words and exact byte counts', () => {
    const code = Buffer.from('print("é")\n');
    const delta = Buffer.from('tar-bytes');
    const h = encodeHeader({ secret: 's3', nonce: 'n1', sync: 'y1', file: 'src/my main.py', cwd: 'src', env: { A: "it's" }, code, delta, deleted: ['old.py'], args: ['x y'], backstopS: 35 });
    // Without a build step the code rides in the meta line (no code bytes follow it).
    const meta = `f='src/my main.py'; cwd='src'; wbenv=${shQuote(shQuote("A=it's"))}; wbc=; wbalen=0; wbin=1; wbcode=$'print("é")\\n'; set -- 'x y'\n`;
    const line = `WBRUN s3 n1 y1 0 ${delta.length} ${'old.py\n'.length} 0 0 35 ${Buffer.byteLength(meta)}\n`;
    assert.equal(h.toString(), line + meta + 'tar-bytes' + 'old.py\n');
    // Code a shell word cannot hold (a NUL) or too long for one, and code to build, follow the meta line as bytes.
    for (const [c, build] of [[Buffer.from('a\0b'), undefined], [Buffer.alloc(INLINE_CODE_MAX + 1, 'x'), undefined], [Buffer.from('int main;'), { mode: 'have' as const }]] as const) {
      const t = encodeHeader({ secret: 's', nonce: 'n', sync: 'y', file: 'm', cwd: '.', env: {}, code: c, args: [], backstopS: 5, build });
      const first = t.subarray(0, t.indexOf(10)).toString().split(' ');
      assert.equal(Number(first[4]), c.length);
      assert.ok(!t.includes('wbin=1'));
      assert.ok(t.subarray(t.length - c.length).equals(c));
    }
    assert.equal(encodeArm('s3').toString(), 'WBARM s3\n');
    assert.equal(encodeSync('y1').toString(), '\nWBSYNC y1\n');
    assert.equal(Buffer.concat(encodeProject(null)).toString(), 'WBPROJ 0 2\n');
    assert.equal(Buffer.concat(encodeProject(null, true)).toString(), 'WBPROJ 0 1\n');
    assert.equal(Buffer.concat(encodeProject({ pieces: [Buffer.from('ab'), Buffer.from('c')], size: 3 })).toString(), 'WBPROJ 3 2\nabc');
  });

  it('keeps the meta block on one line that busybox sh reads back into exactly the words that went in', function () {
    // PID 1's shell is busybox's (dash has no $'...'): the one the images carry, installed on the host by images/build.sh.
    const bb = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
    if (!bb) return this.skip();
    const args = ['x y', 'new\nline', "it's\n", 'back\\slash\r\n', '$(id)`id`', '', '\\', "\\'\n"];
    const env = { A: "it's", B: 'two\nlines \\n' };
    const code = "#!/usr/bin/env python3\r\nprint('it\\'s', \"\\\\n\", $'x', `y`)\n\tü\x1e\n\n";
    const h = encodeHeader({ secret: 's', nonce: 'n', sync: 'y', file: 'dir/a\nb.py', cwd: 'dir', env, code: Buffer.from(code), args, backstopS: 5 }).toString();
    const lines = h.split('\n');
    const meta = h.slice(lines[0].length + 1);
    assert.equal(meta.indexOf('\n'), meta.length - 1, 'one line');
    const out = execFileSync(bb, ['sh', '-c', `read -r m; eval "$m"; eval "export $wbenv"; printf '<%s>' "$f" "$cwd" "$A" "$B" "$wbcode" "$@"`], { input: meta });
    assert.equal(out.toString(), ['dir/a\nb.py', 'dir', env.A, env.B, code, ...args].map((a) => `<${a}>`).join(''));
  });

  it('frames stdin by length, and an empty frame is EOF', () => {
    assert.equal(encodeStdin(Buffer.from('hi\n')).toString(), '3\nhi\n');
    assert.equal(encodeStdin(null).toString(), '0\n');
    assert.equal(encodeStdin(Buffer.alloc(0)).toString(), '0\n');
  });

  it('is valid sh for both isolation modes, and runs the program as the sandbox uid', () => {
    for (const isolation of ['fresh', 'reuse'] as const) {
      const script = armScript({ command: ['python3', '{file}'], health: ['python3', '-c', 'print("HEALTH_OK")'], isolation, uid: 12345678 });
      execFileSync('sh', ['-n', '-c', script]);
      assert.match(script, /timeout -s KILL "\$tmo" \$bb nsenter -F -S 12345678 -G 12345678 -- "\$prog" "\/work\/\$f"/);
      assert.match(script, /resolve 'python3'; prog=\$r/);
      assert.equal(script.includes('rm -rf /work/*'), isolation === 'reuse');
      assert.equal(script.includes('WBSYNC'), isolation === 'reuse');
    }
    const cmd = containerCmd('echo hi');
    assert.deepEqual(cmd.slice(0, 3), ['/opt/warmbox/busybox', 'sh', '-c']);
    assert.equal(cmd[cmd.length - 1], 'echo hi');
  });
});
