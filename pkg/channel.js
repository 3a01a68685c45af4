// `Channel`: the JS class an app holds for a channel; it forwards to the wasm channel handle.
//
// One wrapper per wasm handle (a WeakMap keyed by the handle), so identity is the wasm's own:
// `echo.private('x') === echo.private('x')` while the app holds it, a new one after a leave.
// The wrapper holds its handle, the map holds the wrapper only while the handle lives, and the
// wasm caches handles through WeakRefs: a wrapper keeps alive exactly what its handle kept.
// Chained calls return the wrapper of the handle the wasm returned (the current one).
//
// Before the wasm is ready a wrapper has no handle: its calls go to its Echo's queue (`[Q]`,
// see queue.js) and it is bound to its handle when the queue is applied. A wrapper whose
// channel the wasm refused once applied (an invalid name) throws that error from then on.

export const W = Symbol('echo-wasm.target'); // the wasm object, once there is one
export const Q = Symbol('echo-wasm.queue'); // the Echo's queue before it is applied, else null
export const ERRS = Symbol('echo-wasm.errorCallbacks'); // error(cb)s made before ready
const NAME = Symbol('echo-wasm.name');

const wrappers = new WeakMap(); // wasm handle -> Channel

/** The wrapper of a wasm channel handle (made on first sight). */
export function wrapChannel(handle) {
  return wrappers.get(handle) ?? new Channel(handle, handle.name, null);
}

/** Binds a queued wrapper to the handle its queued open returned. */
export function adopt(channel, handle) {
  channel[W] = handle;
  if (!wrappers.has(handle)) wrappers.set(handle, channel);
}

/** What a wrapper forwards to once its channel was refused: every acting call throws `thrown`. */
export function refused(channel, thrown) {
  const fail = () => { throw thrown; };
  channel[W] = {
    refused: true,
    subscriptionState: 'unsubscribed',
    members: { count: 0, me: null, members: [] },
    unsubscribe() {},
    listen: fail, listenToAll: fail, stopListening: fail, stopListeningToAll: fail, subscribed: fail, resumed: fail,
    error: fail, notification: fail, stopListeningForNotification: fail, off: fail, subscribe: fail,
    whisper: fail, listenForWhisper: fail, stopListeningForWhisper: fail, here: fail, joining: fail, leaving: fail,
  };
}

/** The channel's wrapper after a call that returned `handle` (usually itself). */
const back = (channel, handle) => (handle === channel[W] ? channel : wrapChannel(handle));

/**
 * A call made before ready: queued on the channel (`revives`: it adds a listener, which on a
 * left channel subscribes it again, so the channel's current wrapper is returned).
 */
function queued(channel, method, args, revives) {
  const q = channel[Q];
  const name = channel[NAME];
  let current = q.channels.get(name);
  if (q.broken) {
    if (method === 'error') q.late(args[0], name);
    return current ?? channel;
  }
  if (revives && !current) current = q.open('channel', name, name);
  if (method === 'error') channel[ERRS].push(args[0]);
  if (method === 'off' && args[0] === 'error') {
    channel[ERRS] = args[1] === undefined ? [] : channel[ERRS].filter((cb) => cb !== args[1]);
  }
  if (revives && method !== 'subscribe') q.listeners++;
  q.ops.push(() => q.run(channel, method, args));
  return current ?? channel;
}

export class Channel {
  /** Made by the package (`echo.channel(name)` and friends), never by the app. */
  constructor(handle, name, queue) {
    this[W] = null;
    this[NAME] = name;
    this[Q] = queue;
    this[ERRS] = queue ? [] : null;
    if (handle) adopt(this, handle);
  }

  get name() { return this[NAME]; }

  get subscriptionState() {
    if (this[W]) return this[W].subscriptionState;
    const q = this[Q];
    return q.broken ? 'failed' : q.channels.get(this[NAME]) === this ? 'waiting' : 'unsubscribed';
  }

  get members() {
    return this[W] ? this[W].members : { count: 0, me: null, members: [] };
  }

  listen(event, callback, options) {
    return this[Q] ? queued(this, 'listen', [event, callback, options], true) : back(this, this[W].listen(event, callback, options));
  }
  listenToAll(callback) {
    return this[Q] ? queued(this, 'listenToAll', [callback], true) : back(this, this[W].listenToAll(callback));
  }
  stopListening(event, callback) {
    return this[Q] ? queued(this, 'stopListening', [event, callback], false) : back(this, this[W].stopListening(event, callback));
  }
  stopListeningToAll(callback) {
    return this[Q] ? queued(this, 'stopListeningToAll', [callback], false) : back(this, this[W].stopListeningToAll(callback));
  }
  subscribed(callback) {
    return this[Q] ? queued(this, 'subscribed', [callback], true) : back(this, this[W].subscribed(callback));
  }
  resumed(callback) {
    return this[Q] ? queued(this, 'resumed', [callback], true) : back(this, this[W].resumed(callback));
  }
  error(callback) {
    return this[Q] ? queued(this, 'error', [callback], true) : back(this, this[W].error(callback));
  }
  notification(callback) {
    return this[Q] ? queued(this, 'notification', [callback], true) : back(this, this[W].notification(callback));
  }
  stopListeningForNotification(callback) {
    return this[Q] ? queued(this, 'stopListeningForNotification', [callback], false) : back(this, this[W].stopListeningForNotification(callback));
  }
  whisper(event, data) {
    return this[Q] ? queued(this, 'whisper', [event, data], false) : back(this, this[W].whisper(event, data));
  }
  listenForWhisper(event, callback) {
    return this[Q] ? queued(this, 'listenForWhisper', [event, callback], true) : back(this, this[W].listenForWhisper(event, callback));
  }
  stopListeningForWhisper(event, callback) {
    return this[Q] ? queued(this, 'stopListeningForWhisper', [event, callback], false) : back(this, this[W].stopListeningForWhisper(event, callback));
  }
  here(callback) {
    return this[Q] ? queued(this, 'here', [callback], true) : back(this, this[W].here(callback));
  }
  joining(callback) {
    return this[Q] ? queued(this, 'joining', [callback], true) : back(this, this[W].joining(callback));
  }
  leaving(callback) {
    return this[Q] ? queued(this, 'leaving', [callback], true) : back(this, this[W].leaving(callback));
  }
  off(kind, callback) {
    return this[Q] ? queued(this, 'off', [kind, callback], false) : back(this, this[W].off(kind, callback));
  }
  subscribe() {
    return this[Q] ? queued(this, 'subscribe', [], true) : back(this, this[W].subscribe());
  }
  unsubscribe() {
    const q = this[Q];
    if (!q) return this[W].unsubscribe();
    q.channels.delete(this[NAME]);
    if (!q.broken) q.ops.push(() => q.run(this, 'unsubscribe', []));
  }
}
