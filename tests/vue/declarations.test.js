// The declared JS surface against the runtime one, so the hand-kept `pkg/index.d.ts` and
// `pkg/vue.d.ts` cannot drift from `pkg/index.js`, `pkg/vue.js` and the wasm classes:
// - every value the declarations export (class, function, const, default) is exported at
//   runtime with that kind, and every runtime export is declared;
// - every member a declared class (or an interface extending it) names exists on the runtime
//   prototype, and every public runtime method is declared;
// - `diagnose()`, its channel entries and a thrown `EchoError` have exactly the declared keys.
// The declarations are read with the TypeScript compiler's parser, the runtime by importing
// the real modules (the wasm read from disk, as in SSR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { echoVue } from './support/load.js';

const index = await import(new URL('../../pkg/index.js', import.meta.url).href);
await index.ready; // the wasm loaded: `new Echo(badOptions)` throws synchronously, as compared below

/** The exported declarations of a `.d.ts`: values (name -> kind), classes and interfaces. */
function declarations(file) {
  const path = new URL(`../../pkg/${file}`, import.meta.url);
  const source = ts.createSourceFile(file, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const values = new Map();
  const types = new Map(); // class or interface name -> { kind, extends, members: Map(name -> optional) }
  const exported = (node) => node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const membersOf = (node) => {
    const members = new Map();
    for (const member of node.members ?? []) {
      if (!member.name || ts.isConstructorDeclaration(member)) continue;
      if (member.modifiers?.some((m) => m.kind === ts.SyntaxKind.ProtectedKeyword || m.kind === ts.SyntaxKind.PrivateKeyword)) continue;
      members.set(member.name.getText(source), { optional: Boolean(member.questionToken), type: member.type });
    }
    return members;
  };
  const heritage = (node) => (node.heritageClauses ?? []).flatMap((c) => c.types.map((t) => t.expression.getText(source)));
  for (const node of source.statements) {
    if (ts.isFunctionDeclaration(node) && exported(node)) values.set(node.name.text, 'function');
    else if (ts.isClassDeclaration(node) && exported(node)) {
      values.set(node.name.text, 'class');
      types.set(node.name.text, { kind: 'class', extends: heritage(node), members: membersOf(node) });
    } else if (ts.isInterfaceDeclaration(node) && exported(node)) {
      types.set(node.name.text, { kind: 'interface', extends: heritage(node), members: membersOf(node) });
    } else if (ts.isVariableStatement(node) && exported(node)) {
      for (const d of node.declarationList.declarations) values.set(d.name.getText(source), 'const');
    } else if (ts.isExportAssignment(node)) values.set('default', node.expression.getText(source));
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.exportClause) {
      for (const e of node.exportClause.elements) if (!e.isTypeOnly) values.set(e.name.text, 're-export');
    }
  }
  return { values, types };
}

function checkValues(file, runtime) {
  const { values } = declarations(file);
  for (const [name, kind] of values) {
    assert.ok(name in runtime, `${file} declares the value \`${name}\` (${kind}), but the runtime module does not export it`);
    if (kind === 'class' || kind === 'function') {
      assert.equal(typeof runtime[name], 'function', `${file}: \`${name}\` is declared as a ${kind}`);
    }
    if (name === 'default') assert.equal(runtime.default, runtime[kind], `${file}: the default export is \`${kind}\``);
  }
  for (const name of Object.keys(runtime)) {
    assert.ok(values.has(name), `the runtime module of ${file} exports \`${name}\`, which ${file} does not declare`);
  }
  return values;
}

test('every value index.d.ts declares is exported by pkg/index.js, and nothing undeclared is', () => {
  const values = checkValues('index.d.ts', index);
  assert.ok(values.size >= 5, `read ${values.size} declared values`);
  for (const name of ['PrivateChannel', 'EncryptedPrivateChannel', 'PresenceChannel']) {
    assert.ok(!values.has(name), `${name} is a type (every channel is a Channel at runtime), not a declared value`);
  }
});

test('every value vue.d.ts declares is exported by pkg/vue.js, and nothing undeclared is', () => {
  const values = checkValues('vue.d.ts', echoVue);
  assert.ok(values.size >= 16, `read ${values.size} declared values`);
});

/** Public method and accessor names on a runtime class's prototype chain (below Object). */
function runtimeMembers(cls) {
  const names = new Set();
  for (let proto = cls.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
  }
  names.delete('constructor');
  // wasm-bindgen's own: `free()` releases the Rust object, `__destroy_into_raw` is internal.
  names.delete('free');
  names.delete('__destroy_into_raw');
  return names;
}

test('the declared members of Echo, Connector and every channel type exist at runtime, and every runtime member is declared', () => {
  const { types } = declarations('index.d.ts');
  // The channel interfaces all describe the one runtime class `Channel`.
  const family = (root) => [...types].filter(([name]) => {
    for (let at = name; at; at = types.get(at)?.extends[0]) if (at === root) return true;
    return false;
  });
  for (const [runtimeName, cls] of [['Echo', index.Echo], ['Connector', index.Connector], ['Channel', index.Channel]]) {
    const declared = new Set(family(runtimeName).flatMap(([, t]) => [...t.members.keys()]));
    const runtime = runtimeMembers(cls);
    assert.ok(declared.size >= 5 && runtime.size >= 5, `${runtimeName}: read ${declared.size} declared, ${runtime.size} runtime members`);
    for (const name of declared) assert.ok(runtime.has(name), `index.d.ts declares ${runtimeName}.${name}, which the runtime class lacks`);
    for (const name of runtime) assert.ok(declared.has(name), `the runtime ${runtimeName} has \`${name}\`, which index.d.ts does not declare`);
  }
});

