// Connection sharing, part 2 (issue 15): a desktop notification is shown once per browser.
// 3 sharing tabs of user 1, each with `desktopNotifications: {when: 'always'}` and an in-page
// `notification(cb)` listener; the context has the `notifications` permission, and an init
// script wraps the real `window.Notification` (a Proxy whose construct trap counts, then
// constructs the real one). A Laravel notification to user 1 must be shown exactly once in
// total: by the visible tab when there is one, else by the leader; every tab's listener still
// runs once.
//
// Visibility: headless Chromium shows every page as visible and has no CDP command that hides
// one (Emulation.setFocusEmulationEnabled changes focus only; Page.setWebLifecycleState only
// freezes). So the init script overrides `document.visibilityState` and `document.hidden`
// (getters over a per-page flag) and the test dispatches `visibilitychange` on each change:
// the page sees exactly what a tab switch shows it (both properties and the event); what it
// does not get is the browser's own throttling of hidden tabs, which this test does not need.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, reset, trigger, eventually, sleep, waitForSubscribed, env, pageQuery, settledSharing, sharing,
  connectionsBecome, freshContext, closeContexts,
} from './support.mjs';

const NOTIFICATION = 'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated';
const USER_CHANNEL = 'private-App.Models.User.1';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });
afterEach(closeContexts);

/** Init script: counts real Notification constructions; visibility under the test's control. */
function instrument() {
  window.__shown = [];
  const Real = window.Notification;
  window.Notification = new Proxy(Real, {
    construct(target, args) {
      window.__shown.push({ title: args[0], tag: args[1] && args[1].tag });
      return Reflect.construct(target, args);
    },
  });
  window.__hidden = false;
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.__hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__hidden });
  window.setHidden = (h) => { window.__hidden = h; document.dispatchEvent(new Event('visibilitychange')); };
}

/** `n` sharing tabs of user 1; `desktop(i)` is tab i's `desktopNotifications`. */
async function userTabs(context, n, desktop = () => ({ when: 'always' })) {
  await context.grantPermissions(['notifications'], { origin: env.backend });
  await context.addInitScript(instrument);
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(String(e)));
    await page.goto(`${env.backend}/pages/echo.html?${pageQuery()}`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
    await page.evaluate((desktopNotifications) => {
      window.heard = [];
      window.echo = window.makeEcho({ shareConnection: true, bearerToken: 'token-user-1', desktopNotifications });
      window.echo.private('App.Models.User.1').notification((n) => window.heard.push(n.id));
    }, desktop(i));
    await settledSharing(page);
    pages.push(page);
  }
  for (const p of pages) await waitForSubscribed(p, USER_CHANNEL);
  return pages;
}

const shown = (pages) => Promise.all(pages.map((p) => p.evaluate(() => window.__shown.map((s) => s.tag))));
const heard = (pages) => Promise.all(pages.map((p) => p.evaluate(() => window.heard)));
const setHidden = (page, hidden) => page.evaluate((h) => window.setHidden(h), hidden);

async function notifyOnce(pages, id) {
  await trigger(USER_CHANNEL, NOTIFICATION, { id, type: 'App\\Notifications\\LowStock', title: 'Low stock', message: id });
  await eventually(async () => (await heard(pages)).every((h) => h.includes(id)), `notification ${id} heard in every tab`);
  await sleep(1000); // a second desktop notification (or a late one) would be shown by now
  return (await shown(pages)).map((tags) => tags.filter((t) => t === id).length);
}

test('desktop notifications: shown once per browser, by the visible tab, else by the leader; each tab\'s listener once', { timeout: 90000 }, async () => {
  const context = await freshContext(browser);
  const pages = await userTabs(context, 3);
  assert.deepEqual(await Promise.all(pages.map(async (p) => (await sharing(p)).role)), ['leader', 'follower', 'follower']);
  assert.equal(await pages[0].evaluate(() => Notification.permission), 'granted');
  await connectionsBecome(1, '3 sharing tabs: 1 connection');

  // Only the last follower is visible: it shows the notification, no other tab does.
  await setHidden(pages[0], true);
  await setHidden(pages[1], true);
  await sleep(300);
  let counts = await notifyOnce(pages, 'n-visible');
  console.log(`# notifications, tab 2 visible: shown per tab ${JSON.stringify(counts)}`);
  assert.deepEqual(counts, [0, 0, 1], 'shown once, by the visible tab');

  // The first follower becomes visible instead.
  await setHidden(pages[2], true);
  await setHidden(pages[1], false);
  await sleep(300);
  counts = await notifyOnce(pages, 'n-visible-2');
  console.log(`# notifications, tab 1 visible: shown per tab ${JSON.stringify(counts)}`);
  assert.deepEqual(counts, [0, 1, 0], 'shown once, by the tab that is visible now');

  // Every tab hidden: the leader shows it.
  await setHidden(pages[1], true);
  await sleep(300);
  counts = await notifyOnce(pages, 'n-hidden');
  console.log(`# notifications, all hidden: shown per tab ${JSON.stringify(counts)}`);
  assert.deepEqual(counts, [1, 0, 0], 'shown once, by the leader');

  // Each tab's own listener ran once per notification.
  for (const [i, h] of (await heard(pages)).entries()) {
    assert.deepEqual(h, ['n-visible', 'n-visible-2', 'n-hidden'], `tab ${i}: its notification() listener once each`);
  }
  for (const p of pages) assert.deepEqual(p.errors, []);
  await context.close();
});

test('desktop notifications: a visible tab whose Echo has them off is passed over for one that has them on', { timeout: 90000 }, async () => {
  const context = await freshContext(browser);
  // Tab 2 turned desktop notifications off; tabs 0 (the leader) and 1 have them on.
  const pages = await userTabs(context, 3, (i) => (i === 2 ? false : { when: 'always' }));
  await setHidden(pages[0], true);
  await setHidden(pages[1], true);
  await sleep(300);
  let counts = await notifyOnce(pages, 'n-off-visible');
  console.log(`# notifications, visible tab has them off: shown per tab ${JSON.stringify(counts)}`);
  assert.deepEqual(counts, [1, 0, 0], 'shown once, by the leader: the visible tab shows none');
  await setHidden(pages[1], false);
  await sleep(300);
  counts = await notifyOnce(pages, 'n-on-visible');
  assert.deepEqual(counts, [0, 1, 0], 'shown once, by the visible tab that has them on');
  for (const [i, h] of (await heard(pages)).entries()) {
    assert.deepEqual(h, ['n-off-visible', 'n-on-visible'], `tab ${i}: its notification() listener once each`);
  }
  await context.close();
});
