// Written the laravel-echo way: if this compiles under `tsc --strict`, the package's types
// cover what Laravel apps write.
import Echo, { withSocketId, type EchoErrorEvent, type ConnectionStatus, type PresenceChannel, type ResumedEvent, type ResumeReason } from 'echo-wasm';

declare global {
  interface Window {
    Echo: Echo;
  }
}

window.Echo = new Echo({
  broadcaster: 'reverb',
  key: 'app-key',
  wsHost: 'localhost',
  wsPort: 8080,
  wssPort: 443,
  forceTLS: false,
  enabledTransports: ['ws', 'wss'],
  authEndpoint: '/broadcasting/auth',
  auth: { headers: { 'X-Tenant': '1' } },
  bearerToken: 'token',
  namespace: 'App.Events',
  reconnect: { baseMs: 500, maxMs: 10_000 },
  headersProvider: async () => ({ Authorization: 'Bearer fresh' }),
});

interface User {
  id: number;
  name: string;
}

const onUpdate = (e: { sku: string; qty: number }) => console.log(e.sku, e.qty);
window.Echo.channel('tenant.1.inventory')
  .listen('.inventory.update', onUpdate)
  .listen('.product.created', (e: unknown) => console.log(e))
  .stopListening('.inventory.update', onUpdate);

window.Echo.private('App.Models.User.1')
  .notification((n: { title?: string }) => console.log(n.title))
  .error((error: EchoErrorEvent) => console.log(error.status, error.code, error.message))
  .whisper('typing', { typing: true });

const room: PresenceChannel<User> = window.Echo.join<User>('tenant.1.online');
room
  .here((users) => users.map((u) => u.name))
  .joining((user) => console.log(user.id))
  .leaving((user) => console.log(user.name))
  .off('here');
const count: number = room.members.count;

const off = window.Echo.connector.onConnectionChange((status: ConnectionStatus) => console.log(status));
off();
window.Echo.connector.signin();
const id: string | undefined = window.Echo.socketId();
const init: RequestInit = withSocketId(window.Echo, { method: 'POST' });
window.Echo.leave('tenant.1.online');
window.Echo.leaveAllChannels();
console.log(count, id, init);

// @ts-expect-error: encrypted channels have no whisper
window.Echo.encryptedPrivate('tenant.1.payroll').whisper('x', {});

// laravel-echo's other broadcaster names that need no new transport.
const forTests = new Echo({ broadcaster: 'null', key: '' });
forTests.channel('orders').listen('.created', () => {}).stopListening('.created');
new Echo({ broadcaster: 'ably', key: 'appid.keyid', wsHost: 'realtime-pusher.ably.io' }).disconnect();

// Recovery after a reconnect (Sockudo's protocol 2; the gap signal everywhere).
const recovering = new Echo({ broadcaster: 'reverb', key: 'k', wsHost: 'localhost', connectionRecovery: true });
const onResumed = (r: ResumedEvent) => {
  const missed: boolean = !r.recovered;
  const ms: number = r.downtimeMs;
  const replayed: number = r.replayed;
  const reason: ResumeReason | null = r.reason;
  if (reason === 'position_expired' || reason === 'unsupported' || reason === 'some_future_code') console.log(missed, ms, replayed);
};
recovering.private('tenant.1.inventory').resumed(onResumed).listen('.inventory.update', onUpdate).off('resumed', onResumed);
room.resumed((r) => r.recovered).off('resumed');
// @ts-expect-error: the report is an object, not a flag
recovering.channel('x').resumed((r: boolean) => r);
