// Benchmark page: one client per page (floor | reference | echo-wasm), driven by bench/run.mjs
// through page.evaluate. With ?fake=1 `window.WebSocket` is replaced by an in-page fake socket
// that the benchmark drives synchronously (handshake and subscription acks are answered by
// the fake on a 0 ms timer; events are injected by calling the client's onmessage directly).
const q = new URLSearchParams(location.search);
const CLIENT = q.get('client');
const KEY = q.get('key') || 'bench-key';
const PORT = Number(q.get('port') || 1);
const PKG = q.get('pkg') || '/pkg';
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- fake WebSocket
const fake = { sockets: 0, current: null, sent: 0, autoAck: true };
class FakeWebSocket {
  constructor(url) {
    this.url = url; this.readyState = 0; this.binaryType = 'blob'; this.bufferedAmount = 0;
    this.protocol = ''; this.extensions = '';
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
    this._l = {}; this._acks = []; this._ackTimer = 0;
    fake.sockets++; fake.current = this;
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this._emit('open', new Event('open'));
      this._recv(JSON.stringify({ event: 'pusher:connection_established', data: JSON.stringify({ socket_id: '1234.5678', activity_timeout: 120 }) }));
    }, 0);
  }
  addEventListener(t, f) { (this._l[t] ||= []).push(f); }
  removeEventListener(t, f) { const a = this._l[t]; if (a) { const i = a.indexOf(f); if (i >= 0) a.splice(i, 1); } }
  _emit(type, ev) {
    const h = this['on' + type]; if (h) h.call(this, ev);
    const a = this._l[type]; if (a) for (const f of a.slice()) f.call(this, ev);
  }
  _recv(str) { if (this.readyState === 1) this._emit('message', new MessageEvent('message', { data: str })); }
  /** The function the browser would call for a message: what the benchmark calls N times. */
  handler() { return this.onmessage || (this._l.message && this._l.message[0]); }
  send(str) {
    if (this.readyState !== 1) throw new DOMException('WebSocket is not open', 'InvalidStateError');
    fake.sent++;
    const m = JSON.parse(str);
    if (m.event === 'pusher:subscribe' && fake.autoAck) {
      this._acks.push(m.data.channel);
      if (!this._ackTimer) this._ackTimer = setTimeout(() => {
        this._ackTimer = 0;
        const acks = this._acks; this._acks = [];
        for (const ch of acks) this._recv(JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel: ch, data: '{}' }));
      }, 0);
    } else if (m.event === 'pusher:ping') {
      setTimeout(() => this._recv('{"event":"pusher:pong","data":"{}"}'), 0);
    }
  }
  close(code = 1000, reason = '') {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    clearTimeout(this._ackTimer);
    setTimeout(() => { this.readyState = 3; this._emit('close', new CloseEvent('close', { code, reason, wasClean: true })); }, 0);
  }
}
for (const [k, v] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })) { FakeWebSocket[k] = v; FakeWebSocket.prototype[k] = v; }
if (q.get('fake') === '1') window.WebSocket = FakeWebSocket;

