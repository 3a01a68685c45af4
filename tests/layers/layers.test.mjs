// scripts/layers.mjs must be able to fail: fixtures with a cycle through `super::`, a cycle
// through a parent's bare child path, an upward edge (web -> api), a cycle through the crate
// root's re-export, and a clean crate where comments, strings and `mod tests { use super::* }`
// must not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const checker = fileURLToPath(new URL('../../scripts/layers.mjs', import.meta.url));

function check(files) {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const run = spawnSync(process.execPath, [checker, dir], { encoding: 'utf8' });
    return { code: run.status, out: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = {
  'lib.rs': 'pub mod time;\npub mod engine;\npub mod web;\npub mod api;\n',
  'time.rs': 'pub type Millis = u64;\n',
  'engine/mod.rs': 'mod link;\nmod output;\npub use link::Link;\nuse crate::time::Millis;\n',
  'engine/output.rs': 'pub enum Output { A }\n',
  'engine/link.rs': '//! Uses crate::api in a comment only.\nuse super::output::Output;\npub struct Link;\nconst S: &str = "crate::web::x";\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n',
  'web/mod.rs': 'pub mod client;\npub mod socket;\n',
  'web/client.rs': 'use crate::engine::Link;\nuse super::socket::Socket;\n',
  'web/socket.rs': 'pub struct Socket;\n',
  'api/mod.rs': 'mod channel;\nuse crate::web::client;\nuse channel::Handle;\n',
  'api/channel.rs': 'pub struct Handle;\nfn f() -> crate::web::socket::Socket { crate::web::socket::Socket }\n',
};

test('a clean crate passes; comments, strings and an inline test module do not count', () => {
  const { code, out } = check(base);
  assert.equal(code, 0, out);
  assert.match(out, /no cycles, nothing points up/);
});

test('a part that reaches its parent through super:: while the parent uses it is a cycle', () => {
  const { code, out } = check({ ...base, 'engine/link.rs': 'use super::Engine;\npub struct Link;\n' });
  assert.equal(code, 1, out);
  assert.match(out, /cycle among crate::engine, crate::engine::link/);
});

test('a web module using the facade points up', () => {
  const { code, out } = check({ ...base, 'web/socket.rs': 'pub struct Socket;\nfn f() { crate::api::channel::Handle; }\n' });
  assert.equal(code, 1, out);
  assert.match(out, /upward: crate::web::socket \(web\) uses crate::api::channel \(api\)/);
});

test('sibling modules that import each other (through a use tree) are a cycle', () => {
  const { code, out } = check({ ...base, 'web/socket.rs': 'use super::{client::{self}};\npub struct Socket;\n' });
  assert.equal(code, 1, out);
  assert.match(out, /cycle among crate::web::client, crate::web::socket/);
});

test('a root that re-exports a module which uses an item of the root is a cycle (the old crate::Millis)', () => {
  const { code, out } = check({
    ...base,
    'lib.rs': base['lib.rs'] + 'pub use engine::Link;\npub type Millis = u64;\n',
    'engine/output.rs': 'pub enum Output { A(crate::Millis) }\n',
  });
  assert.equal(code, 1, out);
  assert.match(out, /cycle among crate, crate::engine, (.*, )?crate::engine::output:/);
});
