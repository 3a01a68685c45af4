// Client-side validation (issue #8): bad channel names and refused whispers throw an EchoError
// with a stable code, and nothing is sent: every WebSocket frame the page sends is recorded
// (Playwright's `framesent`), the backend's auth log shows no request, and a second subscriber
// (user 2, its own socket) receives only the valid whispers sent as positive controls.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, reset, authLog, eventually, waitForSubscribed, sleep, backendGet } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

/** A page with `echo` (user 1) and `other` (user 2); `frames` collects every frame sent. */
async function setup(options = {}) {
  const page = await openPage(browser);
  page.framesSent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => page.framesSent.push(String(f.payload))));
  await page.evaluate((options) => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1', ...options });
    window.other = window.makeEcho({ bearerToken: 'token-user-2' });
    window.whispers = [];
    window.attempt = (fn) => {
      try { fn(); return { threw: false }; } catch (e) {
        return { threw: true, isError: e instanceof Error, name: e.name, code: e.code, message: e.message };
      }
    };
  }, options);
  return page;
}

const sentContaining = (page, marker) => page.framesSent.filter((f) => f.includes(marker));

test('invalid channel names throw EchoError invalid_channel and send nothing', async () => {
  const page = await setup();
  try {
    const long = 'a'.repeat(165);
    const cases = [
      ['channel', 'bad name!'], ['channel', 'tab\there'], ['private', 'tenant.1/slash'], ['join', 'tenant.1.ümlaut'],
      ['encryptedPrivate', 'tenant.1.<x>'], ['channel', long], ['private', 'b'.repeat(157)], ['channel', ''],
    ];
    for (const [method, name] of cases) {
      const r = await page.evaluate(([m, n]) => window.attempt(() => window.echo[m](n)), [method, name]);
      assert.equal(r.threw, true, `${method}(${JSON.stringify(name)}) must throw`);
      assert.equal(r.isError, true);
      assert.equal(r.name, 'EchoError');
      assert.equal(r.code, 'invalid_channel', `${method}(${JSON.stringify(name)}): ${r.code} ${r.message}`);
      assert.ok(r.message.length > 10);
    }
    // 164 characters (the default limit) is fine: a positive control that the same path sends.
    const ok164 = 'c'.repeat(164);
    assert.equal((await page.evaluate((n) => window.attempt(() => window.echo.channel(n)), ok164)).threw, false);
    await eventually(() => sentContaining(page, ok164).length > 0, 'the valid 164-character name is subscribed');
    await sleep(300);
    for (const [, name] of cases.filter(([, n]) => n)) {
      assert.deepEqual(sentContaining(page, name.slice(0, 40).replace('\t', '\\t')), [], `no frame mentions ${name.slice(0, 20)}`);
    }
    assert.equal(page.framesSent.filter((f) => f.includes('pusher:subscribe')).length, 1, 'one subscribe frame in all');
    assert.deepEqual((await authLog()).filter((e) => e.kind !== 'user'), [], 'no authorization request');
  } finally {
    await page.context().close();
  }
});

test('maxChannelNameLength moves the limit (both ways)', async () => {
  const page = await setup({ maxChannelNameLength: 40 });
  try {
    const r = await page.evaluate(() => window.attempt(() => window.echo.channel('d'.repeat(41))));
    assert.equal(r.code, 'invalid_channel');
    assert.match(r.message, /40/);
    assert.equal((await page.evaluate(() => window.attempt(() => window.echo.channel('d'.repeat(40))))).threw, false);
    await waitForSubscribed(page, 'd'.repeat(40));
    assert.equal(sentContaining(page, 'd'.repeat(41)).length, 0);
    // A larger limit accepts a name the default refuses.
    const r2 = await page.evaluate(() => {
      const wide = window.makeEcho({ maxChannelNameLength: 180 });
      const res = window.attempt(() => wide.channel('e'.repeat(170)));
      wide.destroy();
      return res;
    });
    assert.equal(r2.threw, false, JSON.stringify(r2));
  } finally {
    await page.context().close();
  }
});

