// echo-wasm/vue: Vue 3 composables with the names and arguments of @laravel/echo-vue 2.5.0.
//
// Glue only: the protocol lives in the wasm Echo; this module does lifecycle (subscribe on
// mount, undo on unmount), reference counting (a channel is left when the last component
// using it unmounts) and reactivity (refs for connection status, socket id, presence members).
//
// Differences from echo-vue, on purpose:
// - Channels are taken on mount, not during setup, so server-side rendering never creates an
//   Echo or opens a socket. `channel()` called earlier takes the channel at once.
// - Each composable registers its own wrapper callbacks and removes exactly those, so two
//   components passing the same function never remove each other's listener.
// - A change of `dependencies` (refs, getters or reactive objects) or of a ref/getter channel
//   name leaves the channel and subscribes again (echo-vue kept listening on the left channel).
// - Entries are kept per Echo instance, so `configureEcho()` again starts from a clean slate:
//   the old instance (if configureEcho built it) is destroyed, so its socket closes, and every
//   mounted composable moves to the new one (its listeners and presence hooks re-bound).
// - `leave()` leaves the name under every prefix except the prefixed channels that other
//   mounted components still hold (echo-vue left them for everyone).
import {
  getCurrentInstance, getCurrentScope, onMounted, onScopeDispose, onUnmounted, ref,
  shallowRef, toValue, watch,
} from 'vue';
import Echo from './index.js';
import { pagePermission as readPermission } from './queue.js';

// ---- configuration and the one Echo instance ----

let config = null; // options from configureEcho()
let instance = null; // created by the first echo() call
let owned = false; // whether `instance` was built here (then we destroy it when replacing it)
const bound = new Set(); // live composables: { client, rebind() } while they hold the client

/** Vite's env (`import.meta.env`), or `{}` outside Vite (Node, SSR without Vite, webpack). */
function viteEnv() {
  return import.meta.env ?? {};
}

const transports = ['ws', 'wss'];
const isTls = (scheme) => (scheme ?? 'https') === 'https';

/** The options `configureEcho(config)` would use: defaults from `env` under `config`. */
export function resolveEchoConfig(userConfig = {}, env = viteEnv()) {
  const e = env ?? {};
  const broadcaster = userConfig.broadcaster ?? 'reverb';
  let defaults = {};
  if (broadcaster === 'reverb') {
    defaults = {
      broadcaster, key: e.VITE_REVERB_APP_KEY, wsHost: e.VITE_REVERB_HOST,
      wsPort: e.VITE_REVERB_PORT, wssPort: e.VITE_REVERB_PORT,
      forceTLS: isTls(e.VITE_REVERB_SCHEME), enabledTransports: transports,
    };
  } else if (broadcaster === 'pusher') {
    defaults = {
      broadcaster, key: e.VITE_PUSHER_APP_KEY, cluster: e.VITE_PUSHER_APP_CLUSTER,
      wsHost: e.VITE_PUSHER_HOST, wsPort: e.VITE_PUSHER_PORT, wssPort: e.VITE_PUSHER_PORT,
      forceTLS: isTls(e.VITE_PUSHER_SCHEME), enabledTransports: transports,
    };
  }
  // Unset env variables are dropped, so Echo's own defaults apply to them.
  const present = Object.entries(defaults).filter(([, value]) => value !== undefined);
  return { ...Object.fromEntries(present), ...userConfig };
}

/** Configure the Echo the composables use (created on first use). Call once, before them. */
export function configureEcho(userConfig) {
  config = resolveEchoConfig(userConfig);
  replaceInstance(null); // the next echo() builds one from the new options
}

/**
 * Use an Echo you created yourself (e.g. `window.Echo`), or a test double, instead of one
 * built from configureEcho's options. `null` goes back to configureEcho's.
 */
export function setEchoInstance(client) {
  replaceInstance(client ?? null, false);
}

/**
 * Swaps the instance: mounted composables let go of the old one (while it still works), an
 * old one built here is destroyed (its socket closes), then they re-bind to the new one.
 */
function replaceInstance(next, nextOwned = false) {
  const old = instance;
  const oldOwned = owned;
  if (old === next) return;
  const moving = old ? [...bound].filter((b) => b.client === old) : [];
  for (const b of moving) b.release();
  instance = next;
  owned = next ? nextOwned : false;
  if (old && oldOwned && typeof old.destroy === 'function') old.destroy();
  if (moving.length > 0 && (instance || config)) for (const b of moving) b.rebind();
}

