// Two-node cluster (issue #8): redis-server on a free loopback port and two Sockudo nodes with
// ADAPTER_DRIVER=redis CACHE_DRIVER=redis REDIS_URL (Sockudo refuses a node-local cache when
// clustered). A client on node 1 and one on node 2 see each other in a presence channel;
// events triggered through node 2's HTTP API reach the client on node 1. Failover with
// `wsHosts: ['127.0.0.1:PORT1', '127.0.0.1:PORT2']`: node 1 is SIGKILLed, the client
// reconnects to node 2, resubscribes (presence and private), and the next event arrives once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, eventually, waitForSubscribed, sleep, startSockudo, startRedis, serverSdk } from './lib.mjs';

let browser;
let redis;
let node1;
let node2;
before(async () => {
  redis = await startRedis();
  const clustered = (id) => ({ ADAPTER_DRIVER: 'redis', CACHE_DRIVER: 'redis', QUEUE_DRIVER: 'memory', REDIS_URL: redis.url, INSTANCE_PROCESS_ID: id });
  node1 = await startSockudo(clustered('node-1'));
  node2 = await startSockudo(clustered('node-2'));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await node1?.stop();
  await node2?.stop();
  await redis?.stop();
});

// Read through the handle the page holds: echo.join(name) would create (and join) the channel.
const members = (page, name) => page.evaluate((n) => window.held[n].members.members.map((m) => m.id).sort(), name);

