// Session 2's checks of the run experience (issue 13): the sandbox terminal (output in the order written, typed input
// echoed, Ctrl+C), focus and keys (Ctrl+Alt+Enter, the editor title's Stop), and the warmbox tab that never loses a
// run. Called by run.js with its helpers; a screenshot of the terminal goes to docs/terminal.png.
'use strict';
const fs = require('fs');
const path = require('path');

/** Files the checks run (added to the e2e workspace by run.js). */
const TERMINAL_FILES = {
  'order.py': 'import sys\nprint("out 1")\nprint("err 1", file=sys.stderr)\nprint("out 2")\nprint("err 2", file=sys.stderr)\nprint("out 3")\n',
  'ask.py': 'name = input("What is your name? ")\ncolour = input("Favourite colour? ")\nprint(f"Hi {name}, {colour} it is.")\n',
  'slow.py': 'import time\nprint("before the pause", flush=True)\ntime.sleep(4)\nprint("after the pause")\n',
};

/** The text of the visible sandbox terminal (xterm's DOM renderer: terminal.integrated.gpuAcceleration off). */
async function terminalText(page) {
  const rows = page.locator('.terminal-wrapper.active .xterm-rows, .xterm-rows').last();
  if (!(await rows.count())) return '';
  // Rows end in blank cells (and the cursor): trimmed, so a prompt reads as the program wrote it.
  return (await rows.innerText()).replace(/\u00a0/g, ' ').split('\n').map((l) => l.trimEnd()).join('\n');
}

async function waitForTerminal(page, re, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < end) {
    text = await terminalText(page);
    if (re.test(text)) return text;
    await page.waitForTimeout(150);
  }
  throw new Error(`the terminal never showed ${re}; it shows:\n${text}`);
}

/** Where the keyboard focus is in the workbench: 'editor', 'terminal', 'webview' or the focused element's class. */
function focusIn(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    if (!a) return 'none';
    if (a.closest('.terminal-wrapper, .terminal-outer-container, .xterm')) return 'terminal';
    if (a.closest('.monaco-editor')) return 'editor';
    if (a.tagName === 'IFRAME' || a.closest('.webview')) return 'webview';
    return `${a.tagName}.${a.className}`;
  });
}

/** Clicks into the active editor's text, then presses a key: as a person does. */
async function keyInEditor(page, key) {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await page.keyboard.press(key);
}

/** The Stop button in the title of the editor group that shows `name`. */
function stopButtonOf(page, name) {
  const group = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: name }) }).first();
  return group.locator('.editor-actions .action-label[aria-label^="Stop Sandbox Run"]');
}

