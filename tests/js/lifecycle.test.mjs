// Instances and handles that outlive their use (issue 12, items 6 and 10), against the real
// Sockudo and backend. "The server sees no connection" is read from Sockudo itself: its
// Prometheus gauge of open connections (metrics port) and the HTTP API's channel occupancy.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { launch, openPage, trigger, reset, channelInfo, eventually, sleep, env, pageQuery } from './support.mjs';

const metricsPort = process.env.ECHO_TEST_METRICS_PORT;
// Suite pkg-browser-shared: the page's Echo is a follower of the leader tab's Echo made with
// its options, and that one keeps the one socket open when the page's Echo goes (kept = 1);
// what the page's Echo held is released all the same, which the occupancy checks see.
const kept = env.share ? 1 : 0;
const vueBuild = fileURLToPath(new URL('../vue/node_modules/vue/dist/vue.esm-browser.prod.js', import.meta.url));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

/** Open connections as Sockudo counts them (sum of its `*_connected` gauge). */
async function connections() {
  if (!metricsPort) throw new Error('ECHO_TEST_METRICS_PORT is not set: run through scripts/test');
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const lines = text.split('\n').filter((l) => /^sockudo_connected(\{[^}]*\})?\s/.test(l));
  // Sockudo shows the labelled gauge from the first connection on; before that it is 0.
  connections.seen = text.split('\n').filter((l) => /connect/i.test(l) && !l.startsWith('#')).join('\n');
  return lines.reduce((sum, l) => sum + Number(l.trim().split(/\s+/).pop()), 0);
}

/** Waits until Sockudo reports `want` open connections. */
async function connectionsBecome(want, what, timeout = 10000) {
  let now;
  try {
    await eventually(async () => (now = await connections()) === want, `${what}: ${want} connections`, timeout);
  } catch (error) {
    throw new Error(`${error.message}; Sockudo counts ${now} (metrics: ${connections.seen})`);
  }
}

const occupied = async (name) => (await channelInfo(name)).occupied === true;
const unique = (prefix) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

/** Forces full garbage collections (and lets FinalizationRegistry callbacks run) until `done()`. */
/** Forces `times` full garbage collections, letting finalizers run between them. */
async function collectTimes(page, times) {
  const cdp = await page.context().newCDPSession(page);
  try {
    for (let i = 0; i < times; i++) {
      await cdp.send('HeapProfiler.collectGarbage');
      await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    }
  } finally {
    await cdp.detach();
  }
}

async function collectUntil(page, done, what, timeout = 15000) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await eventually(async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
      return done();
    }, what, timeout);
  } finally {
    await cdp.detach();
  }
}

test('destroy(): Sockudo sees the connection close and no reconnect; the instance then refuses use', async () => {
  const page = await openPage(browser);
  const base = await connections();
  const name = unique('life-destroy');
  await page.evaluate((n) => {
    window.echo = window.makeEcho({ reconnect: { baseMs: 100, maxMs: 200 } });
    window.held = window.echo.channel(n);
  }, name);
  await eventually(() => page.evaluate(() => window.held.subscriptionState === 'subscribed'), 'subscribed');
  await connectionsBecome(base + 1, 'connected');
  assert.equal(await occupied(name), true);

  await page.evaluate(() => window.echo.destroy());
  await connectionsBecome(base + kept, 'after destroy()');
  await eventually(async () => !(await occupied(name)), 'left on the server after destroy()');
  await sleep(1500); // several reconnect delays (100-200 ms): a live instance would be back
  assert.equal(await connections(), base + kept, 'no reconnect after destroy()');
  assert.equal(await occupied(name), false);
  const after = await page.evaluate(() => {
    const codeOf = (fn) => { try { fn(); return 'no throw'; } catch (e) { return e.code; } };
    return {
      channel: codeOf(() => window.echo.channel('x')),
      connect: codeOf(() => window.echo.connect()),
      heldListen: codeOf(() => window.held.listen('.x', () => {})),
      status: window.echo.connectionStatus(),
      destroyed: window.echo.diagnose().destroyed,
    };
  });
  assert.deepEqual(after, { channel: 'echo_destroyed', connect: 'echo_destroyed', heldListen: 'echo_destroyed', status: 'disconnected', destroyed: true });
  await sleep(500);
  assert.equal(await connections(), base + kept, 'nothing reconnected');
  await page.context().close();
});

