// Shared by the connection-recovery tests and soak (issue #16): a page whose echo-wasm client
// (through the cut proxy) records every event with its sequence number and socket id, every
// `resumed` report, subscription and state change in one ordered log; a publisher that sends
// numbered events on each channel at a fixed interval straight to Sockudo's HTTP API (never
// through the proxy) and runs hooks at exact sequence numbers (so a cut spans a known number of
// events); and the per-channel accounting of one cut.
import { openPage, eventually, sleep, serverSdk } from './lib.mjs';

export const CHANNELS = {
  public: 'tenant.1.rec',
  private: 'private-tenant.1.rec',
  presence: 'presence-tenant.1.rec',
  encrypted: 'private-encrypted-tenant.1.rec',
};

// Liveness settings that make a blackhole visible within ~1 s (the engine pings after
// `activityTimeout` ms without an inbound frame and reconnects `pongTimeout` ms later, at once),
// and a backoff that retries soon after the network is back.
export const FAST = { activityTimeout: 400, pongTimeout: 400, reconnect: { firstMs: 100, baseMs: 200, maxMs: 400 } };

/**
 * Opens a page with a client on `names` (full channel names) through `port` as user 1.
 * `recovery`: `connectionRecovery: true`. Returns {page, drain(), status()}.
 */
export async function recoveryClient(browser, { port, names, recovery, options = {} }) {
  const page = await openPage(browser);
  await page.evaluate(({ port, names, options }) => {
    const log = (window.recLog = []);
    const echo = (window.echo = window.makeEcho({ wsPort: port, bearerToken: 'token-user-1', ...options }));
    echo.connector.onStateChange((c) => log.push({ k: 'state', s: c.current, t: Date.now() }));
    const open = (n) => (n.startsWith('private-encrypted-') ? echo.encryptedPrivate(n.slice(18))
      : n.startsWith('private-') ? echo.private(n.slice(8))
        : n.startsWith('presence-') ? echo.join(n.slice(9)) : echo.channel(n));
    window.recChannels = names.map((n, i) => open(n)
      .listen('.tick', (d) => log.push({ k: 'ev', i, seq: d.seq, sid: echo.socketId(), t: Date.now() }))
      .subscribed(() => log.push({ k: 'sub', i, sid: echo.socketId(), t: Date.now() }))
      .resumed((info) => log.push({ k: 'resumed', i, info: JSON.parse(JSON.stringify(info)), sid: echo.socketId(), t: Date.now() }))
      .error((e) => log.push({ k: 'err', i, code: e.code, message: e.message, t: Date.now() })));
  }, { port, names, options: { ...options, ...(recovery ? { connectionRecovery: true } : {}) } });
  const all = [];
  return {
    page,
    log: all,
    /** Moves the page's new log entries into `log` (in order); returns them. */
    async drain() { const got = await page.evaluate(() => window.recLog.splice(0)); all.push(...got); return got; },
    async subscribed() {
      return page.evaluate(() => window.echo.connectionStatus() === 'connected' && window.recChannels.every((c) => c.subscriptionState === 'subscribed'));
    },
  };
}

/**
 * Publishes {seq} as event `tick` on every channel every `everyMs`. On each channel a publish
 * starts when the previous one was answered (Sockudo numbers events in the order it accepts them:
 * concurrent requests could overtake each other and the sequence numbers would not be the
 * publish order); the ticks never wait. `at(seq, fn)` runs `fn` synchronously right after tick
 * `seq` was issued. `published[seq]` = {t0 (issued), acks: per channel true/false/null, t1: per
 * channel the answer's time}.
 */
export function publisher(names, { everyMs = 100, sdk = serverSdk({ timeout: 3000 }) } = {}) {
  const published = [];
  const hooks = new Map();
  const inflight = new Set();
  const chains = names.map(() => Promise.resolve());
  let running = true;
  let seq = 0;
  const loop = (async () => {
    while (running) {
      const tick = Date.now();
      const rec = { t0: tick, acks: names.map(() => null), t1: names.map(() => null) };
      published[seq] = rec;
      const n = seq;
      names.forEach((ch, i) => {
        const p = (chains[i] = chains[i].then(() => sdk.trigger(ch, 'tick', { seq: n })
          .then((r) => { rec.acks[i] = r.status === 200; }, () => { rec.acks[i] = false; })
          .finally(() => { rec.t1[i] = Date.now(); inflight.delete(p); })));
        inflight.add(p);
      });
      const hook = hooks.get(seq);
      hooks.delete(seq);
      seq++;
      if (hook) hook();
      await sleep(Math.max(0, everyMs - (Date.now() - tick)));
    }
  })();
  return {
    published,
    get next() { return seq; },
    /** Runs fn right after tick `s` is sent; resolves then. */
    at(s, fn = () => {}) { return new Promise((resolve) => hooks.set(s, () => resolve(fn()))); },
    async stop() { running = false; await loop; await Promise.allSettled([...inflight]); return seq - 1; },
  };
}

/**
 * Accounting of one channel `i` over the client's whole log: sequence numbers in arrival order,
 * duplicates, whether they are strictly increasing and gap-free, which of `cut` (an array of
 * seqs) arrived, and the `resumed` reports with the events seen on the new socket before each.
 */
export function account(log, i, cut = []) {
  const evs = log.filter((e) => e.k === 'ev' && e.i === i);
  const seqs = evs.map((e) => e.seq);
  const seen = new Map();
  for (const s of seqs) seen.set(s, (seen.get(s) || 0) + 1);
  const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  const increasing = seqs.every((s, j) => j === 0 || s > seqs[j - 1]);
  const inversions = [];
  evs.forEach((e, j) => { if (j > 0 && e.seq <= evs[j - 1].seq) inversions.push({ prev: evs[j - 1].seq, next: e.seq, sidChanged: e.sid !== evs[j - 1].sid }); });
  const gaps = [];
  for (let j = 1; j < seqs.length; j++) if (seqs[j] > seqs[j - 1] + 1) gaps.push([seqs[j - 1], seqs[j]]);
  const resumed = [];
  log.forEach((e, at) => {
    if (e.k !== 'resumed' || e.i !== i) return;
    const before = log.slice(0, at).filter((x) => x.k === 'ev' && x.i === i);
    const onNew = before.filter((x) => x.sid === e.sid).map((x) => x.seq);
    const lastOld = before.filter((x) => x.sid !== e.sid).map((x) => x.seq).pop();
    const after = log.slice(at + 1).filter((x) => x.k === 'ev' && x.i === i).map((x) => x.seq);
    resumed.push({ ...e.info, t: e.t, sid: e.sid, lastOld, onNewBefore: onNew, after });
  });
  return {
    seqs, duplicates, increasing, inversions, gaps, resumed,
    cutReceived: cut.filter((s) => seen.has(s)),
    errors: log.filter((e) => e.k === 'err' && e.i === i),
  };
}

/** Waits until every channel is subscribed on a connected client. */
export const waitAllSubscribed = (client, what = 'all channels subscribed', ms = 15000) => eventually(() => client.subscribed(), what, ms);

/** Waits until each channel in `idx` received an event with seq >= `seq`. */
export async function waitForSeq(client, idx, seq, what, ms = 15000) {
  await eventually(async () => {
    await client.drain();
    return idx.every((i) => client.log.some((e) => e.k === 'ev' && e.i === i && e.seq >= seq));
  }, what, ms);
}

export const range = (from, n) => Array.from({ length: n }, (_, j) => from + j);
