// Fault soak of the built package (issue #8). Run by scripts/soak (which starts the harness):
//   node tests/reliability/soak.mjs [--short] [--kills N] [--offline N] [--freezes N] [--report FILE]
//
// One headless Chromium page runs echo-wasm subscribed to a public, a private, a presence and an
// encrypted channel; a publisher (the `pusher` server SDK, straight to Sockudo's HTTP API) sends
// sequence-numbered events on each channel continuously. Disruptions, interleaved:
//   kill     Sockudo SIGKILLed (backend POST /test/sockudo/kill), started again (/test/sockudo/start)
//   offline  CDP Network.emulateNetworkConditions offline AND the TCP proxy between the page and
//            Sockudo resets the open connection and refuses new ones (offline emulation alone
//            does not close an open WebSocket: it only holds its frames; the probe at the start
//            measures this on every run)
//   freeze   CDP Page.setWebLifecycleState frozen + Debugger.pause for 2 s, then resume + active
//            (setWebLifecycleState alone does not stop a visible headless page: measured by the
//            probe at the start; the pause stops the page's JS thread, the socket stays open)
// After each one: every channel must be `subscribed` again and a fresh event (published after
// recovery) must arrive on each. Throughout: no event twice; every event that had to arrive did
// (definition in RELIABILITY.md and at `mustArrive` below). Memory (JS heap after a forced GC,
// wasm linear memory) is compared between the steady state after warm-up and the end.
// Exit status 1 on any lost or duplicated event, missed recovery, or memory growth above 5 %.
import fs from 'node:fs';
import path from 'node:path';
import { launch, openPage, eventually, sleep, env, backend, startProxy, serverSdk, ROOT } from './lib.mjs';

// ---- options ----------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const short = argv.includes('--short');
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : dflt; };
const PLAN = {
  kill: opt('--kills', short ? 5 : 100),
  offline: opt('--offline', short ? 5 : 100),
  freeze: opt('--freezes', short ? 2 : 20),
};
const WARMUP_ROUNDS = opt('--warmup', short ? 1 : 3); // rounds of (kill, offline, freeze) before the baseline
const REPORT = (() => { const i = argv.indexOf('--report'); return i >= 0 ? argv[i + 1] : path.join(ROOT, 'target/soak/report.json'); })();
const PUBLISH_EVERY_MS = 100; // each channel gets an event every 100 ms (10/s; 40/s in all)
const KILL_DOWN_MS = 700; // Sockudo stays dead this long before it is started again
const OFFLINE_MS = 1000;
const FREEZE_MS = 2000;
const DWELL_MS = 1000; // connected time after each recovery (events that must all arrive)
const GRACE_MS = 200; // an event must have been acknowledged this long before a disruption began
const RECOVERY_TIMEOUT_MS = 30000;
const FRESH_TIMEOUT_MS = 10000;
const MEMORY_LIMIT = 0.05;
const RAW_HEAP_CEILING = 0.2; // even JIT code must not keep growing without bound
const RECONNECT = { baseMs: 500, maxMs: 4000 };

const CHANNELS = ['tenant.1.soak', 'private-tenant.1.soak', 'presence-tenant.1.soak', 'private-encrypted-tenant.1.soak'];
const log = (...a) => console.log(`soak: ${new Date().toISOString().slice(11, 23)}`, ...a);

// ---- state ------------------------------------------------------------------------------------
const published = CHANNELS.map(() => []); // index = seq: {t0, t1, ok}
const received = CHANNELS.map(() => new Map()); // seq -> [receive times]
const subs = CHANNELS.map(() => []); // subscribed-at times (page clock = wall clock)
const states = []; // [state, at]
const errors = [];
const disruptions = []; // {kind, start, end, recoveredAt, freshAt, ok, why}
let frozen = false;
const warmupCuts = []; // kill/offline windows of the warm-up

