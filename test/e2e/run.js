#!/usr/bin/env node
// End-to-end tests of the extension in a real VS Code workbench: code-server (VS Code's own workbench and extension
// host) driven by Debian's headless Chromium through playwright-core. Three sessions:
//   1. the extension's mocha suites inside the extension host (trusted workspace), against the real daemon and engine;
//   2. the UI as a person uses it: status bar, command palette, the output panel's webview, stdin, the tree, the
//      sandbox terminal, keys and focus (terminal.js); screenshots for the README (docs/screenshot.png, terminal.png);
//   3. the untrusted-workspace suite, with workspace trust on;
//   env. a project with numpy + matplotlib in its warmbox.json: the environment builds, plt.show()'s figure shows in
//      the panel (environment.js; docs/figure.png);
//   4. the packaged VSIX in a clean profile.
// Exits non-zero when anything fails. Needs `npm run build` and `tsc -p tsconfig.test.json` first (npm test does both).
'use strict';
const { spawn, spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const E2E = path.join(ROOT, '.e2e');
const CODE_SERVER = path.join(__dirname, 'node_modules/code-server/out/node/entry.js');
// Loaded lazily: test/vscode.js borrows writeWorkspace without playwright installed.
const CHROMIUM = process.env.WARMBOX_CHROMIUM || '/usr/bin/chromium';
const { TERMINAL_FILES, checks: terminalChecks } = require('./terminal');
const { writeEnvWorkspace, untagEnvironment, environmentChecks, failedBuildChecks } = require('./environment');
const results = [];
const t0 = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`, ...a);

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function writeWorkspace(dir, workspaceSettings = {}) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  const files = {
    'hello.py': 'import platform\nprint(f"Hello from a warm sandbox: Python {platform.python_version()}")\nprint("\\x1b[32mgreen\\x1b[0m and \\x1b[1mbold\\x1b[0m")\n',
    'select.py': 'print("first line")\nprint("second line only")\nprint("third line")\n',
    'stdin.py': 'print("you said:", input().upper())\n',
    'loop.py': 'while True:\n    pass\n',
    'traceback.py': 'import sys\n\n\nprint("about to fail", flush=True)\nx = 1 / 0\n',
    'echo.py': 'name = input("name? ")\nprint(f"hello, {name}!")\n',
    'indented.py': 'def f():\n    a = 1\n    b = 0\n    print("in f", flush=True)\n    print(a / b)\n\n\nf()\n',
    ...LANGUAGE_FILES,
    ...PROJECT_FILES,
    ...TERMINAL_FILES,
  };
  for (const [f, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), c);
  }
  fs.writeFileSync(path.join(dir, '.vscode/settings.json'), JSON.stringify(workspaceSettings, null, 2));
}

/** Compiled languages (issue 10): the ▶ shows for them, they run, a compile error lands in the Problems panel. */
const LANGUAGE_FILES = {
  'lang/t.ts': 'const n: number = 6 * 7;\nconsole.log(`typescript says ${n}`);\n',
  'lang/m.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("go says", 6*7) }\n',
  'lang/broken.go': 'package main\n\nfunc main() {\n\tundefinedName()\n}\n',
  'lang/notes.txt': 'not a program\n',
};

/**
 * A small Python project (issue 9): main.py imports helper.py and reads data/x.csv from its own folder; fail.py
 * raises inside helper.py; plot.py writes a PNG (made without libraries) that the panel shows.
 */
const PROJECT_FILES = {
  'proj/main.py': [
    'import os, sys',
    'from helper import greet',
    'rows = open("data/x.csv").read().split()',
    'print(greet(rows[1]), "args=" + repr(sys.argv[1:]), "env=" + os.environ.get("WB_GREETING", "-"), "cwd=" + os.getcwd())',
    '',
  ].join('\n'),
  'proj/helper.py': 'def greet(name):\n    return "hello " + name\n\n\ndef explode():\n    return 1 / 0\n',
  'proj/data/x.csv': 'name\nada\n',
  'proj/fail.py': 'from helper import explode\nexplode()\n',
  'proj/plot.py': [
    'import struct, zlib',
    'w, h = 160, 96',
    'rows = b"".join(b"\\x00" + bytes(v for x in range(w) for v in (x * 255 // w, y * 255 // h, 160)) for y in range(h))',
    'chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))',
    'png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")',
    'open("plot.png", "wb").write(png)',
    'print("wrote /work/proj/plot.png (by /work/proj/plot.py:6)")',
    '',
  ].join('\n'),
};

/**
 * The user's own settings: pool sizes are daemon-wide, so only these reach the daemon (never a workspace's). node asks
 * for a warm sandbox that a Python-only folder must not warm (issue 13: warm what the workspace uses).
 */
const USER_SETTINGS = {
  'warmbox.pool': { python: { minSize: 2, maxSize: 4 }, node: { minSize: 1 }, shell: { minSize: 0 } },
  // Environment builds (session env): these engines have no bridge network, as in the integration tests.
  'warmbox.buildNetwork': process.env.WARMBOX_TEST_BUILD_NETWORK ?? 'host',
};

/** A cloned repository asking for more than the user allows: an untrusted window must push none of it. */
const HOSTILE_WORKSPACE = { 'warmbox.memoryMb': 65536, 'warmbox.pids': 65536, 'warmbox.network': true, 'warmbox.isolation': 'reuse', 'warmbox.pool': { python: { minSize: 30, maxSize: 64 } } };

async function startCodeServer({ trust, env }) {
  const port = await freePort();
  const dirs = { data: path.join(E2E, 'cs-data'), ext: path.join(E2E, 'cs-ext'), cfg: path.join(E2E, 'cs-config.yaml') };
  fs.mkdirSync(dirs.data, { recursive: true });
  fs.mkdirSync(dirs.ext, { recursive: true });
  fs.writeFileSync(dirs.cfg, 'auth: none\ncert: false\n');
  fs.mkdirSync(path.join(dirs.data, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.data, 'User/settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off', 'git.openRepositoryInParentFolders': 'never', 'git.enabled': false, 'files.autoSave': 'off', 'terminal.integrated.gpuAcceleration': 'off', ...USER_SETTINGS }));
  const args = [CODE_SERVER, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--config', dirs.cfg, '--user-data-dir', dirs.data, '--extensions-dir', dirs.ext];
  if (!trust) args.push('--disable-workspace-trust');
  // Its own process group, so that stopping it takes the extension host down too (which could otherwise respawn a daemon).
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out = fs.createWriteStream(path.join(E2E, `code-server-${port}.log`));
  proc.stdout.pipe(out);
  proc.stderr.pipe(out);
  for (let i = 0; i < 120; i++) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return { port, proc, stop: () => stopGroup(proc) };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('code-server did not start (see .e2e/code-server-*.log)');
}

function stopGroup(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => setTimeout(resolve, 300));
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000).unref();
  });
}

async function browser() {
  const { chromium } = require('playwright-core');
  const udd = fs.mkdtempSync(path.join(E2E, 'chrome-'));
  return chromium.launchPersistentContext(udd, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1500, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

function workbenchUrl(port, folder, withTests) {
  const auth = `127.0.0.1:${port}`;
  const payload = [['extensionDevelopmentPath', `vscode-remote://${auth}${ROOT}`]];
  if (withTests) payload.push(['extensionTestsPath', `vscode-remote://${auth}${path.join(ROOT, 'out/test/extension/index.js')}`]);
  return `http://${auth}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Session 1 and 3: mocha inside the extension host; the page reports the exit code through codeAutomationExit. */
async function extensionTests(name, { trust, folder = 'ws' }) {
  const resultsFile = path.join(E2E, `results-${name}.json`);
  fs.rmSync(resultsFile, { force: true });
  const env = { ...baseEnv(), WARMBOX_E2E_SUITE: name, WARMBOX_E2E_RESULTS: resultsFile };
  const cs = await startCodeServer({ trust, env });
  const ctx = await browser();
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    let done;
    const exited = new Promise((r) => (done = r));
    await page.exposeFunction('codeAutomationExit', (code) => done(code));
    page.on('console', (m) => {
      const s = m.text();
      const act = /activate\(\) took ([\d.]+) ms/.exec(s);
      if (act) fs.writeFileSync(path.join(E2E, 'activate-ms'), act[1]);
      if (/^\s+(✔|✓|\d+\))|passing|failing|activate\(\) took/.test(s)) log(`  [host] ${s.trim().slice(0, 300)}`);
    });
    await page.goto(workbenchUrl(cs.port, path.join(E2E, folder), true));
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 6 * 60_000))]);
    let report = { failures: -1, results: [] };
    try {
      report = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    } catch {
      /* the suite never finished */
    }
    for (const r of report.results) {
      results.push({ session: name, title: r.title, ok: r.state === 'passed', error: r.error });
      log(`${r.state === 'passed' ? 'PASS' : 'FAIL'} [${name}] ${r.title}${r.error ? `\n${r.error}` : ''}`);
    }
    if (code !== 0 || report.failures !== 0 || !report.results.length) {
      results.push({ session: name, title: `extension host exit (${code})`, ok: false });
      await page.screenshot({ path: path.join(E2E, `failed-${name}.png`) }).catch(() => undefined);
    }
  } finally {
    await ctx.close();
    await cs.stop();
  }
}

async function check(title, fn) {
  try {
    await fn();
    results.push({ session: 'ui', title, ok: true });
    log(`PASS [ui] ${title}`);
  } catch (e) {
    results.push({ session: 'ui', title, ok: false, error: String(e && e.stack || e) });
    log(`FAIL [ui] ${title}\n${e && e.stack || e}`);
    throw e;
  }
}

async function panelFrame(page, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        if (await f.$('#output')) return f;
      } catch {
        /* detached */
      }
    }
    await page.waitForTimeout(200);
  }
  throw new Error('the output panel webview did not appear');
}

/**
 * Presses a key that opens the quick input (F1, Ctrl+P) until it shows. A key pressed while a webview takes the focus
 * (the warmbox tab restoring after a reload, a run revealing it) can be lost in it: ask again, a condition and not a
 * pause, within 15 s in all.
 */
async function quickInput(page, key) {
  const qi = page.locator('.quick-input-widget input');
  const end = Date.now() + 15_000;
  while (!(await qi.isVisible())) {
    if (Date.now() > end) throw new Error(`the quick input did not open for ${key} within 15 s`);
    await page.keyboard.press(key);
    await qi.waitFor({ state: 'visible', timeout: 3_000 }).catch(() => undefined);
  }
  return qi;
}

async function runCommand(page, title) {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click().catch(() => undefined);
  const qi = await quickInput(page, 'F1');
  await qi.fill(`>${title}`);
  // The command whose label is exactly the title: a recently used longer one ("… with Arguments…") may be listed first.
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
}

/** Opens a workspace file, runs it with the palette command, and waits for its output and outcome in the panel. */
async function runFile(page, name, expectOutput, expectOutcome = 'exited 0') {
  await openFile(page, name);
  await runCommand(page, 'warmbox: Run in Sandbox');
  const f = await panelFrame(page);
  if (expectOutput) await f.locator('#output', { hasText: expectOutput }).waitFor({ timeout: 30_000 });
  if (expectOutcome) await f.locator('#outcome', { hasText: expectOutcome }).waitFor({ timeout: 30_000 });
  return f;
}

async function openFile(page, name) {
  const tab = page.locator('.tabs-container .tab', { hasText: name }).first();
  if (await tab.count()) {
    await tab.click();
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
    return;
  }
  // Like clicking into the editor area first: the file opens in the first group, beside the panel.
  await page.keyboard.press('Control+1');
  const qi = await quickInput(page, 'Control+P');
  await qi.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active`, { hasText: name }).waitFor({ timeout: 15_000 });
}

