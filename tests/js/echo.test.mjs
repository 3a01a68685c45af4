// Browser tests of the built package (pkg/) against the real Sockudo and the test backend.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, trigger, fault, reset, backend, channelInfo, authLog, logged, eventually,
  waitForStatus, waitForSubscribed, sleep, env,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

test('public channel: listen(".inventory.update") receives the event', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho();
    window.echo.channel('tenant.1.inventory').listen('.inventory.update', window.record('update'));
  });
  await waitForStatus(page, 'connected');
  await waitForSubscribed(page, 'tenant.1.inventory');
  await trigger('tenant.1.inventory', 'inventory.update', { sku: 'AX-1', qty: 7 });
  const got = await eventually(async () => (await logged(page, 'update')).length && logged(page, 'update'), 'the update');
  assert.deepEqual(got, [[{ sku: 'AX-1', qty: 7 }]]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('namespaced event names: listen("OrderShipped") binds App\\Events\\OrderShipped; listenToAll gets Echo names', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho();
    window.echo.channel('orders').listen('OrderShipped', window.record('shipped')).listenToAll(window.record('all'));
  });
  await waitForSubscribed(page, 'orders');
  await trigger('orders', 'App\\Events\\OrderShipped', { id: 1 });
  await trigger('orders', 'stock.low', { sku: 'B' });
  await eventually(async () => (await logged(page, 'all')).length === 2, 'two events');
  assert.deepEqual(await logged(page, 'shipped'), [[{ id: 1 }]]);
  assert.deepEqual(await logged(page, 'all'), [['OrderShipped', { id: 1 }], ['.stock.low', { sku: 'B' }]]);
  await page.context().close();
});

test('private channel with a bearer token', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
    window.echo.private('tenant.1.inventory').listen('.product.created', window.record('created'));
  });
  await waitForSubscribed(page, 'private-tenant.1.inventory');
  await trigger('private-tenant.1.inventory', 'product.created', { sku: 'N-1' });
  await eventually(async () => (await logged(page, 'created')).length === 1, 'product.created');
  const log = await authLog();
  const entry = log.filter((e) => e.channel === 'private-tenant.1.inventory').pop();
  assert.equal(entry.auth_style, 'bearer');
  assert.equal(entry.status, 200);
  assert.equal(entry.socket_id, await page.evaluate(() => window.echo.socketId()), 'authorized for this socket id');
  await page.context().close();
});

test('private channel with a cookie session and the CSRF meta tag', async () => {
  const page = await openPage(browser);
  await page.evaluate(async () => {
    const res = await fetch('/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user_id: 2 }) });
    const { csrf_token } = await res.json();
    const meta = document.createElement('meta');
    meta.name = 'csrf-token';
    meta.content = csrf_token;
    document.head.append(meta);
    window.echo = window.makeEcho();
    window.echo.private('tenant.1.stock-alerts').listen('.stock.low', window.record('low'));
  });
  await waitForSubscribed(page, 'private-tenant.1.stock-alerts');
  await trigger('private-tenant.1.stock-alerts', 'stock.low', { sku: 'C', qty: 1 });
  await eventually(async () => (await logged(page, 'low')).length === 1, 'stock.low');
  const entry = (await authLog()).filter((e) => e.channel === 'private-tenant.1.stock-alerts').pop();
  assert.equal(entry.auth_style, 'cookie');
  await page.context().close();
});

test('a stale CSRF token gives error status 419 with a message naming the fix', async () => {
  const page = await openPage(browser);
  await page.evaluate(async () => {
    await fetch('/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user_id: 1 }) });
    window.echo = window.makeEcho({ csrfToken: 'stale' });
    window.echo.private('tenant.1.inventory').error(window.record('error'));
  });
  const [[error]] = await eventually(async () => (await logged(page, 'error')).length && logged(page, 'error'), 'error');
  assert.equal(error.status, 419);
  assert.equal(error.type, 'AuthError');
  assert.equal(error.code, 'auth_csrf');
  assert.match(error.message, /CSRF/);
  await page.context().close();
});

test('presence: here, joining and leaving across two pages, and the members view', async () => {
  const ada = await openPage(browser);
  const grace = await openPage(browser);
  await ada.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
    window.online = window.echo.join('tenant.1.online');
    window.online.here(window.record('here')).joining(window.record('joining')).leaving(window.record('leaving'));
  });
  await eventually(async () => (await logged(ada, 'here')).length === 1, 'here on page 1');
  assert.deepEqual((await logged(ada, 'here'))[0][0].map((u) => u.name), ['Ada Lovelace']);
  await grace.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-2' });
    window.echo.join('tenant.1.online').here(window.record('here'));
  });
  await eventually(async () => (await logged(ada, 'joining')).length === 1, 'joining');
  assert.deepEqual((await logged(ada, 'joining'))[0][0], { id: 2, name: 'Grace Hopper' });
  const hereOnGrace = (await eventually(async () => (await logged(grace, 'here')).length && logged(grace, 'here'), 'here on page 2'))[0][0];
  assert.deepEqual(hereOnGrace.map((u) => u.id).sort(), [1, 2]);
  const members = await ada.evaluate(() => window.online.members); // the held handle: join() would create it
  assert.equal(members.count, 2);
  assert.equal(members.me, '1');
  await grace.evaluate(() => window.echo.leave('tenant.1.online'));
  await eventually(async () => (await logged(ada, 'leaving')).length === 1, 'leaving');
  assert.deepEqual((await logged(ada, 'leaving'))[0][0], { id: 2, name: 'Grace Hopper' });
  await ada.context().close();
  await grace.context().close();
});

