// The `tabs` section (issue 15): N tabs of one browser context (one origin), for N in 1, 5, 10.
// reference = pusher-js + laravel-echo (a socket per tab); echo-wasm = the package with
// `shareConnection: true`. Each tab is user 1 (bearer token) and holds the public channel plus 5
// private channels (bench/pages/tabs.html). Measured: Sockudo's open connections (its
// `sockudo_connected` gauge), the auth requests the backend logged (/test/auth-log), JS heap
// (CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage) and wasm memory per tab; for
// echo-wasm also the time from the leader tab's close, and from its freeze (lifecycle frozen +
// Debugger.pause, as the soak freezes), to events flowing again in every other tab (the last
// of them to get an event published after the cut; events are published every 100 ms).
import { summary } from './stats.mjs';

const PRIVATES = 5;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function tabsSection({ browser, env, quick, log, pageErrors }) {
  const sizes = quick ? [1, 3] : [1, 5, 10];
  const cutRuns = quick ? 2 : 10;
  const backend = (p, body) => fetch(`${env.backend}${p}`, body === undefined ? {} : {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => r.json().catch(() => null));
  const gauge = async () => {
    const text = await (await fetch(`http://127.0.0.1:${env.metricsPort}/metrics`)).text();
    return text.split('\n').filter((l) => /^sockudo_connected(\{[^}]*\})?\s/.test(l)).reduce((s, l) => s + Number(l.trim().split(/\s+/).pop()), 0);
  };
  const until = async (fn, what, timeout = 30000) => {
    const end = Date.now() + timeout;
    for (;;) { const v = await fn(); if (v) return v; if (Date.now() > end) throw new Error(`tabs: timed out waiting for ${what}`); await sleep(50); }
  };
  let seq = 0;
  const channelFor = () => `bench-tabs-${Date.now()}-${seq++}`;
  const privatesFor = (pub) => Array.from({ length: PRIVATES }, (_, i) => `tenant.1.${pub}-p${i}`);

  async function openTab(context, client, pub) {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`tabs ${client}: ${String(e)}`));
    const qs = new URLSearchParams({ client, key: env.key, port: String(env.wsPort), pkg: '/pkg' });
    await page.goto(`${env.backend}/bench-pages/tabs.html?${qs}`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
    await page.evaluate(([p, ps]) => T.make(p, ps), [pub, privatesFor(pub)]);
    page.cdp = await context.newCDPSession(page);
    if (client === 'echo-wasm') { // settled: the tabs elect in the order opened
      await until(() => page.evaluate(() => { const s = T.sharing(); return s.role === 'leader' || (s.role === 'follower' && s.tabs > 0); }), 'a settled role');
    }
    return page;
  }
  const allSubscribed = (pages) => until(async () => (await Promise.all(pages.map((p) => p.evaluate((n) => T.connected() && T.subscribed.size === n, PRIVATES + 1)))).every(Boolean), 'every tab subscribed', 60000);
  async function memory(page) {
    for (let i = 0; i < 3; i++) await page.cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await page.cdp.send('Runtime.getHeapUsage');
    return { js: usedSize, wasm: await page.evaluate(() => T.wasmMemoryBytes()), role: await page.evaluate(() => T.role()) };
  }
  /** Publishes every 100 ms from number `from` until every page got one; ms from `t0` to the last page's first arrival. */
  async function flowTime(pages, pub, from, t0) {
    let n = from;
    const end = Date.now() + 30000;
    for (;;) {
      await backend('/test/trigger', { channel: pub, event: 'ping', data: { n } });
      n += 1;
      const firsts = await Promise.all(pages.map((p) => p.evaluate((k) => T.firstFrom(k), from)));
      if (firsts.every((x) => x != null)) return { ms: Math.max(...firsts) - t0, next: n };
      if (Date.now() > end) {
        const seen = await Promise.all(pages.map((p) => p.evaluate(() => ({ status: T.echo.connectionStatus(), sharing: T.sharing() })).catch((e) => String(e))));
        throw new Error(`tabs: events did not flow again within 30 s (the tabs: ${JSON.stringify(seen)})`);
      }
      await sleep(100);
    }
  }

  const out = { sizes, privates: PRIVATES, cutRuns, results: {} };
  await until(async () => (await gauge()) === 0, 'no connection left over');
  for (const n of sizes) {
    const row = {};
    for (const client of ['reference', 'echo-wasm']) {
      await backend('/test/reset', {});
      const context = await browser.newContext();
      const pub = channelFor();
      const pages = [];
      try {
        for (let i = 0; i < n; i++) pages.push(await openTab(context, client, pub));
        await allSubscribed(pages);
        await sleep(500);
        const connections = await gauge();
        const auth = ((await backend('/test/auth-log')) || []).filter((e) => e.channel && e.channel.startsWith('private-')).length;
        const mem = [];
        for (const p of pages) mem.push(await memory(p));
        row[client] = { connections, authRequests: auth, memory: mem,
          jsPerTab: summary(mem.map((m) => m.js)), wasmPerTab: client === 'echo-wasm' ? summary(mem.map((m) => m.wasm)) : null };
        log(`tabs: ${n} tab(s) ${client}: ${connections} connection(s), ${auth} auth requests for ${PRIVATES} private channels per tab, JS heap per tab median ${Math.round(row[client].jsPerTab.median / 1000)} KB${client === 'echo-wasm' ? `, wasm ${Math.round(row[client].wasmPerTab.median / 1024)} KiB` : ''}`);
        if (client === 'echo-wasm' && n > 1) {
          let next = 1;
          for (const kind of ['close', 'freeze']) {
            const runs = [];
            for (let r = 0; r < cutRuns; r++) {
              const roles = await Promise.all(pages.map((p) => p.evaluate(() => T.role())));
              const li = roles.indexOf('leader');
              if (li < 0) throw new Error(`tabs: no leader among ${JSON.stringify(roles)}`);
              const leader = pages[li];
              const rest = pages.filter((_, i) => i !== li);
              let t0;
              if (kind === 'close') {
                t0 = Date.now();
                await leader.close();
              } else {
                await leader.evaluate(() => { window.beat = setInterval(() => {}, 50); });
                await leader.cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
                await leader.cdp.send('Debugger.enable');
                const paused = new Promise((resolve) => leader.cdp.once('Debugger.paused', resolve));
                await leader.cdp.send('Debugger.pause');
                await Promise.race([paused, sleep(1000)]);
                t0 = Date.now();
              }
              const f = await flowTime(rest, pub, next, t0);
              next = f.next;
              runs.push(f.ms);
              if (kind === 'freeze') { // the frozen tab is done with: thaw it and close it
                await leader.cdp.send('Debugger.resume').catch(() => {});
                await leader.close();
              }
              // Back to n tabs: a fresh one joins (as a follower) and subscribes.
              pages.splice(pages.indexOf(leader), 1);
              pages.push(await openTab(context, client, pub));
              await allSubscribed(pages);
            }
            row[client][kind === 'close' ? 'closeMs' : 'freezeMs'] = summary(runs);
            log(`tabs: ${n} tabs, leader ${kind} -> events flow again: median ${summary(runs).median} ms, max ${summary(runs).max} ms (${runs.join(', ')})`);
          }
          await sleep(500);
          row[client].connectionsAfterCuts = await gauge();
        }
      } finally {
        await context.close().catch(() => {});
      }
      await until(async () => (await gauge()) === 0, 'the closed context left no connection');
    }
    out.results[n] = row;
  }
  return out;
}

