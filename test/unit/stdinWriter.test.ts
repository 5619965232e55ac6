// The CLI's stdin forwarding: a window of unanswered run/stdin requests, so a fast source waits for the program.
import { strict as assert } from 'assert';
import { PassThrough, pipeline } from 'stream';
import { STDIN_REQUEST_BYTES, stdinWriter } from '../../daemon/stdinWriter';

/** A fake daemon: each request stays unanswered until the test answers it. */
function fakeDaemon() {
  const calls: { kind: 'data' | 'eof'; bytes?: Buffer; answer(err?: Error): void }[] = [];
  const request = (kind: 'data' | 'eof', bytes?: Buffer) =>
    new Promise<void>((resolve, reject) => calls.push({ kind, bytes, answer: (err) => (err ? reject(err) : resolve()) }));
  return { calls, sender: { data: (b: Buffer) => request('data', b), eof: () => request('eof') } };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('stdin writer (run/stdin window)', () => {
  it('keeps at most 4 requests unanswered and holds its source meanwhile; EOF comes last', async () => {
    const { calls, sender } = fakeDaemon();
    const source = new PassThrough({ highWaterMark: 1024 });
    const done = new Promise<Error | null | undefined>((r) => pipeline(source, stdinWriter(sender), (err) => r(err)));
    let accepted = 0;
    for (let i = 0; i < 50; i++) if (source.write(Buffer.alloc(16 * 1024, i))) accepted++;
    source.end();
    await tick();
    assert.equal(calls.length, 4, 'four requests go out, then the window is full');
    assert.ok(accepted < 50, 'the source was told to wait');
    let answered = 0;
    while (answered < calls.length) {
      assert.ok(calls.length - answered <= 4, `${calls.length - answered} unanswered`);
      calls[answered++].answer();
      await tick();
    }
    assert.equal(await done, undefined);
    const data = calls.filter((c) => c.kind === 'data');
    assert.equal(data.length, 50);
    assert.ok(data.every((c, i) => c.bytes!.length === 16 * 1024 && c.bytes![0] === i), 'in order, byte-exact');
    assert.equal(calls[calls.length - 1].kind, 'eof');
  });

  it('splits a large write into requests the daemon accepts', async () => {
    const { calls, sender } = fakeDaemon();
    const w = stdinWriter(sender);
    w.write(Buffer.alloc(2 * STDIN_REQUEST_BYTES + 10));
    await tick();
    assert.deepEqual(calls.map((c) => c.bytes!.length), [STDIN_REQUEST_BYTES, STDIN_REQUEST_BYTES, 10]);
  });

  it('stops on a refused request (the run ended) and says so to its pipeline', async () => {
    const { calls, sender } = fakeDaemon();
    const source = new PassThrough();
    const done = new Promise<Error | null | undefined>((r) => pipeline(source, stdinWriter(sender), (err) => r(err)));
    source.write('a');
    await tick();
    calls[0].answer(new Error('no live run x'));
    const err = await done;
    assert.match(String(err), /no live run x/);
    assert.ok(source.destroyed, 'the source is not read any further');
  });
});
