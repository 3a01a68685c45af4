// Backend auth rules against the real backend + real Sockudo (harness must be running).
import { test, describe, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { PusherConn, post, get, bearer, login, testApi, unique, BACKEND } from '../testing.mjs';

const SUCCEEDED = 'pusher_internal:subscription_succeeded';
const auth = (socketId, channel, headers) =>
  post('/broadcasting/auth', { socket_id: socketId, channel_name: channel }, { headers });

after(() => testApi('reset', {}));

describe('basics', () => {
  test('health', async () => assert.equal((await get('/health')).status, 200));

  test('CORS preflight reflects loopback origins only', async () => {
    const pre = await fetch(BACKEND + '/broadcasting/auth', { method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:1234', 'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-csrf-token' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://127.0.0.1:1234');
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    assert.match(pre.headers.get('access-control-allow-headers'), /X-CSRF-TOKEN/);
    const evil = await fetch(BACKEND + '/health', { headers: { Origin: 'http://evil.example' } });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  test('GET /api/user with bearer, cookie and nothing', async () => {
    assert.equal((await get('/api/user', bearer(3))).body.name, 'Linus Torvalds');
    const s = await login(2);
    assert.equal((await get('/api/user', { Cookie: s.cookie })).body.name, 'Grace Hopper');
    const none = await get('/api/user');
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { message: 'Unauthenticated.' });
  });
});

describe('channel authorization', () => {
  let conn;
  beforeEach(async () => { conn?.ws.terminate(); conn = await PusherConn.open(); });
  after(() => conn?.ws.terminate());

  test('socket id looks like a Pusher socket id', () => assert.match(conn.socketId, /^\d+\.\d+$/));

  test('own user channel: signature accepted by Sockudo', async () => {
    const r = await auth(conn.socketId, 'private-App.Models.User.1', bearer(1));
    assert.equal(r.status, 200);
    assert.match(r.body.auth, /^echo-test-key:[0-9a-f]{64}$/);
    assert.equal((await conn.subscribe('private-App.Models.User.1', r.body)).event, SUCCEEDED);
  });

  test('tenant channel: same tenant allowed, other tenant 403', async () => {
    const ch = unique('private-tenant.1.orders');
    const ok = await auth(conn.socketId, ch, bearer(2));
    assert.equal(ok.status, 200);
    assert.equal((await conn.subscribe(ch, ok.body)).event, SUCCEEDED);
    const no = await auth(conn.socketId, ch, bearer(3));
    assert.equal(no.status, 403);
    assert.deepEqual(no.body, { message: 'This action is unauthorized.' });
  });

  test("someone else's user channel, public names and unknown patterns are 403", async () => {
    for (const ch of ['private-App.Models.User.2', 'orders', 'private-unknown.1']) {
      assert.equal((await auth(conn.socketId, ch, bearer(1))).status, 403, ch);
    }
  });

  test('no credentials or a bad token: 401', async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope' }]) {
      const r = await auth(conn.socketId, 'private-App.Models.User.1', headers);
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, { message: 'Unauthenticated.' });
    }
  });

  test('cookie session: CSRF missing/wrong 419, correct 200 and accepted', async () => {
    const s = await login(1);
    assert.match(s.setCookie, /HttpOnly/);
    assert.match(s.setCookie, /SameSite=Lax/);
    assert.match(s.setCookie, /Path=\//);
    const ch = 'private-App.Models.User.1';
    for (const extra of [{}, { 'X-CSRF-TOKEN': 'wrong' }]) {
      const r = await auth(conn.socketId, ch, { Cookie: s.cookie, ...extra });
      assert.equal(r.status, 419);
      assert.deepEqual(r.body, { message: 'CSRF token mismatch.' });
    }
    const ok = await auth(conn.socketId, ch, { Cookie: s.cookie, 'X-CSRF-TOKEN': s.csrf });
    assert.equal(ok.status, 200);
    assert.equal((await conn.subscribe(ch, ok.body)).event, SUCCEEDED);
  });

  test('login accepts a form body; logout ends the session', async () => {
    const r = await post('/login', { user_id: '3' });
    assert.equal(r.body.user.name, 'Linus Torvalds');
    const cookie = r.headers.get('set-cookie').split(';')[0];
    assert.equal((await post('/logout', {}, { headers: { Cookie: cookie } })).status, 419);
    const out = await post('/logout', {}, { headers: { Cookie: cookie, 'X-CSRF-TOKEN': r.body.csrf_token } });
    assert.equal(out.status, 200);
    assert.equal((await get('/api/user', { Cookie: cookie })).status, 401);
  });

  test('JSON body is tolerated', async () => {
    const r = await post('/broadcasting/auth', { socket_id: conn.socketId, channel_name: 'private-App.Models.User.1' },
      { json: true, headers: bearer(1) });
    assert.equal(r.status, 200);
  });

  test('presence: channel_data carries the user, Sockudo lists the member', async () => {
    const ch = unique('presence-tenant.1.lobby');
    const r = await auth(conn.socketId, ch, bearer(2));
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body.channel_data), { user_id: '2', user_info: { id: 2, name: 'Grace Hopper' } });
    const ok = await conn.subscribe(ch, r.body);
    assert.equal(ok.event, SUCCEEDED);
    assert.deepEqual(ok.data.presence.ids, ['2']);
    assert.deepEqual(ok.data.presence.hash['2'], { id: 2, name: 'Grace Hopper' });
    assert.equal((await auth(conn.socketId, ch, bearer(3))).status, 403);
  });

  test('encrypted: shared_secret = sha256(channel + master key); events arrive encrypted', async () => {
    const ch = unique('private-encrypted-tenant.2.secrets');
    const r = await auth(conn.socketId, ch, bearer(3));
    assert.equal(r.status, 200);
    const secret = Buffer.from(r.body.shared_secret, 'base64');
    assert.equal(secret.length, 32);
    const master = Buffer.from(process.env.ECHO_TEST_MASTER_KEY_BASE64, 'base64');
    assert.deepEqual(secret, crypto.createHash('sha256').update(Buffer.concat([Buffer.from(ch), master])).digest());
    assert.equal((await conn.subscribe(ch, r.body)).event, SUCCEEDED);
    await testApi('trigger', { channel: ch, event: 'secret', data: { hello: 'world' } });
    const ev = await conn.next((f) => f.event === 'secret');
    assert.equal(Buffer.from(ev.data.nonce, 'base64').length, 24);
    assert.ok(ev.data.ciphertext);
  });

  test('user authentication: pusher:signin -> signin_success, then send-to-user', async () => {
    const r = await post('/broadcasting/user-auth', { socket_id: conn.socketId }, { headers: bearer(1) });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body.user_data).id, '1');
    conn.send('pusher:signin', r.body);
    await conn.next((f) => f.event === 'pusher:signin_success');
    const sent = await testApi('send-to-user', { user_id: 1, event: 'ping', data: { n: 1 } });
    assert.equal(sent.status, 200, sent.text);
    const ev = await conn.next((f) => f.event === 'ping');
    assert.deepEqual(ev.data, { n: 1 });
    assert.equal((await post('/broadcasting/user-auth', { socket_id: conn.socketId })).status, 401);
    const s = await login(1);
    assert.equal((await post('/broadcasting/user-auth', { socket_id: conn.socketId },
      { headers: { Cookie: s.cookie } })).status, 419);
  });

  test('trigger to a public channel, excluding a socket; channel info proxy', async () => {
    const ch = unique('public-news');
    assert.equal((await conn.subscribe(ch)).event, SUCCEEDED);
    const other = await PusherConn.open();
    try {
      assert.equal((await other.subscribe(ch)).event, SUCCEEDED);
      await testApi('trigger', { channels: [ch], event: 'news', data: { a: 1 }, socket_id: other.socketId });
      assert.deepEqual((await conn.next((f) => f.event === 'news')).data, { a: 1 });
      await assert.rejects(other.next((f) => f.event === 'news', 500));
      const info = await get(`/test/channel/${ch}`);
      assert.equal(info.body.occupied, true);
      assert.equal((await get(`/test/channel/${unique('empty')}`)).body.occupied, false);
    } finally { other.ws.terminate(); }
  });
});

