// Checks of what clients send: a bad request gets an InvalidParams error naming the field, and nothing else happens.
import { JSONRPCErrorException } from 'json-rpc-2.0';
import { ErrorCodes, IsolationMode, MAX_CODE_BYTES, RunStartParams, RunStdinParams, ConfigOverrides } from './protocol';

export { MAX_CODE_BYTES };

export function invalid(message: string): JSONRPCErrorException {
  return new JSONRPCErrorException(message, ErrorCodes.InvalidParams);
}

function object(v: unknown, what = 'params'): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function optString(o: Record<string, unknown>, k: string, max = 1024): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${k} must be a string`);
  if (v.length > max) throw invalid(`${k} is longer than ${max} characters`);
  return v;
}

function optNumber(o: Record<string, unknown>, k: string, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw invalid(`${k} must be a number from ${min} to ${max}`);
  return v;
}

function optBool(o: Record<string, unknown>, k: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${k} must be true or false`);
  return v;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function optBase64(o: Record<string, unknown>, k: string, max: number): string | undefined {
  const v = optString(o, k, Math.ceil((max * 4) / 3) + 4);
  if (v !== undefined && !BASE64.test(v)) throw invalid(`${k} must be base64`);
  return v;
}

function optIsolation(o: Record<string, unknown>, k: string): IsolationMode | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (v !== 'fresh' && v !== 'reuse') throw invalid(`${k} must be "fresh" or "reuse"`);
  return v;
}

export function runStartParams(raw: unknown): RunStartParams {
  const o = object(raw);
  const profile = optString(o, 'profile', 64);
  if (!profile) throw invalid('profile is required (e.g. "python")');
  const code = o.code;
  if (typeof code !== 'string') throw invalid('code must be a string (the program text)');
  if (Buffer.byteLength(code) > MAX_CODE_BYTES) throw invalid(`code is larger than ${MAX_CODE_BYTES / 1024 / 1024} MiB`);
  let args: string[] | undefined;
  if (o.args !== undefined && o.args !== null) {
    if (!Array.isArray(o.args) || o.args.length > 256 || o.args.some((a) => typeof a !== 'string' || a.includes('\0') || a.length > 4096)) {
      throw invalid('args must be an array of at most 256 strings without NUL characters');
    }
    args = o.args as string[];
  }
  const runId = optString(o, 'runId', 64);
  if (runId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw invalid('runId must be 1-64 letters, digits, - or _');
  return {
    runId,
    profile,
    code,
    fileName: optString(o, 'fileName', 255),
    args,
    stdin: optBase64(o, 'stdin', MAX_CODE_BYTES),
    stdinOpen: optBool(o, 'stdinOpen'),
    timeoutMs: optNumber(o, 'timeoutMs', 100, 24 * 3600_000),
    isolation: optIsolation(o, 'isolation'),
  };
}

export function runStdinParams(raw: unknown): RunStdinParams {
  const o = object(raw);
  const runId = optString(o, 'runId', 64);
  if (!runId) throw invalid('runId is required');
  return { runId, data: optBase64(o, 'data', 4 * 1024 * 1024), eof: optBool(o, 'eof') };
}

export function runIdParam(raw: unknown): string {
  const runId = optString(object(raw), 'runId', 64);
  if (!runId) throw invalid('runId is required');
  return runId;
}

export function containerIdParam(raw: unknown): string {
  const id = optString(object(raw), 'id', 64);
  if (!id || !/^[0-9a-f]{4,64}$/.test(id)) throw invalid('id must be a container id (hex)');
  return id;
}

export function helloParams(raw: unknown): { client: string; protocolVersion: number } {
  const o = object(raw ?? {});
  return { client: optString(o, 'client', 64) ?? '?', protocolVersion: optNumber(o, 'protocolVersion', 0, 1e6) ?? 0 };
}

export function configSetParams(raw: unknown): ConfigOverrides {
  const o = object(object(raw).overrides, 'overrides');
  const pool = o.pool === undefined ? undefined : object(o.pool, 'overrides.pool');
  const poolOut: NonNullable<ConfigOverrides['pool']> = {};
  for (const [name, v] of Object.entries(pool ?? {})) {
    const s = object(v, `overrides.pool.${name}`);
    poolOut[name] = { minSize: optNumber(s, 'minSize', 0, 64), maxSize: optNumber(s, 'maxSize', 1, 256) };
  }
  return {
    isolation: optIsolation(o, 'isolation'),
    timeoutMs: optNumber(o, 'timeoutMs', 100, 24 * 3600_000),
    memoryMb: optNumber(o, 'memoryMb', 16, 65536),
    cpus: optNumber(o, 'cpus', 0.05, 64),
    pids: optNumber(o, 'pids', 8, 65536),
    network: optBool(o, 'network'),
    outputLimitBytes: optNumber(o, 'outputLimitBytes', 1024, 1 << 30),
    idleShutdownMs: optNumber(o, 'idleShutdownMs', 1000, 30 * 24 * 3600_000),
    pool: pool ? poolOut : undefined,
  };
}
