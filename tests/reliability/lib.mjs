// Helpers for the reliability and security tests (issue #8): free ports, child processes that
// are always killed (test end, failure, Ctrl-C), a cuttable TCP proxy in front of Sockudo, Sockudo
// nodes with any env (TLS, Redis adapter), redis-server, a self-signed certificate and the
// `pusher` server SDK. Browser helpers (launch, openPage, eventually, ...) are re-exported from
// ../js/support.mjs.
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Pusher from 'pusher';
import { eventually, sleep, env } from '../js/support.mjs';
import { startProxy as startCutProxy } from './proxy.mjs';

export * from '../js/support.mjs';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const APP = {
  id: process.env.ECHO_TEST_APP_ID || 'echo-test',
  key: process.env.ECHO_TEST_APP_KEY || 'echo-test-key',
  secret: process.env.ECHO_TEST_APP_SECRET || 'echo-test-secret',
  masterKey: process.env.ECHO_TEST_MASTER_KEY_BASE64,
};

// ---- cleanup: every child and server started here dies with the test process -------------------
const cleanups = new Set();
export function onCleanup(fn) { cleanups.add(fn); return () => cleanups.delete(fn); }
function runCleanups() {
  for (const fn of [...cleanups].reverse()) { try { fn(); } catch {} }
  cleanups.clear();
}
process.on('exit', runCleanups);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => { runCleanups(); process.exit(130); });

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** Spawns a child that is SIGKILLed when the test process exits. Output goes to `log` (a path) or is ignored. */
export function spawnChild(cmd, args, { env: childEnv, cwd, log } = {}) {
  const out = log ? fs.openSync(log, 'a') : 'ignore';
  const child = spawn(cmd, args, { cwd, env: childEnv, stdio: ['ignore', out, out] });
  if (log) fs.closeSync(out);
  child.exited = new Promise((resolve) => child.once('exit', resolve));
  const remove = onCleanup(() => { try { child.kill('SIGKILL'); } catch {} });
  child.once('exit', remove);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs` (Sockudo drains slowly); resolves when it is gone. */
export async function stopChild(child, graceMs = 2000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch {} }, graceMs);
  await child.exited;
  clearTimeout(t);
}

export async function killChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await child.exited;
}

export function tmpDir(prefix) { return fs.mkdtempSync(path.join(os.tmpdir(), prefix)); }

// ---- Sockudo --------------------------------------------------------------------------------
/**
 * Starts a Sockudo with the harness app (same id/key/secret) on a free (or given) port, with
 * `extraEnv` on top (TLS, Redis adapter, ...). Returns {port, child, dir, url, kill(), stop()}.
 * `scheme` is where its /up answers (https when SSL_ENABLED).
 */
export async function startSockudo(extraEnv = {}, { port, scheme = 'http', timeout = 30000 } = {}) {
  port ??= await freePort();
  const metrics = await freePort();
  const dir = tmpDir('sockudo-');
  const child = spawnChild('sockudo', [], {
    cwd: dir,
    log: path.join(dir, 'sockudo.log'),
    env: {
      PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}`, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: String(port),
      METRICS_HOST: '127.0.0.1', METRICS_PORT: String(metrics), LOG_COLORS_ENABLED: 'false',
      APP_MANAGER_DRIVER: 'memory', ADAPTER_DRIVER: 'local', CACHE_DRIVER: 'memory', QUEUE_DRIVER: 'memory',
      RATE_LIMITER_DRIVER: 'memory', RATE_LIMITER_ENABLED: 'false',
      SOCKUDO_DEFAULT_APP_ID: APP.id, SOCKUDO_DEFAULT_APP_KEY: APP.key, SOCKUDO_DEFAULT_APP_SECRET: APP.secret,
      SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true', SOCKUDO_DEFAULT_APP_ENABLE_USER_AUTHENTICATION: 'true',
      SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS: '10000',
      ...extraEnv,
    },
  });
  const up = async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sockudo exited early:\n${tail(path.join(dir, 'sockudo.log'))}`);
    try {
      if (scheme === 'https') return await httpsOk(`https://127.0.0.1:${port}/up`);
      return (await fetch(`http://127.0.0.1:${port}/up`)).ok;
    } catch { return false; }
  };
  try {
    await eventually(up, `sockudo /up on ${port}`, timeout);
  } catch (e) {
    await killChild(child);
    throw new Error(`${e.message}\n${tail(path.join(dir, 'sockudo.log'))}`);
  }
  return {
    port, child, dir, log: path.join(dir, 'sockudo.log'),
    kill: () => killChild(child),
    stop: () => stopChild(child),
  };
}

export function tail(file, n = 30) {
  try { return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n'); } catch { return ''; }
}

/** GET over https accepting any certificate (test-only); resolves true on 2xx. */
export async function httpsOk(url) {
  const https = await import('node:https');
  return new Promise((resolve) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode >= 200 && res.statusCode < 300); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

// ---- redis ------------------------------------------------------------------------------------
export async function startRedis() {
  const port = await freePort();
  const dir = tmpDir('redis-');
  const child = spawnChild('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { log: path.join(dir, 'redis.log') });
  await eventually(() => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => { s.write('PING\r\n'); });
    s.on('data', (d) => { s.destroy(); resolve(String(d).startsWith('+PONG')); });
    s.on('error', () => resolve(false));
  }), `redis on ${port}`, 10000);
  return { port, url: `redis://127.0.0.1:${port}`, child, stop: () => stopChild(child, 1000) };
}

// ---- TLS --------------------------------------------------------------------------------------
/** A self-signed certificate for 127.0.0.1 and localhost (openssl CLI). Returns {cert, key, dir}. */
export function selfSignedCert() {
  const dir = tmpDir('tls-');
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key, dir };
}

// ---- a cuttable TCP proxy (./proxy.mjs): reset, blackhole, restore, block -------------------------
/**
 * A loopback TCP proxy to `127.0.0.1:targetPort` (see ./proxy.mjs for its modes), reset when the
 * test process exits. Needed because Chromium's offline emulation does not close an open
 * WebSocket (see RELIABILITY.md), and because Sockudo's recovery buffer lives in its process.
 */
export async function startProxy(targetPort, options = {}) {
  const proxy = await startCutProxy(targetPort, options);
  onCleanup(() => { proxy.stop(); });
  return proxy;
}

// ---- the server SDK ---------------------------------------------------------------------------
/** The official `pusher` SDK against a Sockudo on `port` (the harness one by default). */
export function serverSdk({ port = env.port, useTLS = false, agent, timeout = 3000 } = {}) {
  return new Pusher({
    appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port, useTLS, timeout, agent,
    ...(APP.masterKey ? { encryptionMasterKeyBase64: APP.masterKey } : {}),
  });
}

/** GETs JSON from the backend. */
export async function backendGet(p) {
  const res = await fetch(env.backend + p);
  return res.json();
}

export { eventually, sleep, env };
