// 4. Shipped size: a minimal Vite production app per client (same listener code, bench/apps/),
// bytes of JS + wasm emitted: raw, gzip -9, brotli (quality 11), with Node's zlib.
import { build } from 'vite';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import path from 'node:path';

export const SIZE_APPS = [
  { name: 'floor', label: 'floor (bare WebSocket)' },
  { name: 'reference', label: 'reference (pusher-js + laravel-echo)' },
  { name: 'reference-encryption', label: 'reference with encryption (pusher-js/with-encryption + laravel-echo)' },
  { name: 'echo-wasm', label: 'echo-wasm (encryption always included)' },
];

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export async function measureSizes({ benchDir }) {
  const out = { vite: JSON.parse(readFileSync(path.join(benchDir, 'node_modules/vite/package.json'), 'utf8')).version, apps: {} };
  for (const app of SIZE_APPS) {
    const root = path.join(benchDir, 'apps', app.name);
    const outDir = path.join(benchDir, 'results', 'size', app.name);
    await build({
      root, configFile: false, logLevel: 'warn', mode: 'production',
      build: { outDir, emptyOutDir: true, assetsInlineLimit: 0, reportCompressedSize: false },
      optimizeDeps: { exclude: ['echo-wasm'] }, // dev only; harmless in build
    });
    const files = walk(outDir).filter((f) => /\.(m?js|wasm)$/.test(f)).map((f) => {
      const bytes = readFileSync(f);
      return { file: path.relative(outDir, f), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length,
        brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length };
    });
    const total = files.reduce((t, f) => ({ raw: t.raw + f.raw, gzip: t.gzip + f.gzip, brotli: t.brotli + f.brotli }), { raw: 0, gzip: 0, brotli: 0 });
    out.apps[app.name] = { label: app.label, files, total };
    console.log(`bench: size: ${app.name}: raw ${total.raw} B, gzip -9 ${total.gzip} B, brotli ${total.brotli} B (${files.map((f) => f.file).join(', ')})`);
  }
  return out;
}
