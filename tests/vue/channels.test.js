// Channel composables against an Echo double: one subscription per channel while any
// component uses it, leaveChannel exactly once after the last unmount, exactly one delivery
// per event after any number of remounts, re-subscription on dependency change.
import './support/dom.js';
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { effectScope, nextTick, ref } from 'vue';
import { echoVue } from './support/load.js';
import { EchoDouble } from './support/double.js';
import { mountUsing } from './support/mount.js';

const {
  setEchoInstance, useEcho, useEchoPublic, useEchoPresence, useEchoNotification, useEchoModel,
  useChannel, usePresenceChannel, usePublicChannel, useEchoResumed,
} = echoVue;

let echo;
beforeEach(() => {
  echo = new EchoDouble();
  setEchoInstance(echo);
});

/** Mounts a component listening to `OrderShipped` on private `orders.1`; counts its deliveries. */
function mountOrders(received) {
  return mountUsing(() => useEcho('orders.1', 'OrderShipped', (e) => received.push(e)));
}

test('mount subscribes once; unmount leaves once and removes the listener; remount never duplicates', () => {
  const received = [];
  const first = mountOrders(received);
  assert.deepEqual(echo.calls.private, ['orders.1']);
  const channel = echo.channels.get('private-orders.1');
  assert.equal(channel.count('event:OrderShipped'), 1);
  assert.equal(channel.emit('event:OrderShipped', { id: 1 }), 1);
  assert.deepEqual(received, [{ id: 1 }]);

  first.wrapper.unmount();
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1']);
  assert.equal(channel.total(), 0);

  for (let round = 0; round < 3; round++) {
    const again = mountOrders(received);
    const current = echo.channels.get('private-orders.1');
    assert.equal(current.emit('event:OrderShipped', { round }), 1, 'one delivery per event');
    again.wrapper.unmount();
    assert.equal(current.total(), 0);
  }
  assert.equal(received.length, 4);
  assert.equal(echo.calls.private.length, 4);
  assert.equal(echo.calls.leaveChannel.length, 4);
});

test('two components share one subscription; the channel is left after the last unmount', () => {
  const a = [];
  const b = [];
  const first = mountOrders(a);
  const second = mountOrders(b);
  assert.deepEqual(echo.calls.private, ['orders.1'], 'subscribed once');
  const channel = echo.channels.get('private-orders.1');
  assert.equal(channel.emit('event:OrderShipped', 'x'), 2);
  assert.deepEqual([a, b], [['x'], ['x']]);

  first.wrapper.unmount();
  assert.deepEqual(echo.calls.leaveChannel, [], 'still used by the second component');
  assert.equal(channel.emit('event:OrderShipped', 'y'), 1);
  assert.deepEqual([a, b], [['x'], ['x', 'y']]);

  second.wrapper.unmount();
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1']);
  assert.equal(channel.total(), 0);
});

test('the same callback in two components: unmounting one keeps the other listening', () => {
  const received = [];
  const shared = (e) => received.push(e);
  const first = mountUsing(() => useEcho('orders.1', 'OrderShipped', shared));
  const second = mountUsing(() => useEcho('orders.1', 'OrderShipped', shared));
  first.wrapper.unmount();
  assert.equal(echo.channels.get('private-orders.1').emit('event:OrderShipped', 1), 1);
  second.wrapper.unmount();
  assert.equal(echo.calls.leaveChannel.length, 1);
});

test('several events, stopListening() and listen() (idempotent)', () => {
  const received = [];
  const { wrapper, result } = mountUsing(() =>
    useEcho('orders.1', ['OrderShipped', 'OrderPaid'], (e) => received.push(e)),
  );
  const channel = echo.channels.get('private-orders.1');
  channel.emit('event:OrderShipped', 1);
  channel.emit('event:OrderPaid', 2);
  result.stopListening();
  assert.equal(channel.total(), 0);
  assert.equal(channel.emit('event:OrderShipped', 3), 0);
  result.listen();
  result.listen();
  assert.equal(channel.emit('event:OrderPaid', 4), 1);
  assert.deepEqual(received, [1, 2, 4]);
  assert.equal(echo.calls.leaveChannel.length, 0, 'stopListening does not leave');
  wrapper.unmount();
  assert.equal(channel.total(), 0);
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1']);
});

test('leaveChannel() by hand leaves once (not again on unmount); leave() leaves every prefix', () => {
  const first = mountOrders([]);
  first.result.leaveChannel();
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1']);
  first.wrapper.unmount();
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1']);

  const second = mountOrders([]);
  second.result.leave();
  assert.deepEqual(echo.calls.leave, ['orders.1']);
  second.wrapper.unmount();
  assert.equal(echo.calls.leave.length + echo.calls.leaveChannel.length, 2);
});