/** Runs `fn`; an `echo_destroyed` error (a handle of an instance destroyed by hand) is ignored. */
function quietly(fn) {
  try {
    fn();
  } catch (error) {
    if (error?.code !== 'echo_destroyed') throw error;
  }
}

export const echoIsConfigured = () => config !== null || instance !== null;

/** The Echo instance, created on first call. Throws when configureEcho() was not called. */
export function echo() {
  if (instance) return instance;
  if (!config) {
    throw new Error(
      'echo-wasm/vue: Echo is not configured. Call configureEcho({ broadcaster: "reverb" }) ' +
        'once (e.g. in resources/js/app.js) before echo() or any use* composable runs.',
    );
  }
  instance = new Echo(config);
  owned = true;
  return instance;
}

// ---- reference-counted channels ----

const registries = new WeakMap(); // Echo -> Map(full channel name -> entry)
const prefixes = { public: '', private: 'private-', presence: 'presence-', encrypted: 'private-encrypted-' };
const subscribe = { public: 'channel', private: 'private', presence: 'join', encrypted: 'encryptedPrivate' };

/** Takes one reference on a channel, subscribing on the first. */
function retain(name, visibility) {
  if (!(visibility in prefixes)) {
    throw new Error(`echo-wasm/vue: unknown visibility '${visibility}' (public, private, presence or encrypted)`);
  }
  const client = echo();
  let channels = registries.get(client);
  if (!channels) registries.set(client, (channels = new Map()));
  const key = prefixes[visibility] + name;
  let entry = channels.get(key);
  if (!entry) {
    entry = { client, channels, key, name, count: 0, channel: client[subscribe[visibility]](name) };
    channels.set(key, entry);
  }
  entry.count += 1;
  return entry;
}

/**
 * Drops one reference; the last one leaves the channel. `leaveAll` (echo's `leave(name)`)
 * also leaves the name under the other prefixes, except those still held by other
 * components: one component's leave() never takes a channel from another.
 */
function release(entry, leaveAll) {
  entry.count -= 1;
  if (entry.channels.get(entry.key) === entry && entry.count <= 0) entry.channels.delete(entry.key);
  const keys = leaveAll ? Object.values(prefixes).map((prefix) => prefix + entry.name) : [entry.key];
  const free = keys.filter((key) => (key === entry.key ? entry.count <= 0 : !(entry.channels.get(key)?.count > 0)));
  if (leaveAll && free.length === keys.length) return quietly(() => entry.client.leave(entry.name));
  for (const key of free) quietly(() => entry.client.leaveChannel(key));
}

/** Runs `start` on mount and `stop` on unmount; outside a component: now, and on scope dispose. */
function onLifecycle(start, stop) {
  if (getCurrentInstance()) {
    onMounted(start);
    onUnmounted(stop);
  } else {
    start();
    if (getCurrentScope()) onScopeDispose(stop);
  }
}

const toArray = (value) => (Array.isArray(value) ? value : [value]);

/**
 * The shared core of every channel composable. `bindEvents(channel)` registers the event
 * callbacks (listen/stopListening) and `bindChannel(channel)` those that live as long as the
 * channel is held (presence members); each returns the function that removes them.
 */
