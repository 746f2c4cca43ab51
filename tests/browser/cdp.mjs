// Loads one page in headless Chromium and reports what a reader would meet,
// as one JSON document on standard output. Used by tests/browser.rs.
//
// Plain Node (no npm package): Chromium is driven over the DevTools
// protocol on a pipe (--remote-debugging-pipe: the browser reads commands
// on fd 3 and writes replies and events on fd 4, each message JSON ended by
// a NUL byte), so no port is opened and nothing is downloaded.
//
// Usage: node cdp.mjs CHROMIUM USER_DATA_DIR FILE_URL [SCREENSHOT.png [PRINT.pdf]]
//
// Reports: console errors and uncaught exceptions of the page, browser log
// entries of level error, every request other than the page itself, the
// viewport and the summary's boxes, the headings, the text marks, the
// numbered references with their links, the in-page citation links, and
// the rendered text with every <details> opened and the flowchart hidden.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const [chrome, dataDir, url, screenshot, pdf] = process.argv.slice(2);
const WIDTH = 1280;
const HEIGHT = 800;

const child = spawn(chrome, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-extensions', '--mute-audio', '--hide-scrollbars',
  `--user-data-dir=${dataDir}`, `--window-size=${WIDTH},${HEIGHT}`,
  '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });

let stderr = '';
child.stdio[2].on('data', (d) => { stderr += d; });

const fail = (message) => {
  process.stderr.write(`cdp.mjs: ${message}\n--- chromium's stderr (last 2000 bytes):\n${stderr.slice(-2000)}\n`);
  child.kill('SIGKILL');
  process.exit(1);
};
const timer = setTimeout(() => fail('timed out after 40 s'), 40000);
child.on('error', (e) => fail(`cannot start ${chrome}: ${e.message}`));
child.on('exit', (code) => { if (!done) fail(`chromium exited early (code ${code})`); });

const toBrowser = child.stdio[3];
const fromBrowser = child.stdio[4];
let nextId = 1;
const pending = new Map();
const listeners = [];
let buffer = Buffer.alloc(0);
let done = false;

fromBrowser.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  let end;
  while ((end = buffer.indexOf(0)) >= 0) {
    const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
    buffer = buffer.subarray(end + 1);
    if (message.id !== undefined && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(JSON.stringify(message.error)));
      else resolve(message.result);
    } else if (message.method) {
      for (const listener of listeners) listener(message);
    }
  }
});

function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  const message = { id, method, params };
  if (sessionId) message.sessionId = sessionId;
  toBrowser.write(JSON.stringify(message) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

const consoleErrors = [];
const logErrors = [];
const requests = [];
let loaded;
const loadedPromise = new Promise((resolve) => { loaded = resolve; });

listeners.push((m) => {
  const p = m.params || {};
  if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert')) {
    consoleErrors.push((p.args || []).map((a) => a.value ?? a.description ?? '').join(' '));
  } else if (m.method === 'Runtime.exceptionThrown') {
    consoleErrors.push(`Uncaught: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
  } else if (m.method === 'Log.entryAdded' && p.entry?.level === 'error') {
    logErrors.push(`${p.entry.source}: ${p.entry.text} ${p.entry.url ?? ''}`.trim());
  } else if (m.method === 'Network.requestWillBeSent') {
    requests.push(p.request.url);
  } else if (m.method === 'Page.loadEventFired') {
    loaded();
  }
});

// Runs in the page after it has loaded.
const inspect = `(() => {
  const box = (e) => { if (!e) return null; const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right,
             visible: s.visibility === 'visible' && s.display !== 'none' && r.height > 0 }; };
  const summary = document.getElementById('summary');
  const result = {
    viewport: { width: innerWidth, height: innerHeight },
    title: document.title,
    summaryHeading: box(document.getElementById('summary-heading')),
    summaryFirstItem: box(summary && summary.querySelector('li, p')),
    headings: [...document.querySelectorAll('h1, h2, h3')].map((h) => h.tagName + ' ' + h.textContent.trim()),
    marks: [...document.querySelectorAll('.gdl-mark')].map((m) => m.textContent),
    references: [...document.querySelectorAll('ol.gdl-refs > li')].map((li) => ({
      number: li.value, id: li.id, key: li.dataset.key,
      hrefs: [...li.querySelectorAll('a')].map((a) => a.getAttribute('href')) })),
    citations: [...document.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute('href')),
    scripts: document.scripts.length,
  };
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  document.querySelectorAll('.gdl-figure').forEach((f) => { f.style.display = 'none'; });
  result.text = document.body.innerText;
  return result;
})()`;

(async () => {
  try {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    for (const domain of ['Runtime', 'Log', 'Network', 'Page']) {
      await send(`${domain}.enable`, {}, sessionId);
    }
    await send('Emulation.setDeviceMetricsOverride',
      { width: WIDTH, height: HEIGHT, deviceScaleFactor: 1, mobile: false }, sessionId);
    await send('Page.navigate', { url }, sessionId);
    await loadedPromise;
    if (screenshot) {
      const shot = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
      writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
    }
    if (pdf) {
      const printed = await send('Page.printToPDF', { preferCSSPageSize: true }, sessionId);
      writeFileSync(pdf, Buffer.from(printed.data, 'base64'));
    }
    const evaluated = await send('Runtime.evaluate', { expression: inspect, returnByValue: true }, sessionId);
    if (evaluated.exceptionDetails) throw new Error(JSON.stringify(evaluated.exceptionDetails));
    const page = evaluated.result.value;
    const others = requests.filter((r) => r !== url);
    done = true;
    await send('Browser.close').catch(() => {});
    clearTimeout(timer);
    process.stdout.write(JSON.stringify({ consoleErrors, logErrors, otherRequests: others, page }) + '\n');
    process.exit(0);
  } catch (e) {
    fail(e.stack || String(e));
  }
})();
