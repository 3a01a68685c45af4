// Security checks (issue #8):
// - no app secret or encryption master key in the shipped package (pkg/index.js, pkg/vue.js,
//   pkg/*.d.ts, pkg/dist/*) nor in the built demo (www/dist/**, when built);
// - an encrypted channel whose key is wrong never dispatches anything (the wrong key comes from a
//   custom `authorizer` that asks the real endpoint and swaps the shared_secret; a backend fault
//   `wrong-key` would do the same server-side, see RELIABILITY.md);
// - the authorization request goes only to the configured endpoint, and carries the socket id it
//   is for (also after a reconnect);
// - a server that hands out an invalid socket id gets no auth request and no subscription, and
//   the client reports `handshake_invalid`.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import {
  launch, openPage, reset, trigger, authLog, eventually, waitForSubscribed, sleep, env, ROOT, APP,
  startProxy, freePort, onCleanup,
} from './lib.mjs';

// ---- secrets in shipped files -------------------------------------------------------------------
/** Every secret the build must never contain, in the encodings a leak would take. */
function secretNeedles() {
  const secrets = new Set(['echo-test-secret', APP.secret, `${APP.secret}-wrong`]);
  const keys = [APP.masterKey, Buffer.alloc(32, 7).toString('base64')].filter(Boolean); // harness key, backend dev default
  const needles = [];
  for (const s of secrets) needles.push([`app secret ${JSON.stringify(s)}`, Buffer.from(s)]);
  for (const k of keys) {
    const raw = Buffer.from(k, 'base64');
    needles.push([`master key ${k.slice(0, 6)}… (base64)`, Buffer.from(k)]);
    needles.push([`master key ${k.slice(0, 6)}… (hex)`, Buffer.from(raw.toString('hex'))]);
    needles.push([`master key ${k.slice(0, 6)}… (raw bytes)`, raw]);
  }
  return needles;
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(p);
    return [p];
  });
}

/** [file, needle name] for every secret found. */
function scanForSecrets(files, needles = secretNeedles()) {
  const found = [];
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    for (const [name, needle] of needles) if (bytes.includes(needle)) found.push([path.relative(ROOT, file), name]);
  }
  return found;
}

function shippedFiles() {
  const pkg = path.join(ROOT, 'pkg');
  const top = fs.readdirSync(pkg).filter((f) => /\.(m?js|d\.ts|json)$/.test(f) && f !== 'package-lock.json').map((f) => path.join(pkg, f));
  return [...top, ...filesUnder(path.join(pkg, 'dist')), ...filesUnder(path.join(ROOT, 'www/dist'))];
}

test('no app secret or encryption master key in pkg/ shipped files or www/dist', () => {
  const files = shippedFiles();
  assert.ok(files.some((f) => f.endsWith('echo_wasm_bg.wasm')), 'the wasm module is scanned (run scripts/build)');
  assert.ok(files.some((f) => f.endsWith(path.join('pkg', 'index.js'))));
  assert.deepEqual(scanForSecrets(files), []);
});

