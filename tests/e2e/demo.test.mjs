// End-to-end: `scripts/demo` (the very command a developer runs) on free ports, then the
// AutoERP live dashboard in three Chromium contexts: users 1 and 2 of tenant 1, user 3 of
// tenant 2. Checks presence, tenant isolation of stock alerts, Laravel notifications (bell and
// a real desktop Notification), text-only rendering of hostile input, and recovery after a
// Sockudo crash (killed through /test/sockudo/kill, hence ECHO_DEMO_TEST_ROUTES=1); writes
// screenshots to artifacts/; and checks Ctrl-C leaves no process behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, ARTIFACTS, alive, eventually, freePort, launch, listening, sleep, start, watchPage } from './support.mjs';

const DEMO_DIR = path.join(ROOT, 'target/e2e-demo');
const XSS = '<img src=x onerror=alert(1)>';
let demo, url, ports, browser, pids = {};
const pages = {}; // user id -> page

/** A context for one user: records real Notification constructor calls, then calls through. */
async function openUser(id, { notifications = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  if (notifications) await context.grantPermissions(['notifications'], { origin: url.replace(/\/$/, '') });
  await context.addInitScript(() => {
    window.__desktop = [];
    if (typeof window.Notification === 'function') {
      window.Notification = new Proxy(window.Notification, {
        construct(target, args) {
          window.__desktop.push({ title: args[0], body: args[1]?.body, tag: args[1]?.tag });
          return Reflect.construct(target, args);
        },
      });
    }
    // Every connection status the badge shows, in order (polled: transient states count).
    window.__statuses = [];
    setInterval(() => {
      const s = document.querySelector('[data-testid="connection-status"]')?.dataset.status;
      if (s && window.__statuses[window.__statuses.length - 1] !== s) window.__statuses.push(s);
    }, 20);
  });
  const page = watchPage(await context.newPage());
  await page.goto(url);
  await page.click(`[data-testid="login-${id}"]`);
  await page.waitForSelector('[data-testid="connection-status"][data-status="connected"]', { timeout: 20000 });
  pages[id] = page;
  return page;
}

const texts = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent.trim()));
const onlineIds = (page) => page.$$eval('[data-testid="online-member"]', (els) => els.map((e) => Number(e.dataset.userId)).sort());
const bellCount = (page) => page.$eval('[data-testid="bell"]', (b) => Number(b.querySelector('[data-testid="bell-count"]')?.textContent ?? 0));
const desktopCalls = (page) => page.evaluate(() => window.__desktop);
const alerts = (page, kind) => page.$$eval(`[data-testid="alert"][data-kind="${kind}"]`, (els) => els.map((e) => ({ sku: e.dataset.sku, text: e.textContent })));
const row = (page, sku) => page.$(`[data-testid="product-row"][data-sku="${sku}"]`);
const stockOf = (page, sku) => page.$eval(`[data-testid="product-row"][data-sku="${sku}"] [data-testid="stock"]`, (e) => Number(e.textContent.trim()));

/** Calls the demo API from the page, like the app does (cookie session + X-CSRF-TOKEN). */
const apiFromPage = (page, method, p, body) => page.evaluate(async ([m, p, b]) => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const res = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': token }, body: JSON.stringify(b) });
  return { status: res.status, body: await res.json() };
}, [method, p, body]);

