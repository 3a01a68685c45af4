// Shared helpers for the backend tests (kept outside test/ so node --test does not run it): they need a running harness (scripts/harness), whose
// addresses come from the ECHO_TEST_* environment variables (target/harness.env).
import WebSocket from 'ws';

export const BACKEND = process.env.ECHO_TEST_BACKEND_URL;
export const WS_HOST = process.env.ECHO_TEST_WS_HOST;
export const WS_PORT = process.env.ECHO_TEST_WS_PORT;
export const APP_KEY = process.env.ECHO_TEST_APP_KEY;
if (!BACKEND || !WS_HOST || !WS_PORT || !APP_KEY) {
  throw new Error('ECHO_TEST_* env missing: run via scripts/test or `scripts/harness run -- ...`');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let counter = 0;
/** A channel name unique to this test run, e.g. unique('private-tenant.1.') */
export const unique = (prefix) => `${prefix}t${process.pid}x${++counter}`;

/** POST form-encoded (like Echo/pusher-js) to the backend; returns { status, body, text, headers }. */
export async function post(path, params, { headers = {}, json = false, signal } = {}) {
  const res = await fetch(BACKEND + path, {
    method: 'POST',
    headers: { 'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    body: json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
    signal,
  });
  return decode(res);
}
export async function get(path, headers = {}) {
  return decode(await fetch(BACKEND + path, { headers }));
}
async function decode(res) {
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body, text, headers: res.headers };
}
export const bearer = (id) => ({ Authorization: `Bearer token-user-${id}` });
export const testApi = (path, body) => post(`/test/${path}`, body, { json: true });

/** Log in with a cookie session: returns { cookie, csrf, user }. */
export async function login(userId) {
  const res = await fetch(BACKEND + '/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  const body = await res.json();
  const cookie = res.headers.get('set-cookie').split(';')[0];
  return { cookie, csrf: body.csrf_token, user: body.user, setCookie: res.headers.get('set-cookie') };
}

/** A raw Pusher protocol 7 connection to Sockudo with a frame queue. */
export class PusherConn {
  static async open() {
    const c = new PusherConn();
    c.ws = new WebSocket(`ws://${WS_HOST}:${WS_PORT}/app/${APP_KEY}?protocol=7&client=js&version=8.6.0&flash=false`);
    c.frames = [];
    c.waiters = [];
    c.timers = new Set();
    c.closed = new Promise((resolve) => c.ws.on('close', (code) => resolve(code)));
    c.ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      if (typeof f.data === 'string') { try { f.data = JSON.parse(f.data); } catch { /* keep string */ } }
      c.frames.push(f);
      c.waiters = c.waiters.filter((w) => !w());
    });
    const failed = new Promise((_, reject) => c.ws.on('error', reject));
    failed.catch(() => {}); // errors after the handshake surface through `closed`
    const est = await Promise.race([c.next((f) => f.event === 'pusher:connection_established'), failed])
      .catch((e) => { c.timers.forEach(clearTimeout); throw e; });
    c.socketId = est.data.socket_id;
    return c;
  }
  /** Resolve with the first (queued or future) frame matching pred; reject after ms. */
  next(pred, ms = 5000) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout; frames so far: ${JSON.stringify(this.frames)}`)), ms);
      this.timers.add(t);
      const check = () => {
        const i = this.frames.findIndex(pred);
        if (i < 0) return false;
        clearTimeout(t);
        this.timers.delete(t);
        resolve(this.frames.splice(i, 1)[0]);
        return true;
      };
      if (!check()) this.waiters.push(check);
    });
  }
  send(event, data) { this.ws.send(JSON.stringify({ event, data })); }
  /** Subscribe with an auth response; resolve with succeeded/error frame for that channel. */
  subscribe(channel, auth = {}) {
    this.send('pusher:subscribe', { channel, ...auth });
    return this.next((f) => (f.channel === channel &&
      ['pusher_internal:subscription_succeeded', 'pusher:subscription_error'].includes(f.event)) ||
      (f.event === 'pusher:error' && !f.channel));
  }
  close() { this.ws.close(); return this.closed; }
}
