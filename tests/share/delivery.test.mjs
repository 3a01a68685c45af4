// Connection sharing (issue 14): what the tabs of one context receive over their one socket.
// Events reach every tab's listener exactly once; a presence channel held by two tabs of one
// user shows that user once to another user; a whisper from a follower tab reaches another
// browser context (and the sharing leader tab, once; not the sender).
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, reset, trigger, eventually, sleep, waitForSubscribed, env,
  openTab, allConnected, sharing, connectionsBecome, freshContext, newContext, closeContexts, unique,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });
afterEach(closeContexts);

const counts = (pages) => Promise.all(pages.map((p) => p.evaluate(() => window.got.length)));

test('an event on a channel held by 3 tabs reaches each tab\'s listener exactly once (public and private)', async () => {
  const context = await freshContext(browser);
  const pub = unique('share-pub');
  const priv = `private-App.Models.User.1`;
  const pages = [];
  for (let i = 0; i < 3; i++) {
    const page = await openTab(context, { shareConnection: true, bearerToken: 'token-user-1' });
    await page.evaluate(([c, p]) => {
      window.got = [];
      window.echo.channel(c).listen('.ping', (e) => window.got.push(['pub', e]));
      window.echo.private(p.slice('private-'.length)).listen('.ping', (e) => window.got.push(['priv', e]));
    }, [pub, priv]);
    pages.push(page);
  }
  await allConnected(pages);
  for (const p of pages) { await waitForSubscribed(p, pub); await waitForSubscribed(p, priv); }
  await connectionsBecome(1, 'the 3 tabs share one connection');
  // One socket holds the channel once: Sockudo counts a single subscription.
  const info = await (await fetch(`${env.backend}/test/channel/${pub}?info=subscription_count`)).json();
  assert.equal(info.subscription_count, 1, `Sockudo sees one subscription (${JSON.stringify(info)})`);

  await trigger(pub, 'ping', { n: 1 });
  await trigger(priv, 'ping', { n: 2 });
  await eventually(async () => (await counts(pages)).every((n) => n >= 2), 'both events in every tab');
  await sleep(700); // a duplicate would arrive by now
  const got = await Promise.all(pages.map((p) => p.evaluate(() => window.got)));
  for (const [i, g] of got.entries()) {
    assert.deepEqual(g, [['pub', { n: 1 }], ['priv', { n: 2 }]], `tab ${i}: each event exactly once`);
  }
  await context.close();
});

test('a presence channel held by 2 tabs of user 1 shows user 1 once to user 2 in another context', async () => {
  const room = `presence-tenant.1.${unique('share-room')}`;
  const name = room.slice('presence-'.length);
  const b = await freshContext(browser);
  const bob = await openTab(b, { shareConnection: true, bearerToken: 'token-user-2' });
  await bob.evaluate((n) => {
    window.here = null; window.joining = []; window.leaving = [];
    window.echo.join(n)
      .here((users) => { window.here = users.map((u) => u.id); })
      .joining((u) => window.joining.push(u.id))
      .leaving((u) => window.leaving.push(u.id));
  }, name);
  await eventually(() => bob.evaluate(() => window.here !== null), 'user 2 is here');
  assert.deepEqual(await bob.evaluate(() => window.here), [2]);

  const a = await newContext(browser);
  const tabs = [];
  for (let i = 0; i < 2; i++) {
    const t = await openTab(a, { shareConnection: true, bearerToken: 'token-user-1' });
    await t.evaluate((n) => {
      window.here = null;
      window.echo.join(n).here((users) => { window.here = users.map((u) => u.id).sort(); });
    }, name);
    tabs.push(t);
  }
  for (const t of tabs) await eventually(() => t.evaluate(() => window.here !== null), 'here in the tab of user 1');
  for (const t of tabs) assert.deepEqual(await t.evaluate(() => window.here), [1, 2], 'each tab of user 1 sees both users');
  await connectionsBecome(2, 'user 1\'s two tabs share one connection; user 2 has one');
  await sleep(700);
  assert.deepEqual(await bob.evaluate(() => window.joining), [1], 'user 1 joined once for user 2');
  const users = await (await fetch(`${env.backend}/test/channel/${room}/users`)).json();
  assert.deepEqual(users.users.map((u) => String(u.id)).sort(), ['1', '2'], 'Sockudo lists each user once');

  // One of the two tabs leaves: user 1 is still there (the other tab holds the channel).
  await tabs[1].evaluate((n) => window.echo.leave(n), name);
  await sleep(1000);
  assert.deepEqual(await bob.evaluate(() => window.leaving), [], 'no leaving while a tab of user 1 stays');
  // The last tab leaves: user 1 leaves once.
  await tabs[0].evaluate((n) => window.echo.leave(n), name);
  await eventually(() => bob.evaluate(() => window.leaving.length >= 1), 'user 1 leaving');
  await sleep(500);
  assert.deepEqual(await bob.evaluate(() => window.leaving), [1]);
  await a.close();
  await b.close();
});

test('a whisper from a follower tab reaches another browser context and the leader tab once, not the sender', async () => {
  const chan = `tenant.1.${unique('share-chat')}`;
  const b = await freshContext(browser);
  const listener = await openTab(b, { bearerToken: 'token-user-2' });
  await listener.evaluate((c) => {
    window.whispers = [];
    window.echo.private(c).listenForWhisper('typing', (e) => window.whispers.push(e));
  }, chan);
  await waitForSubscribed(listener, `private-${chan}`);

  const a = await newContext(browser);
  const leader = await openTab(a, { shareConnection: true, bearerToken: 'token-user-1' });
  await leader.evaluate((c) => {
    window.whispers = [];
    window.echo.private(c).listenForWhisper('typing', (e) => window.whispers.push(e));
  }, chan);
  await waitForSubscribed(leader, `private-${chan}`);
  const follower = await openTab(a, { shareConnection: true, bearerToken: 'token-user-1' });
  await follower.evaluate((c) => {
    window.whispers = [];
    window.ch = window.echo.private(c).listenForWhisper('typing', (e) => window.whispers.push(e));
  }, chan);
  await waitForSubscribed(follower, `private-${chan}`);
  assert.equal((await sharing(follower)).role, 'follower');

  await follower.evaluate(() => window.ch.whisper('typing', { from: 'follower' }));
  await eventually(() => listener.evaluate(() => window.whispers.length >= 1), 'the whisper in the other context');
  await sleep(700);
  assert.deepEqual(await listener.evaluate(() => window.whispers), [{ from: 'follower' }], 'exactly once');
  // As with a socket per tab: the sharing leader tab gets it once too, the sender not at all.
  assert.deepEqual(await leader.evaluate(() => window.whispers), [{ from: 'follower' }], 'the leader tab: once');
  assert.deepEqual(await follower.evaluate(() => window.whispers), [], 'the sender does not get its own whisper');
  assert.deepEqual(follower.errors, []);
  await a.close();
  await b.close();
});
