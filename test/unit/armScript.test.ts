import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { armScript, encodeHeader, encodeStdin, shQuote, containerCmd } from '../../daemon/armScript';

describe('arm script and run framing', () => {
  it('quotes for sh so that any argument survives', () => {
    const args = ["it's", 'a b', '$(rm -rf /)', '`x`', '"q"', '\\', '', 'new\nline'];
    const out = execFileSync('sh', ['-c', `eval "set -- ${args.map(shQuote).join(' ').replace(/["\\$`]/g, '\\$&')}"; for a; do printf '<%s>' "$a"; done`], { encoding: 'utf8' });
    assert.equal(out, args.map((a) => `<${a}>`).join(''));
  });

  it('encodes the header with exact byte counts', () => {
    const code = Buffer.from('print("é")\n');
    const h = encodeHeader({ nonce: 'n1', fileName: 'main.py', code, args: ['x y'], backstopS: 35 });
    const text = h.toString();
    assert.ok(text.startsWith(`\nWBRUN n1 main.py ${code.length} ${"'x y'".length} 35\n`));
    assert.ok(h.subarray(h.length - 5).equals(Buffer.from("'x y'")));
  });

  it('frames stdin by length, and an empty frame is EOF', () => {
    assert.equal(encodeStdin(Buffer.from('hi\n')).toString(), '3\nhi\n');
    assert.equal(encodeStdin(null).toString(), '0\n');
    assert.equal(encodeStdin(Buffer.alloc(0)).toString(), '0\n');
  });

  it('is valid sh for both isolation modes', () => {
    for (const isolation of ['fresh', 'reuse'] as const) {
      const script = armScript({ command: ['python3', '{file}'], health: ['python3', '-c', 'print("HEALTH_OK")'], isolation });
      execFileSync('sh', ['-n', '-c', script]);
      assert.match(script, /"\/work\/\$f"/);
      assert.equal(script.includes('rm -rf /work/*'), isolation === 'reuse');
    }
    const cmd = containerCmd('echo hi');
    assert.equal(cmd[0], '/bin/sh');
    assert.equal(cmd[cmd.length - 1], 'echo hi');
  });
});
