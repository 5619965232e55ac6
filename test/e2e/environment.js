// Session 'env' (issue 11): a project whose warmbox.json asks for numpy and matplotlib. ▶ on a script that plots and
// calls plt.show(): the environment builds (progress notification, the panel says the run waits), the run uses it,
// and the panel shows the figure inline (a screenshot goes to docs/figure.png); then a warmbox.json change whose build
// fails: told once, with the step and apt's words, while runs keep the environment. Called by run.js with its helpers.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const WARMBOX_JSON = { profiles: { python: { apt: ['python3-numpy', 'python3-matplotlib'] } } };

const ENV_FILES = {
  // The same lists as test/integration/environments.test.ts's apt step: Docker's layer cache serves both builds.
  'warmbox.json': JSON.stringify(WARMBOX_JSON, null, 2) + '\n',
  'figure.py': [
    'import numpy as np',
    'import matplotlib.pyplot as plt',
    '',
    'x = np.linspace(0, 4 * np.pi, 400)',
    'fig, ax = plt.subplots(figsize=(6, 3.2))',
    'ax.plot(x, np.sin(x), label="sin x")',
    'ax.plot(x, np.cos(x) * np.exp(-x / 8), label="cos x · exp(-x/8)")',
    'ax.set_title("numpy + matplotlib in a warmbox sandbox")',
    'ax.legend(loc="upper right")',
    'plt.show()',
    'print("numpy", np.__version__)',
    '',
  ].join('\n'),
};

function writeEnvWorkspace(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  for (const [f, c] of Object.entries(ENV_FILES)) fs.writeFileSync(path.join(dir, f), c);
  fs.writeFileSync(path.join(dir, '.vscode/settings.json'), '{}\n');
}

/**
 * The environment image this project gets (the daemon's own plan: same base image id and lists → same tag), untagged
 * if it exists so that the session sees a build. `--no-prune` keeps its layers: the build hits Docker's cache.
 */
function untagEnvironment(root, ROOT) {
  const out = (m) => require(path.join(ROOT, 'out/daemon', m));
  const profile = out('profiles.js').builtinProfiles().find((p) => p.name === 'python');
  const req = out('environments/detect.js').detect(root, profile, out('environments/projectFile.js').readProjectFile(root));
  const id = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', profile.image], { encoding: 'utf8' }).trim();
  const { tag } = out('environments/dockerfile.js').planEnvironment(profile.name, { name: profile.image, id }, req, Buffer.alloc(0), root);
  const exists = spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0;
  if (exists) {
    const r = spawnSync('docker', ['rmi', '--no-prune', tag], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot untag ${tag} before the session (in use?): ${r.stderr}`);
  }
  return { tag, existed: exists };
}

/** The checks, in a workbench opened on the project folder. */
async function environmentChecks({ page, check, openFile, panelFrame, ROOT, tag }) {
  const toasts = page.locator('.notifications-toasts');
  await check('▶ on a project with numpy + matplotlib in warmbox.json: a progress notification and the status bar while its environment builds, the panel says the run waits', async () => {
    await openFile(page, 'figure.py');
    const play = page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Run in Sandbox"]').first();
    await play.waitFor({ timeout: 15_000 });
    // A build served by Docker's cache can be over in well under a second, faster than Playwright's locator polls
    // (every 500 ms after its first tries): what the status bar and the notifications show is recorded on every DOM
    // change from before the click, and the checks look at that record.
    await page.evaluate(() => {
      const seen = (window.__wbSeen = { status: [], toasts: [] });
      const keep = (list, text) => { if (text && list[list.length - 1] !== text && list.length < 500) list.push(text); };
      const record = () => {
        keep(seen.status, document.querySelector('#workbench\\.parts\\.statusbar')?.innerText);
        keep(seen.toasts, document.querySelector('.notifications-toasts')?.innerText);
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await play.click();
    const saw = async (what, re) => {
      try {
        await page.waitForFunction(([k, src]) => window.__wbSeen[k].some((t) => new RegExp(src).test(t)), [what, re.source], { timeout: 60_000 });
      } catch (e) {
        const record = await page.evaluate((k) => window.__wbSeen[k].slice(-8), what);
        throw new Error(`the ${what === 'status' ? 'status bar' : 'notifications'} never showed ${re} within 60 s; the last it showed:\n${record.join('\n---\n')}`);
      }
    };
    await saw('toasts', /warmbox: building the python environment of ws-env/);
    await saw('status', /python env( building|:)/);
    const f = await panelFrame(page);
    await f.locator('#output', { hasText: '[warmbox] waiting for the python environment of ws-env to build (apt: python3-numpy python3-matplotlib' }).waitFor({ timeout: 30_000 });
  });

  await check(`plt.show() in that environment (${tag}): the panel shows the figure as an image output (docs/figure.png)`, async () => {
    const f = await panelFrame(page);
    // A cold build (no layer cache) downloads ~100 packages from Debian: minutes on a slow machine.
    await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 15 * 60_000 });
    await f.locator('#output', { hasText: /numpy \d+\.\d+/ }).waitFor({ timeout: 5_000 });
    await f.locator('#outputs li', { hasText: 'figure-1.png' }).waitFor({ timeout: 30_000 });
    // figsize (6, 3.2) at matplotlib's 100 dpi: the real figure, decoded by the webview.
    const size = await f.waitForFunction(() => {
      const el = document.querySelector('#outputs li[data-path="figure-1.png"] img');
      return el && el.complete && el.naturalWidth > 0 && { w: el.naturalWidth, h: el.naturalHeight };
    }, undefined, { timeout: 30_000 }).then((h) => h.jsonValue());
    if (size.w !== 600 || size.h !== 320) throw new Error(`the figure shows as ${size.w}×${size.h}, not 600×320`);
    // The notification is gone once the environment is built.
    await toasts.locator('.notification-toast', { hasText: 'building the python environment' }).waitFor({ state: 'detached', timeout: 30_000 });
    await f.locator('#outputs li[data-path="figure-1.png"] img').scrollIntoViewIfNeeded();
    fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'docs/figure.png') });
  });

  await check('the next run uses the built environment at once: no wait, no notification', async () => {
    await openFile(page, 'figure.py');
    await page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Run in Sandbox"]').first().click();
    const f = await panelFrame(page);
    // The panel clears for a new run (warmbox.clearOutputBeforeRun): the first run's notice goes, then the outcome.
    await f.locator('#output', { hasText: 'waiting for the python environment' }).waitFor({ state: 'detached', timeout: 30_000 });
    await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 60_000 });
    await f.locator('#output', { hasText: /numpy \d+\.\d+/ }).waitFor({ timeout: 5_000 });
    const text = await f.locator('#output').innerText();
    if (/waiting for the python environment/.test(text)) throw new Error(`the second run waited again:\n${text}`);
    if (!/numpy \d+\.\d+/.test(text)) throw new Error(`the second run did not print numpy's version:\n${text}`);
  });
}

