// A hostile WebSocket server (issue 12): a small Pusher protocol 7 server of this test's own
// (the `ws` package) says connection_established and subscription_succeeded like Sockudo, then
// sends plaintext, malformed, oversized, binary and misaddressed frames on every channel kind
// (public, private, presence, private-encrypted). Authorization goes through the real backend
// (its shared_secret = sha256(channel name + master key), which this test recomputes to seal
// the one valid encrypted event). The page registers listen, listenToAll and listenForWhisper
// on each channel and records every delivery.
// Asserts: nothing unencrypted (or sealed under another key) is delivered on the encrypted
// channel, only the one event sealed with its key; the client stays alive (a valid public
// event sent after the storm is delivered and it is still connected); no uncaught page error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { WebSocketServer } from 'ws';
import nacl from 'tweetnacl';
import { launch, openPage, eventually, sleep, freePort, onCleanup, APP } from './lib.mjs';

const CH = {
  public: 'hostile.public',
  private: 'private-tenant.1.hostile',
  presence: 'presence-tenant.1.hostile',
  encrypted: 'private-encrypted-tenant.1.hostile',
};
const PLAIN_NAMES = ['x', 'client-x', 'pusherish', 'pusher:foo'];
const MB = 1024 * 1024;

const sharedSecret = (channel) => crypto.createHash('sha256')
  .update(Buffer.concat([Buffer.from(channel), Buffer.from(APP.masterKey, 'base64')])).digest();
function seal(payload, key, nonce = crypto.randomBytes(24)) {
  const box = nacl.secretbox(Buffer.from(JSON.stringify(payload)), nonce, key);
  return { ciphertext: Buffer.from(box).toString('base64'), nonce: Buffer.from(nonce).toString('base64') };
}

/** Every frame of the storm for one channel: [label, payload, binary?]. */
function stormFor(kind, channel) {
  const frame = (event, data, extra = {}) => JSON.stringify({ event, channel, data, ...extra });
  const out = [];
  for (const name of PLAIN_NAMES) {
    out.push([`plaintext ${name} (string data)`, frame(name, JSON.stringify({ plain: name }))]);
    out.push([`plaintext ${name} (object data)`, frame(name, { plain: name })]);
  }
  out.push(['plaintext client-x with user_id', frame('client-x', JSON.stringify({ plain: 'whisper' }), { user_id: '2' })]);
  for (const [label, text] of [
    ['malformed JSON', '{nope'], ['truncated JSON', `{"event":"x","channel":${JSON.stringify(channel)},"data":`],
    ['array frame', '[]'], ['string frame', '"x"'], ['number frame', '42'], ['null frame', 'null'], ['empty object', '{}'],
    ['empty text', ''], ['event not a string', JSON.stringify({ event: 5, channel, data: '{}' })],
    ['channel not a string', JSON.stringify({ event: 'x', channel: 7, data: '{}' })],
    ['data not JSON', frame('x', '{not json')], ['data a number', frame('x', 5)], ['data null', frame('x', null)],
    ['data an array', frame('x', [1, 2])], ['data a JSON string', frame('x', '"just a string"')],
    ['nested 100k deep', `{"event":"x","channel":${JSON.stringify(channel)},"data":${'['.repeat(100000)}${']'.repeat(100000)}}`],
    ['huge 2 MB event', frame('x', JSON.stringify({ blob: 'a'.repeat(2 * MB) }))],
    ['huge 4 MB garbage', 'x'.repeat(4 * MB)],
    ['event for an unsubscribed channel', JSON.stringify({ event: 'x', channel: 'never-subscribed', data: '{}' })],
    ['event for an unsubscribed encrypted channel', JSON.stringify({ event: 'x', channel: 'private-encrypted-tenant.1.other', data: '{}' })],
  ]) out.push([label, text]);
  out.push(['binary frame (JSON)', Buffer.from(frame('x', JSON.stringify({ plain: 'binary' }))), true]);
  out.push(['binary frame (random)', crypto.randomBytes(4096), true]);
  if (kind === 'encrypted') {
    const key = sharedSecret(channel);
    // Everything sealed with the channel's key carries RIGHTKEY; only that may be delivered.
    const sealed = seal({ hidden: 'RIGHTKEY object data' }, key);
    out.push(['bad base64', frame('x', JSON.stringify({ ciphertext: '!!!not base64!!!', nonce: '***' }))]);
    out.push(['wrong nonce length', frame('x', JSON.stringify({ ciphertext: sealed.ciphertext, nonce: crypto.randomBytes(10).toString('base64') }))]);
    out.push(['missing nonce', frame('x', JSON.stringify({ ciphertext: sealed.ciphertext }))]);
    out.push(['sealed object data (not a string)', frame('x', sealed)]);
    for (const name of PLAIN_NAMES) {
      out.push([`${name} sealed under a wrong key`, frame(name, JSON.stringify(seal({ wrongKey: name }, crypto.randomBytes(32))))]);
    }
    out.push(['sealed, but the plaintext is no JSON', frame('x', JSON.stringify((() => {
      const nonce = crypto.randomBytes(24);
      return { ciphertext: Buffer.from(nacl.secretbox(Buffer.from('RIGHTKEY, not json'), nonce, key)).toString('base64'), nonce: nonce.toString('base64') };
    })()))]);
    // The one valid event: sealed with the channel's key. It must be delivered.
    out.push(['valid sealed event', frame('sealed', JSON.stringify(seal({ ok: 'RIGHTKEY' }, key)))]);
  }
  return out;
}