/** Session 2: what a person sees and does. */
async function uiSession() {
  const cs = await startCodeServer({ trust: false, env: baseEnv() });
  const ctx = await browser();
  const page = ctx.pages()[0] || (await ctx.newPage());
  try {
    await page.goto(workbenchUrl(cs.port, path.join(E2E, 'ws'), false));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    const status = page.locator('#workbench\\.parts\\.statusbar');

    await check('the status bar reads without hovering ("python 2 warm")', async () => {
      await status.getByText(/python \d+ warm/).waitFor({ timeout: 60_000 });
    });

    await check('Run in Sandbox from the command palette shows the output, ANSI colours and the outcome in the panel', async () => {
      const f = await runFile(page, 'hello.py', 'Hello from a warm sandbox');
      const green = await f.locator('#output span', { hasText: 'green' }).first().evaluate((el) => el.style.color);
      if (!/ansiGreen/.test(green)) throw new Error(`ANSI green was not rendered (style.color=${green})`);
      const meta = await f.locator('#meta').innerText();
      if (!/profile python · container [0-9a-f]{12} · acquired in \d+ ms/.test(meta)) throw new Error(`panel header: ${meta}`);
    });

    await check('the status bar is about the editor in front: a Go file says go (not python), and after its run the sandboxes that serve its project; the pool chart leaves the output more room than itself', async () => {
      await openFile(page, 'm.go');
      await status.getByText(/\bgo (warms on first run|\d+ warm)/).waitFor({ timeout: 15_000 });
      await runCommand(page, 'warmbox: Run in Sandbox');
      let f = await panelFrame(page);
      await f.locator('#output', { hasText: 'go says 42' }).waitFor({ timeout: 60_000 });
      await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 30_000 });
      await status.getByText(/\bgo \d+ warm/).waitFor({ timeout: 30_000 });
      await openFile(page, 't.ts');
      await status.getByText(/\btypescript (warms on first run|\d+ warm)/).waitFor({ timeout: 15_000 });
      f = await runFile(page, 't.ts', 'typescript says 42');
      await openFile(page, 'hello.py');
      await status.getByText(/python \d+ warm/).waitFor({ timeout: 15_000 });
      // python, node, go and typescript in the chart: four rows, which squeezed the output to a few lines.
      await f.locator('#chart .chart-row', { hasText: 'go' }).waitFor({ timeout: 30_000 });
      await f.locator('#chart .chart-row', { hasText: /types/ }).waitFor({ timeout: 30_000 });
      const h = await f.evaluate(() => ({ output: document.querySelector('#output').clientHeight, chart: document.querySelector('footer').clientHeight }));
      if (h.output <= h.chart) throw new Error(`the output has ${h.output} px, the pool chart ${h.chart} px`);
    });

    await check('stdin typed into the panel reaches the program', async () => {
      const f = await runFile(page, 'echo.py', 'name?', 'running');
      await f.locator('#stdin').fill('sandbox');
      await f.locator('#stdin').press('Enter');
      await f.locator('#output', { hasText: 'hello, sandbox!' }).waitFor({ timeout: 30_000 });
      await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 30_000 });
    });

    await check('the warmbox view lists the pool containers by profile', async () => {
      await page.locator('.activitybar .action-item a[aria-label^="warmbox"]').first().click();
      const view = page.locator('.pane-body', { has: page.locator('.monaco-list-row') });
      await page.locator('.monaco-list-row', { hasText: /^python/ }).first().waitFor({ timeout: 30_000 });
      // Fresh sandboxes serve one run each: no use count.
      await page.locator('.monaco-list-row', { hasText: /idle · (new|\d+s|\d+m)$/ }).first().waitFor({ timeout: 30_000 });
      void view;
    });

    await check("Remove asks first (modal): Cancel keeps the container, Remove removes it; after \"don't ask again\" it does not ask", async () => {
      const dialog = page.locator('.monaco-dialog-box');
      const idle = async () => {
        // The pool refills after each removal: pick a row once the view has no sandbox warming (it redraws then).
        await page.locator('.monaco-list-row', { hasText: /warming · / }).first().waitFor({ state: 'detached', timeout: 30_000 });
        const label = page.locator('.monaco-list-row', { hasText: /idle · / }).locator('.label-name').filter({ hasText: /^[0-9a-f]{12}$/ }).first();
        await label.waitFor({ timeout: 30_000 });
        const shortId = (await label.innerText()).trim();
        const row = page.locator('.monaco-list-row', { hasText: shortId });
        // The view redraws its rows when what they show changes (an age ticks, the pool refills): a click that lands as
        // its row is drawn again is lost, as a user's would be. Click again until it shows: a dialog, or the row gone.
        const clickRemove = async () => {
          const end = Date.now() + 20_000;
          for (;;) {
            await row.hover();
            await row.locator('.action-label[aria-label^="Remove Container"]').click({ timeout: 5_000 });
            const seen = (p) => p.then(() => true, () => false);
            const shown = await Promise.race([seen(dialog.waitFor({ timeout: 5_000 })), seen(row.waitFor({ state: 'detached', timeout: 5_000 }))]);
            if (shown) return;
            if (Date.now() > end) throw new Error(`clicking Remove on ${shortId} neither asked nor removed it`);
          }
        };
        return { shortId, row, clickRemove };
      };
      const a = await idle();
      await a.clickRemove();
      await dialog.filter({ hasText: `Remove sandbox container ${a.shortId}?` }).waitFor({ timeout: 10_000 });
      await dialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });
      if (!(await a.row.count())) throw new Error('Cancel removed the container');
      await a.clickRemove();
      await dialog.locator('.monaco-button', { hasText: /^Remove$/ }).click();
      await a.row.waitFor({ state: 'detached', timeout: 15_000 });
      const b = await idle();
      await b.clickRemove();
      await dialog.locator('.monaco-button', { hasText: /don't ask again/ }).click();
      await b.row.waitFor({ state: 'detached', timeout: 15_000 });
      const c = await idle();
      await c.clickRemove();
      await c.row.waitFor({ state: 'detached', timeout: 15_000 });
      if (await dialog.count()) throw new Error('Remove asked again after "don\'t ask again"');
    });

    await check('an untitled plain-text editor shows ▶; running it offers Pick a language… and runs', async () => {
      await page.keyboard.press('Control+1');
      await runCommand(page, 'File: New Untitled Text File');
      await page.locator('.tab.active', { hasText: /Untitled-\d+/ }).waitFor({ timeout: 15_000 });
      await page.keyboard.type('print(6 * 7)');
      const play = page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Run in Sandbox"]').first();
      await play.waitFor({ timeout: 15_000 });
      await play.click();
      const qi = page.locator('.quick-input-widget', { hasText: 'Pick a language' });
      await qi.waitFor({ timeout: 15_000 });
      await qi.locator('.monaco-list-row', { hasText: /^python/ }).first().click();
      const f = await panelFrame(page);
      await f.locator('#output', { hasText: '42' }).waitFor({ timeout: 30_000 });
      await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 30_000 });
      await page.locator('.tab.active', { hasText: /Untitled-\d+/ }).click();
      await runCommand(page, 'View: Revert and Close Editor');
    });

    await check('a program writing an image: the panel lists the file, shows the image (docs/outputs.png), and its /work link opens the project file at the line', async () => {
      const f = await runFile(page, 'plot.py', 'wrote /work/proj/plot.png');
      await f.locator('#outputs li', { hasText: 'proj/plot.png' }).waitFor({ timeout: 30_000 });
      const img = f.locator('#outputs img').first();
      await img.waitFor({ timeout: 30_000 });
      await f.waitForFunction(() => {
        const el = document.querySelector('#outputs img');
        return el && el.complete && el.naturalWidth === 160;
      }, undefined, { timeout: 30_000 });
      await f.locator('#outputs li', { hasText: 'proj/plot.png' }).locator('button.save').waitFor({ timeout: 5_000 });
      fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'docs/outputs.png') });
      await openFile(page, 'hello.py');
      await f.locator('#output a.path', { hasText: '/work/proj/plot.py' }).click();
      await page.locator('.tab.active', { hasText: 'plot.py' }).waitFor({ timeout: 15_000 });
      await status.getByText(/Ln 6, Col 1/).waitFor({ timeout: 15_000 });
    });

    await check('the panel with an image output and the pool chart (from the daemon) goes to docs/panel.png', async () => {
      const f = await runFile(page, 'plot.py', 'wrote /work/proj/plot.png');
      await f.waitForFunction(() => {
        const el = document.querySelector('#outputs img');
        return el && el.complete && el.naturalWidth === 160;
      }, undefined, { timeout: 30_000 });
      await f.locator('#chart .chart-row', { hasText: 'python' }).waitFor({ timeout: 30_000 });
      await f.locator('#legend', { hasText: /python \d+ warm/ }).waitFor({ timeout: 30_000 });
      // Sized to the panel (the chart is redrawn every few seconds: read its drawn width in one go).
      await f.waitForFunction(() => {
        const svg = document.querySelector('#chart svg');
        const box = document.querySelector('#chart');
        return svg && box && Number(svg.getAttribute('width')) >= box.clientWidth - 120 && box.clientWidth > 300;
      }, undefined, { timeout: 15_000 });
      const frame = await f.frameElement();
      await frame.screenshot({ path: path.join(ROOT, 'docs/panel.png') });
    });

    await check('Run in Sandbox with Arguments… asks in an input box; the panel header shows them and the program gets them', async () => {
      await openFile(page, 'main.py');
      await runCommand(page, 'warmbox: Run in Sandbox with Arguments…');
      await page.locator('.quick-input-widget', { hasText: 'arguments for main.py' }).waitFor({ timeout: 15_000 });
      await page.locator('.quick-input-widget input').fill(`--n 3 "two words"`);
      await page.keyboard.press('Enter');
      const f = await panelFrame(page);
      await f.locator('#output', { hasText: "args=['--n', '3', 'two words']" }).waitFor({ timeout: 30_000 });
      await f.locator('#title', { hasText: `proj/main.py --n 3 'two words'` }).waitFor({ timeout: 5_000 });
    });

    // The sandbox terminal, keys and focus, and the warmbox tab that never loses a run (test/e2e/terminal.js).
    await terminalChecks({ page, check, openFile, panelFrame, quickInput, ROOT });

    await check('a screenshot of the workbench after a run goes to docs/screenshot.png', async () => {
      await runFile(page, 'hello.py', 'Hello from a warm sandbox');
      await page.waitForTimeout(1500);
      fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'docs/screenshot.png') });
    });
    await check('a window reload keeps the daemon and its pool, and the panel comes back with its output', async () => {
      const pidBefore = daemonPid();
      const hostsBefore = extensionHosts(cs.proc.pid);
      if (!hostsBefore.length) throw new Error('no extension host found before the reload');
      // Proof of a reload: the page navigates, and an extension host that did not exist before serves the window.
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
      await runCommand(page, 'Developer: Reload Window');
      await navigated;
      const fresh = await waitFor(() => extensionHosts(cs.proc.pid).filter((p) => !hostsBefore.includes(p)), 60_000);
      if (!fresh.length) throw new Error(`no new extension host after the reload (before: ${hostsBefore.join(', ')})`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
      await status.getByText(/python \d+ warm/).waitFor({ timeout: 60_000 });
      const f = await panelFrame(page);
      await f.locator('#output', { hasText: 'Hello from a warm sandbox' }).waitFor({ timeout: 30_000 });
      await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 30_000 });
      const pidAfter = daemonPid();
      if (!pidBefore || pidBefore !== pidAfter) throw new Error(`daemon pid ${pidBefore} became ${pidAfter} across the reload`);
    });
    await check('after a window reload the panel still lists the output files and shows the image', async () => {
      await runFile(page, 'plot.py', 'wrote /work/proj/plot.png');
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
      await runCommand(page, 'Developer: Reload Window');
      await navigated;
      await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
      const f = await panelFrame(page, 60_000);
      await f.locator('#outputs li', { hasText: 'proj/plot.png' }).waitFor({ timeout: 30_000 });
      // The image loads from the URI the extension sends again after the reload.
      await f.waitForFunction(() => {
        const el = document.querySelector('#outputs img');
        return el && el.complete && el.naturalWidth === 160;
      }, undefined, { timeout: 30_000 });
    });
  } catch (e) {
    await page.screenshot({ path: path.join(E2E, 'failed-ui.png') }).catch(() => undefined);
  } finally {
    await ctx.close();
    await cs.stop();
  }
}