test('encrypted private channel: the backend encrypts, the client opens it', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
    window.echo.encryptedPrivate('tenant.1.payroll').listen('.salary.paid', window.record('paid'));
  });
  await waitForSubscribed(page, 'private-encrypted-tenant.1.payroll');
  await trigger('private-encrypted-tenant.1.payroll', 'salary.paid', { amount: 1234, note: 'ünïcødé' });
  await eventually(async () => (await logged(page, 'paid')).length === 1, 'decrypted event');
  assert.deepEqual(await logged(page, 'paid'), [[{ amount: 1234, note: 'ünïcødé' }]]);
  await page.context().close();
});

test('whispers cross both ways between two pages; whisper on a public channel throws', async () => {
  const a = await openPage(browser);
  const b = await openPage(browser);
  for (const [page, token] of [[a, 'token-user-1'], [b, 'token-user-2']]) {
    await page.evaluate((t) => {
      window.echo = window.makeEcho({ bearerToken: t });
      window.echo.private('tenant.1.chat').listenForWhisper('typing', window.record('typing'));
    }, token);
    await waitForSubscribed(page, 'private-tenant.1.chat');
  }
  await a.evaluate(() => window.echo.private('tenant.1.chat').whisper('typing', { from: 'a' }));
  await b.evaluate(() => window.echo.private('tenant.1.chat').whisper('typing', { from: 'b' }));
  await eventually(async () => (await logged(b, 'typing')).length === 1 && (await logged(a, 'typing')).length === 1, 'whispers');
  assert.deepEqual((await logged(b, 'typing'))[0][0], { from: 'a' });
  assert.deepEqual((await logged(a, 'typing'))[0][0], { from: 'b' });
  const thrown = await a.evaluate(() => {
    try {
      window.echo.channel('news').whisper('typing', {});
      return null;
    } catch (e) {
      return { name: e.name, code: e.code, message: e.message };
    }
  });
  assert.equal(thrown.name, 'EchoError');
  assert.equal(thrown.code, 'client_event_invalid');
  assert.match(thrown.message, /public channel/);
  await a.context().close();
  await b.context().close();
});

test('notification() receives a Laravel BroadcastNotificationCreated on App.Models.User.1', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
    window.echo.private('App.Models.User.1').notification(window.record('notification'));
  });
  await waitForSubscribed(page, 'private-App.Models.User.1');
  const payload = { id: 'b1c', type: 'App\\Notifications\\LowStock', title: 'Low stock', message: 'SKU A below 5' };
  await trigger('private-App.Models.User.1', 'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated', payload);
  await eventually(async () => (await logged(page, 'notification')).length === 1, 'notification');
  assert.deepEqual(await logged(page, 'notification'), [[payload]]);
  await page.context().close();
});

test('user sign-in and a server-to-user event', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-3' });
    window.echo.connector.onSignin(window.record('signin'));
    window.echo.connector.listenToUser('report.ready', window.record('report'));
    window.echo.connector.signin();
  });
  const [[userData]] = await eventually(async () => (await logged(page, 'signin')).length && logged(page, 'signin'), 'signin');
  assert.equal(String(userData.id), '3');
  await sleep(300);
  await backend('/test/send-to-user', { user_id: 3, event: 'report.ready', data: { url: '/r/1' } });
  await eventually(async () => (await logged(page, 'report')).length === 1, 'server-to-user event');
  assert.deepEqual(await logged(page, 'report'), [[{ url: '/r/1' }]]);
  await page.context().close();
});

