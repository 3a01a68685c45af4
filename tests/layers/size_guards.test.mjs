// Size guards on the crate's source (issue 11, BENCHMARKS.md "Issue 11: size levers"): the
// shipped code calls no slice sort (each `sort`/`sort_unstable` instantiation linked several KB
// of wasm; `FastMap` keeps things in order, src/fast_map.rs), and only `web::js::spawn` calls
// `wasm_bindgen_futures::spawn_local` (one copy of the executor's spawn code; `future_to_promise`,
// which links another, only in `api/notifications.rs`). Line comments are not searched, nor is
// a file's tail from an unindented `#[cfg(test)]` followed by a `mod` (the unit tests, last in
// every file that has them, not shipped). A `#[cfg(test)]` field or function is searched, and
// so is a `#[cfg(all(test, ...))]` module (stricter than needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SORT = /\.sort(?:_unstable)?(?:_by(?:_key|_cached_key)?)?\s*\(/;
const SPAWN = /\bspawn_local\s*\(/;
const TO_PROMISE = /\bfuture_to_promise\s*\(/;

/** The shipped part of a Rust file's text: comments out, the `#[cfg(test)]` tail cut off. */
function shipped(text) {
  const cut = text.search(/^#\[cfg\(test\)\]\s*\n\s*mod\s+\w+\s*\{/m);
  return (cut < 0 ? text : text.slice(0, cut))
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('\n');
}

/** Every `[file, line, text]` of `dir`'s Rust files matching `pattern`, except `allowed` files. */
function findings(dir, pattern, allowed = []) {
  const found = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.rs')) {
        const file = relative(root, path);
        if (allowed.includes(file)) continue;
        shipped(readFileSync(path, 'utf8')).split('\n').forEach((line, i) => {
          if (pattern.test(line)) found.push([file, i + 1, line.trim()]);
        });
      }
    }
  };
  walk(dir);
  return found;
}

test('the detectors find a sort and a spawn_local, and skip comments and the unit-test module', () => {
  const code = 'fn a(v: &mut Vec<u8>) { v.sort_unstable(); }\nfn b() { names.sort_by(|x, y| x.cmp(y)); }\n'
    + '// v.sort() in a comment\nfn c() { wasm_bindgen_futures::spawn_local(async {}); }\n'
    + 'fn f() -> Promise { wasm_bindgen_futures::future_to_promise(async { Ok(JsValue::NULL) }) }\n'
    + 'struct S {\n    #[cfg(test)]\n    drops: u32,\n}\nfn e(v: &mut Vec<u8>) { v.sort(); }\n'
    + '#[cfg(test)]\nmod tests {\n    fn d(v: &mut Vec<u8>) { v.sort(); }\n}\n';
  const lines = shipped(code).split('\n');
  assert.equal(lines.filter((l) => SORT.test(l)).length, 3, 'a #[cfg(test)] field does not end the shipped part');
  assert.equal(lines.filter((l) => SPAWN.test(l)).length, 1);
  assert.equal(lines.filter((l) => TO_PROMISE.test(l)).length, 1);
  assert.ok(!SORT.test('let sorted = pairs.keys();'), 'a name containing sort is not a call');
});

test('the shipped crate calls no slice sort', () => {
  assert.deepEqual(findings(join(root, 'src'), SORT), []);
});

test('only web::js::spawn calls spawn_local', () => {
  assert.deepEqual(findings(join(root, 'src'), SPAWN, ['src/web/js.rs']), []);
  assert.equal(findings(join(root, 'src/web'), SPAWN).length, 1, 'web/js.rs itself calls it once');
  // The other way to spawn (it links its own copy): only `requestPermission`'s promise uses it.
  assert.deepEqual(findings(join(root, 'src'), TO_PROMISE, ['src/api/notifications.rs']), []);
});
