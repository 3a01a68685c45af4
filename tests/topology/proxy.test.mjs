// Through the proxy (issue #17): echo-wasm pages reach the Sockudo nodes only as
// wss://127.0.0.1:<proxy port> (the README's client options, deploy/echo.js), nginx spreads them
// round robin, and the nodes share channels over the Redis Cluster adapter: events published on
// one node's API, presence members and whispers reach clients on the other nodes. The sticky pool
// (`hash $cookie_echo_node consistent`) keeps a client on one node across reconnects. Sockudo's
// HTTP API is not on the public endpoint: events are published to a node directly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, eventually, sleep, topo, proxyPage, proxyOrigin, setupClient, allSubscribed, nodeOf, nodeSdk, connectedPerNode, APP } from './topo.mjs';
import { serverSdk } from '../reliability/lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const close = (pages) => Promise.all(pages.map((p) => p.context().close()));

/** Opens pages one after the other until one client sits on each node; returns [{page, node, client}]. */
async function onePerNode(base) {
  const placed = new Map();
  const extra = [];
  for (let client = 1; placed.size < 3 && client <= 9; client++) {
    const page = await proxyPage(browser);
    const node = await nodeOf(async () => {
      await setupClient(page, { client, base });
      await eventually(() => allSubscribed(page), `client ${client} subscribed`, 15000);
    });
    if (placed.has(node)) extra.push(page); else placed.set(node, { page, node, client });
  }
  assert.equal(placed.size, 3, 'round robin put a client on every node');
  return { clients: [...placed.values()].sort((a, b) => a.node - b.node), extra };
}

test('events, presence and whispers across the three nodes, all through wss:// on the proxy', async () => {
  const base = 'tenant.1.topo-cross';
  const { clients, extra } = await onePerNode(base);
  try {
    for (const { page } of clients) {
      const d = await page.evaluate(() => window.echo.diagnose());
      assert.match(d.url, new RegExp(`^wss://127\\.0\\.0\\.1:${topo.proxyPort}/app/${APP.key}\\?protocol=7`), 'the proxy, over TLS');
      assert.ok(page.sockets.every((u) => u.startsWith(`wss://127.0.0.1:${topo.proxyPort}/`)), 'no socket to a node directly');
    }
    // Presence: each member list holds every user, whichever node they are on.
    const users = 2; // every page opened joined, as user 1 or 2
    const want = JSON.stringify(['1', '2']);
    for (const { page, node } of clients) {
      await eventually(async () => JSON.stringify(await page.evaluate(() => window.presence.members.members.map((m) => String(m.id)).sort())) === want,
        `all ${users} members seen by the client on node ${node}`, 15000);
    }
    // An event published on each node's API reaches the clients on all three nodes, once.
    for (const n of [1, 2, 3]) {
      const res = await nodeSdk(n).trigger([base, `private-${base}`, `presence-${base}`], 'tick', { n });
      assert.equal(res.status, 200);
    }
    for (const { page, node } of clients) {
      await eventually(async () => (await page.evaluate(() => window.got.length)) >= 9, `9 events on node ${node}`);
    }
    await sleep(500);
    const expected = ['presence', 'private', 'public'].flatMap((k) => [1, 2, 3].map((n) => [k, n])).sort();
    for (const { page } of clients) assert.deepEqual((await page.evaluate(() => window.got)).sort(), expected, 'each event once');

    // Whispers: the client on node 1 whispers on the private and the presence channel; the
    // clients on nodes 2 and 3 hear it (with the sender's user id on presence), the sender does not.
    for (const { page } of clients) {
      await page.evaluate((b) => {
        window.whispers = [];
        window.echo.private(b).listenForWhisper('typing', (d) => window.whispers.push(['private', d.from]));
        window.presence.listenForWhisper('typing', (d) => window.whispers.push(['presence', d.from]));
      }, base);
    }
    await clients[0].page.evaluate((b) => {
      window.echo.private(b).whisper('typing', { from: 'node-1' });
      window.presence.whisper('typing', { from: 'node-1' });
    }, base);
    for (const { page, node } of clients.slice(1)) {
      await eventually(async () => (await page.evaluate(() => window.whispers.length)) >= 2, `both whispers on node ${node}`);
    }
    await sleep(500);
    for (const { page } of clients.slice(1)) {
      assert.deepEqual((await page.evaluate(() => window.whispers)).sort(), [['presence', 'node-1'], ['private', 'node-1']]);
    }
    assert.deepEqual(await clients[0].page.evaluate(() => window.whispers), [], 'the sender hears no echo');
    for (const { page } of [...clients, ...extra.map((p) => ({ page: p }))]) assert.deepEqual(page.errors, []);
  } finally {
    await close([...clients.map((c) => c.page), ...extra]);
  }
});