test('403 on one channel reaches its error callback while another channel keeps receiving', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-3' });
    window.echo.private('tenant.1.inventory').error(window.record('error')).listen('.inventory.update', window.record('leak'));
    window.echo.private('tenant.2.inventory').listen('.inventory.update', window.record('update'));
  });
  const [[error]] = await eventually(async () => (await logged(page, 'error')).length && logged(page, 'error'), 'error');
  assert.equal(error.status, 403);
  assert.equal(error.type, 'AuthError');
  assert.match(error.message, /routes\/channels\.php/);
  await waitForSubscribed(page, 'private-tenant.2.inventory');
  await trigger('private-tenant.2.inventory', 'inventory.update', { ok: true });
  await eventually(async () => (await logged(page, 'update')).length === 1, 'other channel event');
  assert.equal(await page.evaluate(() => window.echo.private('tenant.1.inventory').subscriptionState), 'failed');
  const requests = (await authLog()).filter((e) => e.channel === 'private-tenant.1.inventory').length;
  assert.equal(requests, 1, 'accessing a failed channel again does not re-request authorization');
  await page.context().close();
});

test('401 then success after headersProvider refreshes the token', async () => {
  await fault('private-tenant.1.inventory', '401', { times: 1 });
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.calls = 0;
    window.echo = window.makeEcho({
      headersProvider: async () => {
        window.calls += 1;
        return { Authorization: 'Bearer token-user-1' };
      },
    });
    window.echo.private('tenant.1.inventory').error(window.record('error'));
  });
  await waitForSubscribed(page, 'private-tenant.1.inventory');
  assert.equal(await page.evaluate(() => window.calls), 2, 'headersProvider asked again after the 401');
  assert.deepEqual(await logged(page, 'error'), [], 'no error reached the app');
  const statuses = (await authLog()).filter((e) => e.channel === 'private-tenant.1.inventory').map((e) => e.status);
  assert.deepEqual(statuses.slice(-2), [401, 200]);
  await page.context().close();
});

test('Sockudo killed and restarted: reconnecting, then connected; channels resubscribed; next event exactly once', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.statuses = [];
    window.echo = window.makeEcho({ bearerToken: 'token-user-1', reconnect: { baseMs: 300, maxMs: 1000 } });
    window.echo.connector.onConnectionChange((s) => window.statuses.push(s));
    window.echo.channel('tenant.1.inventory').listen('.inventory.update', window.record('public'));
    window.echo.private('tenant.1.stock-alerts').listen('.stock.low', window.record('private'));
  });
  await waitForSubscribed(page, 'tenant.1.inventory');
  await waitForSubscribed(page, 'private-tenant.1.stock-alerts');
  const firstSocket = await page.evaluate(() => window.echo.socketId());
  await backend('/test/sockudo/kill');
  await waitForStatus(page, 'reconnecting');
  await sleep(1500);
  await backend('/test/sockudo/start');
  await waitForStatus(page, 'connected', 20000);
  await waitForSubscribed(page, 'tenant.1.inventory');
  await waitForSubscribed(page, 'private-tenant.1.stock-alerts');
  assert.notEqual(await page.evaluate(() => window.echo.socketId()), firstSocket);
  await trigger('tenant.1.inventory', 'inventory.update', { n: 1 });
  await trigger('private-tenant.1.stock-alerts', 'stock.low', { n: 2 });
  await eventually(async () => (await logged(page, 'public')).length >= 1 && (await logged(page, 'private')).length >= 1, 'events after restart');
  await sleep(500);
  assert.equal((await logged(page, 'public')).length, 1, 'public event exactly once');
  assert.equal((await logged(page, 'private')).length, 1, 'private event exactly once');
  const statuses = await page.evaluate(() => window.statuses);
  assert.deepEqual(statuses.slice(-2), ['reconnecting', 'connected']);
  await page.context().close();
});

test('stopListening and leave really stop delivery; the server sees the channel unoccupied', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho();
    window.a = window.record('a');
    window.b = window.record('b');
    window.echo.channel('tenant.9.inventory').listen('.inventory.update', window.a).listen('.inventory.update', window.b);
  });
  await waitForSubscribed(page, 'tenant.9.inventory');
  await page.evaluate(() => window.echo.channel('tenant.9.inventory').stopListening('.inventory.update', window.a));
  await trigger('tenant.9.inventory', 'inventory.update', { n: 1 });
  await eventually(async () => (await logged(page, 'b')).length === 1, 'b gets the event');
  assert.equal((await logged(page, 'a')).length, 0, 'a was removed');
  assert.equal((await channelInfo('tenant.9.inventory')).occupied, true);
  await page.evaluate(() => window.echo.leave('tenant.9.inventory'));
  await eventually(async () => (await channelInfo('tenant.9.inventory')).occupied === false, 'channel unoccupied');
  await trigger('tenant.9.inventory', 'inventory.update', { n: 2 });
  await sleep(300);
  assert.equal((await logged(page, 'b')).length, 1, 'nothing after leave');
  await page.context().close();
});

