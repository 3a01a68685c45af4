// Dev/test backend standing in for a Laravel app: sessions + CSRF, bearer tokens,
// POST /broadcasting/auth and /broadcasting/user-auth with channels.php-like rules, CORS for
// loopback origins, test-only endpoints under /test/ and optional static file serving.
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
  'wrong-secret', 'slow', 'hang', 'none'];
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
function logAuth(entry) {
  authLog.push({ at: new Date().toISOString(), ...entry });
  if (authLog.length > 200) authLog.shift();
}
function headerSubset(req) {
  const h = {};
  for (const k of ['authorization', 'x-csrf-token', 'x-socket-id', 'x-requested-with',
    'content-type', 'accept', 'origin']) if (req.headers[k] !== undefined) h[k] = req.headers[k];
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

function cors(req, res) {
  const origin = req.headers.origin;
  if (!origin || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers',
      'Authorization, Content-Type, X-CSRF-TOKEN, X-Socket-ID, X-Requested-With, Accept');
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
  if (!file.startsWith(root)) return false;
  try { if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html'); } catch { return false; }
  if (!fs.existsSync(file)) return false;
  res.writeHead(200, {
    'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end(); else fs.createReadStream(file).pipe(res);
  return true;
}

// ---- broadcasting auth --------------------------------------------------------------------
async function broadcastingAuth(req, res, kind) {
  const body = await readBody(req);
  const socketId = String(body.socket_id || '');
  const channel = kind === 'user' ? '#user-auth' : String(body.channel_name || '');
  const who = authenticate(req);
  const entry = { kind, channel, socket_id: socketId, auth_style: who.style, headers: headerSubset(req) };
  const finish = (status, payload, raw) => {
    logAuth({ ...entry, status, fault: entry.fault || null });
    if (raw !== undefined) {
      res.writeHead(status, { 'Content-Type': raw.type, 'Cache-Control': 'no-store' });
      res.end(raw.body);
    } else if (status === 200) send(res, 200, payload);
    else sendError(res, status);
  };

  // Normal Laravel-like behaviour; `signer` lets `wrong-secret` swap the key.
  const respond = (signer = pusher) => {
    if (who.error) return finish(who.error);
    if (!/^\d+\.\d+$/.test(socketId)) return finish(422, null, {
      type: 'application/json', body: JSON.stringify({ message: 'Invalid socket id.' }) });
    const user = who.user;
    if (kind === 'user') {
      return finish(200, signer.authenticateUser(socketId,
        { id: String(user.id), name: user.name, user_info: { id: user.id, name: user.name } }));
    }
    const rule = channelRule(user, channel);
    if (!rule) return finish(403);
    const presence = rule === true ? undefined : { user_id: String(user.id), user_info: rule };
    return finish(200, signer.authorizeChannel(socketId, channel, presence));
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

async function testRoute(req, res, pathname, url) {
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
  if (route === 'GET /test/channels') return proxyGet(res, '/channels', Object.fromEntries(url.searchParams));
  let m;
  if (req.method === 'GET' && (m = /^\/test\/channel\/([^/]+)(\/users)?$/.exec(pathname))) {
    const name = decodeURIComponent(m[1]);
    return proxyGet(res, `/channels/${name}${m[2] || ''}`, Object.fromEntries(url.searchParams));
  }
  if (req.method === 'POST' && (m = /^\/test\/sockudo\/(kill|start|restart)$/.exec(pathname))) {
    const out = await harness(`sockudo-${m[1]}`);
    return send(res, 200, { ok: true, output: out });
  }
  return sendError(res, 404);
}

// ---- router -------------------------------------------------------------------------------
async function handle(req, res) {
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
  if (p.startsWith('/test/')) return testRoute(req, res, p, url);
  if (serveStatic(req, res, p)) return;
  return sendError(res, 404);
}

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
server.listen(cfg.port, cfg.host, () => {
  console.log(`backend listening on http://${cfg.host}:${cfg.port} (sockudo ${cfg.pusherHost}:${cfg.pusherPort}, app ${cfg.appId})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