/** Session env: a project with an environment (issue 11), in its own window; see environment.js. */
async function envSession() {
  const root = path.join(E2E, 'ws-env');
  const t = Date.now();
  let tag, existed;
  try {
    ({ tag, existed } = untagEnvironment(root, ROOT));
  } catch (e) {
    results.push({ session: 'env', title: 'the project environment session could start', ok: false, error: String(e && e.message || e) });
    return;
  }
  log(`  its environment is ${tag}${existed ? ' (untagged first: the session builds it again, from the layer cache)' : ' (not built yet)'}`);
  const cs = await startCodeServer({ trust: false, env: baseEnv() });
  const ctx = await browser();
  const page = ctx.pages()[0] || (await ctx.newPage());
  try {
    await page.goto(workbenchUrl(cs.port, root, false));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // Connected: the project's python set is warm, or (its environment not built yet) warms on the first run.
    await page.locator('#workbench\\.parts\\.statusbar').getByText(/python (\d+ warm|warms on first run)/).waitFor({ timeout: 60_000 });
    await environmentChecks({ page, check, openFile, panelFrame, ROOT, tag });
    await failedBuildChecks({ page, check, openFile, panelFrame, root });
  } catch (e) {
    // Outside a check (the workbench never got ready): the session fails, it is never counted as passed.
    results.push({ session: 'env', title: 'the project environment session reached its checks', ok: false, error: String((e && e.message) || e) });
    await page.screenshot({ path: path.join(E2E, 'failed-env.png') }).catch(() => undefined);
  } finally {
    await ctx.close();
    await cs.stop();
    log(`  session env took ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

/** Extension host processes of one code-server (its process group). */
function extensionHosts(group) {
  const pids = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('extensionHost')) continue;
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === group) pids.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** Polls until `cond` returns something non-empty (or truthy); returns the last value. */
async function waitFor(cond, timeoutMs, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let v = cond();
  while (!(Array.isArray(v) ? v.length : v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, everyMs));
    v = cond();
  }
  return v;
}

function daemonPid() {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'daemon', 'status'], { env: baseEnv(), encoding: 'utf8' });
  return /pid (\d+)/.exec(r.stdout)?.[1];
}

/** Session 4: the VSIX, installed with code-server's own installer into empty folders, works without the sources. */
async function vsixSession(vsix) {
  for (const d of ['cs-data', 'cs-ext']) fs.rmSync(path.join(E2E, d), { recursive: true, force: true });
  const inst = spawnSync(process.execPath, [CODE_SERVER, '--user-data-dir', path.join(E2E, 'cs-data'), '--extensions-dir', path.join(E2E, 'cs-ext'), '--install-extension', vsix], { env: baseEnv(), encoding: 'utf8' });
  await check('the VSIX installs with code-server --install-extension', async () => {
    if (inst.status !== 0 || !/was successfully installed/.test(inst.stdout + inst.stderr)) throw new Error(inst.stdout + inst.stderr);
  });
  const cs = await startCodeServer({ trust: false, env: baseEnv() });
  const ctx = await browser();
  const page = ctx.pages()[0] || (await ctx.newPage());
  try {
    await page.goto(`http://127.0.0.1:${cs.port}/?folder=${encodeURIComponent(path.join(E2E, 'ws'))}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await check('the installed extension starts its daemon and shows the pool', async () => {
      await page.locator('#workbench\\.parts\\.statusbar').getByText(/python \d+ warm/).waitFor({ timeout: 60_000 });
    });
    await check('the installed extension runs a file in a sandbox', () => runFile(page, 'hello.py', 'Hello from a warm sandbox'));
  } catch (e) {
    await page.screenshot({ path: path.join(E2E, 'failed-vsix.png') }).catch(() => undefined);
  } finally {
    await ctx.close();
    await cs.stop();
  }
}

