// The demo API (www/ "AutoERP live"): public config without secrets, session + CSRF on every
// action, tenant isolation, and the events each action broadcasts (received through Sockudo).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { PusherConn, post, get, bearer, login, testApi, BACKEND } from '../testing.mjs';

const SUCCEEDED = 'pusher_internal:subscription_succeeded';
after(() => testApi('reset', {}));

/** A Sockudo connection subscribed to private `channels` as user `id` (bearer auth). */
async function listener(id, channels) {
  const conn = await PusherConn.open();
  for (const channel of channels) {
    const a = await post('/broadcasting/auth', { socket_id: conn.socketId, channel_name: channel }, { headers: bearer(id) });
    assert.equal(a.status, 200, `auth ${channel}: ${a.text}`);
    assert.equal((await conn.subscribe(channel, a.body)).event, SUCCEEDED);
  }
  return conn;
}
const json = (method, path, body, headers = {}) => fetch(BACKEND + path, {
  method, headers: { 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body),
}).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));
const session = async (id) => { const s = await login(id); return { Cookie: s.cookie, 'X-CSRF-TOKEN': s.csrf }; };

describe('demo API', () => {
  test('GET /api/config has the public settings only', async () => {
    const r = await get('/api/config');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['broadcaster', 'forceTLS', 'key', 'wsHost', 'wsPort', 'wssPort']);
    assert.equal(r.body.key, process.env.ECHO_TEST_APP_KEY);
    assert.equal(r.body.wsPort, Number(process.env.ECHO_TEST_WS_PORT));
    assert.equal(r.body.forceTLS, false);
    assert.ok(!r.text.includes(process.env.ECHO_TEST_APP_SECRET));
    assert.ok(!r.text.includes(process.env.ECHO_TEST_MASTER_KEY_BASE64));
  });

  test('GET /api/session: the user and CSRF token of a cookie session, null for a guest', async () => {
    assert.deepEqual((await get('/api/session')).body, { user: null, csrf_token: null });
    const s = await login(2);
    const r = await get('/api/session', { Cookie: s.cookie });
    assert.equal(r.body.user.name, 'Grace Hopper');
    assert.equal(r.body.csrf_token, s.csrf);
  });

  test('actions need a session, and the CSRF token with a cookie', async () => {
    assert.equal((await json('POST', '/api/stock/adjust', { sku: 'BAT-70', delta: -1 })).status, 401);
    const s = await login(1);
    assert.equal((await json('POST', '/api/stock/adjust', { sku: 'BAT-70', delta: -1 }, { Cookie: s.cookie })).status, 419);
    assert.equal((await json('POST', '/api/stock/adjust', { sku: 'BAT-70', delta: -1 }, { Cookie: s.cookie, 'X-CSRF-TOKEN': 'nope' })).status, 419);
    assert.equal((await json('GET', '/api/products', undefined, { Cookie: s.cookie })).status, 200); // reads need no token
    assert.equal((await json('GET', '/api/products', undefined, bearer(1))).status, 200);
  });

  test('GET /api/server-connections: the server\'s open connections, for a signed-in user only', async () => {
    assert.equal((await json('GET', '/api/server-connections')).status, 401);
    const conn = await PusherConn.open();
    try {
      const r = await json('GET', '/api/server-connections', undefined, bearer(1));
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body), ['connections']);
      assert.ok(Number.isInteger(r.body.connections) && r.body.connections >= 1, `our open WebSocket is counted: ${r.body.connections}`);
    } finally {
      await conn.close();
    }
  });

  test('each tenant sees its own catalogue and colleagues', async () => {
    const t1 = (await json('GET', '/api/products', undefined, bearer(1))).body.map((p) => p.sku);
    const t2 = (await json('GET', '/api/products', undefined, bearer(3))).body.map((p) => p.sku);
    assert.ok(t1.includes('BAT-70') && !t1.includes('TYR-205'));
    assert.ok(t2.includes('TYR-205') && !t2.includes('BAT-70'));
    assert.deepEqual((await json('GET', '/api/users', undefined, bearer(2))).body.map((u) => u.id), [1, 2]);
    // Another tenant's product and user are out of reach.
    assert.equal((await json('PATCH', '/api/products/BAT-70', { name: 'x' }, bearer(3))).status, 404);
    assert.equal((await json('POST', '/api/stock/adjust', { sku: 'BAT-70', delta: -1 }, bearer(3))).status, 422);
    assert.equal((await json('POST', '/api/notify', { user_id: 1, title: 'hi' }, bearer(3))).status, 422);
  });

  test('POST /api/notify sends a Laravel notification to the user channel', async () => {
    const conn = await listener(1, ['private-App.Models.User.1']);
    try {
      const r = await json('POST', '/api/notify', { user_id: 1, title: '<b>Hi</b>', message: 'there' }, await session(2));
      assert.equal(r.status, 200);
      const f = await conn.next((f) => f.channel === 'private-App.Models.User.1');
      assert.equal(f.event, 'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated');
      assert.deepEqual({ ...f.data, id: typeof f.data.id }, { id: 'string', type: 'App\\Notifications\\DemoMessage',
        title: '<b>Hi</b>', message: 'there', from: { id: 2, name: 'Grace Hopper' } });
      assert.equal((await json('POST', '/api/notify', { user_id: 1 }, bearer(2))).status, 422); // no title
      assert.equal((await json('POST', '/api/notify', { user_id: 1, title: 'x'.repeat(201) }, bearer(2))).status, 422);
    } finally { conn.ws.terminate(); }
  });

  test('products: created and updated events plus inventory updates', async () => {
    const channel = 'private-tenant.1.inventory';
    const conn = await listener(2, [channel]);
    try {
      const sku = `T-${process.pid}`;
      const created = await json('POST', '/api/products', { sku, name: 'Test part', stock: 3, threshold: 2, price: 1.5 }, bearer(1));
      assert.equal(created.status, 201);
      assert.equal((await conn.next((f) => f.event === 'product.created')).data.product.sku, sku);
      const upd = await conn.next((f) => f.event === 'inventory.update');
      assert.deepEqual([upd.data.change, upd.data.by.name], ['created', 'Ada Lovelace']);
      assert.equal((await json('POST', '/api/products', { sku, name: 'again' }, bearer(1))).status, 422);
      const patched = await json('PATCH', `/api/products/${sku}`, { name: 'Renamed', price: 2 }, bearer(1));
      assert.equal(patched.body.name, 'Renamed');
      assert.equal((await conn.next((f) => f.event === 'product.updated')).data.product.name, 'Renamed');
      assert.equal((await conn.next((f) => f.event === 'inventory.update')).data.change, 'updated');
    } finally { conn.ws.terminate(); }
  });

  test('stock adjust: .stock.adjusted; below the threshold also .stock.low and .notification.created', async () => {
    const conn = await listener(2, ['private-tenant.1.stock-alerts', 'private-tenant.1.notifications', 'private-tenant.1.inventory']);
    try {
      const sku = `S-${process.pid}`;
      await json('POST', '/api/products', { sku, name: 'Stocky', stock: 10, threshold: 5 }, bearer(1));
      let r = await json('POST', '/api/stock/adjust', { sku, delta: -4 }, bearer(1));
      assert.deepEqual([r.status, r.body.product.stock, r.body.low], [200, 6, false]);
      const a = await conn.next((f) => f.event === 'stock.adjusted');
      assert.deepEqual([a.data.previous, a.data.stock, a.data.delta, a.data.reason], [10, 6, -4, 'Sold']);
      r = await json('POST', '/api/stock/adjust', { sku, delta: -3, reason: 'Workshop' }, bearer(1));
      assert.deepEqual([r.body.product.stock, r.body.low], [3, true]);
      const low = await conn.next((f) => f.event === 'stock.low');
      assert.deepEqual([low.channel, low.data.stock, low.data.threshold, low.data.reason], ['private-tenant.1.stock-alerts', 3, 5, 'Workshop']);
      const n = await conn.next((f) => f.event === 'notification.created');
      assert.equal(n.channel, 'private-tenant.1.notifications');
      assert.equal(n.data.title, 'Low stock: Stocky');
      // Restocking is never "low"; a non-integer delta is refused.
      r = await json('POST', '/api/stock/adjust', { sku, delta: 1 }, bearer(1));
      assert.equal(r.body.low, false);
      assert.equal((await json('POST', '/api/stock/adjust', { sku, delta: 1.5 }, bearer(1))).status, 422);
    } finally { conn.ws.terminate(); }
  });
});

describe('static serving without STATIC_DIR', () => {
  test('no SPA fallback: unknown paths are 404', async () => {
    assert.equal((await fetch(`${BACKEND}/some/route`, { headers: { Accept: 'text/html' } })).status, 404);
  });
});
