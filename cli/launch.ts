// The `warmbox` command's entry (dist/cli.js, started by its sh line, see esbuild.mjs): runs the CLI proper
// (dist/cliMain.js) from V8's code cache in the user's private runtime folder, where the daemon's socket is.
import path = require('path');
import { runtimeDir } from '../daemon/socketPath';
import { runWithCodeCache } from './codeCache';

runWithCodeCache(path.join(__dirname, 'cliMain.js'), { dir: runtimeDir(), isRun: process.argv[2] === 'run' });
