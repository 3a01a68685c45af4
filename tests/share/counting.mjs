// Helpers of the part-2 sharing tests (issue 15): sharing tabs that count each `.ping` event by
// its number (`window.seen`: number -> times delivered), a probe of `pagehide` over a
// BroadcastChannel, publishing until events flow again, and the exactly-once checks.
import assert from 'node:assert/strict';
import { trigger, eventually, sleep, waitForSubscribed, env, pageQuery, settledSharing } from './support.mjs';

/** Runs in every page first: reports `pagehide` on a probe BroadcastChannel. */
export function probePagehide() {
  addEventListener('pagehide', () => { new BroadcastChannel('test-probe').postMessage({ pagehide: location.href }); });
}

/**
 * `n` sharing tabs on `channel`, each counting `.ping` by its `n` into `window.seen` (event
 * number -> times delivered). Returns the pages and the first tab's connect time in ms.
 */
export async function countingTabs(context, n, channel, extra = {}) {
  await context.addInitScript(probePagehide);
  const pages = [];
  let connectMs = null;
  for (let i = 0; i < n; i++) {
    const { page, ms } = await openCountingTab(context, channel, extra);
    if (i === 0) connectMs = ms;
    pages.push(page);
  }
  for (const p of pages) await waitForSubscribed(p, channel);
  return { pages, connectMs };
}

/**
 * One more counting tab in `context` (as `countingTabs` opens them; its init script is the
 * context's already): returned once connected and its sharing role is settled, with the ms
 * from `new Echo` to connected. `init`: an init script of this page only.
 */
export async function openCountingTab(context, channel, extra = {}, init = null) {
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${env.backend}/pages/echo.html?${pageQuery()}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  const ms = await page.evaluate(async ([c, o]) => {
    window.seen = {};
    window.probe = [];
    new BroadcastChannel('test-probe').onmessage = ({ data }) => window.probe.push(data);
    const t0 = performance.now();
    window.echo = window.makeEcho({ shareConnection: true, ...o });
    window.echo.channel(c).listen('.ping', (e) => { window.seen[e.n] = (window.seen[e.n] || 0) + 1; });
    while (window.echo.connectionStatus() !== 'connected') {
      if (performance.now() - t0 > 20000) throw new Error(`not connected 20 s after new Echo (${JSON.stringify(window.echo.diagnose().sharing)})`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - t0;
  }, [channel, extra]);
  await settledSharing(page);
  return { page, ms };
}

export const seen = (page) => page.evaluate(() => window.seen);

/** Fails if any tab got any event more than once. */
export async function assertNoDuplicates(pages, what) {
  for (const [i, p] of pages.entries()) {
    const s = await seen(p);
    const twice = Object.entries(s).filter(([, k]) => k !== 1);
    assert.deepEqual(twice, [], `${what}: tab ${i} got these events (number, times) more than once`);
  }
}

/**
 * Publishes `.ping` with increasing numbers from `from`, every ~150 ms, until every page has
 * one of them; returns {ms: time from `t0` to that, next: the next unused number}.
 */
export async function untilFlowing(pages, channel, from, t0, timeout) {
  let n = from;
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    await trigger(channel, 'ping', { n });
    n += 1;
    const got = await Promise.all(pages.map((p) => p.evaluate((lo) => Object.keys(window.seen).some((k) => Number(k) >= lo), from)));
    if (got.every(Boolean)) return { ms: Date.now() - t0, next: n };
    await sleep(150);
  }
  throw new Error(`events did not flow again in every tab within ${timeout} ms (published ${from}..${n - 1})`);
}

/** Publishes `count` events from `from` and checks that every page gets each exactly once. */
export async function allOnce(pages, channel, from, count) {
  for (let k = 0; k < count; k++) await trigger(channel, 'ping', { n: from + k });
  const want = Array.from({ length: count }, (_, k) => String(from + k));
  await eventually(async () => (await Promise.all(pages.map(seen))).every((s) => want.every((k) => s[k] >= 1)),
    `events ${from}..${from + count - 1} in every tab`, 10000);
  await sleep(700); // a duplicate would arrive by now
  for (const [i, s] of (await Promise.all(pages.map(seen))).entries()) {
    assert.deepEqual(want.map((k) => s[k]), want.map(() => 1), `tab ${i}: each of events ${from}..${from + count - 1} exactly once`);
  }
}