test('the secret scan finds a planted secret (it can fail)', () => {
  const dir = fs.mkdtempSync(path.join(ROOT, 'target', 'scan-'));
  try {
    const k = Buffer.alloc(32, 7);
    fs.writeFileSync(path.join(dir, 'a.js'), `const s = "${APP.secret}";`);
    fs.writeFileSync(path.join(dir, 'b.wasm'), Buffer.concat([Buffer.from([0, 97, 115, 109]), k, Buffer.from([1, 2])]));
    fs.writeFileSync(path.join(dir, 'c.js'), `const k = "${k.toString('hex')}";`);
    const found = scanForSecrets(filesUnder(dir)).map(([f, n]) => `${path.basename(f)}: ${n}`);
    assert.ok(found.some((f) => f.startsWith('a.js: app secret')), found.join('; '));
    assert.ok(found.some((f) => f.startsWith('b.wasm: master key') && f.includes('raw bytes')), found.join('; '));
    assert.ok(found.some((f) => f.startsWith('c.js: master key') && f.includes('hex')), found.join('; '));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- browser checks -------------------------------------------------------------------------
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

test('an encrypted channel with a wrong key never dispatches; the right key does', async () => {
  const page = await openPage(browser);
  try {
    await page.evaluate(() => {
      window.got = [];
      window.errors = [];
      // Echo's custom authorizer shape: ask the real endpoint, then hand out a wrong key for `.wrong`.
      const authorizer = (channel) => ({
        authorize(socketId, callback) {
          fetch('/broadcasting/auth', {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Bearer token-user-1', Accept: 'application/json' },
            body: new URLSearchParams({ socket_id: socketId, channel_name: channel.name }),
          }).then((r) => r.json()).then((data) => {
            if (channel.name.endsWith('.wrong')) {
              const wrong = crypto.getRandomValues(new Uint8Array(32));
              data.shared_secret = btoa(String.fromCharCode(...wrong));
            }
            callback(null, data);
          }, (e) => callback(e, null));
        },
      });
      window.echo = window.makeEcho({ authorizer });
      for (const name of ['tenant.1.sec.wrong', 'tenant.1.sec.right']) {
        window.echo.encryptedPrivate(name)
          .listen('.paid', (d) => window.got.push([name, d]))
          .listenToAll((ev, d) => window.got.push([name, ev, d]))
          .error((e) => window.errors.push([name, e.code, e.type]));
      }
    });
    await waitForSubscribed(page, 'private-encrypted-tenant.1.sec.wrong');
    await waitForSubscribed(page, 'private-encrypted-tenant.1.sec.right');
    await trigger('private-encrypted-tenant.1.sec.wrong', 'paid', { amount: 1 });
    await trigger('private-encrypted-tenant.1.sec.right', 'paid', { amount: 2 });
    await eventually(async () => (await page.evaluate(() => window.errors)).some(([n, c]) => n.endsWith('.wrong') && c === 'decrypt_failed'), 'decrypt_failed on the wrong-key channel');
    await eventually(async () => (await page.evaluate(() => window.got)).some(([n]) => n.endsWith('.right')), 'the event on the right-key channel');
    await sleep(500);
    const got = await page.evaluate(() => window.got);
    assert.deepEqual(got.filter(([n]) => n.endsWith('.wrong')), [], 'nothing dispatched on the wrong-key channel');
    assert.deepEqual(got.filter(([n]) => n.endsWith('.right')), [
      ['tenant.1.sec.right', { amount: 2 }],
      ['tenant.1.sec.right', '.paid', { amount: 2 }], // listenToAll names it as laravel-echo does
    ]);
    const errors = await page.evaluate(() => window.errors);
    assert.deepEqual(errors, [['tenant.1.sec.wrong', 'decrypt_failed', 'DecryptError']]);
    // The key was refreshed once (two auth requests for the wrong channel), not in a loop.
    const log = (await authLog()).filter((e) => e.channel === 'private-encrypted-tenant.1.sec.wrong');
    assert.equal(log.length, 2, 'subscribe + one key refresh');
  } finally {
    await page.context().close();
  }
});

test('auth requests go only to the configured endpoint, with the socket id they are for (also after a reconnect)', async () => {
  const proxy = await startProxy(env.port);
  const page = await openPage(browser);
  try {
    const requests = [];
    page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() }));
    const endpoint = `${env.backend}/broadcasting/auth`;
    await page.evaluate(({ port, endpoint }) => {
      window.echo = window.makeEcho({ bearerToken: 'token-user-1', wsPort: port, authEndpoint: endpoint, reconnect: { baseMs: 200, maxMs: 400 } });
      window.echo.private('tenant.1.sec-a');
      window.echo.join('tenant.1.sec-b');
      window.echo.encryptedPrivate('tenant.1.sec-c');
    }, { port: proxy.port, endpoint });
    const names = ['private-tenant.1.sec-a', 'presence-tenant.1.sec-b', 'private-encrypted-tenant.1.sec-c'];
    for (const n of names) await waitForSubscribed(page, n);
    const first = await page.evaluate(() => window.echo.socketId());
    proxy.cut();
    await eventually(async () => (await page.evaluate(() => window.echo.socketId())) !== first, 'a new connection');
    for (const n of names) await waitForSubscribed(page, n);
    const second = await page.evaluate(() => window.echo.socketId());
    assert.notEqual(first, second);

    const posts = requests.filter((r) => r.method !== 'GET');
    assert.equal(posts.length, 6, `3 channels x 2 connections: ${JSON.stringify(posts.map((p) => p.url))}`);
    for (const p of posts) {
      assert.equal(p.url, endpoint, 'only the configured endpoint');
      assert.equal(p.method, 'POST');
    }
    const others = requests.filter((r) => r.method === 'GET' && !r.url.startsWith(`${env.backend}/pkg/`) && !r.url.startsWith(`${env.backend}/pages/`) && !r.url.endsWith('/favicon.ico'));
    assert.deepEqual(others.map((r) => r.url), [], 'no other request');
    const bodies = posts.map((p) => Object.fromEntries(new URLSearchParams(p.body)));
    assert.deepEqual(bodies.map((b) => b.socket_id), [first, first, first, second, second, second]);
    const log = await authLog();
    assert.equal(log.length, 6);
    for (const e of log) {
      assert.ok([first, second].includes(e.socket_id));
      assert.equal(e.status, 200);
    }
    assert.deepEqual(log.filter((e) => e.socket_id === second).map((e) => e.channel).sort(), [...names].sort());
  } finally {
    await page.context().close();
    await proxy.stop();
  }
});

