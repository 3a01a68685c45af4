// Connection sharing (issue 14): what one tab does to its channels and connection leaves the
// other tabs untouched. `leave` in one tab keeps the others' subscription; `disconnect()` in
// one tab (a follower, then the leader) detaches only that tab; a closed tab releases the
// channels it alone held, which Sockudo then shows unoccupied.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, reset, trigger, channelInfo, eventually, sleep, waitForSubscribed, channelState,
  openTab, allConnected, sharing, status, connections, connectionsBecome, freshContext, newContext, closeContexts, unique,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });
afterEach(closeContexts);

const occupied = async (name) => (await channelInfo(name)).occupied === true;

/** `n` sharing tabs, each listening to `.ping` on `channel` into `window.got`. */
async function tabsOn(context, n, channel) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await openTab(context, { shareConnection: true });
    await page.evaluate((c) => {
      window.got = [];
      window.echo.channel(c).listen('.ping', (e) => window.got.push(e));
    }, channel);
    pages.push(page);
  }
  await allConnected(pages);
  for (const p of pages) await waitForSubscribed(p, channel);
  return pages;
}
const got = (page) => page.evaluate(() => window.got);

test('leave in one of 2 tabs: the other still gets the events; the one that left none', async () => {
  const context = await freshContext(browser);
  const channel = unique('share-leave');
  const [a, b] = await tabsOn(context, 2, channel);
  await connectionsBecome(1, 'the 2 tabs share one connection');
  await b.evaluate((c) => window.echo.leave(c), channel);
  await eventually(async () => (await channelState(b, channel)) === 'absent', 'left in tab b');
  await sleep(300);
  assert.equal(await occupied(channel), true, 'the channel stays occupied for tab a');
  await trigger(channel, 'ping', { n: 1 });
  await eventually(async () => (await got(a)).length >= 1, 'the event in tab a');
  await sleep(700);
  assert.deepEqual(await got(a), [{ n: 1 }]);
  assert.deepEqual(await got(b), [], 'the tab that left gets nothing');
  // The other order: the leader's leave, the follower keeps it too.
  await b.evaluate((c) => window.echo.channel(c).listen('.ping', (e) => window.got.push(e)), channel);
  await waitForSubscribed(b, channel);
  await a.evaluate((c) => window.echo.leave(c), channel);
  await eventually(async () => (await channelState(a, channel)) === 'absent', 'left in tab a');
  await sleep(300);
  await trigger(channel, 'ping', { n: 2 });
  await eventually(async () => (await got(b)).length >= 1, 'the event in tab b');
  await sleep(700);
  assert.deepEqual(await got(b), [{ n: 2 }]);
  assert.deepEqual(await got(a), [{ n: 1 }], 'tab a got nothing after its leave');
  // The last tab leaves: Sockudo shows the channel unoccupied.
  await b.evaluate((c) => window.echo.leave(c), channel);
  await eventually(async () => !(await occupied(channel)), 'unoccupied once no tab holds it');
  await context.close();
});

test('disconnect() in a follower, then in the leader: the other tabs stay connected and keep receiving', async () => {
  const context = await freshContext(browser);
  const channel = unique('share-disc');
  const pages = await tabsOn(context, 3, channel);
  const roles = await Promise.all(pages.map(async (p) => (await sharing(p)).role));
  assert.deepEqual(roles, ['leader', 'follower', 'follower']);
  const [leader, f1, f2] = pages;

  await f1.evaluate(() => window.echo.disconnect());
  await eventually(async () => (await status(f1)) === 'disconnected', 'the follower that disconnected says so');
  await sleep(500);
  assert.deepEqual([await status(leader), await status(f2)], ['connected', 'connected']);
  await trigger(channel, 'ping', { n: 1 });
  await eventually(async () => (await got(leader)).length >= 1 && (await got(f2)).length >= 1, 'the event in the others');
  await sleep(700);
  assert.deepEqual([await got(leader), await got(f1), await got(f2)], [[{ n: 1 }], [], [{ n: 1 }]]);
  assert.deepEqual(await connections(), { gauge: 1, ss: 1 }, 'still the one connection');

  await leader.evaluate(() => window.echo.disconnect());
  await eventually(async () => (await status(leader)) === 'disconnected', 'the leader that disconnected says so');
  await sleep(500);
  assert.equal(await status(f2), 'connected', 'the remaining follower stays connected');
  await trigger(channel, 'ping', { n: 2 });
  await eventually(async () => (await got(f2)).length >= 2, 'the second event in the remaining follower');
  await sleep(700);
  assert.deepEqual([await got(leader), await got(f1), await got(f2)], [[{ n: 1 }], [], [{ n: 1 }, { n: 2 }]]);
  await connectionsBecome(1, 'still one connection for the tab that is left');

  // The follower connects again: it is attached again and receives.
  await f1.evaluate(() => window.echo.connect());
  await eventually(async () => (await status(f1)) === 'connected', 'the follower connected again');
  await waitForSubscribed(f1, channel);
  await trigger(channel, 'ping', { n: 3 });
  await eventually(async () => (await got(f1)).length >= 1 && (await got(f2)).length >= 3, 'the third event');
  await sleep(700);
  assert.deepEqual(await got(f1), [{ n: 3 }]);
  await connectionsBecome(1, 'one connection');
  await context.close();
});

test('a closed tab releases the channels it alone held: Sockudo shows them unoccupied', async () => {
  const context = await freshContext(browser);
  const shared = unique('share-both');
  const own = unique('share-own');
  const [leader, follower] = await tabsOn(context, 2, shared);
  await follower.evaluate((c) => { window.echo.channel(c); }, own);
  await waitForSubscribed(follower, own);
  await eventually(() => occupied(own), 'the follower\'s own channel occupied');
  assert.equal((await sharing(follower)).role, 'follower');

  await follower.close();
  await eventually(async () => !(await occupied(own)), 'the closed tab\'s channel unoccupied', 15000);
  assert.equal(await occupied(shared), true, 'the channel the leader holds stays occupied');
  await trigger(shared, 'ping', { n: 1 });
  await eventually(async () => (await got(leader)).length >= 1, 'the leader still gets events');
  assert.equal(await status(leader), 'connected');
  await eventually(async () => (await sharing(leader)).tabs === 1, 'the leader counts only itself');
  await context.close();
  await eventually(async () => !(await occupied(shared)), 'unoccupied once the last tab is gone', 15000);
});
