// One test per diagnostic, driven by real conditions: a wrong key against Sockudo, a port
// with no server, the backend's fault switch, a signature made with the wrong secret, a
// server with client events disabled.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, fault, reset, logged, eventually, waitForSubscribed, startPrivateSockudo, env } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

async function connectionError(options, want) {
  const page = await openPage(browser);
  await page.evaluate((o) => {
    window.echo = window.makeEcho({ ...o, reconnect: { baseMs: 200, maxMs: 400 } });
    window.echo.connector.onError(window.record('error'));
  }, options);
  const errors = await eventually(async () => {
    const all = (await logged(page, 'error')).map(([e]) => e);
    return all.some((e) => e.code === want) && all;
  }, `error ${want}`);
  await page.context().close();
  return errors.find((e) => e.code === want);
}

test('wrong app key against Sockudo names REVERB_APP_KEY / VITE_REVERB_APP_KEY', async () => {
  const error = await connectionError({ key: 'wrong-key' }, 'handshake_closed');
  assert.match(error.message, /wrong-key/);
  assert.match(error.message, /VITE_REVERB_APP_KEY/);
});

test('a port with no server: check the server is running at host:port and the firewall', async () => {
  const error = await connectionError({ wsPort: 9 }, 'server_unreachable');
  assert.match(error.message, /ws:\/\/127\.0\.0\.1:9/);
  assert.match(error.message, /running/);
  assert.match(error.message, /firewall/);
});

const channelCases = [
  ['401', '401', 'auth_unauthenticated', 401, /not logged in|token expired/],
  ['403', '403', 'auth_forbidden', 403, /routes\/channels\.php/],
  ['419', '419', 'auth_csrf', 419, /CSRF/],
  ['500', '500', 'auth_server_error', 500, /laravel\.log/],
  ['200 with HTML', 'html', 'auth_invalid_response', 200, /not the broadcaster's JSON/],
  ['200 with invalid JSON', 'invalid-json', 'auth_invalid_response', 200, /not JSON|not the broadcaster/],
  ['200 without auth', 'missing-auth', 'auth_invalid_response', 200, /auth/],
];
for (const [name, faultName, code, status, message] of channelCases) {
  test(`auth ${name} -> ${code}`, async () => {
    await fault('private-tenant.1.inventory', faultName);
    const page = await openPage(browser);
    await page.evaluate(() => {
      window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
      window.echo.private('tenant.1.inventory').error(window.record('error'));
    });
    const [[error]] = await eventually(async () => (await logged(page, 'error')).length && logged(page, 'error'), 'error');
    assert.equal(error.code, code);
    assert.equal(error.status, status);
    assert.equal(error.type, 'AuthError');
    assert.match(error.message, message);
    const diag = await page.evaluate(() => window.echo.diagnose());
    const ch = diag.channels.find((c) => c.name === 'private-tenant.1.inventory');
    assert.equal(ch.state, 'failed');
    assert.equal(ch.error.code, code);
    await page.context().close();
  });
}

test('a wrong authEndpoint (404) and an unreachable endpoint (network) are told apart', async () => {
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1', authEndpoint: '/broadcasting/nope' });
    window.echo.private('tenant.1.inventory').error(window.record('e404'));
    window.other = window.makeEcho({ bearerToken: 'token-user-1', authEndpoint: 'http://127.0.0.1:9/broadcasting/auth' });
    window.other.private('tenant.1.inventory').error(window.record('enet'));
  });
  const [[e404]] = await eventually(async () => (await logged(page, 'e404')).length && logged(page, 'e404'), '404');
  assert.equal(e404.code, 'auth_not_found');
  assert.match(e404.message, /authEndpoint/);
  const [[enet]] = await eventually(async () => (await logged(page, 'enet')).length && logged(page, 'enet'), 'network');
  assert.equal(enet.code, 'auth_network');
  await page.context().close();
});

