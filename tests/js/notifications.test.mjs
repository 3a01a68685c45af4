// Desktop notifications: a recording Notification double for every path, and the real
// Chromium constructor (permission granted) called through a wrapper.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPageWith, trigger, reset, logged, eventually, sleep, waitForSubscribed } from './support.mjs';

const NOTIFICATION = 'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

/** Installs a recording `Notification` double (runs in the page before any script). */
function installDouble({ permission, throwing = false, insecure = false, hidden = false }) {
  window.__shown = [];
  window.__focused = 0;
  window.focus = () => { window.__focused += 1; };
  if (permission === 'missing') {
    delete window.Notification;
  } else {
    window.Notification = class {
      static permission = permission;
      static requestPermission() {
        window.Notification.permission = 'granted';
        return Promise.resolve('granted');
      }
      constructor(title, options) {
        if (throwing) throw new TypeError('Illegal constructor: use ServiceWorkerRegistration.showNotification()');
        this.title = title;
        this.options = options;
        this.closed = false;
        window.__shown.push(this);
      }
      close() { this.closed = true; }
    };
  }
  if (insecure) Object.defineProperty(window, 'isSecureContext', { value: false });
  if (hidden) Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
}

const shown = (page) => page.evaluate(() => window.__shown.map((n) => ({ title: n.title, ...n.options, closed: n.closed })));

async function userPage(double, desktop = { when: 'always' }) {
  const page = await openPageWith(browser, installDouble, double);
  await page.evaluate((d) => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1', desktopNotifications: { ...d, onClick: window.record('click') } });
    window.echo.private('App.Models.User.1').notification(window.record('notification'));
  }, desktop);
  await waitForSubscribed(page, 'private-App.Models.User.1');
  return page;
}

const lowStock = { id: 'n-1', type: 'App\\Notifications\\LowStock', title: 'Low stock', message: 'SKU A below 5' };

test('a Laravel notification becomes a desktop notification with the mapped title, body and tag', async () => {
  const page = await userPage({ permission: 'granted' });
  await trigger('private-App.Models.User.1', NOTIFICATION, lowStock);
  await eventually(async () => (await shown(page)).length === 1, 'a desktop notification');
  const [n] = await shown(page);
  assert.equal(n.title, 'Low stock');
  assert.equal(n.body, 'SKU A below 5');
  assert.equal(n.tag, 'n-1');
  assert.deepEqual(n.data, lowStock);
  assert.equal((await logged(page, 'notification')).length, 1, 'the listener got it too');
  await trigger('private-App.Models.User.1', NOTIFICATION, { id: 'n-2', type: 'App\\Notifications\\OrderShipped', body: 'Order 7' });
  await eventually(async () => (await shown(page)).length === 2, 'second notification');
  assert.equal((await shown(page))[1].title, 'OrderShipped', "title falls back to the type's last segment");
  await page.context().close();
});

test('clicking focuses the window, calls onClick with the payload and closes it', async () => {
  const page = await userPage({ permission: 'granted' });
  await trigger('private-App.Models.User.1', NOTIFICATION, lowStock);
  await eventually(async () => (await shown(page)).length === 1, 'a desktop notification');
  await page.evaluate(() => window.__shown[0].onclick());
  assert.deepEqual(await logged(page, 'click'), [[lowStock]]);
  assert.equal(await page.evaluate(() => window.__focused), 1);
  assert.equal((await shown(page))[0].closed, true);
  await page.context().close();
});

test("when: 'hidden' shows nothing while the page is visible, and shows when hidden", async () => {
  const visible = await userPage({ permission: 'granted' }, { when: 'hidden' });
  await trigger('private-App.Models.User.1', NOTIFICATION, lowStock);
  await eventually(async () => (await logged(visible, 'notification')).length === 1, 'the event');
  await sleep(200);
  assert.equal((await shown(visible)).length, 0);
  await visible.context().close();
  const hidden = await userPage({ permission: 'granted', hidden: true }, { when: 'hidden' });
  await trigger('private-App.Models.User.1', NOTIFICATION, lowStock);
  await eventually(async () => (await shown(hidden)).length === 1, 'shown while hidden');
  await hidden.context().close();
});

test('events chosen with listen(event, cb, {desktop: true}) notify; map() can rewrite or skip', async () => {
  const page = await openPageWith(browser, installDouble, { permission: 'granted' });
  await page.evaluate(() => {
    window.echo = window.makeEcho({
      bearerToken: 'token-user-1',
      desktopNotifications: {
        when: 'always',
        map: (p, meta) => (p.qty > 10 ? null : { title: `Stock low: ${p.sku}`, body: `${p.qty} left (${meta.event})`, tag: p.sku }),
      },
    });
    window.echo.private('tenant.1.stock-alerts').listen('.stock.low', window.record('low'), { desktop: true }).listen('.stock.adjusted', window.record('adjusted'));
  });
  await waitForSubscribed(page, 'private-tenant.1.stock-alerts');
  await trigger('private-tenant.1.stock-alerts', 'stock.low', { sku: 'A', qty: 2 });
  await trigger('private-tenant.1.stock-alerts', 'stock.low', { sku: 'B', qty: 50 });
  await trigger('private-tenant.1.stock-alerts', 'stock.adjusted', { sku: 'A', qty: 9 });
  await eventually(async () => (await logged(page, 'low')).length === 2 && (await logged(page, 'adjusted')).length === 1, 'events');
  await sleep(200);
  assert.deepEqual((await shown(page)).map((n) => [n.title, n.body, n.tag]), [['Stock low: A', '2 left (stock.low)', 'A']]);
  await page.evaluate(() => window.echo.private('tenant.1.stock-alerts').stopListening('.stock.low'));
  await trigger('private-tenant.1.stock-alerts', 'stock.low', { sku: 'C', qty: 1 });
  await sleep(400);
  assert.equal((await shown(page)).length, 1, 'stopListening also stops the desktop notification');
  await page.context().close();
});