const proxy = await startProxy(env.port);
const sdk = serverSdk({ timeout: 3000 });
const browser = await launch();
let exitCode = 1;
try {
  exitCode = await run();
} catch (e) {
  console.error('soak: FAILED with an exception:', e);
  exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  await proxy.stop();
}
process.exit(exitCode);

async function run() {
  const page = await openPage(browser);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await page.evaluate(({ port, channels, reconnect }) => {
    window.soak = { ev: [], sub: [], state: [], err: [] };
    const s = window.soak;
    const echo = (window.echo = window.makeEcho({ bearerToken: 'token-user-1', wsPort: port, reconnect }));
    echo.connector.onStateChange((c) => s.state.push([c.current, Date.now()]));
    echo.connector.onError((e) => s.err.push([null, e.code, e.message, Date.now()]));
    const open = [(n) => echo.channel(n), (n) => echo.private(n.slice(8)), (n) => echo.join(n.slice(9)), (n) => echo.encryptedPrivate(n.slice(18))];
    window.soakChannels = channels.map((name, i) => open[i](name)
      .listen('.soak', (d) => s.ev.push([i, d.seq, Date.now()]))
      .subscribed(() => s.sub.push([i, Date.now()]))
      .error((e) => s.err.push([i, e.code, e.message, Date.now()])));
    window.soakDrain = () => { const out = { ev: s.ev, sub: s.sub, state: s.state, err: s.err }; s.ev = []; s.sub = []; s.state = []; s.err = []; return out; };
    window.soakStates = () => window.soakChannels.map((c) => c.subscriptionState);
    // A 100 ms heartbeat: its longest gap shows whether a freeze really stopped the page.
    window.soakBeat = { last: Date.now(), maxGap: 0 };
    setInterval(() => { const b = window.soakBeat; const t = Date.now(); b.maxGap = Math.max(b.maxGap, t - b.last); b.last = t; }, 100);
  }, { port: proxy.port, channels: CHANNELS, reconnect: RECONNECT });

  const drain = async () => { if (!frozen) await drain0(page); };
  let draining = true;
  const drainLoop = (async () => { while (draining) { await drain().catch(() => {}); await sleep(200); } })();

  // The publisher: one event per channel every PUBLISH_EVERY_MS, never waiting on Sockudo.
  let publishing = true;
  const inflight = new Set();
  const publishLoop = (async () => {
    while (publishing) {
      const tick = Date.now();
      CHANNELS.forEach((ch, i) => {
        const seq = published[i].length;
        const rec = { t0: Date.now(), t1: null, ok: false };
        published[i].push(rec);
        const p = sdk.trigger(ch, 'soak', { seq, t: rec.t0 })
          .then((r) => { rec.ok = r.status === 200; }, () => {})
          .finally(() => { rec.t1 = Date.now(); inflight.delete(p); });
        inflight.add(p);
      });
      await sleep(Math.max(0, PUBLISH_EVERY_MS - (Date.now() - tick)));
    }
  })();

  const allSubscribed = async () => {
    if (frozen) return false;
    const [status, st] = await page.evaluate(() => [window.echo.connectionStatus(), window.soakStates()]);
    return status === 'connected' && st.every((s) => s === 'subscribed') && st;
  };
  // A fresh event on every channel: published after `since` and received.
  const freshOnAll = () => CHANNELS.every((_, i) => {
    for (const [seq] of received[i]) if (published[i][seq].t0 >= since.t) return true;
    return false;
  });
  const since = { t: 0 };
  const recover = async (d) => {
    try {
      await eventually(allSubscribed, `all channels subscribed after ${d.kind}`, RECOVERY_TIMEOUT_MS);
      d.recoveredAt = Date.now();
      since.t = d.recoveredAt;
      await eventually(async () => { await drain(); return freshOnAll(); }, `a fresh event on every channel after ${d.kind}`, FRESH_TIMEOUT_MS);
      d.freshAt = Date.now();
      d.ok = true;
    } catch (e) {
      d.ok = false;
      d.why = e.message;
      log(`MISSED recovery after ${d.kind} #${disruptions.length}: ${e.message}`);
    }
  };

  // ---- start: subscribed, probe of offline emulation, warm-up, baseline ------------------------
  const t0 = Date.now();
  await eventually(allSubscribed, 'initial subscription', 30000);
  log(`subscribed to ${CHANNELS.length} channels in ${Date.now() - t0} ms (proxy port ${proxy.port}, Sockudo ${env.port})`);

  const probe = await probeOfflineEmulation(page, cdp);
  log(`offline-emulation probe: ${JSON.stringify(probe)}`);
  const freezeProbe = await probeLifecycleFreeze(page, cdp);
  log(`setWebLifecycleState probe: ${JSON.stringify(freezeProbe)}`);
  await eventually(allSubscribed, 'subscribed after the probe', RECOVERY_TIMEOUT_MS);

  // Warm-up: WARMUP_ROUNDS disruptions of each kind (not counted: the JIT tiers up the reconnect
  // paths, which shows as compiled-code growth of the JS heap), then the steady-state baseline.
  for (const kind of Array.from({ length: WARMUP_ROUNDS }, () => ['kill', 'offline', 'freeze']).flat()) {
    const d = { kind, warmup: true };
    await disrupt(kind, d, page, cdp);
    await recover(d);
    if (!d.ok) throw new Error(`warm-up ${kind}: ${d.why}`);
  }
  await sleep(DWELL_MS);
  const memStart = await memory(page, cdp);
  const breakdownStart = await heapBreakdown(cdp);
  log(`baseline after warm-up: JS heap ${memStart.jsHeap} B, wasm memory ${memStart.wasm} B`);
  const measureFrom = Date.now();

  // ---- the disruptions, interleaved evenly ------------------------------------------------------
  const schedule = [];
  for (const [kind, n] of Object.entries(PLAN)) for (let k = 0; k < n; k++) schedule.push({ kind, at: (k + 0.5) / n });
  schedule.sort((a, b) => a.at - b.at);
  const started = Date.now();
  const sampleEvery = Math.max(5, Math.ceil(schedule.length / 10));
  const samples = [{ after: 0, ...memStart }];
  for (const [k, { kind }] of schedule.entries()) {
    const d = { kind };
    disruptions.push(d);
    await disrupt(kind, d, page, cdp);
    await recover(d);
    await sleep(DWELL_MS);
    if ((k + 1) % sampleEvery === 0) samples.push({ after: k + 1, ...(await memory(page, cdp)) });
    if ((k + 1) % 10 === 0 || k + 1 === schedule.length) {
      log(`${k + 1}/${schedule.length} disruptions, ${disruptions.filter((x) => x.ok).length} recovered, ${Math.round((Date.now() - started) / 1000)} s`);
    }
  }

  // ---- stop, settle, measure -------------------------------------------------------------------
  publishing = false;
  await publishLoop;
  await Promise.allSettled([...inflight]);
  await sleep(1000);
  await drain();
  const endAt = Date.now();
  draining = false;
  await drainLoop;
  const memEnd = await memory(page, cdp);
  const breakdownEnd = await heapBreakdown(cdp);
  const diag = await page.evaluate(() => window.echo.diagnose());
  const pageErrors = page.errors;

  // ---- accounting -------------------------------------------------------------------------------
  // Disruption windows in which events need not arrive: [start - GRACE, end] of kill and offline
  // (freezes keep the socket open: events published during one must arrive after it).
  const cuts = [...disruptions.filter((d) => d.kind !== 'freeze'), ...warmupCuts].map((d) => [d.start - GRACE_MS, d.end]);
  // When the client lost the connection (each state change away from `connected`).
  const downs = states.filter(([s]) => s !== 'connected').map(([, at]) => at).sort((a, b) => a - b);
  const nextDown = (t) => downs.find((x) => x >= t) ?? Infinity;
  const mustArrive = (i, rec) => {
    // Acknowledged by Sockudo (HTTP 200), published after the client's latest `subscribed` for the
    // channel and acknowledged before the client noticed a disconnect, outside every kill/offline
    // window (with GRACE_MS for delivery), after warm-up and before the end of measurement.
    if (!rec.ok || rec.t1 === null || rec.t0 < measureFrom || rec.t1 > endAt - GRACE_MS) return false;
    const subAt = subs[i].filter((s) => s <= rec.t0).pop();
    if (subAt === undefined) return false;
    if (nextDown(subAt) < rec.t1 + GRACE_MS) return false;
    return !cuts.some(([a, b]) => rec.t1 >= a && rec.t0 <= b);
  };
  const perChannel = CHANNELS.map((name, i) => {
    let pub = 0, acked = 0, must = 0, got = 0, lost = 0, gapsDisconnected = 0, late = 0;
    const lostSeqs = [];
    published[i].forEach((rec, seq) => {
      if (rec.t0 < measureFrom) return;
      pub++;
      if (rec.ok) acked++;
      const times = received[i].get(seq);
      if (times) got++;
      if (mustArrive(i, rec)) { must++; if (!times) { lost++; lostSeqs.push(seq); } }
      else if (!times && rec.ok) gapsDisconnected++;
      if (!rec.ok && times) late++;
    });
    // Duplicates at any time (warm-up included) count.
    let dupAll = 0;
    for (const t of received[i].values()) if (t.length > 1) dupAll += t.length - 1;
    return { channel: name, published: pub, acknowledged: acked, received: got, mustArrive: must, lost, lostSeqs: lostSeqs.slice(0, 20), duplicates: dupAll, notDeliveredWhileDisrupted: gapsDisconnected, deliveredUnacknowledged: late };
  });
  const byKind = {};
  for (const d of disruptions) {
    const k = (byKind[d.kind] ??= { planned: PLAN[d.kind], done: 0, recovered: 0, recoverMs: [] });
    k.done++;
    if (d.ok) { k.recovered++; k.recoverMs.push(d.recoveredAt - d.end); }
  }
  const gaps = disruptions.filter((d) => d.kind === 'freeze').map((d) => d.timerGapMs);
  if (byKind.freeze) byKind.freeze.pageTimerGapMs = { min: Math.min(...gaps), max: Math.max(...gaps) };
  for (const k of Object.values(byKind)) {
    const xs = k.recoverMs.sort((a, b) => a - b);
    k.recoveryMs = xs.length ? { median: xs[Math.floor(xs.length / 2)], p95: xs[Math.floor(xs.length * 0.95)], max: xs[xs.length - 1] } : null;
    delete k.recoverMs;
  }
  const growth = (a, b) => (b - a) / a;
  const mem = {
    start: memStart, end: memEnd, samples,
    snapshot: { start: breakdownStart, end: breakdownEnd, objectsGrowth: growth(breakdownStart.objects, breakdownEnd.objects), codeGrowth: growth(breakdownStart.code, breakdownEnd.code) },
    jsHeapGrowthExcludingCode: (memEnd.jsHeap - memStart.jsHeap - (breakdownEnd.code - breakdownStart.code)) / memStart.jsHeap,
    jsHeapGrowth: growth(memStart.jsHeap, memEnd.jsHeap),
    wasmGrowth: growth(memStart.wasm, memEnd.wasm),
  };
  const report = {
    mode: short ? 'short' : 'full', plan: PLAN, durationS: Math.round((endAt - started) / 1000),
    settings: { WARMUP_ROUNDS, PUBLISH_EVERY_MS, KILL_DOWN_MS, OFFLINE_MS, FREEZE_MS, DWELL_MS, GRACE_MS, reconnect: RECONNECT },
    offlineEmulationProbe: probe,
    lifecycleFreezeProbe: freezeProbe,
    disruptions: byKind,
    missedRecoveries: disruptions.filter((d) => !d.ok).map((d) => ({ kind: d.kind, why: d.why })),
    channels: perChannel, memory: mem,
    client: { reconnects: diag.reconnects, state: diag.state, channelErrors: errors.length, errorCodes: countBy(errors.map((e) => e[1])) },
    proxyConnectionsAccepted: proxy.accepted,
    pageErrors, pageWarnings: page.warnings.length,
  };
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, JSON.stringify(report, null, 2));
  printReport(report);

  const failures = [];
  const lost = perChannel.reduce((n, c) => n + c.lost, 0);
  const dups = perChannel.reduce((n, c) => n + c.duplicates, 0);
  if (lost) failures.push(`${lost} event(s) lost while connected and subscribed`);
  if (dups) failures.push(`${dups} duplicated event(s)`);
  if (report.missedRecoveries.length) failures.push(`${report.missedRecoveries.length} missed recovery/resubscription(s)`);
  for (const [kind, k] of Object.entries(byKind)) if (k.done !== k.planned) failures.push(`${kind}: ${k.done} of ${k.planned} done`);
  // The JS heap gate leaves out V8's compiled code (JIT tier-up of functions as they get hot,
  // measured by the heap snapshots at the same two points): code is not a leak of the client.
  if (mem.jsHeapGrowthExcludingCode > MEMORY_LIMIT) failures.push(`JS heap (without compiled code) grew ${(mem.jsHeapGrowthExcludingCode * 100).toFixed(1)} %`);
  if (mem.jsHeapGrowth > RAW_HEAP_CEILING) failures.push(`JS heap (with compiled code) grew ${(mem.jsHeapGrowth * 100).toFixed(1)} %`);
  if (mem.wasmGrowth > MEMORY_LIMIT) failures.push(`wasm memory grew ${(mem.wasmGrowth * 100).toFixed(1)} %`);
  if (gaps.some((g) => g < FREEZE_MS / 2)) failures.push(`a freeze did not stop the page's timers (longest timer gaps ${gaps.join(', ')} ms)`);
  if (pageErrors.length) failures.push(`${pageErrors.length} uncaught page error(s)`);
  if (perChannel.some((c) => c.mustArrive === 0)) failures.push('a channel had no event that had to arrive (the accounting measured nothing)');
  console.log(failures.length ? `soak: FAIL\n  - ${failures.join('\n  - ')}` : 'soak: PASS');
  console.log(`soak: report written to ${path.relative(ROOT, REPORT)}`);
  return failures.length ? 1 : 0;
}

