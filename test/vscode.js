#!/usr/bin/env node
// The same extension suites under @vscode/test-electron, where VS Code is installed (its download needs internet):
//   VSCODE_EXECUTABLE=/usr/share/code/code npm run test:vscode
'use strict';
const path = require('path');
const fs = require('fs');
const { writeWorkspace, USER_SETTINGS } = require('./e2e/run.js');

const ROOT = path.resolve(__dirname, '..');

async function main() {
  const exe = process.env.VSCODE_EXECUTABLE;
  if (!exe || !fs.existsSync(exe)) {
    console.error('test:vscode: set VSCODE_EXECUTABLE to an installed VS Code binary (no download is attempted)');
    process.exit(2);
  }
  const { runTests } = require('@vscode/test-electron');
  const scratch = path.join(ROOT, '.e2e', 'electron');
  writeWorkspace(path.join(scratch, 'ws'));
  fs.mkdirSync(path.join(scratch, 'user', 'User'), { recursive: true });
  fs.writeFileSync(path.join(scratch, 'user', 'User', 'settings.json'), JSON.stringify(USER_SETTINGS));
  let failed = 0;
  for (const suite of ['trusted']) {
    try {
      await runTests({
        vscodeExecutablePath: exe,
        extensionDevelopmentPath: ROOT,
        extensionTestsPath: path.join(ROOT, 'out/test/extension/index.js'),
        launchArgs: [path.join(scratch, 'ws'), '--disable-workspace-trust', '--disable-extensions', '--user-data-dir', path.join(scratch, 'user')],
        extensionTestsEnv: { WARMBOX_E2E_SUITE: suite, WARMBOX_RUNTIME_DIR: path.join(scratch, 'rt') },
      });
    } catch (e) {
      console.error(`test:vscode: the ${suite} suite failed:`, e.message);
      failed++;
    }
  }
  require('child_process').spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'daemon', 'stop'], { env: { ...process.env, WARMBOX_RUNTIME_DIR: path.join(scratch, 'rt') }, stdio: 'inherit' });
  process.exit(failed ? 1 : 0);
}

main();
