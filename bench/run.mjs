// echo-wasm benchmark runner (started by scripts/bench, which runs the harness and exports
// its ECHO_TEST_* variables). Three clients in one headless Chromium, interleaved per
// repetition (floor, reference, echo-wasm, floor, ...), after a warm-up:
//   floor      a bare WebSocket: JSON.parse frame, JSON.parse data, one comparison, callback
//   reference  pusher-js 8.6.0 + laravel-echo 2.5.0
//   echo-wasm  the built package (pkg/), `import Echo from '/pkg/index.js'`
// The load section builds a small Vue app per client instead (lib/load.mjs, apps/load/).
// Writes bench/results/latest.json and BENCHMARKS.md (see lib/report.mjs).
//
//   node bench/run.mjs [--quick] [--only size,load,cpu,cpusweep,dispatch,e2e,latency,memory,cycles,reconnect,tabs,profile]
// The tabs section (lib/tabs.mjs) opens N tabs of one context instead: connections, auth
// requests, memory per tab, and echo-wasm's hand-off times with shareConnection: true.
import { chromium } from 'playwright-core';
import { Worker } from 'node:worker_threads';
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Pusher from 'pusher';
import { summary, median, quantile } from './lib/stats.mjs';
import { measureSizes } from './lib/size.mjs';
import { renderReport } from './lib/report.mjs';
import { loadSection } from './lib/load.mjs';
import { summariseProfile, allocationsPerEvent } from './lib/profile.mjs';
import { tabsSection } from './lib/tabs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const ONLY = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',') : null;
const want = (s) => !ONLY || ONLY.includes(s);

const need = (n) => { if (!process.env[n]) throw new Error(`${n} is not set: run through scripts/bench`); return process.env[n]; };
const env = {
  backend: need('ECHO_TEST_BACKEND_URL'), wsPort: Number(need('ECHO_TEST_WS_PORT')), key: need('ECHO_TEST_APP_KEY'),
  appId: need('ECHO_TEST_APP_ID'), secret: need('ECHO_TEST_APP_SECRET'), metricsPort: Number(need('ECHO_TEST_METRICS_PORT')),
};
const PKG_NAMES = process.env.BENCH_PKG_NAMES_URL || null; // unstripped build for profiling, if any

// Counts. Quick: one repetition, tiny counts, no conclusions.
const P = QUICK
  ? { reps: 1, cpuSmall: 5000, cpuLarge: 1000, cpuWarm: 1000, dispatchN: 2000, dispatchChannels: 1000, dispatchListeners: 100,
      e2eN: 20000, e2eWarm: 2000, latRate: 500, latSeconds: 1, memChannels: [1, 100, 1000], memReps: 1, cycles: 50,
      reconnectChannels: 100, reconnectReps: 1, profileN: 20000, loadReps: 1 }
  : { reps: 5, cpuSmall: 200000, cpuLarge: 50000, cpuWarm: 20000, dispatchN: 100000, dispatchChannels: 10000, dispatchListeners: 100,
      e2eN: 300000, e2eWarm: 30000, latRate: 500, latSeconds: 10, memChannels: [1, 100, 1000, 10000], memReps: 3, cycles: 1000,
      reconnectChannels: 100, reconnectReps: 5, profileN: 200000, loadReps: 9 };
const CLIENTS = ['floor', 'reference', 'echo-wasm'];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

const log = (...a) => console.log('bench:', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const results = {
  quick: QUICK, only: ONLY, params: P, date: new Date().toISOString(), command: process.env.BENCH_COMMAND || `node bench/run.mjs ${args.join(' ')}`,
  machine: machine(), sections: {}, notes: [], pageErrors: [],
};

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = (/^model name\s*:\s*(.*)$/m.exec(cpuinfo) || [])[1] || 'unknown';
  let nproc = 'unknown';
  try { nproc = execSync('nproc').toString().trim(); } catch {}
  let mem = '';
  try { mem = `${Math.round(Number(/MemTotal:\s*(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))[1]) / 1048576)} GiB`; } catch {}
  return { nproc, cpu: model, memory: mem, node: process.version, os: `${process.platform} ${execSync('uname -r').toString().trim()}` };
}

