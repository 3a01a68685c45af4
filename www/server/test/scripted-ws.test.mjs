// The test-only additions the browser tests (tests/web_*.rs) lean on: the scripted WebSocket
// endpoint and its log, and the auth log's `params` and X-Echo-Test header (harness must run).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { BACKEND, post, get, bearer, testApi, unique, sleep } from '../testing.mjs';

after(() => testApi('reset', {}));

const wsUrl = (tag, script) => `${BACKEND.replace(/^http/, 'ws')}/test/ws/${tag}/${script}/app/echo-test-key?protocol=7`;
const logOf = async (tag) => (await get(`/test/ws-log?tag=${tag}`)).body;
async function until(what, cond, ms = 3000) {
  for (let waited = 0; !(await cond()); waited += 20) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
function open(tag, script) {
  const ws = new WebSocket(wsUrl(tag, script));
  const frames = [];
  ws.on('message', (raw, binary) => frames.push(binary ? { binary: true } : JSON.parse(raw.toString())));
  const closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  return { ws, frames, closed };
}

test('close-<code> handshakes, then closes with that code; the log has open and close', async () => {
  const tag = unique('close');
  const c = open(tag, 'close-4200');
  assert.equal(await c.closed, 4200);
  assert.equal(c.frames[0].event, 'pusher:connection_established');
  assert.equal(JSON.parse(c.frames[0].data).activity_timeout, 120);
  await until('the close in the log', async () => (await logOf(tag)).some((e) => e.type === 'close'));
  const log = await logOf(tag);
  assert.deepEqual(log.map((e) => e.type), ['open', 'close']);
  assert.equal(log[1].code, 4200);
});

test('live-<s> answers pings and logs the frames it gets; mute-<s> answers nothing', async () => {
  for (const [script, pongs] of [['live-7', 1], ['mute-7', 0]]) {
    const tag = unique(script);
    const c = open(tag, script);
    await until('established', async () => c.frames.length === 1);
    assert.equal(JSON.parse(c.frames[0].data).activity_timeout, 7);
    c.ws.send(JSON.stringify({ event: 'pusher:ping', data: {} }));
    await until('the ping in the log', async () => (await logOf(tag)).some((e) => e.event === 'pusher:ping'));
    await sleep(100);
    assert.equal(c.frames.filter((f) => f.event === 'pusher:pong').length, pongs, script);
    c.ws.close(1000);
    assert.equal(await c.closed, 1000);
  }
});

test('ping, binary and garbage send what they say', async () => {
  const expect = { ping: (f) => f.event === 'pusher:ping', binary: (f) => f.binary === true, garbage: null };
  for (const script of Object.keys(expect)) {
    const tag = unique(script);
    const ws = new WebSocket(wsUrl(tag, script));
    const texts = [];
    ws.on('message', (raw, binary) => texts.push(binary ? { binary: true } : raw.toString()));
    await until(`${script}: two frames`, async () => texts.length === 2);
    const second = texts[1];
    if (script === 'garbage') assert.throws(() => JSON.parse(second));
    else assert.ok(expect[script](typeof second === 'string' ? JSON.parse(second) : second), script);
    ws.close();
  }
});

test('an unknown script or path gets no WebSocket', async () => {
  const ws = new WebSocket(`${BACKEND.replace(/^http/, 'ws')}/test/ws/x/explode/app/k`);
  const result = await new Promise((resolve) => { ws.on('open', () => resolve('open')); ws.on('error', () => resolve('error')); });
  assert.equal(result, 'error');
});

test('the auth log records auth.params and the X-Echo-Test header; CORS allows it', async () => {
  const channel = unique('private-tenant.1.params');
  const r = await post('/broadcasting/auth', { socket_id: '1.2', channel_name: channel, team: 'blue', n: '3' },
    { headers: { ...bearer(1), 'X-Echo-Test': 'hello' } });
  assert.equal(r.status, 200);
  const entry = (await get('/test/auth-log')).body.find((e) => e.channel === channel);
  assert.deepEqual(entry.params, { team: 'blue', n: '3' });
  assert.equal(entry.headers['x-echo-test'], 'hello');
  const pre = await fetch(BACKEND + '/broadcasting/auth', { method: 'OPTIONS',
    headers: { Origin: 'http://127.0.0.1:1234', 'Access-Control-Request-Method': 'POST' } });
  assert.match(pre.headers.get('access-control-allow-headers'), /X-Echo-Test/);
});

test('a close code a server may not send is no script: refused, and the backend stays up', async () => {
  for (const script of ['close-1005', 'close-1006', 'close-0000', 'close-9999']) {
    const tag = unique('badclose');
    const c = open(tag, script);
    c.ws.on('error', () => {});
    await c.closed;
    assert.deepEqual(c.frames, [], `${script}: no handshake, the upgrade was refused`);
    assert.deepEqual(await logOf(tag), [], `${script} opened nothing`);
  }
  assert.equal((await get('/health')).status, 200, 'the backend is still up');
});
