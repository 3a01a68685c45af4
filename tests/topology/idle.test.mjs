// Proxy idle timeouts (issue #17). Sockudo runs with ACTIVITY_TIMEOUT=ECHO_TOPO_ACTIVITY_TIMEOUT
// (4 s): the client pings after that much silence. A proxy whose proxy_read_timeout (2 s) is below
// it cuts idle sockets: the client reconnects and keeps every channel. The README's config
// (deploy/nginx/echo-wasm.conf, 300 s) sees 0 reconnects over 3 activity timeouts of silence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, eventually, sleep, topo, proxyPage, setupClient, allSubscribed, nodeSdk } from './topo.mjs';

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

test('the README proxy config: 0 reconnects over 3 activity timeouts of silence, then the next event arrives', async () => {
  const base = 'tenant.1.topo-idle-ok';
  const page = await proxyPage(browser);
  try {
    await setupClient(page, { client: 1, base });
    await eventually(() => allSubscribed(page), 'subscribed', 15000);
    const first = await page.evaluate(() => window.echo.diagnose());
    assert.equal(first.serverActivityTimeout, topo.activityTimeout);
    const states = await page.evaluate(() => window.states.length);
    await sleep(3 * topo.activityTimeout * 1000 + 1000);
    const d = await page.evaluate(() => window.echo.diagnose());
    assert.equal(d.reconnects, 0, 'no reconnect');
    assert.equal(d.socketId, first.socketId, 'the same socket');
    assert.equal(await page.evaluate(() => window.states.length), states, 'no state change while idle');
    assert.equal((await tick(base, 1)).status, 200);
    await eventually(async () => (await page.evaluate(() => window.got.length)) === 3, 'the event on all three channels', 5000);
  } finally {
    await page.context().close();
  }
});
