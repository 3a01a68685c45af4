/**
 * echo-wasm: a Laravel Echo compatible client for Pusher protocol 7 servers (Reverb,
 * Pusher, Soketi, Sockudo), compiled from Rust to WebAssembly.
 *
 * Move over from laravel-echo by changing the import:
 * ```ts
 * import Echo from 'echo-wasm';
 * window.Echo = new Echo({ broadcaster: 'reverb', key: import.meta.env.VITE_REVERB_APP_KEY, ... });
 * ```
 *
 * Importing never waits (no top-level await): the WebAssembly module starts loading at
 * import, in the background, and `new Echo(options)` is synchronous. Calls made before the
 * wasm is ready are applied, in order, once it is (see {@link Echo.ready}).
 */

/** Echo's connection status, plus `reconnecting` (connecting again after having been connected). */
export type ConnectionStatus = 'connected' | 'connecting' | 'reconnecting' | 'failed' | 'disconnected';

/** pusher-js connection state names. */
export type ConnectionState = 'initialized' | 'connecting' | 'connected' | 'unavailable' | 'failed' | 'disconnected';

/** Where a channel's subscription stands. */
export type SubscriptionState = 'waiting' | 'authorizing' | 'pending' | 'subscribed' | 'failed' | 'unsubscribed';

/**
 * Why a resumed channel was not recovered (`null` when it was):
 * - `'unsupported'`: the connection speaks Pusher protocol 7 (no `connectionRecovery`, or a
 *   server other than Sockudo with protocol 2): nothing was replayed; re-read what you show.
 * - `'stream_reset'`, `'position_expired'`, `'continuity_unverifiable'`,
 *   `'persistence_unavailable'`: Sockudo's codes, as sent (e.g. more than its buffer, 100
 *   events per channel, or longer than its TTL, 120 s); any other server code passes as is.
 * - `'recovery_disabled'`: Sockudo answered that recovery is not enabled (error 4301:
 *   `CONNECTION_RECOVERY_ENABLED=true` is missing).
 * - `'timeout'`: no outcome within 5 s; the events held meanwhile were delivered, in order.
 * - `'overflow'`: more than 1000 live events arrived while waiting; they were delivered, in order.
 * - `'no_position'`: the channel had no stream position to resume from (Sockudo without
 *   `CONNECTION_RECOVERY_ENABLED=true` sends no serials, even on protocol 2).
 * - `'mixed_streams'`: the channel's live events came in more than one stream (published
 *   through several Sockudo nodes, each numbering its own): one position cannot cover them.
 */
export type ResumeReason =
  | 'unsupported'
  | 'stream_reset'
  | 'position_expired'
  | 'continuity_unverifiable'
  | 'persistence_unavailable'
  | 'recovery_disabled'
  | 'timeout'
  | 'overflow'
  | 'no_position'
  | 'mixed_streams'
  | (string & {});

/** What `channel.resumed(cb)` gets after a channel was subscribed again on a new connection. */
export interface ResumedEvent {
  /** Every event published while away was delivered (Sockudo protocol 2 with recovery). */
  recovered: boolean;
  /** From the last frame received on the old connection to the resubscription's acknowledgement, ms. */
  downtimeMs: number;
  /** Missed events (published before the resubscription) delivered from the server's replay just before this call (0 unless recovered). */
  replayed: number;
  /** `null` when recovered, else why not. */
  reason: ResumeReason | null;
}

/** Echo's custom authorizer shape: `authorizer(channel, options).authorize(socketId, callback)`. */
export type Authorizer = (
  channel: { name: string },
  options: EchoOptions,
) => {
  authorize(
    socketId: string,
    callback: (error: Error | null, authData: { auth: string; channel_data?: string; shared_secret?: string } | null) => void,
  ): void;
};