test('an Echo dropped without destroy(), with channels and listeners, is collected and its socket closed', async () => {
  const page = await openPage(browser);
  const base = await connections();
  const names = [unique('life-gc-a'), unique('life-gc-b')];
  await page.evaluate((ns) => {
    window.tmp = window.makeEcho({ reconnect: { baseMs: 100, maxMs: 200 } });
    window.tmpChannels = ns.map((n) => window.tmp.channel(n).listen('.x', () => {}));
    window.tmpChannels[0].listenToAll(() => {});
    window.tmpConnector = window.tmp.connector;
    window.tmpConnector.onConnectionChange(() => {});
    window.tmpNotifications = window.tmp.notifications;
  }, names);
  await eventually(() => page.evaluate(() => window.tmpChannels.every((c) => c.subscriptionState === 'subscribed')), 'subscribed');
  await connectionsBecome(base + 1, 'connected');
  assert.equal(await occupied(names[0]), true);

  // Drop the Echo and every handle the page holds (channels, connector, notifications); only
  // the client's own handle cache (weak) still references the channel handles.
  await page.evaluate(() => { delete window.tmp; delete window.tmpChannels; delete window.tmpConnector; delete window.tmpNotifications; });
  await collectUntil(page, async () => (await connections()) === base + kept && !(await occupied(names[0])) && !(await occupied(names[1])),
    `the dropped Echo's socket closes (${base + kept} connections) and its channels are left`);
  await sleep(1000);
  assert.equal(await connections(), base + kept, 'no reconnect from the collected instance');
  assert.equal(await occupied(names[0]), false);
  assert.equal(await occupied(names[1]), false);
  await page.context().close();
});

test('an Echo dropped without destroy() while the app keeps a channel handle stays connected: the listener still gets events', async () => {
  // laravel-echo usage in a module: `const echo = new Echo(o); echo.channel(n).listen(...)`,
  // where nothing keeps `echo` itself (only the channel is kept).
  const page = await openPage(browser);
  const base = await connections();
  const name = unique('life-kept');
  await page.evaluate((n) => {
    window.got = [];
    window.echoCollected = false;
    window.finalized = new FinalizationRegistry(() => { window.echoCollected = true; });
    const echo = window.makeEcho({ reconnect: { baseMs: 100, maxMs: 200 } });
    window.finalized.register(echo, 'echo');
    window.kept = echo.channel(n).listen('.ping', (data) => window.got.push(data));
  }, name);
  await eventually(() => page.evaluate(() => window.kept.subscriptionState === 'subscribed'), 'subscribed');
  await connectionsBecome(base + 1, 'connected');

  await collectUntil(page, () => page.evaluate(() => window.echoCollected), 'the Echo object itself is collected');
  await collectTimes(page, 5);
  await sleep(1000); // several reconnect delays: a closed client would not be back, a live one stays
  assert.equal(await connections(), base + 1, 'Sockudo still counts the connection of the held channel');
  assert.equal(await page.evaluate(() => window.kept.subscriptionState), 'subscribed');
  assert.equal(await occupied(name), true);
  await trigger(name, 'ping', { n: 1 });
  await eventually(() => page.evaluate(() => window.got.length >= 1), 'the event reaches the held channel\'s listener');
  assert.deepEqual(await page.evaluate(() => window.got), [{ n: 1 }]);

  // The last handle dropped too: now the client is collected and its socket closed.
  await page.evaluate(() => { delete window.kept; });
  await collectUntil(page, async () => (await connections()) === base + kept && !(await occupied(name)), `closed once the last handle is dropped (${base + kept} connections) and left`);
  await page.context().close();
});

test('echo.private(x) === echo.private(x) while the handle is held, across garbage collections; a collected handle is replaced', async () => {
  const page = await openPage(browser);
  const name = unique('life-id');
  await page.evaluate((n) => {
    window.echo = window.makeEcho();
    window.got = [];
    window.heldPrivate = window.echo.private(n);
    window.heldPublic = window.echo.channel(n);
    window.heldPublic.listen('.ping', (data) => window.got.push(data));
  }, name);
  await eventually(() => page.evaluate(() => window.heldPublic.subscriptionState === 'subscribed'), 'subscribed');
  await collectTimes(page, 5);
  const same = await page.evaluate((n) => ({
    private: window.echo.private(n) === window.heldPrivate,
    public: window.echo.channel(n) === window.heldPublic,
    chained: window.heldPublic.listen('.other', () => {}) === window.heldPublic,
    distinct: window.echo.private(n) !== window.heldPublic,
  }), name);
  assert.deepEqual(same, { private: true, public: true, chained: true, distinct: true });

  // Dropped and collected: the next echo.channel(n) is a new handle of the same (still joined)
  // channel, with its listeners, and is itself stable.
  await page.evaluate(() => {
    window.handleCollected = false;
    window.finalized = new FinalizationRegistry(() => { window.handleCollected = true; });
    window.finalized.register(window.heldPublic, 'handle');
    delete window.heldPublic;
  });
  await collectUntil(page, () => page.evaluate(() => window.handleCollected), 'the dropped handle is collected');
  const again = await page.evaluate((n) => {
    const a = window.echo.channel(n);
    return { stable: a === window.echo.channel(n), state: a.subscriptionState, channels: window.echo.diagnose().channels.length };
  }, name);
  assert.deepEqual(again, { stable: true, state: 'subscribed', channels: 2 });
  await trigger(name, 'ping', { n: 1 });
  await eventually(() => page.evaluate(() => window.got.length >= 1), 'the listener added through the collected handle still runs');
  await page.evaluate(() => window.echo.destroy());
  await page.context().close();
});

