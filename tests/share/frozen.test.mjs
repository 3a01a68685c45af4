// Connection sharing, part 2 (issue 15): a frozen leader. 3 sharing tabs; the leader tab is
// frozen as tests/reliability/soak.mjs freezes a page: CDP Page.setWebLifecycleState('frozen')
// plus Debugger.enable/pause (the lifecycle state alone does not stop a visible headless page;
// the pause stops its JS thread while its socket stays open). Events are published during the
// freeze. Another tab must take over within 15 s and events flow again (time printed). After
// the thaw (Debugger.resume, state 'active') the thawed tab is a follower, no tab delivers any
// event twice over the whole test, and Sockudo's count is back to 1 within a few seconds and
// stays there (sampled). A second test opens a tab while the only other one leads frozen: its
// attach is never answered, and it must take over all the same. A third freezes the tab that
// took over at once, and the last tab must take over from it. A fourth freezes the tab first
// in line for the lead and closes the leader: the last tab takes over, and the frozen one,
// thawed (its grant of the lock runs late), follows without moving the group. A fifth holds the
// takeover lock from another page, as a winner frozen mid-takeover would: it is stolen too. A
// sixth makes one follower miss the new leader's announce: it moves to the hub that beats.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  openTab, launch, reset, trigger, eventually, sleep, sharing, connections, connectionsBecome, sampleConnections,
  freshContext, closeContexts, unique, waitForSubscribed,
} from './support.mjs';
import { countingTabs, openCountingTab, untilFlowing, allOnce, assertNoDuplicates, seen } from './counting.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });
afterEach(closeContexts);

/** Freezes the page behind `cdp`; resolves once its JS thread is paused (or after 1 s). */
export async function freeze(page, cdp) {
  await page.evaluate(() => { window.beat = setInterval(() => {}, 50); }); // JS soon runs, so the pause lands
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await cdp.send('Debugger.enable');
  const paused = new Promise((resolve) => cdp.once('Debugger.paused', resolve));
  await cdp.send('Debugger.pause');
  await Promise.race([paused, sleep(1000)]);
}
export async function thaw(cdp) {
  await cdp.send('Debugger.resume');
  await cdp.send('Debugger.disable');
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
}

test('a frozen leader: another tab takes over within 15 s, the thawed tab follows, no event twice, no second socket', { timeout: 120000 }, async () => {
  const context = await freshContext(browser);
  const channel = unique('share-frozen');
  const { pages } = await countingTabs(context, 3, channel);
  assert.deepEqual(await Promise.all(pages.map(async (p) => (await sharing(p)).role)), ['leader', 'follower', 'follower']);
  await connectionsBecome(1, '3 sharing tabs: 1 connection');
  await allOnce(pages, channel, 1, 3);
  const [leader, ...rest] = pages;
  const cdp = await context.newCDPSession(leader);

  await freeze(leader, cdp);
  const t0 = Date.now();
  let thawed = false;
  try {
    // Published while the leader is frozen: its socket still takes them (they queue in the page).
    for (let n = 10; n < 15; n++) await trigger(channel, 'ping', { n });
    const flowing = await untilFlowing(rest, channel, 100, t0, 15000);
    console.log(`# frozen leader: events flow again in both other tabs ${flowing.ms} ms after the freeze (bound 15000 ms)`);
    await eventually(async () => (await Promise.all(rest.map(sharing))).some((s) => s.role === 'leader'),
      'one of the other tabs leads', 5000);
    const during = await connections();
    console.log(`# frozen leader: connections while the old leader is still frozen: ${JSON.stringify(during)}`);
    for (const p of rest) await waitForSubscribed(p, channel);
    await allOnce(rest, channel, 1000, 5);
    await thaw(cdp);
    thawed = true;
  } finally {
    if (!thawed) await thaw(cdp).catch(() => {});
  }
  const t1 = Date.now();
  // The thawed tab: a follower of the new leader, subscribed again through it.
  await eventually(async () => { const s = await sharing(leader); return s.role === 'follower' && s.tabs > 0; },
    'the thawed tab is a follower', 10000);
  await waitForSubscribed(leader, channel, 10000);
  await connectionsBecome(1, 'back to 1 connection after the thaw', 5000);
  console.log(`# frozen leader: thawed tab a follower and 1 connection ${Date.now() - t1} ms after the thaw`);
  const sampler = sampleConnections();
  await allOnce(pages, channel, 2000, 5);
  await sleep(1500);
  const counted = await sampler.stop();
  assert.deepEqual(counted.max, { gauge: 1, ss: 1 }, `no second socket stays open after the thaw (${counted.samples} samples)`);
  const roles = await Promise.all(pages.map(async (p) => (await sharing(p)).role));
  assert.equal(roles[0], 'follower', 'the thawed tab stays a follower');
  assert.equal(roles.filter((r) => r === 'leader').length, 1, `one leader (${JSON.stringify(roles)})`);
  await assertNoDuplicates(pages, 'over the whole test (the thawed tab\'s buffered frames included)');
  const buffered = Object.keys(await seen(leader)).map(Number).filter((n) => n >= 10 && n < 15);
  assert.deepEqual(buffered, [], 'the thawed tab delivers none of the events its old socket buffered while frozen');
  await context.close();
});

