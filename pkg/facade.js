// The exported `Echo` and `Connector`, and `echo.notifications`: JS classes that forward to
// the wasm objects (src/api/), so that `import Echo from 'echo-wasm'` and `new Echo(options)`
// never wait for the wasm. The wasm starts loading when this module is evaluated (load.js).
//
// Once it is loaded a call is one branch and the wasm call; events go from the wasm to the
// app's listeners directly. Before, each Echo queues its calls (queue.js) and answers as a
// client that is connecting: `connectionStatus()` / `connectionState()` `'connecting'`,
// `socketId()` undefined, `diagnose()` with `loading: true`. `echo.ready` resolves once the
// queue is applied; the module-level `ready` once the wasm is loaded. Both are rejected, and
// handled here, when the wasm cannot be loaded (`wasm_load_failed`), and `echo.ready` when the
// queued options are refused: then the Echo's error callbacks hear it, `diagnose()` shows it,
// and every other call does nothing.
//
// Lifetime: an Echo wrapper holds its wasm Echo, a channel or connector wrapper its wasm
// handle, nothing else once the queue is applied (see channel.js), so what keeps a client
// alive is what kept it before this facade existed.
import * as wasm from './dist/echo_wasm.js';
import { load } from './load.js';
import { loadFailed } from './errors.js';
import { Channel, W, Q, wrapChannel } from './channel.js';
import { Pending, apply, fail, snapshot, pagePermission, noop } from './queue.js';

const OPTIONS = Symbol('echo-wasm.options');
const READY = Symbol('echo-wasm.ready');

let loaded = false;
let loadError = null;

/** Resolves once the wasm is loaded (rejects with an `EchoError` `wasm_load_failed`). */
export const ready = load().then(
  () => { loaded = true; },
  (thrown) => {
    loadError = loadFailed(thrown);
    throw loadError;
  },
);
ready.catch(noop);

const RESOLVED = Promise.resolve();

/** A connection-level registration made before ready; returns its undo function. */
function register(connector, method, args) {
  const q = connector[Q];
  const slot = { q, undo: null, cancelled: false };
  if (method === 'onError') {
    if (q.broken) q.late(args[0]);
    else q.connectorErrors.push({ callback: args[0], slot });
  }
  if (!q.broken) {
    q.listeners++;
    q.ops.push(() => {
      slot.q = null;
      slot.undo = connector[W][method](...args);
    });
  }
  return () => {
    slot.cancelled = true;
    const pending = slot.q;
    if (pending && pending.ops && !pending.broken) pending.ops.push(() => slot.undo?.());
    else if (slot.undo) slot.undo();
  };
}

export class Connector {
  /** Made by `echo.connector`, never by the app. */
  constructor(target, queue) {
    this[W] = target;
    this[Q] = queue;
  }

  signin() {
    const q = this[Q];
    if (!q) return this[W].signin();
    if (!q.broken) q.ops.push(() => q.run(this, 'signin', []));
  }
  socketId() { return this[W] ? this[W].socketId() : undefined; }
  onConnectionChange(callback) { return this[Q] ? register(this, 'onConnectionChange', [callback]) : this[W].onConnectionChange(callback); }
  onStateChange(callback) { return this[Q] ? register(this, 'onStateChange', [callback]) : this[W].onStateChange(callback); }
  onError(callback) { return this[Q] ? register(this, 'onError', [callback]) : this[W].onError(callback); }
  onSignin(callback) { return this[Q] ? register(this, 'onSignin', [callback]) : this[W].onSignin(callback); }
  onWatchlist(callback) { return this[Q] ? register(this, 'onWatchlist', [callback]) : this[W].onWatchlist(callback); }
  listenToUser(event, callback) { return this[Q] ? register(this, 'listenToUser', [event, callback]) : this[W].listenToUser(event, callback); }
}

/** `echo.notifications` (not exported: the app gets it from an Echo). */
class Notifications {
  constructor(target, queue, whenReady) {
    this[W] = target;
    this[Q] = queue;
    this[READY] = whenReady;
  }

  get permission() { return this[W] ? this[W].permission : pagePermission(); }

