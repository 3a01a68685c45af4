// The toolchain matrix: one small Vue app per toolchain Laravel apps build with (Vite 5, 6, 7,
// 8 with their @vitejs/plugin-vue; webpack 5 through laravel-mix 6), each with its own lock file
// and the stock config (create-vite's vue template `vite.config.js`, Mix's `webpack.mix.js`),
// none mentioning echo-wasm. echo-wasm is installed as a published package would be: the
// `npm pack` tarball of pkg/ extracted into each app's node_modules/echo-wasm (a real directory:
// Vite pre-bundles it, as it would from the registry). Each app must build, be served
// statically, and for Vite also run under `vite` dev; in headless Chromium the page must connect
// to the harness Sockudo and show an event triggered through the backend, with no page error.
// Needs the harness (scripts/test, or scripts/harness run --), scripts/build and scripts/setup
// (npm ci per app); no registry access.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, launch, start, watchPage, sleep } from '../e2e/support.mjs';
import { serveStatic } from './static.mjs';

const need = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set: run through scripts/test or scripts/harness run`);
  return process.env[name];
};
const WS_PORT = need('ECHO_TEST_WS_PORT');
const KEY = need('ECHO_TEST_APP_KEY');
const BACKEND = need('ECHO_TEST_BACKEND_URL');
const HERE = path.join(ROOT, 'tests/matrix');
const CHANNEL = 'matrix'; // the channel every matrix app listens on (shared/App.vue)

// Laravel apps read the Reverb address from .env: VITE_REVERB_* for Vite, MIX_REVERB_* for Mix.
const reverb = { APP_KEY: KEY, HOST: '127.0.0.1', PORT: WS_PORT, SCHEME: 'http' };
const prefixed = (prefix) => Object.fromEntries(Object.entries(reverb).map(([k, v]) => [`${prefix}_REVERB_${k}`, v]));
const ENV = { ...process.env, ...prefixed('VITE'), ...prefixed('MIX') };

const VITE_APPS = ['vite5', 'vite6', 'vite7', 'vite8'];
const APPS = [...VITE_APPS, 'mix6'];
// Resolves with stdout + stderr, colours stripped. Asynchronous: a build blocking the event loop
// would leave fetch a keep-alive socket the backend closed meanwhile ("other side closed").
const run = async (cmd, args, cwd, timeout) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd, env: ENV, timeout, encoding: 'utf8', maxBuffer: 64 << 20 });
    return `${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: e });
  }
};

let tmp, browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'pkg/dist/echo_wasm_bg.wasm')), 'pkg/dist missing: run scripts/build');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'echo-wasm-matrix-'));
  const tarball = path.join(tmp, (await run('npm', ['pack', '--silent', '--pack-destination', tmp], path.join(ROOT, 'pkg'), 60000)).trim().split('\n').pop());
  for (const app of APPS) {
    // The same component in every app, and the same entry in every Vite app (Mix has its own
    // resources/js/app.js, which reads MIX_* variables): copied in from shared/.
    const components = app === 'mix6' ? 'resources/js/components' : 'src';
    fs.mkdirSync(path.join(HERE, app, components), { recursive: true });
    fs.copyFileSync(path.join(HERE, 'shared/App.vue'), path.join(HERE, app, components, 'App.vue'));
    if (app !== 'mix6') fs.copyFileSync(path.join(HERE, 'shared/main.vite.js'), path.join(HERE, app, 'src/main.js'));
    const modules = path.join(HERE, app, 'node_modules');
    assert.ok(fs.existsSync(path.join(modules, '.package-lock.json')), `${app}: node_modules missing: run scripts/setup`);
    // A fresh install of this build: the previous one and Vite's pre-bundled copy of it go.
    const target = path.join(modules, 'echo-wasm');
    fs.rmSync(target, { recursive: true, force: true });
    fs.rmSync(path.join(modules, '.vite'), { recursive: true, force: true });
    fs.mkdirSync(target);
    await run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], HERE, 60000);
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const channelOccupied = async () => (await (await fetch(`${BACKEND}/test/channel/${CHANNEL}`)).json()).occupied;

async function until(what, cond, ms) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    assert.ok(Date.now() < deadline, `timed out after ${ms} ms: ${what}`);
    await sleep(100);
  }
}

/** Loads `url`: it must show 'connected', then an event triggered through the backend. */
async function checkConnects(url) {
  // The previous page's socket is gone before this one subscribes (occupied means this page).
  await until(`channel ${CHANNEL} left by the previous page`, async () => !(await channelOccupied()), 15000);
  const page = watchPage(await browser.newPage());
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => failed.push(`${r.failure()?.errorText} ${r.url()}`));
  const seen = async () => JSON.stringify({ status: await page.locator('#status').textContent({ timeout: 1000 }).catch(() => null),
    errors: page.errors, consoleErrors: page.consoleErrors.slice(0, 10), failed: failed.slice(0, 10) });
  const waitText = async (selector, text, ms) => {
    try {
      await page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [selector, text], { timeout: ms });
    } catch (e) {
      throw new Error(`${url}: ${selector} never showed ${JSON.stringify(text)}: ${await seen()}`, { cause: e });
    }
  };
  try {
    await page.goto(url);
    await waitText('#status', 'connected', 60000);
    assert.equal(await page.evaluate(() => window.Echo.connectionStatus()), 'connected');
    await until(`channel ${CHANNEL} occupied`, channelOccupied, 15000);
    const text = `hi ${Date.now()}`;
    const res = await fetch(`${BACKEND}/test/trigger`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: CHANNEL, event: 'hello', data: { text } }) });
    assert.equal(res.status, 200);
    await waitText('#last', text, 15000);
    assert.deepEqual({ errors: page.errors, consoleErrors: page.consoleErrors, failed }, { errors: [], consoleErrors: [], failed: [] });
  } finally {
    await page.close();
  }
}

