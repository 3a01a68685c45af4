// pkg/queue.js when applying the queue itself throws (the wasm's `__reportQueued` throwing while
// it reports a refused call): the Echo's own rejection handler calls fail() after apply dropped
// the queue's lists; it must print the error, not throw (an unhandled rejection). The real
// wasm (read from disk, as in SSR) with only its report method made to throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const index = await import(new URL('../../pkg/index.js', import.meta.url).href);
await index.ready;
const wasm = await import(new URL('../../pkg/dist/echo_wasm.js', import.meta.url).href);
const { Pending, apply, fail } = await import(new URL('../../pkg/queue.js', import.meta.url).href);

class ReportThrows extends wasm.Echo {
  __reportQueued() { throw new Error('report threw on purpose'); }
}

test('fail() after apply threw while reporting a refused call: printed, not thrown', async () => {
  const q = new Pending({ broadcaster: 'reverb', key: 'k', wsHost: '127.0.0.1', wsPort: 1, forceTLS: false });
  const echo = {};
  q.open('channel', 'bad name!', 'bad name!'); // refused once applied: reported through __reportQueued
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(' '));
  let outcome;
  try {
    // What facade.js does with the Echo's `ready`: apply, then fail() on a rejection.
    outcome = await Promise.resolve()
      .then(() => apply(q, echo, ReportThrows))
      .then(() => 'applied', (thrown) => { fail(q, thrown, 'LoadError'); return 'failed'; })
      .catch((thrown) => `fail() threw: ${thrown}`);
  } finally {
    console.warn = warn;
    q.wasm?.destroy();
  }
  assert.equal(outcome, 'failed', 'apply threw, fail() handled it');
  assert.equal(q.connectorErrors.length, 0);
  assert.ok(warnings.some((w) => w.includes('report threw on purpose')), `printed: ${JSON.stringify(warnings)}`);
});