test('an endpoint slower than authTimeout -> auth_timeout', async () => {
  await fault('private-tenant.1.inventory', 'slow', { ms: 5000 });
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1', authTimeout: 1000 });
    window.echo.private('tenant.1.inventory').error(window.record('error'));
  });
  const [[error]] = await eventually(async () => (await logged(page, 'error')).length && logged(page, 'error'), 'timeout');
  assert.equal(error.code, 'auth_timeout');
  await page.context().close();
});

test('a signature made with the wrong secret -> signature_rejected naming the app secret', async () => {
  await fault('private-tenant.1.inventory', 'wrong-secret');
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
    window.echo.private('tenant.1.inventory').error(window.record('error'));
    window.echo.channel('tenant.1.public').listen('.x', () => {});
  });
  const [[error]] = await eventually(async () => (await logged(page, 'error')).length && logged(page, 'error'), 'rejection');
  assert.equal(error.code, 'signature_rejected');
  assert.match(error.message, /app secret/);
  await waitForSubscribed(page, 'tenant.1.public');
  assert.equal(await page.evaluate(() => window.echo.connectionStatus()), 'connected', 'the connection is unaffected');
  await page.context().close();
});

test('client events disabled on the server -> client_event_rejected', async () => {
  const server = await startPrivateSockudo({ SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'false' });
  try {
    const page = await openPage(browser);
    await page.evaluate((port) => {
      window.echo = window.makeEcho({ bearerToken: 'token-user-1', wsPort: port });
      window.echo.connector.onError(window.record('error'));
      // Subscribed here: the old waitForSubscribed created the channel itself (issue 12, 13a).
      window.chat = window.echo.private('tenant.1.chat');
    }, server.port);
    await waitForSubscribed(page, 'private-tenant.1.chat');
    await page.evaluate(() => window.chat.whisper('typing', { a: 1 }));
    const [[error]] = await eventually(async () => (await logged(page, 'error')).length && logged(page, 'error'), 'server refusal');
    assert.equal(error.code, 'client_event_rejected', JSON.stringify(error));
    assert.match(error.message, /client event/i);
    await page.context().close();
  } finally {
    await server.stop();
  }
});

test('diagnose() reports state, channels and errors, and contains no secret', async () => {
  await fault('private-tenant.1.stock-alerts', '403');
  const page = await openPage(browser);
  await page.evaluate(() => {
    window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
    window.echo.channel('tenant.1.inventory');
    window.echo.private('tenant.1.stock-alerts');
    window.echo.join('tenant.1.online');
  });
  await waitForSubscribed(page, 'tenant.1.inventory');
  await waitForSubscribed(page, 'presence-tenant.1.online');
  const d = await eventually(async () => {
    const d = await page.evaluate(() => window.echo.diagnose());
    return d.channels.some((c) => c.state === 'failed') && d;
  }, 'a failed channel');
  assert.equal(d.status, 'connected');
  assert.match(d.socketId, /^\d+\.\d+$/);
  assert.match(d.url, new RegExp(`^ws://127\\.0\\.0\\.1:${env.port}/app/${env.key}\\?protocol=${env.recovery ? 2 : 7}&`)); // 2: the pkg-browser-p2 run
  assert.equal(typeof d.serverActivityTimeout, 'number');
  assert.deepEqual(d.channels.map((c) => [c.name, c.state]), [
    ['presence-tenant.1.online', 'subscribed'],
    ['private-tenant.1.stock-alerts', 'failed'],
    ['tenant.1.inventory', 'subscribed'],
  ]);
  assert.equal(d.channels[0].members, 1);
  assert.equal(d.channels[1].error.status, 403);
  assert.ok(d.lastErrors.some((e) => e.code === 'auth_forbidden' && e.channel === 'private-tenant.1.stock-alerts'));
  const text = JSON.stringify(d);
  assert.ok(!text.includes(process.env.ECHO_TEST_APP_SECRET), 'no app secret');
  assert.ok(!text.includes(process.env.ECHO_TEST_MASTER_KEY_BASE64), 'no master key');
  await page.context().close();
});