let wss, port, browser;
const server = { connections: 0, subscribes: [], sent: 0, alives: 0, stormSent: false };

before(async () => {
  assert.ok(APP.masterKey, 'ECHO_TEST_MASTER_KEY_BASE64 not set: run through scripts/test');
  port = await freePort();
  wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 1 * MB });
  onCleanup(() => wss.close());
  wss.on('connection', (ws) => {
    server.connections += 1;
    const subscribed = new Set();
    const sendAlive = () => {
      server.alives += 1;
      ws.send(JSON.stringify({ event: 'alive', channel: CH.public, data: JSON.stringify({ n: server.alives }) }));
    };
    ws.send(JSON.stringify({ event: 'pusher:connection_established',
      data: JSON.stringify({ socket_id: `${1000 + server.connections}.4242`, activity_timeout: 120 }) }));
    ws.on('message', (raw) => {
      let f;
      try { f = JSON.parse(String(raw)); } catch { return; }
      if (f.event === 'pusher:ping') return ws.send(JSON.stringify({ event: 'pusher:pong', data: '{}' }));
      if (f.event !== 'pusher:subscribe') return;
      const channel = f.data?.channel;
      server.subscribes.push({ channel, auth: typeof f.data?.auth === 'string' });
      const data = channel.startsWith('presence-')
        ? { presence: { count: 1, ids: ['1'], hash: { 1: { id: 1, name: 'Ada Lovelace' } } } } : {};
      ws.send(JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel, data: JSON.stringify(data) }));
      subscribed.add(channel);
      if (!Object.values(CH).every((c) => subscribed.has(c)) || subscribed.done) return;
      subscribed.done = true;
      if (!server.stormSent) {
        server.stormSent = true;
        for (const [kind, ch] of Object.entries(CH)) {
          for (const [, payload, binary] of stormFor(kind, ch)) {
            if (ws.readyState !== ws.OPEN) break;
            ws.send(payload, { binary: !!binary });
            server.sent += 1;
          }
        }
      }
      if (ws.readyState === ws.OPEN) sendAlive();
    });
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await new Promise((r) => wss ? wss.close(r) : r());
});

