// SSR safety: the real pkg/vue.js + pkg/index.js (wasm read from disk) import in plain Node
// without a window, and server-rendering components that use the composables neither
// creates an Echo (none is configured: echo() would throw) nor touches window.
// No DOM here on purpose (this file does not import support/dom.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { echoVue } from './support/load.js';

test('importing echo-wasm/vue in Node touches no window and exports the API', () => {
  assert.equal(typeof window, 'undefined');
  assert.equal(typeof document, 'undefined');
  const names = [
    'configureEcho', 'echo', 'echoIsConfigured', 'resolveEchoConfig', 'setEchoInstance',
    'useEcho', 'useEchoPublic', 'useEchoPresence', 'useEchoNotification', 'useEchoModel',
    'useChannel', 'usePresenceChannel', 'usePublicChannel', 'useConnectionStatus',
    'useSocketId', 'useNotificationPermission', 'useEchoResumed',
  ];
  for (const name of names) assert.equal(typeof echoVue[name], 'function', name);
  assert.equal(echoVue.echoIsConfigured(), false);
});

test('server rendering with the composables creates no Echo', async () => {
  const { useEcho, useEchoPresence, useEchoNotification, useConnectionStatus, useSocketId, useNotificationPermission } = echoVue;
  const Page = defineComponent({
    setup() {
      useEcho('orders.1', 'OrderShipped', () => {});
      useEchoPresence('room', 'Said', () => {});
      useEchoNotification('App.Models.User.1', () => {});
      const status = useConnectionStatus();
      const socketId = useSocketId();
      const { permission } = useNotificationPermission();
      return () => h('p', `${status.value} ${socketId.value ?? '-'} ${permission.value}`);
    },
  });
  const html = await renderToString(createSSRApp(Page));
  assert.equal(html, '<p>connecting - unsupported</p>');
  assert.throws(() => echoVue.echo(), /not configured/, 'still nothing configured or created');
});
