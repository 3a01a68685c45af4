// 8. Load over a slow link: the same small Vue app (bench/apps/load/shared) built three ways
// with Vite + @vitejs/plugin-vue (floor: bare WebSocket; reference: @laravel/echo-vue +
// pusher-js; echo-wasm: echo-wasm/vue), each served gzip -9 by its own static server
// (lib/gzip-server.mjs) and loaded in a fresh browser context over an emulated slow link with
// the cache off. Per run: `mounted` and `connected` (see apps/load/shared/App.vue) and the
// page's resource timing entries.
import { build } from 'vite';
import vue from '@vitejs/plugin-vue';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { summary } from './stats.mjs';
import { startGzipServer, gzipFiles } from './gzip-server.mjs';

export const LOAD_CLIENTS = ['floor', 'reference', 'echo-wasm'];
// Lighthouse's mobile figures: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip.
export const LINK = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };

const round = (x) => (x == null ? null : Math.round(x * 10) / 10);

/**
 * Copies the apps to bench/results/load/src with echo-wasm installed as a real directory (the
 * files its package.json publishes), as a registry install would: bench/node_modules/echo-wasm
 * is a `file:` symlink, through whose real path `import 'vue'` in echo-wasm/vue would not
 * resolve. Nothing in the apps' Vite config mentions echo-wasm.
 */
function stage(root, benchDir, work) {
  const src = path.join(work, 'src');
  rmSync(work, { recursive: true, force: true });
  cpSync(path.join(benchDir, 'apps', 'load'), src, { recursive: true });
  const pkgDir = path.join(root, 'pkg');
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const dest = path.join(src, 'node_modules', 'echo-wasm');
  for (const f of ['package.json', ...pkg.files]) {
    if (!existsSync(path.join(pkgDir, f))) continue;
    mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    cpSync(path.join(pkgDir, f), path.join(dest, f), { recursive: true });
  }
  return src;
}

/** Production build of one app, the same settings for all three. */
async function buildApp(src, client, outDir) {
  await build({
    root: path.join(src, client), configFile: false, logLevel: 'warn', mode: 'production', plugins: [vue()],
    build: { outDir, emptyOutDir: true, reportCompressedSize: false },
  });
  const files = [...gzipFiles(outDir)].map(([file, f]) => ({ file, raw: f.raw, gzip: f.gzip.length }));
  const total = files.reduce((t, f) => ({ raw: t.raw + f.raw, gzip: t.gzip + f.gzip }), { raw: 0, gzip: 0 });
  return { files, total };
}

/** One page load in a fresh context; resolves to the marks and resource timing. */
async function loadOnce(browser, server, query, pageErrors, client) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`load ${client}: ${String(e)}`));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', LINK);
    const before = server.requests.length;
    await page.goto(`${server.url}/?${query}`, { waitUntil: 'commit', timeout: 60000 });
    await page.waitForFunction(() => window.__load && window.__load.mounted != null && window.__load.connected != null, null, { timeout: 60000, polling: 50 });
    const r = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const main = performance.getEntriesByName('main', 'mark')[0];
      const resources = performance.getEntriesByType('resource').map((e) => ({
        path: new URL(e.name).pathname, type: e.initiatorType, start: e.startTime, responseStart: e.responseStart,
        end: e.responseEnd, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize,
      }));
      return {
        mounted: window.__load.mounted, connected: window.__load.connected, statuses: window.__load.statuses,
        main: main ? main.startTime : null, html: nav ? { end: nav.responseEnd, transfer: nav.transferSize, domContentLoaded: nav.domContentLoadedEventEnd } : null,
        resources,
      };
    });
    r.requested = server.requests.slice(before).map((q) => `${q.status} ${q.path}`);
    return r;
  } finally {
    await context.close().catch(() => {});
  }
}

