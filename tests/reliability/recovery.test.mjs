// Connection recovery after a network cut (issue #16), in headless Chromium against the real
// Sockudo (the harness one, CONNECTION_RECOVERY_ENABLED=true, or a private one with its own
// buffer settings) and the real backend. The page reaches Sockudo through the cut proxy
// (./proxy.mjs): the server process, which holds the recovery buffer, is never touched.
// Numbered events are published continuously before, during and after each cut (straight to
// Sockudo's HTTP API); the cut spans an exact number of them. Assertions are about correctness
// (which events, in which order, how often, what `resumed` reports) with loose liveness bounds,
// never speed.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, env, eventually, startProxy, startSockudo, serverSdk } from './lib.mjs';
import { CHANNELS, FAST, recoveryClient, publisher, account, waitAllSubscribed, waitForSeq, range } from './recovery-lib.mjs';

const ALL = [CHANNELS.public, CHANNELS.private, CHANNELS.presence, CHANNELS.encrypted];
// What Sockudo 5.2.0 answers for both (checked live with a raw protocol-2 client): `sockudo:resume_failed`
// with code `position_expired`, reason `hot_replay_expired_and_durable_history_disabled`.
const EXPIRED = ['position_expired'];
const LIVENESS_MS = 20000; // loose bound on every wait (recovery itself takes well under a second)

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * One cut of `kind` ('reset': RST both ways and refuse new connections; 'blackhole': forward
 * nothing, close nothing) spanning exactly `inCut` published events, then restored. Returns the
 * accounting per channel, the cut's sequence numbers and its wall-clock length.
 */
async function cut({ kind, recovery, names = ALL, everyMs = 100, inCut = 20, port = env.port }) {
  const proxy = await startProxy(port);
  const client = await recoveryClient(browser, { port: proxy.port, names, recovery, options: FAST });
  const idx = names.map((_, i) => i);
  const pub = publisher(names, { everyMs, sdk: serverSdk({ port, timeout: 3000 }) });
  try {
    await waitAllSubscribed(client);
    const first = pub.next;
    await waitForSeq(client, idx, first + 3, 'events before the cut', LIVENESS_MS);
    const k = pub.next + 1;
    let cutAt = 0;
    let restoredAt = 0;
    await pub.at(k, () => { cutAt = Date.now(); if (kind === 'reset') proxy.block(true); else proxy.blackhole(); });
    await pub.at(k + inCut, () => { restoredAt = Date.now(); if (kind === 'reset') proxy.block(false); else proxy.restore(); });
    await eventually(async () => {
      await client.drain();
      return idx.every((i) => client.log.some((e) => e.k === 'resumed' && e.i === i));
    }, `resumed on every channel after the ${kind}`, LIVENESS_MS);
    const liveFrom = pub.next + 3; // published after every channel resumed
    await waitForSeq(client, idx, liveFrom, 'live events after the resume', LIVENESS_MS);
    const last = await pub.stop();
    if (recovery) await waitForSeq(client, idx, last, `the last event (${last})`, LIVENESS_MS);
    else await client.drain();
    const cutSeqs = range(k + 1, inCut);
    const acks = cutSeqs.map((s) => pub.published[s].acks);
    assert.ok(acks.every((a) => a.every((x) => x === true)), 'every event of the cut was acknowledged by Sockudo');
    return {
      proxy, client, liveFrom, last, cutSeqs, cutMs: restoredAt - cutAt, k, published: pub.published, restoredAt,
      per: idx.map((i) => account(client.log, i, cutSeqs)),
      heldConnections: proxy.heldConnections,
    };
  } finally {
    await pub.stop();
    await client.page.context().close().catch(() => {});
    await proxy.stop();
  }
}

