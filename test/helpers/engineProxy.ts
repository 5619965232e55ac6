// A proxy in front of the Docker socket that can hold new engine requests (as a hung engine would) and let them go
// later. Streams already open (attach, events) keep flowing; only requests that start while holding wait.
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface EngineProxy {
  /** Where to point DOCKER_HOST (unix://…). */
  socketPath: string;
  /** From now on, new requests whose request line matches wait until release(). */
  hold(match?: RegExp): void;
  /** Sends what was held, in order, and stops holding. */
  release(): void;
  /** Requests held so far (since the last hold()). */
  held: number;
  close(): Promise<void>;
}

const REQUEST_LINE = /^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/;

export async function startEngineProxy(upstream = '/var/run/docker.sock'): Promise<EngineProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbproxy-'));
  const socketPath = path.join(dir, 'docker.sock');
  let holding: RegExp | null = null;
  const waiting = new Set<{ flush(): void }>();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const up = net.connect(upstream);
    sockets.add(client).add(up);
    let queue: Buffer[] | null = null;
    const entry = {
      flush: () => {
        if (!queue) return;
        for (const b of queue) up.write(b);
        queue = null;
        client.resume();
      },
    };
    client.on('data', (chunk: Buffer) => {
      if (queue) {
        queue.push(chunk);
        return;
      }
      const line = REQUEST_LINE.exec(chunk.toString('latin1', 0, 300));
      if (holding && line && holding.test(`${line[1]} ${line[2]}`)) {
        queue = [chunk];
        proxy.held++;
        client.pause();
        waiting.add(entry);
        return;
      }
      up.write(chunk);
    });
    up.on('data', (d: Buffer) => client.write(d));
    const end = () => {
      waiting.delete(entry);
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((r) => server.listen(socketPath, () => r()));

  const proxy: EngineProxy = {
    socketPath,
    held: 0,
    hold(match = /./) {
      holding = match;
      proxy.held = 0;
    },
    release() {
      holding = null;
      for (const w of [...waiting]) w.flush();
      waiting.clear();
    },
    async close() {
      proxy.release();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return proxy;
}