// ---------------------------------------------------------------- browser helpers
let browser;
async function openPage(client, { fake = true, port = 1, pkg = '/pkg', extra = {} } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => results.pageErrors.push(`${client}: ${String(e)}`));
  const qs = new URLSearchParams({ client, fake: fake ? '1' : '0', key: env.key, port: String(port), pkg, ...extra });
  await page.goto(`${env.backend}/bench-pages/bench.html?${qs}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
  page.cdp = await context.newCDPSession(page);
  return page;
}
const closePage = (page) => page.context().close().catch(() => {});
async function gc(page) {
  for (let i = 0; i < 3; i++) await page.cdp.send('HeapProfiler.collectGarbage');
}
async function heap(page) {
  await gc(page);
  const { usedSize } = await page.cdp.send('Runtime.getHeapUsage');
  const wasm = await page.evaluate(() => B.wasmMemoryBytes());
  return { js: usedSize, wasm };
}
/** Connects the page's client and subscribes `tenant.1.inventory` with the counting listener. */
async function setupCounting(page, { extraChannels = 0, extraListeners = 0 } = {}) {
  await page.evaluate(async ([extraChannels, extraListeners]) => {
    B.make();
    await B.until(() => B.connected());
    const noop = () => {};
    for (let i = 0; i < extraChannels; i++) B.listen(`tenant.1.c${i}`, '.inventory.update', noop);
    for (let i = 0; i < extraListeners; i++) B.listen('tenant.1.inventory', `.other.${i}`, noop);
    B.listen('tenant.1.inventory', '.inventory.update', B.counter());
    await B.until(() => B.subTime.size >= extraChannels + 1, 120000);
  }, [extraChannels, extraListeners]);
}
const fmt = (x, d = 2) => (x == null ? 'n/a' : Number(x).toFixed(d));

// ---------------------------------------------------------------- 1. CPU per inbound event
// Payload shapes (bench/pages/bench.js `B.frames`): ~100 B of five fields; ~2 KB of many
// fields (18 nested objects: JSON.parse dominates); ~2 KB that is one long string (JSON.parse
// is cheap, so the fixed per-event cost shows).
const CPU_KINDS = ['small', 'large', 'text'];
const cpuCount = (kind) => (kind === 'small' ? P.cpuSmall : P.cpuLarge);

async function cpuSection() {
  log(`cpu: ${P.cpuSmall} x ~100 B, ${P.cpuLarge} x ~2 KB (many fields) and ${P.cpuLarge} x ~2 KB (one string) events through the fake socket, ${P.reps} reps`);
  const pages = {};
  for (const c of CLIENTS) { pages[c] = await openPage(c); await setupCounting(pages[c]); }
  const out = {};
  const frameInfo = {};
  for (const c of CLIENTS) { // warm-up
    for (const kind of CPU_KINDS) frameInfo[kind] = await pages[c].evaluate(([n, k]) => B.cpuRun(n, k), [P.cpuWarm, kind]);
  }
  const runs = Object.fromEntries(CPU_KINDS.map((k) => [k, {}]));
  for (let rep = 0; rep < P.reps; rep++) {
    for (const kind of CPU_KINDS) {
      for (const c of CLIENTS) {
        await gc(pages[c]);
        const n = cpuCount(kind);
        const r = await pages[c].evaluate(([n, k]) => B.cpuRun(n, k), [n, kind]);
        if (r.count !== n) throw new Error(`cpu: ${c} counted ${r.count} of ${n}`);
        (runs[kind][c] ||= []).push(r.us);
      }
    }
    log(`cpu: rep ${rep + 1}: ` + CPU_KINDS.map((k) => `${k}: ` + CLIENTS.map((c) => `${c} ${fmt(runs[k][c].at(-1), 3)}`).join(', ')).join(' | ') + ' µs/event');
  }
  for (const kind of CPU_KINDS) { out[kind] = {}; for (const c of CLIENTS) out[kind][c] = summary(runs[kind][c]); }
  // Each rep's ratios, measured in the same round (the machine is shared: absolute µs move).
  out.roundRatios = Object.fromEntries(CPU_KINDS.map((k) => [k, runs[k]['echo-wasm'].map((e, i) => ({ floor: e / runs[k].floor[i], reference: e / runs[k].reference[i] }))]));
  out.kinds = CPU_KINDS;
  out.frames = Object.fromEntries(CPU_KINDS.map((k) => [k, { frameBytes: frameInfo[k].frameBytes, dataBytes: frameInfo[k].dataBytes }]));
  out.counts = Object.fromEntries(CPU_KINDS.map((k) => [k, cpuCount(k)]));
  log('cpu: medians, echo-wasm / floor and / reference: ' + CPU_KINDS.map((k) => `${k} ${fmt(out[k]['echo-wasm'].median / out[k].floor.median)}x / ${fmt(out[k]['echo-wasm'].median / out[k].reference.median)}x`).join(', '));
  // The engine clock is read once per frame: what one read costs in this browser (issue 12,
  // item 7: monotonic performance.now() in place of Date.now()).
  out.clock = await pages['echo-wasm'].evaluate((n) => {
    const time = (read) => { let x = 0; const t0 = performance.now(); for (let i = 0; i < n; i++) x += read(); return [(performance.now() - t0) * 1e6 / n, x]; };
    const origin = performance.timeOrigin;
    time(() => Date.now()); time(() => origin + performance.now()); // warm-up
    return { dateNowNs: time(() => Date.now())[0], performanceNowNs: time(() => origin + performance.now())[0], calls: n };
  }, P.reps > 1 ? 2_000_000 : 100_000);
  log(`cpu: clock read per frame: performance.timeOrigin + performance.now() ${fmt(out.clock.performanceNowNs, 1)} ns, Date.now() ${fmt(out.clock.dateNowNs, 1)} ns (${out.clock.calls} calls each)`);
  for (const c of CLIENTS) await closePage(pages[c]);
  return out;
}

// ---------------------------------------------------------------- 1b. CPU per event against payload size
// The one-string shape at growing lengths, floor and echo-wasm interleaved: whether echo-wasm's
// cost over the floor (same round) grows with the payload (a copy or a parse the floor does not
// make would show as a slope).
const SWEEP_LENGTHS = [100, 1900, 8000, 32000];
async function cpuSweepSection() {
  const clients = ['floor', 'echo-wasm'];
  const count = (len) => (QUICK ? 500 : Math.round((50000 * 2000) / Math.max(2000, len)));
  log(`cpusweep: one-string payloads of ${SWEEP_LENGTHS.join(' / ')} characters, floor and echo-wasm, ${P.reps} reps`);
  const pages = {};
  for (const c of clients) { pages[c] = await openPage(c); await setupCounting(pages[c]); }
  const frames = {};
  for (const c of clients) for (const len of SWEEP_LENGTHS) frames[len] = await pages[c].evaluate(([n, k]) => B.cpuRun(n, k), [Math.min(P.cpuWarm, count(len)), `text-${len}`]);
  const runs = {};
  for (let rep = 0; rep < P.reps; rep++) {
    for (const len of SWEEP_LENGTHS) for (const c of clients) {
      await gc(pages[c]);
      const n = count(len);
      const r = await pages[c].evaluate(([n, k]) => B.cpuRun(n, k), [n, `text-${len}`]);
      if (r.count !== n) throw new Error(`cpusweep: ${c} counted ${r.count} of ${n}`);
      ((runs[len] ||= {})[c] ||= []).push(r.us);
    }
    log(`cpusweep: rep ${rep + 1}: ` + SWEEP_LENGTHS.map((len) => `${len}: floor ${fmt(runs[len].floor.at(-1), 3)}, echo-wasm ${fmt(runs[len]['echo-wasm'].at(-1), 3)}`).join(' | ') + ' µs/event');
  }
  const out = { lengths: SWEEP_LENGTHS, rows: [] };
  for (const len of SWEEP_LENGTHS) {
    const e = runs[len]['echo-wasm'], fl = runs[len].floor;
    out.rows.push({ len, n: count(len), frameBytes: frames[len].frameBytes, dataBytes: frames[len].dataBytes,
      floor: summary(fl), echo: summary(e), overUs: summary(e.map((x, i) => x - fl[i])), ratio: summary(e.map((x, i) => x / fl[i])) });
  }
  // Least-squares slope of the same-round overhead (µs) against the frame size (KB).
  const pts = out.rows.map((r) => [r.frameBytes / 1000, r.overUs.median]);
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length, my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  out.slopeUsPerKB = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  out.slopeFloorUsPerKB = (() => { const q = out.rows.map((r) => [r.frameBytes / 1000, r.floor.median]); const qx = q.reduce((s, p) => s + p[0], 0) / q.length, qy = q.reduce((s, p) => s + p[1], 0) / q.length; return q.reduce((s, p) => s + (p[0] - qx) * (p[1] - qy), 0) / q.reduce((s, p) => s + (p[0] - qx) ** 2, 0); })();
  log(`cpusweep: echo-wasm over floor (same round, median): ` + out.rows.map((r) => `${r.frameBytes} B ${fmt(r.overUs.median, 3)} µs (${fmt(r.ratio.median)}x)`).join(', ') + `; slope ${fmt(out.slopeUsPerKB, 3)} µs per KB of frame (floor itself ${fmt(out.slopeFloorUsPerKB, 3)} µs per KB)`);
  for (const c of clients) await closePage(pages[c]);
  return out;
}

// ---------------------------------------------------------------- 7. dispatch scaling
async function dispatchSection() {
  const clients = ['reference', 'echo-wasm'];
  const configs = [
    { name: 'base', label: '1 channel, 1 listener', opts: {} },
    { name: 'channels', label: `${P.dispatchChannels} channels`, opts: { extraChannels: P.dispatchChannels - 1 } },
    { name: 'listeners', label: `${P.dispatchListeners} listeners on other events`, opts: { extraListeners: P.dispatchListeners - 1 } },
  ];
  log(`dispatch: ${P.dispatchN} ~100 B events; ${configs.map((c) => c.label).join(' / ')}; ${P.reps} reps`);
  const pages = {};
  for (const cfg of configs) for (const c of clients) {
    const page = await openPage(c); await setupCounting(page, cfg.opts);
    await page.evaluate((n) => B.cpuRun(n, 'small'), Math.min(P.cpuWarm, P.dispatchN)); // warm-up
    pages[cfg.name + c] = page;
  }
  const runs = {};
  for (let rep = 0; rep < P.reps; rep++) {
    for (const cfg of configs) for (const c of clients) {
      const page = pages[cfg.name + c];
      await gc(page);
      const r = await page.evaluate((n) => B.cpuRun(n, 'small'), P.dispatchN);
      (runs[cfg.name + c] ||= []).push(r.us);
    }
  }
  const out = { configs: configs.map(({ name, label }) => ({ name, label })), clients, n: P.dispatchN, results: {} };
  for (const cfg of configs) for (const c of clients) (out.results[cfg.name] ||= {})[c] = summary(runs[cfg.name + c]);
  for (const p of Object.values(pages)) await closePage(p);
  log('dispatch: ' + configs.map((cfg) => `${cfg.name}: ` + clients.map((c) => `${c} ${fmt(out.results[cfg.name][c].median, 3)}`).join(', ')).join(' | '));
  return out;
}

// ---------------------------------------------------------------- 2. end-to-end throughput
async function e2eSection() {
  log(`e2e: ${P.e2eN} ~100 B events from a local ws server, ${P.reps} reps`);
  const worker = new Worker(path.join(HERE, 'lib/e2e-server.mjs'));
  const messages = [];
  let wake = null;
  worker.on('message', (m) => { messages.push(m); if (wake) wake(); });
  worker.on('error', (e) => { messages.push({ type: 'error', e }); if (wake) wake(); });
  const next = async (type) => {
    for (;;) {
      const i = messages.findIndex((m) => m.type === type || m.type === 'error');
      if (i >= 0) { const m = messages.splice(i, 1)[0]; if (m.type === 'error') throw m.e; return m; }
      await new Promise((r) => { wake = r; });
    }
  };
  try {
    const { port } = await next('listening');
    const pages = {};
    for (const c of CLIENTS) {
      pages[c] = await openPage(c, { fake: false, port });
      await pages[c].evaluate(async () => { B.make(); await B.until(() => B.connected(), 15000); });
    }
    const frames = await pages.floor.evaluate(() => B.frames('small', 1000));
    const run = async (c, n) => {
      worker.postMessage({ type: 'config', n, frames }); await next('configured');
      const r = await pages[c].evaluate(async (n) => {
        B.count = 0; B.target = n; B.tEnd = 0; B.tFirst = 0;
        const t0 = performance.now();
        B.listen('tenant.1.inventory', '.inventory.update', B.counter());
        await B.until(() => B.count >= n, 300000);
        const r = { count: B.count, firstToLast: B.tEnd - B.tFirst, fromSubscribe: B.tEnd - t0 };
        B.leave('tenant.1.inventory');
        return r;
      }, n);
      const blasted = await next('blasted');
      return { evs: ((n - 1) * 1000) / r.firstToLast, evsFromSubscribe: (n * 1000) / r.fromSubscribe, serverMs: blasted.ms };
    };
    for (const c of CLIENTS) await run(c, P.e2eWarm);
    const runs = {};
    for (let rep = 0; rep < P.reps; rep++) {
      for (const c of CLIENTS) { await gc(pages[c]); (runs[c] ||= []).push(await run(c, P.e2eN)); }
      log(`e2e: rep ${rep + 1}: ` + CLIENTS.map((c) => `${c} ${Math.round(runs[c].at(-1).evs)}`).join(', ') + ' events/s');
    }
    const out = { n: P.e2eN, results: {} };
    for (const c of CLIENTS) out.results[c] = { ...summary(runs[c].map((r) => r.evs)), serverMs: summary(runs[c].map((r) => r.serverMs)) };
    for (const c of CLIENTS) await closePage(pages[c]);
    return out;
  } finally {
    worker.postMessage({ type: 'close' });
    await Promise.race([new Promise((r) => worker.once('exit', r)), sleep(2000)]);
    await worker.terminate();
  }
}

// ---------------------------------------------------------------- 3. latency through Sockudo
async function latencySection() {
  const total = Math.round(P.latRate * P.latSeconds);
  log(`latency: ${P.latRate}/s for ${P.latSeconds} s through Sockudo (pusher SDK from Node), ${P.reps} reps`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const pusher = new Pusher({ appId: env.appId, key: env.key, secret: env.secret, host: '127.0.0.1', port: String(env.wsPort), useTLS: false, agent });
  const pages = {};
  for (const c of CLIENTS) {
    pages[c] = await openPage(c, { fake: false, port: env.wsPort });
    await pages[c].evaluate(async () => { B.make(); await B.until(() => B.connected(), 15000); });
  }
  const publish = async (n, rate) => {
    const interval = 1000 / rate; const start = performance.now(); const pending = []; let failed = 0;
    for (let seq = 0; seq < n; seq++) {
      const wait = start + seq * interval - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(pusher.trigger('tenant.1.inventory', 'inventory.update', { t: now(), n: seq, sku: 'SKU-100000', qty: 3, warehouse: 'north-1' }).catch(() => { failed++; }));
    }
    await Promise.all(pending);
    return { failed, seconds: (performance.now() - start) / 1000 };
  };
  const run = async (c, n) => {
    await pages[c].evaluate(async () => {
      B.lat = []; B.count = 0;
      B.listen('tenant.1.inventory', '.inventory.update', B.latencyListener());
      await B.until(() => B.isSubscribed('tenant.1.inventory'), 15000);
    });
    await sleep(100);
    const pub = await publish(n, P.latRate);
    const lat = await pages[c].evaluate(async (n) => {
      const end = performance.now() + 3000;
      while (B.count < n && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
      const lat = B.lat.slice();
      B.leave('tenant.1.inventory');
      return lat;
    }, n - pub.failed);
    await sleep(200);
    return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: Math.max(...lat), received: lat.length, sent: n, failed: pub.failed, seconds: pub.seconds };
  };
  for (const c of CLIENTS) await run(c, Math.min(200, total)); // warm-up
  const runs = {};
  for (let rep = 0; rep < P.reps; rep++) {
    for (const c of CLIENTS) (runs[c] ||= []).push(await run(c, total));
    log(`latency: rep ${rep + 1}: ` + CLIENTS.map((c) => { const r = runs[c].at(-1); return `${c} p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} ms (${r.received}/${r.sent})`; }).join(', '));
  }
  const out = { rate: P.latRate, seconds: P.latSeconds, results: {} };
  for (const c of CLIENTS) {
    out.results[c] = { p50: summary(runs[c].map((r) => r.p50)), p99: summary(runs[c].map((r) => r.p99)),
      received: runs[c].reduce((s, r) => s + r.received, 0), sent: runs[c].reduce((s, r) => s + r.sent, 0), failed: runs[c].reduce((s, r) => s + r.failed, 0) };
  }
  for (const c of CLIENTS) await closePage(pages[c]);
  agent.destroy();
  return out;
}

// ---------------------------------------------------------------- 5. memory
async function memorySection() {
  log(`memory: heap + wasm after ${P.memChannels.join(' / ')} channels, ${P.memReps} reps`);
  const runs = {};
  for (let rep = 0; rep < P.memReps; rep++) {
    for (const c of CLIENTS) {
      const page = await openPage(c);
      await page.evaluate(async () => { B.make(); await B.until(() => B.connected()); });
      const base = await heap(page);
      const row = { base, at: {} };
      let have = 0;
      for (const target of P.memChannels) {
        await page.evaluate(async ([from, to]) => {
          for (let i = from; i < to; i++) B.listen(`tenant.1.m${i}`, '.inventory.update', (d) => { B.sink ^= d.n; });
          await B.until(() => B.subTime.size >= to, 120000);
        }, [have, target]);
        have = target;
        row.at[target] = await heap(page);
      }
      (runs[c] ||= []).push(row);
      await closePage(page);
    }
  }
  const out = { channels: P.memChannels, results: {} };
  for (const c of CLIENTS) {
    const r = { base: { js: median(runs[c].map((x) => x.base.js)), wasm: median(runs[c].map((x) => x.base.wasm)) }, at: {} };
    for (const n of P.memChannels) {
      const js = runs[c].map((x) => x.at[n].js - x.base.js);
      const wasm = runs[c].map((x) => (x.at[n].wasm == null ? null : x.at[n].wasm - x.base.wasm));
      const total = runs[c].map((x, i) => js[i] + (wasm[i] || 0));
      r.at[n] = { jsDelta: summary(js), wasmDelta: wasm[0] == null ? null : summary(wasm), totalDelta: summary(total), perChannel: median(total) / n };
    }
    out.results[c] = r;
  }
  log('memory: per channel at ' + P.memChannels.at(-1) + ': ' + CLIENTS.map((c) => `${c} ${Math.round(out.results[c].at[P.memChannels.at(-1)].perChannel)} B`).join(', '));
  return out;
}

// ---------------------------------------------------------------- 5b. connect/disconnect cycles
async function cyclesSection() {
  const variants = [
    { name: 'floor', client: 'floor', how: 'ws.close(); new WebSocket' },
    { name: 'reference', client: 'reference', how: 'echo.disconnect(); echo.connect() (laravel-echo: a new connector and Pusher each time; channels dropped)' },
    { name: 'reference (pusher)', client: 'reference', how: 'echo.connector.pusher.disconnect(); .connect() (channels kept, resubscribed)' },
    { name: 'echo-wasm', client: 'echo-wasm', how: 'echo.disconnect(); echo.connect() (channels kept, resubscribed)' },
  ];
  log(`cycles: ${P.cycles} disconnect/connect cycles with 10 subscribed channels`);
  const out = { cycles: P.cycles, channels: 10, results: {} };
  for (const v of variants) {
    const page = await openPage(v.client);
    const mode = v.name === 'reference (pusher)' ? 'pusher' : 'echo';
    await page.evaluate(async () => {
      B.make(); await B.until(() => B.connected());
      for (let i = 0; i < 10; i++) B.listen(`tenant.1.k${i}`, '.inventory.update', (d) => { B.sink ^= d.n; });
      await B.until(() => B.subTime.size >= 10);
      B.names = [...B.chans.keys()];
      B.cycle = async (n, mode) => {
        const resub = B.client !== 'reference' || mode === 'pusher';
        for (let i = 0; i < n; i++) {
          if (mode === 'pusher') { B.echo.connector.pusher.disconnect(); B.echo.connector.pusher.connect(); } else { B.echo.disconnect(); B.echo.connect(); }
          await B.until(() => B.connected() && (!resub || B.allSubscribed(B.names)), 10000);
        }
      };
    });
    await page.evaluate((mode) => B.cycle(20, mode), mode); // warm-up
    const before = await heap(page);
    const t0 = performance.now();
    await page.evaluate(([n, mode]) => B.cycle(n, mode), [P.cycles, mode]);
    const ms = performance.now() - t0;
    const after = await heap(page);
    const sockets = await page.evaluate(() => B.fake.sockets);
    out.results[v.name] = { how: v.how, before, after, jsGrowthPct: ((after.js - before.js) / before.js) * 100,
      wasmGrowthPct: before.wasm ? ((after.wasm - before.wasm) / before.wasm) * 100 : null, msPerCycle: ms / P.cycles, sockets };
    log(`cycles: ${v.name}: JS heap ${before.js} -> ${after.js} (${fmt(out.results[v.name].jsGrowthPct)} %)` + (before.wasm ? `, wasm ${before.wasm} -> ${after.wasm}` : '') + `, ${fmt(ms / P.cycles)} ms/cycle`);
    await closePage(page);
  }
  return out;
}

// ---------------------------------------------------------------- 6. reconnect after a Sockudo crash
async function reconnectSection() {
  const clients = ['reference', 'echo-wasm'];
  const N = P.reconnectChannels;
  log(`reconnect: ${N} private channels, Sockudo kill -9 + start, ${P.reconnectReps} reps`);
  const post = async (p) => { const r = await fetch(env.backend + p, { method: 'POST' }); if (!r.ok) throw new Error(`POST ${p} -> ${r.status} ${await r.text()}`); };
  const up = async () => { try { const r = await fetch(`http://127.0.0.1:${env.wsPort}/up`); return r.ok; } catch { return false; } };
  const runs = {};
  for (let rep = 0; rep < P.reconnectReps; rep++) {
    for (const c of clients) {
      const page = await openPage(c, { fake: false, port: env.wsPort });
      await page.evaluate(async (N) => {
        B.make({ bearerToken: 'token-user-1' });
        await B.until(() => B.connected(), 15000);
        for (let i = 0; i < N; i++) B.listen(`private-tenant.1.ch${i}`, '.inventory.update', () => {});
        B.names = [...B.chans.keys()];
        await B.until(() => B.subTime.size >= N && B.allSubscribed(B.names), 30000);
      }, N);
      await post('/test/sockudo/kill');
      const tKill = now();
      await page.evaluate(() => B.subTime.clear());
      const starting = post('/test/sockudo/start');
      let tUp = null;
      while (tUp == null) { if (await up()) tUp = now(); else await sleep(10); }
      await starting;
      const r = await page.evaluate(async (N) => {
        await B.until(() => B.subTime.size >= N && B.allSubscribed(B.names), 60000);
        const times = [...B.subTime.values()];
        return { first: Math.min(...times), last: Math.max(...times), errors: B.errors.length };
      }, N);
      const row = { ms: r.last - tUp, firstMs: r.first - tUp, fromKillMs: r.last - tKill, downMs: tUp - tKill, errors: r.errors };
      (runs[c] ||= []).push(row);
      log(`reconnect: rep ${rep + 1} ${c}: all ${N} resubscribed ${fmt(row.ms, 0)} ms after /up (first ${fmt(row.firstMs, 0)} ms; server down ${fmt(row.downMs, 0)} ms)`);
      await closePage(page);
    }
  }
  const out = { channels: N, results: {} };
  for (const c of clients) out.results[c] = { ms: summary(runs[c].map((r) => r.ms)), firstMs: summary(runs[c].map((r) => r.firstMs)), downMs: summary(runs[c].map((r) => r.downMs)), runs: runs[c] };
  return out;
}