/** Options of `new Echo(options)`: laravel-echo's, plus echo-wasm's extras (marked "echo-wasm"). */
export interface EchoOptions {
  /**
   * `'reverb'` or `'pusher'` (both speak Pusher protocol 7); `'ably'`: Ably's Pusher adapter
   * (`cluster` is ignored, as laravel-echo does: pass `wsHost`); `'null'`: never connects,
   * every method chains and does nothing (tests, SSR; `key` and hosts are not checked).
   */
  broadcaster?: 'reverb' | 'pusher' | 'ably' | 'null';
  /** The app key (`VITE_REVERB_APP_KEY`). */
  key: string;
  /** Hosted Pusher cluster; used when `wsHost` is not given. */
  cluster?: string;
  /** WebSocket host (`VITE_REVERB_HOST`). */
  wsHost?: string;
  /** echo-wasm: several hosts, tried in turn when a connection fails (failover). */
  wsHosts?: string[];
  /** Port without TLS (default 80). Strings such as `VITE_REVERB_PORT` are accepted. */
  wsPort?: number | string;
  /** Port with TLS (default 443). */
  wssPort?: number | string;
  /** Path before `/app/{key}`. */
  wsPath?: string;
  /** Use `wss://`. TLS is used unless this is `false` (or the page is https). */
  forceTLS?: boolean;
  /** Must include `'ws'` or `'wss'`; echo-wasm always uses WebSocket. */
  enabledTransports?: Array<'ws' | 'wss' | string>;
  /** Channel authorization endpoint (default `/broadcasting/auth`). */
  authEndpoint?: string;
  /** Extra headers and form params for channel authorization. */
  auth?: { headers?: Record<string, string>; params?: Record<string, string> };
  /** User authentication for `connector.signin()` (default endpoint `/broadcasting/user-auth`). */
  userAuthentication?: { endpoint?: string; headers?: Record<string, string> };
  /** `X-CSRF-TOKEN`; else `window.Laravel.csrfToken`, else `<meta name="csrf-token">`. */
  csrfToken?: string | null;
  /** Sent as `Authorization: Bearer <token>`. */
  bearerToken?: string | null;
  /** Event namespace (default `App.Events`); `false` disables it. */
  namespace?: string | false;
  /** Do not register the axios `X-Socket-ID` interceptor. */
  withoutInterceptors?: boolean;
  /** echo-wasm: a custom authorizer, as in laravel-echo. */
  authorizer?: Authorizer;
  /** echo-wasm: headers resolved before every auth request (and again, once, after a 401/419). */
  headersProvider?: () => Record<string, string> | Promise<Record<string, string>>;
  /** Client inactivity before a ping, ms (default 120000; the server's value wins when smaller). */
  activityTimeout?: number;
  /** How long to wait for a pong, ms (default 30000). */
  pongTimeout?: number;
  /** echo-wasm: `connecting` becomes `unavailable` after this long, ms (default 10000). */
  unavailableTimeout?: number;
  /** echo-wasm: authorization request timeout, ms (default 10000). */
  authTimeout?: number;
  /**
   * echo-wasm: reconnect backoff, every wait uniformly random up to its bound (full jitter):
   * the first retry after a drop within `firstMs` (250), then `baseMs` (1000), doubling up to `maxMs` (30000).
   */
  reconnect?: { firstMs?: number; baseMs?: number; maxMs?: number };
  /** echo-wasm: longest channel name accepted (default 164). */
  maxChannelNameLength?: number;
  /**
   * echo-wasm (default false): ask for Sockudo's protocol 2 (`?protocol=2`) and recover what a
   * channel missed after a reconnect: every event published while away is delivered after the
   * reconnect, in order, exactly once, before newer ones (see {@link Channel.resumed}). Needs
   * Sockudo built with its `v2` feature and `CONNECTION_RECOVERY_ENABLED=true`; the buffer
   * lives in each Sockudo node's memory, so a reconnect to another node is not recovered.
   * A server that answers a protocol 2 request in protocol 7 is spoken to in protocol 7
   * (`resumed` reports `reason: 'unsupported'`); one that refuses it is not retried in 7:
   * Pusher's hosted service does not support protocol 2, so leave this off there. Only
   * Sockudo is tested with it.
   */
  connectionRecovery?: boolean;
  /**
   * echo-wasm (default false): share one WebSocket with the browser's other tabs (and other
   * Echos of this page) whose sharing key is equal: the resolved socket URL(s) (key, hosts,
   * ports, path, TLS), `authEndpoint`, `userAuthentication.endpoint`, `bearerToken`,
   * `auth.headers` and `userAuthentication.headers` (hashed, never shown). One tab, elected
   * with Web Locks, holds the socket; the others talk to it over `BroadcastChannel`. Every
   * tab keeps the whole API and authorizes its own channels with its own credentials; the
   * socket id, so `X-Socket-ID` and `toOthers()`, is shared by the tabs. Without Web Locks,
   * BroadcastChannel or `crypto.subtle` (an insecure context), with `connectionRecovery`,
   * or when this Echo names another user than its group (presence `user_id`, sign-in), the
   * Echo connects on its own: see {@link Diagnosis.sharing}.
   */
  shareConnection?: boolean;
  /** echo-wasm: log protocol traffic to the console. */
  debug?: boolean;
  /**
   * echo-wasm: show Laravel notifications (`.notification(cb)`) and events listened to with
   * `{ desktop: true }` as browser desktop notifications. `true` means `{ enabled: true }`.
   */
  desktopNotifications?: boolean | DesktopNotificationOptions;
}

