// Compiles only if pkg/vue.d.ts gives these usages the intended types; the lines under an
// expect-error directive must stay errors.
import { ref, type Ref } from 'vue';
import {
  configureEcho, echo, useChannel, useConnectionStatus, useEcho, useEchoModel,
  useEchoNotification, useEchoPresence, useEchoPublic, useNotificationPermission,
  usePresenceChannel, useSocketId, useEchoResumed, type ConnectionStatus,
} from 'echo-wasm/vue';

declare global {
  interface Events {
    OrderShipped: { order: { id: number } };
  }
}

configureEcho({ broadcaster: 'reverb' });
configureEcho({ broadcaster: 'pusher', key: 'k', cluster: 'eu' });
const status: ConnectionStatus = echo().connectionStatus();

// Payload inferred from the Events interface.
const orders = useEcho('orders.1', 'OrderShipped', (e) => {
  const id: number = e.order.id;
});
orders.stopListening();
orders.listen();
orders.leaveChannel(true);
orders.channel().whisper('typing', {}); // private: whispers allowed

// Explicit payload type; reactive channel name and dependencies.
const orderId = ref(1);
useEcho<{ total: number }>(() => `orders.${orderId.value}`, ['Paid', 'Refunded'], (e) => e.total.toFixed(), [orderId]);

// Visibility picks the channel type.
useEcho('posts', 'PostPublished', () => {}, [], 'public').channel().listen('X', () => {});
// @ts-expect-error public channels have no whisper
useEchoPublic('posts', 'PostPublished').channel().whisper('x', {});

const room = useEchoPresence<unknown, string, { id: number; name: string }>('room.1', 'Said', () => {});
const names: string[] = room.members.value.map((user) => user.name);
const undo: () => void = room.joining((user) => user.id);
useEcho('room.1', [], undefined, [], 'presence').here((users) => users.length);

useEchoNotification<{ amount: number }>('App.Models.User.1', (n) => {
  const text: string = `${n.type} ${n.id} ${n.amount}`;
}, 'App.Notifications.InvoicePaid');

useEchoModel<{ name: string }, 'App.Models.User'>('App.Models.User', 1, ['UserUpdated', '.UserDeleted'], (e) => e.model.name);
// @ts-expect-error not an event of the User model
useEchoModel('App.Models.User', 1, 'PostUpdated');

const chat = usePresenceChannel<{ id: number }>('chat');
chat.channel().here((users) => users[0]?.id);
useChannel('chat').channel().listenForWhisper('typing', () => {});

const s: Ref<ConnectionStatus> = useConnectionStatus();
const socketId: Ref<string | undefined> = useSocketId();
const { permission, request } = useNotificationPermission();
request().then((p) => (p === 'unsupported' ? permission.value : p));

// Re-fetch when a reconnect may have missed events.
const resumedOn = useEchoResumed('tenant.1.inventory', (r) => {
  if (!r.recovered) console.log(r.reason, r.downtimeMs, r.replayed);
});
resumedOn.leaveChannel();
useEchoResumed(() => `orders.${orderId.value}`, () => {}, [orderId], 'public').channel().listen('.x', () => {});
// @ts-expect-error the visibility is one of the four
useEchoResumed('x', () => {}, [], 'secret');
