// The production idle-timeout relation of the deploy nginx config (issue #17), from the sources:
// the client's default activityTimeout and pongTimeout (src/options.rs), Sockudo's default
// ACTIVITY_TIMEOUT (its sockudo-core sources in the cargo registry, the version scripts/setup
// installs), and the proxy_read_timeout / proxy_send_timeout of deploy/nginx/echo-wasm.conf.
// It also writes the deploy server block with those timeouts scaled by (test activity timeout /
// production activity timeout), for the live idle run at the topology's short activity timeout:
//   node tests/topology/timeouts.mjs scaled-server RENDERED_CONF LISTEN TEST_ACTIVITY_S > OUT
// (scripts/topology does, to serve the README config at test scale on a port of its own).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TIMEOUTS = ['proxy_read_timeout', 'proxy_send_timeout'];

/** The one integer `field: N,` of `text` (N may have `_` separators); throws unless exactly one. */
function oneField(text, field, where) {
  const hits = [...text.matchAll(new RegExp(`^\\s*${field}:\\s*([0-9_]+),`, 'gm'))];
  if (hits.length !== 1) throw new Error(`${where}: expected one '${field}: N,' default, found ${hits.length}`);
  return Number(hits[0][1].replace(/_/g, ''));
}

/** The client's defaults in seconds: { activity, pong } (ClientOptions' Default in src/options.rs). */
export function clientDefaults() {
  const file = path.join(ROOT, 'src/options.rs');
  const text = fs.readFileSync(file, 'utf8');
  return { activity: oneField(text, 'activity_timeout_ms', file) / 1000, pong: oneField(text, 'pong_timeout_ms', file) / 1000 };
}

/** Sockudo's default ACTIVITY_TIMEOUT in seconds, from the sockudo-core sources of the installed version. */
export function sockudoDefaultActivity() {
  const version = /^SOCKUDO_VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(ROOT, 'scripts/setup'), 'utf8'))?.[1];
  if (!version) throw new Error('scripts/setup: no SOCKUDO_VERSION=');
  const src = path.join(process.env.CARGO_HOME || path.join(os.homedir(), '.cargo'), 'registry/src');
  const dirs = fs.existsSync(src) ? fs.readdirSync(src) : [];
  const file = dirs.map((d) => path.join(src, d, `sockudo-core-${version}`, 'src/options/server.rs')).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`sockudo-core-${version}/src/options/server.rs not found under ${src}: run scripts/setup (cargo install sockudo)`);
  return oneField(fs.readFileSync(file, 'utf8'), 'activity_timeout', file);
}

/**
 * Production: the client pings after min(its activityTimeout, the server's activity_timeout) of
 * silence and gives up pongTimeout later. { activity, pong, client, sockudo } in seconds.
 */
export function production() {
  const client = clientDefaults();
  const sockudo = sockudoDefaultActivity();
  return { activity: Math.min(client.activity, sockudo), pong: client.pong, client, sockudo };
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** nginx time (`300s`, `5m`, `10000ms`, `300`) in milliseconds. */
export function nginxMs(value) {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!m) throw new Error(`not an nginx time: ${value}`);
  return Number(m[1]) * UNIT_MS[m[2] ?? 's'];
}

/** { proxy_read_timeout, proxy_send_timeout } of an nginx config in ms; each must be set exactly once. */
export function proxyTimeouts(conf) {
  const out = {};
  for (const name of TIMEOUTS) {
    const hits = [...conf.matchAll(new RegExp(`^\\s*${name}\\s+(\\S+);`, 'gm'))];
    if (hits.length !== 1) throw new Error(`expected one ${name}, found ${hits.length}`);
    out[name] = nginxMs(hits[0][1]);
  }
  return out;
}

/**
 * The `server { ... }` block of a rendered deploy config with `listen` replaced and both timeouts
 * times testActivity / prodActivity (the seconds of the test run's and production's activity timeout).
 */
export function scaledServer(conf, listen, testActivity, prodActivity) {
  const factor = testActivity / prodActivity;
  const start = conf.search(/^server \{$/m);
  if (start < 0) throw new Error('no top-level "server {" in the config');
  const block = conf.slice(start);
  const ms = proxyTimeouts(block);
  let out = block.replace(/^(\s*listen\s+)\S+( ssl;)$/m, `$1${listen}$2`);
  for (const name of TIMEOUTS) {
    out = out.replace(new RegExp(`^(\\s*${name}\\s+)\\S+;`, 'm'), `$1${Math.round(ms[name] * factor)}ms;`);
  }
  return `# Test-only: the server block of deploy/nginx/echo-wasm.conf on ${listen}, its timeouts times ${testActivity}/${prodActivity}.\n${out}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, conf, listen, testActivity] = process.argv.slice(2);
  if (cmd !== 'scaled-server' || !conf || !listen || !(Number(testActivity) > 0)) {
    console.error('usage: timeouts.mjs scaled-server RENDERED_CONF LISTEN TEST_ACTIVITY_S');
    process.exit(2);
  }
  process.stdout.write(scaledServer(fs.readFileSync(conf, 'utf8'), listen, Number(testActivity), production().activity));
}
