// CPU profile and allocation summaries for the profile section of run.mjs: self time per
// function and per part of the per-event work (from a CDP Profiler profile), and JS heap
// bytes allocated per event (from a CDP sampling heap profile).

/** JS heap bytes allocated per event by function (CDP sampling heap profiler, objects a
 * minor or major GC collected included): what each client allocates per event. */
export async function allocationsPerEvent(page, kind, n, gc) {
  await gc(page);
  await page.cdp.send('HeapProfiler.enable');
  await page.cdp.send('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  await page.evaluate(([n, k]) => B.cpuRun(n, k), [n, kind]);
  const { profile } = await page.cdp.send('HeapProfiler.stopSampling');
  const by = new Map();
  let total = 0;
  const walk = (node) => {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}${f.functionName ? '' : `:${f.lineNumber + 1}`}`;
    if (node.selfSize) { by.set(key, (by.get(key) || 0) + node.selfSize); total += node.selfSize; }
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  return { bytesPerEvent: total / n, top: [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([fn, b]) => ({ fn, bytesPerEvent: b / n })) };
}
/** The part of the per-event work a profile node belongs to (self time only). V8 counts a
 * builtin (JSON.parse, a getter) as the self time of the JS function that calls it: the
 * floor's parses are in its `ws.onmessage`, echo-wasm's in the wasm-bindgen glue import. */
function partOf(f, source) {
  const name = f.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (f.url.endsWith('bench.js')) {
    if (name === 'ws.onmessage') return 'floor onmessage (2 JSON.parse, compare)';
    if (name === 'cpuRun') return 'driving loop';
    return name ? `bench.js ${name}` : 'listener';
  }
  if (name === 'wasm-to-js' || name.startsWith('js-to-wasm')) return 'JS<->wasm transitions';
  if (name === 'now' && !f.url) return 'clock (performance.now)';
  if (f.url.endsWith('.wasm')) return 'wasm (Rust)';
  if (f.url.endsWith('echo_wasm.js')) {
    const src = `${name} ${source || ''}`;
    if (/JSON\.parse/.test(src)) return 'JSON.parse (glue)';
    if (/__wbg_data_/.test(src)) return 'getters: MessageEvent.data, frame.data (glue)';
    if (/__wbg_(event|channel|user_id)_/.test(src)) return 'getters: frame.event/channel/user_id (glue)';
    if (/string_get|passStringToWasm|encodeInto|getStringFromWasm|decodeText/.test(src)) return 'string copies into Rust (glue)';
    if (/__wbg_now_/.test(src)) return 'clock (performance.now)';
    if (/__wbg_call_/.test(src)) return 'listener call (glue)';
    return 'other glue';
  }
  return 'other (V8, Playwright)';
}
export function summariseProfile(profile, n, glue = []) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  const parts = {};
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const f = byId.get(profile.samples[i]).callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
    const file = f.url ? f.url.replace(/^.*\//, '') : '';
    const key = `${f.functionName || '(anonymous)'}${file ? ` ${file}${f.functionName ? '' : `:${f.lineNumber + 1}`}` : ''}`;
    const source = file === 'echo_wasm.js' ? glue.slice(f.lineNumber, f.lineNumber + 2).map((l) => l.trim()).join(' ').slice(0, 110) : null;
    const part = partOf(f, source);
    parts[part] = (parts[part] || 0) + dt / n;
    const row = self.get(key) || { us: 0, source, part };
    row.us += dt;
    self.set(key, row);
    total += dt;
  }
  const top = [...self.entries()].sort((a, b) => b[1].us - a[1].us).slice(0, 20)
    .map(([fn, x]) => ({ fn, ms: x.us / 1000, pct: (x.us / total) * 100, usPerEvent: x.us / n, part: x.part, ...(x.source ? { source: x.source } : {}) }));
  return { top, parts: Object.fromEntries(Object.entries(parts).sort((a, b) => b[1] - a[1])) };
}