// ---------------------------------------------------------------- floor client
// A bare WebSocket: JSON.parse of the frame, JSON.parse of a string `data`, one event/channel
// comparison, the callback. Protocol frames (handshake, acks, ping) take the slow path.
class Floor {
  constructor({ key, wsHost, wsPort }) {
    this.subs = new Map(); this.ev = null; this.ch = null; this.cb = null;
    this.url = `ws://${wsHost}:${wsPort}/app/${key}?protocol=7&client=floor&version=1`;
    this.connect();
  }
  disconnect() { this.ws.close(); this.state = 'disconnected'; for (const s of this.subs.values()) s.subscribed = false; }
  connect() {
    this.state = 'connecting';
    this.ws = new WebSocket(this.url);
    this.ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.event === this.ev && m.channel === this.ch) {
        this.cb(typeof m.data === 'string' ? JSON.parse(m.data) : m.data);
      } else this.protocol(m);
    };
    const ws = this.ws;
    ws.onclose = () => { if (this.ws === ws) this.state = 'disconnected'; };
  }
  protocol(m) {
    if (m.event === 'pusher:connection_established') {
      this.state = 'connected';
      for (const name of this.subs.keys()) this.sendSub(name);
    } else if (m.event === 'pusher_internal:subscription_succeeded') {
      const s = this.subs.get(m.channel); if (s) { s.subscribed = true; for (const f of s.onSub) f(); }
    } else if (m.event === 'pusher:ping') this.ws.send('{"event":"pusher:pong","data":{}}');
    else if (m.channel) { const s = this.subs.get(m.channel); const f = s && s.events.get(m.event); if (f) f(typeof m.data === 'string' ? JSON.parse(m.data) : m.data); }
  }
  sendSub(name) { this.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { auth: '', channel: name } })); }
  listen(name, event, cb) {
    let s = this.subs.get(name);
    if (!s) { s = { subscribed: false, events: new Map(), onSub: [] }; this.subs.set(name, s); if (this.state === 'connected') this.sendSub(name); }
    s.events.set(event.replace(/^\./, ''), cb);
    if (!this.ev) { this.ev = event.replace(/^\./, ''); this.ch = name; this.cb = cb; } // the hot pair
    return s;
  }
  leave(name) {
    this.subs.delete(name);
    if (this.ch === name) this.ev = this.ch = this.cb = null;
    if (this.state === 'connected') this.ws.send(JSON.stringify({ event: 'pusher:unsubscribe', data: { channel: name } }));
  }
}

// ---------------------------------------------------------------- client loading
let EchoClass = null;
async function loadScript(src) {
  await new Promise((resolve, reject) => {
    const s = document.createElement('script'); s.src = src; s.onload = resolve; s.onerror = reject; document.head.append(s);
  });
}
let wasmExports = null;
if (CLIENT === 'reference') {
  await loadScript(q.get('enc') === '1' ? '/bench-modules/pusher-js/dist/web/pusher-with-encryption.min.js' : '/bench-modules/pusher-js/dist/web/pusher.min.js');
  EchoClass = (await import('/bench-modules/laravel-echo/dist/echo.js')).default;
} else if (CLIENT === 'echo-wasm') {
  const pkg = await import(PKG + '/index.js');
  EchoClass = pkg.default;
  // The package loads its wasm in the background (no top-level await): wait for it, so that
  // init() returns that instance's exports instead of starting a second instance of its own.
  await pkg.ready;
  const init = (await import(PKG + '/dist/echo_wasm.js')).default;
  wasmExports = await init();
}

