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
export const EXCLUDED = {
};

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const names = Object.keys(EXCLUDED);
const args = ['--test', '--test-concurrency=1'];
if (names.length) args.push(`--test-name-pattern=^(?!(?:${names.map(escape).join('|')})$)`);
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
// A page Echo whose leader tab led must be its follower (or have ended before it settled).
const notFollowing = records.filter((r) => r.leader === 'leader' && !['follower', 'ended'].includes(r.role));
for (const r of notFollowing) console.log(`follower run: NOT a follower: ${path.relative(root, r.file)} ${r.page}: ${JSON.stringify(r)}`);
const others = records.filter((r) => r.leader !== 'leader');
for (const r of others) console.log(`follower run: leader tab did not lead: ${path.relative(root, r.file)} ${r.page}: ${JSON.stringify(r)}`);
const followers = byRole.follower || 0;
let ok = run.status === 0;
if (notFollowing.length) { console.log('follower run: FAIL: some page Echos were not followers'); ok = false; }
if (followers === 0) { console.log('follower run: FAIL: no page Echo was a follower'); ok = false; }
process.exit(ok ? 0 : 1);
