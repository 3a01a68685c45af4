// Helpers for the end-to-end tests: free ports, Debian's Chromium through playwright-core,
// and child processes run in their own process group so that stopping one stops everything
// it started (scripts/demo's Sockudo and backend, a Vite server), even when a test fails.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(ROOT, 'artifacts');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function listening(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Waits until `fn` returns a truthy value; throws after `timeout` ms naming `what`. */
export async function eventually(fn, what, timeout = 15000, every = 50) {
  const start = Date.now();
  let last;
  while (Date.now() - start < timeout) {
    try { last = await fn(); } catch (e) { last = String(e); }
    if (last && !(typeof last === 'string' && last.startsWith('Error'))) return last;
    await sleep(every);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];
export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** Collects page errors, console errors and dialogs (a dialog is dismissed and recorded). */
export function watchPage(page) {
  page.errors = [];
  page.dialogs = [];
  page.consoleErrors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
  page.on('dialog', (d) => { page.dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  return page;
}

const groups = new Set(); // process groups still running: SIGKILLed if the test process exits
process.on('exit', () => { for (const pid of groups) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } } });

/**
 * Runs `cmd args` in its own process group, collecting output. Returns the child with
 * `output()`, `waitFor(regex, ms)` (resolves with the match) and `stop(signal)` (signals the
 * group, SIGKILL after `graceMs`; resolves with the exit code).
 */
export function start(cmd, args, { cwd = ROOT, env = process.env, log } = {}) {
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  groups.add(child.pid);
  let out = '';
  const waiters = new Set();
  const onData = (chunk) => {
    // Tools colour their output when CI is set (picocolors): match on the plain text.
    out += String(chunk).replace(/\x1b\[[0-9;]*m/g, '');
    if (log) fs.appendFileSync(log, chunk);
    for (const w of waiters) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    groups.delete(child.pid);
    for (const w of waiters) w();
    resolve(code ?? signal);
  }));
  child.exited = exited;
  child.output = () => out;
  child.waitFor = (regex, ms) => new Promise((resolve, reject) => {
    const check = () => {
      const m = regex.exec(out);
      if (m) { done(); resolve(m); } else if (child.exitCode !== null || child.signalCode !== null) {
        done(); reject(new Error(`${cmd} exited (${child.exitCode ?? child.signalCode}) before printing ${regex}:\n${out.slice(-3000)}`));
      }
    };
    const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${ms} ms waiting for ${regex} from ${cmd}:\n${out.slice(-3000)}`)); }, ms);
    const done = () => { clearTimeout(timer); waiters.delete(check); };
    waiters.add(check);
    check();
  });
  child.stop = async (signal = 'SIGTERM', graceMs = 15000) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    try { process.kill(-child.pid, signal); } catch { /* gone */ }
    const code = await Promise.race([exited, sleep(graceMs).then(() => 'timeout')]);
    if (code === 'timeout') {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      await exited;
      return 'killed';
    }
    return code;
  };
  return child;
}