async function postDemo(p) {
  const res = await fetch(url.replace(/\/$/, '') + p, { method: 'POST' });
  assert.equal(res.status, 200, `${p}: ${await res.text()}`);
}
async function subscriptionCount(channel) {
  const res = await fetch(`${url}test/channel/${encodeURIComponent(channel)}?info=subscription_count`);
  return res.ok ? (await res.json()).subscription_count ?? 0 : -1;
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ports = { backend: await freePort(), ws: await freePort(), metrics: await freePort() };
  const env = { ...process.env, ECHO_DEMO_TEST_ROUTES: '1', ECHO_DEMO_BACKEND_PORT: String(ports.backend), ECHO_DEMO_WS_PORT: String(ports.ws),
    ECHO_DEMO_METRICS_PORT: String(ports.metrics), ECHO_DEMO_DIR: DEMO_DIR };
  // Nothing of an enclosing harness (scripts/test) may leak into the demo's.
  for (const k of Object.keys(env)) if (/^(ECHO_TEST_|ECHO_HARNESS_)|^STATIC_(DIR|MOUNTS)$/.test(k)) delete env[k];
  demo = start('bash', ['scripts/demo'], { env, log: path.join(ARTIFACTS, 'e2e-demo.log') });
  [, url] = await demo.waitFor(/demo: open (http:\/\/127\.0\.0\.1:\d+\/)/, 600000);
  pids.backend = Number(fs.readFileSync(path.join(DEMO_DIR, 'backend.pid'), 'utf8'));
  pids.sockudo = Number(fs.readFileSync(path.join(DEMO_DIR, 'sockudo.pid'), 'utf8'));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (demo) {
    const code = await demo.stop('SIGINT'); // what Ctrl-C sends to the foreground group
    assert.equal(code, 0, `scripts/demo exit after Ctrl-C:\n${demo.output().slice(-2000)}`);
    assert.match(demo.output(), /demo: stopped/);
    for (const [name, pid] of Object.entries(pids)) assert.ok(!alive(pid), `${name} (pid ${pid}) still running after Ctrl-C`);
    for (const [name, port] of Object.entries(ports)) assert.ok(!(await listening(port)), `${name} port ${port} still open after Ctrl-C`);
  }
});

test('scripts/demo serves the dashboard and only public config at the URL it prints', { timeout: 30000 }, async () => {
  assert.equal(url, `http://127.0.0.1:${ports.backend}/`);
  const html = await (await fetch(url)).text();
  assert.match(html, /<div id="app"><\/div>/);
  // A client-side route reloads into the app (SPA fallback); API/unknown assets stay 404.
  const spa = await fetch(`${url}some/route`, { headers: { Accept: 'text/html' } });
  assert.equal(spa.status, 200);
  assert.equal((await fetch(`${url}assets/nope.js`, { headers: { Accept: 'text/html' } })).status, 404);
  assert.equal((await fetch(`${url}api/nope`, { headers: { Accept: 'text/html' } })).status, 401);

  const config = await (await fetch(`${url}api/config`)).json();
  assert.deepEqual(config, { broadcaster: 'reverb', key: 'echo-test-key', wsHost: '127.0.0.1',
    wsPort: ports.ws, wssPort: ports.ws, forceTLS: false });
  // Neither the app secret nor the encryption master key reaches the browser.
  const harnessEnv = fs.readFileSync(`${DEMO_DIR}.env`, 'utf8');
  const masterKey = /ECHO_TEST_MASTER_KEY_BASE64=(\S+)/.exec(harnessEnv)[1].replace(/^'|'$/g, '');
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  assert.ok(assets.length >= 2, `assets in index.html: ${assets}`);
  for (const text of [JSON.stringify(config), html, ...(await Promise.all(assets.map(async (a) => (await fetch(url + a.slice(1))).text())))]) {
    assert.ok(!text.includes('echo-test-secret'), 'app secret leaked');
    assert.ok(!text.includes(masterKey), 'master key leaked');
  }
  // The action endpoints need a session (and CSRF with a cookie).
  assert.equal((await fetch(`${url}api/stock/adjust`, { method: 'POST' })).status, 401);
});

test('three users sign in; presence shows each tenant its own people', { timeout: 60000 }, async () => {
  await openUser(1, { notifications: true });
  await openUser(2);
  await openUser(3);
  await eventually(async () => JSON.stringify(await onlineIds(pages[1])) === '[1,2]', 'user 1 sees 1 and 2');
  await eventually(async () => JSON.stringify(await onlineIds(pages[2])) === '[1,2]', 'user 2 sees 1 and 2');
  await eventually(async () => JSON.stringify(await onlineIds(pages[3])) === '[3]', 'user 3 sees only themself');
  await sleep(500);
  assert.deepEqual(await onlineIds(pages[3]), [3]);
  assert.deepEqual(await texts(pages[3], '[data-testid="tenant"]'), ['Penguin Parts']);
  // The bell asks for permission (granted for user 1's context) and opens the feed.
  await pages[1].click('[data-testid="bell"]');
  await eventually(async () => (await texts(pages[1], '[data-testid="permission"]'))[0]?.includes('on'), 'permission shown as on');
  await pages[1].click('[data-testid="bell"]'); // close it again
  assert.equal(await pages[1].evaluate(() => Notification.permission), 'granted');
});

