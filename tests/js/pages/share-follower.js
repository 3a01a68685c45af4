// The follower side of the follower run (suite pkg-browser-shared: ECHO_TEST_SHARE_CONNECTION=1,
// pages opened with &share=1). A classic script, so it runs before the page's module and before
// any Echo exists. Without &share=1 it changes nothing: `options(o)` returns `o`, `made(e)` `e`.
//
// With &share=1, every Echo the page builds (`makeEcho` in echo.html, `echoOptions` in
// vue.html) gets `shareConnection: true`, and its options go first to the leader tab
// (leader.html, opened first in the context by support.mjs), which makes a sharing Echo with
// the same options and answers once that one's role is settled. Until every such answer is in,
// this page's Web Locks requests (`LockManager.prototype.request`) wait: the page's Echo then
// finds the lock held by the leader tab and becomes a follower, whatever its options (bearer
// token, auth endpoint, port...). Delaying a lock request is only what a slow tab looks like.
// Each Echo's settled `diagnose().sharing` goes to the test process (`__shareReport`, a
// Playwright binding) for the run's tally (tests/share/follower-tally.mjs).
(() => {
  const follower = { enabled: false, options: (o) => o, made: (echo) => echo };
  window.shareFollower = follower;
  if (new URLSearchParams(location.search).get('share') !== '1') return;
  follower.enabled = true;

  const bus = new BroadcastChannel('echo-test-leader');
  const waiting = new Map();
  bus.onmessage = ({ data }) => {
    const resolve = data && data.type === 'made' && waiting.get(data.id);
    if (resolve) { waiting.delete(data.id); resolve(data); }
  };
  let pending = Promise.resolve();
  const locks = typeof LockManager !== 'undefined' ? LockManager.prototype : null;
  if (locks && typeof locks.request === 'function') {
    const request = locks.request;
    locks.request = function (...args) { return pending.then(() => request.apply(this, args)); };
  }

  // The options as plain data (functions left out; a throwing getter makes it null: not mirrored).
  const plain = (v, depth = 0) => {
    if (depth > 8) throw new Error('too deep');
    if (typeof v === 'function') return undefined;
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
    const out = {};
    for (const k of Object.keys(v)) {
      const x = plain(v[k], depth + 1);
      if (x !== undefined) out[k] = x;
    }
    return out;
  };
  const report = (rec) => { try { window.__shareReport && window.__shareReport({ page: location.pathname, ...rec }); } catch {} };

  let last = null;
  follower.options = (o) => {
    let copy = null;
    try { copy = plain(o); } catch { copy = null; }
    last = { mirrored: copy !== null, leader: null };
    const rec = last;
    if (copy !== null) {
      const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const answer = new Promise((resolve) => {
        waiting.set(id, resolve);
        // No leader tab answering (a context opened without one): go on after 15 s, recorded.
        setTimeout(() => { if (waiting.delete(id)) resolve({ role: 'no-answer' }); }, 15000);
        bus.postMessage({ type: 'make', id, options: copy });
      });
      pending = pending.then(() => answer).then((a) => { rec.leader = a.role; });
    } else {
      report({ role: 'not-mirrored', mirrored: false });
    }
    return { shareConnection: true, ...o };
  };
  follower.made = (echo) => {
    const rec = last;
    if (!rec || !rec.mirrored) return echo;
    // Report this Echo's role once it is settled (or what it is after 10 s, or that it ended).
    const start = Date.now();
    const poll = () => {
      let s;
      try { s = echo.diagnose().sharing; } catch (e) { return report({ role: 'ended', leader: rec.leader }); }
      // Settled: leading, attached as a follower (tabs > 0: before that a follower waits), or solo.
      const settled = s && (s.role === 'leader' || (s.role === 'follower' && s.tabs > 0) || (s.role === 'solo' && s.reason));
      if (settled && rec.leader !== null) {
        return report({ role: s.role, reason: s.reason ?? null, tabs: s.tabs ?? null, leader: rec.leader });
      }
      if (Date.now() - start > 10000) return report({ role: (s && s.role) || 'unsettled', leader: rec.leader });
      setTimeout(poll, 50);
    };
    pending.then(poll);
    return echo;
  };
})();