function useSubscription(channelName, visibility, dependencies, { bindEvents, bindChannel, listenOnMount = true }) {
  let entry = null; // our reference, while held
  let unbindChannel = null;
  let unbindEvents = null; // non-null while listening

  const acquire = () => {
    if (!entry) {
      entry = retain(toValue(channelName), visibility);
      unbindChannel = bindChannel ? bindChannel(entry.channel) : null;
      binding.client = entry.client;
      bound.add(binding);
    }
    return entry.channel;
  };
  const listen = () => {
    const channel = acquire();
    if (!unbindEvents && bindEvents) unbindEvents = bindEvents(channel);
  };
  const stopListening = () => {
    if (unbindEvents) quietly(unbindEvents);
    unbindEvents = null;
  };
  // While we hold a channel: how to let go of the instance and take the new one after
  // configureEcho()/setEchoInstance() (listening again if we were).
  const binding = {
    client: null,
    wasListening: false,
    release() {
      binding.wasListening = unbindEvents !== null;
      tearDown();
    },
    rebind() {
      if (binding.wasListening) listen();
      else acquire();
    },
  };
  const tearDown = (leaveAll = false) => {
    stopListening();
    bound.delete(binding);
    if (!entry) return;
    if (unbindChannel) quietly(unbindChannel);
    unbindChannel = null;
    const held = entry;
    entry = null;
    release(held, leaveAll);
  };
  onLifecycle(listenOnMount ? listen : acquire, () => tearDown());

  // Re-subscribe when the dependencies (or a ref/getter channel name) change.
  if (dependencies.length > 0 || typeof channelName !== 'string') {
    watch(
      () => [toValue(channelName), ...dependencies.map((dependency) => toValue(dependency))],
      () => {
        if (!entry) return; // not mounted, or left by hand
        const wasListening = unbindEvents !== null;
        tearDown();
        if (wasListening) listen();
        else acquire();
      },
      { deep: true },
    );
  }

  return {
    /** Stop listening and leave the channel (when no other component uses it). */
    leaveChannel: (leaveAll = false) => tearDown(leaveAll),
    /** Same, leaving the name under every prefix (public, private, presence). */
    leave: () => tearDown(true),
    stopListening,
    listen,
    /** The channel (taken now if not yet mounted). */
    channel: acquire,
  };
}

/** Presence extras: a `members` ref and here/joining/leaving callbacks removed with the channel. */
function presenceTracking() {
  const members = shallowRef([]);
  const hooks = []; // [kind, callback] added through here()/joining()/leaving()
  let bound = null; // the channel our callbacks are on
  const sync = () => {
    members.value = bound ? (bound.members?.members ?? []).map((member) => member.info) : [];
  };
  const own = [['here', sync], ['joining', sync], ['leaving', sync]];

  const bindChannel = (channel) => {
    bound = channel;
    for (const [kind, callback] of [...own, ...hooks]) channel[kind](callback);
    return () => {
      for (const [kind, callback] of [...own, ...hooks]) channel.off(kind, callback);
      bound = null;
      members.value = [];
    };
  };
  const hook = (kind) => (callback) => {
    const entry = [kind, (arg) => callback(arg)];
    hooks.push(entry);
    if (bound) bound[kind](entry[1]);
    return () => {
      const index = hooks.indexOf(entry);
      if (index >= 0) hooks.splice(index, 1);
      if (bound) bound.off(kind, entry[1]);
    };
  };
  return { bindChannel, extras: { members, here: hook('here'), joining: hook('joining'), leaving: hook('leaving') } };
}

// ---- channel composables ----

/** Listen to `event` (or events) on a channel while the component is mounted. */
export function useEcho(channelName, event = [], callback = () => {}, dependencies = [], visibility = 'private') {
  const events = toArray(event);
  const handler = (...args) => callback(...args); // ours alone, so we remove exactly it
  const presence = visibility === 'presence' ? presenceTracking() : null;
  const handle = useSubscription(channelName, visibility, dependencies, {
    bindChannel: presence?.bindChannel,
    bindEvents(channel) {
      for (const name of events) channel.listen(name, handler);
      return () => {
        for (const name of events) channel.stopListening(name, handler);
      };
    },
  });
  return presence ? { ...handle, ...presence.extras } : handle;
}

export const useEchoPublic = (channelName, event = [], callback = () => {}, dependencies = []) =>
  useEcho(channelName, event, callback, dependencies, 'public');

export const useEchoPresence = (channelName, event = [], callback = () => {}, dependencies = []) =>
  useEcho(channelName, event, callback, dependencies, 'presence');

/**
 * Laravel notifications on a private channel (e.g. `App.Models.User.1`); `event` filters by
 * notification type, written with `.` or `\` (`App.Notifications.InvoicePaid`).
 */
export function useEchoNotification(channelName, callback = () => {}, event = [], dependencies = []) {
  const types = new Set(
    toArray(event).flatMap((type) => [type, type.includes('.') ? type.replace(/\./g, '\\') : type.replace(/\\/g, '.')]),
  );
  const handler = (notification) => {
    if (types.size === 0 || types.has(notification?.type)) callback(notification);
  };
  return useSubscription(channelName, 'private', dependencies, {
    bindEvents(channel) {
      channel.notification(handler);
      return () => channel.stopListeningForNotification(handler);
    },
  });
}

/**
 * Eloquent model broadcasts: private channel `{model}.{identifier}` (`App.Models.User.1`),
 * events such as `UserUpdated` listened to verbatim (`.UserUpdated`).
 */
