// Node failures behind the proxy (issue #17): `kill -9` of the Sockudo node with the most measured
// clients (echo-wasm pages), and a rolling restart of all three nodes with 50 clients connected
// (6 pages + 44 pusher-js clients in Node, all through the proxy). Figures go to
// target/topology-report.json (RELIABILITY.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, eventually, sleep, proxyPage, setupClient, allSubscribed, nodeOf, nodeSdk, nodeKill, nodeStart, nodeStop,
  connectedPerNode, pusherJs, report, median,
} from './topo.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Opens `count` measured pages (clients 1..count) on `base`; returns [{page, node, client}]. */
async function measuredClients(count, base) {
  const clients = [];
  for (let client = 1; client <= count; client++) {
    const page = await proxyPage(browser);
    const node = await nodeOf(async () => {
      await setupClient(page, { client, base });
      await eventually(() => allSubscribed(page), `client ${client} subscribed`, 15000);
    });
    clients.push({ page, node, client });
  }
  return clients;
}

const KINDS = ['presence', 'private', 'public'];
const channels = (base) => [base, `private-${base}`, `presence-${base}`];
/** Publishes .tick {n} on every channel of `base` through node `via`; waits until every client has it. */
async function publishAndCheck(clients, base, via, n) {
  assert.equal((await nodeSdk(via).trigger(channels(base), 'tick', { n })).status, 200);
  for (const { page, client } of clients) {
    await eventually(async () => {
      const got = await page.evaluate(() => window.got);
      return KINDS.every((k) => got.some(([kind, m]) => kind === k && m === n));
    }, `event ${n} on every channel of client ${client}`, 10000);
  }
}

test('kill -9 of the node with the most clients, 3 times: every client on it is back through the proxy, resubscribed, no duplicate', async () => {
  const base = 'tenant.1.topo-kill';
  const clients = await measuredClients(7, base);
  let killed = null;
  const kills = [];
  try {
    await publishAndCheck(clients, base, 1, 0);
    for (let round = 1; round <= 3; round++) {
      // The node with the most measured clients now (after the previous rounds' moves).
      const perNode = await connectedPerNode();
      assert.equal(perNode.reduce((a, b) => a + b, 0), clients.length, 'only the measured clients are connected');
      const victim = perNode.indexOf(Math.max(...perNode)) + 1;
      const survivor = victim === 1 ? 2 : 1;
      const subsBefore = await Promise.all(clients.map((c) => c.page.evaluate(() => window.subs.length)));
      const t0 = Date.now();
      nodeKill(victim);
      killed = victim;
      // Who was on it: the pages that subscribe again. Right after the kill a page may not have
      // seen the close yet, so wait until as many pages as the node had are back.
      const resubscribed = (c) => c.page.evaluate((t) => ['presence', 'private', 'public']
        .every((k) => window.subs.some(([kind, at]) => kind === k && at >= t)), t0);
      const movers = await eventually(async () => {
        const back = [];
        for (const c of clients) if ((await resubscribed(c)) && (await allSubscribed(c.page))) back.push(c);
        return back.length >= perNode[victim - 1] && back;
      }, `the ${perNode[victim - 1]} clients of node ${victim} back with every channel (round ${round})`, 15000);
      await sleep(300);
      assert.equal(movers.length, perNode[victim - 1], 'as many clients reconnected as the node had');
      const times = [];
      for (const c of clients) {
        const subs = await c.page.evaluate(() => window.subs);
        const again = subs.filter(([, at]) => at >= t0);
        if (!movers.includes(c)) {
          assert.equal(subs.length, subsBefore[clients.indexOf(c)], `client ${c.client} on a surviving node did not reconnect`);
          continue;
        }
        assert.deepEqual(KINDS.map((k) => again.filter(([kind]) => kind === k).length), [1, 1, 1], `client ${c.client}: each channel resubscribed once`);
        times.push(Math.max(...again.map(([, at]) => at)) - t0); // back = its last channel subscribed again
      }
      const after = await connectedPerNode();
      assert.equal(after[victim - 1], null, 'the killed node is down');
      assert.equal(after.reduce((a, b) => a + (b ?? 0), 0), clients.length, 'every measured client is on a surviving node');
      await publishAndCheck(clients, base, survivor, round);
      kills.push({ round, perNode, victim, moved: movers.length, reconnectMs: times, medianMs: median(times), maxMs: Math.max(...times) });
      assert.ok(Math.max(...times) < 15000, `every client back within 15 s (${times})`);
      nodeStart(victim);
      killed = null;
    }
    await sleep(700);
    for (const { page, client } of clients) {
      const got = await page.evaluate(() => window.got);
      assert.deepEqual(got.map(([k, n]) => `${k}:${n}`).sort(), KINDS.flatMap((k) => [0, 1, 2, 3].map((n) => `${k}:${n}`)).sort(), `client ${client}: every event once`);
      assert.deepEqual(page.errors, []);
    }
    const all = kills.flatMap((k) => k.reconnectMs);
    report('nodeKill', { clients: clients.length, kills, medianMs: median(all), maxMs: Math.max(...all) });
  } finally {
    if (killed) nodeStart(killed); // back for the next test
    await Promise.all(clients.map((c) => c.page.context().close()));
  }
});

