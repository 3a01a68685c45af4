// Recovery after a reconnect (issue 16), end to end in Chromium with the built package:
// - on the shared harness Sockudo (protocol 7 without the option): an app's disconnect() and
//   connect() give `resumed` with `reason: 'unsupported'` and a plausible `downtimeMs`, and
//   `off('resumed', cb)` undoes it;
// - on a private Sockudo with CONNECTION_RECOVERY_ENABLED=true and `connectionRecovery: true`:
//   the events published while disconnected arrive after connect(), in order, exactly once,
//   then `resumed` says `recovered: true` with the number replayed;
// - with recovery, a whisper is never delivered back to its sender (live: `echo_messages=false`;
//   from a replay after a resume: the client drops its own), the other page gets it once;
// - on a private Sockudo without it: `reason: 'no_position'` (without recovery its protocol 2
//   deliveries carry no serial, so there is nothing to resume from).
// The private servers are published to through their signed HTTP API (the backend's trigger
// route talks to the shared one).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { launch, openPage, trigger, reset, eventually, logged, waitForSubscribed, startPrivateSockudo, sleep, env } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

const unique = (prefix) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

/** Publishes `event` on `channel` through Sockudo's signed HTTP API on `port` (Pusher's REST auth). */
async function publish(port, channel, event, data) {
  const appId = process.env.ECHO_TEST_APP_ID;
  const body = JSON.stringify({ name: event, channels: [channel], data: JSON.stringify(data) });
  const path = `/apps/${appId}/events`;
  const query = new URLSearchParams({
    auth_key: process.env.ECHO_TEST_APP_KEY,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    body_md5: createHash('md5').update(body).digest('hex'),
  });
  query.sort();
  const signature = createHmac('sha256', process.env.ECHO_TEST_APP_SECRET).update(`POST\n${path}\n${query}`).digest('hex');
  query.set('auth_signature', signature);
  const res = await fetch(`http://127.0.0.1:${port}${path}?${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal(res.status, 200, `publish: ${await res.text()}`);
}

test('disconnect() and connect() by the app: resumed with reason unsupported and the downtime; off() undoes it', async () => {
  const page = await openPage(browser);
  const name = unique('resume-p7');
  await page.evaluate((n) => {
    // Protocol 7 in both runs of the suite (pkg-browser-p2 turns connectionRecovery on by default).
    window.echo = window.makeEcho({ connectionRecovery: false });
    window.onResumed = window.record('resumed');
    const ch = window.echo.channel(n);
    window.chained = ch.resumed(window.onResumed) === ch;
    ch.listen('.tick', window.record('tick'));
  }, name);
  await waitForSubscribed(page, name);
  assert.equal(await page.evaluate(() => window.chained), true, 'resumed() chains');
  await trigger(name, 'tick', { n: 1 });
  await eventually(async () => (await logged(page, 'tick')).length === 1, 'the event before the disconnect');
  await sleep(300);
  await page.evaluate(() => window.echo.disconnect());
  await sleep(1500);
  await page.evaluate(() => window.echo.connect());
  await eventually(async () => (await logged(page, 'resumed')).length === 1, 'resumed after connect()');
  const [[report]] = await logged(page, 'resumed');
  assert.equal(report.recovered, false);
  assert.equal(report.replayed, 0);
  assert.equal(report.reason, 'unsupported', 'protocol 7: nothing replayed');
  assert.ok(report.downtimeMs >= 1700 && report.downtimeMs < 10000, `downtimeMs ${report.downtimeMs}: from the last frame (the tick) to the new acknowledgement`);

  // Undone: the next reconnect reports nothing.
  await page.evaluate((n) => window.echo.channel(n).off('resumed', window.onResumed), name);
  await page.evaluate(() => window.echo.disconnect());
  await page.evaluate(() => window.echo.connect());
  await waitForSubscribed(page, name);
  await sleep(500);
  assert.equal((await logged(page, 'resumed')).length, 1, 'off() removed the callback');
  assert.deepEqual(page.errors, []);
  await page.evaluate(() => window.echo.destroy());
});

test('connectionRecovery on Sockudo with recovery enabled: missed events arrive in order, once, then resumed recovered', async () => {
  const server = await startPrivateSockudo({ CONNECTION_RECOVERY_ENABLED: 'true' });
  const page = await openPage(browser);
  try {
    const name = unique('resume-p2');
    await page.evaluate(([n, port]) => {
      window.echo = window.makeEcho({ wsPort: port, connectionRecovery: true });
      window.echo.channel(n).listen('.update', window.record('update')).resumed(window.record('resumed'));
    }, [name, server.port]);
    await waitForSubscribed(page, name);
    for (let n = 1; n <= 3; n++) await publish(server.port, name, 'update', { n });
    await eventually(async () => (await logged(page, 'update')).length === 3, 'three live events');
    await page.evaluate(() => window.echo.disconnect());
    for (let n = 4; n <= 8; n++) await publish(server.port, name, 'update', { n });
    await sleep(300);
    assert.equal((await logged(page, 'update')).length, 3, 'nothing arrives while disconnected');
    await page.evaluate(() => window.echo.connect());
    await eventually(async () => (await logged(page, 'resumed')).length === 1, 'resumed after connect()');
    const [[report]] = await logged(page, 'resumed');
    assert.deepEqual({ recovered: report.recovered, replayed: report.replayed, reason: report.reason }, { recovered: true, replayed: 5, reason: null });
    assert.ok(report.downtimeMs >= 0 && report.downtimeMs < 10000, `downtimeMs ${report.downtimeMs}`);
    const order = await page.evaluate(() => window.log.filter((e) => e.kind === 'update' || e.kind === 'resumed').map((e) => (e.kind === 'update' ? e.args[0].n : 'resumed')));
    assert.deepEqual(order, [1, 2, 3, 4, 5, 6, 7, 8, 'resumed'], 'the missed events, in order, once, before resumed');
    await publish(server.port, name, 'update', { n: 9 });
    await eventually(async () => (await logged(page, 'update')).length === 9, 'live again');
    await sleep(300);
    assert.deepEqual((await logged(page, 'update')).map(([e]) => e.n), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.evaluate(() => window.echo?.destroy()).catch(() => {});
    await server.stop();
  }
});

test('connectionRecovery: the sender never gets its own whisper, live or from the replay after a resume; the other page gets it once', async () => {
  const server = await startPrivateSockudo({ CONNECTION_RECOVERY_ENABLED: 'true' });
  const a = await openPage(browser);
  const b = await openPage(browser);
  try {
    for (const [page, token] of [[a, 'token-user-1'], [b, 'token-user-2']]) {
      await page.evaluate(([t, port]) => {
        window.echo = window.makeEcho({ wsPort: port, connectionRecovery: true, bearerToken: t });
        window.echo.private('tenant.1.chat').listenForWhisper('typing', window.record('typing')).listen('.update', window.record('update')).resumed(window.record('resumed'));
      }, [token, server.port]);
      await waitForSubscribed(page, 'private-tenant.1.chat');
    }
    await publish(server.port, 'private-tenant.1.chat', 'update', { n: 1 });
    await eventually(async () => (await logged(a, 'update')).length === 1 && (await logged(b, 'update')).length === 1, 'a position on both');
    await a.evaluate(() => window.echo.private('tenant.1.chat').whisper('typing', { from: 'a', n: 1 }));
    await eventually(async () => (await logged(b, 'typing')).length === 1, 'B gets the whisper');
    await sleep(500);
    assert.equal((await logged(a, 'typing')).length, 0, 'not echoed to the sender live');
    // A reconnects and resumes from before its whisper: the replay holds the whisper and event 2.
    await a.evaluate(() => window.echo.disconnect());
    await publish(server.port, 'private-tenant.1.chat', 'update', { n: 2 });
    await a.evaluate(() => window.echo.connect());
    await eventually(async () => (await logged(a, 'resumed')).length === 1, 'A resumed');
    const [[report]] = await logged(a, 'resumed');
    assert.deepEqual({ recovered: report.recovered, replayed: report.replayed }, { recovered: true, replayed: 1 }, 'event 2 replayed, the own whisper not delivered');
    await sleep(500);
    assert.deepEqual((await logged(a, 'update')).map(([e]) => e.n), [1, 2]);
    assert.equal((await logged(a, 'typing')).length, 0, 'the replay did not deliver the own whisper');
    assert.deepEqual((await logged(b, 'typing')).map(([e]) => e), [{ from: 'a', n: 1 }], 'B got it once');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  } finally {
    for (const page of [a, b]) await page.evaluate(() => window.echo?.destroy()).catch(() => {});
    await server.stop();
  }
});

test('connectionRecovery on Sockudo without recovery enabled: resumed says no_position, events flow', async () => {
  const server = await startPrivateSockudo({ CONNECTION_RECOVERY_ENABLED: 'false' });
  const page = await openPage(browser);
  try {
    const name = unique('resume-off');
    await page.evaluate(([n, port]) => {
      window.echo = window.makeEcho({ wsPort: port, connectionRecovery: true });
      window.echo.channel(n).listen('.update', window.record('update')).resumed(window.record('resumed'));
    }, [name, server.port]);
    await waitForSubscribed(page, name);
    await publish(server.port, name, 'update', { n: 1 });
    await eventually(async () => (await logged(page, 'update')).length === 1, 'a live event');
    await page.evaluate(() => window.echo.disconnect());
    await page.evaluate(() => window.echo.connect());
    await eventually(async () => (await logged(page, 'resumed')).length === 1, 'resumed after connect()');
    const [[report]] = await logged(page, 'resumed');
    assert.deepEqual({ recovered: report.recovered, reason: report.reason }, { recovered: false, reason: 'no_position' });
    await publish(server.port, name, 'update', { n: 2 });
    await eventually(async () => (await logged(page, 'update')).length === 2, 'live events after the refusal');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.evaluate(() => window.echo?.destroy()).catch(() => {});
    await server.stop();
  }
});

test('resumed registered before the wasm is ready is queued and applied', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${env.backend}/pages/echo.html?key=${env.key}&port=${env.port}&nowait=1`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  const name = unique('resume-queued');
  const early = await page.evaluate((n) => {
    window.echo = window.makeEcho();
    const ch = window.echo.channel(n);
    return { chained: ch.resumed(window.record('resumed')) === ch, status: window.echo.connectionStatus() };
  }, name);
  assert.deepEqual(early, { chained: true, status: 'connecting' }, 'called before ready');
  await page.evaluate(() => window.echo.ready);
  await waitForSubscribed(page, name);
  await page.evaluate(() => { window.echo.disconnect(); window.echo.connect(); });
  await eventually(async () => (await logged(page, 'resumed')).length === 1, 'the queued callback fires');
  assert.equal((await logged(page, 'resumed'))[0][0].reason, 'unsupported');
  await page.evaluate(() => window.echo.destroy());
});