test('a stock adjustment in tenant 1 alerts users 1 and 2 and not user 3', { timeout: 30000 }, async () => {
  const before3 = (await alerts(pages[3], 'adjusted')).length + (await alerts(pages[3], 'low')).length;
  // BAT-70: 7 in stock, minimum 4. Ada sells 5: 2 left, below the minimum.
  await (await row(pages[1], 'BAT-70')).$('[data-testid="sell-5"]').then((b) => b.click());
  for (const id of [1, 2]) {
    await eventually(async () => (await alerts(pages[id], 'low')).some((a) => a.sku === 'BAT-70'), `user ${id}: low-stock alert`);
    await eventually(async () => (await alerts(pages[id], 'adjusted')).some((a) => a.sku === 'BAT-70'), `user ${id}: adjustment`);
    await eventually(async () => (await stockOf(pages[id], 'BAT-70')) === 2, `user ${id}: table shows 2`);
    await eventually(async () => (await bellCount(pages[id])) === 1, `user ${id}: bell counts the tenant notification`);
  }
  await eventually(async () => (await desktopCalls(pages[1])).some((n) => n.title === 'Low stock: Battery 70 Ah'), 'user 1: desktop notification');
  await sleep(1000);
  assert.equal((await alerts(pages[3], 'adjusted')).length + (await alerts(pages[3], 'low')).length, before3, 'user 3 got a tenant 1 alert');
  assert.equal(await bellCount(pages[3]), 0);
  assert.equal(await row(pages[3], 'BAT-70'), null);
});

test('a notification to user 1 raises the bell and a real desktop notification', { timeout: 30000 }, async () => {
  const page2 = pages[2];
  const bell = await bellCount(pages[1]);
  await page2.selectOption('[data-testid="notify-to"]', '1');
  await page2.fill('[data-testid="notify-title"]', 'Invoice #1042 paid');
  await page2.fill('[data-testid="notify-message"]', 'Northwind Motors paid 1,250.00 EUR');
  await page2.click('[data-testid="notify-send"]');
  await eventually(async () => (await bellCount(pages[1])) === bell + 1, 'user 1 bell +1');
  await eventually(async () => (await desktopCalls(pages[1])).some((n) => n.title === 'Invoice #1042 paid'), 'desktop notification');
  const call = (await desktopCalls(pages[1])).find((n) => n.title === 'Invoice #1042 paid');
  assert.equal(call.body, 'Northwind Motors paid 1,250.00 EUR');
  assert.ok(call.tag, 'tagged with the notification id');
  await sleep(500);
  assert.equal(await bellCount(pages[3]), 0);
  assert.equal(await bellCount(pages[2]), 1, 'user 2 only has the tenant notification');
});

test('a hostile notification title is shown as literal text, in the page and on the desktop', { timeout: 30000 }, async () => {
  const page1 = pages[1];
  const page2 = pages[2];
  await page2.selectOption('[data-testid="notify-to"]', '1');
  await page2.fill('[data-testid="notify-title"]', XSS);
  await page2.fill('[data-testid="notify-message"]', '<b>bold</b> & <script>alert(2)</script>');
  await page2.click('[data-testid="notify-send"]');
  await eventually(async () => (await texts(page1, '[data-testid="toast-title"]')).includes(XSS), 'the toast shows the literal title');
  await eventually(async () => (await desktopCalls(page1)).some((n) => n.title === XSS), 'desktop notification with the literal title');
  assert.equal((await desktopCalls(page1)).find((n) => n.title === XSS).body, '<b>bold</b> & <script>alert(2)</script>');
  await page1.click('[data-testid="bell"]');
  const titles = await texts(page1, '[data-testid="notification-title"]');
  assert.ok(titles.includes(XSS), JSON.stringify(titles));
  assert.equal(await page1.$$eval('img, script:not([type]), b', (els) => els.filter((e) => e.closest('[data-testid="bell-panel"], .toasts')).length), 0);
  await page1.screenshot({ path: path.join(ARTIFACTS, 'e2e-user-1-bell.png') });
  await page1.click('[data-testid="bell"]');
  await sleep(300);
  for (const id of [1, 2, 3]) {
    assert.deepEqual(pages[id].dialogs, [], `user ${id}: a dialog opened`);
    assert.deepEqual(pages[id].errors, [], `user ${id}: page errors`);
  }
  // And the source has no v-html at all.
  const files = fs.readdirSync(path.join(ROOT, 'www/src'), { recursive: true }).filter((f) => /\.(vue|ts)$/.test(f));
  for (const f of files) assert.ok(!fs.readFileSync(path.join(ROOT, 'www/src', f), 'utf8').includes('v-html'), `v-html in ${f}`);
});

