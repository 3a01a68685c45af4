// Authorization fault matrix (issue #8): one channel at a time gets a fault from the backend's
// fault switch (or an auth endpoint on a dead port). Each must give that channel an `error`
// with code, status and message while a public and a private channel keep receiving events,
// and the documented retry behaviour must hold:
//   transient (network, timeout, 5xx)       retried by itself with backoff -> subscribed
//   401/403/419, invalid bodies, refusals   not retried until the next reconnect or channel.subscribe()
//   headersProvider                          called once more after a 401/419, before retrying
// Counts come from the backend's GET /test/auth-log. The page reaches Sockudo through a TCP
// proxy so a test can drop the connection (a reconnect) without touching the shared Sockudo.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, fault, reset, trigger, authLog, eventually, waitForSubscribed, channelState, sleep, env,
  startProxy, freePort,
} from './lib.mjs';

const RECONNECT = { baseMs: 400, maxMs: 800 }; // a transient failure is retried within 400 ms
const QUIET_MS = 2500; // > 3 retry bounds: long enough to see a retry that should not happen
const PUBLIC = 'tenant.1.faults-public';
const OTHER = 'private-tenant.1.faults-other';

let browser;
let proxy;
before(async () => { browser = await launch(); proxy = await startProxy(env.port); });
after(async () => { await browser?.close(); await proxy?.stop(); });
beforeEach(async () => { await reset(); });

const backendPort = Number(new URL(env.backend).port);

/** A page whose Echo has PUBLIC and OTHER subscribed (before any fault), recording everything. */
async function setup(options = {}) {
  const page = await openPage(browser);
  await page.evaluate(({ port, reconnect, options, pub, other }) => {
    window.got = [];
    window.errors = [];
    window.providerCalls = 0;
    const extra = options.headersProvider ? {
      headersProvider: async () => { window.providerCalls++; return { Authorization: 'Bearer token-user-1' }; },
    } : {};
    window.echo = window.makeEcho({ bearerToken: 'token-user-1', wsPort: port, reconnect, ...options, ...extra });
    for (const name of [pub, other]) {
      const ch = name.startsWith('private-') ? window.echo.private(name.slice(8)) : window.echo.channel(name);
      ch.listen('.ping', (d) => window.got.push([name, d.n]));
      ch.error((e) => window.errors.push({ channel: name, code: e.code }));
    }
  }, { port: proxy.port, reconnect: RECONNECT, options, pub: PUBLIC, other: OTHER });
  await waitForSubscribed(page, PUBLIC);
  await waitForSubscribed(page, OTHER);
  return page;
}

/** Subscribes `private-{name}` and records its errors and subscriptions. */
async function subscribeTarget(page, name) {
  await page.evaluate((name) => {
    window.targetErrors = [];
    window.targetSubscribed = 0;
    window.target = window.echo.private(name.slice(8))
      .error((e) => window.targetErrors.push({ code: e.code, status: e.status ?? null, message: e.message, type: e.type, channel: e.channel }))
      .subscribed(() => window.targetSubscribed++);
  }, name);
}

const targetErrors = (page) => page.evaluate(() => window.targetErrors);
// Read-only probe (diagnose()): echo.channel(name) would create a lost channel and hide the loss.
const state = (page, name) => channelState(page, name);
const authCount = async (channel) => (await authLog()).filter((e) => e.channel === channel).length;

/** Both other channels still get events: triggers one on each and waits for it. */
async function othersStillReceive(page) {
  const n = Math.random();
  await trigger(PUBLIC, 'ping', { n });
  await trigger(OTHER, 'ping', { n });
  await eventually(async () => {
    const got = await page.evaluate(() => window.got);
    return got.some(([c, x]) => c === PUBLIC && x === n) && got.some(([c, x]) => c === OTHER && x === n);
  }, 'an event on the public and on the other private channel');
}

async function firstError(page) {
  const [error] = await eventually(async () => { const e = await targetErrors(page); return e.length && e; }, 'the channel error');
  return error;
}

// [fault, code, status, transient, extra fault options, extra Echo options]
const CASES = [
  ['401', 'auth_unauthenticated', 401, false],
  ['403', 'auth_forbidden', 403, false],
  ['419', 'auth_csrf', 419, false],
  ['500', 'auth_server_error', 500, true],
  ['html', 'auth_invalid_response', 200, false],
  ['invalid-json', 'auth_invalid_response', 200, false],
  ['missing-auth', 'auth_invalid_response', 200, false],
  ['wrong-secret', 'signature_rejected', undefined, false],
  ['slow', 'auth_timeout', null, true, { ms: 3000 }, { authTimeout: 1000 }],
  ['hang', 'auth_timeout', null, true, {}, { authTimeout: 1000 }],
];

for (const [faultName, code, status, transient, faultOptions = {}, echoOptions = {}] of CASES) {
  test(`fault ${faultName}: ${code}, others unaffected, ${transient ? 'retried by itself' : 'not retried until subscribe()'}`, async () => {
    const channel = `private-tenant.1.fault-${faultName}`;
    const page = await setup(echoOptions);
    try {
      await fault(channel, faultName, { times: 1, ...faultOptions });
      await subscribeTarget(page, channel);
      const error = await firstError(page);
      assert.equal(error.code, code, JSON.stringify(error));
      assert.equal(error.channel, channel);
      if (status !== undefined) assert.equal(error.status, status, JSON.stringify(error));
      else assert.equal(typeof error.status, 'number', `a status for ${faultName}: ${JSON.stringify(error)}`);
      assert.ok(error.message.length > 20, `an actionable message: ${error.message}`);
      await othersStillReceive(page);
      assert.deepEqual(await page.evaluate(() => window.errors), [], 'no error on the other channels');

      if (transient) {
        // times: 1 -> the automatic retry gets a good answer.
        await waitForSubscribed(page, channel, 10000);
        // (a `slow` answer is logged when it is finally sent, after the retry's)
        await eventually(async () => (await authCount(channel)) >= 2, 'both attempts in the auth log', 5000);
        assert.equal(await authCount(channel), 2, 'one failed attempt, one automatic retry');
      } else {
        await sleep(QUIET_MS);
        assert.equal(await state(page, channel), 'failed');
        assert.equal(await authCount(channel), 1, 'not retried by itself');
        await page.evaluate(() => window.target.subscribe());
        await waitForSubscribed(page, channel);
        assert.equal(await authCount(channel), 2, 'retried once by subscribe()');
      }
      assert.equal((await targetErrors(page)).length, 1, 'one error reported');
      await othersStillReceive(page);
    } finally {
      await page.context().close();
    }
  });
}