test('rolling restart of all three nodes with 50 clients: none left disconnected, every event after each restart delivered once', async () => {
  const base = 'tenant.1.topo-roll';
  const pages = await measuredClients(6, base);
  const load = [];
  let stopped = null;
  try {
    // 44 pusher-js clients in Node on the public channel, through the proxy.
    for (let i = 0; i < 44; i++) {
      const p = pusherJs();
      p.got = [];
      p.backs = [];
      p.connection.bind('connected', () => p.backs.push(Date.now()));
      p.subscribe(base).bind('tick', (d) => p.got.push(d.n));
      load.push(p);
    }
    const loadReady = () => load.every((p) => p.connection.state === 'connected' && p.channel(base)?.subscribed);
    await eventually(loadReady, '44 pusher-js clients subscribed', 30000);
    const everyoneBack = async () => loadReady() && (await Promise.all(pages.map((c) => allSubscribed(c.page)))).every(Boolean);
    await eventually(async () => (await connectedPerNode()).reduce((a, b) => a + b, 0) === 50, '50 sockets on the nodes', 15000);

    const restarts = [];
    for (const n of [1, 2, 3]) {
      stopped = n;
      const before = await connectedPerNode();
      // SIGTERM: Sockudo closes its sockets with 4200 (reconnect now) and exits after its grace
      // period; the clients go through the proxy to the two other nodes meanwhile.
      const t0 = Date.now();
      await nodeStop(n);
      const stoppedMs = Date.now() - t0;
      await eventually(everyoneBack, `all 50 clients connected after node ${n} stopped`, 30000).catch(async (e) => {
        const pagesState = await Promise.all(pages.map((c) => c.page.evaluate(() => { const d = window.echo.diagnose(); return [d.status, d.reconnectAttempts, d.channels.map((ch) => ch.state).join('/'), d.lastErrors.slice(-2).map((x) => x.code)]; })));
        const loadStates = load.map((p) => `${p.connection.state}/${p.channel(base)?.subscribed}`).filter((x) => x !== 'connected/true');
        throw new Error(`${e.message}; pages ${JSON.stringify(pagesState)}; pusher-js not back: ${JSON.stringify(loadStates)}; per node ${JSON.stringify(await connectedPerNode())}`);
      });
      // Who dropped, and when each was back: pusher-js' 'connected' events, the pages' last
      // channel subscribed again (a client may have landed on the stopping node once more).
      const pageBacks = await Promise.all(pages.map((c) => c.page.evaluate((t) => {
        const again = window.subs.filter(([, at]) => at >= t);
        return again.length ? Math.max(...again.map(([, at]) => at)) : null;
      }, t0)));
      const since = (ats) => ats.filter((at) => at !== null).map((at) => at - t0);
      const pageMs = since(pageBacks);
      const pusherMs = since(load.map((p) => p.backs.filter((at) => at >= t0).pop() ?? null));
      const backs = [...pageMs, ...pusherMs];
      assert.equal(backs.length, before[n - 1], `the clients of node ${n}, and only they, reconnected`);
      nodeStart(n);
      stopped = null;
      const upMs = Date.now() - t0;
      const perNode = await eventually(async () => { const c = await connectedPerNode(); return c.reduce((a, b) => a + b, 0) === 50 && c; }, '50 sockets after the restart', 15000);
      // Published through the node just restarted: it reaches clients on the other two over Redis.
      await publishAndCheck(pages, base, n, n);
      await eventually(() => load.every((p) => p.got.includes(n)), `event ${n} on all 44 pusher-js clients`, 10000);
      restarts.push({
        node: n, clientsOnIt: before[n - 1], pagesMoved: pageMs.length, pagesMedianMs: median(pageMs), pagesMaxMs: Math.max(0, ...pageMs),
        pusherJsMoved: pusherMs.length, pusherJsMedianMs: median(pusherMs), pusherJsMaxMs: Math.max(0, ...pusherMs), stoppedMs, upAgainMs: upMs, perNodeAfter: perNode,
      });
    }
    await sleep(700);
    const disconnected = load.filter((p) => p.connection.state !== 'connected').length
      + (await Promise.all(pages.map((c) => allSubscribed(c.page)))).filter((ok) => !ok).length;
    assert.equal(disconnected, 0, 'no client left disconnected');
    for (const p of load) assert.deepEqual(p.got.filter((n) => n > 0), [1, 2, 3], 'pusher-js: each event once');
    for (const { page, client } of pages) {
      const got = await page.evaluate(() => window.got);
      assert.deepEqual(got.map(([k, n]) => `${k}:${n}`).sort(), KINDS.flatMap((k) => [1, 2, 3].map((n) => `${k}:${n}`)).sort(), `client ${client}: each event once`);
    }
    report('rollingRestart', { clients: 50, pages: pages.length, pusherJs: load.length, restarts, disconnected });
  } finally {
    // A node stopped by a failed round is started again: the later files need all three.
    if (stopped) { try { nodeStart(stopped); } catch (e) { console.error(`node ${stopped} did not start again: ${e.message}`); } }
    for (const p of load) p.disconnect();
    await Promise.all(pages.map((c) => c.page.context().close()));
  }
});
