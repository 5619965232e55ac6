// A dockerode client for one endpoint. Every connection option is given explicitly: docker-modem otherwise merges in
// DOCKER_HOST / DOCKER_CERT_PATH from the environment, which would let an ambient variable override the engine the
// resolution chose.
import Docker from 'dockerode';
import * as fs from 'fs';
import { Endpoint, EndpointError, parseHost } from './endpoint';
import { sshAgent, SshOptions } from './sshAgent';

function readPem(file: string | undefined, what: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new EndpointError(`cannot read the TLS ${what} ${file}: ${(e as Error).message}`);
  }
}

export function dockerFor(ep: Endpoint, ssh: SshOptions = {}): Docker {
  const h = parseHost(ep.host);
  const none = { host: undefined, port: undefined, socketPath: undefined, ca: undefined, cert: undefined, key: undefined, protocol: undefined, sshOptions: undefined };
  switch (h.transport) {
    case 'unix':
    case 'npipe':
      return new Docker({ ...none, socketPath: h.path } as Docker.DockerOptions);
    case 'ssh':
      // Plain HTTP over the ssh channel: the agent makes each connection.
      return new Docker({ ...none, protocol: 'http', host: 'docker', port: 80, agent: sshAgent(h, ssh) } as unknown as Docker.DockerOptions);
    case 'tcp': {
      const tls = ep.tls;
      if (!tls) return new Docker({ ...none, protocol: 'http', host: h.hostname, port: h.port ?? 2375 } as Docker.DockerOptions);
      const opts = {
        ...none,
        protocol: 'https',
        host: h.hostname,
        port: h.port ?? 2376,
        ca: readPem(tls.ca, 'CA'),
        cert: readPem(tls.cert, 'certificate'),
        key: readPem(tls.key, 'key'),
      } as Docker.DockerOptions & { agent?: unknown };
      // DOCKER_TLS without verification: encrypted, the engine's certificate not checked (as the Docker CLI does).
      if (!tls.verify) (opts as { agent?: unknown }).agent = new (require('https').Agent)({ rejectUnauthorized: false, ca: opts.ca, cert: opts.cert, key: opts.key });
      return new Docker(opts);
    }
  }
}