test('a tab opened while the only other tab leads frozen takes over within 15 s; the thawed tab follows', { timeout: 120000 }, async () => {
  const context = await freshContext(browser);
  const channel = unique('share-frozen-new');
  const { pages: [old] } = await countingTabs(context, 1, channel);
  await connectionsBecome(1, '1 sharing tab: 1 connection');
  const cdp = await context.newCDPSession(old);
  await freeze(old, cdp);
  const t0 = Date.now();
  let thawed = false;
  let fresh;
  try {
    // Its attach goes to the frozen holder of the leader lock, which answers nothing.
    ({ page: fresh } = await openCountingTab(context, channel));
    assert.equal((await sharing(fresh)).role, 'leader', 'the new tab took the lead from the frozen one');
    await waitForSubscribed(fresh, channel);
    const flowing = await untilFlowing([fresh], channel, 100, t0, 15000);
    console.log(`# frozen leader, new tab: events flow in the new tab ${flowing.ms} ms after the freeze (bound 15000 ms)`);
    await thaw(cdp);
    thawed = true;
  } finally {
    if (!thawed) await thaw(cdp).catch(() => {});
  }
  await eventually(async () => { const s = await sharing(old); return s.role === 'follower' && s.tabs > 0; },
    'the thawed tab is a follower', 10000);
  await waitForSubscribed(old, channel, 10000);
  await connectionsBecome(1, 'back to 1 connection after the thaw', 5000);
  await allOnce([old, fresh], channel, 2000, 5);
  await assertNoDuplicates([old, fresh], 'over the whole test');
  await context.close();
});

