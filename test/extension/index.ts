// Entry for the extension tests inside a real VS Code extension host (code-server here, @vscode/test-electron where
// VS Code is installed): runs the mocha suites and writes a result file the runner reads.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const suite = process.env.WARMBOX_E2E_SUITE ?? 'trusted';
  // WARMBOX_E2E_GREP: only the tests whose title matches (while working on one).
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: 'spec', grep: process.env.WARMBOX_E2E_GREP || undefined });
  for (const f of fs.readdirSync(__dirname)) {
    if (f.endsWith('.test.js') && f.startsWith(`${suite}.`)) mocha.addFile(path.join(__dirname, f));
  }
  const results: { title: string; state: string; error?: string; ms?: number }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const file = process.env.WARMBOX_E2E_RESULTS;
      if (file) fs.writeFileSync(file, JSON.stringify({ suite, failures, results }, null, 2));
      if (failures) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t, err) => results.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) }));
  });
}