describe('fault switch', () => {
  let conn;
  beforeEach(async () => { await testApi('reset', {}); conn?.ws.terminate(); conn = await PusherConn.open(); });
  after(() => conn?.ws.terminate());
  const ownChannel = 'private-App.Models.User.1';
  const fault = (channel, f, extra = {}) => testApi('fault', { channel, fault: f, ...extra });

  for (const [f, message] of [['401', 'Unauthenticated.'], ['403', 'This action is unauthorized.'],
    ['419', 'CSRF token mismatch.'], ['500', 'Server Error']]) {
    test(`${f}: status and Laravel message even for an allowed user`, async () => {
      await fault(ownChannel, f);
      const r = await auth(conn.socketId, ownChannel, bearer(1));
      assert.equal(r.status, Number(f));
      assert.deepEqual(r.body, { message });
    });
  }

  test('html: 200 with an HTML body', async () => {
    await fault(ownChannel, 'html');
    const r = await auth(conn.socketId, ownChannel, bearer(1));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.match(r.text, /<html/);
  });

  test('invalid-json and missing-auth', async () => {
    await fault(ownChannel, 'invalid-json', { times: 1 });
    const a = await auth(conn.socketId, ownChannel, bearer(1));
    assert.equal(a.status, 200);
    assert.equal(a.text, '{nope');
    await fault(ownChannel, 'missing-auth', { times: 1 });
    const b = await auth(conn.socketId, ownChannel, bearer(1));
    assert.equal(b.status, 200);
    assert.deepEqual(b.body, {});
  });

  test('wrong-secret: 200 but Sockudo refuses the subscription', async () => {
    await fault(ownChannel, 'wrong-secret');
    const r = await auth(conn.socketId, ownChannel, bearer(1));
    assert.equal(r.status, 200);
    const res = await conn.subscribe(ownChannel, r.body);
    assert.notEqual(res.event, SUCCEEDED, JSON.stringify(res));
  });

  test('slow: correct answer after ms', async () => {
    await fault(ownChannel, 'slow', { ms: 400 });
    const t0 = Date.now();
    const r = await auth(conn.socketId, ownChannel, bearer(1));
    assert.ok(Date.now() - t0 >= 380, `took ${Date.now() - t0} ms`);
    assert.equal(r.status, 200);
    assert.equal((await conn.subscribe(ownChannel, r.body)).event, SUCCEEDED);
  });

  test('hang: no answer until the client gives up', async () => {
    await fault(ownChannel, 'hang');
    await assert.rejects(post('/broadcasting/auth', { socket_id: conn.socketId, channel_name: ownChannel },
      { headers: bearer(1), signal: AbortSignal.timeout(800) }), /abort|timeout/i);
  });

  test('times: the fault clears after N requests; none clears; * matches every channel', async () => {
    await fault(ownChannel, '500', { times: 2 });
    assert.equal((await auth(conn.socketId, ownChannel, bearer(1))).status, 500);
    assert.equal((await auth(conn.socketId, ownChannel, bearer(1))).status, 500);
    assert.equal((await auth(conn.socketId, ownChannel, bearer(1))).status, 200);
    await fault(ownChannel, '403');
    await fault(ownChannel, 'none');
    assert.equal((await auth(conn.socketId, ownChannel, bearer(1))).status, 200);
    await fault('*', '401');
    assert.equal((await auth(conn.socketId, unique('private-tenant.1.x'), bearer(1))).status, 401);
    await fault('#user-auth', '500');
    assert.equal((await post('/broadcasting/user-auth', { socket_id: conn.socketId }, { headers: bearer(1) })).status, 500);
    await testApi('reset', {});
    assert.equal((await auth(conn.socketId, ownChannel, bearer(1))).status, 200);
  });

  test('unknown fault is refused', async () => {
    assert.equal((await fault(ownChannel, 'explode')).status, 422);
  });

  test('auth-log records what the client sent', async () => {
    const s = await login(2);
    await auth(conn.socketId, 'private-tenant.1.log', { Cookie: s.cookie, 'X-CSRF-TOKEN': s.csrf, 'X-Socket-ID': conn.socketId });
    await auth(conn.socketId, 'private-tenant.2.log', bearer(1));
    const log = (await get('/test/auth-log')).body;
    assert.equal(log.length, 2);
    assert.equal(log[0].channel, 'private-tenant.1.log');
    assert.equal(log[0].socket_id, conn.socketId);
    assert.equal(log[0].auth_style, 'cookie');
    // Tokens are logged as a hash (hardening.test.mjs checks no raw token is kept).
    assert.equal(log[0].headers['x-csrf-token'],
      `sha256:${crypto.createHash('sha256').update(s.csrf).digest('hex').slice(0, 16)}`);
    assert.equal(log[0].headers['x-socket-id'], conn.socketId);
    assert.equal(log[0].headers.cookie, true);
    assert.match(log[0].headers['content-type'], /x-www-form-urlencoded/);
    assert.equal(log[0].status, 200);
    assert.equal(log[1].auth_style, 'bearer');
    assert.equal(log[1].status, 403);
  });
});