/** What a desktop notification shows. Only plain text is used. */
export interface DesktopNotificationSpec {
  title: string;
  body?: string;
  icon?: string;
  /** Notifications with the same tag replace each other (repeats are deduplicated). */
  tag?: string;
  data?: unknown;
}

/** The `desktopNotifications` option. */
export interface DesktopNotificationOptions {
  /** Default true. */
  enabled?: boolean;
  /** `'hidden'` (default): only while the page is hidden; `'always'`: also while visible. */
  when?: 'hidden' | 'always';
  /**
   * Build the notification, or return null to skip it. Default: title from `title` /
   * `subject` / the notification type's last segment, body from `message` / `body`, tag from `id`.
   */
  map?: (payload: any, meta: { channel: string; event: string }) => DesktopNotificationSpec | null | undefined;
  /** Called with the payload when the user clicks the notification (the window is focused, the notification closed). */
  onClick?: (payload: any) => void;
}

/** `echo.notifications`: the desktop-notification permission. */
export interface NotificationsPermission {
  /** `'default' | 'granted' | 'denied' | 'unsupported'` (no Notification API, or not a secure context). */
  readonly permission: 'default' | 'granted' | 'denied' | 'unsupported';
  /**
   * Ask the user. Browsers require a user gesture (call it from a click, e.g. the bell);
   * without one it resolves with the current state and records why in `diagnose()`. Never rejects.
   * Called before the wasm is ready, it asks once it is (by then the click's gesture may have expired).
   */
  requestPermission(): Promise<'default' | 'granted' | 'denied' | 'unsupported'>;
}

/** What `echo.diagnose()` returns. */
export interface Diagnosis {
  state: ConnectionState;
  status: ConnectionStatus;
  socketId: string | null;
  /** The socket URL of the last attempt (carries only the public app key). */
  url: string | null;
  /** The server's activity timeout, seconds. */
  serverActivityTimeout: number | null;
  connectedForMs: number | null;
  /** Failed attempts since the last stable connection. */
  reconnectAttempts: number;
  /** Successful reconnections. */
  reconnects: number;
  signedInUser: string | null;
  /** `true` after `destroy()` (everything else then reads as disconnected and empty). */
  destroyed?: boolean;
  /**
   * `true` while the wasm is loading: the calls made so far are queued; `channels` lists the
   * queued ones (`waiting`), `listeners` the queued registrations. Absent once it is ready.
   */
  loading?: boolean;
  /** The 20 most recent errors, oldest first. */
  lastErrors: Array<{ code: string; message: string; channel: string | null; at: number }>;
  channels: Array<{
    name: string;
    state: SubscriptionState;
    error: { code: string; message: string; status: number | null } | null;
    members?: number;
    subscriptionCount?: number;
  }>;
  /** Registered listeners (all channels). */
  listeners: number;
  notificationPermission: NotificationsPermission['permission'];
  desktopNotifications: boolean;
  /**
   * `shareConnection`: `enabled` is the option; `role` `'leader'` (this Echo hosts the
   * shared socket), `'follower'` (it uses another's) or `'solo'` (its own socket: the option
   * is off, or `reason` says why); `tabs` the Echos attached to the shared socket (1 when
   * solo; 0 until the first attach is answered). Before the wasm is ready:
   * `{enabled, role: 'solo', tabs: 1}`.
   */
  sharing: {
    enabled: boolean;
    role: 'leader' | 'follower' | 'solo';
    tabs: number;
    reason?: string;
  };
}

