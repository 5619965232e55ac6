// Attaching to a container's stdio with no request body. dockerode sends its options as a JSON body too; Docker
// ignores it, but Podman hands every byte after the request headers to the container's stdin — PID 1 would read
// `{"stream":true,…}` (or a chunked-encoding trailer) as its first line. An empty Buffer body gives
// `Content-Length: 0` and flushes the headers, and the connection stays open for stdin.
import type Docker from 'dockerode';
import type { Duplex } from 'stream';

interface Modem {
  dial(opts: object, cb: (err: Error | null, stream: Duplex) => void): void;
}

export function attachStdio(docker: Docker, id: string): Promise<Duplex> {
  const modem = (docker as unknown as { modem: Modem }).modem;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: `/containers/${id}/attach?`,
        method: 'POST',
        options: { _query: { stream: true, stdin: true, stdout: true, stderr: true } },
        file: Buffer.alloc(0),
        isStream: true,
        hijack: true,
        openStdin: true,
        statusCodes: { 101: true, 200: true, 404: 'no such container', 409: 'container is not running', 500: 'server error' },
      },
      (err, stream) => (err ? reject(err) : resolve(stream)),
    );
  });
}
