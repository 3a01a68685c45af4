// Suite pkg-browser-shared: the whole package suite (tests/js/) again with every page's Echo a
// follower. ECHO_TEST_SHARE_CONNECTION=1 makes support.mjs open a leader tab first in every
// context and the pages add `shareConnection: true` (pages/share-follower.js, leader.html).
// The tests listed in EXCLUDED below (each with its reason) do not run here: they assert what is
// per socket by nature. Afterwards the tally checks that the pages' Echos really were
// followers: each Echo a test page made reports its settled `diagnose().sharing` role.
// Usage: node tests/share/follower-run.mjs   (with the harness env, as scripts/test runs it)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Test name (exact) -> why it cannot hold when its page is a follower. Keep this minimal.
// Each asserts about the page's own WebSocket, which a follower does not have: the leader tab
// holds the one socket, by design (issue 14), and the page constructs no WebSocket of its own.
// (Tests that only count Sockudo's connections run here with the count a follower adds, 0:
// lifecycle.test.mjs' `own`.)
export const EXCLUDED = {
  // broadcasters.test.mjs: counts the WebSocket objects the page constructs ("the control made
  // exactly one socket"): a follower page constructs none.
  "broadcaster 'null': no socket ever, chains return, listeners never fire":
    'counts the WebSocket objects its page constructs; a follower constructs none',
  // protocol.test.mjs: reads the page's own socket frames (page.on('websocket')).
  'this run speaks protocol 7 on the wire, and an event arrives':
    "reads its page's own WebSocket (URL, handshake frame); a follower's frames go over BroadcastChannel",
  // loading.test.mjs: holds the page's .wasm response back 3 s with a route on its context,
  // but the context's leader tab opened (and loaded the wasm) before that route existed, and
  // Chromium may serve the follower page the module that load fetched: the hold cannot be made.
  'calls made before the wasm is ready take effect in order: the same log as after ready':
    "its 3 s hold of the page's .wasm is installed after the context's leader tab loaded the wasm",
};

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const names = Object.keys(EXCLUDED);
const args = ['--test', '--test-concurrency=1'];
const excluded = `(?:${names.map(escape).join('|')})`;
if (names.length && Number(process.versions.node.split('.')[0]) >= 22) args.push(`--test-skip-pattern=^${excluded}$`);
// Node 20 has no --test-skip-pattern: a name pattern that matches every name but these. A test
// runs when its name or its parent's matches, so the file's root test ('<root>') must not.
else if (names.length) args.push(`--test-name-pattern=^(?!${excluded}$)(?!<root>$)`);
args.push('tests/js/');

mkdirSync(path.join(root, 'target'), { recursive: true });
const tally = path.join(root, 'target', 'share-follower-tally.jsonl');
rmSync(tally, { force: true });
for (const [name, why] of Object.entries(EXCLUDED)) console.log(`follower run: excluded "${name}": ${why}`);
const run = spawnSync(process.execPath, args, {
  cwd: root, stdio: 'inherit',
  env: { ...process.env, ECHO_TEST_SHARE_CONNECTION: '1', ECHO_TEST_SHARE_TALLY: tally },
});

// The tally: one line per Echo a test page made ({file, page, role, leader, reason, tabs}).
const records = existsSync(tally) ? readFileSync(tally, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
const byRole = {};
for (const r of records) byRole[r.role] = (byRole[r.role] || 0) + 1;
console.log(`follower run: ${records.length} Echos made by test pages, by role: ${JSON.stringify(byRole)}`);
// A page Echo whose leader tab led (or followed its own earlier Echo of that key) must be a
// follower (or have ended before it settled); a leader tab that never settled or answered fails.
const grouped = (r) => r.leader === 'leader' || r.leader === 'follower';
const notFollowing = records.filter((r) => (grouped(r) && !['follower', 'ended'].includes(r.role))
  || ['unknown', 'no-answer'].includes(r.leader));
for (const r of notFollowing) console.log(`follower run: NOT a follower: ${path.relative(root, r.file)} ${r.page}: ${JSON.stringify(r)}`);
// Listed, not failed: options the leader tab could not copy (a throwing getter) or that make
// an Echo run solo (connectionRecovery), where the page's Echo is not a follower either.
for (const r of records.filter((x) => !grouped(x) && !notFollowing.includes(x))) {
  console.log(`follower run: not shared (leader tab: ${r.leader ?? 'none'}): ${path.relative(root, r.file)} ${r.page}: ${JSON.stringify(r)}`);
}
const followers = byRole.follower || 0;
let ok = run.status === 0;
if (notFollowing.length) { console.log('follower run: FAIL: some page Echos were not followers'); ok = false; }
if (followers === 0) { console.log('follower run: FAIL: no page Echo was a follower'); ok = false; }
process.exit(ok ? 0 : 1);
