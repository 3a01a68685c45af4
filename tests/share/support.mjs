// Helpers of the connection-sharing tests (issue 14): tabs of one browser context (one origin)
// with `shareConnection: true`, and Sockudo's own count of open WebSocket connections. Reuses
// tests/js/support.mjs (the harness addresses, Chromium, the backend's test endpoints) and its
// pages: echo.html's `makeEcho(options)` builds each tab's Echo.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { env, pageQuery, eventually, sleep } from '../js/support.mjs';

export * from '../js/support.mjs';

const metricsPort = process.env.ECHO_TEST_METRICS_PORT;
const vueBuild = fileURLToPath(new URL('../vue/node_modules/vue/dist/vue.esm-browser.prod.js', import.meta.url));

export const unique = (prefix) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

/**
 * Opens a tab (echo.html) in `context`; `window.echo = makeEcho(options)` unless options is
 * null. A sharing tab is returned once its role is settled (`settledSharing`), so the tabs of
 * a test elect in the order they are opened: the first one leads.
 */
export async function openTab(context, options = { shareConnection: true }) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${env.backend}/pages/echo.html?${pageQuery()}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  if (options) await page.evaluate((o) => { window.echo = window.makeEcho(o); }, options);
  if (options && options.shareConnection) await settledSharing(page);
  return page;
}

/**
 * Waits until the tab's `diagnose().sharing` is settled: leading, attached as a follower
 * (`tabs` > 0; while it waits for the leader lock an Echo says follower with tabs 0), or solo
 * with a reason. Returns it.
 */
export function settledSharing(page, timeout = 15000) {
  return eventually(() => page.evaluate(() => {
    const s = window.echo.diagnose().sharing;
    const settled = s.role === 'leader' || (s.role === 'follower' && s.tabs > 0) || (s.role === 'solo' && s.reason);
    return settled ? s : false;
  }), 'a settled sharing role', timeout);
}

/** Opens the Vue test page (vue.html; Vue itself served from tests/vue/node_modules). */
export async function openVueTab(context) {
  await context.route('**/test-modules/vue.esm-browser.prod.js', async (route) =>
    route.fulfill({ contentType: 'text/javascript', body: await readFile(vueBuild, 'utf8') }));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${env.backend}/pages/vue.html?${pageQuery()}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}

/** The tab's `diagnose().sharing`. */
export const sharing = (page) => page.evaluate(() => window.echo.diagnose().sharing);
export const status = (page) => page.evaluate(() => window.echo.connectionStatus());
export const socketId = (page) => page.evaluate(() => window.echo.socketId());

/** Waits until every tab's Echo is connected. */
export async function allConnected(pages, timeout = 15000) {
  await Promise.all(pages.map((p, i) => eventually(async () => (await status(p)) === 'connected', `tab ${i} connected`, timeout)));
}

/** Open connections as Sockudo counts them: the sum of its `sockudo_connected` gauge. */
export async function gaugeConnections() {
  if (!metricsPort) throw new Error('ECHO_TEST_METRICS_PORT is not set: run through scripts/test');
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return text.split('\n').filter((l) => /^sockudo_connected(\{[^}]*\})?\s/.test(l))
    .reduce((sum, l) => sum + Number(l.trim().split(/\s+/).pop()), 0);
}

/**
 * Established TCP connections that Sockudo accepted on its port (`ss`, local port = Sockudo's)
 * from a Chromium socket: the peer's port must be the local port of a socket Chromium owns. So
 * the backend's HTTP API calls to the same port (triggers, channel queries) are not counted.
 */
export function ssConnections() {
  const port = env.port;
  const lines = (args) => execFileSync('ss', ['-Htn', ...args, 'state', 'established', `( ${args.includes('-p') ? 'dport' : 'sport'} = :${port} )`],
    { encoding: 'utf8' }).split('\n').filter(Boolean);
  const portOf = (addr) => Number(addr.slice(addr.lastIndexOf(':') + 1));
  // Client side, with the owning process: "0 0 127.0.0.1:51234 127.0.0.1:PORT users:(("chromium",...))".
  const chromiumPorts = new Set(lines(['-p']).filter((l) => /users:\(\("chrom/.test(l))
    .map((l) => portOf(l.trim().split(/\s+/)[2])));
  // Server side: "0 0 127.0.0.1:PORT 127.0.0.1:51234".
  return lines([]).filter((l) => chromiumPorts.has(portOf(l.trim().split(/\s+/)[3]))).length;
}

/** Both counts now. */
export async function connections() {
  return { gauge: await gaugeConnections(), ss: ssConnections() };
}

/** Waits until both counts are `want`. */
export async function connectionsBecome(want, what, timeout = 15000) {
  let now;
  try {
    await eventually(async () => { now = await connections(); return now.gauge === want && now.ss === want; }, what, timeout);
  } catch (error) {
    throw new Error(`${error.message}; counted ${JSON.stringify(now)}`);
  }
}

/** Samples both counts every ~100 ms until `stop()`, which returns {samples, max, last}. */
export function sampleConnections() {
  const samples = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await connections());
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      samples.push(await connections());
      const max = { gauge: Math.max(...samples.map((s) => s.gauge)), ss: Math.max(...samples.map((s) => s.ss)) };
      return { samples: samples.length, max, last: samples[samples.length - 1] };
    },
  };
}

const opened = [];
/** A new context, closed by `closeContexts()` (each file's afterEach) if the test did not. */
export async function newContext(browser) {
  const context = await browser.newContext();
  opened.push(context);
  return context;
}
export async function closeContexts() {
  for (const c of opened.splice(0)) await c.close().catch(() => {});
}

/** A fresh context once Sockudo counts no connection (no other test's socket left over). */
export async function freshContext(browser) {
  await connectionsBecome(0, 'no connection left over before the test', 20000);
  return newContext(browser);
}