  /** Before ready, asks once the wasm is (the click's user gesture may have expired by then). */
  requestPermission() {
    if (this[W]) return this[W].requestPermission();
    return this[READY].then(() => this[W].requestPermission(), () => pagePermission());
  }
}

export class Echo {
  /** Throws an `EchoError` `config` once the wasm is loaded; before, a refusal is reported. */
  constructor(options) {
    this[OPTIONS] = options;
    this[W] = null;
    this[Q] = null;
    if (loaded) {
      this[W] = new wasm.Echo(options);
      this[READY] = RESOLVED;
      return;
    }
    const q = new Pending(options);
    this[Q] = q;
    const whenReady = loadError
      ? Promise.reject(loadError)
      : ready.then(() => apply(q, this, wasm.Echo), (thrown) => { throw thrown; });
    // The Echo's own handler: a failure is reported to its error callbacks (below), never
    // as an unhandled rejection, whether or not the app looks at `ready`.
    whenReady.catch((thrown) => {
      if (!q.broken) fail(q, thrown, 'LoadError');
    });
    this[READY] = whenReady;
  }

  /** Resolves once the wasm is loaded and the calls made before are applied. */
  get ready() { return this[READY]; }
  get options() { return this[OPTIONS]; }

  get connector() {
    const q = this[Q];
    if (!q) return new Connector(this[W].connector, null);
    const connector = new Connector(null, q);
    q.bind(connector, 'connector');
    return connector;
  }

  get notifications() {
    const q = this[Q];
    if (!q) return new Notifications(this[W].notifications, null, RESOLVED);
    const notifications = new Notifications(null, q, this[READY]);
    q.bind(notifications, 'notifications');
    return notifications;
  }

  channel(name) { return this[Q] ? this[Q].open('channel', name, name) : wrapChannel(this[W].channel(name)); }
  private(name) { return this[Q] ? this[Q].open('private', name, `private-${name}`) : wrapChannel(this[W].private(name)); }
  encryptedPrivate(name) {
    return this[Q] ? this[Q].open('encryptedPrivate', name, `private-encrypted-${name}`) : wrapChannel(this[W].encryptedPrivate(name));
  }
  join(name) { return this[Q] ? this[Q].open('join', name, `presence-${name}`) : wrapChannel(this[W].join(name)); }
  listen(channel, event, callback) {
    return this[Q] ? this[Q].open('listen', channel, channel, [event, callback]) : wrapChannel(this[W].listen(channel, event, callback));
  }

  leave(name) {
    const q = this[Q];
    if (!q) return this[W].leave(name);
    for (const full of [name, `private-${name}`, `private-encrypted-${name}`, `presence-${name}`]) q.channels.delete(full);
    if (!q.broken) q.ops.push(() => q.run(this, 'leave', [name]));
  }
  leaveChannel(name) {
    const q = this[Q];
    if (!q) return this[W].leaveChannel(name);
    q.channels.delete(name);
    if (!q.broken) q.ops.push(() => q.run(this, 'leaveChannel', [name]));
  }
  leaveAllChannels() {
    const q = this[Q];
    if (!q) return this[W].leaveAllChannels();
    q.channels.clear();
    if (!q.broken) q.ops.push(() => q.run(this, 'leaveAllChannels', []));
  }

  socketId() { return this[W] ? this[W].socketId() : undefined; }
  connectionStatus() { return this[W] ? this[W].connectionStatus() : this[Q].broken ? 'failed' : 'connecting'; }
  connectionState() { return this[W] ? this[W].connectionState() : this[Q].broken ? 'failed' : 'connecting'; }

  connect() {
    const q = this[Q];
    if (!q) return this[W].connect();
    if (!q.broken) q.ops.push(() => q.run(this, 'connect', []));
  }
  disconnect() {
    const q = this[Q];
    if (!q) return this[W].disconnect();
    if (!q.broken) q.ops.push(() => q.run(this, 'disconnect', []));
  }
  diagnose() { return this[W] ? this[W].diagnose() : snapshot(this[Q]); }
  destroy() {
    const q = this[Q];
    if (!q) return this[W].destroy();
    if (!q.broken) q.ops.push(() => q.run(this, 'destroy', []));
  }
}

export { Channel };
