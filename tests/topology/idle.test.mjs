// Proxy idle timeouts (issue #17). Sockudo runs with ACTIVITY_TIMEOUT=ECHO_TOPO_ACTIVITY_TIMEOUT
// (4 s): the client pings after that much silence. A proxy whose proxy_read_timeout (2 s) is below
// it cuts idle sockets: the client reconnects and keeps every channel. The README's config
// (deploy/nginx/echo-wasm.conf) must outlast production's activity timeout plus pong timeout
// (client defaults and Sockudo's default, read from the sources by timeouts.mjs), and, served
// with its timeouts scaled by 4 s over production's activity timeout, sees 0 reconnects over a
// silence longer than those scaled timeouts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, eventually, sleep, topo, proxyPage, setupClient, allSubscribed, nodeSdk, ROOT } from './topo.mjs';
import { production, proxyTimeouts, scaledServer } from './timeouts.mjs';

const read = (f) => fs.readFileSync(path.resolve(ROOT, f), 'utf8');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const tick = (base, n) => nodeSdk(1).trigger([base, `private-${base}`, `presence-${base}`], 'tick', { n });

test('proxy_read_timeout below the activity timeout: the client reconnects and keeps its channels', async () => {
  const base = 'tenant.1.topo-idle-short';
  const page = await proxyPage(browser, { port: topo.shortProxyPort });
  try {
    await setupClient(page, { client: 1, base });
    await eventually(() => allSubscribed(page), 'subscribed', 15000);
    const first = await page.evaluate(() => window.echo.diagnose());
    assert.equal(first.serverActivityTimeout, topo.activityTimeout, 'Sockudo announced the short activity timeout');
    // The proxy cuts the silent socket after 2 s; the client comes back on its own.
    await eventually(async () => (await page.evaluate(() => window.echo.diagnose().reconnects)) >= 2, 'two reconnects after proxy cuts', 20000);
    await eventually(() => allSubscribed(page), 'every channel subscribed again', 10000);
    const d = await page.evaluate(() => window.echo.diagnose());
    assert.deepEqual(d.channels.map((c) => c.name).sort(), [base, `presence-${base}`, `private-${base}`].sort(), 'the same three channels');
    assert.notEqual(d.socketId, first.socketId);
    assert.equal((await tick(base, 1)).status, 200);
    await eventually(async () => (await page.evaluate(() => window.got.length)) === 3, 'the event on all three channels after the reconnects', 5000);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the README proxy config: its timeouts outlast production\'s activity timeout plus pong timeout', () => {
  const prod = production();
  const need = (prod.activity + prod.pong) * 1000;
  const deploy = proxyTimeouts(read('deploy/nginx/echo-wasm.conf'));
  for (const [name, ms] of Object.entries(deploy)) {
    assert.ok(ms > need, `deploy/nginx/echo-wasm.conf ${name} ${ms / 1000} s must exceed the activity timeout `
      + `(min(client ${prod.client.activity} s, Sockudo ${prod.sockudo} s) = ${prod.activity} s) plus the pong timeout (${prod.pong} s)`);
  }
});

test('the README proxy config at test scale: 0 reconnects over a silence longer than its timeouts, then the next event arrives', async () => {
  // nginx serves the deploy server block on scaledProxyPort with its timeouts times
  // (test activity timeout / production activity timeout): a README value too short for
  // production is too short here, and the client's pings must keep the socket open.
  const prod = production();
  const deploy = proxyTimeouts(read('deploy/nginx/echo-wasm.conf'));
  const running = read(path.join(topo.dir, 'echo-wasm-scaled.conf'));
  assert.equal(running, scaledServer(read(path.join(topo.dir, 'echo-wasm.conf')), `127.0.0.1:${topo.scaledProxyPort}`, topo.activityTimeout, prod.activity), 'nginx runs the scaled deploy server block');
  const scaled = proxyTimeouts(running);
  for (const name of Object.keys(deploy)) assert.equal(scaled[name], Math.round(deploy[name] * topo.activityTimeout / prod.activity), `${name} scaled`);
  const longest = Math.max(...Object.values(scaled));
  const silence = Math.max(3 * topo.activityTimeout * 1000, longest + topo.activityTimeout * 1000) + 1000;
  const base = 'tenant.1.topo-idle-ok';
  const page = await proxyPage(browser, { port: topo.scaledProxyPort });
  try {
    await setupClient(page, { client: 1, base });
    await eventually(() => allSubscribed(page), 'subscribed', 15000);
    const first = await page.evaluate(() => window.echo.diagnose());
    assert.equal(first.serverActivityTimeout, topo.activityTimeout);
    const states = await page.evaluate(() => window.states.length);
    await sleep(silence);
    const d = await page.evaluate(() => window.echo.diagnose());
    assert.equal(d.reconnects, 0, `no reconnect over ${silence} ms of silence (scaled proxy timeouts ${JSON.stringify(scaled)} ms)`);
    assert.equal(d.socketId, first.socketId, 'the same socket');
    assert.equal(await page.evaluate(() => window.states.length), states, 'no state change while idle');
    assert.equal((await tick(base, 1)).status, 200);
    await eventually(async () => (await page.evaluate(() => window.got.length)) === 3, 'the event on all three channels', 5000);
  } finally {
    await page.context().close();
  }
});
