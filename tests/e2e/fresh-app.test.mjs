// A fresh app, as a developer would start one: `create-vite --template vue-ts`, the packed
// echo-wasm package installed from its tarball, the template's config untouched (no line for
// echo-wasm), `echo-wasm` and `echo-wasm/vue` imported in main.ts, configured from
// VITE_REVERB_* variables. `npm run build` (vue-tsc -b + vite build) must pass; then
// `vite preview` and `vite dev` pages must connect to the harness Sockudo.
// Needs the harness (scripts/test, or scripts/harness run --) and the registry for npm install.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, launch, start, watchPage } from './support.mjs';

const need = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set: run through scripts/test or scripts/harness run`);
  return process.env[name];
};
const WS_PORT = need('ECHO_TEST_WS_PORT');
const KEY = need('ECHO_TEST_APP_KEY');
const viteEnv = { ...process.env, VITE_REVERB_APP_KEY: KEY, VITE_REVERB_HOST: '127.0.0.1', VITE_REVERB_PORT: WS_PORT, VITE_REVERB_SCHEME: 'http' };
const run = (cmd, args, cwd, timeout, env = process.env) => execFileSync(cmd, args, { cwd, env, timeout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let dir, app, browser;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'echo-wasm-fresh-'));
  // The package as it would be published (pkg/dist must be built: scripts/build).
  assert.ok(fs.existsSync(path.join(ROOT, 'pkg/dist/echo_wasm_bg.wasm')), 'pkg/dist missing: run scripts/build');
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir], path.join(ROOT, 'pkg'), 60000).trim().split('\n').pop();
  run(process.execPath, [path.join(ROOT, 'tests/e2e/node_modules/create-vite/index.js'), 'app', '--template', 'vue-ts', '--no-immediate', '--no-interactive'], dir, 60000);
  app = path.join(dir, 'app');

  // The template's vite.config.ts as generated: nothing in it names the package.
  const config = fs.readFileSync(path.join(app, 'vite.config.ts'), 'utf8');
  assert.match(config, /plugins: \[vue\(\)\]/);
  assert.doesNotMatch(config, /echo-wasm|optimizeDeps|target/);
  fs.writeFileSync(path.join(app, 'src/main.ts'), `import { createApp } from 'vue'
import Echo from 'echo-wasm'
import { configureEcho, echo } from 'echo-wasm/vue'
import './style.css'
import App from './App.vue'

// Key, host, port and scheme come from VITE_REVERB_* (import.meta.env), as in a Laravel app.
configureEcho({ broadcaster: 'reverb' })
const client: Echo = echo()
;(window as unknown as { echoStatus: () => string }).echoStatus = () => client.connectionStatus()

createApp(App).mount('#app')
`);
  fs.writeFileSync(path.join(app, 'src/App.vue'), `<script setup lang="ts">
import { useConnectionStatus, useEchoPublic } from 'echo-wasm/vue'
import { ref } from 'vue'

const status = useConnectionStatus()
const last = ref('')
useEchoPublic<{ text: string }>('fresh-app', '.hello', (e) => { last.value = e.text })
</script>

<template>
  <p>echo-wasm: <strong id="status">{{ status }}</strong> <span id="last">{{ last }}</span></p>
</template>
`);
  // The registry is needed here: time-boxed.
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', path.join(dir, tarball)], app, 300000);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Loads `url`, waits for 'connected', and checks an event on a public channel arrives. */
async function checkConnects(url) {
  const page = watchPage(await browser.newPage());
  try {
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'connected', null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => window.echoStatus()), 'connected');
    // Subscribed once Sockudo reports the channel occupied; then an event reaches the component.
    const backend = need('ECHO_TEST_BACKEND_URL');
    const text = `hi ${Date.now()}`;
    const deadline = Date.now() + 10000;
    while (!(await (await fetch(`${backend}/test/channel/fresh-app`)).json()).occupied) {
      assert.ok(Date.now() < deadline, 'channel fresh-app never occupied');
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${backend}/test/trigger`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'fresh-app', event: 'hello', data: { text } }) });
    assert.equal(res.status, 200);
    await page.waitForFunction((t) => document.querySelector('#last')?.textContent === t, text, { timeout: 10000 });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
}

test('npm run build (vue-tsc -b && vite build) of a fresh vue-ts app using echo-wasm', { timeout: 240000 }, () => {
  const out = run('npm', ['run', 'build'], app, 200000, viteEnv);
  assert.match(out, /built in/);
  const assets = fs.readdirSync(path.join(app, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `no .wasm asset: ${assets}`);
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(app, 'dist/assets', f), 'utf8')).join('\n');
  assert.ok(!js.includes('echo-test-secret'));
});

test('vite preview serves the build and new Echo(...) connects to Sockudo', { timeout: 90000 }, async () => {
  const port = await freePort();
  const server = start(path.join(app, 'node_modules/.bin/vite'), ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: app, env: viteEnv });
  try {
    await server.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${port}`), 30000);
    await checkConnects(`http://127.0.0.1:${port}/`);
  } finally {
    await server.stop('SIGTERM', 5000);
  }
});

test('vite dev serves the app and new Echo(...) connects to Sockudo', { timeout: 120000 }, async () => {
  const port = await freePort();
  const server = start(path.join(app, 'node_modules/.bin/vite'), ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: app, env: viteEnv });
  try {
    await server.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${port}`), 60000);
    await checkConnects(`http://127.0.0.1:${port}/`);
  } finally {
    await server.stop('SIGTERM', 5000);
  }
});