/** The section: builds, serves, runs `reps` interleaved rounds (plus a warm-up round unless quick). */
export async function loadSection({ browser, env, quick, reps, root, benchDir, log, pageErrors }) {
  const work = path.join(benchDir, 'results', 'load');
  const src = stage(root, benchDir, work);
  const out = {
    link: LINK, reps, warmup: !quick, vite: JSON.parse(readFileSync(path.join(benchDir, 'node_modules/vite/package.json'), 'utf8')).version,
    pluginVue: JSON.parse(readFileSync(path.join(benchDir, 'node_modules/@vitejs/plugin-vue/package.json'), 'utf8')).version,
    apps: {}, runs: {}, results: {}, ratios: {}, timeline: {},
  };
  for (const c of LOAD_CLIENTS) {
    out.apps[c] = await buildApp(src, c, path.join(work, 'dist', c));
    log(`load: built ${c}: ${out.apps[c].total.gzip} B gzip -9 (${out.apps[c].files.map((f) => `${f.file.slice(1)} ${f.gzip}`).join(', ')})`);
  }
  const servers = {};
  try {
    for (const c of LOAD_CLIENTS) servers[c] = await startGzipServer(path.join(work, 'dist', c));
    const query = new URLSearchParams({ port: String(env.wsPort), key: env.key }).toString();
    log(`load: link ${LINK.downloadThroughput * 8 / 1e6} Mbit/s down, ${LINK.uploadThroughput * 8 / 1e3} kbit/s up, ${LINK.latency} ms RTT, cache off; ${reps} interleaved runs${quick ? '' : ' after a warm-up round'}`);
    if (!quick) for (const c of LOAD_CLIENTS) await loadOnce(browser, servers[c], query, pageErrors, c);
    for (let rep = 0; rep < reps; rep++) {
      for (const c of LOAD_CLIENTS) {
        const r = await loadOnce(browser, servers[c], query, pageErrors, c);
        (out.runs[c] ||= []).push(r);
        log(`load: run ${rep + 1} ${c}: mounted ${r.mounted.toFixed(0)} ms, connected ${r.connected.toFixed(0)} ms`);
      }
    }
  } finally {
    for (const s of Object.values(servers)) await s.close();
  }
  for (const c of LOAD_CLIENTS) {
    out.results[c] = { mounted: summary(out.runs[c].map((r) => r.mounted)), connected: summary(out.runs[c].map((r) => r.connected)) };
  }
  const R = out.results;
  for (const k of ['mounted', 'connected']) {
    out.ratios[k] = { reference: R['echo-wasm'][k].median / R.reference[k].median, floor: R['echo-wasm'][k].median / R.floor[k].median };
  }
  for (const c of LOAD_CLIENTS) out.timeline[c] = timeline(out.runs[c].at(-1));
  for (const c of LOAD_CLIENTS) {
    log(`load: median ${c}: mounted ${R[c].mounted.median.toFixed(0)} ms, connected ${R[c].connected.median.toFixed(0)} ms, app ${out.apps[c].total.gzip} B gzip`);
  }
  if (!quick) {
    for (const k of ['mounted', 'connected']) {
      log(`load: ${k}: echo-wasm/reference ${out.ratios[k].reference.toFixed(2)}x (target ≤ ${k === 'mounted' ? '1.0' : '1.3'}x), echo-wasm/floor ${out.ratios[k].floor.toFixed(2)}x`);
    }
  }
  for (const c of LOAD_CLIENTS) log(`load: timeline of the last ${c} run: ${out.timeline[c].events.map((e) => `${e.what} ${e.ms}`).join(', ')}`);
  return out;
}

/** The order of one run: HTML, each JS and wasm request (start and end), main, mounted, connected. */
export function timeline(run) {
  const events = [];
  if (run.html) events.push({ what: 'HTML received', ms: round(run.html.end) });
  for (const r of run.resources) {
    events.push({ what: `${r.path} requested`, ms: round(r.start) }, { what: `${r.path} received`, ms: round(r.end), bytes: r.transfer });
  }
  if (run.main != null) events.push({ what: 'main.js body runs', ms: round(run.main) });
  events.push({ what: 'mounted', ms: round(run.mounted) }, { what: 'connected', ms: round(run.connected) });
  events.sort((a, b) => a.ms - b.ms);
  const js = run.resources.filter((r) => /\.m?js$/.test(r.path));
  const wasm = run.resources.find((r) => r.path.endsWith('.wasm'));
  const jsEnd = js.length ? Math.max(...js.map((r) => r.end)) : null;
  return {
    events, jsEnd: round(jsEnd), wasmStart: wasm ? round(wasm.start) : null, wasmEnd: wasm ? round(wasm.end) : null,
    wasmAfterJs: wasm && jsEnd != null ? wasm.start >= jsEnd : null,
  };
}