/** The section's part of BENCHMARKS.md. */
export function renderTabs(x, p) {
  const kb = (b) => (b == null ? '–' : `${(b / 1000).toFixed(1)} KB`);
  const kib = (b) => (b == null ? '–' : `${(b / 1024).toFixed(0)} KiB`);
  const ms = (s) => (s && s.median != null ? `${Math.round(s.median)} / ${Math.round(s.max)}` : '–');
  p('## 9. Tabs: one connection per browser', '');
  p(`N tabs of one browser context (one origin, one headless Chromium), each user 1 (\`bearerToken\`) holding a public channel and ${x.privates} private channels (\`bench/pages/tabs.html\`). **reference** = pusher-js + laravel-echo (a socket per tab); **echo-wasm** = \`shareConnection: true\`. Connections: Sockudo's \`sockudo_connected\` gauge once every tab is subscribed. Auth requests: \`POST /broadcasting/auth\` the backend logged for those channels (each tab authorizes its own channels with its own credentials, also on a shared socket: no saving is expected). Memory: per tab, CDP \`Runtime.getHeapUsage\` after \`HeapProfiler.collectGarbage\`, and the wasm \`Memory\` (median over the tabs; the leader's hub is in one of them). Hand-off (echo-wasm, N > 1): the leader tab is closed (\`page.close()\`), or frozen (\`Page.setWebLifecycleState('frozen')\` + \`Debugger.pause\`), while an event is published every 100 ms; the time until the last remaining tab gets its first event published after the cut; then a new tab joins to keep N; ${x.cutRuns} runs each, **median / max ms**.`, '');
  p('| tabs | connections ref / echo-wasm | auth requests ref / echo-wasm | JS heap per tab ref / echo-wasm | wasm per tab | leader close → flowing, ms | leader freeze → flowing, ms |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const n of x.sizes) {
    const r = x.results[n];
    if (!r || !r.reference || !r['echo-wasm']) continue;
    const e = r['echo-wasm'];
    p(`| ${n} | ${r.reference.connections} / ${e.connections} | ${r.reference.authRequests} / ${e.authRequests} | ${kb(r.reference.jsPerTab.median)} / ${kb(e.jsPerTab.median)} | ${kib(e.wasmPerTab && e.wasmPerTab.median)} | ${ms(e.closeMs)} | ${ms(e.freezeMs)} |`);
  }
  p('');
  const every = x.sizes.filter((n) => x.results[n] && x.results[n]['echo-wasm'] && x.results[n]['echo-wasm'].closeMs);
  if (every.length) {
    p('Every run (ms):', '');
    for (const n of every) {
      const e = x.results[n]['echo-wasm'];
      p(`- ${n} tabs: close ${e.closeMs.runs.join(', ')}; freeze ${e.freezeMs.runs.join(', ')}; connections after the cuts ${e.connectionsAfterCuts}`);
    }
    p('');
  }
}