/** The error object channel `error()` callbacks and `connector.onError()` receive. */
export interface EchoErrorEvent {
  /**
   * `AuthError`, `SubscriptionError`, `DecryptError`, `ConnectionError`, `SigninError`,
   * `ListenerError`; `UsageError`: a call made before the wasm was ready that it refused once
   * applied (what the call throws after ready: an invalid channel name or options, a refused
   * whisper); `LoadError`: the wasm could not be loaded (`wasm_load_failed`).
   */
  type: string;
  /** Stable code, e.g. `auth_forbidden`; see the README's Troubleshooting table. */
  code: string;
  /** HTTP status (auth) or server code, when there is one. */
  status?: number | null;
  /** What happened and what to change. */
  message: string;
  /** Same as `message` (pusher-js compatibility). */
  error: string;
  /** The channel concerned. */
  channel?: string;
  /** For `ListenerError`: what the listener threw. */
  cause?: unknown;
}

/**
 * Thrown for invalid options, channel names and refused whispers (nothing is sent), once the
 * wasm is ready; `ready` rejects with one (`wasm_load_failed`, or `config` for options refused
 * after a queued `new Echo`).
 */
export interface EchoError extends Error {
  name: 'EchoError';
  /** Stable code, e.g. `config`, `invalid_channel`, `client_event_invalid`, `wasm_load_failed`. */
  code: string;
}

/** Presence members view. */
export interface Members<User = any> {
  count: number;
  /** The local user's id (from `channel_data.user_id`). */
  me: string | null;
  members: Array<{ id: string; info: User }>;
}

/**
 * A public channel. Every listener method returns the channel (chainable).
 *
 * A handle of a channel that was left (`leave`, `leaveChannel`, `unsubscribe`) is stale:
 * adding a listener to it (`listen`, `listenToAll`, `notification`, `listenForWhisper`,
 * `here`, `joining`, `leaving`, `subscribed`, `resumed`, `error`, or `subscribe()`) subscribes the channel
 * again, so the listener fires; the value returned is then the channel's current handle
 * (`echo.channel(name)`). A held handle keeps the connection (as in laravel-echo), even when
 * the Echo object itself is no longer referenced. After `destroy()` the methods that act
 * (listeners, `whisper`, `subscribe`) throw `EchoError` `echo_destroyed`; the ones that only
 * read or end (`subscriptionState`, `members`, `unsubscribe`) return `unsubscribed`, nothing
 * or do nothing.
 */