// ---------------------------------------------------------------- uniform API for run.mjs
const B = (window.B = {
  client: CLIENT, fake, echo: null, chans: new Map(), subTime: new Map(),
  count: 0, target: 0, tEnd: 0, tFirst: 0, sink: 0, lat: [], errors: [],
  wasmMemoryBytes: () => (wasmExports && wasmExports.memory ? wasmExports.memory.buffer.byteLength : null),
  now,
  make(opts = {}) {
    const base = { key: KEY, wsHost: '127.0.0.1', wsPort: PORT, ...opts };
    if (CLIENT === 'floor') { B.echo = new Floor(base); return; }
    const options = { broadcaster: 'reverb', key: base.key, wsHost: base.wsHost, wsPort: base.wsPort, wssPort: base.wsPort,
      forceTLS: false, enabledTransports: ['ws', 'wss'], ...(opts.bearerToken ? { bearerToken: opts.bearerToken } : {}) };
    if (CLIENT === 'reference') options.Pusher = window.Pusher;
    B.echo = new EchoClass(options);
  },
  connected() {
    if (CLIENT === 'floor') return B.echo.state === 'connected';
    if (CLIENT === 'reference') return B.echo.connector.pusher.connection.state === 'connected';
    return B.echo.connectionStatus() === 'connected';
  },
  /** Subscribes `name` (private when it starts with private-) and listens to `event`. */
  listen(name, event, cb) {
    let ch = B.chans.get(name);
    if (CLIENT === 'floor') {
      const fresh = !B.chans.has(name);
      ch = B.echo.listen(name, event, cb); B.chans.set(name, ch);
      if (fresh) ch.onSub.push(() => B.subTime.set(name, now()));
      return;
    }
    if (!ch) {
      ch = name.startsWith('private-') ? B.echo.private(name.slice(8)) : B.echo.channel(name);
      ch.subscribed(() => B.subTime.set(name, now()));
      if (ch.error) ch.error((e) => B.errors.push({ name, e: String(e && (e.message || e.type || JSON.stringify(e))) }));
      B.chans.set(name, ch);
    }
    ch.listen(event, cb);
  },
  isSubscribed(name) {
    const ch = B.chans.get(name);
    if (!ch) return false;
    if (CLIENT === 'floor') return ch.subscribed;
    if (CLIENT === 'reference') { const c = B.echo.connector.pusher.channel(name); return !!(c && c.subscribed); }
    return ch.subscriptionState === 'subscribed';
  },
  allSubscribed(names) { return names.every((n) => B.isSubscribed(n)); },
  subscribedCount(names) { let k = 0; for (const n of names) if (B.isSubscribed(n)) k++; return k; },
  leave(name) {
    B.chans.delete(name);
    if (CLIENT === 'floor') B.echo.leave(name); else B.echo.leaveChannel(name);
  },
  /** The benchmark listener: counts, and stops the clock at the target count. */
  counter() {
    return (data) => {
      B.sink ^= data.n;
      const c = ++B.count;
      if (c === 1) B.tFirst = performance.now();
      if (c === B.target) B.tEnd = performance.now();
    };
  },
  latencyListener() {
    return (data) => { B.lat.push(now() - data.t); B.count++; };
  },
  async until(fn, timeout = 30000) {
    const start = performance.now();
    while (!fn()) {
      if (performance.now() - start > timeout) throw new Error('timeout in page');
      await new Promise((r) => setTimeout(r, 1));
    }
  },
  /** Frames as a server sends them: data is a JSON string inside the JSON frame. Kinds:
   * `small` ~100 B of five fields; `large` ~1.5 KB of data with 18 nested objects (JSON.parse
   * dominates); `text` ~1.9 KB of data that is `n` and one long string (no escapes), for which
   * JSON.parse is cheap; `text-N` the same with an N-character string. */
  frames(kind, k, channel = 'tenant.1.inventory', event = 'inventory.update') {
    const out = [];
    for (let i = 0; i < k; i++) {
      if (kind === 'text' || kind.startsWith('text-')) { // `text-N`: the string is N characters
        const len = kind === 'text' ? 1900 : Number(kind.slice(5));
        const text = `note ${i}: ` + 'restocked from supplier, counted twice at gate 4 and shelved in bin A-7. '.repeat(Math.ceil(len / 73) + 1);
        out.push(JSON.stringify({ event, channel, data: JSON.stringify({ n: i, text: text.slice(0, len) }) }));
        continue;
      }
      const payload = { n: i, sku: `SKU-${String(100000 + i)}`, qty: i % 97, warehouse: 'north-1', updated_at: '2026-01-01T00:00:00Z' };
      if (kind === 'large') {
        payload.items = [];
        for (let j = 0; j < 18; j++) payload.items.push({ sku: `SKU-${100000 + i + j}`, qty: (i + j) % 89, bin: `A-${j}-${i % 7}`, note: 'restocked from supplier' });
      }
      out.push(JSON.stringify({ event, channel, data: JSON.stringify(payload) }));
    }
    return out;
  },
  /** CPU per inbound event through the fake socket: µs/event for n events. */
  async cpuRun(n, kind) {
    const sock = fake.current;
    const h = sock.handler();
    // Built once per kind and kept, so a profile of this call holds only the loop.
    const evs = ((B.events ||= {})[kind] ||= B.frames(kind, 1000).map((f) => new MessageEvent('message', { data: f })));
    const K = evs.length;
    B.count = 0; B.target = n; B.tEnd = 0;
    const t0 = performance.now();
    for (let i = 0, j = 0; i < n; i++) { h.call(sock, evs[j]); if (++j === K) j = 0; }
    const tLoop = performance.now();
    await B.until(() => B.count >= n);
    return { us: ((B.tEnd - t0) * 1000) / n, loopUs: ((tLoop - t0) * 1000) / n, count: B.count, frameBytes: evs[0].data.length, dataBytes: JSON.parse(evs[0].data).data.length };
  },
});
window.ready = true;
