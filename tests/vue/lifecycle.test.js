// Instances and handles that outlive their use (issue 12, items 6 and 10):
// - leave() from one component never takes a channel from another mounted component;
// - configureEcho() again destroys the instance it built (its socket closes) and mounted
//   composables move to the new instance; setEchoInstance() moves them too.
import './support/dom.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoVue } from './support/load.js';
import { EchoDouble } from './support/double.js';
import { mountUsing } from './support/mount.js';

const { configureEcho, echo, setEchoInstance, useEcho, useEchoPublic, useConnectionStatus } = echoVue;

test('leave() in one component: another component on the same name (other prefix) still receives', () => {
  const double = new EchoDouble();
  setEchoInstance(double);
  const privateGot = [];
  const publicGot = [];
  const a = mountUsing(() => useEcho('chat', 'Message', (e) => privateGot.push(e)));
  const b = mountUsing(() => useEchoPublic('chat', 'Message', (e) => publicGot.push(e)));
  const privateChannel = double.channels.get('private-chat');
  assert.ok(privateChannel, 'private-chat subscribed');

  b.result.leave();
  assert.equal(double.channels.get('private-chat'), privateChannel, 'private-chat is still subscribed');
  assert.ok(!double.calls.leaveChannel.includes('private-chat'), `private-chat left: ${JSON.stringify(double.calls)}`);
  assert.deepEqual(double.calls.leave, [], 'leave(name) would leave private-chat too');
  assert.equal(privateChannel.emit('event:Message', 'still here'), 1);
  assert.deepEqual(privateGot, ['still here']);
  assert.ok(!double.channels.has('chat'), 'the public channel that only b held was left');

  a.wrapper.unmount();
  b.wrapper.unmount();
  assert.ok(!double.channels.has('private-chat'), 'left after the last user unmounts');
});

test('leave() in one of two components on the same channel: the other still receives', () => {
  const double = new EchoDouble();
  setEchoInstance(double);
  const got = [[], []];
  const a = mountUsing(() => useEcho('orders.1', 'OrderShipped', (e) => got[0].push(e)));
  const b = mountUsing(() => useEcho('orders.1', 'OrderShipped', (e) => got[1].push(e)));
  a.result.leave();
  const channel = double.channels.get('private-orders.1');
  assert.ok(channel, 'still subscribed');
  assert.equal(channel.emit('event:OrderShipped', 'x'), 1);
  assert.deepEqual(got, [[], ['x']]);
  a.wrapper.unmount();
  b.wrapper.unmount();
  assert.ok(!double.channels.has('private-orders.1'));
});

test('setEchoInstance(another): mounted composables move to it (nothing left on the old one)', () => {
  const first = new EchoDouble();
  setEchoInstance(first);
  const got = [];
  const { wrapper, result } = mountUsing(() => useEcho('orders.1', 'OrderShipped', (e) => got.push(e)));
  const status = mountUsing(useConnectionStatus);
  const second = new EchoDouble();
  setEchoInstance(second);
  assert.equal(first.channels.size, 0, 'the old instance holds no channel of ours');
  assert.equal(first.connector.changeListeners.size, 0, 'no status listener on the old instance');
  const channel = second.channels.get('private-orders.1');
  assert.ok(channel, 'subscribed on the new instance');
  assert.equal(channel.emit('event:OrderShipped', 1), 1);
  assert.deepEqual(got, [1]);
  second.setStatus('connected');
  assert.equal(status.result.value, 'connected', 'the status ref follows the new instance');
  result.leaveChannel();
  wrapper.unmount();
  status.wrapper.unmount();
  assert.equal(second.channels.size, 0);
  assert.equal(second.connector.changeListeners.size, 0);
});

test('configureEcho() again destroys the Echo it built: disconnected, unusable, composables moved', () => {
  configureEcho({ key: 'app-key', wsHost: '127.0.0.1', wsPort: 9, forceTLS: false });
  const first = echo();
  const { wrapper } = mountUsing(() => useEcho('orders.1', 'OrderShipped', () => {}));
  assert.ok(first.diagnose().channels.some((c) => c.name === 'private-orders.1'));
  configureEcho({ key: 'other-key', wsHost: '127.0.0.1', wsPort: 9, forceTLS: false });
  try {
    assert.equal(first.connectionStatus(), 'disconnected', 'the old instance stopped reconnecting');
    assert.throws(() => first.channel('x'), (e) => e.code === 'echo_destroyed');
    const second = echo();
    assert.notEqual(second, first);
    assert.ok(second.diagnose().channels.some((c) => c.name === 'private-orders.1'), 'the component moved to the new instance');
    wrapper.unmount();
    assert.equal(second.diagnose().channels.length, 0, 'left on the new instance at unmount');
  } finally {
    echo().destroy();
    setEchoInstance(null);
  }
});
