// One Echo's calls made before the wasm is ready, applied in order once it is, and what the
// Echo answers until then (or for good, when it could not be created: the wasm did not load,
// or its options were refused).
//
// Every call is an op (a closure over the wrapper it was made on and its arguments). When the
// wasm is ready, `apply` creates the wasm Echo, runs the ops in order (an op a callback adds
// meanwhile runs too), binds every wrapper to its wasm object and drops the queue: from then on
// a wrapper forwards straight to the wasm (its `[Q]` is null). A queued call the wasm refuses
// (what it would have thrown: an invalid channel name, a whisper before the subscription) is
// reported once every op ran, so error callbacks chained after it hear it too: through the
// wasm's normal error path (`diagnose()`, the channel's `error(cb)`, `connector.onError`).
import { Channel, W, Q, ERRS, adopt, refused } from './channel.js';

const noop = () => {};

/** Calls an app callback; what it throws is printed, never rethrown into the package. */
function callSafely(callback, value) {
  try {
    callback(value);
  } catch (thrown) {
    console.error('echo-wasm: listener threw', thrown);
  }
}

/** `target[key]`, or `undefined` when the getter throws (as the wasm reads app objects). */
function readSafely(target, key) {
  try {
    return target?.[key];
  } catch {
    return undefined;
  }
}

/**
 * `Notification.permission` as the wasm reads it (src/web/notify.rs), for diagnose() and
 * `echo.notifications` before ready and for echo-wasm/vue: `'unsupported'` without a
 * `Notification` constructor, on an insecure page (`isSecureContext === false`) or when the
 * permission is not a string; `'granted'`/`'denied'` as they are; any other string `'default'`.
 * A throwing getter counts as absent.
 */
export function pagePermission() {
  const ctor = readSafely(globalThis, 'Notification');
  if (typeof ctor !== 'function' || readSafely(globalThis, 'isSecureContext') === false) return 'unsupported';
  const permission = readSafely(ctor, 'permission');
  if (typeof permission !== 'string') return 'unsupported';
  return permission === 'granted' || permission === 'denied' ? permission : 'default';
}

export class Pending {
  constructor(options) {
    this.options = options;
    this.ops = [];
    this.channels = new Map(); // full name -> the current Channel wrapper
    this.wrappers = []; // every wrapper made before ready (bound, then released, by apply)
    this.failures = []; // [thrown, channel wrapper | null, its open refused] of refused ops
    this.connectorErrors = []; // {callback, slot} of connector.onError made before ready
    this.listeners = 0; // queued listener registrations (diagnose())
    this.wasm = null;
    this.broken = null; // the error event, once the Echo cannot be created
    this.lastErrors = [];
  }

  /** `echo[method](name)` (or `echo.listen(name, ...listen)`): the channel's wrapper. */
  open(method, name, full, listen) {
    let channel = this.channels.get(full);
    if (!channel) {
      channel = new Channel(null, full, this);
      this.channels.set(full, channel);
      this.wrappers.push(channel);
    }
    if (this.broken) return channel;
    if (listen) this.listeners++;
    this.ops.push(() => {
      let handle;
      try {
        handle = listen ? this.wasm.listen(name, ...listen) : this.wasm[method](name);
      } catch (thrown) {
        const refusedOpen = !channel[W];
        if (refusedOpen) refused(channel, thrown);
        this.failures.push([thrown, channel, refusedOpen]);
        return;
      }
      if (!channel[W]) adopt(channel, handle);
    });
    return channel;
  }

  /** A queued call on a bound wrapper; a refusal is kept for the report. */
  run(target, method, args) {
    if (target[W].refused) return; // its open's refusal is reported, once
    try {
      target[W][method](...args);
    } catch (thrown) {
      this.failures.push([thrown, target instanceof Channel ? target : null]);
    }
  }

  /** A wrapper (connector, notifications) bound to `echo[prop]` in its turn. */
  bind(wrapper, prop) {
    if (this.broken) return;
    this.wrappers.push(wrapper);
    this.ops.push(() => { wrapper[W] = this.wasm[prop]; });
  }

  /** An error callback registered on an Echo that could not be created: told at once. */
  late(callback, channel) {
    if (typeof callback !== 'function') return;
    const event = channel ? { ...this.broken, channel } : this.broken;
    queueMicrotask(() => callSafely(callback, event));
  }
}