export declare class Channel {
  protected constructor();
  /** The full name, e.g. `private-tenant.1.inventory`. */
  readonly name: string;
  /** Where the subscription stands. */
  readonly subscriptionState: SubscriptionState;
  /**
   * Listen to an event: `.inventory.update` verbatim, `OrderShipped` → `App\Events\OrderShipped`.
   * With `{ desktop: true }` the event also raises a desktop notification (see `desktopNotifications`).
   */
  listen(event: string, callback: (data: any, meta?: { user_id: string }) => void, options?: { desktop?: boolean }): this;
  /** Listen to every event: `callback(eventName, data)`. */
  listenToAll(callback: (event: string, data: any) => void): this;
  /** Stop one callback, or every callback, for an event. */
  stopListening(event: string, callback?: Function): this;
  /** Stop one, or every, listen-to-all callback. */
  stopListeningToAll(callback?: Function): this;
  /** Called after each successful (re)subscription. Undo with `off('subscribed', cb)`. */
  subscribed(callback: () => void): this;
  /** Called when the subscription fails. Undo with `off('error', cb)`. */
  error(callback: (error: EchoErrorEvent) => void): this;
  /**
   * echo-wasm: called each time this channel, subscribed before, is subscribed again on a new
   * connection (after a drop, or the app's `disconnect()`/`connect()`); never on the first
   * subscription. When `recovered`, the events missed were already delivered to the listeners
   * (the callback comes after them): the channel is up to date. Otherwise events may have been
   * missed: re-read what you show. Undo with `off('resumed', cb)`.
   */
  resumed(callback: (event: ResumedEvent) => void): this;
  /** Laravel notifications (`BroadcastNotificationCreated`). */
  notification(callback: (notification: any) => void): this;
  /** Stop one, or every, notification callback. */
  stopListeningForNotification(callback?: Function): this;
  /** Undo `subscribed`, `error`, `here`, `joining`, `leaving` or `resumed` (one callback, or all of that kind). */
  off(kind: 'subscribed' | 'error' | 'here' | 'joining' | 'leaving' | 'resumed', callback?: Function): this;
  /** Subscribe again after a failure (e.g. once the user logged in). Accessing a channel never retries by itself. */
  subscribe(): this;
  /** Unsubscribe (same as `echo.leaveChannel(name)`). */
  unsubscribe(): void;
}

/**
 * A private channel: adds whispers (client events). A type only, as laravel-echo's
 * `PresenceChannel` is: at runtime every channel is a {@link Channel}.
 */
export interface PrivateChannel extends Channel {
  /** Send `client-{event}` to the other subscribers. Throws an `EchoError` if refused (nothing sent). */
  whisper(event: string, data: any): this;
  /** Listen to whispers named `event`. */
  listenForWhisper(event: string, callback: (data: any, meta?: { user_id: string }) => void): this;
  /** Stop one, or every, whisper callback. */
  stopListeningForWhisper(event: string, callback?: Function): this;
}

/** An encrypted private channel (`private-encrypted-*`): events are opened in the client; no whispers. A type only (a {@link Channel} at runtime). */
export interface EncryptedPrivateChannel extends Channel {}

/** A presence channel: members, here/joining/leaving, whispers. A type only (a {@link Channel} at runtime). */
export interface PresenceChannel<User = any> extends PrivateChannel {
  /** Everyone here, after each (re)subscription. Undo with `off('here', cb)`. */
  here(callback: (users: User[]) => void): this;
  /** Someone joined. Undo with `off('joining', cb)`. */
  joining(callback: (user: User) => void): this;
  /** Someone left. Undo with `off('leaving', cb)`. */
  leaving(callback: (user: User) => void): this;
  /** Current members. */
  readonly members: Members<User>;
}

/** `echo.connector`. Every `on*` returns a function that undoes it. */
export declare class Connector {
  protected constructor();
  /** Sign the user in (`pusher:signin`), now and after every reconnect. */
  signin(): void;
  socketId(): string | undefined;
  /** `callback(status)` when the status changes. */
  onConnectionChange(callback: (status: ConnectionStatus) => void): () => void;
  /** `callback({previous, current})` on each pusher-js state change. */
  onStateChange(callback: (change: { previous: ConnectionState; current: ConnectionState }) => void): () => void;
  /** Connection-level errors (unreachable server, refused key, TLS required, ...). */
  onError(callback: (error: EchoErrorEvent) => void): () => void;
  /** Sign-in succeeded. */
  onSignin(callback: (userData: any) => void): () => void;
  /** Watchlist events for the signed-in user. */
  onWatchlist(callback: (name: 'online' | 'offline' | string, userIds: string[]) => void): () => void;
  /** Events sent to the signed-in user (`sendToUser`). */
  listenToUser(event: string, callback: (data: any) => void): () => void;
}