/** A tiny Pusher-ish server: handshakes with `socketId`, records what the client sends. */
async function fakeServer(socketId) {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  const received = [];
  let connections = 0;
  wss.on('connection', (ws) => {
    connections++;
    ws.on('message', (m) => received.push(String(m)));
    ws.send(JSON.stringify({ event: 'pusher:connection_established', data: JSON.stringify({ socket_id: socketId, activity_timeout: 30 }) }));
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const close = () => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); });
  onCleanup(() => { for (const c of wss.clients) c.terminate(); wss.close(); });
  return { port, received, close, get connections() { return connections; } };
}

for (const bad of ['abc', '1.', '.1', '1.2.3', '12 34', '1.2<script>']) {
  test(`a server that hands out socket_id ${JSON.stringify(bad)} gets no auth request and no subscription: handshake_invalid`, async () => {
    const server = await fakeServer(bad);
    const page = await openPage(browser);
    try {
      const requests = [];
      page.on('request', (r) => { if (r.method() !== 'GET') requests.push(r.url()); });
      await page.evaluate((port) => {
        window.errors = [];
        window.echo = window.makeEcho({ bearerToken: 'token-user-1', wsPort: port, reconnect: { baseMs: 300, maxMs: 600 } });
        window.echo.connector.onError((e) => window.errors.push(e.code));
        window.echo.private('tenant.1.sec-socket');
        window.echo.channel('tenant.1.sec-public');
        window.echo.connector.signin();
      }, server.port);
      await eventually(async () => (await page.evaluate(() => window.errors)).includes('handshake_invalid'), 'handshake_invalid');
      await eventually(() => server.connections >= 2, 'a retry of the connection', 5000); // and it keeps trying
      assert.equal(await page.evaluate(() => window.echo.socketId()) ?? null, null, 'the socket id is not adopted');
      assert.notEqual(await page.evaluate(() => window.echo.connectionStatus()), 'connected');
      assert.deepEqual(requests, [], 'no auth or user-auth request');
      assert.deepEqual(await authLog(), []);
      assert.deepEqual(server.received.filter((m) => !m.includes('pusher:ping') && !m.includes('pusher:pong')), [], 'nothing but pings sent to that server');
    } finally {
      await page.context().close();
      await server.close();
    }
  });
}

test('control: the same fake server with a valid socket id does get the subscriptions', async () => {
  const server = await fakeServer('123.456');
  const page = await openPage(browser);
  try {
    await page.evaluate((port) => {
      window.echo = window.makeEcho({ bearerToken: 'token-user-1', wsPort: port });
      window.echo.channel('tenant.1.sec-public');
      window.echo.private('tenant.1.sec-socket');
    }, server.port);
    await eventually(() => server.received.some((m) => m.includes('pusher:subscribe') && m.includes('tenant.1.sec-public')), 'the public subscribe frame');
    await eventually(async () => (await authLog()).some((e) => e.socket_id === '123.456' && e.channel === 'private-tenant.1.sec-socket'), 'the auth request with socket id 123.456');
  } finally {
    await page.context().close();
    await server.close();
  }
});

