#!/usr/bin/env node
// The crate's module graph, checked: no module imports a module that imports it back (no
// cycle of any length), and dependencies point api -> web -> core, never up.
//
// Every reference to another module counts, not only `use` lines: `crate::a::b` anywhere in
// code, `super::x` (the parent, or a sibling through it), `self::x`, and a path starting with
// a child module's name (`link::Link` in engine/mod.rs). Comments and string literals are
// ignored. `mod x;` declarations are not imports. Layers: `api/` (the JS facade), `web/` (the
// browser edge), everything else is the core. The crate root (`lib.rs`) is a module too: its
// re-exports (`pub use engine::Engine`) are edges, so a module under it that reaches an item
// of the root (`crate::Millis`, `crate::Engine`) closes a cycle.
//
// Usage: node scripts/layers.mjs [SRC_DIR]   (default: src). Exit 1 and a list on failure;
// with --graph, prints every edge.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const showGraph = args.includes('--graph');
const root = args.find((a) => !a.startsWith('--')) ?? join(fileURLToPath(new URL('..', import.meta.url)), 'src');

/** Every `.rs` file under `dir`, as its module path (`crate::web::client`). */
function modules(dir) {
  const found = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.rs')) {
        const parts = relative(dir, path).slice(0, -3).split(sep);
        if (parts.at(-1) === 'mod' || parts.at(-1) === 'lib') parts.pop();
        found.set(['crate', ...parts].join('::'), path);
      }
    }
  };
  walk(dir);
  return found;
}

/** Rust source without comments, string and char literals (so doc text never counts). */
function code(text) {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const two = text.slice(i, i + 2);
    if (two === '//') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (two === '/*') {
      let depth = 0;
      do {
        if (text.startsWith('/*', i)) { depth++; i += 2; } else if (text.startsWith('*/', i)) { depth--; i += 2; } else i++;
      } while (depth > 0 && i < text.length);
    } else if (/^r#*"/.test(text.slice(i, i + 10)) && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      const hashes = /^r(#*)"/.exec(text.slice(i))[1];
      const end = text.indexOf(`"${hashes}`, i + 2 + hashes.length);
      i = end < 0 ? text.length : end + 1 + hashes.length;
      out += '""';
    } else if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      out += '""';
    } else if (text[i] === "'" && /^'(\\.|[^\\'])'/u.test(text.slice(i, i + 12))) {
      i += /^'(\\.|[^\\'])'/u.exec(text.slice(i))[0].length; // a char literal (not a lifetime)
      out += "' '";
    } else {
      out += text[i++];
    }
  }
  return out;
}