export function useEchoModel(model, identifier, event = [], callback = () => {}, dependencies = []) {
  const fixed = typeof identifier === 'string' || typeof identifier === 'number';
  const name = fixed ? `${model}.${identifier}` : () => `${model}.${toValue(identifier)}`;
  const events = toArray(event).map((e) => (e.startsWith('.') ? e : `.${e}`));
  return useEcho(name, events, callback, dependencies, 'private');
}

/** A channel held while the component is mounted, without listeners of ours. */
export function useChannel(channelName, visibility = 'private') {
  const presence = visibility === 'presence' ? presenceTracking() : null;
  const { leaveChannel, leave, channel } = useSubscription(channelName, visibility, [], {
    bindChannel: presence?.bindChannel,
    listenOnMount: false,
  });
  return { leaveChannel, leave, channel, ...(presence ? presence.extras : {}) };
}

/**
 * Calls `callback({recovered, downtimeMs, replayed, reason})` each time the channel, held while
 * the component is mounted, is subscribed again on a new connection (`channel.resumed`);
 * removed on unmount. Re-fetch what the component shows when `recovered` is false. Arguments
 * in `useEcho`'s order: `(channelName, callback, dependencies = [], visibility = 'private')`.
 */
export function useEchoResumed(channelName, callback, dependencies = [], visibility = 'private') {
  const handler = (event) => callback(event); // ours alone, so we remove exactly it
  const { leaveChannel, leave, channel } = useSubscription(channelName, visibility, dependencies, {
    bindChannel(held) {
      held.resumed(handler);
      return () => held.off('resumed', handler);
    },
    listenOnMount: false,
  });
  return { leaveChannel, leave, channel };
}

export const usePresenceChannel = (channelName) => useChannel(channelName, 'presence');
export const usePublicChannel = (channelName) => useChannel(channelName, 'public');

// ---- connection ----

/** Calls `update(client, status?)` on mount and on every connection change, until unmount. */
function useConnectionChange(update) {
  let unsubscribe = null;
  const stop = () => {
    bound.delete(binding);
    if (unsubscribe) quietly(unsubscribe);
    unsubscribe = null;
  };
  const start = () => {
    const client = echo();
    update(client);
    unsubscribe = client.connector.onConnectionChange((status) => update(client, status));
    binding.client = client;
    bound.add(binding);
    // An Echo whose wasm is not ready yet answers 'connecting' / undefined: read again once
    // it is (or once it failed), if still bound to it.
    const ready = client.ready;
    if (ready && typeof ready.then === 'function') {
      const again = () => { if (binding.client === client && bound.has(binding)) update(client); };
      ready.then(again, again);
    }
  };
  const binding = { client: null, release: stop, rebind: start };
  onLifecycle(start, stop);
}

/** The connection status as a ref: connected, connecting, reconnecting, failed, disconnected. */
export function useConnectionStatus() {
  const status = ref(instance ? instance.connectionStatus() : 'connecting');
  useConnectionChange((client, current) => {
    status.value = current ?? client.connectionStatus();
  });
  return status;
}

/** The socket id as a ref (`undefined` while not connected); send it as `X-Socket-ID`. */
export function useSocketId() {
  const socketId = ref(instance ? instance.socketId() : undefined);
  useConnectionChange((client) => {
    socketId.value = client.socketId();
  });
  return socketId;
}

// ---- browser notifications ----

/**
 * The browser's notification permission as a ref, read as the wasm reads it (`'unsupported'`
 * where there is no `Notification`, as in SSR, or on an insecure page), and `request()` to ask
 * for it (call it from a user gesture).
 */
export function useNotificationPermission() {
  const permission = ref(readPermission());
  onLifecycle(() => {
    permission.value = readPermission();
  }, () => {});

  async function request() {
    if (readPermission() === 'unsupported' || typeof Notification.requestPermission !== 'function') {
      return (permission.value = readPermission());
    }
    try {
      // Older Safari takes a callback and returns nothing; others return a promise.
      const result = await new Promise((resolve, reject) => {
        const promise = Notification.requestPermission(resolve);
        if (promise && typeof promise.then === 'function') promise.then(resolve, reject);
      });
      permission.value = result ?? readPermission();
    } catch {
      permission.value = readPermission();
    }
    return permission.value;
  }

  return { permission, request };
}