test('a dependency change re-subscribes (leave, subscribe, one listener on the new channel)', async () => {
  const orderId = ref(1);
  const received = [];
  const { wrapper } = mountUsing(() =>
    useEcho(() => `orders.${orderId.value}`, 'OrderShipped', (e) => received.push(e), [orderId]),
  );
  const old = echo.channels.get('private-orders.1');
  orderId.value = 2;
  await nextTick();
  assert.deepEqual(echo.calls.private, ['orders.1', 'orders.2']);
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1']);
  assert.equal(old.total(), 0);
  const current = echo.channels.get('private-orders.2');
  assert.equal(current.emit('event:OrderShipped', 'two'), 1);
  assert.deepEqual(received, ['two']);
  wrapper.unmount();
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1', 'private-orders.2']);
  assert.equal(current.total(), 0);
});

test('a dependency change with the same channel name subscribes again (fresh authorization)', async () => {
  const token = ref('a');
  const received = [];
  const { wrapper } = mountUsing(() => useEcho('orders.1', 'OrderShipped', (e) => received.push(e), [token]));
  token.value = 'b';
  await nextTick();
  assert.deepEqual(echo.calls.private, ['orders.1', 'orders.1']);
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1']);
  assert.equal(echo.channels.get('private-orders.1').emit('event:OrderShipped', 1), 1);
  wrapper.unmount();
  assert.equal(echo.calls.leaveChannel.length, 2);
});

test('a ref channel name alone re-subscribes when it changes; stopped listening stays stopped', async () => {
  const room = ref('a');
  const { wrapper, result } = mountUsing(() => useEchoPublic(room, 'Said', () => {}));
  result.stopListening();
  room.value = 'b';
  await nextTick();
  assert.deepEqual(echo.calls.channel, ['a', 'b']);
  assert.deepEqual(echo.calls.leaveChannel, ['a']);
  assert.equal(echo.channels.get('b').total(), 0);
  wrapper.unmount();
  assert.deepEqual(echo.calls.leaveChannel, ['a', 'b']);
});

test('useEchoPublic uses the public channel name', () => {
  const { wrapper } = mountUsing(() => useEchoPublic('posts', 'PostPublished', () => {}));
  assert.deepEqual(echo.calls.channel, ['posts']);
  assert.equal(echo.channels.get('posts').count('event:PostPublished'), 1);
  wrapper.unmount();
  assert.deepEqual(echo.calls.leaveChannel, ['posts']);
});

test('useEchoPresence: members ref, here/joining/leaving callbacks all removed on unmount', () => {
  const seen = [];
  const { wrapper, result } = mountUsing(() => {
    const presence = useEchoPresence('room.1', 'Said', () => {});
    presence.here((users) => seen.push(['here', users.length]));
    presence.joining((user) => seen.push(['joining', user.id]));
    return presence;
  });
  assert.deepEqual(echo.calls.join, ['room.1']);
  const channel = echo.channels.get('presence-room.1');
  assert.equal(channel.count('here'), 2);
  assert.equal(channel.count('joining'), 2);
  assert.equal(channel.count('leaving'), 1);

  channel.setMembers([{ id: 1 }, { id: 2 }]);
  channel.emit('here', [{ id: 1 }, { id: 2 }]);
  assert.deepEqual(result.members.value, [{ id: 1 }, { id: 2 }]);
  channel.setMembers([{ id: 1 }, { id: 2 }, { id: 3 }]);
  channel.emit('joining', { id: 3 });
  assert.equal(result.members.value.length, 3);
  channel.setMembers([{ id: 1 }]);
  channel.emit('leaving', { id: 2 });
  assert.deepEqual(result.members.value, [{ id: 1 }]);
  assert.deepEqual(seen, [['here', 2], ['joining', 3]]);

  wrapper.unmount();
  assert.equal(channel.total(), 0, 'here, joining, leaving and Said listeners all removed');
  assert.deepEqual(result.members.value, []);
  assert.deepEqual(echo.calls.leaveChannel, ['presence-room.1']);
});

