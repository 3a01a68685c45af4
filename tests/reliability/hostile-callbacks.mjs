// Hostile callbacks (issue 12): two echo-wasm clients per sequence, against the real Sockudo and
// backend, whose every callback misbehaves during dispatch. Listeners, lifecycle callbacks
// (subscribed/error/here/joining/leaving, connector.on*), the authorizer and its callback,
// headersProvider, desktopNotifications.map/onClick, a `Notification` double's constructor, and
// whisper payloads (toJSON, getters, Proxies) call public methods (leave, listen, stopListening,
// disconnect, connect, whisper, subscribe, diagnose, undo functions, several twice), throw any
// value (null, a string, Object.create(null), a Proxy that throws on every trap, ...) and leave
// promises unsettled. A seeded PRNG drives each sequence (timing still varies run to run).
//
// After each sequence, with every callback calmed down:
//   alive    each client, after connect(), gets a fresh channel acknowledged within 5 s (its
//            held handle's `subscribed` callback);
//   leaks    no listener ran after its removal (undo, stopListening*, off, leave);
//   errors   no page error comes from the client (stack in the glue or wasm), and no client
//            method threw anything but an EchoError into the app.
//
//   node tests/reliability/hostile-callbacks.mjs [--sequences N] [--seed S] [--steps N]
//   (needs the harness env: run it through scripts/hostile, which starts one)
// tests/reliability/hostile-callbacks.test.mjs runs 200 sequences under scripts/test.
import { launch, openPageWith } from './lib.mjs';

/** Runs in the page before its scripts: the recording state and a granted `Notification` double. */
function pageInit() {
  const H = (window.hostile = {
    counts: {}, leaks: [], clientErrors: [], notifications: [], undos: [], calm: false, depth: 0, seq: -1,
  });
  H.count = (name) => { H.counts[name] = (H.counts[name] || 0) + 1; };
  class FakeNotification {
    constructor(title, options) {
      this.title = title; this.options = options; this.onclick = null;
      H.notifications.push(this);
      if (H.notifications.length > 50) H.notifications.shift();
      if (H.onNotification) H.onNotification(this);
    }
    close() { this.closed = true; }
    static requestPermission() { return Promise.resolve('granted'); }
  }
  FakeNotification.permission = 'granted';
  window.Notification = FakeNotification;
}