test('listen() on the handle of a left channel subscribes it again: the event arrives', async () => {
  const page = await openPage(browser);
  const name = unique('life-stale');
  await page.evaluate((n) => {
    window.echo = window.makeEcho();
    window.stale = window.echo.channel(n);
  }, name);
  await eventually(() => page.evaluate(() => window.stale.subscriptionState === 'subscribed'), 'subscribed');
  await page.evaluate((n) => window.echo.leave(n), name);
  await eventually(async () => !(await occupied(name)), 'left on the server');
  assert.equal(await page.evaluate(() => window.stale.subscriptionState), 'unsubscribed');

  await page.evaluate(() => {
    window.got = [];
    window.all = [];
    window.stale.listen('.ping', (data) => window.got.push(data));
    window.stale.listenToAll((event, data) => window.all.push([event, data]));
  });
  await eventually(() => page.evaluate(() => window.stale.subscriptionState === 'subscribed'), 'subscribed again through the stale handle');
  await eventually(() => occupied(name), 'occupied again on the server');
  await trigger(name, 'ping', { n: 1 });
  await eventually(() => page.evaluate(() => window.got.length === 1), 'the event on the revived handle');
  assert.deepEqual(await page.evaluate(() => window.got), [{ n: 1 }]);
  assert.deepEqual(await page.evaluate(() => window.all), [['.ping', { n: 1 }]]);
  const channels = await page.evaluate(() => window.echo.diagnose().channels.map((c) => [c.name, c.state]));
  assert.deepEqual(channels, [[name, 'subscribed']]);
  await page.evaluate(() => window.echo.destroy());
  await page.context().close();
});

async function openVuePage() {
  const context = await browser.newContext();
  await context.route('**/test-modules/vue.esm-browser.prod.js', async (route) =>
    route.fulfill({ contentType: 'text/javascript', body: await readFile(vueBuild, 'utf8') }));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${env.backend}/pages/vue.html?${pageQuery()}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}

test('echo-wasm/vue: configureEcho() again closes the old instance on the server; the composable moves', async () => {
  const page = await openVuePage();
  const base = await connections();
  const name = unique('life-vue');
  await page.evaluate((n) => {
    const { configureEcho, echo, useEchoPublic } = window.echoVue;
    configureEcho(window.echoOptions({ reconnect: { baseMs: 100, maxMs: 200 } }));
    window.got = [];
    window.scope = window.vue.effectScope();
    window.scope.run(() => useEchoPublic(n, '.ping', (data) => window.got.push(data)));
    window.first = echo();
  }, name);
  await eventually(() => page.evaluate(() => window.first.connectionStatus() === 'connected'), 'first connected');
  await connectionsBecome(base + 1, 'first instance');
  await eventually(() => occupied(name), 'occupied');

  await page.evaluate(() => {
    const { configureEcho, echo } = window.echoVue;
    configureEcho(window.echoOptions({ reconnect: { baseMs: 100, maxMs: 200 } }));
    window.second = echo(); // what the app's next echo() / composable mount does
    delete window.first; // the old handles are dropped
  });
  await eventually(() => page.evaluate(() => window.second.connectionStatus() === 'connected'), 'second connected');
  await connectionsBecome(base + 1, 'only the new instance is connected');
  await sleep(1500); // several reconnect delays: a live old instance would be back
  assert.equal(await connections(), base + 1, 'the old instance does not reconnect');

  await eventually(async () => (await channelInfo(name)).occupied === true, 'the composable moved to the new instance');
  await trigger(name, 'ping', { n: 1 });
  await eventually(() => page.evaluate(() => window.got.length >= 1), 'the event');
  await sleep(300);
  assert.deepEqual(await page.evaluate(() => window.got), [{ n: 1 }], 'exactly one delivery');

  await page.evaluate(() => { window.scope.stop(); window.second.destroy(); });
  await connectionsBecome(base + kept, 'after the last destroy');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