test('fault 403 is retried on the next reconnect (connection dropped), without app action', async () => {
  const channel = 'private-tenant.1.fault-403-reconnect';
  const page = await setup();
  try {
    await fault(channel, '403', { times: 1 });
    await subscribeTarget(page, channel);
    assert.equal((await firstError(page)).code, 'auth_forbidden');
    await sleep(QUIET_MS);
    assert.equal(await authCount(channel), 1);
    const before = await page.evaluate(() => window.echo.socketId());
    proxy.cut();
    await eventually(async () => (await page.evaluate(() => window.echo.socketId())) !== before && (await state(page, channel)) === 'subscribed', 'resubscribed on the new connection', 15000);
    const log = (await authLog()).filter((e) => e.channel === channel);
    assert.equal(log.length, 2);
    assert.equal(log[1].socket_id, await page.evaluate(() => window.echo.socketId()), 'authorized for the new socket id');
    await othersStillReceive(page);
  } finally {
    await page.context().close();
  }
});

test('a persistent 500 is retried with backoff: more than once, never in a hot loop', async () => {
  const channel = 'private-tenant.1.fault-500-persistent';
  const page = await setup();
  try {
    await fault(channel, '500');
    await subscribeTarget(page, channel);
    await firstError(page);
    await sleep(3000);
    const attempts = await authCount(channel);
    assert.ok(attempts >= 3, `retried: ${attempts} attempts in ~3 s`);
    assert.ok(attempts <= 40, `backoff, not a hot loop: ${attempts} attempts in ~3 s`);
    const times = (await authLog()).filter((e) => e.channel === channel).map((e) => Date.parse(e.at));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps.every((g) => g <= RECONNECT.maxMs + 500), `each retry within the bound: ${gaps}`);
    await othersStillReceive(page);
    await fault(channel, 'none');
    await waitForSubscribed(page, channel, 10000);
  } finally {
    await page.context().close();
  }
});

test('network error (authEndpoint on a dead port): auth_network, retried by itself once the endpoint is back', async () => {
  // The auth endpoint is a TCP forwarder to the backend on its own port: alive while the other
  // channels subscribe, dead (nothing listening) for the target, then alive again.
  const port = await freePort();
  let forwarder = await startProxy(backendPort, { port });
  const channel = 'private-tenant.1.fault-network';
  const page = await setup({ authEndpoint: `http://127.0.0.1:${port}/broadcasting/auth` });
  try {
    await forwarder.stop();
    await subscribeTarget(page, channel);
    const error = await firstError(page);
    assert.equal(error.code, 'auth_network', JSON.stringify(error));
    assert.equal(error.status, null);
    assert.match(error.message, /backend|network|CORS/i);
    await othersStillReceive(page);
    assert.equal(await authCount(channel), 0, 'nothing reached the backend');
    await sleep(1000); // a few failed retries against the dead port
    assert.notEqual(await state(page, channel), 'subscribed');
    forwarder = await startProxy(backendPort, { port });
    await waitForSubscribed(page, channel, 10000);
    assert.equal(await authCount(channel), 1, 'the retry reached the backend once');
    await othersStillReceive(page);
  } finally {
    await page.context().close();
    await forwarder.stop();
  }
});

for (const status of ['401', '419']) {
  test(`headersProvider is called once more after a ${status}, then the retry succeeds`, async () => {
    const channel = `private-tenant.1.fault-provider-${status}`;
    const page = await setup({ headersProvider: true, bearerToken: null });
    try {
      const callsBefore = await page.evaluate(() => window.providerCalls);
      await fault(channel, status, { times: 1 });
      await subscribeTarget(page, channel);
      await waitForSubscribed(page, channel);
      assert.equal(await page.evaluate(() => window.providerCalls) - callsBefore, 2, 'called for the request and once more after the refusal');
      assert.deepEqual((await authLog()).filter((e) => e.channel === channel).map((e) => e.status), [Number(status), 200]);
      assert.deepEqual(await targetErrors(page), [], 'recovered without an error');
    } finally {
      await page.context().close();
    }
  });

  test(`headersProvider after a persistent ${status}: exactly one fresh-headers retry, then an error and no more`, async () => {
    const channel = `private-tenant.1.fault-provider-persistent-${status}`;
    const page = await setup({ headersProvider: true, bearerToken: null });
    try {
      const callsBefore = await page.evaluate(() => window.providerCalls);
      await fault(channel, status);
      await subscribeTarget(page, channel);
      const error = await firstError(page);
      assert.equal(error.status, Number(status));
      await sleep(QUIET_MS);
      assert.equal(await page.evaluate(() => window.providerCalls) - callsBefore, 2);
      assert.equal(await authCount(channel), 2, 'the request and one retry with fresh headers');
      assert.equal((await targetErrors(page)).length, 1);
      await othersStillReceive(page);
    } finally {
      await page.context().close();
    }
  });
}