test('sticky pool: a client with the echo_node cookie comes back to the same node; without it, round robin', async () => {
  const total = async () => (await connectedPerNode()).reduce((a, b) => a + b, 0);
  const placements = async (cookie) => {
    const page = await proxyPage(browser, { cookie });
    const nodes = [];
    const baseline = await total();
    try {
      for (let i = 0; i < 4; i++) {
        nodes.push(await nodeOf(async () => {
          if (i === 0) await page.evaluate(() => { window.echo = window.makeEcho({}); window.echo.channel('topo.sticky'); });
          else await page.evaluate(() => window.echo.connect());
          await eventually(() => allSubscribed(page), 'subscribed', 15000);
        }));
        // Gone from its node before the next connect (so the next count is the next socket's).
        await page.evaluate(() => window.echo.disconnect());
        await eventually(async () => (await total()) === baseline, 'the socket closed on its node');
      }
    } finally { await page.context().close(); }
    return nodes;
  };
  const sticky = await placements('user-42');
  assert.equal(new Set(sticky).size, 1, `one node for every connect with the cookie: ${sticky}`);
  const roundRobin = await placements(undefined);
  assert.ok(new Set(roundRobin).size >= 2, `several nodes without the cookie: ${roundRobin}`);
});

test('the README client options with no port: the browser opens wss://host/app/KEY (443, no port in the URL)', async () => {
  const page = await proxyPage(browser);
  try {
    const url = await page.evaluate(() => {
      const opts = window.echoOptions({ VITE_REVERB_APP_KEY: 'app-key', VITE_REVERB_HOST: '127.0.0.1' });
      window.probe = new window.Echo(opts);
      window.probe.channel('topo.port');
      return opts;
    }).then(() => eventually(() => page.sockets.find((u) => u.includes('/app/app-key')), 'the socket attempt'));
    assert.match(url, /^wss:\/\/127\.0\.0\.1\/app\/app-key\?protocol=7&client=echo-wasm&version=[^&]+&flash=false$/);
    await page.evaluate(() => window.probe.destroy());
  } finally {
    await page.context().close();
  }
});

test('the public endpoints do not route Sockudo\'s HTTP API (/apps/...): a signed trigger through them fails, on a node it succeeds', async () => {
  const data = { n: 1 };
  assert.equal((await nodeSdk(1).trigger('topo-api', 'probe', data)).status, 200, 'a signed trigger on node 1');
  for (const port of [topo.proxyPort, topo.scaledProxyPort, topo.shortProxyPort]) {
    const res = await fetch(`${proxyOrigin(port)}/apps/${APP.id}/channels`);
    assert.equal(res.status, 404, `GET /apps/${APP.id}/channels on proxy port ${port} is the app's 404, not Sockudo's API`);
    await assert.rejects(serverSdk({ port, useTLS: true }).trigger('topo-api', 'probe', data), (e) => {
      assert.equal(e.status, 404, `a signed trigger through proxy port ${port} is refused (${e.message})`);
      return true;
    });
  }
});
