// Connection sharing (issue 14): when an Echo must not share. Two users on one socket are never
// allowed (presence and sign-in are per socket): a tab with the same sharing key whose
// presence authorization names another user leaves the group and connects on its own. And a
// browser without Web Locks runs every Echo on its own socket, saying why in diagnose(). And
// inside one group each tab's own credentials decide what it gets.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, reset, eventually, sleep, unique, openTab, settledSharing, allConnected, sharing, socketId,
  connectionsBecome, freshContext, closeContexts, waitForSubscribed, authLog, trigger,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });
afterEach(closeContexts);

/** A sharing tab whose auth requests carry user `n`'s token through `headersProvider` (a
 * function: not part of the sharing key, so users 1 and 2 have the same key). */
async function tabOfUser(context, n) {
  const page = await openTab(context, null);
  await page.evaluate((user) => {
    window.echo = window.makeEcho({
      shareConnection: true,
      headersProvider: async () => ({ Authorization: `Bearer token-user-${user}` }),
    });
  }, n);
  await settledSharing(page);
  return page;
}

test('same sharing key, another user: the tab naming another user on a presence channel goes solo and both users are members', async () => {
  const context = await freshContext(browser);
  const channel = unique('tenant.1.room');
  const ada = await tabOfUser(context, 1);
  const grace = await tabOfUser(context, 2);
  assert.deepEqual(await sharing(grace), { enabled: true, role: 'follower', tabs: 2 }, 'same key: at first grace follows ada');
  for (const page of [ada, grace]) {
    await page.evaluate((n) => {
      window.here = null;
      window.echo.join(n).here((users) => { window.here = users.map((u) => u.id).sort(); });
    }, channel);
  }
  await eventually(async () => (await sharing(grace)).role === 'solo', "grace's presence user differs: she leaves the group");
  const solo = await sharing(grace);
  assert.match(solo.reason, /another user/, JSON.stringify(solo));
  await allConnected([ada, grace]);
  await connectionsBecome(2, 'grace on her own socket, ada on the group socket');
  assert.notEqual(await socketId(ada), await socketId(grace));
  // Each is a member under its own user, on its own socket.
  await eventually(async () => JSON.stringify(await grace.evaluate(() => window.here)) === '[1,2]', "grace's here lists both users");
  await eventually(async () => JSON.stringify(await ada.evaluate(() => window.here)) === '[1]' || JSON.stringify(await ada.evaluate(() => window.here)) === '[1,2]', "ada's here");
  assert.deepEqual((await sharing(ada)).role, 'leader');
  assert.deepEqual([ada.errors, grace.errors], [[], []]);
});

test('without Web Locks every Echo connects on its own and diagnose() says why', async () => {
  const context = await freshContext(browser);
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
  const tabs = [await openTab(context), await openTab(context)];
  for (const page of tabs) {
    const s = await sharing(page);
    assert.equal(s.enabled, true);
    assert.equal(s.role, 'solo', JSON.stringify(s));
    assert.match(s.reason, /Web Locks/, JSON.stringify(s));
  }
  await allConnected(tabs);
  await connectionsBecome(2, 'two solo tabs, two connections');
  assert.notEqual(await socketId(tabs[0]), await socketId(tabs[1]));
});

test('one group, two sessions: a tab joining a private channel another tab holds is authorized with its own credentials, refused, and gets none of its events', async () => {
  const context = await freshContext(browser);
  const name = 'App.Models.User.1';
  const ada = await tabOfUser(context, 1);
  const grace = await tabOfUser(context, 2);
  assert.equal((await sharing(grace)).role, 'follower', 'same key (headersProvider is not part of it): one group');
  await ada.evaluate((n) => {
    window.got = [];
    window.echo.private(n).listen('.ping', (e) => window.got.push(e));
  }, name);
  await waitForSubscribed(ada, `private-${name}`);
  await grace.evaluate((n) => {
    window.got = [];
    window.errors = [];
    window.echo.private(n).listen('.ping', (e) => window.got.push(e)).error((e) => window.errors.push(e.status ?? null));
  }, name);
  await eventually(() => grace.evaluate(() => window.errors.length >= 1), "grace's own authorization is refused");
  assert.deepEqual(await grace.evaluate(() => window.errors), [403]);
  const requests = (await authLog()).filter((e) => e.kind === 'channel' && e.channel === `private-${name}`);
  assert.deepEqual(requests.map((e) => e.status).sort(), [200, 403], "each tab's own request: ada's granted, grace's refused");
  await trigger(`private-${name}`, 'ping', { n: 1 });
  await eventually(() => ada.evaluate(() => window.got.length >= 1), 'ada gets the event');
  await sleep(700);
  assert.deepEqual(await ada.evaluate(() => window.got), [{ n: 1 }]);
  assert.deepEqual(await grace.evaluate(() => window.got), [], 'grace gets none of the channel she was refused');
  await connectionsBecome(1, 'still one group socket');
});
