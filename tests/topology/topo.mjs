// Helpers for the production-topology tests (issue #17), run by `scripts/topology run` (which
// starts nginx, three Sockudo nodes on a Redis Cluster and the backend, and exports ECHO_TOPO_*):
// pages served through the proxy, which node holds how many clients (each node's own
// `sockudo_connected` metric), node and Redis kills/restarts through scripts/topology, the
// server SDK against one node, pusher-js clients in Node as extra load, and a JSON report of the
// figures for RELIABILITY.md. Browser and process helpers come from ../reliability/lib.mjs.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { launch, eventually, sleep, serverSdk, ROOT, APP } from '../reliability/lib.mjs';

export { launch, eventually, sleep, ROOT, APP };

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through scripts/topology run (or scripts/test reliability-topology)`);
  return v;
};

export const topo = {
  proxyPort: Number(need('ECHO_TOPO_PROXY_PORT')),
  shortProxyPort: Number(need('ECHO_TOPO_PROXY_SHORT_PORT')),
  scaledProxyPort: Number(need('ECHO_TOPO_PROXY_SCALED_PORT')),
  nodePorts: need('ECHO_TOPO_NODE_PORTS').split(' ').map(Number),
  metricsPorts: need('ECHO_TOPO_METRICS_PORTS').split(' ').map(Number),
  redisPorts: need('ECHO_TOPO_REDIS_PORTS').split(' ').map(Number),
  activityTimeout: Number(need('ECHO_TOPO_ACTIVITY_TIMEOUT')),
  dir: need('ECHO_TOPO_DIR'),
  script: need('ECHO_TOPO_SCRIPT'),
};
export const proxyOrigin = (port = topo.proxyPort) => `https://127.0.0.1:${port}`;

