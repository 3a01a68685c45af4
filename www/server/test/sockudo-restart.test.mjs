// The harness can crash Sockudo and bring it back on the same port (used by reconnect tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PusherConn, testApi } from '../testing.mjs';

test('POST /test/sockudo/restart: clients are dropped and can reconnect on the same port', async () => {
  const conn = await PusherConn.open();
  const r = await testApi('sockudo/restart', {});
  assert.equal(r.status, 200, r.text);
  const code = await conn.closed; // kill -9 drops the TCP connection (1006 abnormal closure)
  assert.equal(code, 1006);
  const again = await PusherConn.open();
  assert.match(again.socketId, /^\d+\.\d+$/);
  again.ws.terminate();
});

test('kill then start', async () => {
  assert.equal((await testApi('sockudo/kill', {})).status, 200);
  await assert.rejects(PusherConn.open());
  assert.equal((await testApi('sockudo/start', {})).status, 200);
  (await PusherConn.open()).ws.terminate();
});