/** A package Debian does not have: the rebuild fails at its apt step. */
const MISSING = 'no-such-pkg-wb-e2e';

/** A failed rebuild in VS Code: one error notification with the step and apt's own words; runs keep the environment. */
async function failedBuildChecks({ page, check, openFile, panelFrame, root }) {
  const toasts = page.locator('.notifications-toasts');
  const failure = toasts.locator('.notification-toast', { hasText: 'failed to build' });
  const run = async () => {
    await openFile(page, 'figure.py');
    await page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Run in Sandbox"]').first().click();
    const f = await panelFrame(page);
    // A new run clears the panel: the previous figure goes, then this run's outcome comes.
    await f.locator('#outputs li[data-path="figure-1.png"]').waitFor({ state: 'detached', timeout: 30_000 });
    await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 60_000 });
    await f.locator('#outputs li[data-path="figure-1.png"] img').waitFor({ timeout: 30_000 });
    return f.locator('#output').innerText();
  };

  await check('a warmbox.json change whose build fails: one error notification with the failing step, apt\'s own words, Retry and Show Build Log', async () => {
    // Saved as an editor would (the daemon watches the project's root): the rebuild starts by itself.
    fs.writeFileSync(path.join(root, 'warmbox.json'), JSON.stringify({ profiles: { python: { apt: [...WARMBOX_JSON.profiles.python.apt, MISSING] } } }, null, 2) + '\n');
    await failure.first().waitFor({ timeout: 5 * 60_000 });
    const text = (await failure.first().innerText()).replace(/\s+/g, ' ');
    for (const want of [/the python environment of ws-env failed to build: step \d+\/\d+ \(apt-get install python3-numpy python3-matplotlib no-such-pkg-wb-e2e\) failed: its command exited with code 100/, /E: Unable to locate package no-such-pkg-wb-e2e/]) {
      if (!want.test(text)) throw new Error(`the notification does not say ${want}:\n${text}`);
    }
    for (const b of ['Retry', 'Show Build Log']) await failure.first().locator('.monaco-button', { hasText: b }).waitFor({ timeout: 5_000 });
  });

  await check('the next run uses the previous environment and says why, once: the run after it is not told again, and no second notification', async () => {
    const first = await run();
    if (!/\[warmbox\] the python environment of ws-env failed to build/.test(first) || !/this run uses the previous environment warmbox\/env-python-/.test(first)) {
      throw new Error(`the first run after the failure was not told:\n${first}`);
    }
    const second = await run();
    if (/failed to build/.test(second)) throw new Error(`the failure was told again on the next run:\n${second}`);
    const n = await failure.count();
    if (n !== 1) throw new Error(`${n} failure notifications`);
  });
}

module.exports = { writeEnvWorkspace, untagEnvironment, environmentChecks, failedBuildChecks };
