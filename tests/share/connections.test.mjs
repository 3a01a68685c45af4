// Connection sharing (issue 14): how many WebSocket connections Sockudo sees from the tabs of
// one browser context, and what `diagnose().sharing` / `socketId()` say in each tab. Counted on
// the server side twice: Sockudo's `sockudo_connected` gauge (metrics port) and `ss` (the
// connections it accepted on its port from Chromium), sampled every ~100 ms.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, reset, trigger, eventually, sleep, waitForSubscribed, openTab, allConnected, sharing, socketId,
  connections, connectionsBecome, sampleConnections, freshContext, newContext, closeContexts, unique,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });
afterEach(closeContexts);

/** Opens `n` tabs one after the other, each subscribing to `channel` and counting `.ping`. */
async function tabsOn(context, n, options, channel) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await openTab(context, options);
    await page.evaluate((c) => {
      window.got = [];
      window.echo.channel(c).listen('.ping', (e) => window.got.push(e));
    }, channel);
    pages.push(page);
  }
  return pages;
}

test('5 tabs with shareConnection off make 5 connections (the counters count)', async () => {
  const context = await freshContext(browser);
  const channel = unique('share-off');
  const pages = await tabsOn(context, 5, {}, channel);
  await allConnected(pages);
  await connectionsBecome(5, '5 separate tabs: 5 connections');
  await context.close();
  await connectionsBecome(0, 'the closed context left no connection');
});

test('5 tabs with shareConnection: true make exactly 1 connection, sampled throughout', async () => {
  const context = await freshContext(browser);
  const sampler = sampleConnections();
  let result;
  try {
    const channel = unique('share-on');
    const pages = await tabsOn(context, 5, { shareConnection: true }, channel);
    await allConnected(pages);
    for (const p of pages) await waitForSubscribed(p, channel);
    await trigger(channel, 'ping', { n: 1 });
    await eventually(async () => (await Promise.all(pages.map((p) => p.evaluate(() => window.got.length)))).every((n) => n >= 1),
      'the event in every tab');
    await sleep(1000); // keep sampling: a late second socket (or a reconnect loop) would show
    const got = await Promise.all(pages.map((p) => p.evaluate(() => window.got)));
    assert.deepEqual(got, pages.map(() => [{ n: 1 }]), 'each tab got the event once');
  } finally {
    result = await sampler.stop();
  }
  assert.ok(result.samples >= 10, `sampled ${result.samples} times`);
  assert.deepEqual(result.max, { gauge: 1, ss: 1 }, `at most 1 connection at any sample (${result.samples} samples)`);
  assert.deepEqual(result.last, { gauge: 1, ss: 1 }, '1 connection at the end');
  await context.close();
  await connectionsBecome(0, 'the closed context left no connection');
});

test('diagnose().sharing: one leader, the others followers, tabs counted; socketId() equal in all', async () => {
  const context = await freshContext(browser);
  const pages = [];
  for (let i = 0; i < 3; i++) pages.push(await openTab(context, { shareConnection: true }));
  await allConnected(pages);
  await eventually(async () => (await sharing(pages[0])).tabs === 3, 'the leader counts 3 tabs');
  const [lead, ...rest] = await Promise.all(pages.map(sharing));
  assert.equal(lead.enabled, true);
  assert.equal(lead.role, 'leader', 'the first tab leads');
  for (const s of rest) {
    assert.equal(s.enabled, true);
    assert.equal(s.role, 'follower');
  }
  await eventually(async () => (await Promise.all(pages.map(sharing))).every((s) => s.tabs === 3), 'every tab counts 3 tabs');
  const ids = await Promise.all(pages.map(socketId));
  assert.match(ids[0], /^\d+\.\d+$/);
  assert.deepEqual(ids, [ids[0], ids[0], ids[0]], 'one socket id in all tabs');
  assert.deepEqual(await connections(), { gauge: 1, ss: 1 });

  // A tab that closes is no longer counted.
  await pages[2].close();
  await eventually(async () => (await sharing(pages[0])).tabs === 2, 'the leader counts 2 tabs after one closed');
  await context.close();
});

test('shareConnection off: diagnose().sharing says disabled; with connectionRecovery a sharing tab runs solo with a reason', async () => {
  const context = await freshContext(browser);
  const off = await openTab(context, {});
  const rec = await openTab(context, { shareConnection: true, connectionRecovery: true });
  const rec2 = await openTab(context, { shareConnection: true, connectionRecovery: true });
  await allConnected([off, rec, rec2]);
  const s = await sharing(off);
  assert.equal(s.enabled, false);
  assert.equal(s.role, 'solo');
  for (const p of [rec, rec2]) {
    const r = await sharing(p);
    assert.equal(r.role, 'solo', 'connectionRecovery + shareConnection runs solo');
    assert.equal(typeof r.reason, 'string');
    assert.ok(r.reason.length > 0, 'with a reason');
  }
  await connectionsBecome(3, 'three solo tabs: three connections');
  assert.notEqual(await socketId(rec), await socketId(rec2));
  await context.close();
});
