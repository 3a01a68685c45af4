// No top-level await in the shipped package (issue 11): Vite 5/6's default build targets
// refuse it, and it would make every module that imports echo-wasm wait for the wasm. Every
// `pkg/*.js` and `pkg/dist/*.js` is parsed with acorn and its module scope searched for
// `await` and `for await` (function bodies, where await is fine, are not entered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as acorn from 'acorn';

const pkg = new URL('../../pkg/', import.meta.url);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** The top-level awaits of module source `code`: [{line, what}]. */
function topLevelAwaits(code) {
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  const found = [];
  const visit = (node) => {
    if (!node || typeof node.type !== 'string' || FUNCTIONS.has(node.type)) return;
    if (node.type === 'AwaitExpression') found.push({ line: node.loc.start.line, what: 'await' });
    if (node.type === 'ForOfStatement' && node.await) found.push({ line: node.loc.start.line, what: 'for await' });
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') visit(value);
    }
  };
  visit(ast);
  return found;
}

test('the detector finds top-level await and ignores await inside functions', () => {
  assert.deepEqual(topLevelAwaits('await load();').map((f) => f.what), ['await']);
  assert.deepEqual(topLevelAwaits('export const x = { y: await z };').map((f) => f.what), ['await']);
  assert.deepEqual(topLevelAwaits('for await (const a of b) {}').map((f) => f.what), ['for await']);
  assert.deepEqual(topLevelAwaits('if (a) { try { await b; } catch {} }').map((f) => f.what), ['await']);
  assert.deepEqual(topLevelAwaits('async function f() { await x; for await (const a of b) {} }'), []);
  assert.deepEqual(topLevelAwaits('const f = async () => await x; class C { async m() { await y; } }'), []);
});

test('no pkg/*.js or pkg/dist/*.js has a top-level await', () => {
  const files = [
    ...readdirSync(pkg).filter((f) => f.endsWith('.js')).map((f) => new URL(f, pkg)),
    ...readdirSync(new URL('dist/', pkg)).filter((f) => f.endsWith('.js')).map((f) => new URL(`dist/${f}`, pkg)),
  ];
  const names = files.map((f) => f.pathname.split('/pkg/')[1]);
  for (const expected of ['index.js', 'load.js', 'facade.js', 'vue.js', 'dist/echo_wasm.js']) {
    assert.ok(names.includes(expected), `${expected} is among the parsed files (${names.join(', ')}): run scripts/build first`);
  }
  for (const file of files) {
    const found = topLevelAwaits(readFileSync(file, 'utf8'));
    assert.deepEqual(found, [], `${file.pathname}: top-level ${found.map((f) => `${f.what} at line ${f.line}`).join(', ')}`);
  }
});
