// ssh:// engines the way the Docker CLI reaches them: the system's `ssh` runs `docker system dial-stdio` on the
// remote host, and each HTTP connection to the engine is that process's stdin/stdout.
// Why the ssh binary and not ssh2 (dockerode's built-in ssh): it honours ~/.ssh/config, known_hosts, agents,
// ProxyJump and keys as the user's own `docker -H ssh://…` does, and host keys are verified (ssh2 accepts any).
// One master connection per engine (ControlMaster) makes each further request a channel, not a new handshake.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as http from 'http';
import { Duplex } from 'stream';
import type { ParsedHost } from './endpoint';

export interface SshOptions {
  /** Folder for the ControlMaster socket (private to the user). */
  controlDir?: string;
  /** Extra ssh config file (WARMBOX_SSH_CONFIG), e.g. for a key or port of its own. */
  configFile?: string;
}

export function sshArgs(h: ParsedHost, o: SshOptions): string[] {
  const args = ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=15'];
  if (o.configFile) args.unshift('-F', o.configFile);
  if (o.controlDir) args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${o.controlDir}/ssh-%C`, '-o', 'ControlPersist=60');
  if (h.port) args.push('-p', String(h.port));
  if (h.user) args.push('-l', h.user);
  args.push('--', h.hostname!, 'docker', 'system', 'dial-stdio');
  return args;
}

/** Ends the shared master connection (a clean daemon shutdown); a SIGKILLed daemon's master ends after ControlPersist. */
export function closeSshMaster(h: ParsedHost, o: SshOptions): void {
  if (!o.controlDir) return;
  const args = ['-o', `ControlPath=${o.controlDir}/ssh-%C`, '-O', 'exit'];
  if (o.configFile) args.unshift('-F', o.configFile);
  if (h.port) args.push('-p', String(h.port));
  if (h.user) args.push('-l', h.user);
  spawnSync('ssh', [...args, h.hostname!], { stdio: 'ignore', timeout: 5000 });
}

/** A Duplex over a child's stdin/stdout, with the socket methods Node's HTTP client may call. */
class ProcessSocket extends Duplex {
  private stderr = '';
  constructor(private readonly child: ChildProcess) {
    super();
    child.stdout!.on('data', (d: Buffer) => {
      if (!this.push(d)) child.stdout!.pause();
    });
    child.stdout!.on('end', () => this.push(null));
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-500)));
    child.on('error', (e) => this.destroy(e));
    child.on('exit', (code) => {
      if (code && !this.destroyed) {
        const msg = this.stderr.trim().split('\n').pop() || `ssh exited with ${code}`;
        this.destroy(Object.assign(new Error(`ssh: ${msg}`), { code: 'ECONNREFUSED' }));
      }
    });
    child.stdin!.on('error', () => undefined);
  }
  override _read(): void {
    this.child.stdout!.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.child.stdin!.write(chunk, cb);
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.child.stdin!.end(cb);
  }
  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.child.stdin!.destroy();
    if (this.child.exitCode === null) this.child.kill();
    cb(err);
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** An HTTP agent whose every connection is `ssh … docker system dial-stdio`. */
export function sshAgent(h: ParsedHost, o: SshOptions): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
    const child = spawn('ssh', sshArgs(h, o), { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    return new ProcessSocket(child);
  };
  return agent;
}
