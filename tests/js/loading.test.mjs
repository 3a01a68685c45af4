// Loading like a library (issue 11): the package entry does not wait for the wasm.
// - The queue: one script of calls made while the `.wasm` response is held back 3 s gives
//   exactly the log of the same script run after `await echo.ready` in another page (listener
//   calls, subscribed/error/here callbacks, connection changes, diagnose() channel states),
//   against the real Sockudo and backend, with the same events triggered for both. The undo
//   functions are checked against events that do happen after them: a listener_threw error
//   for an undone connector.onError, a disconnect()/connect() after an undo made once ready.
// - Bad input before ready is reported through error(cb) / connector.onError and diagnose(),
//   with the code and message the call throws after ready; no unhandled rejection.
// - Calls queued after a queued destroy(): their echo_destroyed refusals reach the channel's
//   error(cb) and the connector.onError callbacks made before ready, else one console.warn.
// - A 404 for the `.wasm` reaches connector.onError, channel error(cb) and diagnose() as
//   `wasm_load_failed` with the README's remedy, and `ready` rejects (handled).
// - The Vue composables on an Echo that is not ready: 'connecting', then the real status and
//   socket id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launch, env, pageQuery, eventually, sleep, trigger, backend } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const WASM = '**/pkg/dist/echo_wasm_bg.wasm';

/** A page of echo.html (`nowait`: the wasm not waited for) whose wasm response `route` handles. */
async function open({ nowait = false, route = null, file = 'echo.html' } = {}) {
  const context = await browser.newContext();
  if (route) await context.route(WASM, route);
  await context.addInitScript(() => {
    window.rejections = [];
    window.addEventListener('unhandledrejection', (e) => window.rejections.push(String(e.reason?.message ?? e.reason)));
  });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${env.backend}/pages/${file}?${pageQuery()}${nowait ? '&nowait=1' : ''}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}

const delayed = (ms) => async (route) => { await sleep(ms); await route.continue(); };

/**
 * The calls, made in the page in one go: every queued kind (channel chains, undo functions,
 * off, stop*, leave, a stale handle, echo.listen, connector.on*, listenToUser, signin,
 * disconnect/connect, destroy). `tag` makes the channel names unique to the page.
 */
function script(tag) {
  const log = (window.qlog = []);
  const rec = (kind) => (...args) => log.push([kind, ...JSON.parse(JSON.stringify(args))]);
  const echo = (window.echo = window.makeEcho({ bearerToken: 'token-user-1' }));
  const c = echo.connector;
  c.onConnectionChange(rec('status'));
  c.onStateChange(rec('state'));
  const undoError = c.onError(rec('undone onError'));
  undoError();
  undoError(); // twice: the second does nothing
  c.onError((e) => log.push(['onError', e.code]));
  // A listener that throws (fire() triggers it): a listener_threw error for connector.onError.
  echo.channel(`q-throw-${tag}`).listen('.t', () => { throw new Error('thrown on purpose'); });
  const pub = echo.channel(`q-pub-${tag}`)
    .listen('.a', rec('pub .a'))
    .listen('.b', rec('pub .b'))
    .listenToAll(rec('pub all'))
    .subscribed(rec('pub subscribed'));
  const c1 = rec('pub .c (stopped)');
  pub.listen('.c', c1).stopListening('.c', c1);
  pub.stopListening('.b');
  const s2 = rec('pub subscribed (off)');
  pub.subscribed(s2).off('subscribed', s2);
  const all2 = rec('pub all (stopped)');
  pub.listenToAll(all2).stopListeningToAll(all2);
  echo.private(`tenant.1.q-${tag}`)
    .listen('.p', rec('private .p'))
    .subscribed(rec('private subscribed'))
    .error(rec('private error'))
    .listenForWhisper('typing', rec('private whisper'))
    .stopListeningForWhisper('typing');
  echo.private(`tenant.2.q-${tag}`).error((e) => log.push(['forbidden error', e.code, e.status, e.type]));
  echo.encryptedPrivate(`tenant.1.q-${tag}`).listen('.secret', rec('encrypted .secret'));
  echo.join(`tenant.1.room-${tag}`)
    .here((users) => log.push(['here', users.map((u) => u.id)]))
    .joining(rec('joining'))
    .leaving(rec('leaving'));
  const n1 = rec('notification (stopped)');
  echo.private('App.Models.User.1').notification(rec('notification')).notification(n1).stopListeningForNotification(n1);
  echo.channel(`q-left-${tag}`).listen('.a', rec('left .a'));
  echo.leave(`q-left-${tag}`);
  echo.channel(`q-left2-${tag}`).listen('.a', rec('left2 .a'));
  echo.leaveChannel(`q-left2-${tag}`);
  const stale = echo.channel(`q-stale-${tag}`);
  echo.leaveChannel(`q-stale-${tag}`);
  stale.listen('.s', rec('stale .s (revived)'));
  echo.listen(`q-listen-${tag}`, '.z', rec('echo.listen .z'));
  c.onSignin(() => log.push(['signin']));
  c.listenToUser('bump', rec('user bump'));
  const undoUser = c.listenToUser('bump', rec('user bump (undone)'));
  undoUser();
  c.signin();
  echo.disconnect();
  echo.connect();
  const gone = echo.connector.onConnectionChange(rec('status (undone after ready)'));
  window.undoAfterReady = gone;
  const tmp = (window.tmp = window.makeEcho());
  tmp.channel(`q-tmp-${tag}`).listen('.a', rec('destroyed echo .a'));
  tmp.destroy();
  return { status: echo.connectionStatus(), state: echo.connectionState(), socketId: echo.socketId() ?? null, loading: echo.diagnose().loading ?? false };
}