test('useEchoNotification filters by type (dot or backslash form) and stops on unmount', () => {
  const received = [];
  const { wrapper } = mountUsing(() =>
    useEchoNotification('App.Models.User.1', (n) => received.push(n.type), 'App.Notifications.InvoicePaid'),
  );
  assert.deepEqual(echo.calls.private, ['App.Models.User.1']);
  const channel = echo.channels.get('private-App.Models.User.1');
  channel.emit('notification', { type: 'App\\Notifications\\InvoicePaid' });
  channel.emit('notification', { type: 'App\\Notifications\\Other' });
  channel.emit('notification', { type: 'App.Notifications.InvoicePaid' });
  assert.deepEqual(received, ['App\\Notifications\\InvoicePaid', 'App.Notifications.InvoicePaid']);
  wrapper.unmount();
  assert.equal(channel.count('notification'), 0);
  assert.deepEqual(echo.calls.leaveChannel, ['private-App.Models.User.1']);
});

test('useEchoNotification without a filter delivers every notification', () => {
  const received = [];
  const { wrapper } = mountUsing(() => useEchoNotification('App.Models.User.1', (n) => received.push(n.type)));
  const channel = echo.channels.get('private-App.Models.User.1');
  channel.emit('notification', { type: 'a' });
  channel.emit('notification', { type: 'b' });
  assert.deepEqual(received, ['a', 'b']);
  wrapper.unmount();
});

test('useEchoModel: private {Model}.{id} channel, model events listened to verbatim', () => {
  const { wrapper } = mountUsing(() =>
    useEchoModel('App.Models.User', 7, ['UserUpdated', '.UserDeleted'], () => {}),
  );
  assert.deepEqual(echo.calls.private, ['App.Models.User.7']);
  const channel = echo.channels.get('private-App.Models.User.7');
  assert.deepEqual([...channel.listeners.keys()], ['event:.UserUpdated', 'event:.UserDeleted']);
  wrapper.unmount();
  assert.equal(channel.total(), 0);
});

test('useChannel / usePresenceChannel / usePublicChannel hold the channel while mounted', () => {
  const a = mountUsing(() => useChannel('chat'));
  const b = mountUsing(() => usePresenceChannel('chat'));
  const c = mountUsing(() => usePublicChannel('chat'));
  assert.equal(a.result.channel(), echo.channels.get('private-chat'));
  assert.equal(b.result.channel(), echo.channels.get('presence-chat'));
  assert.equal(c.result.channel(), echo.channels.get('chat'));
  assert.deepEqual([echo.calls.private, echo.calls.join, echo.calls.channel], [['chat'], ['chat'], ['chat']]);
  for (const { wrapper } of [a, b, c]) wrapper.unmount();
  assert.deepEqual(echo.calls.leaveChannel, ['private-chat', 'presence-chat', 'chat']);
});

test('outside a component: subscribes at once and leaves when the effect scope stops', () => {
  const scope = effectScope();
  scope.run(() => useEcho('orders.1', 'OrderShipped', () => {}));
  assert.deepEqual(echo.calls.private, ['orders.1']);
  scope.stop();
  assert.deepEqual(echo.calls.leaveChannel, ['private-orders.1']);
  assert.equal(echo.channels.size, 0);
});

test('useEchoResumed: the callback gets each resumed report while mounted, and is removed on unmount', async () => {
  const reports = [];
  const a = mountUsing(() => useEchoResumed('inventory', (event) => reports.push(['a', event]), [], 'public'));
  const b = mountUsing(() => useEchoResumed('inventory', (event) => reports.push(['b', event]), [], 'public'));
  assert.deepEqual(echo.calls.channel, ['inventory'], 'one subscription for both');
  const channel = echo.channels.get('inventory');
  assert.equal(a.result.channel(), channel);
  const report = { recovered: false, downtimeMs: 1200, replayed: 0, reason: 'unsupported' };
  assert.equal(channel.emit('resumed', report), 2);
  assert.deepEqual(reports, [['a', report], ['b', report]]);
  a.wrapper.unmount();
  assert.equal(channel.count('resumed'), 1, "a's callback is removed, b's stays");
  assert.deepEqual(echo.calls.leaveChannel, [], 'b still holds the channel');
  b.wrapper.unmount();
  assert.equal(channel.total(), 0);
  assert.deepEqual(echo.calls.leaveChannel, ['inventory']);

  // Private by default; a dependency change moves the callback to the new channel.
  const id = ref(1);
  const c = mountUsing(() => useEchoResumed(() => `orders.${id.value}`, (event) => reports.push(['c', event])));
  assert.equal(echo.channels.get('private-orders.1').count('resumed'), 1);
  id.value = 2;
  await nextTick();
  assert.equal(echo.channels.get('private-orders.2').count('resumed'), 1);
  assert.equal(echo.channels.get('private-orders.1'), undefined, 'the old channel was left');
  c.wrapper.unmount();
});