// ---------------------------------------------------------------- profile of echo-wasm
// echo-wasm and the floor under the CDP sampling profiler, per payload shape (and a 32,000-character string), so the per-event
// self time of each function (and of each part: JSON.parse, the MessageEvent.data getter,
// string copies into Rust, the listener, wasm, GC) can be compared across sizes and shapes.
const PROFILE_KINDS = [...CPU_KINDS, 'text-32000'];
async function profileSection() {
  const pkg = PKG_NAMES || '/pkg';
  log(`profile: echo-wasm and floor CPU benchmark under the CDP profiler (${pkg === '/pkg' ? 'shipped, stripped wasm' : 'unstripped wasm with names'})`);
  const out = { pkg, n: P.profileN, kinds: {}, floor: {} };
  const glue = (await (await fetch(`${env.backend}${pkg}/dist/echo_wasm.js`)).text()).split('\n');
  for (const client of ['echo-wasm', 'floor']) {
    const page = await openPage(client, client === 'echo-wasm' ? { pkg } : {});
    await setupCounting(page);
    for (const kind of PROFILE_KINDS) await page.evaluate(([n, k]) => B.cpuRun(n, k), [Math.min(P.cpuWarm, 5000), kind]);
    await page.cdp.send('Profiler.enable');
    await page.cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    for (const kind of PROFILE_KINDS) {
      const n = kind === 'small' ? P.profileN : kind === 'text-32000' ? Math.round(P.profileN / 20) : Math.round(P.profileN / 4);
      await gc(page);
      await page.cdp.send('Profiler.start');
      const r = await page.evaluate(([n, k]) => B.cpuRun(n, k), [n, kind]);
      const { profile } = await page.cdp.send('Profiler.stop');
      const { top, parts } = summariseProfile(profile, n, glue);
      const alloc = await allocationsPerEvent(page, kind, Math.round(n / 4), gc);
      (client === 'floor' ? out.floor : out.kinds)[kind] = { n, usPerEvent: r.us, top, parts, alloc };
    }
    await closePage(page);
  }
  const top = (parts) => Object.entries(parts).slice(0, 6).map(([p, us]) => `${p} ${fmt(us, 3)}`).join(', ');
  for (const k of PROFILE_KINDS) log(`profile: ${k}, µs/event by part: echo-wasm ${top(out.kinds[k].parts)}; floor ${top(out.floor[k].parts)}`);
  for (const k of PROFILE_KINDS) log(`profile: ${k}, JS heap allocated per event: echo-wasm ${Math.round(out.kinds[k].alloc.bytesPerEvent)} B (${out.kinds[k].alloc.top.slice(0, 4).map((x) => `${x.fn} ${Math.round(x.bytesPerEvent)}`).join(', ')}); floor ${Math.round(out.floor[k].alloc.bytesPerEvent)} B (${out.floor[k].alloc.top.slice(0, 3).map((x) => `${x.fn} ${Math.round(x.bytesPerEvent)}`).join(', ')})`);
  return out;
}
// ---------------------------------------------------------------- main
async function main() {
  mkdirSync(path.join(HERE, 'results'), { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  results.machine.browser = `Chromium ${browser.version()} (headless, playwright-core ${JSON.parse(readFileSync(path.join(HERE, 'node_modules/playwright-core/package.json'), 'utf8')).version})`;
  const sections = [
    ['size', () => measureSizes({ quick: QUICK, root: ROOT, benchDir: HERE })],
    ['load', () => loadSection({ browser, env, quick: QUICK, reps: P.loadReps, root: ROOT, benchDir: HERE, log, pageErrors: results.pageErrors })],
    ['cpu', cpuSection], ['cpusweep', cpuSweepSection], ['dispatch', dispatchSection], ['e2e', e2eSection], ['latency', latencySection],
    ['memory', memorySection], ['cycles', cyclesSection], ['reconnect', reconnectSection],
    ['tabs', () => tabsSection({ browser, env, quick: QUICK, log, pageErrors: results.pageErrors })], ['profile', profileSection],
  ];
  let failed = 0;
  try {
    for (const [name, fn] of sections) {
      if (!want(name)) continue;
      const t0 = Date.now();
      try {
        results.sections[name] = await fn();
      } catch (e) {
        failed++;
        results.sections[name] = { error: String(e && e.stack || e) };
        console.error(`bench: section ${name} failed: ${e && e.stack || e}`);
      }
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      (results.load ||= {})[name] = load;
      log(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s (load average ${load})`);
    }
  } finally {
    await browser.close().catch(() => {});
  }
  const findingsFile = path.join(HERE, 'findings.md');
  if (existsSync(findingsFile) && !QUICK) results.findings = readFileSync(findingsFile, 'utf8');
  const twiggyFile = path.join(HERE, 'results', 'twiggy.txt');
  if (existsSync(twiggyFile)) results.twiggy = readFileSync(twiggyFile, 'utf8');
  writeFileSync(path.join(HERE, 'results', 'latest.json'), JSON.stringify(results, null, 2));
  log(`wrote bench/results/latest.json`);
  if (!QUICK && !ONLY) {
    writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), renderReport(results));
    log('wrote BENCHMARKS.md');
  } else {
    writeFileSync(path.join(HERE, 'results', 'report.md'), renderReport(results));
    log('wrote bench/results/report.md (quick or partial run: BENCHMARKS.md left as is)');
  }
  if (results.pageErrors.length) log(`page errors: ${results.pageErrors.slice(0, 5).join(' | ')}`);
  process.exitCode = failed ? 1 : 0;
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
