import { strict as assert } from 'assert';
import * as crypto from 'crypto';
import { MarkerScanner } from '../../daemon/markerScanner';
import { Demuxer } from '../../daemon/demux';

function split(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  let k = 0;
  while (i < buf.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('MarkerScanner', () => {
  const marker = Buffer.from('\nabc123 ');

  it('passes everything before the marker and returns what follows, for any chunking', () => {
    const body = Buffer.from('line one\nline two\n\nabc12 not it\n');
    const stream = Buffer.concat([body, marker, Buffer.from('0 0\nREST')]);
    for (let trial = 0; trial < 200; trial++) {
      const sizes = Array.from({ length: 5 }, () => 1 + crypto.randomInt(12));
      const got: Buffer[] = [];
      const s = new MarkerScanner(marker, (d) => got.push(Buffer.from(d)));
      let rest: Buffer[] = [];
      for (const c of split(stream, sizes)) {
        const r = s.push(c);
        if (r !== null) rest.push(Buffer.from(r));
      }
      assert.deepEqual(Buffer.concat(got), body, `sizes ${sizes}`);
      assert.equal(Buffer.concat(rest).toString(), '0 0\nREST');
      assert.ok(s.done);
    }
  });

  it('holds back only a tail that could start the marker, and flushes it when the stream ends', () => {
    const got: string[] = [];
    const s = new MarkerScanner(marker, (d) => got.push(d.toString()));
    assert.equal(s.push(Buffer.from('hello\nab')), null);
    assert.deepEqual(got, ['hello']);
    assert.equal(s.push(Buffer.from('x')), null);
    assert.deepEqual(got, ['hello', '\nabx']);
    s.push(Buffer.from('\n'));
    s.flush();
    assert.equal(got.join(''), 'hello\nabx\n');
  });

  it('does not take a marker with another nonce for the end', () => {
    const got: Buffer[] = [];
    const s = new MarkerScanner(marker, (d) => got.push(d));
    assert.equal(s.push(Buffer.from('\nabc124 0 0\n\nABC123 1 0\n')), null);
    s.flush();
    assert.equal(Buffer.concat(got).toString(), '\nabc124 0 0\n\nABC123 1 0\n');
  });
});

describe('Demuxer', () => {
  it('splits Docker frames into stdout and stderr across chunk boundaries', () => {
    const frame = (t: number, s: string) => {
      const b = Buffer.from(s);
      const h = Buffer.alloc(8);
      h[0] = t;
      h.writeUInt32BE(b.length, 4);
      return Buffer.concat([h, b]);
    };
    const stream = Buffer.concat([frame(1, 'out1'), frame(2, 'err1'), frame(1, ''), frame(1, 'out2'.repeat(1000))]);
    for (const size of [1, 3, 7, 8, 9, 100, 5000]) {
      const got: [string, string][] = [];
      const d = new Demuxer((k, data) => got.push([k, data.toString()]));
      for (const c of split(stream, [size])) d.push(c);
      const out = got.filter(([k]) => k === 'stdout').map(([, v]) => v).join('');
      const err = got.filter(([k]) => k === 'stderr').map(([, v]) => v).join('');
      assert.equal(out, 'out1' + 'out2'.repeat(1000));
      assert.equal(err, 'err1');
    }
  });
});
