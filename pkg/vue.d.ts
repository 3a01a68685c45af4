/**
 * echo-wasm/vue: Vue 3 composables with the names and arguments of `@laravel/echo-vue` 2.5.0.
 *
 * ```ts
 * import { configureEcho, useEcho } from 'echo-wasm/vue';
 * configureEcho({ broadcaster: 'reverb' }); // keys from VITE_REVERB_* by default
 * // in a component:
 * useEcho(`orders.${orderId}`, 'OrderShipmentStatusUpdated', (e) => console.log(e.order));
 * ```
 *
 * Channels are taken when the component mounts (never during server rendering), shared
 * between components, and left when the last component using them unmounts.
 */
import type { MaybeRefOrGetter, Ref, ShallowRef } from 'vue';
import type {
  Channel, ConnectionStatus, Echo, EchoOptions, EncryptedPrivateChannel, PresenceChannel,
  PrivateChannel, ResumedEvent,
} from './index.js';

export type { ConnectionStatus };

/**
 * Payload types by event name, for inference: extend it in a `.d.ts` of your app, either
 * globally (`interface Events { OrderShipped: { id: number } }`, as with echo-vue) or with
 * `declare module 'echo-wasm/vue' { interface Events { ... } }`.
 */
export interface Events {}
declare global {
  interface Events {}
}

/** Where a channel lives: `public` (name), `private` (`private-`), `presence` (`presence-`), `encrypted` (`private-encrypted-`). */
export type Visibility = 'public' | 'private' | 'presence' | 'encrypted';

/** A channel name: a string, or a ref/getter (a change subscribes to the new name). */
export type ChannelName = MaybeRefOrGetter<string>;

/** Something whose change re-subscribes: a ref, a getter or a reactive object (plain values never change). */
export type Dependency = unknown;

type KnownEvents = Events & globalThis.Events;
/** The payload of `TEvent`: from `Events` when declared there, else `TPayload`. */
export type EventPayload<TEvent extends string, TPayload> = TEvent extends keyof KnownEvents ? KnownEvents[TEvent] : TPayload;

/** An event callback; on presence channels `meta.user_id` names the sender of a whisper. */
export type EventCallback<TPayload> = (payload: TPayload, meta?: { user_id: string }) => void;

/** Returned by `useChannel` and friends. */
export interface ChannelHandle<TChannel> {
  /** Leave now (when no other component uses the channel); `leaveAll` as `leave()`. Also done on unmount. */
  leaveChannel: (leaveAll?: boolean) => void;
  /** Leave the name under every prefix (public, private, presence, encrypted), except channels other mounted components still use. */
  leave: () => void;
  /** The channel (taken now if the component has not mounted yet). */
  channel: () => TChannel;
}

/** Returned by `useEcho` and friends. */
export interface EchoSubscription<TChannel> extends ChannelHandle<TChannel> {
  /** Stop this composable's callback without leaving the channel. */
  stopListening: () => void;
  /** Listen again (no-op while listening). */
  listen: () => void;
}

/** echo-wasm extras on presence channels; callbacks are removed with the channel (unmount). */
export interface PresenceExtras<User = any> {
  /** Everyone here (user infos), kept up to date; `[]` when not subscribed. */
  members: Readonly<ShallowRef<User[]>>;
  /** Calls `callback(users)` after each (re)subscription. Returns a function that removes it. */
  here: (callback: (users: User[]) => void) => () => void;
  /** Calls `callback(user)` when someone joins. Returns a function that removes it. */
  joining: (callback: (user: User) => void) => () => void;
  /** Calls `callback(user)` when someone leaves. Returns a function that removes it. */
  leaving: (callback: (user: User) => void) => () => void;
}

export type PresenceSubscription<User = any> = EchoSubscription<PresenceChannel<User>> & PresenceExtras<User>;

/** A Laravel notification as broadcast: your `toBroadcast()` data plus `id` and `type`. */
export type BroadcastNotification<TPayload> = TPayload & { id: string; type: string };

/** Eloquent model broadcast event names (`UserUpdated`, `.UserUpdated`) for model `App.Models.User`. */
export type ModelEvent =
  | 'Retrieved' | 'Creating' | 'Created' | 'Updating' | 'Updated' | 'Saving' | 'Saved' | 'Deleting'
  | 'Deleted' | 'Trashed' | 'ForceDeleting' | 'ForceDeleted' | 'Restoring' | 'Restored' | 'Replicating';