async function checks({ page, check, openFile, panelFrame, quickInput, ROOT }) {
  await check('Ctrl+Alt+Enter runs the file in the sandbox terminal: stdout and stderr in the order written, the outcome line last, and the focus stays in the editor', async () => {
    await openFile(page, 'order.py');
    await keyInEditor(page, 'Control+Alt+Enter');
    const text = await waitForTerminal(page, /out 1\s*\n\s*err 1\s*\n\s*out 2\s*\n\s*err 2\s*\n\s*out 3\s*\n\s*■ exited 0 · \d+ ms · (warm|cold)/);
    if (/out 3err/.test(text)) throw new Error(`a newline moved:\n${text}`);
    const where = await focusIn(page);
    if (where !== 'editor') throw new Error(`after a keyboard run the focus is in: ${where}`);
    // The panel got the same order.
    const f = await panelFrame(page);
    await f.locator('#output', { hasText: 'out 1\nerr 1\nout 2\nerr 2\nout 3' }).waitFor({ timeout: 15_000 });
    // And the next Ctrl+Alt+Enter works straight away (the focus was never taken).
    await page.keyboard.press('Control+Alt+Enter');
    await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 30_000 });
  });

  await check('a program waiting for input: the terminal takes the focus, typed input is echoed on its line, the focus goes back to the editor after', async () => {
    await openFile(page, 'ask.py');
    await keyInEditor(page, 'Control+Alt+Enter');
    await waitForTerminal(page, /What is your name\?$/m);
    for (let i = 0; i < 50 && (await focusIn(page)) !== 'terminal'; i++) await page.waitForTimeout(100);
    if ((await focusIn(page)) !== 'terminal') throw new Error(`the terminal did not take the focus for input (focus: ${await focusIn(page)})`);
    await page.keyboard.type('Alicf');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('e');
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /What is your name\? Alice\nFavourite colour\?$/m);
    await page.keyboard.type('green');
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /Favourite colour\? green\s*\n\s*Hi Alice, green it is\.\s*\n\s*■ exited 0/);
    for (let i = 0; i < 50 && (await focusIn(page)) !== 'editor'; i++) await page.waitForTimeout(100);
    if ((await focusIn(page)) !== 'editor') throw new Error(`the focus did not come back to the editor (focus: ${await focusIn(page)})`);
    // The tab's transcript has the typed lines in place too.
    const f = await panelFrame(page);
    await f.locator('#output', { hasText: 'What is your name? Alice\nFavourite colour? green\nHi Alice, green it is.' }).waitFor({ timeout: 15_000 });
    fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'docs/terminal.png') });
  });

  await check('Ctrl+C in the sandbox terminal stops the run: cancelled', async () => {
    await openFile(page, 'ask.py');
    await keyInEditor(page, 'Control+Alt+Enter');
    await waitForTerminal(page, /What is your name\?$/m);
    for (let i = 0; i < 50 && (await focusIn(page)) !== 'terminal'; i++) await page.waitForTimeout(100);
    await page.keyboard.type('Bo');
    await page.keyboard.press('Control+C');
    await waitForTerminal(page, /What is your name\? Bo\^C\s*\n\s*■ cancelled/);
  });

  await check('Ctrl+Alt+Enter in a second file while a run goes cancels that run and runs the file in front; Stop shows only on the running editor', async () => {
    await openFile(page, 'loop.py');
    await keyInEditor(page, 'Control+Alt+Enter');
    await stopButtonOf(page, 'loop.py').waitFor({ timeout: 15_000 });
    await openFile(page, 'hello.py');
    if (await stopButtonOf(page, 'hello.py').count()) throw new Error('Stop shows on an editor whose file is not running');
    await keyInEditor(page, 'Control+Alt+Enter');
    await waitForTerminal(page, /Hello from a warm sandbox[\s\S]*■ exited 0/);
    const f = await panelFrame(page);
    await f.locator('#title', { hasText: 'hello.py' }).waitFor({ timeout: 15_000 });
    await f.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 15_000 });
    // The loop's run was cancelled (its terminal line said so before hello's run cleared it): nothing runs now.
    await openFile(page, 'loop.py');
    await stopButtonOf(page, 'loop.py').waitFor({ state: 'detached', timeout: 15_000 });
  });

  await check('Stop has its own key (Ctrl+Alt+M) and its own button on the running editor', async () => {
    await openFile(page, 'loop.py');
    await keyInEditor(page, 'Control+Alt+Enter');
    await stopButtonOf(page, 'loop.py').waitFor({ timeout: 15_000 });
    await keyInEditor(page, 'Control+Alt+M');
    await waitForTerminal(page, /■ cancelled/);
    await stopButtonOf(page, 'loop.py').waitFor({ state: 'detached', timeout: 15_000 });
    await keyInEditor(page, 'Control+Alt+Enter');
    await stopButtonOf(page, 'loop.py').click();
    await waitForTerminal(page, /■ cancelled/);
  });

  await check('keys typed into the sandbox terminal while nothing runs get one hint (they were swallowed without a word)', async () => {
    await waitForTerminal(page, /■ cancelled/);
    await page.locator('.terminal-wrapper.active .xterm, .xterm').last().click();
    await page.keyboard.type('ls');
    await page.keyboard.press('Enter');
    await page.keyboard.type('again');
    await page.keyboard.press('Enter');
    const text = await waitForTerminal(page, /Nothing runs here now: ▶ in an editor's title \((Ctrl|Cmd)\+Alt\+Enter\) runs its file/);
    if (text.split('Nothing runs here now').length !== 2) throw new Error(`the hint is not shown once:\n${text}`);
    await openFile(page, 'hello.py');
  });

  await check('a run while the warmbox tab is hidden: its output and outcome are there when the tab is shown', async () => {
    await openFile(page, 'slow.py');
    await keyInEditor(page, 'Control+Alt+Enter');
    const f = await panelFrame(page);
    await f.locator('#output', { hasText: 'before the pause' }).waitFor({ timeout: 30_000 });
    // Cover the warmbox tab: open a file in its group, as clicking a file in the Explorer does there.
    const tab = page.locator('.tabs-container .tab', { hasText: /^warmbox$/ }).first();
    await tab.click();
    // Quick Open from the tab's group (the key is asked again if the webview taking the focus swallowed it).
    const qi = await quickInput(page, 'Control+P');
    await qi.fill('select.py');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'select.py' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: 'select.py' }).waitFor({ timeout: 15_000 });
    // The rest of the run happens while the tab is hidden.
    await waitForTerminal(page, /after the pause\s*\n\s*■ exited 0/);
    await tab.click();
    const shown = await panelFrame(page);
    await shown.locator('#output', { hasText: 'after the pause' }).waitFor({ timeout: 15_000 });
    await shown.locator('#outcome', { hasText: 'exited 0' }).waitFor({ timeout: 15_000 });
    await shown.locator('#title', { hasText: 'slow.py' }).waitFor({ timeout: 5_000 });
    // Leave the editor group layout as it was for the checks after these: the file in the first group in front.
    await page.locator('.tabs-container .tab', { hasText: 'select.py' }).first().click({ button: 'middle' }).catch(() => undefined);
    await openFile(page, 'hello.py');
  });

  await check('a /work path in the sandbox terminal opens the project file at its line', async () => {
    await openFile(page, 'fail.py');
    await keyInEditor(page, 'Control+Alt+Enter');
    await waitForTerminal(page, /ZeroDivisionError[\s\S]*■ exited 1/);
    // Ctrl+click on the path (in the middle of its characters), as on any terminal link.
    const at = await page.evaluate(() => {
      for (const row of document.querySelectorAll('.xterm-rows > div')) {
        const i = (row.textContent || '').indexOf('/work/proj/helper.py');
        if (i < 0) continue;
        const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
        let seen = 0;
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const len = n.textContent.length;
          if (seen + len > i + 8) {
            const r = document.createRange();
            r.setStart(n, i + 8 - seen);
            r.setEnd(n, i + 9 - seen);
            const b = r.getBoundingClientRect();
            return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
          }
          seen += len;
        }
      }
      return null;
    });
    if (!at) throw new Error('no /work/proj/helper.py in the terminal');
    await page.mouse.move(at.x, at.y);
    await page.waitForTimeout(500);
    await page.keyboard.down('Control');
    await page.mouse.click(at.x, at.y);
    await page.keyboard.up('Control');
    await page.locator('.tab.active', { hasText: 'helper.py' }).waitFor({ timeout: 15_000 });
    await page.locator('#workbench\\.parts\\.statusbar').getByText(/Ln 6, Col 1/).waitFor({ timeout: 15_000 });
  });
}

module.exports = { TERMINAL_FILES, checks, terminalText };