/** Runs in the page once the package is loaded: defines hostile.runSequence. */
function pageMain() {
  const H = window.hostile;
  const NOTIFICATION = 'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated';
  const mulberry32 = (a) => () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const trapAll = () => new Proxy({}, new Proxy({}, { get: () => () => { throw new Error('hostile proxy trap'); } }));
  const revoked = () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  /** Whether `e` is something the client may legitimately throw into the app. */
  function classify(action, e) {
    let name;
    try { name = e && e.name; } catch { name = undefined; }
    if (name === 'EchoError') { H.count('echoError'); return; }
    let text;
    try { text = String(e && (e.stack || e.message || e)); } catch { text = '[unprintable]'; }
    H.clientErrors.push({ seq: H.seq, action, error: text.slice(0, 300) });
  }
  /** Calls a client method as app code would; what it throws is classified. */
  function call(action, fn) {
    H.count(action);
    try { return fn(); } catch (e) { classify(action, e); return undefined; }
  }

  function runSequence(seq, seed, cfg) {
    H.seq = seq;
    H.calm = false;
    const rnd = mulberry32(seed);
    const pick = (a) => a[Math.floor(rnd() * a.length)];
    const chance = (p) => rnd() < p;
    const tag = `${cfg.run}-${seq}`;
    const CH = {
      pub: { full: `hostile.${tag}.pub`, short: `hostile.${tag}.pub`, open: (e) => e.channel(`hostile.${tag}.pub`) },
      priv: { full: `private-tenant.1.hostile-${tag}`, short: `tenant.1.hostile-${tag}`, open: (e) => e.private(`tenant.1.hostile-${tag}`) },
      pres: { full: `presence-tenant.1.hostile-${tag}`, short: `tenant.1.hostile-${tag}`, open: (e) => e.join(`tenant.1.hostile-${tag}`) },
    };
    const KEYS = Object.keys(CH);
    const clients = [];

    const throwValues = [
      () => null, () => undefined, () => 'a string', () => Object.create(null), trapAll, revoked,
      () => new Error('hostile error'), () => 42, () => Symbol('hostile'), () => ({ message: trapAll() }),
    ];
    const maybeThrow = (p = 0.35) => {
      if (!H.calm && chance(p)) { H.count('throw'); throw pick(throwValues)(); }
    };

    /** A registration the model tracks: its removal and every call of its callback. */
    function record(client, kind, channel, event, extra = {}) {
      const rec = { client, kind, channel, event, removed: false, ...extra };
      rec.fn = (...args) => {
        H.count(`cb:${kind}`);
        if (rec.removed) H.leaks.push({ seq: H.seq, made: seq, kind, channel, event });
        if (client.destroyed) H.leaks.push({ seq: H.seq, made: seq, kind, channel, event, destroyed: true });
        if (H.calm) return undefined;
        act(client);
        // Reads what it was given (an error's `cause` may be a hostile Proxy: app code's problem).
        if (args[0] && typeof args[0] === 'object' && chance(0.1)) { H.count('readArgs'); try { JSON.stringify(args); } catch {} }
        maybeThrow();
        return undefined;
      };
      client.records.push(rec);
      return rec;
    }
    const removeWhere = (client, pred) => { for (const r of client.records) if (!r.removed && pred(r)) r.removed = true; };
    const leftChannel = (client, full) => {
      removeWhere(client, (r) => r.channel === full);
      for (const k of KEYS) if (CH[k].full === full) client.handles[k] = null;
    };

    function hostilePayload(client) {
      const n = Math.floor(rnd() * 1e6);
      switch (Math.floor(rnd() * 7)) {
        case 0: return { n };
        case 1: return { toJSON() { H.count('payload:toJSON'); act(client); maybeThrow(0.3); return { n }; } };
        case 2: { const o = {}; Object.defineProperty(o, 'n', { enumerable: true, get() { H.count('payload:getter'); act(client); maybeThrow(0.3); return n; } }); return o; }
        case 3: H.count('payload:proxy'); return trapAll();
        case 4: return { toJSON() { throw Object.create(null); } };
        case 5: return { big: 10n };
        default: { const o = { n }; o.self = o; return o; }
      }
    }

    const handle = (client, k) => client.handles[k] || (client.handles[k] = call('subscribe', () => CH[k].open(client.echo)) || null);

    // ---- the actions a callback (or the sequence itself) may take -------------------------
    const ACTIONS = {
      leave(client) {
        const k = pick(KEYS);
        const how = pick(['leave', 'leaveChannel', 'unsubscribe']);
        if (how === 'leave') {
          call('leave', () => client.echo.leave(CH[k].short));
          for (const p of ['', 'private-', 'private-encrypted-', 'presence-']) leftChannel(client, p + CH[k].short);
        } else if (how === 'leaveChannel') {
          call('leave', () => client.echo.leaveChannel(CH[k].full));
          leftChannel(client, CH[k].full);
        } else {
          const h = client.handles[k];
          if (!h) return;
          call('leave', () => h.unsubscribe());
          leftChannel(client, CH[k].full);
        }
      },
      listen(client) {
        const kind = pick(['listen', 'listenDesktop', 'whisper', 'notification', 'all', 'subscribed', 'error', 'here', 'joining', 'leaving', 'connector', 'user']);
        if (kind === 'connector') {
          const method = pick(['onError', 'onConnectionChange', 'onStateChange', 'onSignin', 'onWatchlist']);
          const rec = record(client, method, '(connection)', method);
          const undo = call('listen', () => client.echo.connector[method](rec.fn));
          if (typeof undo === 'function') { rec.undo = undo; H.undos.push({ undo, rec }); if (H.undos.length > 200) H.undos.shift(); }
          return;
        }
        if (kind === 'user') {
          const rec = record(client, 'listenToUser', '(user)', 'ping');
          const undo = call('listen', () => client.echo.connector.listenToUser('ping', rec.fn));
          if (typeof undo === 'function') { rec.undo = undo; H.undos.push({ undo, rec }); }
          return;
        }
        const k = pick(KEYS);
        const h = handle(client, k);
        if (!h) return;
        const full = CH[k].full;
        if (kind === 'listen' || kind === 'listenDesktop') {
          const ev = pick(['.ping', '.pong']);
          const rec = record(client, 'listen', full, ev);
          call('listen', () => h.listen(ev, rec.fn, kind === 'listenDesktop' ? { desktop: true } : undefined));
        } else if (kind === 'whisper') {
          const rec = record(client, 'listenForWhisper', full, 'typing');
          call('listen', () => h.listenForWhisper('typing', rec.fn));
        } else if (kind === 'notification') {
          const rec = record(client, 'notification', full, NOTIFICATION);
          call('listen', () => h.notification(rec.fn));
        } else if (kind === 'all') {
          const rec = record(client, 'listenToAll', full, '*');
          call('listen', () => h.listenToAll(rec.fn));
        } else {
          const rec = record(client, kind, full, kind);
          call('listen', () => h[kind](rec.fn));
        }
      },
      stopListening(client) {
        const live = client.records.filter((r) => !r.removed);
        if (!live.length) return;
        const rec = pick(live);
        const all = chance(0.3);
        const h = KEYS.map((k) => client.handles[k]).find((x) => x && x.name === rec.channel);
        if (rec.undo) {
          call('undo', () => rec.undo()); rec.removed = true;
          if (chance(0.5)) call('undo', () => rec.undo());
          return;
        }
        if (!h) return; // a left channel: its listeners are already gone
        const same = (r) => r.channel === rec.channel;
        switch (rec.kind) {
          case 'listen':
            call('stopListening', () => (all ? h.stopListening(rec.event) : h.stopListening(rec.event, rec.fn)));
            removeWhere(client, (r) => same(r) && r.kind === 'listen' && r.event === rec.event && (all || r === rec));
            break;
          case 'listenForWhisper':
            call('stopListening', () => (all ? h.stopListeningForWhisper('typing') : h.stopListeningForWhisper('typing', rec.fn)));
            removeWhere(client, (r) => same(r) && r.kind === rec.kind && (all || r === rec));
            break;
          case 'notification':
            call('stopListening', () => (all ? h.stopListeningForNotification() : h.stopListeningForNotification(rec.fn)));
            removeWhere(client, (r) => same(r) && r.kind === rec.kind && (all || r === rec));
            break;
          case 'listenToAll':
            call('stopListening', () => (all ? h.stopListeningToAll() : h.stopListeningToAll(rec.fn)));
            removeWhere(client, (r) => same(r) && r.kind === rec.kind && (all || r === rec));
            break;
          default:
            call('stopListening', () => (all ? h.off(rec.kind) : h.off(rec.kind, rec.fn)));
            removeWhere(client, (r) => same(r) && r.kind === rec.kind && (all || r === rec));
        }
      },
      undo() {
        if (!H.undos.length) return;
        const { undo, rec } = pick(H.undos);
        call('undo', () => undo()); rec.removed = true;
        call('undo', () => undo());
      },
      disconnect(client) { call('disconnect', () => client.echo.disconnect()); },
      connect(client) { call('connect', () => client.echo.connect()); },
      whisper(client) {
        const k = pick(['priv', 'pres']);
        const h = client.handles[k];
        if (h) call('whisper', () => h.whisper('typing', hostilePayload(client)));
      },
      subscribe(client) {
        const k = pick(KEYS);
        const h = client.handles[k];
        if (h && chance(0.5)) call('subscribe', () => h.subscribe());
        else handle(client, k);
      },
      diagnose(client) { const d = call('diagnose', () => client.echo.diagnose()); if (d) JSON.stringify(d); },
      signin(client) { call('signin', () => client.echo.connector.signin()); },
      click() {
        const n = H.notifications.length && pick(H.notifications);
        if (n && typeof n.onclick === 'function') call('click', () => n.onclick());
      },
      trigger(client) {
        const k = pick(KEYS);
        const event = pick(['ping', 'pong', NOTIFICATION]);
        H.count('trigger');
        fetch('/test/trigger', {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ channel: CH[k].full, event, data: { n: Math.floor(rnd() * 1000), title: 'hostile' } }),
        }).catch(() => {});
      },
      peer(client) { const other = clients.find((c) => c !== client); if (other) act(other, 1); },
    };
    // Weighted: events and registrations often, connection changes less (they stop the flow).
    const NAMES = ['listen', 'listen', 'listen', 'trigger', 'trigger', 'trigger', 'whisper', 'whisper', 'stopListening', 'stopListening',
      'undo', 'leave', 'subscribe', 'subscribe', 'diagnose', 'connect', 'disconnect', 'signin', 'click', 'peer'];

    /** Up to `max` random actions (some twice), when not nested too deep. */
    function act(client, max = 2) {
      if (H.calm || client.destroyed || H.depth > 3) return;
      H.depth++;
      try {
        const n = Math.floor(rnd() * (max + 1));
        for (let i = 0; i < n; i++) {
          const name = pick(NAMES);
          ACTIONS[name](client);
          if (chance(0.15)) ACTIONS[name](client);
        }
      } finally { H.depth--; }
    }

    // ---- the clients ---------------------------------------------------------------------
    function makeClient(label) {
      const client = { label, records: [], handles: {}, destroyed: false };
      const authorizer = (channel) => {
        H.count('authorizer');
        act(client, 1);
        maybeThrow(0.1);
        if (!H.calm && chance(0.05)) return trapAll();
        return {
          authorize(socketId, callback) {
            H.count('authorize');
            act(client, 1);
            const mode = H.calm ? 'ok' : pick(['ok', 'ok', 'ok', 'twice', 'twice', 'error', 'never', 'throw', 'garbage']);
            H.count(`authorize:${mode}`);
            const cb = (err, data) => { try { callback(err, data); } catch (e) { classify('authorizerCallback', e); } };
            if (mode === 'never') return;
            if (mode === 'throw') { maybeThrow(1); return; }
            if (mode === 'garbage') { cb(null, trapAll()); cb(null, { auth: 42 }); return; }
            if (mode === 'error') { cb(pick(throwValues)() ?? 'refused', null); return; }
            const body = new URLSearchParams({ socket_id: socketId, channel_name: channel.name });
            fetch('/broadcasting/auth', { method: 'POST', body, headers: { Authorization: 'Bearer token-user-1', Accept: 'application/json' } })
              .then((r) => r.json())
              .then((data) => {
                cb(null, data);
                if (mode === 'twice') { cb(null, data); cb(new Error('late')); }
                act(client, 1);
              })
              .catch((e) => cb(e));
          },
        };
      };
      const headersProvider = () => {
        H.count('headersProvider');
        act(client, 1);
        const mode = H.calm ? 'ok' : pick(['ok', 'ok', 'async', 'never', 'throw', 'reject', 'proxy']);
        H.count(`headersProvider:${mode}`);
        if (mode === 'never') return new Promise(() => {});
        if (mode === 'throw') { maybeThrow(1); return {}; }
        if (mode === 'reject') return Promise.reject(pick(throwValues)());
        if (mode === 'proxy') return trapAll();
        const headers = { Authorization: 'Bearer token-user-1' };
        return mode === 'async' ? sleep(5).then(() => headers) : headers;
      };
      const desktop = {
        when: 'always',
        map(payload, meta) {
          H.count('map');
          act(client, 1);
          maybeThrow(0.2);
          if (!H.calm && chance(0.2)) return null;
          if (!H.calm && chance(0.15)) return trapAll();
          const spec = { body: 'hostile' };
          Object.defineProperty(spec, 'title', { enumerable: true, get() { H.count('spec:getter'); act(client, 1); maybeThrow(0.2); return 'Hostile'; } });
          return spec;
        },
        onClick() { H.count('onClick'); act(client, 1); maybeThrow(0.3); },
      };
      const custom = chance(0.5);
      const options = {
        bearerToken: 'token-user-1',
        reconnect: { baseMs: 100, maxMs: 400 },
        authTimeout: 1500,
        desktopNotifications: desktop,
        ...(custom ? { authorizer } : { headersProvider }),
        userAuthentication: { endpoint: '/broadcasting/user-auth', headers: { Authorization: 'Bearer token-user-1' } },
      };
      client.echo = call('new Echo', () => window.makeEcho(options));
      if (!client.echo) throw new Error(`new Echo failed: ${JSON.stringify(H.clientErrors.slice(-1))}`);
      clients.push(client);
      return client;
    }

    H.onNotification = () => {
      H.count('notificationConstructed');
      const c = pick(clients);
      if (c) act(c, 1);
      maybeThrow(0.2);
    };

    return (async () => {
      const a = makeClient('A');
      const b = makeClient('B');
      for (const client of clients) {
        for (let i = 0; i < 6; i++) ACTIONS.listen(client);
        for (const k of KEYS) handle(client, k);
      }
      await sleep(80); // connected and (mostly) subscribed: the events below get dispatched
      for (let step = 0; step < cfg.steps; step++) {
        for (const client of clients) act(client, 2);
        ACTIONS.trigger(a);
        ACTIONS.trigger(b);
        if (chance(0.5)) ACTIONS.whisper(pick(clients));
        await sleep(cfg.stepMs);
      }
      // ---- the checks ----
      H.calm = true;
      await sleep(20);
      const alive = {};
      await Promise.all(clients.map(async (client) => {
        call('connect', () => client.echo.connect());
        const probe = call('subscribe', () => client.echo.channel(`hostile.${tag}.probe-${client.label}`));
        let acked = false;
        if (probe) call('listen', () => probe.subscribed(() => { acked = true; }));
        const start = performance.now();
        while (!acked && performance.now() - start < 5000) await sleep(20);
        alive[client.label] = acked ? Math.round(performance.now() - start) : null;
      }));
      for (const client of clients) {
        if (alive[client.label] === null) {
          let d;
          try { d = client.echo.diagnose(); } catch (e) { d = { threw: String(e) }; }
          alive[`${client.label}:diagnose`] = JSON.stringify(d).slice(0, 400);
        }
        call('destroy', () => client.echo.destroy());
        client.destroyed = true;
      }
      return { alive };
    })();
  }
  H.runSequence = runSequence;
  H.take = () => {
    const out = { counts: H.counts, leaks: H.leaks, clientErrors: H.clientErrors };
    H.counts = {}; H.leaks = []; H.clientErrors = [];
    return out;
  };
}