type ModelName<T extends string> = T extends `${string}.${infer Rest}` ? ModelName<Rest> : T;
export type ModelEvents<TModel extends string> = `.${ModelName<TModel>}${ModelEvent}` | `${ModelName<TModel>}${ModelEvent}`;

/** The payload of an Eloquent model broadcast. */
export interface ModelPayload<TModel> {
  model: TModel;
  connection: string | null;
  queue: string | null;
  afterCommit: boolean;
}

// ---- configuration ----

/** Vite-style env variables read for the defaults. */
export type EchoEnv = Record<string, string | boolean | undefined>;

/**
 * Configure the Echo the composables use; it is created on first use. Call once, before any
 * composable. Defaults (overridden by `config`) for `broadcaster: 'reverb'` (the default):
 * key `VITE_REVERB_APP_KEY`, wsHost `VITE_REVERB_HOST`, wsPort/wssPort `VITE_REVERB_PORT`,
 * forceTLS `(VITE_REVERB_SCHEME ?? 'https') === 'https'`, enabledTransports `['ws', 'wss']`;
 * for `'pusher'`: `VITE_PUSHER_APP_KEY`, `VITE_PUSHER_APP_CLUSTER`, `VITE_PUSHER_HOST`,
 * `VITE_PUSHER_PORT`, `VITE_PUSHER_SCHEME`. Configuring again makes the next `echo()` a new
 * instance: the previous one, if built here, is destroyed (its socket closes), and mounted
 * composables move to the new one.
 */
export declare function configureEcho(config: Partial<EchoOptions>): void;

/** The options `configureEcho(config)` would use, with defaults from `env` (default: `import.meta.env`). */
export declare function resolveEchoConfig(config?: Partial<EchoOptions>, env?: EchoEnv): Partial<EchoOptions>;

/** The Echo instance, created on first call. @throws {Error} when `configureEcho()` was not called. */
export declare function echo(): Echo;

/** Whether `configureEcho()` (or `setEchoInstance()`) was called. */
export declare function echoIsConfigured(): boolean;

/**
 * Use an Echo you created yourself (e.g. `window.Echo`), or a test double, instead of one built
 * from configureEcho's options. `null` goes back to configureEcho's. Mounted composables move
 * to the new instance; one built by configureEcho is destroyed (yours never are).
 */
export declare function setEchoInstance(client: Echo | null): void;

// ---- channel composables ----

/**
 * Listen to `event` (or several) on a channel (private by default) while the component is
 * mounted. `OrderShipped` means `App\Events\OrderShipped`; `.order.shipped` is verbatim.
 * A change of `dependencies` or of a ref/getter `channelName` subscribes again.
 */
export declare function useEcho<TPayload = any, TEvent extends string = string>(
  channelName: ChannelName, event: TEvent | TEvent[] | undefined,
  callback: EventCallback<EventPayload<TEvent, TPayload>> | undefined,
  dependencies: Dependency[] | undefined, visibility: 'presence',
): PresenceSubscription;
export declare function useEcho<TPayload = any, TEvent extends string = string>(
  channelName: ChannelName, event: TEvent | TEvent[] | undefined,
  callback: EventCallback<EventPayload<TEvent, TPayload>> | undefined,
  dependencies: Dependency[] | undefined, visibility: 'public',
): EchoSubscription<Channel>;
export declare function useEcho<TPayload = any, TEvent extends string = string>(
  channelName: ChannelName, event: TEvent | TEvent[] | undefined,
  callback: EventCallback<EventPayload<TEvent, TPayload>> | undefined,
  dependencies: Dependency[] | undefined, visibility: 'encrypted',
): EchoSubscription<EncryptedPrivateChannel>;
export declare function useEcho<TPayload = any, TEvent extends string = string>(
  channelName: ChannelName, event?: TEvent | TEvent[],
  callback?: EventCallback<EventPayload<TEvent, TPayload>>,
  dependencies?: Dependency[], visibility?: 'private',
): EchoSubscription<PrivateChannel>;
export declare function useEcho<TPayload = any, TEvent extends string = string>(
  channelName: ChannelName, event?: TEvent | TEvent[],
  callback?: EventCallback<EventPayload<TEvent, TPayload>>,
  dependencies?: Dependency[], visibility?: Visibility,
): EchoSubscription<Channel>;

