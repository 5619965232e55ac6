// The client's handshake against a socket that accepts but never answers (a stopped or hung daemon): a clear error
// within the timeout, not a wait forever. No engine needed.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { DaemonClient, DaemonTimeoutError } from '../../daemon/client';
import { runtimePaths } from '../../daemon/socketPath';

describe('client handshake', () => {
  it('names a daemon that accepts the connection but does not answer, within the timeout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbsilent-'));
    const env = { ...process.env, WARMBOX_RUNTIME_DIR: dir };
    const { socket } = runtimePaths(env);
    let gone!: Promise<void>;
    // Reads (and ignores) what comes, like a process that is stopped after accepting: only the close is watched.
    const server = net.createServer((s) => (gone = new Promise((r) => s.resume().once('close', () => r()))));
    await new Promise<void>((r) => server.listen(socket, () => r()));
    try {
      const t0 = Date.now();
      const err = await DaemonClient.connect({ client: 'test', env, spawn: false, helloTimeoutMs: 300 }).then(
        () => null,
        (e: Error) => e,
      );
      const ms = Date.now() - t0;
      assert.ok(err instanceof DaemonTimeoutError, String(err));
      assert.match(err.message, /accepted the connection on .* but did not answer within 0\.3 s: it may be stopped or hung/);
      assert.ok(ms < 2000, `took ${ms} ms`);
      await gone; // the connection it gave up on is closed, not left open
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