// ---- disruptions ------------------------------------------------------------------------------
async function disrupt(kind, d, page, cdp) {
  d.start = Date.now();
  if (kind === 'kill') {
    await backend('/test/sockudo/kill');
    await sleep(KILL_DOWN_MS);
    await backend('/test/sockudo/start');
  } else if (kind === 'offline') {
    await setOffline(cdp, true);
    proxy.block(true); // what really drops the open socket (and refuses new ones)
    await sleep(OFFLINE_MS);
    proxy.block(false);
    await setOffline(cdp, false);
  } else if (kind === 'freeze') {
    // Page.setWebLifecycleState('frozen') alone does not stop a visible headless page (see
    // probeLifecycleFreeze); the debugger's pause really stops its JS thread: no timers, no
    // socket events (they queue), while the socket stays open.
    await page.evaluate(() => { window.soakBeat.maxGap = 0; });
    frozen = true;
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    await cdp.send('Debugger.enable');
    const paused = new Promise((resolve) => cdp.once('Debugger.paused', resolve));
    await cdp.send('Debugger.pause');
    await Promise.race([paused, sleep(1000)]); // the 100 ms heartbeat runs JS soon
    await sleep(FREEZE_MS);
    await cdp.send('Debugger.resume');
    await cdp.send('Debugger.disable');
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    frozen = false;
    d.timerGapMs = await page.evaluate(() => { const b = window.soakBeat; return Math.max(b.maxGap, Date.now() - b.last); });
  }
  d.end = Date.now();
  if (d.warmup && kind !== 'freeze') warmupCuts.push(d);
}