const CLIENT_STACK = /echo_wasm|wasm-function|\/pkg\/|wasm:\/\//;

/**
 * Runs `sequences` hostile sequences; returns the figures. `log` gets progress lines.
 * `seed` (a 32-bit integer) makes the per-sequence PRNG seeds.
 */
export async function runHostile({ sequences = 200, seed = (Math.random() * 2 ** 32) >>> 0, steps = 6, stepMs = 30, pageEvery = 100, log = console.log } = {}) {
  log(`hostile: ${sequences} sequences, seed ${seed}, ${steps} steps of ${stepMs} ms`);
  const browser = await launch();
  const figures = { seed, sequences: 0, clients: 0, dead: 0, deadSequences: [], leaks: 0, leakSamples: [], clientErrors: 0, clientErrorSamples: [], pageErrors: 0, pageErrorSamples: [], appPageErrors: 0, hung: 0, counts: {}, ackMs: [] };
  const seedOf = (i) => (Math.imul(seed ^ (i + 1), 2654435761) ^ (i * 40503)) >>> 0;
  let page;
  const open = async () => {
    if (page) await page.context().close().catch(() => {});
    page = await openPageWith(browser, pageInit, null);
    page.on('pageerror', (e) => {
      const stack = String((e && e.stack) || e);
      if (CLIENT_STACK.test(stack)) {
        figures.pageErrors++;
        if (figures.pageErrorSamples.length < 10) figures.pageErrorSamples.push(stack.slice(0, 400));
      } else figures.appPageErrors++;
    });
    await page.evaluate(pageMain);
  };
  const merge = (taken) => {
    for (const [k, v] of Object.entries(taken.counts)) figures.counts[k] = (figures.counts[k] || 0) + v;
    figures.leaks += taken.leaks.length;
    for (const l of taken.leaks) if (figures.leakSamples.length < 10) figures.leakSamples.push(l);
    figures.clientErrors += taken.clientErrors.length;
    for (const e of taken.clientErrors) if (figures.clientErrorSamples.length < 10) figures.clientErrorSamples.push(e);
  };
  try {
    for (let i = 0; i < sequences; i++) {
      if (!page || i % pageEvery === 0) await open();
      let result;
      try {
        result = await Promise.race([
          page.evaluate(([i, s, cfg]) => window.hostile.runSequence(i, s, cfg), [i, seedOf(i), { run: seed.toString(36), steps, stepMs }]),
          new Promise((_, reject) => setTimeout(() => reject(new Error('sequence hung (30 s)')), 30000)),
        ]);
      } catch (e) {
        figures.hung++;
        figures.dead += 2;
        figures.clients += 2;
        figures.deadSequences.push({ seq: i, seed: seedOf(i), error: String(e).slice(0, 300) });
        figures.sequences++;
        page = null; // a fresh page for the next sequence
        continue;
      }
      merge(await page.evaluate(() => window.hostile.take()));
      figures.sequences++;
      for (const [label, ms] of Object.entries(result.alive)) {
        if (label.includes(':')) continue;
        figures.clients++;
        if (ms === null) {
          figures.dead++;
          figures.deadSequences.push({ seq: i, seed: seedOf(i), client: label, diagnose: result.alive[`${label}:diagnose`] });
        } else figures.ackMs.push(ms);
      }
      if ((i + 1) % 50 === 0) log(`hostile: ${i + 1}/${sequences} sequences, dead ${figures.dead}, leaks ${figures.leaks}, client errors ${figures.clientErrors}, page errors ${figures.pageErrors}`);
    }
  } finally {
    await browser.close().catch(() => {});
  }
  figures.ackMs.sort((x, y) => x - y);
  const ack = figures.ackMs;
  figures.ackMedianMs = ack.length ? ack[Math.floor(ack.length / 2)] : null;
  figures.ackMaxMs = ack.length ? ack[ack.length - 1] : null;
  delete figures.ackMs;
  return figures;
}

