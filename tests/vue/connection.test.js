// useConnectionStatus / useSocketId (refs fed by connector.onConnectionChange, unsubscribed on
// unmount) and useNotificationPermission (with and without a Notification global).
import './support/dom.js';
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { h, nextTick } from 'vue';
import { echoVue } from './support/load.js';
import { EchoDouble } from './support/double.js';
import { mountUsing } from './support/mount.js';

const { setEchoInstance, useConnectionStatus, useSocketId, useNotificationPermission } = echoVue;

let echo;
beforeEach(() => {
  echo = new EchoDouble();
  setEchoInstance(echo);
});

test('useConnectionStatus follows connection changes and unsubscribes on unmount', async () => {
  echo.status = 'connecting';
  const { wrapper, result: status } = mountUsing(useConnectionStatus, (s) => h('p', s.value));
  assert.equal(status.value, 'connecting');
  assert.equal(echo.connector.changeListeners.size, 1);

  echo.setStatus('connected');
  assert.equal(status.value, 'connected');
  await nextTick();
  assert.equal(wrapper.text(), 'connected', 're-rendered');
  echo.setStatus('reconnecting');
  assert.equal(status.value, 'reconnecting');

  wrapper.unmount();
  assert.equal(echo.connector.changeListeners.size, 0);
  echo.setStatus('failed');
  assert.equal(status.value, 'reconnecting', 'no updates after unmount');
});

test('useConnectionStatus reads the status at mount', () => {
  echo.status = 'connected';
  const { wrapper, result: status } = mountUsing(useConnectionStatus);
  assert.equal(status.value, 'connected');
  wrapper.unmount();
});

test('useSocketId follows the socket id and unsubscribes on unmount', () => {
  const { wrapper, result: socketId } = mountUsing(useSocketId);
  assert.equal(socketId.value, undefined);
  echo.setStatus('connected', '123.456');
  assert.equal(socketId.value, '123.456');
  echo.setStatus('reconnecting', undefined);
  assert.equal(socketId.value, undefined);
  wrapper.unmount();
  assert.equal(echo.connector.changeListeners.size, 0);
});

// ---- useNotificationPermission ----

const saved = Object.getOwnPropertyDescriptor(globalThis, 'Notification');
afterEach(() => {
  if (saved) Object.defineProperty(globalThis, 'Notification', saved);
  else delete globalThis.Notification;
});

/** A stand-in `Notification` constructor with these statics (the wasm, and so the composable, needs a function). */
const notificationClass = (statics) => Object.assign(function Notification() {}, statics);

function setNotification(value) {
  Object.defineProperty(globalThis, 'Notification', { value, configurable: true, writable: true });
}

test('useNotificationPermission without a Notification global: unsupported, request() does not throw', async () => {
  delete globalThis.Notification;
  assert.equal(typeof Notification, 'undefined');
  const { wrapper, result } = mountUsing(useNotificationPermission);
  assert.equal(result.permission.value, 'unsupported');
  assert.equal(await result.request(), 'unsupported');
  wrapper.unmount();
});

test('useNotificationPermission with a promise-based Notification', async () => {
  let asked = 0;
  const fake = notificationClass({
    permission: 'default',
    requestPermission() {
      asked += 1;
      fake.permission = 'granted';
      return Promise.resolve('granted');
    },
  });
  setNotification(fake);
  const { wrapper, result } = mountUsing(useNotificationPermission);
  assert.equal(result.permission.value, 'default');
  assert.equal(await result.request(), 'granted');
  assert.equal(result.permission.value, 'granted');
  assert.equal(asked, 1);
  wrapper.unmount();
});

test('useNotificationPermission with a callback-based (old Safari) or failing Notification', async () => {
  setNotification(notificationClass({ permission: 'default', requestPermission: (callback) => callback('denied') }));
  const old = mountUsing(useNotificationPermission);
  assert.equal(await old.result.request(), 'denied');
  old.wrapper.unmount();

  setNotification(notificationClass({ permission: 'default', requestPermission: () => Promise.reject(new Error('insecure')) }));
  const failing = mountUsing(useNotificationPermission);
  assert.equal(await failing.result.request(), 'default');
  failing.wrapper.unmount();
});

test('useNotificationPermission on an insecure page: unsupported, as echo.notifications.permission reads it', async () => {
  setNotification(notificationClass({ permission: 'granted', requestPermission: () => Promise.resolve('denied') }));
  Object.defineProperty(globalThis, 'isSecureContext', { value: false, configurable: true });
  try {
    const { wrapper, result } = mountUsing(useNotificationPermission);
    assert.equal(result.permission.value, 'unsupported');
    assert.equal(await result.request(), 'unsupported', 'not asked: the browser would refuse');
    wrapper.unmount();
  } finally {
    delete globalThis.isSecureContext;
  }
});
