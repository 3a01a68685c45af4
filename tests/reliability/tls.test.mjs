// TLS (issue #8): a self-signed certificate for 127.0.0.1/localhost made at test time (openssl),
// a private Sockudo with SSL_ENABLED/SSL_CERT_PATH/SSL_KEY_PATH, echo-wasm with `forceTLS: true`
// and `wssPort` in a Chromium context that trusts the certificate (test-only:
// `ignoreHTTPSErrors`), and an event triggered through Sockudo's HTTPS API with the `pusher` SDK
// (`useTLS: true`, an https.Agent that accepts this one certificate as its CA).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import fs from 'node:fs';
import { launch, env, eventually, waitForSubscribed, startSockudo, selfSignedCert, serverSdk, trigger } from './lib.mjs';

let browser;
let server;
let cert;
before(async () => {
  cert = selfSignedCert();
  server = await startSockudo({ SSL_ENABLED: 'true', SSL_CERT_PATH: cert.cert, SSL_KEY_PATH: cert.key, SSL_REDIRECT_HTTP: 'false' }, { scheme: 'https' });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (cert) fs.rmSync(cert.dir, { recursive: true, force: true });
});

/** A page in a context that accepts the self-signed certificate. */
async function tlsPage() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.sockets = [];
  page.on('websocket', (ws) => page.sockets.push(ws.url()));
  await page.goto(`${env.backend}/pages/echo.html?key=${env.key}&port=${env.port}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}

test('wss:// with forceTLS + wssPort: subscribe (public, private, encrypted) and receive an event sent over HTTPS', async () => {
  const page = await tlsPage();
  try {
    await page.evaluate((port) => {
      window.got = [];
      // wsPort points at nothing: forceTLS must make the client use wssPort.
      window.echo = window.makeEcho({ bearerToken: 'token-user-1', forceTLS: true, wsPort: 9, wssPort: port });
      window.echo.channel('tenant.1.tls').listen('.hello', (d) => window.got.push(['public', d]));
      window.echo.private('tenant.1.tls').listen('.hello', (d) => window.got.push(['private', d]));
      window.echo.encryptedPrivate('tenant.1.tls').listen('.hello', (d) => window.got.push(['encrypted', d]));
    }, server.port);
    await waitForSubscribed(page, 'tenant.1.tls', 15000);
    await waitForSubscribed(page, 'private-tenant.1.tls', 15000);
    await waitForSubscribed(page, 'private-encrypted-tenant.1.tls', 15000);
    const diag = await page.evaluate(() => window.echo.diagnose());
    assert.match(diag.url, new RegExp(`^wss://127\\.0\\.0\\.1:${server.port}/app/${env.key}\\?protocol=7`));
    assert.deepEqual(page.sockets, [diag.url], 'one socket, over TLS');

    // The server SDK over HTTPS, trusting exactly this certificate.
    const agent = new https.Agent({ ca: fs.readFileSync(cert.cert), keepAlive: false });
    const sdk = serverSdk({ port: server.port, useTLS: true, agent });
    const res = await sdk.trigger(['tenant.1.tls', 'private-tenant.1.tls'], 'hello', { over: 'https' });
    assert.equal(res.status, 200);
    // Encrypted channels take one channel per trigger (the SDK encrypts with the master key).
    assert.equal((await sdk.trigger('private-encrypted-tenant.1.tls', 'hello', { over: 'https', sealed: true })).status, 200);
    await eventually(async () => (await page.evaluate(() => window.got)).length === 3, 'the event on all three channels');
    assert.deepEqual((await page.evaluate(() => window.got)).sort(), [
      ['encrypted', { over: 'https', sealed: true }], ['private', { over: 'https' }], ['public', { over: 'https' }],
    ]);

    // Plain HTTP to the TLS port is refused by the server (the API really is HTTPS-only).
    await assert.rejects(serverSdk({ port: server.port, useTLS: false, timeout: 2000 }).trigger('tenant.1.tls', 'hello', {}));
  } finally {
    await page.context().close();
  }
});

test('the certificate is really checked: without trusting it the connection fails (server_unreachable)', async () => {
  const context = await browser.newContext(); // no ignoreHTTPSErrors
  const page = await context.newPage();
  try {
    await page.goto(`${env.backend}/pages/echo.html?key=${env.key}&port=${env.port}`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
    await page.evaluate((port) => {
      window.errors = [];
      window.echo = window.makeEcho({ forceTLS: true, wssPort: port, reconnect: { baseMs: 300, maxMs: 600 } });
      window.echo.connector.onError((e) => window.errors.push(e.code));
      window.echo.channel('tenant.1.tls');
    }, server.port);
    await eventually(async () => (await page.evaluate(() => window.errors)).includes('server_unreachable'), 'server_unreachable');
    assert.notEqual(await page.evaluate(() => window.echo.connectionStatus()), 'connected');
  } finally {
    await context.close();
  }
});

test('control: the same page setup without TLS uses ws:// against the harness Sockudo', async () => {
  // A control on the same page setup: the non-TLS harness server with forceTLS: false.
  const page = await tlsPage();
  try {
    await page.evaluate(() => {
      window.got = [];
      window.echo = window.makeEcho({});
      window.echo.channel('tenant.1.tls-plain').listen('.hello', (d) => window.got.push(d));
    });
    await waitForSubscribed(page, 'tenant.1.tls-plain');
    await trigger('tenant.1.tls-plain', 'hello', { over: 'http' });
    await eventually(async () => (await page.evaluate(() => window.got)).length === 1, 'the plain event');
    assert.match(page.sockets[0], /^ws:\/\//);
  } finally {
    await page.context().close();
  }
});
