// Shared helpers for the browser tests of the built package: the harness addresses, one
// headless Chromium (playwright-core, Debian's binary), pages served by the test backend
// (same origin as /broadcasting/auth), and the backend's test endpoints.
import { appendFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/test or scripts/harness run`);
  return value;
};

export const env = {
  backend: need('ECHO_TEST_BACKEND_URL'),
  port: Number(need('ECHO_TEST_WS_PORT')),
  key: need('ECHO_TEST_APP_KEY'),
  // ECHO_TEST_CONNECTION_RECOVERY=1 (suite pkg-browser-p2): the pages give every Echo they build
  // (`makeEcho`, `echoOptions`) `connectionRecovery: true`, i.e. Sockudo's protocol 2.
  recovery: process.env.ECHO_TEST_CONNECTION_RECOVERY === '1',
  // ECHO_TEST_SHARE_CONNECTION=1 (suite pkg-browser-shared): every Echo the pages build gets
  // `shareConnection: true`, and every context the browser from `launch()` opens gets a leader
  // tab first (pages/leader.html), so the test's own page is a follower (pages/share-follower.js).
  share: process.env.ECHO_TEST_SHARE_CONNECTION === '1',
};

/**
 * The query every test page takes: `key`, `port` (and `recovery=1` in the protocol-2 run,
 * `share=1` in the follower run).
 */
export const pageQuery = (port = env.port) =>
  `key=${env.key}&port=${port}${env.recovery ? '&recovery=1' : ''}${env.share ? '&share=1' : ''}`;

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];

export async function launch() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  if (env.share) withLeaderTabs(browser);
  return browser;
}

/**
 * Opens the leader tab of the follower run in `context` (pages/leader.html): it makes, for each
 * Echo a follower page is about to build, a sharing Echo with the same options first.
 */
export async function openLeaderTab(context) {
  const page = await context.newPage();
  await page.goto(`${env.backend}/pages/leader.html?key=${env.key}&port=${env.port}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}

// The follower run's tally: each test page's Echo reports its settled sharing role
// (pages/share-follower.js); appended to $ECHO_TEST_SHARE_TALLY (JSON lines) when the test file's
// process exits, checked by tests/share/follower-tally.mjs.
const shareTally = [];
function withLeaderTabs(browser) {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    await context.exposeBinding('__shareReport', (_source, rec) => { shareTally.push(rec); });
    await openLeaderTab(context);
    return context;
  };
  if (process.env.ECHO_TEST_SHARE_TALLY && !withLeaderTabs.hooked) {
    withLeaderTabs.hooked = true;
    const file = process.argv[1] || 'unknown';
    process.on('exit', () => {
      const lines = shareTally.map((r) => JSON.stringify({ file, ...r })).join('\n');
      if (lines) appendFileSync(process.env.ECHO_TEST_SHARE_TALLY, lines + '\n');
    });
  }
}

/** Opens a test page in a fresh context; collects page errors and console warnings. */
export async function openPage(browser, file = 'echo.html') {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.warnings = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') page.warnings.push(m.text());
  });
  await page.goto(`${env.backend}/pages/${file}?${pageQuery()}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}

/** POSTs JSON to the backend; returns the parsed answer. */
export async function backend(path, body = {}) {
  const res = await fetch(env.backend + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export const trigger = (channel, event, data, extra = {}) => backend('/test/trigger', { channel, event, data, ...extra });
export const fault = (channel, fault, extra = {}) => backend('/test/fault', { channel, fault, ...extra });
export const reset = () => backend('/test/reset');
export async function channelInfo(name) {
  const res = await fetch(`${env.backend}/test/channel/${encodeURIComponent(name)}`);
  return res.json();
}
export async function authLog() {
  return (await fetch(`${env.backend}/test/auth-log`)).json();
}

/** Entries of the page's `window.log` of one kind. */
export const logged = (page, kind) => page.evaluate((k) => window.log.filter((e) => e.kind === k).map((e) => e.args), kind);

/** Waits until `fn` returns a truthy value (or throws after `timeout` ms with `what`). */
export async function eventually(fn, what, timeout = 10000) {
  const start = Date.now();
  let last;
  while (Date.now() - start < timeout) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Waits until the page's Echo reports `status`. */
export function waitForStatus(page, status, timeout = 15000, name = 'echo') {
  return eventually(() => page.evaluate(([n]) => window[n] && window[n].connectionStatus(), [name]).then((s) => s === status), `status ${status}`, timeout);
}

/**
 * The state of channel `name` (full name, e.g. `private-x`) as `diagnose()` reports it, or
 * 'absent' when the client does not have that channel. Read-only: unlike `echo.channel(name)`,
 * it never creates (and so never subscribes) the channel it looks at.
 */
export function channelState(page, name, echoName = 'echo') {
  return page.evaluate(([n, e]) => {
    const c = window[e].diagnose().channels.find((ch) => ch.name === n);
    return c ? c.state : 'absent';
  }, [name, echoName]);
}

/** Waits until channel `name` (full name) in the page is subscribed; never creates it. */
export function waitForSubscribed(page, name, timeout = 10000, echoName = 'echo') {
  return eventually(
    () => channelState(page, name, echoName).then((s) => s === 'subscribed'),
    `${name} subscribed`,
    timeout,
  );
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens a page whose context first runs `init(arg)` (e.g. a Notification double). */
export async function openPageWith(browser, init, arg, { file = 'echo.html', permissions } = {}) {
  const context = await browser.newContext();
  if (permissions) await context.grantPermissions(permissions, { origin: env.backend });
  await context.addInitScript(init, arg);
  const page = await context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(`${env.backend}/pages/${file}?${pageQuery()}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}

/**
 * Starts a private Sockudo (same app id/key/secret as the harness) with `extraEnv`, for
 * conditions the shared one must not have (client events disabled, a tiny connection quota).
 * Returns {port, stop}; it is also killed when the test process exits.
 */
export async function startPrivateSockudo(extraEnv = {}) {
  const { spawn } = await import('node:child_process');
  const net = await import('node:net');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const freePort = () => new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
  const port = await freePort();
  const metrics = await freePort();
  const child = spawn('sockudo', [], {
    cwd: mkdtempSync(`${tmpdir()}/sockudo-`),
    stdio: 'ignore',
    env: {
      PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}`, HOST: '127.0.0.1', PORT: String(port),
      METRICS_HOST: '127.0.0.1', METRICS_PORT: String(metrics), APP_MANAGER_DRIVER: 'memory', ADAPTER_DRIVER: 'local',
      CACHE_DRIVER: 'memory', QUEUE_DRIVER: 'memory', RATE_LIMITER_DRIVER: 'memory', RATE_LIMITER_ENABLED: 'false',
      SOCKUDO_DEFAULT_APP_ID: process.env.ECHO_TEST_APP_ID, SOCKUDO_DEFAULT_APP_KEY: env.key,
      SOCKUDO_DEFAULT_APP_SECRET: process.env.ECHO_TEST_APP_SECRET, SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true',
      SOCKUDO_DEFAULT_APP_ENABLE_USER_AUTHENTICATION: 'true', SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS: '10000',
      CONNECTION_RECOVERY_ENABLED: 'true', // as the harness' Sockudo (protocol-2 clients only)
      ...extraEnv,
    },
  });
  const kill = () => { try { child.kill('SIGKILL'); } catch {} };
  process.on('exit', kill);
  await eventually(async () => {
    try { return (await fetch(`http://127.0.0.1:${port}/up`)).ok; } catch { return false; }
  }, 'private sockudo /up', 30000);
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await sleep(1500);
      kill();
    },
  };
}