test('a throwing listener is reported and does not stop dispatch; leave() inside a callback works', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho();
    window.echo.connector.onError(window.record('error'));
    const ch = window.echo.channel('tenant.8.inventory');
    ch.listen('.inventory.update', () => { throw new Error('boom'); });
    ch.listen('.inventory.update', window.record('second'));
    ch.listen('.inventory.update', () => window.echo.leave('tenant.8.inventory'));
    ch.listen('.inventory.update', window.record('third'));
  });
  await waitForSubscribed(page, 'tenant.8.inventory');
  await trigger('tenant.8.inventory', 'inventory.update', { n: 1 });
  await eventually(async () => (await logged(page, 'second')).length === 1, 'second listener');
  // DOM EventTarget semantics (issue 12): a listener removed during a dispatch (here by
  // leave()) is not called later in that dispatch.
  await sleep(300);
  assert.equal((await logged(page, 'third')).length, 0, 'a listener removed by leave() during the dispatch does not run');
  const errors = await logged(page, 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0][0].code, 'listener_threw');
  await eventually(async () => (await channelInfo('tenant.8.inventory')).occupied === false, 'left from inside a callback');
  await trigger('tenant.8.inventory', 'inventory.update', { n: 2 });
  await sleep(300);
  assert.equal((await logged(page, 'second')).length, 1);
  assert.deepEqual(page.errors, [], 'no uncaught exception in the page');
  await page.context().close();
});

test('invalid options and channel names throw a typed EchoError', async () => {
  const page = await openPage(browser);
  const results = await page.evaluate(() => {
    const attempt = (f) => { try { f(); return null; } catch (e) { return { name: e.name, code: e.code, message: e.message }; } };
    return {
      noKey: attempt(() => new window.Echo({ broadcaster: 'reverb', wsHost: 'x' })),
      badPort: attempt(() => window.makeEcho({ wsPort: 'abc' })),
      socketio: attempt(() => window.makeEcho({ broadcaster: 'socket.io' })),
      badName: attempt(() => window.makeEcho().channel('bad name!')),
    };
  });
  assert.equal(results.noKey.code, 'config');
  assert.match(results.noKey.message, /VITE_REVERB_APP_KEY/);
  assert.equal(results.badPort.code, 'config');
  assert.match(results.socketio.message, /not supported/);
  assert.equal(results.badName.code, 'invalid_channel');
  await page.context().close();
});

test('axios interceptor and withSocketId add X-Socket-ID', async () => {
  const page = await openPage(browser);
  const result = await page.evaluate(async () => {
    const handlers = [];
    window.axios = { interceptors: { request: { use: (f) => handlers.push(f) && handlers.length - 1, eject: () => {} } } };
    window.echo = window.makeEcho();
    await new Promise((r) => { const t = setInterval(() => { if (window.echo.socketId()) { clearInterval(t); r(); } }, 20); });
    const config = handlers[0]({ headers: {} });
    const init = window.withSocketId(window.echo, { headers: { A: 'b' } });
    return { axios: config.headers['X-Socket-ID'], fetch: new Headers(init.headers).get('X-Socket-ID'), id: window.echo.socketId() };
  });
  assert.match(result.id, /^\d+\.\d+$/);
  assert.equal(result.axios, result.id);
  assert.equal(result.fetch, result.id);
  await page.context().close();
});

test('one handle per channel, as in laravel-echo: the same object back, chaining returns it', async () => {
  const page = await openPage(browser);
  const same = await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
    const a = window.echo.private('tenant.1.inventory');
    const b = window.echo.private('tenant.1.inventory');
    const chained = a.listen('.x', () => {}).error(() => {}).subscribed(() => {});
    window.echo.leave('tenant.1.inventory');
    const c = window.echo.private('tenant.1.inventory');
    return { identical: a === b, chained: chained === a, afterLeave: c !== a, name: c.name };
  });
  assert.deepEqual(same, { identical: true, chained: true, afterLeave: true, name: 'private-tenant.1.inventory' });
  await page.context().close();
});