/**
 * What the page's log and channels say, with its tag taken out. The log is split by source
 * (the first word of an entry: a channel, the connection, the user), each in its order: two
 * channels' subscriptions answer in either order, one source's entries come in one order.
 */
async function outcome(page, tag) {
  const result = await page.evaluate(() => ({
    log: window.qlog,
    bySource: window.qlog.reduce((groups, e) => {
      const source = e[0].split(' ')[0];
      (groups[source] ??= []).push(e);
      return groups;
    }, {}),
    channels: window.echo.diagnose().channels.map((c) => [c.name, c.state, c.error?.code ?? null]),
    tmp: window.tmp.connectionStatus(),
    errors: window.echo.diagnose().lastErrors.map((e) => e.code),
  }));
  return JSON.parse(JSON.stringify(result).replaceAll(tag, 'TAG'));
}

async function settle(page, tag) {
  await page.evaluate(() => window.echo.ready);
  const settled = (when) => eventually(() => page.evaluate(() => window.echo.diagnose().channels.every((c) => ['subscribed', 'failed'].includes(c.state))
    && window.echo.diagnose().signedInUser === '1' && window.echo.connectionStatus() === 'connected'), `${tag}: channels settled, signed in ${when}`);
  await settled('');
  // The undo after ready, then status changes (the same in both pages): the undone callback
  // must hear none of them (`undoneAt`: the log's length at the undo).
  await page.evaluate(() => {
    window.undoAfterReady();
    window.undoneAt = window.qlog.length;
    window.echo.disconnect();
    window.echo.connect();
  });
  await settled('again');
}

async function fire(tag) {
  await trigger(`q-pub-${tag}`, 'a', { n: 1 });
  await trigger(`q-pub-${tag}`, 'b', { n: 2 });
  await trigger(`q-pub-${tag}`, 'c', { n: 3 });
  await trigger(`private-tenant.1.q-${tag}`, 'p', { n: 4 });
  await trigger(`private-encrypted-tenant.1.q-${tag}`, 'secret', { n: 5 });
  await trigger(`q-left-${tag}`, 'a', { n: 6 });
  await trigger(`q-left2-${tag}`, 'a', { n: 7 });
  await trigger(`q-stale-${tag}`, 's', { n: 8 });
  await trigger(`q-listen-${tag}`, 'z', { n: 9 });
  await trigger(`q-tmp-${tag}`, 'a', { n: 10 });
  await trigger(`q-throw-${tag}`, 't', { n: 11 });
}