/** What every cut must give on every channel: each event at most once, in publish order. */
function assertOrderedOnce(r, names) {
  r.per.forEach((a, i) => {
    assert.equal(a.duplicates, 0, `${names[i]}: no event twice`);
    assert.ok(a.increasing, `${names[i]}: events in publish order (${a.seqs.join(',')})`);
    assert.deepEqual(a.errors, [], `${names[i]}: no channel error`);
    assert.equal(a.resumed.length, 1, `${names[i]}: one resumed report for one cut`);
    assert.ok(a.resumed[0].after.some((s) => s >= r.liveFrom), `${names[i]}: live events follow the resume`);
  });
}

/** With recovery: everything arrives once, in order, the missed ones before `resumed`. */
function assertRecovered(r, names, inCut) {
  assertOrderedOnce(r, names);
  r.per.forEach((a, i) => {
    const n = names[i];
    const res = a.resumed[0];
    assert.deepEqual(a.gaps, [], `${n}: no gap (received ${a.seqs[0]}..${a.seqs.at(-1)})`);
    assert.ok(a.seqs[0] <= r.k && a.seqs.at(-1) === r.last, `${n}: from before the cut to the last event`);
    assert.deepEqual(a.cutReceived, r.cutSeqs, `${n}: all ${inCut} events of the cut arrived`);
    assert.equal(res.recovered, true, `${n}: recovered (${JSON.stringify(res)})`);
    assert.equal(res.reason, null, `${n}: no reason when recovered`);
    // Replayed: at least the events of the cut; exactly the ones after the last event seen on the
    // old socket, and all of them before `resumed` fired.
    // Exactly: every event after the old socket's last one up to the restore (the cut's and any
    // still in flight when it began), plus any published between the restore and the resume.
    const publishedBy = (t) => r.published.filter((p) => p.t0 <= t).length - 1; // last seq issued by t
    const ackedBefore = (t) => r.published.reduce((m, p, s) => (p.t1[i] !== null && p.t1[i] < t ? s : m), -1);
    const mustReplay = ackedBefore(r.restoredAt); // accepted by Sockudo while the client was cut off
    assert.ok(res.replayed >= inCut, `${n}: replayed ${res.replayed} >= ${inCut}`);
    assert.ok(res.replayed >= mustReplay - res.lastOld, `${n}: replayed ${res.replayed} covers ${res.lastOld + 1}..${mustReplay} (acknowledged before the restore)`);
    assert.ok(res.replayed <= publishedBy(res.t) - res.lastOld, `${n}: replayed ${res.replayed} <= the events sent after ${res.lastOld} before resumed fired`);
    assert.deepEqual(res.onNewBefore.slice(0, res.replayed), range(res.lastOld + 1, res.replayed),
      `${n}: the replayed events are the ones after the last event of the old socket (${res.lastOld}), before resumed`);
    assertDowntime(res, r);
  });
}

/** downtimeMs: from the last inbound frame on the old socket to the resubscribe acknowledgement. */
function assertDowntime(res, r) {
  // The last frame came at most just before the cut and the acknowledgement after the restore;
  // above: detection (activity + pong timeout), backoff, handshake and auth, with a wide margin.
  const upper = r.cutMs + FAST.activityTimeout + FAST.pongTimeout + FAST.reconnect.maxMs + 5000;
  assert.ok(res.downtimeMs >= r.cutMs - 150, `downtimeMs ${res.downtimeMs} >= the cut's ${r.cutMs} ms (less 150 ms)`);
  assert.ok(res.downtimeMs < upper, `downtimeMs ${res.downtimeMs} < ${upper}`);
}