function baseEnv() {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(E2E, 'xdg-config'),
    XDG_DATA_HOME: path.join(E2E, 'xdg-data'),
    XDG_CACHE_HOME: path.join(E2E, 'xdg-cache'),
    WARMBOX_RUNTIME_DIR: path.join(E2E, 'rt'),
  };
}

function daemonScopeContainers() {
  const { runtimePaths } = require(path.join(ROOT, 'out/daemon/socketPath.js'));
  const scope = runtimePaths(baseEnv()).scope;
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=dev.warmbox.scope=${scope}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

async function main() {
  for (const f of [CODE_SERVER, CHROMIUM, path.join(ROOT, 'dist/extension.js'), path.join(ROOT, 'media/panel.js'), path.join(ROOT, 'out/test/extension/index.js')]) {
    if (!fs.existsSync(f)) throw new Error(`missing ${f}: run test/e2e/setup.sh, npm run build and tsc -p tsconfig.test.json first`);
  }
  fs.mkdirSync(E2E, { recursive: true });
  writeWorkspace(path.join(E2E, 'ws'));
  writeWorkspace(path.join(E2E, 'ws-untrusted'), HOSTILE_WORKSPACE);
  writeEnvWorkspace(path.join(E2E, 'ws-env'));
  // The daemon prunes unused environment images after a build (keepEnvironments, default 5): the machine's other
  // environments (the developer's own) are not the test's to remove.
  fs.mkdirSync(path.join(E2E, 'xdg-config/warmbox'), { recursive: true });
  fs.writeFileSync(path.join(E2E, 'xdg-config/warmbox/config.json'), JSON.stringify({ keepEnvironments: 1000 }) + '\n');
  // WARMBOX_E2E_ONLY=trusted,ui,env,untrusted,vsix: only those sessions (while working on one).
  const only = process.env.WARMBOX_E2E_ONLY ? process.env.WARMBOX_E2E_ONLY.split(',') : null;
  const want = (s) => !only || only.includes(s);
  if (want('trusted')) {
    log('session 1: extension tests in the extension host (trusted)');
    await extensionTests('trusted', { trust: false });
  }
  if (want('ui')) {
    log('session 2: the UI as a person uses it');
    await uiSession();
  }
  if (want('env')) {
    log('session env: a project environment (numpy + matplotlib) and its figure in the panel');
    await envSession();
  }
  if (want('untrusted')) {
    log('session 3: untrusted workspace');
    await extensionTests('untrusted', { trust: true, folder: 'ws-untrusted' });
  }

  const vsix = path.join(ROOT, 'warmbox.vsix');
  if (!want('vsix')) {
    log('session 4 skipped (WARMBOX_E2E_ONLY)');
  } else if (fs.existsSync(vsix)) {
    log('session 4: the packaged VSIX installed into a clean profile');
    spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'daemon', 'stop'], { env: baseEnv(), stdio: 'ignore' });
    await vsixSession(vsix);
  } else {
    results.push({ session: 'vsix', title: 'warmbox.vsix exists (npm run package)', ok: false });
  }

  // The windows are gone; the daemon they shared is stopped like a user would, and must leave nothing behind.
  spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'daemon', 'stop'], { env: baseEnv(), stdio: 'inherit' });
  await new Promise((r) => setTimeout(r, 2000));
  const left = daemonScopeContainers();
  const sock = path.join(E2E, 'rt', 'warmboxd.sock');
  results.push({ session: 'cleanup', title: 'no daemon and no container left after the windows close and the daemon stops', ok: left.length === 0 && !fs.existsSync(sock), error: `${left.join(' ')} ${fs.existsSync(sock) ? 'socket still there' : ''}` });

  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  // The first line of the error and where in these files it came from: CI's record keeps only the output's tail.
  const where = (err) => (err.match(/test\/e2e\/\w+\.js:\d+/g) || []).map((w) => w.replace('test/e2e/', '')).join(' < ');
  for (const r of results.filter((x) => !x.ok)) console.log(`FAILED [${r.session}] ${r.title}${r.error ? `: ${r.error.split('\n')[0]}${where(r.error) ? ` (at ${where(r.error)})` : ''}` : ''}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed || !results.length ? 1 : 0);
}

module.exports = { writeWorkspace, USER_SETTINGS, startCodeServer, browser, workbenchUrl, baseEnv, openFile, runCommand, quickInput, panelFrame, E2E, CODE_SERVER };

if (require.main === module) {
  main().catch((e) => {
    console.error('e2e: failed to run:', e);
    process.exit(1);
  });
}