test('calls made before the wasm is ready take effect in order: the same log as after ready', async () => {
  const tagLate = `L${Date.now()}`;
  const tagNow = `N${Date.now()}`;
  const late = await open({ nowait: true, route: delayed(3000) });
  const now = await open();
  try {
    const before = await late.evaluate(script, tagLate);
    assert.deepEqual(before, { status: 'connecting', state: 'connecting', socketId: null, loading: true }, 'queued: the wasm is held back');
    assert.equal(await late.evaluate(() => window.qlog.length), 0, 'nothing ran before ready');
    const direct = await now.evaluate(script, tagNow);
    assert.equal(direct.loading, false);
    await Promise.all([settle(late, tagLate), settle(now, tagNow)]);
    // The same events for both, one page's after the other's, in the same order.
    for (const tag of [tagLate, tagNow]) {
      await fire(tag);
      await backend('/test/send-to-user', { user_id: 1, event: 'bump', data: { tag } });
      await eventually(() => (tag === tagLate ? late : now).evaluate((t) => window.qlog.some((e) => e[0] === 'user bump' && e[1]?.tag === t), tag), `${tag}: user event`);
      await trigger('private-App.Models.User.1', 'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated', { id: tag, type: 'T' });
      await eventually(() => (tag === tagLate ? late : now).evaluate((t) => window.qlog.some((e) => e[0] === 'notification' && e[1]?.id === t), tag), `${tag}: notification`);
    }
    await sleep(500); // anything that should not arrive had time to
    // Each page heard the other's user event and notification (same user): keep its own.
    const mine = (e) => !['user bump', 'notification'].includes(e[0]) || JSON.stringify(e).includes('TAG');
    const own = (o) => ({
      ...o,
      log: o.log.filter(mine),
      bySource: Object.fromEntries(Object.entries(o.bySource).map(([k, v]) => [k, v.filter(mine)]).sort(([a], [b]) => a.localeCompare(b))),
    });
    // The undo checks can fail: connector.onError heard an error (the throwing listener) that the
    // undone onError did not, and after undoAfterReady() the control status callback heard the
    // disconnect()/connect() the undone one did not.
    for (const [name, page] of [['queued', late], ['immediate', now]]) {
      const { log, undoneAt } = await page.evaluate(() => ({ log: window.qlog, undoneAt: window.undoneAt }));
      assert.ok(log.some((e) => e[0] === 'onError' && e[1] === 'listener_threw'), `${name}: connector.onError heard listener_threw: ${JSON.stringify(log)}`);
      assert.ok(!log.some((e) => e[0] === 'undone onError'), `${name}: the undone onError heard nothing`);
      const since = log.slice(undoneAt);
      assert.deepEqual(since.filter((e) => e[0] === 'status').map((e) => e[1]), ['disconnected', 'connecting', 'connected'], `${name}: the control heard the status changes after the undo`);
      assert.deepEqual(since.filter((e) => e[0] === 'status (undone after ready)'), [], `${name}: the callback undone after ready heard none of them`);
    }
    const queued = own(await outcome(late, tagLate));
    const immediate = own(await outcome(now, tagNow));
    const { log: queuedLog, ...queuedRest } = queued;
    const { log: immediateLog, ...immediateRest } = immediate;
    assert.deepEqual(queuedRest, immediateRest, 'the queued calls had exactly the effect of the same calls after ready');
    assert.deepEqual([...queuedLog].map((e) => e[0]).sort(), [...immediateLog].map((e) => e[0]).sort(), 'the same entries');
    // The script did what it says (so equal logs are not two empty ones).
    const kinds = queued.log.map((e) => e[0]);
    for (const kind of ['status', 'state', 'status (undone after ready)', 'pub .a', 'pub all', 'pub subscribed', 'private .p', 'private subscribed', 'forbidden error',
      'encrypted .secret', 'here', 'notification', 'stale .s (revived)', 'echo.listen .z', 'signin', 'user bump']) {
      assert.ok(kinds.includes(kind), `the log has ${kind}: ${JSON.stringify(kinds)}`);
    }
    for (const kind of ['undone onError', 'pub .b', 'pub .c (stopped)', 'pub subscribed (off)', 'pub all (stopped)', 'left .a', 'left2 .a',
      'notification (stopped)', 'user bump (undone)', 'destroyed echo .a']) {
      assert.ok(!kinds.includes(kind), `the log has no ${kind}`);
    }
    const statuses = queued.log.filter((e) => e[0] === 'status').map((e) => e[1]);
    assert.deepEqual(statuses.slice(0, 2), ['disconnected', 'connecting'], `disconnect() then connect() in order: ${statuses}`);
    assert.equal(queued.tmp, 'disconnected', 'the queued destroy() ran');
    assert.deepEqual(queued.log.find((e) => e[0] === 'forbidden error'), ['forbidden error', 'auth_forbidden', 403, 'AuthError']);
    assert.deepEqual([late.errors, now.errors], [[], []]);
    assert.deepEqual(await late.evaluate(() => window.rejections), []);
  } finally {
    await late.context().close();
    await now.context().close();
  }
});