/** Subscribes `channel` in both Echos; `other` records whispers named in `events`. */
async function both(page, method, name, full, events) {
  await page.evaluate(([method, name, events]) => {
    window.ch = window.echo[method](name);
    const theirs = window.other[method](name);
    for (const ev of events) theirs.listenForWhisper(ev, (d) => window.whispers.push([ev, d]));
  }, [method, name, events]);
  await waitForSubscribed(page, full);
  await waitForSubscribed(page, full, 10000, 'other');
}

test('whispers on public and encrypted channels are refused before sending', async () => {
  const page = await setup();
  try {
    await both(page, 'channel', 'tenant.1.v-public', 'tenant.1.v-public', ['typing']);
    let r = await page.evaluate(() => window.attempt(() => window.ch.whisper('typing', { marker: 'public-whisper' })));
    assert.equal(r.name, 'EchoError');
    assert.equal(r.code, 'client_event_invalid');
    assert.match(r.message, /public|private or presence/i);
    await both(page, 'encryptedPrivate', 'tenant.1.v-enc', 'private-encrypted-tenant.1.v-enc', ['typing']);
    r = await page.evaluate(() => window.attempt(() => window.ch.whisper('typing', { marker: 'encrypted-whisper' })));
    assert.equal(r.name, 'EchoError');
    assert.equal(r.code, 'client_event_invalid');
    assert.match(r.message, /encrypt/i);
    await sleep(500);
    assert.deepEqual(sentContaining(page, 'whisper"'), []);
    assert.deepEqual(sentContaining(page, 'client-typing'), [], 'no client event frame');
    assert.deepEqual(await page.evaluate(() => window.whispers), []);
  } finally {
    await page.context().close();
  }
});

test('a whisper before the subscription completes is refused', async () => {
  const page = await setup();
  try {
    const r = await page.evaluate(() => window.attempt(() => window.echo.private('tenant.1.v-early').whisper('typing', { marker: 'early' })));
    assert.equal(r.code, 'client_event_invalid', JSON.stringify(r));
    await waitForSubscribed(page, 'private-tenant.1.v-early');
    assert.deepEqual(sentContaining(page, '"early"'), []);
  } finally {
    await page.context().close();
  }
});

test('oversize whispers (> 10 KB) and invalid whisper names are refused; valid ones arrive', async () => {
  const page = await setup();
  try {
    await both(page, 'private', 'tenant.1.v-size', 'private-tenant.1.v-size', ['big', 'ok', '', 'n'.repeat(194), 'n'.repeat(90)]);
    const big = await page.evaluate(() => window.attempt(() => window.ch.whisper('big', { marker: 'oversize', pad: 'x'.repeat(10 * 1024) })));
    assert.equal(big.name, 'EchoError');
    assert.equal(big.code, 'client_event_invalid');
    assert.match(big.message, /10 ?KB|10240|bytes|large/i);
    for (const name of ['', 'n'.repeat(194)]) {
      const r = await page.evaluate((n) => window.attempt(() => window.ch.whisper(n, { marker: 'badname' })), name);
      assert.equal(r.name, 'EchoError', `whisper(${name.length} chars)`);
      assert.equal(r.code, 'client_event_invalid', `whisper(${name.length} chars): ${r.message}`);
    }
    // Positive controls on the same channel: a 9 KB payload and a 90-character name arrive
    // (Sockudo itself refuses event names over 100 characters for an app from env variables).
    assert.equal((await page.evaluate(() => window.attempt(() => window.ch.whisper('ok', { marker: 'fine', pad: 'y'.repeat(9 * 1024) })))).threw, false);
    assert.equal((await page.evaluate(() => window.attempt(() => window.ch.whisper('n'.repeat(90), { marker: 'longname' })))).threw, false);
    await eventually(async () => (await page.evaluate(() => window.whispers)).length === 2, 'the two valid whispers');
    await sleep(500);
    const got = await page.evaluate(() => window.whispers.map(([ev, d]) => [ev.length, d.marker]));
    assert.deepEqual(got, [[2, 'fine'], [90, 'longname']]);
    assert.deepEqual(sentContaining(page, 'oversize'), []);
    assert.deepEqual(sentContaining(page, 'badname'), []);
  } finally {
    await page.context().close();
  }
});