/** `useEcho` on a public channel. */
export declare function useEchoPublic<TPayload = any, TEvent extends string = string>(
  channelName: ChannelName, event?: TEvent | TEvent[],
  callback?: EventCallback<EventPayload<TEvent, TPayload>>, dependencies?: Dependency[],
): EchoSubscription<Channel>;

/** `useEcho` on a presence channel, plus a reactive `members` list and here/joining/leaving. */
export declare function useEchoPresence<TPayload = any, TEvent extends string = string, User = any>(
  channelName: ChannelName, event?: TEvent | TEvent[],
  callback?: EventCallback<EventPayload<TEvent, TPayload>>, dependencies?: Dependency[],
): PresenceSubscription<User>;

/**
 * Laravel notifications on a private channel (e.g. `App.Models.User.1`). `event` keeps only
 * these notification types, written with `.` or `\` (`App.Notifications.InvoicePaid`).
 * `stopListening`/`listen` concern the notification callback.
 */
export declare function useEchoNotification<TPayload = Record<string, any>>(
  channelName: ChannelName, callback?: (notification: BroadcastNotification<TPayload>) => void,
  event?: string | string[], dependencies?: Dependency[],
): EchoSubscription<PrivateChannel>;

/**
 * Eloquent model broadcasts: private channel `{model}.{identifier}` (`App.Models.User.1`),
 * events such as `UserUpdated` (listened to as `.UserUpdated`).
 */
export declare function useEchoModel<TPayload = any, TModel extends string = string>(
  model: TModel, identifier: MaybeRefOrGetter<string | number>,
  event?: ModelEvents<TModel> | ModelEvents<TModel>[],
  callback?: (payload: ModelPayload<TPayload>) => void, dependencies?: Dependency[],
): EchoSubscription<PrivateChannel>;

/** Hold a channel (private by default) while the component is mounted; listen through `channel()`. */
export declare function useChannel(channelName: ChannelName, visibility?: 'private'): ChannelHandle<PrivateChannel>;
export declare function useChannel(channelName: ChannelName, visibility: 'public'): ChannelHandle<Channel>;
export declare function useChannel(channelName: ChannelName, visibility: 'encrypted'): ChannelHandle<EncryptedPrivateChannel>;
export declare function useChannel<User = any>(
  channelName: ChannelName, visibility: 'presence',
): ChannelHandle<PresenceChannel<User>> & PresenceExtras<User>;

/**
 * Call `callback` each time the channel (private by default), held while the component is
 * mounted, is subscribed again on a new connection (`channel.resumed`); removed on unmount.
 * `recovered: false` means events may have been missed: re-fetch what the component shows.
 */
export declare function useEchoResumed(
  channelName: ChannelName, callback: (event: ResumedEvent) => void, dependencies?: Dependency[], visibility?: Visibility,
): ChannelHandle<Channel>;

/** `useChannel(name, 'presence')`. */
export declare function usePresenceChannel<User = any>(
  channelName: ChannelName,
): ChannelHandle<PresenceChannel<User>> & PresenceExtras<User>;

/** `useChannel(name, 'public')`. */
export declare function usePublicChannel(channelName: ChannelName): ChannelHandle<Channel>;

// ---- connection and browser notifications ----

/** The connection status, kept up to date while the component is mounted. */
export declare function useConnectionStatus(): Ref<ConnectionStatus>;

/** The socket id (`undefined` while not connected), kept up to date while mounted. */
export declare function useSocketId(): Ref<string | undefined>;

/** The browser's notification permission; `'unsupported'` without a `Notification` API (and in SSR) or on an insecure page (`isSecureContext` false), as `echo.notifications.permission` reads it. */
export type NotificationPermissionState = 'default' | 'granted' | 'denied' | 'unsupported';

/** echo-wasm: the notification permission as a ref, and `request()` (call it from a user gesture). */
export declare function useNotificationPermission(): {
  permission: Ref<NotificationPermissionState>;
  /** Asks the browser; resolves to (and stores) the new permission. Never rejects. */
  request: () => Promise<NotificationPermissionState>;
};
