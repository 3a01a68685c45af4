// Connection sharing in Firefox (issue 15), suite `share-firefox`: 5 tabs of one Firefox
// session (one origin) with `shareConnection: true` make exactly 1 connection to Sockudo,
// sampled throughout (its `sockudo_connected` gauge and `ss` on its port from Firefox's
// sockets), and one event reaches all 5 tabs once each. Playwright cannot drive Debian's
// Firefox, so this speaks WebDriver over HTTP (`fetch`) to geckodriver (~/.cargo/bin),
// driving /usr/bin/firefox-esr headless. Named without `.test.` so the `share` suite's
// `node --test tests/share/` does not pick it up; run with `node --test tests/share/firefox.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { env, pageQuery, reset, trigger, eventually, sleep, gaugeConnections, unique } from './support.mjs';

const GECKODRIVER = process.env.GECKODRIVER || path.join(os.homedir(), '.cargo/bin/geckodriver');
const FIREFOX = process.env.FIREFOX_BINARY || '/usr/bin/firefox-esr';

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.on('error', reject);
});

let driver;
let base;
let session;
async function wd(method, url, body) {
  const res = await fetch(`${base}${url}`, {
    method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`WebDriver ${method} ${url} -> ${res.status} ${JSON.stringify(json.value)}`);
  return json.value;
}
const s = (url) => `/session/${session}${url}`;
/** Runs `script` (a function body; `arguments` are `args`) in the current tab. */
const run = (script, ...args) => wd('POST', s('/execute/sync'), { script, args });

before(async () => {
  const port = await freePort();
  driver = spawn(GECKODRIVER, ['--port', String(port), '--host', '127.0.0.1', '--log', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  base = `http://127.0.0.1:${port}`;
  await eventually(async () => { try { return (await wd('GET', '/status')).ready !== undefined; } catch { return false; } }, 'geckodriver up', 15000);
  const created = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'firefox', 'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless'] } } },
  });
  session = created.sessionId;
  console.log(`# Firefox ${created.capabilities.browserVersion} (geckodriver, headless)`);
});
after(async () => {
  if (session) await wd('DELETE', s('')).catch(() => {});
  driver?.kill();
});

/**
 * Sockudo's accepted connections from Firefox (`ss`): established sockets on Sockudo's port
 * whose peer is a local socket owned by a process other than the backend (node) or Sockudo.
 */
function ssFirefox() {
  const lines = (args) => execFileSync('ss', ['-Htn', ...args, 'state', 'established', `( ${args.includes('-p') ? 'dport' : 'sport'} = :${env.port} )`],
    { encoding: 'utf8' }).split('\n').filter(Boolean);
  const portOf = (addr) => Number(addr.slice(addr.lastIndexOf(':') + 1));
  const ours = new Set(lines(['-p']).filter((l) => /users:\(\("/.test(l) && !/users:\(\("(node|sockudo)"/.test(l))
    .map((l) => portOf(l.trim().split(/\s+/)[2])));
  return lines([]).filter((l) => ours.has(portOf(l.trim().split(/\s+/)[3]))).length;
}
const counts = async () => ({ gauge: await gaugeConnections(), ss: ssFirefox() });

test('Firefox: 5 sharing tabs of one session make exactly 1 connection (sampled); one event reaches each tab once', { timeout: 120000 }, async () => {
  await reset();
  await eventually(async () => (await gaugeConnections()) === 0, 'no connection left over', 20000);
  const samples = [];
  let sampling = true;
  const sampler = (async () => { while (sampling) { samples.push(await counts()); await sleep(100); } })();
  const channel = unique('share-firefox');
  const tabs = [];
  const url = `${env.backend}/pages/echo.html?${pageQuery()}`;
  try {
    for (let i = 0; i < 5; i++) {
      if (i > 0) {
        const { handle } = await wd('POST', s('/window/new'), { type: 'tab' });
        await wd('POST', s('/window'), { handle });
      }
      tabs.push(await wd('GET', s('/window')));
      await wd('POST', s('/url'), { url });
      await eventually(() => run('return window.ready === true'), `tab ${i} loaded`, 20000);
      await run(`
        window.got = [];
        window.echo = window.makeEcho({ shareConnection: true });
        window.echo.channel(arguments[0]).listen('.ping', (e) => window.got.push(e));`, channel);
      // Settled as in support.mjs: leading, or attached as a follower (tabs > 0).
      const settled = await eventually(() => run(`
        const s = window.echo.diagnose().sharing;
        return (s.role === 'leader' || (s.role === 'follower' && s.tabs > 0) || (s.role === 'solo' && s.reason)) ? s : null;`),
      `tab ${i} settled its sharing role`, 20000);
      assert.equal(settled.role, i === 0 ? 'leader' : 'follower', `tab ${i}: ${JSON.stringify(settled)}`);
    }
    const inTab = async (handle, script) => { await wd('POST', s('/window'), { handle }); return run(script); };
    for (const [i, h] of tabs.entries()) {
      await eventually(() => inTab(h, `
        const c = window.echo.diagnose().channels.find((ch) => ch.name === arguments[0]);
        return window.echo.connectionStatus() === 'connected' && c && c.state === 'subscribed';`.replace('arguments[0]', JSON.stringify(channel))),
      `tab ${i} connected and subscribed`, 20000);
    }
    await trigger(channel, 'ping', { n: 1 });
    for (const [i, h] of tabs.entries()) await eventually(() => inTab(h, 'return window.got.length >= 1'), `the event in tab ${i}`, 10000);
    await sleep(1000); // a duplicate, or a late second socket, would show by now
    const got = [];
    for (const h of tabs) got.push(await inTab(h, 'return window.got'));
    assert.deepEqual(got, tabs.map(() => [{ n: 1 }]), 'each of the 5 tabs got the event once');
    const roles = [];
    for (const h of tabs) roles.push(await inTab(h, 'return window.echo.diagnose().sharing'));
    console.log(`# Firefox sharing: ${JSON.stringify(roles.map((r) => `${r.role}/${r.tabs}`))}`);
  } finally {
    sampling = false;
    await sampler;
  }
  samples.push(await counts());
  const max = { gauge: Math.max(...samples.map((x) => x.gauge)), ss: Math.max(...samples.map((x) => x.ss)) };
  console.log(`# Firefox: ${samples.length} samples, max ${JSON.stringify(max)}, last ${JSON.stringify(samples.at(-1))}`);
  assert.ok(samples.length >= 10, `sampled ${samples.length} times`);
  assert.deepEqual(max, { gauge: 1, ss: 1 }, 'at most 1 connection at any sample');
  assert.deepEqual(samples.at(-1), { gauge: 1, ss: 1 }, '1 connection at the end');
  for (const h of tabs.slice(1)) { await wd('POST', s('/window'), { handle: h }); await wd('DELETE', s('/window')); }
});
