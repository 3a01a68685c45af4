// A Redis Cluster master killed behind the Sockudo nodes (issue #17): the master that carries the
// adapter's broadcast pub/sub (the slot of `sockudo_adapter::#broadcast`, confirmed by its live
// subscriptions) is SIGKILLed; with cluster-node-timeout 1500 ms its replica takes over, and
// events published through node 3 every 100 ms reach clients on nodes 1 and 2 again. The gap is
// reported (target/topology-report.json, RELIABILITY.md); the bound is 30 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, eventually, sleep, topo, proxyPage, allSubscribed, nodeOf, nodeSdk, redisCli, redisKill, redisStart,
  masters, clusterOk, report,
} from './topo.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const BROADCAST = 'sockudo_adapter::#broadcast'; // Sockudo 5.2.0: prefix "sockudo_adapter:" + ":#broadcast"
const ownerOf = (ask, slot) => masters(ask).find((m) => m.slots.some(([a, b = a]) => slot >= a && slot <= b));

test('the master carrying Sockudo\'s pub/sub killed: failover, and delivery across nodes resumes within 30 s', async () => {
  const ask = topo.redisPorts.find(clusterOk);
  const slot = Number(redisCli(ask, 'cluster', 'keyslot', BROADCAST));
  const owner = ownerOf(ask, slot);
  assert.ok(owner, `a master owns slot ${slot}`);
  // The live subscriptions agree: the three nodes subscribed to the broadcast channel there.
  const numsub = (port) => Number(redisCli(port, 'pubsub', 'numsub', BROADCAST).split('\n')[1]);
  assert.equal(numsub(owner.port), 3, `3 subscriptions to ${BROADCAST} on ${owner.port}`);
  assert.match(redisCli(owner.port, 'client', 'list'), /\bsub=[1-9]/, 'subscriber connections in CLIENT LIST');

  // One client on node 1 and one on node 2 (pages opened until each node has one).
  const pages = new Map();
  const spare = [];
  for (let i = 0; pages.size < 2 && i < 8; i++) {
    const page = await proxyPage(browser);
    const node = await nodeOf(async () => {
      await page.evaluate(() => {
        window.probes = [];
        window.echo = window.makeEcho({});
        window.echo.channel('topo.failover').listen('.probe', (d) => window.probes.push([d.seq, Date.now()]));
      });
      await eventually(() => allSubscribed(page), 'subscribed', 15000);
    });
    if ((node === 1 || node === 2) && !pages.has(node)) pages.set(node, page); else spare.push(page);
  }
  assert.equal(pages.size, 2, 'a client on node 1 and one on node 2');
  let killed = null;
  // The probe loop ends in `finally`, also when an assertion fails (else the test process,
  // and with it the whole topology, would never exit).
  let probing = true;
  let prober = null;
  try {
    // Probes through node 3's API every 100 ms.
    const sent = [];
    let seq = 0;
    const sdk = nodeSdk(3, 2000);
    prober = (async () => {
      while (probing) {
        const s = ++seq;
        const at = Date.now();
        sdk.trigger('topo.failover', 'probe', { seq: s }).then((r) => sent.push({ s, at, ok: r.status === 200 }), () => sent.push({ s, at, ok: false }));
        await sleep(100);
      }
    })();
    const received = async (node) => (await pages.get(node).evaluate(() => window.probes));
    await eventually(async () => (await received(1)).length >= 10 && (await received(2)).length >= 10, 'steady delivery before the kill', 10000);

    const tKill = Date.now();
    redisKill(owner.port);
    killed = owner.port;
    const survivor = topo.redisPorts.find((p) => p !== owner.port);
    const promoted = await eventually(() => { try { const m = ownerOf(survivor, slot); return m && m.port !== owner.port && m; } catch { return false; } }, 'a replica promoted for the slot', 30000);
    const failoverMs = Date.now() - tKill;
    // Delivery resumed: both clients get probes published after the promotion, 10 in a row.
    const tPromoted = Date.now();
    const resumed = async (node) => {
      const got = await received(node);
      const after = got.filter(([, at]) => at >= tPromoted);
      return after.length >= 10 && after;
    };
    await eventually(async () => (await resumed(1)) && (await resumed(2)), 'probes on nodes 1 and 2 after the failover', 30000 - (Date.now() - tKill));
    probing = false;
    await prober;
    await sleep(300);
    const figures = { redisMasterPort: owner.port, slot, failoverMs, promotedPort: promoted.port, probesSent: sent.length, apiErrors: sent.filter((p) => !p.ok).length };
    for (const node of [1, 2]) {
      const got = await received(node);
      const firstAfter = got.find(([, at]) => at > tKill + 0);
      const lastBefore = [...got].reverse().find(([, at]) => at <= tKill);
      // The gap: the longest silence between two deliveries around the kill.
      let gap = 0;
      for (let i = 1; i < got.length; i++) if (got[i][1] >= tKill - 1000) gap = Math.max(gap, got[i][1] - got[i - 1][1]);
      const seqs = new Set(got.map(([s]) => s));
      const lost = sent.filter((p) => p.ok && !seqs.has(p.s)).length;
      assert.ok(firstAfter, `node ${node}: a probe after the kill`);
      figures[`node${node}`] = { gapMs: gap, lastBeforeSeq: lastBefore?.[0], firstAfterMs: firstAfter[1] - tKill, lostAcceptedProbes: lost, duplicates: got.length - seqs.size };
      assert.equal(got.length, seqs.size, `node ${node}: no probe twice`);
      assert.ok(firstAfter[1] - tKill < 30000, `node ${node}: delivery resumed within 30 s`);
    }
    report('redisFailover', figures);
  } finally {
    probing = false;
    await prober;
    if (killed) {
      redisStart(killed); // rejoins as a replica
      await eventually(() => topo.redisPorts.every(clusterOk), 'cluster_state:ok on every node again', 30000).catch(() => {});
    }
    await Promise.all([...pages.values(), ...spare].map((p) => p.context().close()));
  }
});