/** Prints the figures as the report lines. */
export function report(f, log = console.log) {
  log(`hostile: seed ${f.seed}`);
  log(`hostile: sequences ${f.sequences}, clients ${f.clients}, dead instances ${f.dead}, hung sequences ${f.hung}`);
  log(`hostile: leaked listeners (ran after removal) ${f.leaks}`);
  log(`hostile: client errors (non-EchoError thrown into the app) ${f.clientErrors}, client page errors ${f.pageErrors} (app-code page errors ${f.appPageErrors})`);
  log(`hostile: fresh-channel ack after the sequence: median ${f.ackMedianMs} ms, max ${f.ackMaxMs} ms`);
  log('hostile: action counts:');
  for (const [k, v] of Object.entries(f.counts).sort()) log(`  ${k.padEnd(28)} ${v}`);
  for (const d of f.deadSequences.slice(0, 10)) log(`hostile: DEAD ${JSON.stringify(d)}`);
  for (const l of f.leakSamples) log(`hostile: LEAK ${JSON.stringify(l)}`);
  for (const e of f.clientErrorSamples) log(`hostile: CLIENT ERROR ${JSON.stringify(e)}`);
  for (const e of f.pageErrorSamples) log(`hostile: PAGE ERROR ${e}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
  const figures = await runHostile({ sequences: arg('sequences', 1000), seed: arg('seed', undefined), steps: arg('steps', 6) });
  report(figures);
  const ok = figures.dead === 0 && figures.leaks === 0 && figures.clientErrors === 0 && figures.pageErrors === 0;
  console.log(`hostile: ${ok ? 'PASS' : 'FAIL'}`);
  process.exit(ok ? 0 : 1);
}

