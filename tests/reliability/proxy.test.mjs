// The cut proxy's own tests (./proxy.mjs), on plain loopback TCP: a recording upstream server and
// raw client sockets, so each mode is checked on the wire before the browser tests rely on it.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy } from './proxy.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An upstream that records what each connection sent and how it ended; `send(i, s)` writes back. */
async function upstreamServer() {
  const conns = [];
  const server = net.createServer((s) => {
    const c = { socket: s, data: '', ended: null };
    conns.push(c);
    s.on('data', (d) => { c.data += d; });
    s.on('end', () => { c.ended ??= 'fin'; s.end(); });
    s.on('error', (e) => { c.ended ??= e.code; });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, conns, close: () => { for (const c of conns) c.socket.destroy(); server.close(); } };
}

function client(port) {
  const s = net.connect(port, '127.0.0.1');
  const c = { socket: s, data: '', ended: null };
  s.on('data', (d) => { c.data += d; });
  s.on('end', () => { c.ended ??= 'fin'; });
  s.on('error', (e) => { c.ended ??= e.code; });
  c.connected = new Promise((r) => s.once('connect', r));
  return c;
}

async function until(fn, what, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (fn()) return; await sleep(10); }
  assert.fail(`timed out waiting for ${what}`);
}

test('pass forwards both ways; reset() sends an RST to both sides', async () => {
  const up = await upstreamServer();
  const proxy = await startProxy(up.port);
  try {
    const c = client(proxy.port);
    await c.connected;
    c.socket.write('hello');
    await until(() => up.conns[0]?.data === 'hello', 'bytes upstream');
    up.conns[0].socket.write('world');
    await until(() => c.data === 'world', 'bytes back');
    assert.equal(proxy.open, 1);
    assert.equal(proxy.reset(), 1);
    await until(() => c.ended && up.conns[0].ended, 'both sides closed');
    assert.equal(c.ended, 'ECONNRESET', 'the client sees a reset, not a FIN');
    assert.equal(up.conns[0].ended, 'ECONNRESET', 'the server sees a reset, not a FIN');
    assert.equal(proxy.open, 0);
    const d = client(proxy.port); // new connections pass after a reset
    await d.connected;
    d.socket.write('again');
    await until(() => up.conns[1]?.data === 'again', 'a new connection forwarded');
    d.socket.destroy();
  } finally { await proxy.stop(); up.close(); }
});

test('blackhole() forwards nothing and closes nothing; restore() delivers what waited, in order', async () => {
  const up = await upstreamServer();
  const proxy = await startProxy(up.port);
  try {
    const c = client(proxy.port);
    await c.connected;
    c.socket.write('a');
    await until(() => up.conns[0]?.data === 'a', 'first bytes');
    assert.equal(proxy.blackhole(), 1);
    c.socket.write('b');
    up.conns[0].socket.write('x');
    // A connection opened during the blackhole is accepted, but nothing reaches the upstream.
    const late = client(proxy.port);
    await late.connected;
    late.socket.write('late');
    await sleep(400);
    assert.equal(up.conns[0].data, 'a', 'nothing forwarded upstream during the blackhole');
    assert.equal(c.data, '', 'nothing forwarded back during the blackhole');
    assert.equal(up.conns.length, 1, 'the new connection is not connected upstream');
    assert.equal(c.ended, null, 'the client side stays open');
    assert.equal(up.conns[0].ended, null, 'the server side stays open');
    assert.equal(late.ended, null, 'the held connection stays open');
    assert.equal(proxy.heldConnections, 1);
    c.socket.write('c');
    proxy.restore();
    await until(() => up.conns[0].data === 'abc' && c.data === 'x', 'held bytes delivered after restore');
    await until(() => up.conns[1]?.data === 'late', 'the held connection connected upstream after restore');
    up.conns[1].socket.write('ok');
    await until(() => late.data === 'ok', 'the held connection forwards back');
    // A FIN sent during a blackhole waits too, and is passed on after restore.
    proxy.blackhole();
    c.socket.end();
    await sleep(300);
    assert.equal(up.conns[0].ended, null, 'the FIN waits in the blackhole');
    proxy.restore();
    await until(() => up.conns[0].ended === 'fin', 'the FIN passed on after restore');
    late.socket.destroy();
  } finally { await proxy.stop(); up.close(); }
});

test('block(true) resets open connections and refuses new ones until block(false)', async () => {
  const up = await upstreamServer();
  const proxy = await startProxy(up.port);
  try {
    const c = client(proxy.port);
    await c.connected;
    c.socket.write('a');
    await until(() => up.conns[0]?.data === 'a', 'first bytes');
    proxy.block(true);
    await until(() => c.ended, 'the open connection reset');
    assert.equal(c.ended, 'ECONNRESET');
    const refused = client(proxy.port);
    await until(() => refused.ended, 'a new connection refused');
    assert.equal(up.conns.length, 1, 'nothing new reached the upstream');
    proxy.block(false);
    const d = client(proxy.port);
    await d.connected;
    d.socket.write('b');
    await until(() => up.conns[1]?.data === 'b', 'forwarded again after block(false)');
    d.socket.destroy();
  } finally { await proxy.stop(); up.close(); }
});