test('hostile server: nothing unencrypted on the encrypted channel, the client stays alive', { timeout: 120000 }, async () => {
  const page = await openPage(browser);
  try {
    await page.evaluate(({ port, CH, names }) => {
      window.got = [];
      const brief = (d) => {
        let s;
        try { s = JSON.stringify(d); } catch { s = String(d); }
        return s === undefined ? String(d) : (s.length > 80 ? `${s.slice(0, 80)}...(${s.length})` : s);
      };
      window.echo = window.makeEcho({ bearerToken: 'token-user-1', wsPort: port });
      const handles = {
        public: window.echo.channel(CH.public),
        private: window.echo.private(CH.private.slice('private-'.length)),
        presence: window.echo.join(CH.presence.slice('presence-'.length)),
        encrypted: window.echo.encryptedPrivate(CH.encrypted.slice('private-encrypted-'.length)),
      };
      window.handles = handles;
      for (const [kind, ch] of Object.entries(handles)) {
        for (const n of [...names, 'sealed', 'alive']) ch.listen(`.${n}`, (d) => window.got.push({ kind, via: `listen .${n}`, data: brief(d) }));
        ch.listenToAll((e, d) => window.got.push({ kind, via: `listenToAll ${e}`, data: brief(d) }));
        // Encrypted channels have no whispers in the types; register wherever the method exists.
        if (typeof ch.listenForWhisper !== 'function') { window.noWhisper = [...(window.noWhisper || []), kind]; continue; }
        for (const n of ['x', 'foo']) ch.listenForWhisper(n, (d) => window.got.push({ kind, via: `listenForWhisper ${n}`, data: brief(d) }));
      }
    }, { port, CH, names: PLAIN_NAMES });

    // The storm is sent once all four are subscribed; `alive` (public) follows it on the same
    // socket, so once it is delivered every earlier frame has been processed.
    await eventually(async () => (await page.evaluate(() => window.got)).some((g) => g.kind === 'public' && g.via === 'listen .alive'),
      'the valid public event sent after the storm', 60000);
    await sleep(500);
    const got = await page.evaluate(() => window.got);
    const status = await page.evaluate(() => window.echo.connectionStatus());
    const byKind = {};
    for (const g of got) (byKind[g.kind] ??= []).push(`${g.via} ${g.data}`);
    console.log(`hostile server: ${server.connections} connection(s), ${server.sent} storm frames, subscribes ${JSON.stringify(server.subscribes.map((s) => s.channel))}, no listenForWhisper on ${JSON.stringify(await page.evaluate(() => window.noWhisper || []))}`);
    for (const [kind, list] of Object.entries(byKind)) console.log(`delivered on ${kind} (${list.length}):\n  ${list.join('\n  ')}`);

    // Alive: still connected (on the same socket or back after a reconnect), no page error.
    assert.ok(got.some((g) => g.kind === 'public' && g.via === 'listen .x'), 'public plaintext x delivered');
    assert.equal(status, 'connected');
    assert.deepEqual(page.errors, [], 'uncaught page errors');
    // Encrypted: the event sealed with its key arrives (listen and listenToAll) ...
    const enc = got.filter((g) => g.kind === 'encrypted');
    assert.ok(enc.some((g) => g.via === 'listen .sealed' && g.data === '{"ok":"RIGHTKEY"}'), `valid sealed event delivered: ${JSON.stringify(enc)}`);
    assert.ok(enc.some((g) => g.via === 'listenToAll .sealed' && g.data === '{"ok":"RIGHTKEY"}'), 'valid sealed event via listenToAll');
    // ... and nothing that was not sealed with its key: no plaintext, no raw or wrong-key
    // ciphertext, through listen, listenToAll or listenForWhisper, whatever the event name
    // (`client-x`, `pusherish`, or an unknown `pusher:foo`: the engine handles the protocol
    // events it knows itself; every other event on an encrypted channel opens with the key).
    const leaked = enc.filter((g) => !g.data.includes('RIGHTKEY'));
    assert.deepEqual(leaked, [], 'unencrypted (or wrongly sealed) events delivered on the encrypted channel');
    assert.deepEqual(enc.filter((g) => g.via.startsWith('listenToAll') && g.via.includes('pusher:')), [], 'protocol events via listenToAll');
  } finally {
    await page.context().close();
  }
});