test('products created and updated in tenant 1 reach its users only', { timeout: 30000 }, async () => {
  const page2 = pages[2];
  await page2.fill('[data-testid="product-sku"]', 'TBK-1');
  await page2.fill('[data-testid="product-name"]', 'Timing belt kit');
  await page2.fill('[data-testid="product-stock"]', '12');
  await page2.click('[data-testid="product-create"]');
  for (const id of [1, 2]) await eventually(async () => (await row(pages[id], 'TBK-1')) !== null, `user ${id}: new row`);
  await eventually(async () => (await texts(pages[1], '[data-testid="activity"] li')).some((t) => t.includes('Grace Hopper added TBK-1')), 'user 1: activity');
  // Ada renames it inline.
  await (await row(pages[1], 'TBK-1')).$('[data-testid="edit"]').then((b) => b.click());
  await pages[1].fill('[data-testid="product-row"][data-sku="TBK-1"] input[aria-label="Name"]', 'Timing belt kit (Gates)');
  await pages[1].click('[data-testid="product-row"][data-sku="TBK-1"] button.primary');
  await eventually(async () => (await (await row(page2, 'TBK-1')).textContent()).includes('Timing belt kit (Gates)'), 'user 2: renamed row');
  await eventually(async () => (await texts(page2, '[data-testid="activity"] li')).some((t) => t.includes('Ada Lovelace updated TBK-1')), 'user 2: activity');
  await sleep(500);
  assert.equal(await row(pages[3], 'TBK-1'), null);
  // Another tenant's product cannot be touched.
  const denied = await apiFromPage(pages[3], 'PATCH', '/api/products/TBK-1', { name: 'mine' });
  assert.equal(denied.status, 404);
});

test('Sockudo killed and restarted: reconnecting, connected, and the next event arrives exactly once', { timeout: 90000 }, async () => {
  for (const id of [1, 2, 3]) await pages[id].evaluate(() => { window.__statuses = ['connected']; });
  await postDemo('/test/sockudo/kill');
  for (const id of [1, 2, 3]) {
    await eventually(async () => (await pages[id].evaluate(() => window.__statuses)).includes('reconnecting'), `user ${id}: reconnecting`, 20000);
  }
  await pages[1].screenshot({ path: path.join(ARTIFACTS, 'e2e-user-1-reconnecting.png') });
  // A change while the server is down: its event is lost (the backend's trigger fails), so the
  // table must be read again when the inventory channel reports `resumed` without recovery.
  const before = await stockOf(pages[1], 'OIL-5W30');
  const lost = await apiFromPage(pages[2], 'POST', '/api/stock/adjust', { sku: 'OIL-5W30', delta: 7, reason: 'while down' });
  assert.notEqual(lost.status, 200, 'the broadcast cannot reach a stopped Sockudo');
  await postDemo('/test/sockudo/start');
  pids.sockudo = Number(fs.readFileSync(path.join(DEMO_DIR, 'sockudo.pid'), 'utf8'));
  for (const id of [1, 2, 3]) {
    await pages[id].waitForSelector('[data-testid="connection-status"][data-status="connected"]', { timeout: 40000 });
    const statuses = await pages[id].evaluate(() => window.__statuses);
    const r = statuses.indexOf('reconnecting');
    assert.ok(r > 0 && statuses.indexOf('connected', r) > r, `user ${id}: ${statuses}`);
  }
  for (const id of [1, 2]) {
    await eventually(async () => (await stockOf(pages[id], 'OIL-5W30')) === before + 7, `user ${id}: the table was read again after resumed`, 20000);
  }
  // Every channel is subscribed again before the next event is sent.
  await eventually(async () => (await subscriptionCount('private-tenant.1.stock-alerts')) === 2, 'both tenant 1 users resubscribed', 20000);
  await eventually(async () => (await subscriptionCount('private-tenant.2.stock-alerts')) === 1, 'user 3 resubscribed', 20000);
  await eventually(async () => JSON.stringify(await onlineIds(pages[1])) === '[1,2]', 'presence back for user 1');

  await pages[1].click('[data-testid="diagnostics-toggle"]');
  await eventually(async () => {
    const states = await texts(pages[1], '[data-testid="diagnostics"] .state');
    return states.length >= 5 && states.every((s) => s === 'subscribed');
  }, 'diagnostics: every channel subscribed');
  assert.match((await texts(pages[1], '[data-testid="diag-reconnects"]'))[0], /^[1-9]/);

  const reason = `after restart ${Date.now()}`;
  const res = await apiFromPage(pages[2], 'POST', '/api/stock/adjust', { sku: 'OIL-5W30', delta: 3, reason });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  for (const id of [1, 2]) {
    await eventually(async () => (await alerts(pages[id], 'adjusted')).some((a) => a.text.includes(reason)), `user ${id}: the event after the restart`);
  }
  await sleep(1500);
  for (const id of [1, 2]) {
    assert.equal((await alerts(pages[id], 'adjusted')).filter((a) => a.text.includes(reason)).length, 1, `user ${id}: exactly once`);
  }
  assert.equal((await alerts(pages[3], 'adjusted')).filter((a) => a.text.includes(reason)).length, 0);
  await pages[1].screenshot({ path: path.join(ARTIFACTS, 'e2e-user-1-diagnostics.png') });
  await pages[1].click('[data-testid="diagnostics-toggle"]');
});

