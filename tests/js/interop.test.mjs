// Interop: an echo-wasm page and a pusher-js 8.6.0 + laravel-echo 2.5.0 page on the same
// presence channel see each other join and leave, and whispers cross both ways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, logged, eventually, reset } from './support.mjs';

let browser;
before(async () => { browser = await launch(); await reset(); });
after(async () => { await browser?.close(); });

test('echo-wasm and laravel-echo + pusher-js share a presence channel and whispers', async () => {
  const ours = await openPage(browser, 'echo.html');
  const theirs = await openPage(browser, 'reference.html');
  const setup = (token) => {
    window.echo = window.makeEcho({ bearerToken: token });
    window.echo
      .join('tenant.1.floor')
      .here(window.record('here'))
      .joining(window.record('joining'))
      .leaving(window.record('leaving'))
      .listenForWhisper('typing', window.record('typing'));
  };
  await ours.evaluate(setup, 'token-user-1');
  await eventually(async () => (await logged(ours, 'here')).length === 1, 'here on echo-wasm');
  await theirs.evaluate(setup, 'token-user-2');
  await eventually(async () => (await logged(theirs, 'here')).length === 1, 'here on the reference');
  assert.deepEqual((await logged(theirs, 'here'))[0][0].map((u) => u.id).sort(), [1, 2], 'the reference sees echo-wasm\'s user');
  await eventually(async () => (await logged(ours, 'joining')).length === 1, 'echo-wasm sees the reference join');
  assert.deepEqual((await logged(ours, 'joining'))[0][0], { id: 2, name: 'Grace Hopper' });

  await ours.evaluate(() => window.echo.join('tenant.1.floor').whisper('typing', { who: 'wasm' }));
  await theirs.evaluate(() => window.echo.join('tenant.1.floor').whisper('typing', { who: 'reference' }));
  await eventually(async () => (await logged(theirs, 'typing')).length === 1 && (await logged(ours, 'typing')).length === 1, 'whispers both ways');
  assert.deepEqual((await logged(theirs, 'typing'))[0][0], { who: 'wasm' });
  assert.deepEqual((await logged(ours, 'typing'))[0][0], { who: 'reference' });

  await theirs.evaluate(() => window.echo.leave('tenant.1.floor'));
  await eventually(async () => (await logged(ours, 'leaving')).length === 1, 'echo-wasm sees the reference leave');
  await ours.evaluate(() => window.echo.leave('tenant.1.floor'));
  await theirs.evaluate(() => window.echo.join('tenant.1.floor').here(window.record('here2')));
  await eventually(async () => (await logged(theirs, 'here2')).length === 1, 'rejoin');
  assert.deepEqual((await logged(theirs, 'here2'))[0][0].map((u) => u.id), [2], 'echo-wasm really left');
  await ours.context().close();
  await theirs.context().close();
});
