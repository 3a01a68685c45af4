// Reads `twiggy top -f csv` on stdin; prints shallow bytes per crate (top 20).
import { readFileSync } from 'node:fs';
const lines = readFileSync(0, 'utf8').trim().split('\n').slice(1);
const by = new Map();
let total = 0;
for (const line of lines) {
  const m = /^("(?:[^"]|"")*"|[^,]*),(\d+),/.exec(line);
  if (!m) continue;
  const name = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
  const bytes = m[2];
  const b = Number(bytes);
  let key;
  if (/function names|subsection|custom section/.test(name)) continue;
  if (/^data segment|^data\[/.test(name)) key = '(data segments)';
  else {
    const n = name.replace(/^<+/, '').replace(/^\w+ as /, '');
    const crate = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(n);
    key = crate ? crate[1] : '(other)';
    if (key === 'echo_wasm') { const mod = /^echo_wasm::(\w+)/.exec(n); if (mod) key = `echo_wasm::${mod[1]}`; }
  }
  by.set(key, (by.get(key) || 0) + b); total += b;
}
console.log(`${'crate or module'.padEnd(32)} ${'bytes'.padStart(8)}     %`);
for (const [k, b] of [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${k.padEnd(32)} ${String(b).padStart(8)} ${((b / total) * 100).toFixed(1).padStart(5)}`);
console.log(`${'total'.padEnd(32)} ${String(total).padStart(8)}`);
