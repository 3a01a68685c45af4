// laravel-echo's other broadcaster names (issue 13 item 7), observed from the page: every
// `new WebSocket(url)` the page makes is counted and its URL kept (the constructor is
// wrapped before the package is imported).
// - 'null' opens no socket, not on connect() either; its chains return and no listener fires.
// - 'ably' connects with the Pusher URL on the given host (`cluster` ignored, as laravel-echo
//   does); without `wsHost` it is a config error that says to pass one.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, env, pageQuery, reset, trigger, sleep, eventually } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

/** The test page, with `window.sockets` listing the URL of every WebSocket constructed. */
async function openCountingPage() {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const Real = window.WebSocket;
    window.sockets = [];
    window.WebSocket = class extends Real {
      constructor(url, ...rest) {
        window.sockets.push(String(url));
        super(url, ...rest);
      }
    };
  });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${env.backend}/pages/echo.html?${pageQuery()}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}

test("broadcaster 'null': no socket ever, chains return, listeners never fire", async () => {
  const page = await openCountingPage();
  try {
    const result = await page.evaluate(() => {
      const fired = [];
      const on = (what) => () => fired.push(what);
      // No key, no host: laravel-echo's null connector needs neither.
      const echo = new window.Echo({ broadcaster: 'null' });
      window.nullEcho = echo;
      window.fired = fired;
      const ch = echo.channel('tenant.1.null-public');
      const chained = {
        listen: ch.listen('.inventory.update', on('listen')) === ch,
        subscribed: ch.subscribed(on('subscribed')) === ch,
        error: ch.error(on('error')) === ch,
        notification: ch.notification(on('notification')) === ch,
        stopListening: ch.stopListening('.inventory.update') === ch,
      };
      ch.listen('.inventory.update', on('listen'));
      const priv = echo.private('tenant.1.null-private');
      chained.whisper = priv.listenForWhisper('typing', on('whisper')).whisper('typing', { a: 1 }) === priv;
      const presence = echo.join('tenant.1.null-presence');
      chained.presence = presence.here(on('here')).joining(on('joining')).leaving(on('leaving')) === presence;
      chained.echoListen = typeof echo.listen('tenant.1.null-listen', '.x', on('echo.listen')).listen === 'function';
      echo.connector.onConnectionChange(on('connection'));
      echo.connect();
      echo.connect();
      return { chained, sockets: window.sockets.length, status: echo.connectionStatus(), socketId: echo.socketId() ?? null };
    });
    assert.deepEqual(result.chained, { listen: true, subscribed: true, error: true, notification: true, stopListening: true, whisper: true, presence: true, echoListen: true });
    assert.equal(result.sockets, 0, 'no WebSocket constructed');
    assert.notEqual(result.status, 'connected');
    assert.equal(result.socketId, null);
    // The server has the channel's event; a null Echo never hears it.
    await trigger('tenant.1.null-public', 'inventory.update', { n: 1 });
    await sleep(1500);
    const after = await page.evaluate(() => ({ sockets: window.sockets, fired: window.fired, state: window.nullEcho.diagnose().state }));
    assert.deepEqual(after.sockets, [], 'still no WebSocket after connect() and 1.5 s');
    assert.deepEqual(after.fired, [], 'no listener fired');
    assert.equal(after.state, 'initialized');
    // Positive control in the same page: a reverb Echo constructs its socket and hears the event.
    await page.evaluate(() => {
      window.live = window.makeEcho();
      window.live.channel('tenant.1.null-public').listen('.inventory.update', () => window.fired.push('live'));
    });
    await eventually(() => page.evaluate(() => window.live.channel('tenant.1.null-public').subscriptionState === 'subscribed'), 'the control subscribed');
    await trigger('tenant.1.null-public', 'inventory.update', { n: 2 });
    await eventually(async () => (await page.evaluate(() => window.fired)).includes('live'), 'the control heard the event');
    assert.equal((await page.evaluate(() => window.sockets.length)), 1, 'the control made exactly one socket');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test("broadcaster 'ably': the Pusher endpoint on the given host, cluster ignored", async () => {
  const page = await openCountingPage();
  try {
    // The client version in the URL is the crate's (Cargo.toml), the same as the package's.
    const version = JSON.parse(await (await fetch(`${env.backend}/pkg/package.json`)).text()).version;
    // Against the harness' Sockudo: Ably's Pusher adapter speaks the same protocol.
    const status = await page.evaluate(async (port) => {
      const echo = new window.Echo({ broadcaster: 'ably', key: new URLSearchParams(location.search).get('key'), cluster: 'eu', wsHost: '127.0.0.1', wsPort: port, forceTLS: false });
      window.ably = echo;
      for (let i = 0; i < 100 && echo.connectionStatus() !== 'connected'; i++) await new Promise((r) => setTimeout(r, 50));
      return echo.connectionStatus();
    }, env.port);
    assert.equal(status, 'connected');
    const key = env.key;
    assert.deepEqual(await page.evaluate(() => window.sockets), [`ws://127.0.0.1:${env.port}/app/${key}?protocol=7&client=echo-wasm&version=${version}&flash=false`]);
    // Ably's own host, TLS by default: the URL the constructor gets (not connected here).
    const url = await page.evaluate(() => {
      window.ably.destroy();
      const echo = new window.Echo({ broadcaster: 'ably', key: 'appid.keyid', cluster: 'eu', wsHost: 'realtime-pusher.ably.io' });
      const last = window.sockets[window.sockets.length - 1];
      echo.destroy();
      return last;
    });
    assert.equal(url, `wss://realtime-pusher.ably.io:443/app/appid.keyid?protocol=7&client=echo-wasm&version=${version}&flash=false`);
    // A cluster alone is not a host for 'ably' (laravel-echo clears it): a config error naming wsHost.
    const refused = await page.evaluate(() => {
      try { new window.Echo({ broadcaster: 'ably', key: 'appid.keyid', cluster: 'eu' }); return null; } catch (e) { return { name: e.name, code: e.code, message: e.message }; }
    });
    assert.equal(refused?.code, 'config', JSON.stringify(refused));
    assert.equal(refused.name, 'EchoError');
    assert.match(refused.message, /`wsHost`/);
    assert.match(refused.message, /ably/);
    // Any other name keeps its clear config error.
    const other = await page.evaluate(() => {
      try { new window.Echo({ broadcaster: 'socket.io', key: 'k', wsHost: 'h' }); return null; } catch (e) { return { code: e.code, message: e.message }; }
    });
    assert.equal(other?.code, 'config');
    assert.match(other.message, /socket\.io.*not supported/);
  } finally {
    await page.context().close();
  }
});
