// Hostile callbacks (issue 12), the scripts/test share: 200 sequences from a printed seed (set
// HOSTILE_SEED to replay one). The full run (>= 1000 sequences) is scripts/hostile; see
// hostile-callbacks.mjs for what every callback does and what is checked after each sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runHostile, report } from './hostile-callbacks.mjs';

const SEQUENCES = Number(process.env.HOSTILE_SEQUENCES || 200);

test(`${SEQUENCES} hostile-callback sequences: every client stays alive, no listener runs after its removal, no client error`, { timeout: 600_000 }, async () => {
  const seed = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : (Math.random() * 2 ** 32) >>> 0;
  const figures = await runHostile({ sequences: SEQUENCES, seed });
  report(figures);
  assert.equal(figures.sequences, SEQUENCES);
  assert.ok(figures.counts.throw > 0 && figures.counts.undo > 0 && figures.counts.leave > 0 && figures.counts['cb:listen'] > 0, 'the callbacks did run and misbehave');
  assert.equal(figures.dead, 0, `dead instances (seed ${seed}): ${JSON.stringify(figures.deadSequences.slice(0, 3))}`);
  assert.equal(figures.leaks, 0, `listeners that ran after their removal (seed ${seed}): ${JSON.stringify(figures.leakSamples.slice(0, 3))}`);
  assert.equal(figures.clientErrors, 0, `client errors (seed ${seed}): ${JSON.stringify(figures.clientErrorSamples.slice(0, 3))}`);
  assert.equal(figures.pageErrors, 0, `page errors from the client (seed ${seed}): ${JSON.stringify(figures.pageErrorSamples.slice(0, 3))}`);
});