test('the drawer\'s "share across tabs" toggle: two tabs of one browser, one leading, one following, one server connection', { timeout: 60000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const first = watchPage(await context.newPage());
  await first.goto(url);
  await first.click('[data-testid="login-2"]');
  const connected = '[data-testid="connection-status"][data-status="connected"]';
  await first.waitForSelector(connected, { timeout: 20000 });
  const drawer = async (page) => {
    await page.click('[data-testid="diagnostics-toggle"]');
    await page.waitForSelector('[data-testid="diag-sharing"]');
  };
  const sharingText = async (page) => (await texts(page, '[data-testid="diag-sharing"]'))[0].replace(/\s+/g, ' ');
  const serverCount = async (page) => Number((await texts(page, '[data-testid="diag-server-connections"]'))[0]);
  await drawer(first);
  assert.match(await sharingText(first), /^off share across tabs/);
  // The toggle reloads the page with ?share=1; the session cookie keeps user 2 signed in.
  await Promise.all([first.waitForNavigation(), first.click('[data-testid="diag-sharing"] a')]);
  assert.match(first.url(), /[?&]share=1/);
  await first.waitForSelector(connected, { timeout: 20000 });
  await drawer(first);
  await eventually(async () => /^leader, 1 tab turn off/.test(await sharingText(first)), 'the first tab leads');
  // Stable: the reloaded page's old socket is gone from the server's count.
  let alone;
  await eventually(async () => { const n = await serverCount(first); const same = n === alone; alone = n; return same && n > 0; },
    'a steady server connection count', 10000, 1100);
  const second = watchPage(await context.newPage());
  await second.goto(first.url());
  await second.waitForSelector(connected, { timeout: 20000 });
  await drawer(second);
  await eventually(async () => /^follower, 2 tabs turn off/.test(await sharingText(second)), 'the second tab follows');
  await eventually(async () => /^leader, 2 tabs/.test(await sharingText(first)), 'the leader counts 2 tabs');
  await sleep(2500); // the drawer reads the server's count every second
  assert.equal(await serverCount(second), alone, 'the second sharing tab adds no server connection');
  assert.equal(await serverCount(first), alone);
  assert.deepEqual([...first.errors, ...second.errors], [], 'page errors');
  await context.close();
});

test('screenshots of each dashboard', { timeout: 30000 }, async () => {
  // One unread notification for Ada, so her bell shows a count.
  await pages[2].selectOption('[data-testid="notify-to"]', '1');
  await pages[2].fill('[data-testid="notify-title"]', 'Shift report ready');
  await pages[2].click('[data-testid="notify-send"]');
  await eventually(async () => (await bellCount(pages[1])) === 1, 'user 1: one unread');
  await sleep(1500); // let row highlights fade
  for (const id of [1, 2, 3]) {
    const file = path.join(ARTIFACTS, `e2e-user-${id}.png`);
    await pages[id].screenshot({ path: file, fullPage: true });
    assert.ok(fs.statSync(file).size > 10000);
    assert.deepEqual(pages[id].errors, [], `user ${id}: page errors`);
  }
  const login = watchPage(await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage());
  await login.goto(url);
  await login.waitForSelector('[data-testid="login-1"]');
  await login.screenshot({ path: path.join(ARTIFACTS, 'e2e-login.png') });
});