for (const kind of ['reset', 'blackhole']) {
  test(`recovery over a ${kind}: the 20 events of the cut arrive once, in order, then live ones (public, private, presence, encrypted)`, async () => {
    const r = await cut({ kind, recovery: true });
    assertRecovered(r, ALL, 20);
    if (kind === 'blackhole') assert.ok(r.heldConnections >= 1, 'the client itself detected the blackhole and reconnected into it');
    console.log(`# ${kind}: cut ${r.cutMs} ms; per channel replayed ${r.per.map((a) => a.resumed[0].replayed).join('/')}, downtimeMs ${r.per.map((a) => a.resumed[0].downtimeMs).join('/')}`);
  });

  test(`protocol 7 (option off) over a ${kind}: resumed says unsupported, with a plausible downtime; the cut's events are gone`, async () => {
    const r = await cut({ kind, recovery: false });
    assertOrderedOnce(r, ALL);
    r.per.forEach((a, i) => {
      const res = a.resumed[0];
      assert.equal(res.recovered, false, `${ALL[i]}: not recovered`);
      assert.equal(res.reason, 'unsupported', `${ALL[i]}: reason`);
      assert.equal(res.replayed, 0, `${ALL[i]}: nothing replayed`);
      assert.deepEqual(a.cutReceived, [], `${ALL[i]}: protocol 7 has no replay: none of the cut's events arrive`);
      assertDowntime(res, r);
    });
    console.log(`# p7 ${kind}: cut ${r.cutMs} ms; downtimeMs ${r.per.map((a) => a.resumed[0].downtimeMs).join('/')}`);
  });
}

/** A cut the server cannot recover: recovered false with its reason, live events flow again. */
async function unrecoverable(sockudoEnv, cutOptions, expectReasons) {
  const sockudo = await startSockudo(sockudoEnv);
  try {
    const names = [CHANNELS.public, CHANNELS.private];
    const r = await cut({ recovery: true, names, port: sockudo.port, ...cutOptions });
    assertOrderedOnce(r, names);
    const reasons = r.per.map((a) => a.resumed[0].reason);
    r.per.forEach((a, i) => {
      const res = a.resumed[0];
      assert.equal(res.recovered, false, `${names[i]}: not recovered (${JSON.stringify(res)})`);
      assert.ok(expectReasons.includes(res.reason), `${names[i]}: reason ${res.reason} is one of ${expectReasons}`);
      assert.ok(a.cutReceived.length < r.cutSeqs.length, `${names[i]}: the cut's events were not all replayed`);
    });
    return { r, reasons };
  } finally {
    await sockudo.stop();
  }
}

test('a cut longer than the buffer TTL (CONNECTION_RECOVERY_BUFFER_TTL=2, 5 s cut): recovered false with the server\'s reason; live events flow', async () => {
  const { r, reasons } = await unrecoverable(
    { CONNECTION_RECOVERY_ENABLED: 'true', CONNECTION_RECOVERY_BUFFER_TTL: '2' },
    { kind: 'reset', everyMs: 250, inCut: 20 },
    EXPIRED,
  );
  console.log(`# TTL: cut ${r.cutMs} ms, reasons ${reasons.join('/')}`);
});

test('a cut with more events than the buffer holds (CONNECTION_RECOVERY_MAX_BUFFER_SIZE=10, 20 events): recovered false with the server\'s reason; live events flow', async () => {
  const { r, reasons } = await unrecoverable(
    { CONNECTION_RECOVERY_ENABLED: 'true', CONNECTION_RECOVERY_MAX_BUFFER_SIZE: '10' },
    { kind: 'reset', everyMs: 100, inCut: 20 },
    EXPIRED,
  );
  console.log(`# buffer size: cut ${r.cutMs} ms, reasons ${reasons.join('/')}`);
});

// Without CONNECTION_RECOVERY_ENABLED, Sockudo 5.2.0 on protocol 2 sends no stream_id/serial (neither
// in the subscribe reply nor on events: checked live), so the client has no position to resume
// from and never sends `sockudo:resume` (whose answer would be error 4301, `recovery_disabled`).
test('recovery asked of a Sockudo without CONNECTION_RECOVERY_ENABLED: recovered false, no_position; live events flow', async () => {
  const { reasons } = await unrecoverable({}, { kind: 'reset', everyMs: 100, inCut: 10 }, ['no_position']);
  console.log(`# recovery disabled: reasons ${reasons.join('/')}`);
});
