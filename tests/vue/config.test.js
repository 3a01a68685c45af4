// configureEcho / echo() / resolveEchoConfig: defaults from a Vite-like env, the lazy
// instance, and the error before configuration. Uses the real wasm Echo for the lazy
// instance (it cannot connect in Node; it is destroyed at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoVue } from './support/load.js';
import { EchoDouble } from './support/double.js';

const { configureEcho, echo, echoIsConfigured, resolveEchoConfig, setEchoInstance } = echoVue;

// Must run first in this file: nothing is configured yet.
test('echo() before configureEcho() throws an error that says what to do', () => {
  assert.equal(echoIsConfigured(), false);
  assert.throws(() => echo(), /not configured.*configureEcho\(/s);
});

test('reverb defaults come from VITE_REVERB_* (forceTLS from the scheme)', () => {
  const env = {
    VITE_REVERB_APP_KEY: 'app-key', VITE_REVERB_HOST: 'ws.example.test',
    VITE_REVERB_PORT: '8080', VITE_REVERB_SCHEME: 'http',
  };
  assert.deepEqual(resolveEchoConfig({ broadcaster: 'reverb' }, env), {
    broadcaster: 'reverb', key: 'app-key', wsHost: 'ws.example.test', wsPort: '8080',
    wssPort: '8080', forceTLS: false, enabledTransports: ['ws', 'wss'],
  });
  // https when the scheme is missing; reverb when the broadcaster is missing.
  const config = resolveEchoConfig({}, { VITE_REVERB_APP_KEY: 'k' });
  assert.equal(config.broadcaster, 'reverb');
  assert.equal(config.forceTLS, true);
  assert.equal(resolveEchoConfig({}, { VITE_REVERB_SCHEME: 'https' }).forceTLS, true);
});

test('pusher defaults come from VITE_PUSHER_*', () => {
  const env = {
    VITE_PUSHER_APP_KEY: 'pk', VITE_PUSHER_APP_CLUSTER: 'eu', VITE_PUSHER_HOST: 'soketi.test',
    VITE_PUSHER_PORT: '6001', VITE_PUSHER_SCHEME: 'http', VITE_REVERB_APP_KEY: 'not-this-one',
  };
  assert.deepEqual(resolveEchoConfig({ broadcaster: 'pusher' }, env), {
    broadcaster: 'pusher', key: 'pk', cluster: 'eu', wsHost: 'soketi.test', wsPort: '6001',
    wssPort: '6001', forceTLS: false, enabledTransports: ['ws', 'wss'],
  });
  assert.equal(resolveEchoConfig({ broadcaster: 'pusher' }, { VITE_PUSHER_APP_KEY: 'pk' }).forceTLS, true);
});

test('user options override the defaults; unset env variables are left out', () => {
  const env = { VITE_REVERB_APP_KEY: 'from-env', VITE_REVERB_PORT: '8080' };
  const config = resolveEchoConfig({ key: 'mine', forceTLS: false, authEndpoint: '/auth' }, env);
  assert.equal(config.key, 'mine');
  assert.equal(config.forceTLS, false);
  assert.equal(config.authEndpoint, '/auth');
  assert.equal(config.wsPort, '8080');
  assert.equal('wsHost' in config, false);
});

test('a missing env (outside Vite) gives no defaults but does not throw', () => {
  assert.deepEqual(resolveEchoConfig({ key: 'k' }, undefined), {
    broadcaster: 'reverb', forceTLS: true, enabledTransports: ['ws', 'wss'], key: 'k',
  });
  // In Node `import.meta.env` is undefined: the default env source must cope.
  assert.equal(resolveEchoConfig({ key: 'k' }).key, 'k');
});

test('echo() creates one real Echo lazily from configureEcho(); configuring again replaces it', () => {
  configureEcho({ key: 'app-key', wsHost: '127.0.0.1', wsPort: 9, forceTLS: false });
  assert.equal(echoIsConfigured(), true);
  const first = echo();
  try {
    assert.equal(echo(), first, 'the same instance on every call');
    assert.equal(first.options.key, 'app-key');
    assert.equal(typeof first.connector.onConnectionChange, 'function');
  } finally {
    first.destroy();
  }
  configureEcho({ key: 'other-key', wsHost: '127.0.0.1', wsPort: 9, forceTLS: false });
  const second = echo();
  try {
    assert.notEqual(second, first);
    assert.equal(second.options.key, 'other-key');
  } finally {
    second.destroy();
  }
});

test('setEchoInstance() makes echo() return the given instance', () => {
  const double = new EchoDouble();
  setEchoInstance(double);
  assert.equal(echo(), double);
  setEchoInstance(null);
});