/** Expands `use` trees into full paths: `a::{b, c::{d, e}}` -> `a::b`, `a::c::d`, `a::c::e`. */
function expand(tree) {
  tree = tree.replace(/\s+/g, '');
  const brace = tree.indexOf('{');
  if (brace < 0) return [tree.replace(/::\*$/, '').replace(/as\w+$/, '')];
  const prefix = tree.slice(0, brace);
  const inner = tree.slice(brace + 1, tree.lastIndexOf('}'));
  const items = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    if (inner[i] === '{') depth++;
    else if (inner[i] === '}') depth--;
    else if ((inner[i] === ',' || i === inner.length) && depth === 0) {
      if (i > start) items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  return items.flatMap((item) => expand(item === 'self' ? prefix.replace(/::$/, '') : prefix + item));
}

const all = modules(root);
const parentOf = (m) => m.split('::').slice(0, -1).join('::');
const layerOf = (m) => (m.startsWith('crate::api') ? 2 : m.startsWith('crate::web') ? 1 : 0);
const layerName = ['core', 'web', 'api'];

/** The module a path names: its longest prefix that is a module. */
function target(path) {
  const parts = path.split('::');
  for (let n = parts.length; n > 0; n--) {
    const candidate = parts.slice(0, n).join('::');
    if (all.has(candidate)) return candidate;
  }
  return null;
}

/** The ranges of inline `mod name { ... }` blocks (e.g. `mod tests`) in stripped code. */
function inlineModules(text) {
  const ranges = [];
  for (const m of text.matchAll(/\bmod\s+\w+\s*\{/g)) {
    let depth = 0;
    let i = m.index + m[0].length - 1;
    for (; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) break;
    }
    ranges.push([m.index, i]);
  }
  return ranges;
}

/**
 * Turns a path relative to `from` (super::, self::, a child's name) into a crate path.
 * `inline`: how many inline modules the path sits in (their `super::` is still this file).
 */
function absolute(from, path, inline) {
  const isDir = /(^|[\\/])(mod|lib)\.rs$/.test(all.get(from));
  let base = from;
  const parts = path.split('::');
  if (parts[0] === 'crate') return path;
  if (parts[0] === 'self') { parts.shift(); return inline ? null : [base, ...parts].join('::'); }
  if (parts[0] === 'super') {
    while (parts[0] === 'super' && inline > 0) { parts.shift(); inline--; }
    if (parts[0] !== 'super') return [base, ...parts].join('::');
    while (parts[0] === 'super') { parts.shift(); base = parentOf(base); }
    return [base, ...parts].join('::');
  }
  // A bare path: a child module of a directory module (`link::Link` in engine/mod.rs).
  if (isDir && all.has(`${from}::${parts[0]}`)) return `${from}::${path}`;
  return null;
}

const edges = new Map([...all.keys()].map((m) => [m, new Map()])); // from -> (to -> line)
for (const [module, file] of all) {
  const text = code(readFileSync(file, 'utf8'));
  const refs = [];
  const inline = inlineModules(text);
  const depthAt = (index) => inline.filter(([a, b]) => a < index && index < b).length;
  const lineOf = (index) => text.slice(0, index).split('\n').length;
  // `use` trees (may span lines).
  for (const m of text.matchAll(/\buse\s+([^;]+);/g)) {
    for (const path of expand(m[1])) refs.push([path, lineOf(m.index), depthAt(m.index)]);
  }
  // Paths anywhere in code.
  for (const m of text.matchAll(/(?<![\w:])((?:crate|super|self)(?:::\w+)+)/g)) refs.push([m[1], lineOf(m.index), depthAt(m.index)]);
  if (/(^|[\\/])(mod|lib)\.rs$/.test(file)) {
    for (const m of text.matchAll(/(?<![\w:])([a-z_][a-z0-9_]*)::\w+/g)) {
      if (all.has(`${module}::${m[1]}`) && !/\bmod\s+$/.test(text.slice(Math.max(0, m.index - 8), m.index))) {
        refs.push([m[1] + text.slice(m.index + m[1].length).match(/^(::\w+)+/)[0], lineOf(m.index), depthAt(m.index)]);
      }
    }
  }
  for (const [path, line, depth] of refs) {
    const full = absolute(module, path, depth);
    if (!full) continue;
    const to = target(full);
    if (!to || to === module) continue;
    if (!edges.get(module).has(to)) edges.get(module).set(to, line);
  }
}

const problems = [];
const rel = (m) => relative(process.cwd(), all.get(m));
for (const [from, tos] of edges) {
  for (const [to, line] of tos) {
    if (layerOf(to) > layerOf(from)) {
      problems.push(`upward: ${from} (${layerName[layerOf(from)]}) uses ${to} (${layerName[layerOf(to)]}) at ${rel(from)}:${line}`);
    }
  }
}

// Cycles: strongly connected components (Tarjan) with more than one module.
let index = 0;
const stack = [];
const meta = new Map();
const components = [];
function connect(v) {
  meta.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of edges.get(v).keys()) {
    if (!meta.has(w)) { connect(w); meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low); }
    else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do { w = stack.pop(); meta.get(w).onStack = false; component.push(w); } while (w !== v);
    if (component.length > 1) components.push(component);
  }
}
for (const v of edges.keys()) if (!meta.has(v)) connect(v);
for (const component of components) {
  const members = new Set(component);
  const inside = component.flatMap((from) => [...edges.get(from)].filter(([to]) => members.has(to)).map(([to, line]) => `${from} -> ${to} (${rel(from)}:${line})`));
  problems.push(`cycle among ${component.sort().join(', ')}:\n    ${inside.join('\n    ')}`);
}

if (showGraph) {
  for (const [from, tos] of edges) for (const [to, line] of tos) console.log(`${from} -> ${to}  ${rel(from)}:${line}`);
}
const edgeCount = [...edges.values()].reduce((n, t) => n + t.size, 0);
if (problems.length) {
  console.error(`layers: ${problems.length} problem(s) in ${all.size} modules, ${edgeCount} edges:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`layers: ${all.size} modules, ${edgeCount} edges: no cycles, nothing points up (api -> web -> core)`);
