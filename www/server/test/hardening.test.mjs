// The backend is not open to any web page (issue 12): /test/* only with ECHO_TEST_ROUTES=1,
// Host checked on every request (DNS rebinding), Origin checked on state-changing requests
// (text/plain and form bodies need no CORS preflight), no tokens in the auth log, and no
// encoded path separators (which would reach Sockudo's signed API through /test/channel/...).
// Part runs against the harness backend (test routes on), part against a second backend of its
// own started the way scripts/demo starts it (no ECHO_TEST_ROUTES, no extra origins).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PusherConn, post, get, bearer, login, testApi, unique, sleep, BACKEND } from '../testing.mjs';

const EVIL = 'http://evil.example';
const sha = (v) => `sha256:${crypto.createHash('sha256').update(v).digest('hex').slice(0, 16)}`;

/** A raw HTTP request (fetch cannot set Host): resolves {status, text}. */
function raw(base, { method = 'GET', path: p = '/', headers = {}, body } = {}) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text, headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('harness backend (test routes on)', () => {
  after(() => testApi('reset', {}));

  test('cross-origin text/plain and form POSTs to /test/* are refused and change nothing', async () => {
    const channel = unique('private-tenant.1.xorigin');
    // A form post from another site: no preflight, so the server itself must refuse it.
    const form = await fetch(`${BACKEND}/test/fault`, { method: 'POST',
      headers: { Origin: EVIL, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel, fault: '500' }).toString() });
    assert.equal(form.status, 403, await form.text());
    const text = await fetch(`${BACKEND}/test/trigger`, { method: 'POST',
      headers: { Origin: EVIL, 'Content-Type': 'text/plain' },
      body: JSON.stringify({ channel: 'xorigin', event: 'x', data: {} }) });
    assert.equal(text.status, 403);
    for (const p of ['/test/reset', '/test/sockudo/kill', '/test/send-to-user']) {
      assert.equal((await raw(BACKEND, { method: 'POST', path: p, headers: { Origin: EVIL, 'Content-Type': 'text/plain' }, body: '{}' })).status, 403, p);
    }
    // The fault was not installed: the channel authorizes normally.
    const conn = await PusherConn.open();
    try {
      const r = await post('/broadcasting/auth', { socket_id: conn.socketId, channel_name: channel }, { headers: bearer(1) });
      assert.equal(r.status, 200, r.text);
    } finally { conn.ws.terminate(); }
  });

  test('cross-origin POSTs to login, auth and the demo API are refused; allowed origins pass', async () => {
    for (const p of ['/login', '/logout', '/broadcasting/auth', '/broadcasting/user-auth', '/api/stock/adjust']) {
      const r = await fetch(BACKEND + p, { method: 'POST', headers: { Origin: EVIL, 'Content-Type': 'text/plain' }, body: 'user_id=1' });
      assert.equal(r.status, 403, p);
      assert.equal(r.headers.get('access-control-allow-origin'), null, p);
    }
    // `Origin: null` (sandboxed iframe, file:) is no allowed origin either.
    assert.equal((await post('/login', { user_id: 1 }, { headers: { Origin: 'null' } })).status, 403);
    // A browser request without Origin that says it is cross-site.
    assert.equal((await post('/login', { user_id: 1 }, { headers: { 'Sec-Fetch-Site': 'cross-site' } })).status, 403);
    // The server's own origin and (harness default) other loopback origins still work.
    assert.equal((await post('/login', { user_id: 1 }, { headers: { Origin: BACKEND } })).status, 200);
    assert.equal((await post('/login', { user_id: 1 }, { headers: { Origin: 'http://127.0.0.1:1234' } })).status, 200);
    assert.equal((await post('/login', { user_id: 1 })).status, 200); // no Origin: not a browser
  });

  test('a DNS-rebound Host is refused: the auth log cannot be read', async () => {
    const port = new URL(BACKEND).port;
    for (const host of [`rebind.example:${port}`, 'rebind.example', `127.0.0.1.evil.example:${port}`]) {
      const r = await raw(BACKEND, { path: '/test/auth-log', headers: { Host: host } });
      assert.equal(r.status, 403, `Host ${JSON.stringify(host)}: ${r.text.slice(0, 200)}`);
      assert.ok(!r.text.startsWith('['), 'no log served');
    }
    assert.equal((await raw(BACKEND, { path: '/test/auth-log', headers: { Host: `localhost:${port}` } })).status, 200);
    assert.equal((await raw(BACKEND, { path: '/health', headers: { Host: `127.0.0.1:${port}` } })).status, 200);
  });

  test('the auth log keeps no bearer or CSRF token, only a hash of it', async () => {
    await testApi('reset', {});
    const conn = await PusherConn.open();
    try {
      const s = await login(2);
      await post('/broadcasting/auth', { socket_id: conn.socketId, channel_name: 'private-tenant.1.redact' },
        { headers: { Cookie: s.cookie, 'X-CSRF-TOKEN': s.csrf } });
      await post('/broadcasting/auth', { socket_id: conn.socketId, channel_name: 'private-tenant.1.redact' },
        { headers: bearer(1) });
      const res = await get('/test/auth-log');
      assert.equal(res.body.length, 2);
      assert.ok(!res.text.includes(s.csrf), 'CSRF token in the log');
      assert.ok(!res.text.includes('token-user-1'), 'bearer token in the log');
      assert.ok(!res.text.includes(s.cookie.split('=')[1]), 'session id in the log');
      assert.equal(res.body[0].headers['x-csrf-token'], sha(s.csrf));
      assert.equal(res.body[1].headers.authorization, `Bearer ${sha('token-user-1')}`);
    } finally { conn.ws.terminate(); }
  });

  test('encoded path separators and dot segments are refused (no way into Sockudo\'s API)', async () => {
    for (const p of ['/test/channel/%2F..%2F..%2Fchannels', '/test/channel/..%2fchannels', '/test/channel/x%5C..%5Cy',
      '/test/channel/%2e%2e', '/test/channel/a%2Fb/users', '/test/channel/%00', '/pkg/..%2f..%2fetc%2fhostname',
      '/test/channel/%E0%A4%A']) {
      const r = await raw(BACKEND, { path: p });
      assert.equal(r.status, 400, `${p}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    // Decoded names that are no channel names are refused too; a real one still works.
    assert.equal((await get('/test/channel/a%20b')).status, 400);
    assert.equal((await get(`/test/channel/${unique('plain')}`)).status, 200);
  });
});

describe('backend started like scripts/demo (no ECHO_TEST_ROUTES)', () => {
  let child, base, dir, marker;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'echo-closed-'));
    marker = path.join(dir, 'harness-called');
    // A stand-in harness script: if the backend ever ran it, the marker file would exist.
    const script = path.join(dir, 'harness');
    fs.writeFileSync(script, `echo "$@" >> ${JSON.stringify(marker)}\n`);
    const port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    base = `http://127.0.0.1:${port}`;
    const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', HARNESS_SCRIPT: script, STATIC_MOUNTS: '' };
    delete env.ECHO_TEST_ROUTES;
    delete env.ECHO_ALLOWED_ORIGINS;
    child = spawn(process.execPath, [new URL('../server.mjs', import.meta.url).pathname], { env, stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(`${base}/health`)).ok) return; } catch { /* not up yet */ }
      await sleep(50);
    }
    throw new Error('closed backend did not start');
  });
  after(() => { child?.kill(); fs.rmSync(dir, { recursive: true, force: true }); });

  test('/test/* is not there (404), even from the own origin, and runs nothing', async () => {
    for (const [method, p] of [['GET', '/test/auth-log'], ['GET', '/test/channels'], ['GET', '/test/channel/x'],
      ['POST', '/test/trigger'], ['POST', '/test/fault'], ['POST', '/test/reset'], ['POST', '/test/send-to-user'],
      ['POST', '/test/sockudo/kill'], ['POST', '/test/sockudo/start'], ['POST', '/test/sockudo/restart'],
      ['GET', '/test/ws-log?tag=x']]) {
      const r = await raw(base, { method, path: p, headers: { Origin: base, 'Content-Type': 'application/json' },
        body: method === 'POST' ? '{"channel":"x","fault":"500","event":"e"}' : undefined });
      assert.equal(r.status, 404, `${method} ${p}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    await sleep(300);
    assert.ok(!fs.existsSync(marker), `the harness script ran: ${fs.existsSync(marker) && fs.readFileSync(marker, 'utf8')}`);
  });

  test('the scripted WebSocket endpoint does not upgrade', { timeout: 5000 }, async () => {
    const url = new URL(`${base}/test/ws/t/live-5/app/key`);
    const outcome = await new Promise((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', Origin: base,
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' } });
      req.on('upgrade', (res, socket) => { socket.destroy(); resolve('upgraded'); });
      req.on('response', (res) => { res.resume(); resolve(`response ${res.statusCode}`); });
      req.on('error', () => resolve('refused'));
      req.end();
    });
    assert.notEqual(outcome, 'upgraded');
  });

  test('only its own origin may POST: other loopback ports and other sites are refused', async () => {
    const ownLocalhost = base.replace('127.0.0.1', 'localhost');
    const ok = await fetch(`${base}/login`, { method: 'POST', headers: { Origin: base, 'Content-Type': 'application/json' }, body: '{"user_id":1}' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), base);
    const ok2 = await fetch(`${base}/login`, { method: 'POST', headers: { Origin: ownLocalhost, 'Content-Type': 'application/json' }, body: '{"user_id":1}' });
    assert.equal(ok2.status, 200);
    for (const origin of [EVIL, 'http://127.0.0.1:1', 'http://localhost:1', 'null']) {
      const r = await fetch(`${base}/login`, { method: 'POST', headers: { Origin: origin, 'Content-Type': 'text/plain' }, body: 'user_id=1' });
      assert.equal(r.status, 403, origin);
      const pre = await fetch(`${base}/broadcasting/auth`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
      assert.equal(pre.headers.get('access-control-allow-origin'), null, origin);
    }
  });
});