function setOffline(cdp, offline) {
  return cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
}

/**
 * Does offline emulation alone cut an open WebSocket? Goes offline for 1.5 s without touching
 * the proxy, publishes one event meanwhile, and reports what the client saw.
 */
async function probeOfflineEmulation(page, cdp) {
  const before = await page.evaluate(() => window.echo.socketId());
  const openBefore = proxy.open;
  await setOffline(cdp, true);
  await sleep(300);
  const probeSeqStart = published[0].length;
  await sleep(1200);
  await drain0(page);
  const during = await page.evaluate(() => [window.echo.connectionStatus(), navigator.onLine, window.echo.socketId()]);
  const gotWhileOffline = [...received[0].keys()].filter((s) => s >= probeSeqStart).length;
  const openWhileOffline = proxy.open;
  await setOffline(cdp, false);
  await sleep(1000);
  await drain0(page);
  const after = await page.evaluate(() => window.echo.socketId());
  const gotAfter = [...received[0].keys()].filter((s) => s >= probeSeqStart).length;
  return {
    socketClosedByOfflineEmulation: during[2] !== before,
    statusWhileOffline: during[0], navigatorOnLine: during[1],
    tcpConnectionsOpenWhileOffline: openWhileOffline, tcpConnectionsBefore: openBefore,
    eventsReceivedWhileOffline: gotWhileOffline, eventsReceivedAfterOnline: gotAfter,
    sameSocketAfterOnline: after === before,
  };
}
/** Does Page.setWebLifecycleState('frozen') alone stop the page? Freezes it for 1 s and measures its timers. */
async function probeLifecycleFreeze(page, cdp) {
  await page.evaluate(() => {
    window.soakBeat.maxGap = 0;
    window.soakLifecycle = [];
    document.addEventListener('freeze', () => window.soakLifecycle.push('freeze'), { once: true });
    document.addEventListener('resume', () => window.soakLifecycle.push('resume'), { once: true });
  });
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await sleep(1000);
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  await sleep(200);
  const r = await page.evaluate(() => ({ gap: window.soakBeat.maxGap, events: window.soakLifecycle, visibility: document.visibilityState }));
  return { pageStopped: r.gap > 500, longestTimerGapMs: r.gap, lifecycleEvents: r.events, visibilityState: r.visibility };
}