/** The property names of an interface, or of the type literal (or array of one) a member has. */
function keysOf(typeNode) {
  let node = typeNode;
  if (node && ts.isUnionTypeNode(node)) node = node.types.find((t) => ts.isTypeLiteralNode(t));
  if (node && ts.isTypeReferenceNode(node) && node.typeName.getText() === 'Array') node = node.typeArguments[0];
  if (node && ts.isArrayTypeNode(node)) node = node.elementType;
  assert.ok(node && ts.isTypeLiteralNode(node), 'a type literal');
  return new Map(node.members.map((m) => [m.name.getText(), Boolean(m.questionToken)]));
}

/** Asserts `object`'s own keys are the declared ones (optional ones may be absent). */
function sameKeys(what, object, declared) {
  for (const key of Object.keys(object)) assert.ok(declared.has(key), `${what} has \`${key}\`, which index.d.ts does not declare`);
  for (const [key, optional] of declared) {
    if (!optional) assert.ok(key in object, `index.d.ts declares ${what}.${key}, which the runtime object lacks`);
  }
}

test('diagnose(), its channel and error entries, and a thrown EchoError have exactly the declared keys', () => {
  const { types } = declarations('index.d.ts');
  const warn = console.warn;
  console.warn = () => {}; // the unreachable server's one console line
  const echo = new index.Echo({ broadcaster: 'reverb', key: 'app-key', wsHost: '127.0.0.1', wsPort: 9, forceTLS: false, withoutInterceptors: true });
  try {
    echo.channel('orders');
    echo.join('room');
    const diagnosis = echo.diagnose();
    const declared = new Map([...types.get('Diagnosis').members].map(([k, m]) => [k, m.optional]));
    sameKeys('diagnose()', diagnosis, declared);
    const channels = types.get('Diagnosis').members.get('channels').type;
    assert.ok(diagnosis.channels.length >= 2, 'two channels to compare');
    for (const entry of diagnosis.channels) sameKeys('diagnose().channels[i]', entry, keysOf(channels));
    assert.equal(diagnosis.channels.find((c) => c.name === 'presence-room').members, 0, 'a presence entry carries members');
    // Node has no WebSocket: the attempt fails at once and is recorded.
    assert.ok(diagnosis.lastErrors.length >= 1, 'an error entry to compare');
    const lastErrors = types.get('Diagnosis').members.get('lastErrors').type;
    for (const entry of diagnosis.lastErrors) sameKeys('diagnose().lastErrors[i]', entry, keysOf(lastErrors));
  } finally {
    echo.destroy();
    console.warn = warn;
  }
  let thrown;
  try {
    new index.Echo({ broadcaster: 'reverb' });
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof Error, 'a config error is thrown');
  const errorKeys = new Map([...types.get('EchoError').members].map(([k, m]) => [k, m.optional]));
  for (const [key] of errorKeys) assert.ok(key in thrown, `index.d.ts declares EchoError.${key}, which the thrown error lacks`);
  for (const key of Object.keys(thrown)) {
    assert.ok(errorKeys.has(key) || key === 'message' || key === 'stack', `the thrown EchoError has \`${key}\`, which index.d.ts does not declare`);
  }
});

/** The option keys `new Echo(options)` reads: `EchoOptions`' serde field names in src/api/options.rs. */
function rustOptionKeys() {
  const source = readFileSync(new URL('../../src/api/options.rs', import.meta.url), 'utf8');
  const body = /pub struct EchoOptions \{([\s\S]*?)\n\}/.exec(source)?.[1];
  assert.ok(body, 'EchoOptions in src/api/options.rs');
  assert.match(source, /#\[serde\(default, rename_all = "camelCase"\)\]\s*pub struct EchoOptions/, 'camelCase field names');
  const keys = [];
  let rename = null;
  for (const line of body.split('\n').map((l) => l.trim())) {
    const renamed = /^#\[serde\(rename = "([^"]+)"\)\]$/.exec(line);
    if (renamed) { rename = renamed[1]; continue; }
    const field = /^([a-z_][a-z0-9_]*):/.exec(line);
    if (!field) continue;
    keys.push(rename ?? field[1].replace(/_([a-z])/g, (_, c) => c.toUpperCase()));
    rename = null;
  }
  return keys;
}

test('EchoOptions in index.d.ts declares exactly the options the wasm reads', () => {
  const { types } = declarations('index.d.ts');
  const declared = new Set(types.get('EchoOptions').members.keys());
  const read = rustOptionKeys();
  assert.ok(read.length >= 20, `read ${read.length} option keys from src/api/options.rs`);
  for (const key of read) assert.ok(declared.has(key), `the wasm reads option \`${key}\`, which index.d.ts's EchoOptions does not declare`);
  for (const key of declared) assert.ok(read.includes(key), `index.d.ts declares option \`${key}\`, which the wasm never reads`);
});
