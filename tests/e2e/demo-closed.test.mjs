// End-to-end: `scripts/demo` as a developer runs it (no ECHO_DEMO_TEST_ROUTES) is not open to
// other web pages (issue 12): every /test/* endpoint is 404 (Sockudo survives a kill request),
// a cross-origin form POST from a page on another origin is refused (403, no session cookie
// set), a DNS-rebound Host is refused, and the demo's own same-origin requests still work.
// Builds like scripts/demo unless www/dist and pkg/dist exist (then ECHO_DEMO_SKIP_BUILD=1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ROOT, ARTIFACTS, alive, freePort, launch, listening, sleep, start, watchPage } from './support.mjs';

const DEMO_DIR = path.join(ROOT, 'target/e2e-demo-closed');
let demo, url, ports, browser, other, otherUrl;
const pids = {};

function raw(method, p, headers = {}, body) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ports = { backend: await freePort(), ws: await freePort(), metrics: await freePort() };
  const env = { ...process.env, ECHO_DEMO_BACKEND_PORT: String(ports.backend), ECHO_DEMO_WS_PORT: String(ports.ws),
    ECHO_DEMO_METRICS_PORT: String(ports.metrics), ECHO_DEMO_DIR: DEMO_DIR };
  // Nothing of an enclosing harness (scripts/test) may leak in, nor the demo's opt-ins.
  for (const k of Object.keys(env)) if (/^(ECHO_TEST_|ECHO_HARNESS_)|^STATIC_(DIR|MOUNTS)$|^ECHO_DEMO_(TEST_ROUTES|ORIGINS)$/.test(k)) delete env[k];
  if (fs.existsSync(path.join(ROOT, 'www/dist/index.html')) && fs.existsSync(path.join(ROOT, 'pkg/dist/echo_wasm_bg.wasm'))) env.ECHO_DEMO_SKIP_BUILD = '1';
  demo = start('bash', ['scripts/demo'], { env, log: path.join(ARTIFACTS, 'e2e-demo-closed.log') });
  [, url] = await demo.waitFor(/demo: open (http:\/\/127\.0\.0\.1:\d+\/)/, 600000);
  pids.backend = Number(fs.readFileSync(path.join(DEMO_DIR, 'backend.pid'), 'utf8'));
  pids.sockudo = Number(fs.readFileSync(path.join(DEMO_DIR, 'sockudo.pid'), 'utf8'));
  // Another origin (same machine, other port): a page with a plain HTML form aimed at the demo.
  const otherPort = await freePort();
  otherUrl = `http://127.0.0.1:${otherPort}/`;
  other = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><form id="f" method="POST" enctype="text/plain" action="${url}login">
      <input name="user_id" value="1"><button id="go">go</button></form>`);
  }).listen(otherPort, '127.0.0.1');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  other?.close();
  if (demo) {
    const code = await demo.stop('SIGINT');
    assert.equal(code, 0, `scripts/demo exit after Ctrl-C:\n${demo.output().slice(-2000)}`);
    for (const [name, pid] of Object.entries(pids)) assert.ok(!alive(pid), `${name} (pid ${pid}) still running after Ctrl-C`);
  }
});

test('scripts/demo without the flag: every /test/* endpoint is 404 and Sockudo survives a kill request', { timeout: 30000 }, async () => {
  for (const [method, p] of [['GET', '/test/auth-log'], ['GET', '/test/channels'], ['GET', '/test/channel/private-tenant.1.inventory'],
    ['POST', '/test/trigger'], ['POST', '/test/fault'], ['POST', '/test/reset'], ['POST', '/test/send-to-user'],
    ['POST', '/test/sockudo/kill'], ['POST', '/test/sockudo/start'], ['POST', '/test/sockudo/restart']]) {
    // From the demo's own origin, so only the missing flag can refuse it.
    const r = await raw(method, p, { Origin: url.replace(/\/$/, ''), 'Content-Type': 'application/json' },
      method === 'POST' ? JSON.stringify({ channel: 'private-tenant.1.inventory', event: 'x', fault: '500' }) : undefined);
    assert.equal(r.status, 404, `${method} ${p}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  await sleep(500);
  assert.ok(alive(pids.sockudo), 'Sockudo was killed');
  assert.ok(await listening(ports.ws), 'Sockudo port closed');
  // Encoded separators never reach Sockudo's API, flag or not.
  assert.equal((await raw('GET', '/test/channel/%2F..%2F..%2Fchannels')).status, 400);
  assert.doesNotMatch(demo.output(), /tests: \/test\//, 'the banner no longer advertises /test/*');
});

test('a cross-origin form POST from another page is refused; the demo origin itself still works', { timeout: 30000 }, async () => {
  const context = await browser.newContext();
  try {
    const page = watchPage(await context.newPage());
    await page.goto(otherUrl);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${url}login`),
      page.click('#go'),
    ]);
    assert.equal(response.status(), 403, `cross-origin POST /login: ${response.status()} ${await response.text()}`);
    assert.equal(response.request().headers().origin, otherUrl.replace(/\/$/, ''));
    assert.deepEqual((await context.cookies(url)).filter((c) => c.name === 'echo_session'), [], 'a session cookie was set');
    // The demo's own page logs in (same origin, JSON) as the dashboard does.
    await page.goto(url);
    const own = await page.evaluate(async () => {
      const res = await fetch('/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"user_id":1}' });
      return res.status;
    });
    assert.equal(own, 200);
    assert.equal((await context.cookies(url)).filter((c) => c.name === 'echo_session').length, 1);
  } finally {
    await context.close();
  }
  const log = fs.readFileSync(path.join(DEMO_DIR, 'backend.log'), 'utf8');
  assert.doesNotMatch(log, /test\/\* endpoints enabled/);
});

test('a DNS-rebound Host is refused', { timeout: 10000 }, async () => {
  const r = await raw('GET', '/api/config', { Host: `rebind.example:${ports.backend}` });
  assert.equal(r.status, 403, r.text);
  assert.equal((await raw('GET', '/api/config')).status, 200);
});
