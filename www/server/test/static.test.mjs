// STATIC_DIR serving, on a second backend instance of our own (no Sockudo needed for this).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../testing.mjs';

let child, base, dir;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'echo-static-'));
  fs.mkdirSync(path.join(dir, 'pkg'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>demo</title>');
  fs.writeFileSync(path.join(dir, 'pkg', 'app.wasm'), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(dir, 'pkg', 'app.js'), 'export {};');
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [new URL('../server.mjs', import.meta.url).pathname],
    { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', STATIC_DIR: dir, STATIC_MOUNTS: '' }, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/health`)).ok) return; } catch { /* not up yet */ }
    await sleep(50);
  }
  throw new Error('static backend did not start');
});
after(() => { child?.kill(); fs.rmSync(dir, { recursive: true, force: true }); });

test('serves index.html, .wasm as application/wasm, .js as JavaScript', async () => {
  const index = await fetch(`${base}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  const wasm = await fetch(`${base}/pkg/app.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal((await wasm.arrayBuffer()).byteLength, 8);
  assert.match((await fetch(`${base}/pkg/app.js`)).headers.get('content-type'), /^text\/javascript/);
});

test('missing files are 404, encoded path traversal is refused (400)', async () => {
  assert.equal((await fetch(`${base}/nope.js`)).status, 404);
  assert.equal((await fetch(`${base}/..%2f..%2fetc%2fpasswd`)).status, 400);
  assert.equal((await fetch(`${base}/pkg/..%2f..%2f..%2fetc%2fhostname`)).status, 400);
});

test('SPA fallback: browser navigations to unknown routes get index.html, nothing else does', async () => {
  const nav = await fetch(`${base}/inventory/BAT-70`, { headers: { Accept: 'text/html,application/xhtml+xml' } });
  assert.equal(nav.status, 200);
  assert.match(await nav.text(), /<title>demo<\/title>/);
  assert.equal((await fetch(`${base}/inventory/BAT-70`)).status, 404); // fetch() without Accept: text/html
  for (const p of ['/nope.js', '/api/nope', '/test/nope', '/broadcasting/nope', '/..%2f..%2fetc%2fpasswd']) {
    const r = await fetch(`${base}${p}`, { headers: { Accept: 'text/html' } });
    assert.notEqual(r.status, 200, p);
  }
});