/**
 * The Echo client. Created connected, as laravel-echo is.
 *
 * Before the wasm is ready (see {@link Echo.ready}) every call is queued and applied in order
 * once it is: channels and their listeners, `leave*`, `connector.on*` (the undo functions
 * they return work before and after), `signin`, `connect`/`disconnect`, `destroy`. Until then
 * `connectionStatus()` and `connectionState()` are `'connecting'`, `socketId()` is
 * `undefined`, channels are `waiting` and `diagnose()` has `loading: true`. Nothing throws
 * before ready: what a call would throw (invalid options or channel name, a whisper before
 * the subscription) is given, once ready, to that channel's `error(cb)` callbacks and to
 * `connector.onError` as a `UsageError`, and kept in `diagnose().lastErrors`. After a queued
 * `destroy()` (each call queued after it is refused with `echo_destroyed`, as it would throw)
 * the Echo has no error log (`lastErrors` is empty, as for any destroyed Echo): such a
 * refusal goes to the channel's `error(cb)` and to the `connector.onError` callbacks
 * registered before ready and not undone, or, if none, is printed once per code with
 * `console.warn`. When the wasm cannot be loaded, the error callbacks get a `LoadError` `wasm_load_failed`, status is
 * `'failed'`, `ready` rejects, and every other call does nothing.
 */
export declare class Echo {
  /** @throws {EchoError} with code `config` when options are invalid (once the wasm is ready). */
  constructor(options: EchoOptions);
  readonly options: EchoOptions;
  /**
   * Resolves once the wasm is loaded and the calls made before are applied (at once for an
   * Echo created after). Rejects with an {@link EchoError} (`wasm_load_failed`, or `config`
   * when the options are refused); the package handles the rejection (the error callbacks hear
   * it), so an app that never reads `ready` gets no unhandled rejection.
   */
  readonly ready: Promise<void>;
  readonly connector: Connector;
  /** A public channel. @throws {EchoError} `invalid_channel`. */
  channel(name: string): Channel;
  /** `private-{name}`. */
  private(name: string): PrivateChannel;
  /** `private-encrypted-{name}`. */
  encryptedPrivate(name: string): EncryptedPrivateChannel;
  /** `presence-{name}`. */
  join<User = any>(name: string): PresenceChannel<User>;
  /** Leave `name` under every prefix. */
  leave(name: string): void;
  /** Leave one channel by full name. */
  leaveChannel(name: string): void;
  leaveAllChannels(): void;
  /** `channel(name).listen(event, callback)`. */
  listen(channel: string, event: string, callback: (data: any) => void): Channel;
  socketId(): string | undefined;
  connectionStatus(): ConnectionStatus;
  /** The pusher-js state name. */
  connectionState(): ConnectionState;
  connect(): void;
  disconnect(): void;
  /** Desktop-notification permission. */
  readonly notifications: NotificationsPermission;
  /** Connection, channels, recent errors and permission as a plain object (no secrets). */
  diagnose(): Diagnosis;
  /**
   * Release the socket, timer, page listeners and listeners. The instance is unusable after:
   * `channel()`, `connect()` and its channels' methods throw `EchoError` `echo_destroyed`.
   * Without `destroy()`, the client is closed when the Echo and all its handles (channels,
   * `connector`, `notifications`) are garbage-collected; a listener that references the Echo
   * or a handle keeps it alive (only `destroy()` ends it then).
   */
  destroy(): void;
}

export default Echo;

/**
 * Resolves once the wasm is loaded (rejects with an {@link EchoError} `wasm_load_failed`;
 * handled by the package). `await ready` before `new Echo(...)` to have invalid options and
 * channel names throw synchronously from the first call.
 */
export declare const ready: Promise<void>;

/** Adds `X-Socket-ID` to fetch init headers (for `->toOthers()`). */
export declare function withSocketId(echo: Echo, init?: RequestInit): RequestInit;
/** A fetch that always sends `X-Socket-ID`. */
export declare function socketIdFetch(echo: Echo, fetchImpl?: typeof fetch): typeof fetch;
