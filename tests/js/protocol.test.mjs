// Which protocol this run of the suite speaks (issue #16): suite pkg-browser runs every file here on
// Pusher protocol 7, suite pkg-browser-p2 (ECHO_TEST_CONNECTION_RECOVERY=1) runs them again with
// `connectionRecovery: true` on every Echo the pages build. This file checks the switch took
// effect on the wire: the socket URL's `protocol` and the handshake frame's prefix, read from
// Chromium's own record of the WebSocket, not from the client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, eventually, waitForSubscribed, trigger, env } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test(`this run speaks protocol ${env.recovery ? '2 (connectionRecovery on)' : '7'} on the wire, and an event arrives`, async () => {
  const page = await openPage(browser);
  const sockets = [];
  page.on('websocket', (ws) => {
    const s = { url: ws.url(), received: [] };
    sockets.push(s);
    ws.on('framereceived', (f) => s.received.push(String(f.payload)));
  });
  await page.evaluate(() => {
    window.got = [];
    window.echo = window.makeEcho();
    window.echo.channel('protocol-check').listen('.ping', (d) => window.got.push(d));
  });
  await waitForSubscribed(page, 'protocol-check');
  await trigger('protocol-check', 'ping', { n: 1 });
  await eventually(() => page.evaluate(() => window.got.length === 1), 'the event');
  assert.equal(sockets.length, 1, 'one socket');
  const url = new URL(sockets[0].url);
  assert.equal(url.searchParams.get('protocol'), env.recovery ? '2' : '7', `protocol in ${sockets[0].url}`);
  const handshake = JSON.parse(sockets[0].received[0]);
  assert.match(handshake.event, env.recovery ? /^sockudo:connection_established$/ : /^pusher:connection_established$/);
  await page.context().close();
});
