// Dev/test backend standing in for a Laravel app: sessions + CSRF, bearer tokens,
// POST /broadcasting/auth and /broadcasting/user-auth with channels.php-like rules, CORS for
// loopback origins, test-only endpoints under /test/, the demo's API under /api/ (see
// www/README.md) and optional static file serving with an SPA fallback.
// Configured only by environment variables (see the README section "Test harness").
// Never expose this server beyond 127.0.0.1: it has no real security.

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import Pusher from 'pusher';

const env = process.env;
const cfg = {
  host: env.HOST || '127.0.0.1',
  port: Number(env.PORT || 8000),
  appId: env.PUSHER_APP_ID || 'echo-test',
  key: env.PUSHER_APP_KEY || 'echo-test-key',
  secret: env.PUSHER_APP_SECRET || 'echo-test-secret',
  pusherHost: env.PUSHER_HOST || '127.0.0.1',
  pusherPort: Number(env.PUSHER_PORT || 6001),
  // Fixed dev default so encrypted channels work out of the box; override in the harness.
  masterKey: env.ENCRYPTION_MASTER_KEY_BASE64 || Buffer.alloc(32, 7).toString('base64'),
  staticDir: env.STATIC_DIR ? path.resolve(env.STATIC_DIR) : null,
  // Extra static mounts "URL-prefix=dir,..." (tests serve pkg/ and their pages this way).
  staticMounts: (env.STATIC_MOUNTS || '').split(',').filter(Boolean).map((m) => {
    const [prefix, dir] = m.split('=');
    return { prefix: prefix.replace(/\/$/, ''), dir: path.resolve(dir) };
  }),
  // scripts/harness path: enables POST /test/sockudo/{kill,start,restart}.
  harnessScript: env.HARNESS_SCRIPT || null,
  // Sockudo's Prometheus endpoint (GET /api/server-connections reads its connections gauge).
  metricsUrl: env.SOCKUDO_METRICS_URL || null,
  // Where browsers reach the WebSocket server (GET /api/config); default: PUSHER_HOST/PORT.
  publicWsHost: env.PUBLIC_WS_HOST || env.PUSHER_HOST || '127.0.0.1',
  publicWsPort: Number(env.PUBLIC_WS_PORT || env.PUSHER_PORT || 6001),
  // The /test/* endpoints (trigger, faults, auth log, Sockudo kill/start) exist only when the
  // test harness asks for them; scripts/demo leaves them off.
  testRoutes: env.ECHO_TEST_ROUTES === '1',
  // Origins (besides this server's own loopback origins) allowed to make state-changing
  // requests and to read answers (CORS): "http://host:port" or "http://host:*", comma-separated.
  allowedOrigins: (env.ECHO_ALLOWED_ORIGINS || '').split(',').map((o) => o.trim()).filter(Boolean),
  // Host names (besides loopback and HOST) this server answers to (DNS rebinding guard).
  allowedHosts: (env.ECHO_ALLOWED_HOSTS || '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
};

const pusher = new Pusher({
  appId: cfg.appId, key: cfg.key, secret: cfg.secret,
  host: cfg.pusherHost, port: cfg.pusherPort, useTLS: false, timeout: 5000,
  encryptionMasterKeyBase64: cfg.masterKey,
});
// Same app, wrong secret: its signatures are rejected by the WebSocket server.
const wrongPusher = new Pusher({
  appId: cfg.appId, key: cfg.key, secret: cfg.secret + '-wrong',
  host: cfg.pusherHost, port: cfg.pusherPort, useTLS: false,
  encryptionMasterKeyBase64: cfg.masterKey,
});

// ---- users, tokens, sessions -------------------------------------------------------------
const USERS = new Map([
  [1, { id: 1, name: 'Ada Lovelace', tenant_id: 1 }],
  [2, { id: 2, name: 'Grace Hopper', tenant_id: 1 }],
  [3, { id: 3, name: 'Linus Torvalds', tenant_id: 2 }],
]);
const SESSION_COOKIE = 'echo_session';
const sessions = new Map(); // sid -> { userId, csrf }

function bearerUser(req) {
  const m = /^Bearer\s+token-user-(\d+)$/.exec(req.headers.authorization || '');
  return m ? USERS.get(Number(m[1])) || null : null;
}
function parseCookies(req) {
  const out = {};
  for (const part of (req.headers.cookie || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}
function sessionOf(req) {
  const sid = parseCookies(req)[SESSION_COOKIE];
  const s = sid && sessions.get(sid);
  return s ? { sid, ...s } : null;
}

// Resolve who is calling: { style: 'bearer'|'cookie'|'none', user, error? }.
// Bearer wins and needs no CSRF; a cookie session needs X-CSRF-TOKEN on POST (else 419).
function authenticate(req, { csrf = true } = {}) {
  if (req.headers.authorization) {
    const user = bearerUser(req);
    return user ? { style: 'bearer', user } : { style: 'bearer', user: null, error: 401 };
  }
  const s = sessionOf(req);
  if (!s) return { style: 'none', user: null, error: 401 };
  if (csrf && req.headers['x-csrf-token'] !== s.csrf) return { style: 'cookie', user: null, error: 419 };
  return { style: 'cookie', user: USERS.get(s.userId), session: s };
}

const MESSAGES = {
  401: 'Unauthenticated.', 403: 'This action is unauthorized.', 404: 'Not Found.',
  419: 'CSRF token mismatch.', 500: 'Server Error',
};

// ---- channel rules (routes/channels.php) -------------------------------------------------
// Returns null (forbidden), true (private) or presence user info.
function channelRule(user, channel) {
  const m = /^(private-encrypted-|private-|presence-)(.+)$/.exec(channel);
  if (!m) return null; // public channels need no auth: refuse like Laravel does
  const [, prefix, name] = m;
  const presence = prefix === 'presence-';
  let ok = false;
  let r;
  if ((r = /^App\.Models\.User\.(\d+)$/.exec(name))) ok = Number(r[1]) === user.id;
  else if ((r = /^tenant\.(\d+)(\..+)?$/.exec(name))) ok = Number(r[1]) === user.tenant_id;
  if (!ok) return null;
  return presence ? { id: user.id, name: user.name } : true;
}

// ---- faults -------------------------------------------------------------------------------
// channel ('*' = any, '#user-auth' = user authentication) -> { fault, times, ms }
const FAULTS = ['401', '403', '419', '500', 'html', 'invalid-json', 'missing-auth',
  'wrong-secret', 'wrong-key', 'slow', 'hang', 'none'];
const faults = new Map();
function takeFault(channel) {
  for (const k of [channel, '*']) {
    const f = faults.get(k);
    if (!f) continue;
    if (f.times !== null && --f.times <= 0) faults.delete(k);
    return f;
  }
  return null;
}

const authLog = [];
// A header the browser tests may send (auth.headers) to see it arrive; CORS allows it only
// with the test routes on.
const TEST_HEADER = 'x-echo-test';
function logAuth(entry) {
  authLog.push({ at: new Date().toISOString(), ...entry });
  if (authLog.length > 200) authLog.shift();
}
// Credentials never reach the log (it is readable through GET /test/auth-log): a bearer token
// or CSRF token is kept as "sha256:" + the first 16 hex digits of its SHA-256, enough for a test
// to tell which one was sent.
const redact = (value) => `sha256:${crypto.createHash('sha256').update(String(value)).digest('hex').slice(0, 16)}`;
function headerSubset(req) {
  const h = {};
  for (const k of ['authorization', 'x-csrf-token', 'x-socket-id', 'x-requested-with',
    'content-type', 'accept', 'origin', TEST_HEADER]) if (req.headers[k] !== undefined) h[k] = req.headers[k];
  if (h.authorization !== undefined) {
    const m = /^(\S+)\s+(.*)$/.exec(h.authorization);
    h.authorization = m ? `${m[1]} ${redact(m[2])}` : redact(h.authorization);
  }
  if (h['x-csrf-token'] !== undefined) h['x-csrf-token'] = redact(h['x-csrf-token']);
  h.cookie = SESSION_COOKIE in parseCookies(req);
  return h;
}

// ---- HTTP helpers -------------------------------------------------------------------------
function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}
const sendError = (res, status) => send(res, status, { message: MESSAGES[status] || 'Error' });

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return {};
  if ((req.headers['content-type'] || '').includes('application/json')) {
    try { return JSON.parse(raw); } catch { return {}; }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

// ---- who may talk to this server ----------------------------------------------------------
// Host: only loopback names (any port: proxies in front of it keep working), HOST and
// ECHO_ALLOWED_HOSTS. A DNS-rebound page sends its own host name and is refused.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
function hostAllowed(req) {
  const host = String(req.headers.host || '').toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return false;
  return LOOPBACK_HOSTS.has(m[1]) || m[1] === cfg.host.toLowerCase() || cfg.allowedHosts.includes(m[1]);
}
// Origin: this server's own loopback origins, plus ECHO_ALLOWED_ORIGINS ("http://h:p" or "http://h:*").
function originAllowed(origin) {
  const own = [...LOOPBACK_HOSTS, cfg.host].map((h) => `http://${h}:${cfg.port}`);
  if (own.includes(origin)) return true;
  return cfg.allowedOrigins.some((o) => o === origin ||
    (o.endsWith(':*') && origin.startsWith(o.slice(0, -1)) && /^\d{1,5}$/.test(origin.slice(o.length - 1))));
}
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// A state-changing request (POST, PATCH, ...) from a browser carries Origin: it must be allowed.
// A request without Origin (curl, Node, server-side) is not a cross-site browser request.
function crossSiteWrite(req) {
  if (SAFE_METHODS.has(req.method)) return false;
  const origin = req.headers.origin;
  if (origin !== undefined) return !originAllowed(origin);
  // No Origin but the browser says it is cross-site (old engines omit Origin on some requests).
  return ['cross-site', 'same-site'].includes(req.headers['sec-fetch-site']);
}
// Encoded separators and dot segments in the path are refused outright: nothing here needs them,
// and decoded they would reach Sockudo's API (/test/channel/%2F..) or the file system.
function badPath(rawUrl) {
  const rawPath = String(rawUrl).split('?')[0];
  if (/%(2f|5c|2e|00)|\\/i.test(rawPath)) return true;
  if (rawPath.split('/').some((seg) => seg === '..' || seg === '.')) return true;
  try { decodeURIComponent(rawPath); } catch { return true; }
  return false;
}

function cors(req, res) {
  const origin = req.headers.origin;
  if (!origin || !originAllowed(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers',
      'Authorization, Content-Type, X-CSRF-TOKEN, X-Socket-ID, X-Requested-With, Accept' +
      (cfg.testRoutes ? ', X-Echo-Test' : ''));
    res.setHeader('Access-Control-Max-Age', '600');
  }
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain',
  '.ts': 'text/plain; charset=utf-8',
};
function serveStatic(req, res, pathname) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mount = cfg.staticMounts.find((m) => pathname === m.prefix || pathname.startsWith(m.prefix + '/'));
  const root = mount ? mount.dir : cfg.staticDir;
  if (!root) return false;
  const rest = mount ? pathname.slice(mount.prefix.length) || '/' : pathname;
  let file = path.join(root, path.normalize(decodeURIComponent(rest)));
  if (file !== root && !file.startsWith(root + path.sep)) return false;
  try { if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html'); } catch { return false; }
  if (!fs.existsSync(file)) return false;
  res.writeHead(200, {
    'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end(); else fs.createReadStream(file).pipe(res);
  return true;
}

// Single-page app: a browser navigation (Accept: text/html) to an unknown extension-less path
// that is no API/auth/test route gets STATIC_DIR/index.html, so client-side routes survive a
// reload. Asset requests (with an extension) and fetch() calls still get a 404.
function serveSpaFallback(req, res, pathname) {
  if (!cfg.staticDir || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  if (!(req.headers.accept || '').includes('text/html')) return false;
  if (/^\/(api|test|broadcasting)(\/|$)/.test(pathname) || /%|\.\.|\.[^/]*$/.test(pathname)) return false;
  const index = path.join(cfg.staticDir, 'index.html');
  if (!fs.existsSync(index)) return false;
  res.writeHead(200, { 'Content-Type': MIME['.html'], 'Cache-Control': 'no-cache' });
  if (req.method === 'HEAD') res.end(); else fs.createReadStream(index).pipe(res);
  return true;
}

// ---- broadcasting auth --------------------------------------------------------------------
async function broadcastingAuth(req, res, kind) {
  const body = await readBody(req);
  const socketId = String(body.socket_id || '');
  const channel = kind === 'user' ? '#user-auth' : String(body.channel_name || '');
  const who = authenticate(req);
  // `params`: the form fields besides socket_id and channel_name (Echo's auth.params).
  const { socket_id: _s, channel_name: _c, ...params } = body;
  const entry = { kind, channel, socket_id: socketId, auth_style: who.style, headers: headerSubset(req), params };
  const finish = (status, payload, raw) => {
    logAuth({ ...entry, status, fault: entry.fault || null });
    if (raw !== undefined) {
      res.writeHead(status, { 'Content-Type': raw.type, 'Cache-Control': 'no-store' });
      res.end(raw.body);
    } else if (status === 200) send(res, 200, payload);
    else sendError(res, status);
  };

  // Normal Laravel-like behaviour; `signer` lets `wrong-secret` swap the signing secret and
  // `transform` lets `wrong-key` hand out a shared_secret that is not the channel's.
  const respond = (signer = pusher, transform = (payload) => payload) => {
    if (who.error) return finish(who.error);
    if (!/^\d+\.\d+$/.test(socketId)) return finish(422, null, {
      type: 'application/json', body: JSON.stringify({ message: 'Invalid socket id.' }) });
    const user = who.user;
    if (kind === 'user') {
      // `watchlist`: the other users of the same tenant (Sockudo sends their online/offline).
      const watchlist = [...USERS.values()].filter((u) => u.tenant_id === user.tenant_id && u.id !== user.id).map((u) => String(u.id));
      return finish(200, signer.authenticateUser(socketId,
        { id: String(user.id), name: user.name, user_info: { id: user.id, name: user.name }, watchlist }));
    }
    const rule = channelRule(user, channel);
    if (!rule) return finish(403);
    const presence = rule === true ? undefined : { user_id: String(user.id), user_info: rule };
    return finish(200, transform(signer.authorizeChannel(socketId, channel, presence)));
  };

  const f = takeFault(channel);
  if (!f) return respond();
  entry.fault = f.fault;
  switch (f.fault) {
    case '401': case '403': case '419': case '500': return finish(Number(f.fault));
    case 'html': return finish(200, null, { type: 'text/html; charset=utf-8',
      body: '<!DOCTYPE html><html><body><h1>Login</h1></body></html>' });
    case 'invalid-json': return finish(200, null, { type: 'application/json', body: '{nope' });
    case 'missing-auth': return finish(200, {});
    case 'wrong-secret': return respond(wrongPusher);
    case 'wrong-key': return respond(pusher, (p) => (p.shared_secret
      ? { ...p, shared_secret: crypto.randomBytes(32).toString('base64') } : p));
    case 'slow': return setTimeout(respond, f.ms ?? 15000);
    case 'hang':
      logAuth({ ...entry, status: null, fault: 'hang' });
      return setTimeout(() => req.socket.destroy(), 60000);
    default: return respond();
  }
}

// ---- test endpoints ----------------------------------------------------------------------
function harness(cmd) {
  return new Promise((resolve, reject) => {
    if (!cfg.harnessScript) return reject(new Error('HARNESS_SCRIPT not set'));
    execFile('bash', [cfg.harnessScript, cmd], { timeout: 30000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${stderr || err.message}`)) : resolve(stdout.trim()));
  });
}
async function proxyGet(res, apiPath, params) {
  const r = await pusher.get({ path: apiPath, params });
  send(res, 200, await r.json());
}

// Pusher channel names: letters, digits and _ - = @ , . ; (and # for Laravel's user channel).
const CHANNEL_NAME = /^[A-Za-z0-9_\-=@,.;#]{1,200}$/;
async function testRoute(req, res, pathname, url) {
  if (!cfg.testRoutes) return sendError(res, 404); // not the test harness (e.g. scripts/demo)
  const route = `${req.method} ${pathname}`;
  if (route === 'POST /test/trigger') {
    const b = await readBody(req);
    const channels = b.channels || b.channel;
    const r = await pusher.trigger(channels, b.event, b.data ?? {},
      b.socket_id ? { socket_id: b.socket_id } : undefined);
    return send(res, 200, { ok: true, status: r.status, body: await r.text() });
  }
  if (route === 'POST /test/send-to-user') {
    const b = await readBody(req);
    const r = await pusher.sendToUser(String(b.user_id), b.event, b.data ?? {});
    return send(res, 200, { ok: true, status: r.status, body: await r.text() });
  }
  if (route === 'POST /test/fault') {
    const b = await readBody(req);
    const fault = String(b.fault);
    if (!b.channel || !FAULTS.includes(fault)) {
      return send(res, 422, { message: `need channel and fault in ${FAULTS.join('|')}` });
    }
    if (fault === 'none') faults.delete(b.channel);
    else faults.set(b.channel, { fault, times: b.times ? Number(b.times) : null,
      ms: b.ms !== undefined ? Number(b.ms) : undefined });
    return send(res, 200, { ok: true, faults: Object.fromEntries(faults) });
  }
  if (route === 'POST /test/reset') {
    faults.clear();
    authLog.length = 0;
    return send(res, 200, { ok: true });
  }
  if (route === 'GET /test/auth-log') return send(res, 200, authLog);
  if (route === 'GET /test/ws-log') return send(res, 200, wsLog.get(url.searchParams.get('tag')) || []);
  if (route === 'GET /test/channels') return proxyGet(res, '/channels', Object.fromEntries(url.searchParams));
  let m;
  if (req.method === 'GET' && (m = /^\/test\/channel\/([^/]+)(\/users)?$/.exec(pathname))) {
    const name = decodeURIComponent(m[1]);
    if (!CHANNEL_NAME.test(name)) return send(res, 400, { message: 'Invalid channel name.' });
    return proxyGet(res, `/channels/${name}${m[2] || ''}`, Object.fromEntries(url.searchParams));
  }
  if (req.method === 'POST' && (m = /^\/test\/sockudo\/(kill|start|restart)$/.exec(pathname))) {
    const out = await harness(`sockudo-${m[1]}`);
    return send(res, 200, { ok: true, output: out });
  }
  return sendError(res, 404);
}

// ---- demo API (AutoERP live, www/) ---------------------------------------------------------
// What a Laravel app's controllers would do: act within the logged-in user's tenant and
// broadcast events (`broadcastAs` names, hence the leading dot on the client) to its channels.
// Every route needs a session cookie (+ X-CSRF-TOKEN on writes) or a bearer token.
const SEED = {
  1: [
    ['BRK-001', 'Brake pads (front)', 42, 10, 39.9],
    ['OIL-5W30', 'Engine oil 5W-30, 5 l', 18, 8, 34.5],
    ['FLT-AIR', 'Air filter', 25, 6, 12.75],
    ['BAT-70', 'Battery 70 Ah', 7, 4, 119],
  ],
  2: [
    ['TYR-205', 'Tyre 205/55 R16', 64, 16, 79],
    ['WPR-600', 'Wiper blade 600 mm', 30, 10, 14.2],
    ['SPK-IR', 'Spark plug (iridium)', 120, 24, 9.6],
  ],
};
const catalogue = new Map(); // tenant id -> Map(sku -> product)
function productsOf(tenantId) {
  let products = catalogue.get(tenantId);
  if (!products) {
    products = new Map((SEED[tenantId] || []).map(([sku, name, stock, threshold, price]) =>
      [sku, { sku, name, stock, threshold, price, updated_at: new Date().toISOString() }]));
    catalogue.set(tenantId, products);
  }
  return products;
}

const TEXT_MAX = 200;
function text(value, field, { required = false } = {}) {
  if (value === undefined || value === null || value === '') {
    if (required) throw new ValidationError(`The ${field} field is required.`);
    return undefined;
  }
  const s = String(value).trim();
  if (!s && required) throw new ValidationError(`The ${field} field is required.`);
  if (s.length > TEXT_MAX) throw new ValidationError(`The ${field} field must not be greater than ${TEXT_MAX} characters.`);
  return s;
}
function int(value, field, { min = -1e9, max = 1e9, required = false } = {}) {
  if (value === undefined || value === null || value === '') {
    if (required) throw new ValidationError(`The ${field} field is required.`);
    return undefined;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ValidationError(`The ${field} field must be an integer between ${min} and ${max}.`);
  return n;
}
function money(value, field) {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1e7) throw new ValidationError(`The ${field} field must be a positive number.`);
  return Math.round(n * 100) / 100;
}
class ValidationError extends Error {}

const inventoryChannel = (t) => `private-tenant.${t}.inventory`;
const alertsChannel = (t) => `private-tenant.${t}.stock-alerts`;
const notificationsChannel = (t) => `private-tenant.${t}.notifications`;
const by = (user) => ({ id: user.id, name: user.name });
const broadcast = (channel, event, data) => pusher.trigger(channel, event, data);

async function demoRoute(req, res, pathname) {
  const route = `${req.method} ${pathname}`;
  if (route === 'GET /api/config') {
    // Public settings only: the app secret and the encryption master key never leave the server.
    return send(res, 200, { broadcaster: 'reverb', key: cfg.key, wsHost: cfg.publicWsHost,
      wsPort: cfg.publicWsPort, wssPort: cfg.publicWsPort, forceTLS: false });
  }
  const who = authenticate(req, { csrf: req.method !== 'GET' && req.method !== 'HEAD' });
  if (who.error) return sendError(res, who.error);
  const user = who.user;
  const tenant = user.tenant_id;
  const products = productsOf(tenant);
  try {
    if (route === 'GET /api/users') {
      return send(res, 200, [...USERS.values()].filter((u) => u.tenant_id === tenant));
    }
    if (route === 'GET /api/products') return send(res, 200, [...products.values()]);
    if (route === 'GET /api/server-connections') {
      // Read-only, for the diagnostics drawer: Sockudo's open-connection gauge (all apps), read
      // from its metrics endpoint (SOCKUDO_METRICS_URL); nothing of the user's, no secret.
      if (!cfg.metricsUrl) return send(res, 503, { message: 'SOCKUDO_METRICS_URL is not set' });
      let body;
      try {
        const metrics = await fetch(cfg.metricsUrl, { signal: AbortSignal.timeout(2000) });
        if (!metrics.ok) return send(res, 502, { message: `metrics answered ${metrics.status}` });
        body = await metrics.text();
      } catch {
        return send(res, 502, { message: 'the metrics endpoint did not answer' });
      }
      const connections = body.split('\n').filter((l) => /^sockudo_connected(\{[^}]*\})?\s/.test(l))
        .reduce((sum, l) => sum + Number(l.trim().split(/\s+/).pop()), 0);
      return send(res, 200, { connections });
    }
    if (route === 'POST /api/notify') {
      const b = await readBody(req);
      const target = USERS.get(Number(b.user_id));
      // Only colleagues: a user of another tenant is as good as unknown.
      if (!target || target.tenant_id !== tenant) return send(res, 422, { message: 'The selected user is invalid.' });
      const notification = {
        id: crypto.randomUUID(), type: 'App\\Notifications\\DemoMessage',
        title: text(b.title, 'title', { required: true }),
        message: text(b.message, 'message') ?? '', from: by(user),
      };
      await broadcast(`private-App.Models.User.${target.id}`,
        'Illuminate\\Notifications\\Events\\BroadcastNotificationCreated', notification);
      return send(res, 200, notification);
    }
    if (route === 'POST /api/products') {
      const b = await readBody(req);
      const name = text(b.name, 'name', { required: true });
      let sku = text(b.sku, 'sku');
      if (sku && !/^[A-Za-z0-9._-]{1,32}$/.test(sku)) throw new ValidationError('The sku field format is invalid.');
      sku = sku ? sku.toUpperCase() : `SKU-${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
      if (products.has(sku)) return send(res, 422, { message: 'The sku has already been taken.' });
      const product = { sku, name, stock: int(b.stock, 'stock', { min: 0 }) ?? 0,
        threshold: int(b.threshold, 'threshold', { min: 0 }) ?? 5, price: money(b.price, 'price') ?? 0,
        updated_at: new Date().toISOString() };
      products.set(sku, product);
      await broadcast(inventoryChannel(tenant), 'product.created', { product, by: by(user) });
      await broadcast(inventoryChannel(tenant), 'inventory.update', { product, change: 'created', by: by(user) });
      return send(res, 201, product);
    }
    let m;
    if (req.method === 'PATCH' && (m = /^\/api\/products\/([^/]+)$/.exec(pathname))) {
      let sku;
      try { sku = decodeURIComponent(m[1]); } catch { return sendError(res, 404); }
      const product = products.get(sku);
      if (!product) return sendError(res, 404);
      const b = await readBody(req);
      const changes = { name: text(b.name, 'name'), price: money(b.price, 'price'),
        threshold: int(b.threshold, 'threshold', { min: 0 }) };
      for (const [k, v] of Object.entries(changes)) if (v !== undefined) product[k] = v;
      product.updated_at = new Date().toISOString();
      await broadcast(inventoryChannel(tenant), 'product.updated', { product, by: by(user) });
      await broadcast(inventoryChannel(tenant), 'inventory.update', { product, change: 'updated', by: by(user) });
      return send(res, 200, product);
    }
    if (route === 'POST /api/stock/adjust') {
      const b = await readBody(req);
      const product = products.get(String(b.sku || ''));
      if (!product) return send(res, 422, { message: 'The selected sku is invalid.' });
      const delta = int(b.delta, 'delta', { min: -100000, max: 100000, required: true });
      const previous = product.stock;
      product.stock = Math.max(0, previous + delta);
      product.updated_at = new Date().toISOString();
      const reason = text(b.reason, 'reason') ?? (delta < 0 ? 'Sold' : 'Restocked');
      const adjusted = { sku: product.sku, name: product.name, previous, stock: product.stock,
        delta: product.stock - previous, threshold: product.threshold, reason, by: by(user),
        at: product.updated_at };
      await broadcast(alertsChannel(tenant), 'stock.adjusted', adjusted);
      await broadcast(inventoryChannel(tenant), 'inventory.update', { product, change: 'stock', by: by(user) });
      const low = product.stock < product.threshold && product.stock < previous;
      if (low) {
        await broadcast(alertsChannel(tenant), 'stock.low', { ...adjusted, id: crypto.randomUUID() });
        await broadcast(notificationsChannel(tenant), 'notification.created', {
          id: crypto.randomUUID(), type: 'stock.low', title: `Low stock: ${product.name}`,
          message: `${product.stock} left of ${product.sku} (threshold ${product.threshold}), after ${user.name}: ${reason}.`,
          at: product.updated_at,
        });
      }
      return send(res, 200, { product, low });
    }
  } catch (err) {
    if (err instanceof ValidationError) return send(res, 422, { message: err.message });
    throw err;
  }
  return sendError(res, 404);
}

// ---- router -------------------------------------------------------------------------------
async function handle(req, res) {
  if (!hostAllowed(req)) return send(res, 403, { message: 'Host not allowed.' });
  if (badPath(req.url)) return send(res, 400, { message: 'Bad path.' });
  if (crossSiteWrite(req)) return send(res, 403, { message: 'Origin not allowed.' });
  cors(req, res);
  if (req.method === 'OPTIONS') { res.writeHead(204); return res.end(); }
  const url = new URL(req.url, 'http://localhost');
  const p = url.pathname;
  const route = `${req.method} ${p}`;

  if (route === 'GET /health') return send(res, 200, { ok: true });
  if (route === 'POST /broadcasting/auth') return broadcastingAuth(req, res, 'channel');
  if (route === 'POST /broadcasting/user-auth') return broadcastingAuth(req, res, 'user');
  if (route === 'POST /login') {
    const b = await readBody(req);
    const user = USERS.get(Number(b.user_id));
    if (!user) return send(res, 422, { message: 'Unknown user.' });
    const sid = crypto.randomBytes(20).toString('hex');
    const csrf = crypto.randomBytes(20).toString('hex');
    sessions.set(sid, { userId: user.id, csrf });
    return send(res, 200, { user, csrf_token: csrf }, {
      'Set-Cookie': `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`,
    });
  }
  if (route === 'POST /logout') {
    const who = authenticate(req);
    if (who.error) return sendError(res, who.error);
    if (who.session) sessions.delete(who.session.sid);
    return send(res, 200, { ok: true }, {
      'Set-Cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
    });
  }
  if (route === 'GET /api/user') {
    const who = authenticate(req, { csrf: false });
    return who.error ? sendError(res, who.error) : send(res, 200, who.user);
  }
  if (route === 'GET /api/session') {
    // What a Laravel page would render: the user and the session's CSRF token (for a reload).
    // A guest gets {user: null} (not a 401) so the sign-in page loads without a console error.
    const who = authenticate(req, { csrf: false });
    if (who.error) return send(res, 200, { user: null, csrf_token: null });
    return send(res, 200, { user: who.user, csrf_token: who.session ? who.session.csrf : null });
  }
  if (p.startsWith('/api/')) return demoRoute(req, res, p);
  if (p.startsWith('/test/')) return testRoute(req, res, p, url);
  if (serveStatic(req, res, p)) return;
  if (serveSpaFallback(req, res, p)) return;
  return sendError(res, 404);
}

// ---- scripted WebSocket endpoint (test routes only) ---------------------------------------
// ws://backend/test/ws/<tag>/<script>/app/<key>: a stand-in Pusher server for what Sockudo does
// not do on demand (close codes, silence, odd frames). The browser tests point `wsPath` at
// /test/ws/<tag>/<script>. Scripts, after `pusher:connection_established` (activity_timeout
// <s>, default 120):
//   close-<code>   close with <code> at once (1000-1014 but 1004-1006, or 3000-4999: the codes
//                  a close frame may carry; `ws` throws for the others)
//   live-<s>       stay open and answer pusher:ping with pusher:pong
//   mute-<s>       stay open and answer nothing
//   ping           send one pusher:ping
//   binary         send a binary frame
//   garbage        send a text frame that is not JSON
// Every connection, received frame and close is logged under <tag> (GET /test/ws-log?tag=).
const WS_PATH = /^\/test\/ws\/([A-Za-z0-9_.-]{1,64})\/(close-(?:100[0-37-9]|101[0-4]|[34]\d{3})|live-\d{1,3}|mute-\d{1,3}|ping|binary|garbage)\/app\/[^/]+$/;
const wsLog = new Map(); // tag -> [{at, conn, type: 'open'|'frame'|'close', event?, code?}]
let wsConnections = 0;
function wsRecord(tag, entry) {
  if (!wsLog.has(tag)) {
    wsLog.set(tag, []);
    if (wsLog.size > 200) wsLog.delete(wsLog.keys().next().value);
  }
  const log = wsLog.get(tag);
  log.push({ at: Date.now(), ...entry });
  if (log.length > 500) log.shift();
}
function scriptedSocket(ws, tag, script) {
  const conn = ++wsConnections;
  wsRecord(tag, { conn, type: 'open' });
  const [verb, arg] = script.split('-');
  const seconds = (verb === 'live' || verb === 'mute') ? Number(arg) : 120;
  const sendFrame = (event, data) => ws.send(JSON.stringify({ event, data: JSON.stringify(data) }));
  sendFrame('pusher:connection_established', { socket_id: `${conn}.${conn}`, activity_timeout: seconds });
  ws.on('message', (raw, binary) => {
    let event = null;
    try { event = JSON.parse(binary ? '' : raw.toString()).event ?? null; } catch { /* not JSON */ }
    wsRecord(tag, { conn, type: 'frame', event });
    if (event === 'pusher:ping' && verb !== 'mute') sendFrame('pusher:pong', {});
  });
  ws.on('close', (code) => wsRecord(tag, { conn, type: 'close', code }));
  if (verb === 'close') ws.close(Number(arg), 'scripted close');
  else if (verb === 'ping') sendFrame('pusher:ping', {});
  else if (verb === 'binary') ws.send(Buffer.from([1, 2, 3]), { binary: true });
  else if (verb === 'garbage') ws.send('{not json');
}
// `ws` is a dev dependency: loaded only when the test routes are on (scripts/demo runs without).
const wss = cfg.testRoutes ? new (await import('ws')).WebSocketServer({ noServer: true }) : null;

if (cfg.testRoutes) console.log('backend: /test/* endpoints enabled (ECHO_TEST_ROUTES=1)');
const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(`${req.method} ${req.url}:`, err);
    // Sockudo API failures (PusherRequestError) become 502 with Sockudo's status and body.
    const upstream = err.name === 'PusherRequestError';
    if (!res.headersSent) send(res, upstream ? 502 : 500, { message: String(err.message || err),
      status: err.status, body: err.body, cause: err.error?.message });
    else res.end();
  });
});
server.on('upgrade', (req, socket, head) => {
  const m = wss && hostAllowed(req) ? WS_PATH.exec(new URL(req.url, 'http://localhost').pathname) : null;
  if (!m) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => scriptedSocket(ws, m[1], m[2]));
});
server.listen(cfg.port, cfg.host, () => {
  console.log(`backend listening on http://${cfg.host}:${cfg.port} (sockudo ${cfg.pusherHost}:${cfg.pusherPort}, app ${cfg.appId})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