test('a tab that just took over from a frozen leader and freezes at once is replaced too', { timeout: 120000 }, async () => {
  const context = await freshContext(browser);
  const channel = unique('share-frozen-twice');
  const { pages } = await countingTabs(context, 3, channel);
  const [first, ...rest] = pages;
  const sessions = [];
  try {
    const cdpFirst = await context.newCDPSession(first);
    sessions.push(cdpFirst);
    await freeze(first, cdpFirst);
    let t0 = Date.now();
    await untilFlowing(rest, channel, 100, t0, 15000);
    const roles = await Promise.all(rest.map(async (p) => (await sharing(p)).role));
    const second = rest[roles.indexOf('leader')];
    assert.ok(second, `one of the other tabs leads (${JSON.stringify(roles)})`);
    const last = rest.find((p) => p !== second);
    const takeoverLocks = await last.evaluate(async () => (await navigator.locks.query()).held.map((l) => l.name).filter((n) => n.endsWith(':takeover')));
    assert.deepEqual(takeoverLocks, [], 'the winner let the takeover lock go once its hub announced itself');
    // At once: the new leader is frozen within moments of its takeover.
    const cdpSecond = await context.newCDPSession(second);
    sessions.push(cdpSecond);
    await freeze(second, cdpSecond);
    t0 = Date.now();
    const flowing = await untilFlowing([last], channel, 200, t0, 15000);
    console.log(`# frozen twice: events flow again in the last tab ${flowing.ms} ms after the second freeze (bound 15000 ms)`);
    assert.equal((await sharing(last)).role, 'leader', 'the last tab leads');
  } finally {
    for (const cdp of sessions) await thaw(cdp).catch(() => {});
  }
  await eventually(async () => (await Promise.all(pages.map(sharing))).filter((s) => s.role === 'leader').length === 1
    && (await Promise.all(pages.map(sharing))).every((s) => s.tabs === 3), 'one leader and 3 tabs after both thaws', 10000);
  await connectionsBecome(1, 'back to 1 connection after both thaws', 5000);
  for (const p of pages) await waitForSubscribed(p, channel, 10000);
  await allOnce(pages, channel, 2000, 3);
  await assertNoDuplicates(pages, 'over the whole test');
  await context.close();
});

test('a follower frozen while first in line for the lead, thawed after another tab took over, leaves the group as it is', { timeout: 120000 }, async () => {
  const context = await freshContext(browser);
  const channel = unique('share-frozen-queued');
  const { pages: [leader, queued, last] } = await countingTabs(context, 3, channel);
  // `queued` is first in line for the leader lock (it joined before `last`).
  const first = await queued.evaluate(async () => {
    const id = `probe-${Math.random()}`;
    let me;
    await navigator.locks.request(id, async () => { me = (await navigator.locks.query()).held.find((l) => l.name === id).clientId; });
    const line = (await navigator.locks.query()).pending.filter((l) => l.name.endsWith(':leader'));
    return line.length === 2 && line[0].clientId === me;
  });
  assert.ok(first, 'the frozen tab is first of the 2 in line for the leader lock');
  const cdp = await context.newCDPSession(queued);
  let thawed = false;
  try {
    // The first follower is first in line for the leader lock: frozen, it is granted the
    // lock when the leader closes but cannot run; the last tab takes over from it.
    await freeze(queued, cdp);
    const t0 = Date.now();
    await leader.close();
    const flowing = await untilFlowing([last], channel, 100, t0, 15000);
    console.log(`# frozen first in line: events flow in the last tab ${flowing.ms} ms after the close (bound 15000 ms)`);
    assert.equal((await sharing(last)).role, 'leader', 'the last tab took the lead');
    const errorsBefore = await last.evaluate(() => window.echo.diagnose().lastErrors.length);
    await thaw(cdp);
    thawed = true;
    // Its late grant must not start a second hub that the group moves to (and stalls on).
    const t1 = Date.now();
    const again = await untilFlowing([queued, last], channel, 300, t1, 5000);
    console.log(`# frozen first in line: events flow in both tabs ${again.ms} ms after the thaw (bound 5000 ms)`);
    assert.deepEqual((await Promise.all([queued, last].map(sharing))).map((s) => s.role), ['follower', 'leader'], 'the last tab still leads');
    assert.equal(await last.evaluate(() => window.echo.diagnose().lastErrors.length), errorsBefore, 'no error in the leading tab after the thaw');
  } finally {
    if (!thawed) await thaw(cdp).catch(() => {});
  }
  await connectionsBecome(1, '1 connection after the thaw', 5000);
  await allOnce([queued, last], channel, 2000, 3);
  await assertNoDuplicates([queued, last], 'over the whole test');
  await context.close();
});