/** Creates the wasm Echo and applies the queue (see the module doc). */
export function apply(q, echo, WasmEcho) {
  try {
    q.wasm = new WasmEcho(q.options);
  } catch (thrown) {
    fail(q, thrown, 'UsageError');
    throw thrown;
  }
  echo[W] = q.wasm;
  for (let i = 0; i < q.ops.length; i++) {
    try {
      q.ops[i]();
    } catch (thrown) {
      q.failures.push([thrown, null]);
    }
  }
  echo[Q] = null;
  for (const wrapper of q.wrappers) {
    wrapper[Q] = null;
  }
  const { failures, wrappers, connectorErrors } = q;
  q.ops = q.wrappers = q.failures = q.connectorErrors = null;
  q.channels.clear();
  // A queued destroy() ran: the wasm client has no log and no listeners left, so the refusals
  // (each call queued after it throws `echo_destroyed`) go to the connector.onError callbacks
  // made before ready (not undone) here, and are printed once per code when none heard them.
  const gone = failures.length > 0 && destroyed(q.wasm);
  const warned = new Set();
  for (const [thrown, channel, refusedOpen] of failures) {
    // A refused channel has no wasm listeners: its own error(cb)s are called here.
    const own = refusedOpen ? channel[ERRS] : [];
    const code = typeof thrown?.code === 'string' ? thrown.code : 'config';
    let message;
    try {
      message = String(thrown?.message ?? thrown);
    } catch {
      message = 'A call made before the wasm was ready was refused.';
    }
    const connection = gone ? connectorErrors.filter(({ slot }) => !slot.cancelled).map(({ callback }) => callback) : [];
    const heard = own.length > 0 || connection.length > 0 || warned.has(code);
    if (gone) warned.add(code);
    const event = q.wasm.__reportQueued(code, message, channel ? channel.name : undefined, heard);
    for (const callback of [...own, ...connection]) callSafely(callback, event);
  }
  for (const wrapper of wrappers) wrapper[ERRS] = null;
}

/** Whether the wasm Echo was destroyed (`diagnose()` says so; a throwing one counts as not). */
function destroyed(wasmEcho) {
  try {
    return wasmEcho.diagnose().destroyed === true;
  } catch {
    return false;
  }
}

/**
 * The Echo cannot be created (`thrown`: the load error, or the options' `config` error): its
 * error callbacks hear it, `diagnose()` shows it, and every later call does nothing.
 */
export function fail(q, thrown, type) {
  let code;
  let message;
  try {
    code = typeof thrown?.code === 'string' ? thrown.code : 'config';
    message = String(thrown?.message ?? thrown);
  } catch {
    code ??= 'config';
    message = 'The Echo could not be created.';
  }
  q.broken = { type, code, message, error: message };
  q.lastErrors.push({ code, message, channel: null, at: Date.now() });
  // After `apply` dropped the queue (it threw while reporting) the lists are null: no
  // callback is left to tell, the error is printed below.
  const connectorErrors = q.connectorErrors ?? [];
  const wrappers = q.wrappers ?? [];
  q.ops = [];
  q.connectorErrors = [];
  let heard = false;
  for (const { callback, slot } of connectorErrors) {
    if (slot.cancelled) continue;
    heard = true;
    callSafely(callback, q.broken);
  }
  for (const wrapper of wrappers) {
    for (const callback of wrapper[ERRS] ?? []) {
      heard = true;
      callSafely(callback, { ...q.broken, channel: wrapper.name });
    }
  }
  if (!heard) console.warn(`echo-wasm [${code}]: ${message}`);
}

/** `diagnose()` before ready (`loading: true`) or of an Echo that could not be created. */
export function snapshot(q) {
  const state = q.broken ? 'failed' : 'connecting';
  const desktop = readSafely(q.options, 'desktopNotifications');
  return {
    state,
    status: state,
    ...(q.broken ? {} : { loading: true }),
    socketId: null,
    url: null,
    serverActivityTimeout: null,
    connectedForMs: null,
    reconnectAttempts: 0,
    reconnects: 0,
    signedInUser: null,
    lastErrors: q.lastErrors.map((e) => ({ ...e })),
    channels: [...q.channels.keys()].sort().map((name) => ({
      name,
      state: q.broken ? 'failed' : 'waiting',
      error: q.broken ? { code: q.broken.code, message: q.broken.message, status: null } : null,
      ...(name.startsWith('presence-') ? { members: 0 } : {}),
    })),
    listeners: q.listeners,
    notificationPermission: pagePermission(),
    desktopNotifications: Boolean(desktop) && readSafely(desktop, 'enabled') !== false,
    sharing: { enabled: readSafely(q.options, 'shareConnection') === true, role: 'solo', tabs: 1 },
  };
}

export { noop };