async function drain0(page) {
  const d = await page.evaluate(() => window.soakDrain());
  for (const [i, seq, at] of d.ev) { const m = received[i]; if (!m.has(seq)) m.set(seq, []); m.get(seq).push(at); }
  for (const [i, at] of d.sub) subs[i].push(at);
  states.push(...d.state);
  errors.push(...d.err);
}

async function memory(page, cdp) {
  await cdp.send('HeapProfiler.enable');
  for (let k = 0; k < 3; k++) await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize, embedderHeapUsedSize } = await cdp.send('Runtime.getHeapUsage');
  // wasm-bindgen's init returns the instance's exports once initialized (memory included).
  const wasm = await page.evaluate(async () => (await (await import('/pkg/dist/echo_wasm.js')).default()).memory.buffer.byteLength);
  return { jsHeap: usedSize, wasm, embedderHeap: embedderHeapUsedSize };
}

/**
 * A heap snapshot split into compiled code (V8 `code` nodes: the JIT's output, which grows as
 * functions tier up) and everything else (objects, strings, arrays, closures, DOM wrappers),
 * to tell JIT warm-up from a leak. Not a gate: figures for the report.
 */
async function heapBreakdown(cdp) {
  for (let k = 0; k < 3; k++) await cdp.send('HeapProfiler.collectGarbage');
  const chunks = [];
  const onChunk = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snap = JSON.parse(chunks.join(''));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  const out = { code: 0, objects: 0, native: 0 };
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]];
    const size = snap.nodes[i + sizeAt];
    if (type === 'code') out.code += size; else if (type === 'native') out.native += size; else out.objects += size;
  }
  return out;
}

