// Docker's errors turned into outcomes a user can act on. Finding and connecting to the engine: engine/.
import { unreachableMessage } from './engine';
import { isMissingRuntime, missingRuntimeMessage } from './engine/runtime';
import type { InfraReason } from './protocol';

export class InfraError extends Error {
  constructor(
    readonly reason: InfraReason,
    message: string,
  ) {
    super(message);
  }
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; errno?: string };
  return !!e && (UNREACHABLE_CODES.has(e.code ?? '') || UNREACHABLE_CODES.has(e.errno ?? ''));
}

/** Names what went wrong: Docker down, image missing, or Docker's own message. */
export function classifyDockerError(err: unknown, ctx: { where: string; image?: string; runtime?: string }): InfraError {
  if (err instanceof InfraError) return err;
  const e = err as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (isUnreachable(err)) {
    const why = e.code === 'EACCES' ? 'permission denied' : /^ssh: /.test(e.message ?? '') ? e.message! : '';
    const how = why ? ` (${why})` : '';
    const known = unreachableMessage(ctx.where, why);
    return new InfraError('docker-unreachable', known ?? `Docker is not reachable at ${ctx.where}${how}. Start it (e.g. \`sudo systemctl start docker\`, or open Docker Desktop) and try again.`);
  }
  const msg = (e?.json?.message ?? e?.message ?? String(err)).trim();
  if (ctx.runtime && isMissingRuntime(msg)) return new InfraError('runtime-missing', missingRuntimeMessage(ctx.runtime, ctx.where));
  if (ctx.image && (e?.statusCode === 404 || /no such image/i.test(msg))) {
    // warmbox's own images are built by name (a language's first use needs only its own image, ~10-60 s).
    const own = /^warmbox\/([a-z0-9-]+):\d+$/.exec(ctx.image)?.[1];
    const args = own ? ` ${own}` : '';
    return new InfraError(
      'image-missing',
      `The sandbox image ${ctx.image} is missing. Build it with \`npm run images${args}\` (or \`bash images/build.sh${args}\`) in the warmbox folder.`,
    );
  }
  return new InfraError('docker-error', `Docker refused: ${msg.replace(/^\(HTTP code \d+\) [^-]*- /, '')}`);
}

/**
 * Bounds an engine call the pool waits on: a hung engine must never stall maintenance or a run for good.
 * The call itself is not aborted (dockerode has no per-call cancel); its late result is ignored.
 */
export function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InfraError('docker-error', `Docker did not answer ${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
