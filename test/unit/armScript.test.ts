import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { armScript, containerCmd, encodeArm, encodeHeader, encodeProject, encodeStdin, encodeSync, shQuote } from '../../daemon/armScript';

describe('arm script and run framing', () => {
  it('quotes for sh so that any argument survives', () => {
    const args = ["it's", 'a b', '$(rm -rf /)', '`x`', '"q"', '\\', '', 'new\nline'];
    const out = execFileSync('sh', ['-c', `eval "set -- ${args.map(shQuote).join(' ').replace(/["\\$`]/g, '\\$&')}"; for a; do printf '<%s>' "$a"; done`], { encoding: 'utf8' });
    assert.equal(out, args.map((a) => `<${a}>`).join(''));
  });

  it('encodes the header with the secret, a meta block of quoted shell words and exact byte counts', () => {
    const code = Buffer.from('print("é")\n');
    const delta = Buffer.from('tar-bytes');
    const h = encodeHeader({ secret: 's3', nonce: 'n1', sync: 'y1', file: 'src/my main.py', cwd: 'src', env: { A: "it's" }, code, delta, deleted: ['old.py'], args: ['x y'], backstopS: 35 });
    const meta = `f='src/my main.py'; cwd='src'; wbenv=${shQuote(shQuote("A=it's"))}; wbc=; wbalen=0; set -- 'x y'\n`;
    const line = `WBRUN s3 n1 y1 ${Buffer.byteLength(meta)} ${code.length} ${delta.length} ${'old.py\n'.length} 0 0 35\n`;
    assert.equal(h.toString(), line + meta + code.toString() + 'tar-bytes' + 'old.py\n');
    // What PID 1 evaluates gives back exactly the words that went in.
    const out = execFileSync('sh', ['-c', `eval "$1"; eval "export $wbenv"; printf '<%s>' "$f" "$cwd" "$A" "$@"`, 'sh', meta], { encoding: 'utf8' });
    assert.equal(out, "<src/my main.py><src><it's><x y>");
    assert.equal(encodeArm('s3').toString(), 'WBARM s3\n');
    assert.equal(encodeSync('y1').toString(), '\nWBSYNC y1\n');
    assert.equal(Buffer.concat(encodeProject(null)).toString(), 'WBPROJ 0\n');
    assert.equal(Buffer.concat(encodeProject({ pieces: [Buffer.from('ab'), Buffer.from('c')], size: 3 })).toString(), 'WBPROJ 3\nabc');
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