function countBy(xs) { const o = {}; for (const x of xs) o[x] = (o[x] || 0) + 1; return o; }

function printReport(r) {
  console.log('\n==================== soak report ====================');
  console.log(`mode ${r.mode}, ${r.durationS} s after warm-up; plan ${JSON.stringify(r.plan)}`);
  console.log(`Page.setWebLifecycleState('frozen') alone stopped the page: ${r.lifecycleFreezeProbe.pageStopped} (longest timer gap ${r.lifecycleFreezeProbe.longestTimerGapMs} ms, events ${JSON.stringify(r.lifecycleFreezeProbe.lifecycleEvents)}); freezes use Debugger.pause as well`);
  console.log(`offline emulation alone closed the WebSocket: ${r.offlineEmulationProbe.socketClosedByOfflineEmulation} (events received while offline: ${r.offlineEmulationProbe.eventsReceivedWhileOffline}, TCP connections open: ${r.offlineEmulationProbe.tcpConnectionsOpenWhileOffline})`);
  for (const [kind, k] of Object.entries(r.disruptions)) {
    console.log(`  ${kind.padEnd(8)} ${k.done}/${k.planned} done, ${k.recovered} recovered (all 4 channels subscribed + a fresh event on each); recovery ms median ${k.recoveryMs?.median} p95 ${k.recoveryMs?.p95} max ${k.recoveryMs?.max}${k.pageTimerGapMs ? `; page timers stopped ${k.pageTimerGapMs.min}-${k.pageTimerGapMs.max} ms per freeze` : ''}`);
  }
  console.log('  channel                              published  acked  received  must-arrive  lost  dups  not-delivered-while-disrupted');
  for (const c of r.channels) {
    console.log(`  ${c.channel.padEnd(36)} ${String(c.published).padStart(9)} ${String(c.acknowledged).padStart(6)} ${String(c.received).padStart(9)} ${String(c.mustArrive).padStart(12)} ${String(c.lost).padStart(5)} ${String(c.duplicates).padStart(5)} ${String(c.notDeliveredWhileDisrupted).padStart(6)}`);
  }
  const pct = (x) => `${(x * 100).toFixed(2)} %`;
  console.log(`  JS heap  ${r.memory.start.jsHeap} -> ${r.memory.end.jsHeap} B (${pct(r.memory.jsHeapGrowth)}; without compiled code ${pct(r.memory.jsHeapGrowthExcludingCode)}: the gate, limit 5 %)`);
  console.log(`  JS heap samples (after N disruptions): ${r.memory.samples.map((m) => `${m.after}:${m.jsHeap}`).join(' ')}`);
  const sn = r.memory.snapshot;
  console.log(`  heap snapshot: JS objects ${sn.start.objects} -> ${sn.end.objects} B (${pct(sn.objectsGrowth)}), compiled code ${sn.start.code} -> ${sn.end.code} B (${pct(sn.codeGrowth)}), embedder heap ${r.memory.start.embedderHeap} -> ${r.memory.end.embedderHeap} B`);
  console.log(`  wasm mem ${r.memory.start.wasm} -> ${r.memory.end.wasm} B (${pct(r.memory.wasmGrowth)})`);
  console.log(`  client reconnects ${r.client.reconnects}, errors reported ${r.client.channelErrors} ${JSON.stringify(r.client.errorCodes)}, page errors ${r.pageErrors.length}`);
}