test('markup in a title is passed as plain text; no dialog opens', async () => {
  const page = await userPage({ permission: 'granted' });
  const evil = '<img src=x onerror=alert(1)>';
  await trigger('private-App.Models.User.1', NOTIFICATION, { id: 'x', title: evil, message: evil });
  await eventually(async () => (await shown(page)).length === 1, 'notification');
  assert.equal((await shown(page))[0].title, evil);
  await sleep(200);
  assert.deepEqual(page.dialogs, []);
  await page.context().close();
});

for (const [name, double, code] of [
  ['denied', { permission: 'denied' }, 'notifications_denied'],
  ['unsupported (no Notification API)', { permission: 'missing' }, 'notifications_unsupported'],
  ['insecure context', { permission: 'granted', insecure: true }, 'notifications_unsupported'],
  ['a throwing constructor', { permission: 'granted', throwing: true }, 'notification_failed'],
]) {
  test(`${name}: nothing throws, the listener still gets the event, a diagnostic is recorded`, async () => {
    const page = await userPage(double);
    await trigger('private-App.Models.User.1', NOTIFICATION, lowStock);
    await eventually(async () => (await logged(page, 'notification')).length === 1, 'the event');
    const diagnosis = await page.evaluate(() => window.echo.diagnose());
    assert.ok(diagnosis.lastErrors.some((e) => e.code === code), JSON.stringify(diagnosis.lastErrors));
    assert.deepEqual(page.errors, []);
    if (double.permission === 'missing' || double.insecure) {
      assert.equal(await page.evaluate(() => window.echo.notifications.permission), 'unsupported');
    }
    await page.context().close();
  });
}

test('requestPermission: without a gesture it resolves with the current state and says why; from a click it asks', async () => {
  const page = await openPageWith(browser, installDouble, { permission: 'default' });
  await page.evaluate(() => {
    window.echo = window.makeEcho();
    const bell = document.createElement('button');
    bell.id = 'bell';
    bell.onclick = () => window.echo.notifications.requestPermission().then(window.record('asked'));
    document.body.append(bell);
  });
  // Playwright's evaluate runs with a user gesture; go through CDP without one, once the
  // transient activation of earlier calls has expired.
  const cdp = await page.context().newCDPSession(page);
  const run = async (expression) => (await cdp.send('Runtime.evaluate', { expression, awaitPromise: true, userGesture: false, returnByValue: true })).result.value;
  await eventually(async () => (await run('navigator.userActivation.isActive')) === false, 'no user activation', 10000);
  assert.equal(await run('window.echo.notifications.requestPermission()'), 'default');
  const why = await page.evaluate(() => window.echo.diagnose().lastErrors.map((e) => e.message).join(' '));
  assert.match(why, /user gesture/);
  await page.click('#bell');
  await eventually(async () => (await logged(page, 'asked')).length === 1, 'the permission prompt');
  assert.deepEqual(await logged(page, 'asked'), [['granted']]);
  await page.context().close();
});

test('real Chromium Notification constructor is called (permission granted for the origin)', async () => {
  const wrap = () => {
    window.__real = [];
    const Real = window.Notification;
    window.Notification = new Proxy(Real, {
      construct(target, args) {
        window.__real.push({ title: args[0], body: args[1] && args[1].body, tag: args[1] && args[1].tag });
        return Reflect.construct(target, args);
      },
    });
  };
  const page = await openPageWith(browser, wrap, null, { permissions: ['notifications'] });
  assert.equal(await page.evaluate(() => Notification.permission), 'granted');
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1', desktopNotifications: { when: 'always' } });
    window.echo.private('App.Models.User.1').notification(window.record('notification'));
  });
  await waitForSubscribed(page, 'private-App.Models.User.1');
  assert.equal(await page.evaluate(() => window.echo.notifications.permission), 'granted');
  await trigger('private-App.Models.User.1', NOTIFICATION, lowStock);
  await eventually(async () => (await page.evaluate(() => window.__real.length)) === 1, 'the real constructor');
  assert.deepEqual(await page.evaluate(() => window.__real[0]), { title: 'Low stock', body: 'SKU A below 5', tag: 'n-1' });
  const diagnosis = await page.evaluate(() => window.echo.diagnose());
  assert.ok(!diagnosis.lastErrors.some((e) => e.code.startsWith('notification')), JSON.stringify(diagnosis.lastErrors));
  await page.context().close();
});
