// Recovery soak (issue #16). Run by scripts/soak (which starts the harness; its Sockudo has
// CONNECTION_RECOVERY_ENABLED=true):
//   node tests/reliability/recovery-soak.mjs [--cuts N] [--in-cut N] [--report FILE]
//
// One headless Chromium page runs echo-wasm with `connectionRecovery: true` on a public, a
// private, a presence and an encrypted channel, through the cut proxy. A publisher (the `pusher`
// SDK, straight to Sockudo) sends numbered events on each channel every 100 ms, without pause.
// N cuts alternate reset (RST both ways, new connections refused) and blackhole (nothing
// forwarded, nothing closed: the client must notice by its ping), each spanning exactly
// `--in-cut` published events, then the proxy is restored. After each cut: `resumed` on every
// channel and a fresh event on each, then 1 s of connected time. At the end every acknowledged
// event from the first one received must have arrived exactly once, in order.
// Exit status 1 on any lost, duplicated or reordered event, unrecovered resume or missed recovery.
import fs from 'node:fs';
import path from 'node:path';
import { launch, eventually, sleep, startProxy, env, ROOT } from './lib.mjs';
import { CHANNELS, FAST, recoveryClient, publisher, account, waitAllSubscribed, waitForSeq, range } from './recovery-lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const CUTS = Number(opt('--cuts', 100));
const IN_CUT = Number(opt('--in-cut', 20));
const REPORT = opt('--report', path.join(ROOT, 'target/soak/recovery-report.json'));
const EVERY_MS = 100;
const DWELL_MS = 1000;
const TIMEOUT_MS = 30000;
const NAMES = [CHANNELS.public, CHANNELS.private, CHANNELS.presence, CHANNELS.encrypted];
const idx = NAMES.map((_, i) => i);
const log = (...a) => console.log(`recovery-soak: ${new Date().toISOString().slice(11, 23)}`, ...a);

const browser = await launch();
const proxy = await startProxy(env.port);
let code = 1;
try {
  code = await run();
} catch (e) {
  console.error('recovery-soak: FAILED with an exception:', e);
} finally {
  await browser.close().catch(() => {});
  await proxy.stop();
}
process.exit(code);