/** A page of tests/topology/pages served through nginx, in a context that accepts the test certificate. */
export async function proxyPage(browser, { port = topo.proxyPort, cookie } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  if (cookie) await context.addCookies([{ name: 'echo_node', value: cookie, url: proxyOrigin(port) }]);
  const page = await context.newPage();
  page.errors = [];
  page.sockets = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('websocket', (ws) => page.sockets.push(ws.url()));
  await page.goto(`${proxyOrigin(port)}/pages/topology.html?key=${APP.key}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  return page;
}

/**
 * Makes `window.echo` in `page` with channels `public`, `private-`, `presence-` of `base`; every
 * event `.tick` is recorded as [kind, n], state changes and subscriptions with their time.
 * `client` 1, 2, 3, ... signs in as user 1, 2, 1, ... (the backend's tenant 1 has users 1 and 2).
 */
export async function setupClient(page, { client, base, extra = {} }) {
  const user = 1 + ((client - 1) % 2);
  await page.evaluate(({ user, base, extra }) => {
    window.got = [];
    window.states = [];
    window.subs = [];
    window.echo = window.makeEcho({ bearerToken: `token-user-${user}`, ...extra }); // default reconnect policy
    window.echo.connector.onConnectionChange((s) => window.states.push([s, Date.now()]));
    const rec = (kind) => (d) => window.got.push([kind, d.n]);
    const sub = (kind) => () => window.subs.push([kind, Date.now()]);
    window.echo.channel(base).subscribed(sub('public')).listen('.tick', rec('public'));
    window.echo.private(base).subscribed(sub('private')).listen('.tick', rec('private'));
    window.presence = window.echo.join(base).subscribed(sub('presence')).listen('.tick', rec('presence'));
  }, { user, base, extra });
}

/** Every channel of the page's echo subscribed and the socket connected (diagnose()). */
export const allSubscribed = (page) => page.evaluate(() => {
  const d = window.echo.diagnose();
  return d.status === 'connected' && d.channels.length > 0 && d.channels.every((c) => c.state === 'subscribed');
});

// ---- which node holds how many sockets ----------------------------------------------------------
/** `sockudo_connected` of each node (from its own Prometheus endpoint); null for a node that is down. */
export async function connectedPerNode() {
  return Promise.all(topo.metricsPorts.map(async (port) => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^sockudo_connected(?:\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line.trim());
        if (m) sum += Number(m[1]);
      }
      return sum;
    } catch { return null; }
  }));
}

/** Runs `connect()` (which opens one socket) and returns the index of the node whose count rose by one. */
export async function nodeOf(connect) {
  const before = await connectedPerNode();
  await connect();
  return eventually(async () => {
    const now = await connectedPerNode();
    const rose = now.map((c, i) => c - before[i]);
    return rose.filter((d) => d === 1).length === 1 && rose.filter((d) => d !== 0).length === 1 ? rose.indexOf(1) + 1 : false;
  }, 'exactly one node with one more socket', 10000);
}

// ---- processes ------------------------------------------------------------------------------------
const run = (...args) => execFileSync('bash', [topo.script, ...args], { env: { ...process.env, ECHO_TOPOLOGY_DIR: topo.dir }, stdio: ['ignore', 'ignore', 'pipe'] });
const pidOf = (file) => Number(fs.readFileSync(path.join(topo.dir, file), 'utf8'));
export const nodeKill = (n) => run('node-kill', String(n));
export const nodeStart = (n) => run('node-start', String(n));
/** A graceful stop (SIGTERM, SIGKILL after 5 s), as a rolling restart does. */
export async function nodeStop(n) {
  const file = path.join(topo.dir, `node-${n}.pid`);
  const pid = pidOf(`node-${n}.pid`);
  process.kill(pid, 'SIGTERM');
  const start = Date.now();
  while (alive(pid)) {
    if (Date.now() - start > 5000) process.kill(pid, 'SIGKILL');
    await sleep(50);
  }
  fs.rmSync(file, { force: true });
}
// A killed child of a detached harness may stay a zombie until init reaps it: that is gone too.
const alive = (pid) => { try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };

export const redisCli = (port, ...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
export function redisKill(port) { process.kill(pidOf(`redis-${port}.pid`), 'SIGKILL'); }
export const redisStart = (port) => run('redis-start', String(port));
/** The masters that are up, as {port, id, slots: [[from, to], ...]} (CLUSTER SHARDS-free: CLUSTER NODES). */
export function masters(askPort) {
  return redisCli(askPort, 'cluster', 'nodes').split('\n').map((l) => l.split(' '))
    .filter((f) => f[2].includes('master') && !f[2].includes('fail') && f[7] === 'connected')
    .map((f) => ({ port: Number(f[1].split(':')[1].split('@')[0]), id: f[0], slots: f.slice(8).filter((s) => /^\d+(-\d+)?$/.test(s)).map((s) => s.split('-').map(Number)) }));
}
export const clusterOk = (port) => { try { return /cluster_state:ok/.test(redisCli(port, 'cluster', 'info')); } catch { return false; } };

// ---- server side ------------------------------------------------------------------------------------
/** The `pusher` SDK against node `n`'s own HTTP API (1-based). */
export const nodeSdk = (n, timeout = 3000) => serverSdk({ port: topo.nodePorts[n - 1], timeout });

/** pusher-js in Node through the proxy (wss://, this run's certificate via NODE_EXTRA_CA_CERTS). */
export function pusherJs() {
  const require = createRequire(path.join(ROOT, 'tests/js/package.json'));
  const Pusher = require('pusher-js');
  return new Pusher(APP.key, {
    cluster: 'mt1', wsHost: '127.0.0.1', wssPort: topo.proxyPort, forceTLS: true, enabledTransports: ['ws', 'wss'],
    disableStats: true,
  });
}

// ---- figures ----------------------------------------------------------------------------------------
const REPORT = path.join(ROOT, 'target/topology-report.json');
/** Merges `figures` under `key` into target/topology-report.json and prints them. */
export function report(key, figures) {
  let all = {};
  try { all = JSON.parse(fs.readFileSync(REPORT, 'utf8')); } catch {}
  all[key] = { ...figures, at: new Date().toISOString() };
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`topology figures ${key}: ${JSON.stringify(figures)}`);
}
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null; };
