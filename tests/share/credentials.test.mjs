// Connection sharing (issue 14): different credentials never share. Two tabs of one context
// with different bearer tokens (the backend maps `token-user-N` to user N and authorizes
// `private-App.Models.User.N` for user N only): each is authorized for its own user's channel
// only, gets none of the other user's events, and the two do not share a connection.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, reset, trigger, authLog, eventually, sleep, waitForSubscribed,
  openTab, allConnected, sharing, socketId, connectionsBecome, freshContext, newContext, closeContexts,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });
afterEach(closeContexts);

test('two tabs with different bearer tokens: each gets only its own user\'s private channel and events, and they do not share', async () => {
  const context = await freshContext(browser);
  const tabs = {};
  for (const n of [1, 2]) {
    const page = await openTab(context, { shareConnection: true, bearerToken: `token-user-${n}` });
    await page.evaluate(() => {
      window.got = [];
      window.errors = [];
      for (const id of [1, 2]) {
        window.echo.private(`App.Models.User.${id}`)
          .listen('.ping', (e) => window.got.push([id, e]))
          .error((e) => window.errors.push([id, e.status ?? null, e.type ?? null]));
      }
    });
    tabs[n] = page;
  }
  await allConnected([tabs[1], tabs[2]]);
  await waitForSubscribed(tabs[1], 'private-App.Models.User.1');
  await waitForSubscribed(tabs[2], 'private-App.Models.User.2');
  for (const [n, other] of [[1, 2], [2, 1]]) {
    await eventually(() => tabs[n].evaluate(() => window.errors.length >= 1), `tab ${n}: the other user's channel refused`);
    const errors = await tabs[n].evaluate(() => window.errors);
    assert.deepEqual(errors.map(([id, st]) => [id, st]), [[other, 403]], `tab ${n}: only user ${other}'s channel refused, with 403`);
  }

  // They did not share: two connections, two socket ids, neither tab a follower.
  await connectionsBecome(2, 'two credentials, two connections');
  const ids = [await socketId(tabs[1]), await socketId(tabs[2])];
  assert.notEqual(ids[0], ids[1]);
  for (const n of [1, 2]) {
    const s = await sharing(tabs[n]);
    assert.equal(s.enabled, true);
    assert.ok(['leader', 'solo'].includes(s.role), `tab ${n} leads its own group or runs solo (${JSON.stringify(s)})`);
  }
  // Each tab was authorized with its own token for its own socket id only.
  const log = (await authLog()).filter((e) => e.kind === 'channel' && /^private-App\.Models\.User\.[12]$/.test(e.channel));
  for (const e of log.filter((x) => x.status === 200)) {
    const user = Number(e.channel.slice(-1));
    assert.equal(e.socket_id, ids[user - 1], `user ${user}'s channel was authorized for that tab's socket`);
  }

  await trigger('private-App.Models.User.1', 'ping', { to: 1 });
  await trigger('private-App.Models.User.2', 'ping', { to: 2 });
  await eventually(async () => (await tabs[1].evaluate(() => window.got.length)) >= 1
    && (await tabs[2].evaluate(() => window.got.length)) >= 1, 'each tab its event');
  await sleep(700);
  assert.deepEqual(await tabs[1].evaluate(() => window.got), [[1, { to: 1 }]], 'tab 1: only user 1\'s event');
  assert.deepEqual(await tabs[2].evaluate(() => window.got), [[2, { to: 2 }]], 'tab 2: only user 2\'s event');
  await context.close();
});

test('a third tab with an already present token joins that token\'s group, not the other', async () => {
  const context = await freshContext(browser);
  const one = await openTab(context, { shareConnection: true, bearerToken: 'token-user-1' });
  const two = await openTab(context, { shareConnection: true, bearerToken: 'token-user-2' });
  await allConnected([one, two]);
  const again = await openTab(context, { shareConnection: true, bearerToken: 'token-user-1' });
  await allConnected([again]);
  assert.equal((await sharing(again)).role, 'follower');
  assert.equal(await socketId(again), await socketId(one));
  assert.notEqual(await socketId(again), await socketId(two));
  await connectionsBecome(2, 'still two connections');
  await context.close();
});
