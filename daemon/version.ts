// The daemon's version: put in by esbuild; read from package.json when running from tsc's output (tests).
declare const __WARMBOX_VERSION__: string | undefined;

export const DAEMON_VERSION: string =
  typeof __WARMBOX_VERSION__ !== 'undefined' ? __WARMBOX_VERSION__ : (require('../../package.json') as { version: string }).version;