test('bad input before ready: reported through error(cb), onError and diagnose() as the call throws it after ready; no unhandled rejection', async () => {
  const page = await open({ nowait: true, route: delayed(1000) });
  try {
    await page.evaluate(() => {
      const got = (window.got = []);
      const echo = (window.echo = window.makeEcho({ bearerToken: 'token-user-1' }));
      echo.connector.onError((e) => got.push(['onError', e.type, e.code, e.message, e.channel ?? null]));
      echo.channel('bad name!').error((e) => got.push(['bad error', e.type, e.code, e.message, e.channel])).listen('.x', () => {});
      echo.private('tenant.1.early').error((e) => got.push(['whisper error', e.code, e.channel])).whisper('typing', { a: 1 });
      const broken = (window.broken = new window.Echo({ broadcaster: 'reverb' })); // no key: refused once ready
      broken.connector.onError((e) => got.push(['broken onError', e.type, e.code, e.message]));
      broken.channel('orders').error((e) => got.push(['broken channel error', e.code, e.channel]));
    });
    await page.evaluate(() => window.echo.ready);
    await eventually(() => page.evaluate(() => window.got.length >= 6), 'the reports');
    const thrown = await page.evaluate(() => {
      const attempt = (fn) => { try { fn(); return null; } catch (e) { return { name: e.name, code: e.code, message: e.message }; } };
      return {
        channel: attempt(() => window.echo.channel('bad name!')),
        options: attempt(() => new window.Echo({ broadcaster: 'reverb' })),
        whisper: attempt(() => window.echo.private('tenant.1.early2').whisper('typing', { a: 1 })),
      };
    });
    assert.equal(thrown.channel.code, 'invalid_channel', 'after ready the same call throws');
    assert.equal(thrown.options.code, 'config');
    const got = await page.evaluate(() => window.got);
    assert.deepEqual(got.find((g) => g[0] === 'bad error'), ['bad error', 'UsageError', 'invalid_channel', thrown.channel.message, 'bad name!']);
    assert.deepEqual(got.find((g) => g[0] === 'onError' && g[2] === 'invalid_channel'), ['onError', 'UsageError', 'invalid_channel', thrown.channel.message, 'bad name!']);
    assert.deepEqual(got.find((g) => g[0] === 'whisper error'), ['whisper error', thrown.whisper.code, 'private-tenant.1.early']);
    assert.ok(got.some((g) => g[0] === 'onError' && g[2] === thrown.whisper.code), 'the refused whisper reached onError');
    assert.deepEqual(got.find((g) => g[0] === 'broken onError'), ['broken onError', 'UsageError', 'config', thrown.options.message]);
    assert.deepEqual(got.find((g) => g[0] === 'broken channel error'), ['broken channel error', 'config', 'orders']);
    const diag = await page.evaluate(() => ({
      echo: window.echo.diagnose().lastErrors.map((e) => [e.code, e.channel]),
      broken: window.broken.diagnose(),
      brokenStatus: window.broken.connectionStatus(),
    }));
    diag.brokenReady = await page.evaluate(() => window.broken.ready.then(() => 'resolved', (e) => e.code));
    assert.ok(diag.echo.some(([code, channel]) => code === 'invalid_channel' && channel === 'bad name!'), JSON.stringify(diag.echo));
    assert.ok(diag.echo.some(([code, channel]) => code === thrown.whisper.code && channel === 'private-tenant.1.early'), JSON.stringify(diag.echo));
    assert.equal(diag.broken.state, 'failed');
    assert.deepEqual(diag.broken.lastErrors.map((e) => [e.code, e.message]), [['config', thrown.options.message]]);
    assert.equal(diag.brokenStatus, 'failed');
    assert.equal(diag.brokenReady, 'config', 'the refused Echo\'s ready rejects with the config error');
    await sleep(200);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(await page.evaluate(() => window.rejections), []);
  } finally {
    await page.context().close();
  }
});