test('presence members are visible across nodes; node 2 API events reach node 1 clients', async () => {
  const a = await openPage(browser);
  const b = await openPage(browser);
  try {
    // One after the other: user 2 joins on node 2 only once node 2 knows user 1 (joined on
    // node 1), so the announcements are determined: node 1's client hears user 2 join, node 2's
    // client finds user 1 already there. (Two joins racing across nodes may each be announced
    // to the other, which is the server's business, not the client's.)
    const sdk2 = serverSdk({ port: node2.port });
    const usersOnNode2 = async () => {
      const r = await sdk2.get({ path: '/channels/presence-tenant.1.cluster/users' });
      return r.status === 200 ? (await r.json()).users.map((u) => String(u.id)).sort() : [];
    };
    for (const [page, user, port] of [[a, 1, node1.port], [b, 2, node2.port]]) {
      await page.evaluate(({ user, port }) => {
        window.got = [];
        window.joined = [];
        window.echo = window.makeEcho({ bearerToken: `token-user-${user}`, wsPort: port });
        window.held = { 'tenant.1.cluster': window.echo.join('tenant.1.cluster') };
        window.held['tenant.1.cluster'].joining((u) => window.joined.push(String(u.id)));
        window.echo.channel('tenant.1.cluster-public').listen('.hello', (d) => window.got.push(['public', d]));
        window.echo.private('tenant.1.cluster').listen('.hello', (d) => window.got.push(['private', d]));
        window.echo.encryptedPrivate('tenant.1.cluster').listen('.hello', (d) => window.got.push(['encrypted', d]));
      }, { user, port });
      for (const n of ['presence-tenant.1.cluster', 'tenant.1.cluster-public', 'private-tenant.1.cluster', 'private-encrypted-tenant.1.cluster']) {
        await waitForSubscribed(page, n, 15000);
      }
      if (user === 1) await eventually(async () => (await usersOnNode2()).includes('1'), 'node 2 knows user 1 (joined on node 1)');
    }
    assert.match((await a.evaluate(() => window.echo.diagnose())).url, new RegExp(`:${node1.port}/`));
    assert.match((await b.evaluate(() => window.echo.diagnose())).url, new RegExp(`:${node2.port}/`));
    // Both members on both nodes.
    await eventually(async () => JSON.stringify(await members(a, 'tenant.1.cluster')) === '["1","2"]', 'user 2 (node 2) in the member list on node 1');
    await eventually(async () => JSON.stringify(await members(b, 'tenant.1.cluster')) === '["1","2"]', 'user 1 (node 1) in the member list on node 2');
    // User 2 joined second: announced on node 1 across the nodes, once; nobody joined after it.
    await eventually(async () => (await a.evaluate(() => window.joined)).length >= 1, 'the joining event on node 1');
    await sleep(300);
    assert.deepEqual(await a.evaluate(() => window.joined), ['2'], 'node 1 heard user 2 join, once');
    assert.deepEqual(await b.evaluate(() => window.joined), [], 'node 2 found user 1 already there');

    // Events through node 2's HTTP API reach the client on node 1 (and node 2), once.
    assert.equal((await sdk2.trigger(['tenant.1.cluster-public', 'private-tenant.1.cluster'], 'hello', { via: 'node-2' })).status, 200);
    assert.equal((await sdk2.trigger('private-encrypted-tenant.1.cluster', 'hello', { via: 'node-2', sealed: true })).status, 200);
    for (const page of [a, b]) {
      await eventually(async () => (await page.evaluate(() => window.got)).length >= 3, 'three events');
    }
    await sleep(500);
    for (const page of [a, b]) {
      assert.deepEqual((await page.evaluate(() => window.got)).sort(), [
        ['encrypted', { via: 'node-2', sealed: true }], ['private', { via: 'node-2' }], ['public', { via: 'node-2' }],
      ]);
    }
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test('failover: node 1 killed -> the client moves to node 2 (wsHosts), resubscribes, gets the next event once', async () => {
  const c = await openPage(browser);
  const watcher = await openPage(browser);
  try {
    // A second member on node 2, to see the presence channel from the surviving node.
    await watcher.evaluate((port) => {
      window.echo = window.makeEcho({ bearerToken: 'token-user-2', wsPort: port });
      window.echo.join('tenant.1.failover');
    }, node2.port);
    await waitForSubscribed(watcher, 'presence-tenant.1.failover');
    await c.evaluate(({ p1, p2 }) => {
      window.got = [];
      window.subscribed = { presence: 0, private: 0 };
      window.echo = window.makeEcho({
        bearerToken: 'token-user-1', wsHost: undefined, wsHosts: [`127.0.0.1:${p1}`, `127.0.0.1:${p2}`], wsPort: 9,
        reconnect: { baseMs: 300, maxMs: 1000 },
      });
      window.held = { 'tenant.1.failover': window.echo.join('tenant.1.failover') };
      window.held['tenant.1.failover'].subscribed(() => window.subscribed.presence++)
        .listen('.tick', (d) => window.got.push(['presence', d.n]));
      window.echo.private('tenant.1.failover').subscribed(() => window.subscribed.private++)
        .listen('.tick', (d) => window.got.push(['private', d.n]));
    }, { p1: node1.port, p2: node2.port });
    await waitForSubscribed(c, 'presence-tenant.1.failover', 15000);
    await waitForSubscribed(c, 'private-tenant.1.failover', 15000);
    const before = await c.evaluate(() => window.echo.diagnose());
    assert.match(before.url, new RegExp(`^ws://127\\.0\\.0\\.1:${node1.port}/`), 'first host first');
    await eventually(async () => JSON.stringify(await members(c, 'tenant.1.failover')) === '["1","2"]', 'both members before the failover');

    await node1.kill();
    await eventually(async () => {
      const d = await c.evaluate(() => window.echo.diagnose());
      return d.status === 'connected' && d.url.includes(`:${node2.port}/`) && d.channels.every((ch) => ch.state === 'subscribed') && d;
    }, 'reconnected to node 2 with every channel subscribed', 20000);
    const after = await c.evaluate(() => window.echo.diagnose());
    assert.notEqual(after.socketId, before.socketId);
    assert.deepEqual(await c.evaluate(() => window.subscribed), { presence: 2, private: 2 }, 'each channel resubscribed once');
    await eventually(async () => JSON.stringify(await members(c, 'tenant.1.failover')) === '["1","2"]', 'members after the failover');

    const sdk2 = serverSdk({ port: node2.port });
    assert.equal((await sdk2.trigger(['presence-tenant.1.failover', 'private-tenant.1.failover'], 'tick', { n: 1 })).status, 200);
    await eventually(async () => (await c.evaluate(() => window.got)).length >= 2, 'the next event on both channels');
    await sleep(700);
    assert.deepEqual((await c.evaluate(() => window.got)).sort(), [['presence', 1], ['private', 1]], 'once each');
  } finally {
    await c.context().close();
    await watcher.context().close();
  }
});
