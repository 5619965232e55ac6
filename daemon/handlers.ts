// The daemon's side of the typed contract (protocol.ts MethodTypes): a handler must answer its method's result type.
import type { JSONRPCServer } from 'json-rpc-2.0';
import type { MethodName, ResultOf } from './protocol';
import type { Conn } from './server';

/** Registers the handler of one method; `raw` is what the client sent, checked by the handler (daemon/validate.ts). */
export function handle<M extends MethodName>(rpc: JSONRPCServer<Conn>, method: M, fn: (raw: unknown, conn: Conn) => ResultOf<M> | Promise<ResultOf<M>>): void {
  rpc.addMethod(method, (raw, conn) => fn(raw, conn));
}