test('calls queued after a queued destroy(): echo_destroyed reaches error(cb) and the early connector.onError, else one console.warn per code', async () => {
  const page = await open({ nowait: true, route: delayed(1000) });
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning' && m.text().includes('echo_destroyed')) warnings.push(m.text()); });
  try {
    await page.evaluate(() => {
      const got = (window.got = []);
      const d = (window.d = window.makeEcho());
      d.connector.onError((e) => got.push(['early onError', e.type, e.code, e.channel ?? null]));
      const undo = d.connector.onError((e) => got.push(['undone onError', e.code]));
      undo();
      d.destroy();
      d.channel('x').error((e) => got.push(['channel error', e.type, e.code, e.channel]));
      d.connector.onError((e) => got.push(['late onError', e.type, e.code, e.channel ?? null]));
      const quiet = (window.quiet = window.makeEcho()); // nobody listens: printed, once
      quiet.destroy();
      quiet.channel('y');
      quiet.channel('z');
    });
    await page.evaluate(() => Promise.all([window.d.ready, window.quiet.ready]));
    await sleep(200);
    const after = await page.evaluate(() => {
      try { window.d.channel('x'); return null; } catch (e) { return { code: e.code, message: e.message }; }
    });
    assert.equal(after.code, 'echo_destroyed', 'after ready the same call throws');
    const got = await page.evaluate(() => window.got);
    assert.deepEqual(got, [
      ['channel error', 'UsageError', 'echo_destroyed', 'x'],
      ['early onError', 'UsageError', 'echo_destroyed', 'x'],
      ['late onError', 'UsageError', 'echo_destroyed', 'x'],
      ['early onError', 'UsageError', 'echo_destroyed', null], // the late onError(cb) itself was refused
      ['late onError', 'UsageError', 'echo_destroyed', null],
    ]);
    const diag = await page.evaluate(() => window.d.diagnose());
    assert.equal(diag.destroyed, true);
    assert.deepEqual(diag.lastErrors, [], 'a destroyed Echo keeps no error log');
    assert.equal(warnings.length, 1, `one warning, for the Echo nobody listens to: ${JSON.stringify(warnings)}`);
    assert.ok(warnings[0].includes(after.message), `the warning has the code and remedy: ${warnings[0]}`);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(await page.evaluate(() => window.rejections), []);
  } finally {
    await page.context().close();
  }
});

test('diagnose() before ready survives throwing option getters; it reports the permission the wasm reports (insecure page, throwing Notification.permission)', async () => {
  const page = await open({ nowait: true, route: delayed(1000) });
  try {
    const result = await page.evaluate(async () => {
      const read = (echo) => {
        const d = echo.diagnose();
        return { permission: d.notificationPermission, handle: echo.notifications.permission, loading: d.loading ?? false };
      };
      const throwing = () => { throw new Error('getter threw on purpose'); };
      const q = new URLSearchParams(location.search); // not makeEcho: its spread would call the getter
      const base = { broadcaster: 'reverb', key: q.get('key'), wsHost: '127.0.0.1', wsPort: Number(q.get('port')), forceTLS: false, enabledTransports: ['ws', 'wss'] };
      const outer = new window.Echo(Object.defineProperty(base, 'desktopNotifications', { get: throwing, enumerable: true }));
      const nested = window.makeEcho({ desktopNotifications: Object.defineProperty({}, 'enabled', { get: throwing, enumerable: true }) });
      const survives = (echo) => { try { return echo.diagnose().state; } catch (e) { return `threw: ${e.message}`; } };
      const out = { before: [survives(outer), survives(nested)] };
      const echo = window.makeEcho();
      Object.defineProperty(window, 'isSecureContext', { value: false, configurable: true });
      out.insecureBefore = read(echo);
      Object.defineProperty(window, 'isSecureContext', { value: true, configurable: true });
      Object.defineProperty(Notification, 'permission', { get: throwing, configurable: true });
      out.throwingBefore = read(echo);
      await echo.ready;
      out.throwingAfter = read(echo);
      Object.defineProperty(window, 'isSecureContext', { value: false, configurable: true });
      out.insecureAfter = read(echo);
      out.refused = await Promise.all([outer.ready, nested.ready].map((r) => r.then(() => 'resolved', (e) => e.code)));
      out.after = [survives(outer), survives(nested)];
      echo.destroy();
      return out;
    });
    assert.deepEqual(result.before, ['connecting', 'connecting'], 'diagnose() before ready does not throw');
    assert.deepEqual(result.refused, ['config', 'config'], 'once ready the wasm refuses those options');
    assert.deepEqual(result.after, ['failed', 'failed'], 'diagnose() of the refused Echo does not throw');
    assert.deepEqual(result.insecureBefore, { permission: 'unsupported', handle: 'unsupported', loading: true });
    assert.deepEqual(result.insecureAfter, { ...result.insecureBefore, loading: false }, 'the wasm reports the same on an insecure page');
    assert.deepEqual(result.throwingBefore, { permission: 'unsupported', handle: 'unsupported', loading: true });
    assert.deepEqual(result.throwingAfter, { ...result.throwingBefore, loading: false }, 'the wasm reports the same for a throwing Notification.permission');
    assert.deepEqual(page.errors, []);
    assert.deepEqual(await page.evaluate(() => window.rejections), []);
  } finally {
    await page.context().close();
  }
});