test('more than 10 whispers a second: the 11th is refused and never sent', async () => {
  const page = await setup();
  try {
    await both(page, 'join', 'tenant.1.v-rate', 'presence-tenant.1.v-rate', ['tick']);
    const results = await page.evaluate(() => {
      const out = [];
      for (let i = 0; i < 12; i++) out.push(window.attempt(() => window.ch.whisper('tick', { i })));
      return out;
    });
    assert.deepEqual(results.slice(0, 10).map((r) => r.threw), Array(10).fill(false), 'the first 10 go');
    for (const r of results.slice(10)) {
      assert.equal(r.name, 'EchoError');
      assert.equal(r.code, 'client_event_invalid');
      assert.match(r.message, /10/);
    }
    await eventually(async () => (await page.evaluate(() => window.whispers)).length >= 10, '10 whispers at the other subscriber');
    await sleep(700);
    const got = await page.evaluate(() => window.whispers.map(([, d]) => d.i));
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'exactly the 10 accepted whispers, once each');
    assert.equal(page.framesSent.filter((f) => f.includes('client-tick')).length, 10, '10 client-event frames sent');
    // A second later the budget is back.
    await sleep(1100);
    assert.equal((await page.evaluate(() => window.attempt(() => window.ch.whisper('tick', { i: 99 })))).threw, false);
    await eventually(async () => (await page.evaluate(() => window.whispers)).length === 11, 'the whisper after the window');
    const info = await backendGet('/test/channel/presence-tenant.1.v-rate?info=user_count');
    assert.equal(info.occupied, true);
  } finally {
    await page.context().close();
  }
});

test('timeouts above 2^31-1 ms are refused with a config error naming the option (issue 12 item 8)', async () => {
  const page = await setup();
  try {
    for (const [option, value] of [['authTimeout', 2 ** 31], ['pongTimeout', 1e300], ['activityTimeout', 2 ** 53], ['unavailableTimeout', 2 ** 31]]) {
      const r = await page.evaluate(([o, v]) => window.attempt(() => window.makeEcho({ [o]: v })), [option, value]);
      assert.equal(r.threw, true, `${option}: ${value} must be refused`);
      assert.equal(r.name, 'EchoError');
      assert.equal(r.code, 'config', `${option}: ${r.code} ${r.message}`);
      assert.ok(r.message.includes(`\`${option}\``), `the message names ${option}: ${r.message}`);
    }
    const r = await page.evaluate(() => window.attempt(() => window.makeEcho({ reconnect: { baseMs: 1000, maxMs: 2 ** 40 } })));
    assert.equal(r.code, 'config');
    assert.ok(r.message.includes('`reconnect.maxMs`'), r.message);
    // The largest timer a browser holds is still accepted (positive control), and a private
    // channel authorizes under it (no timer wrapped to "fire at once").
    const ok = await page.evaluate(() => window.attempt(() => {
      window.longTimeout = window.makeEcho({ bearerToken: 'token-user-1', authTimeout: 2 ** 31 - 1 });
      window.longTimeout.private('tenant.1.inventory');
    }));
    assert.equal(ok.threw, false, JSON.stringify(ok));
    await waitForSubscribed(page, 'private-tenant.1.inventory', 10000, 'longTimeout');
    await page.evaluate(() => window.longTimeout.destroy());
  } finally {
    await page.context().close();
  }
});