test('a takeover lock held by a page that froze mid-takeover does not stall the group: it is stolen too', { timeout: 120000 }, async () => {
  const context = await freshContext(browser);
  const channel = unique('share-frozen-stuck');
  const { pages } = await countingTabs(context, 3, channel);
  const [leader, ...rest] = pages;
  // A winner frozen between its takeover grant and its steal of the leader lock holds the
  // takeover lock and runs nothing: a plain page of the same origin holding that lock forever
  // is the same to every other tab.
  const holder = await openTab(context, null);
  const name = await holder.evaluate(async () => {
    const leaderLock = (await navigator.locks.query()).held.map((l) => l.name).find((n) => /^echo-wasm:share:.*:leader$/.test(n));
    const takeover = leaderLock.replace(/:leader$/, ':takeover');
    await new Promise((held) => { navigator.locks.request(takeover, () => { held(); return new Promise(() => {}); }); });
    return takeover;
  });
  assert.match(name, /^echo-wasm:share:[0-9a-f]+:takeover$/);
  const cdp = await context.newCDPSession(leader);
  await freeze(leader, cdp);
  const t0 = Date.now();
  try {
    const flowing = await untilFlowing(rest, channel, 100, t0, 15000);
    console.log(`# takeover lock stuck: events flow again ${flowing.ms} ms after the freeze (bound 15000 ms)`);
    assert.equal((await Promise.all(rest.map(sharing))).filter((s) => s.role === 'leader').length, 1, 'one of the other tabs leads');
  } finally {
    await thaw(cdp).catch(() => {});
  }
  await eventually(async () => { const s = await sharing(leader); return s.role === 'follower' && s.tabs > 0; },
    'the thawed tab is a follower', 10000);
  await connectionsBecome(1, 'back to 1 connection after the thaw', 5000);
  await allOnce(pages, channel, 2000, 3);
  await assertNoDuplicates(pages, 'over the whole test');
  await context.close();
});

/** Init script: while `window.deaf`, the page's BroadcastChannels drop the hubs' announces and
 * byes, as a page frozen or busy while the lock changed hands may never get them. */
function deafToHubChanges() {
  const add = BroadcastChannel.prototype.addEventListener;
  BroadcastChannel.prototype.addEventListener = function (type, listener, options) {
    if (type !== 'message') return add.call(this, type, listener, options);
    const call = (e) => (typeof listener === 'function' ? listener.call(this, e) : listener.handleEvent(e));
    return add.call(this, type, (e) => { if (!(window.deaf && e.data && (e.data.t === 'hub' || e.data.t === 'bye'))) call(e); }, options);
  };
}

test('a follower that missed the new leader\'s announce and the old one\'s bye moves to the leader it hears beating, not taking over', { timeout: 120000 }, async () => {
  const context = await freshContext(browser);
  const channel = unique('share-frozen-deaf');
  const { pages: [leader, next] } = await countingTabs(context, 2, channel);
  const { page: deaf } = await openCountingTab(context, channel, {}, deafToHubChanges);
  await waitForSubscribed(deaf, channel);
  await deaf.evaluate(() => { window.deaf = true; });
  const t0 = Date.now();
  await leader.close();
  // `next` (first in line) leads at once; `deaf` never hears so: its hub goes silent, it probes,
  // and the hub that answers is `next`'s.
  const flowing = await untilFlowing([next, deaf], channel, 100, t0, 15000);
  console.log(`# announce missed: events flow in both tabs ${flowing.ms} ms after the close (bound 15000 ms)`);
  await sleep(1500); // a takeover by `deaf` would have happened by now
  assert.deepEqual((await Promise.all([next, deaf].map(sharing))).map((s) => s.role), ['leader', 'follower'], 'the tab that led on hand-off still leads');
  await connectionsBecome(1, '1 connection', 5000);
  await allOnce([next, deaf], channel, 2000, 3);
  await assertNoDuplicates([next, deaf], 'over the whole test');
  await context.close();
});
