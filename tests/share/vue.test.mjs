// Connection sharing (issue 14): the Vue composables (echo-wasm/vue, pages/vue.html) in a
// follower tab. A leader tab (echo.html) holds the socket; the Vue tab's configured Echo
// shares it: `useEcho` delivers the event once, `useConnectionStatus` and `useSocketId` follow
// the shared connection, and unmounting releases the channel.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, reset, trigger, channelInfo, eventually, sleep, waitForSubscribed,
  openTab, openVueTab, allConnected, socketId, connectionsBecome, freshContext, newContext, closeContexts, unique,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });
afterEach(closeContexts);

test('Vue composables in a follower tab: useEcho listens, useConnectionStatus and useSocketId follow the shared socket', async () => {
  const context = await freshContext(browser);
  const leader = await openTab(context, { shareConnection: true, bearerToken: 'token-user-1' });
  await allConnected([leader]);
  const name = `tenant.1.${unique('share-vue')}`;
  const page = await openVueTab(context);
  await page.evaluate((n) => {
    const { configureEcho, echo, useEcho, useConnectionStatus, useSocketId } = window.echoVue;
    configureEcho(window.echoOptions({ shareConnection: true, bearerToken: 'token-user-1' }));
    window.got = [];
    window.scope = window.vue.effectScope();
    window.scope.run(() => {
      useEcho(n, '.ping', (e) => window.got.push(e));
      window.conn = useConnectionStatus();
      window.sid = useSocketId();
    });
    window.echo = echo();
  }, name);
  await eventually(() => page.evaluate(() => window.conn.value === 'connected'), 'useConnectionStatus: connected');
  await waitForSubscribed(page, `private-${name}`);
  assert.equal(await page.evaluate(() => window.echo.diagnose().sharing.role), 'follower');
  const sid = await socketId(leader);
  assert.equal(await page.evaluate(() => window.sid.value), sid, 'useSocketId: the shared socket id');
  await connectionsBecome(1, 'the Vue tab shares the leader\'s connection');

  await trigger(`private-${name}`, 'ping', { n: 1 });
  await eventually(() => page.evaluate(() => window.got.length >= 1), 'the event through useEcho');
  await sleep(700);
  assert.deepEqual(await page.evaluate(() => window.got), [{ n: 1 }], 'exactly once');

  // Unmounting releases the channel (the leader never held it): Sockudo shows it unoccupied.
  await page.evaluate(() => window.scope.stop());
  await eventually(async () => (await channelInfo(`private-${name}`)).occupied === false, 'unoccupied after unmount');
  assert.equal(await page.evaluate(() => window.echo.connectionStatus()), 'connected');
  assert.deepEqual(page.errors, []);
  await context.close();
});