test('a 404 for the .wasm reaches connector.onError, error(cb) and diagnose() as wasm_load_failed with the remedy; ready rejects', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const row = /^\| `wasm_load_failed` \| (.+) \| (.+) \|$/m.exec(readme);
  assert.ok(row, 'README has the wasm_load_failed row');
  const page = await open({ nowait: true, route: (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not Found' }) });
  try {
    const result = await page.evaluate(async () => {
      const got = [];
      const echo = window.makeEcho();
      echo.connector.onError((e) => got.push(['onError', e.type, e.code, e.message]));
      echo.private('tenant.1.x').error((e) => got.push(['channel error', e.code, e.channel])).listen('.a', () => {});
      const ready = await window.wasmReady.then(() => 'resolved', (e) => ({ name: e.name, code: e.code, message: e.message }));
      const echoReady = await echo.ready.then(() => 'resolved', (e) => e.code);
      const later = window.makeEcho(); // made after the failure: hears it too
      later.connector.onError((e) => got.push(['later onError', e.code]));
      await new Promise((r) => setTimeout(r, 50));
      return { got, ready, echoReady, diagnose: echo.diagnose(), status: echo.connectionStatus(), laterStatus: later.connectionStatus() };
    });
    assert.equal(result.ready.code, 'wasm_load_failed');
    assert.equal(result.ready.name, 'EchoError');
    assert.equal(result.echoReady, 'wasm_load_failed');
    const message = result.ready.message;
    assert.ok(message.includes(row[2].replaceAll('\\|', '|')), `the message carries the README's remedy: ${message}`);
    assert.ok(message.includes('404') && message.includes('echo_wasm_bg.wasm'), `the message names the status and the URL: ${message}`);
    assert.deepEqual(result.got.find((g) => g[0] === 'onError'), ['onError', 'LoadError', 'wasm_load_failed', message]);
    assert.deepEqual(result.got.find((g) => g[0] === 'channel error'), ['channel error', 'wasm_load_failed', 'private-tenant.1.x']);
    assert.deepEqual(result.got.find((g) => g[0] === 'later onError'), ['later onError', 'wasm_load_failed']);
    assert.equal(result.status, 'failed');
    assert.equal(result.laterStatus, 'failed');
    assert.equal(result.diagnose.state, 'failed');
    assert.deepEqual(result.diagnose.lastErrors.map((e) => [e.code, e.message]), [['wasm_load_failed', message]]);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(await page.evaluate(() => window.rejections), []);
  } finally {
    await page.context().close();
  }
});

test('echo-wasm/vue before ready: useConnectionStatus is connecting, then connected; useSocketId gets the id', async () => {
  const vueBuild = new URL('../vue/node_modules/vue/dist/vue.esm-browser.prod.js', import.meta.url);
  const context = await browser.newContext();
  await context.route('**/test-modules/vue.esm-browser.prod.js', async (route) =>
    route.fulfill({ contentType: 'text/javascript', body: await readFile(vueBuild, 'utf8') }));
  await context.route(WASM, delayed(1500));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  try {
    await page.goto(`${env.backend}/pages/vue.html?${pageQuery()}&nowait=1`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
    const first = await page.evaluate(() => {
      const { configureEcho, useConnectionStatus, useSocketId } = window.echoVue;
      configureEcho(window.echoOptions());
      window.scope = window.vue.effectScope();
      window.scope.run(() => { window.statusRef = useConnectionStatus(); window.socketRef = useSocketId(); });
      return { status: window.statusRef.value, socket: window.socketRef.value ?? null, loading: window.echoVue.echo().diagnose().loading };
    });
    assert.deepEqual(first, { status: 'connecting', socket: null, loading: true });
    await eventually(() => page.evaluate(() => window.statusRef.value === 'connected'), 'the ref becomes connected');
    const after = await page.evaluate(() => ({ socket: window.socketRef.value, real: window.echoVue.echo().socketId() }));
    assert.match(after.socket, /^\d+\.\d+$/);
    assert.equal(after.socket, after.real);
    await page.evaluate(() => { window.scope.stop(); window.echoVue.echo().destroy(); });
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