/** The files a developer would write or generate: none may mention echo-wasm. */
const CONFIG_FILES = {
  vite5: ['vite.config.js', 'index.html', 'package.json'],
  vite6: ['vite.config.js', 'index.html', 'package.json'],
  vite7: ['vite.config.js', 'index.html', 'package.json'],
  vite8: ['vite.config.js', 'index.html', 'package.json'],
  mix6: ['webpack.mix.js', 'public/index.html', 'package.json'],
};

test('no matrix app config mentions echo-wasm; the Vite configs are the create-vite vue template', () => {
  const template = (file) => fs.readFileSync(path.join(ROOT, 'tests/e2e/node_modules/create-vite/template-vue', file), 'utf8');
  for (const app of APPS) {
    const files = [...CONFIG_FILES[app], ...fs.readdirSync(path.join(HERE, app)).filter((f) => /^(vite|webpack)\.config\./.test(f))];
    for (const file of new Set(files)) {
      const text = fs.readFileSync(path.join(HERE, app, file), 'utf8');
      assert.ok(!/echo-wasm|echo_wasm/i.test(text), `${app}/${file} mentions echo-wasm`);
    }
    if (!VITE_APPS.includes(app)) continue;
    for (const file of ['vite.config.js', 'index.html']) {
      assert.equal(fs.readFileSync(path.join(HERE, app, file), 'utf8'), template(file), `${app}/${file} is not the template's`);
    }
    assert.ok(!fs.existsSync(path.join(HERE, app, 'webpack.config.js')), `${app}: a webpack.config.js`);
  }
  assert.match(fs.readFileSync(path.join(HERE, 'mix6/webpack.mix.js'), 'utf8'), /^mix\.js\('resources\/js\/app\.js', 'public\/js'\)\n {4}\.vue\(\)/m);
});

/** The .wasm among `files` and the JS, which must not contain the app secret. */
function checkOutput(dir, files) {
  assert.ok(files.some((f) => f.endsWith('.wasm')), `no .wasm emitted: ${files}`);
  const js = files.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
  assert.ok(js.length > 0, `no .js emitted: ${files}`);
  assert.ok(!js.includes(need('ECHO_TEST_APP_SECRET')));
}

async function servedConnects(dir) {
  const server = await serveStatic(dir);
  try {
    await checkConnects(server.url);
  } finally {
    await server.close();
  }
}

for (const app of VITE_APPS) {
  describe(app, () => {
    const dir = path.join(HERE, app);
    const vite = path.join(dir, 'node_modules/.bin/vite');

    test(`${app}: vite build, served statically, connects and receives an event`, { timeout: 240000 }, async () => {
      fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
      const out = await run(vite, ['build'], dir, 180000);
      assert.match(out, /built in/);
      assert.doesNotMatch(out, /warn|error/i, out);
      const version = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/vite/package.json'), 'utf8')).version;
      assert.equal(`vite${version.split('.')[0]}`, app);
      checkOutput(path.join(dir, 'dist/assets'), fs.readdirSync(path.join(dir, 'dist/assets')));
      await servedConnects(path.join(dir, 'dist'));
    });

    test(`${app}: vite dev connects and receives an event`, { timeout: 180000 }, async () => {
      const port = await freePort();
      const server = start(vite, ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: dir, env: ENV });
      try {
        await server.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${port}`), 60000);
        await checkConnects(`http://127.0.0.1:${port}/`);
      } catch (e) {
        throw new Error(`${e.message}\nvite dev output:\n${server.output().slice(-4000)}`, { cause: e });
      } finally {
        await server.stop('SIGTERM', 5000);
      }
      assert.doesNotMatch(server.output(), /error/i, server.output());
    });
  });
}

describe('mix6', () => {
  const dir = path.join(HERE, 'mix6');

  // `npm run development` (what `npm run dev`/`watch` build) and `npm run production` (what is
  // deployed): the package.json scripts of a Laravel 8 app, running `mix`.
  for (const script of ['development', 'production']) {
    test(`mix6: npm run ${script} (laravel-mix 6, webpack 5), served statically, connects and receives an event`, { timeout: 300000 }, async () => {
      const pub = path.join(dir, 'public');
      for (const f of fs.readdirSync(pub)) {
        if (['js', 'css', 'mix-manifest.json'].includes(f) || f.endsWith('.wasm')) fs.rmSync(path.join(pub, f), { recursive: true, force: true });
      }
      const out = await run('npm', ['run', script], dir, 240000);
      assert.match(out, /Compiled successfully/i, out);
      assert.doesNotMatch(out, /warning|error/i, out); // such as webpack's 'Critical dependency'
      const webpack = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/webpack/package.json'), 'utf8')).version;
      assert.match(webpack, /^5\./);
      checkOutput(pub, fs.readdirSync(pub, { recursive: true }).map(String));
      await servedConnects(pub);
    });
  }
});