async function run() {
  const client = await recoveryClient(browser, { port: proxy.port, names: NAMES, recovery: true, options: FAST });
  await waitAllSubscribed(client, 'initial subscription', TIMEOUT_MS);
  const pub = publisher(NAMES, { everyMs: EVERY_MS });
  const started = Date.now();
  const cuts = []; // {kind, seqs, ms, ok, why}
  let last;
  try {
    await waitForSeq(client, idx, 3, 'first events', TIMEOUT_MS);
    for (let n = 0; n < CUTS; n++) {
      const kind = n % 2 === 0 ? 'reset' : 'blackhole';
      const c = { kind };
      cuts.push(c);
      const k = pub.next + 1;
      let cutAt = 0;
      await pub.at(k, () => { cutAt = Date.now(); if (kind === 'reset') proxy.block(true); else proxy.blackhole(); });
      await pub.at(k + IN_CUT, () => { c.ms = Date.now() - cutAt; if (kind === 'reset') proxy.block(false); else proxy.restore(); });
      c.seqs = range(k + 1, IN_CUT);
      try {
        await eventually(async () => {
          await client.drain();
          return idx.every((i) => client.log.filter((e) => e.k === 'resumed' && e.i === i).length >= n + 1);
        }, `resumed on every channel after cut ${n + 1} (${kind})`, TIMEOUT_MS);
        await waitForSeq(client, idx, pub.next + 1, `a fresh event on every channel after cut ${n + 1}`, TIMEOUT_MS);
        c.ok = true;
      } catch (e) {
        c.ok = false;
        c.why = e.message;
        log(`MISSED recovery after cut ${n + 1} (${kind}): ${e.message}`);
      }
      await sleep(DWELL_MS);
      if ((n + 1) % 10 === 0 || n + 1 === CUTS) log(`${n + 1}/${CUTS} cuts, ${cuts.filter((x) => x.ok).length} recovered, ${Math.round((Date.now() - started) / 1000)} s`);
    }
  } finally {
    last = await pub.stop();
  }
  await waitForSeq(client, idx, last, `the last event (${last})`, TIMEOUT_MS).catch((e) => log(e.message));
  await client.drain();

  // ---- accounting ------------------------------------------------------------------------------
  const cutSeqs = new Set(cuts.flatMap((c) => c.seqs));
  const perChannel = NAMES.map((name, i) => {
    const a = account(client.log, i, [...cutSeqs]);
    const from = a.seqs[0] ?? 0;
    const expected = range(from, last - from + 1).filter((s) => pub.published[s].acks[i] === true);
    const got = new Set(a.seqs);
    const lost = expected.filter((s) => !got.has(s));
    const reports = a.resumed;
    return {
      channel: name,
      published: expected.length, // acknowledged, from the first event received to the last
      publishedDuringCuts: [...cutSeqs].filter((s) => s >= from && pub.published[s].acks[i] === true).length,
      deliveredDuringCutsAfterResume: a.cutReceived.length,
      delivered: a.seqs.length, lost: lost.length, lostSeqs: lost.slice(0, 20), duplicates: a.duplicates,
      inOrder: a.increasing, inversions: a.inversions.slice(0, 20), unacknowledged: range(from, last - from + 1).filter((s) => pub.published[s].acks[i] !== true).length,
      resumed: reports.length, recovered: reports.filter((r) => r.recovered === true).length,
      notRecovered: reports.filter((r) => r.recovered !== true).map((r) => r.reason),
      replayed: reports.reduce((s, r) => s + (r.replayed || 0), 0),
      downtimeMs: quantiles(reports.map((r) => r.downtimeMs)),
      channelErrors: a.errors.length,
    };
  });
  const report = {
    cuts: CUTS, inCut: IN_CUT, everyMs: EVERY_MS, durationS: Math.round((Date.now() - started) / 1000), settings: FAST,
    byKind: Object.fromEntries(['reset', 'blackhole'].map((k) => [k, {
      done: cuts.filter((c) => c.kind === k).length, recovered: cuts.filter((c) => c.kind === k && c.ok).length,
      cutMs: quantiles(cuts.filter((c) => c.kind === k).map((c) => c.ms)),
    }])),
    missed: cuts.filter((c) => !c.ok).map((c) => ({ kind: c.kind, why: c.why })),
    channels: perChannel,
    proxyConnectionsAccepted: proxy.accepted, heldDuringBlackholes: proxy.heldConnections,
    pageErrors: client.page.errors,
  };
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, JSON.stringify(report, null, 2));
  print(report);

  const failures = [];
  for (const c of perChannel) {
    if (c.lost) failures.push(`${c.channel}: ${c.lost} event(s) lost (${c.lostSeqs.join(',')})`);
    if (c.duplicates) failures.push(`${c.channel}: ${c.duplicates} duplicate(s)`);
    if (!c.inOrder) failures.push(`${c.channel}: events out of order`);
    if (c.resumed !== CUTS || c.recovered !== CUTS) failures.push(`${c.channel}: ${c.recovered} of ${CUTS} cuts recovered (${c.resumed} resumed reports; not recovered: ${c.notRecovered.join(',')})`);
    if (c.publishedDuringCuts !== c.deliveredDuringCutsAfterResume) failures.push(`${c.channel}: ${c.deliveredDuringCutsAfterResume} of ${c.publishedDuringCuts} events of the cuts delivered`);
    if (c.channelErrors) failures.push(`${c.channel}: ${c.channelErrors} channel error(s)`);
  }
  if (report.missed.length) failures.push(`${report.missed.length} missed recovery(ies)`);
  if (report.pageErrors.length) failures.push(`${report.pageErrors.length} page error(s)`);
  console.log(failures.length ? `recovery-soak: FAIL\n  - ${failures.join('\n  - ')}` : 'recovery-soak: PASS');
  console.log(`recovery-soak: report written to ${path.relative(ROOT, REPORT)}`);
  return failures.length ? 1 : 0;
}

function quantiles(xs) {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return s.length ? { min: s[0], median: s[Math.floor(s.length / 2)], p95: s[Math.floor(s.length * 0.95)], max: s.at(-1) } : null;
}

function print(r) {
  console.log('\n==================== recovery soak report ====================');
  console.log(`${r.cuts} cuts of ${r.inCut} events (one every ${r.everyMs} ms per channel), ${r.durationS} s`);
  for (const [k, v] of Object.entries(r.byKind)) console.log(`  ${k.padEnd(9)} ${v.done} done, ${v.recovered} recovered; cut ms median ${v.cutMs?.median} max ${v.cutMs?.max}`);
  console.log('  channel                          published  during-cuts  delivered(cuts)  delivered  lost  dups  resumed/recovered  replayed  downtime ms median/max');
  for (const c of r.channels) {
    console.log(`  ${c.channel.padEnd(32)} ${String(c.published).padStart(9)} ${String(c.publishedDuringCuts).padStart(12)} ${String(c.deliveredDuringCutsAfterResume).padStart(16)} ${String(c.delivered).padStart(10)} ${String(c.lost).padStart(5)} ${String(c.duplicates).padStart(5)} ${`${c.resumed}/${c.recovered}`.padStart(18)} ${String(c.replayed).padStart(9)}  ${c.downtimeMs?.median}/${c.downtimeMs?.max}`);
  }
  console.log(`  proxy connections accepted ${r.proxyConnectionsAccepted} (${r.heldDuringBlackholes} held in blackholes), page errors ${r.pageErrors.length}`);
}
