// A static server for one built app of the load benchmark: every file of `dir` compressed
// once with gzip -9 and served with `Content-Encoding: gzip`, its Content-Type (wasm as
// application/wasm) and `Cache-Control: no-store`, on 127.0.0.1 and a free port. Records every
// request so the benchmark can say what a page load fetched.
import http from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon', '.map': 'application/json',
};

export function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The files of `dir` as served: url path -> { raw, gzip (bytes), type }. */
export function gzipFiles(dir) {
  const files = new Map();
  for (const file of walk(dir)) {
    const raw = readFileSync(file);
    const type = TYPES[path.extname(file)] || 'application/octet-stream';
    files.set('/' + path.relative(dir, file).split(path.sep).join('/'), { raw: raw.length, gzip: gzipSync(raw, { level: 9 }), type });
  }
  return files;
}

/** Starts the server; resolves to { url, files, requests, close() }. */
export async function startGzipServer(dir) {
  const files = gzipFiles(dir);
  const requests = [];
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const key = pathname === '/' ? '/index.html' : pathname;
    const f = files.get(key);
    requests.push({ path: key, status: f ? 200 : 404 });
    if (!f) { res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('not found'); return; }
    const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] || '');
    const body = gzip ? f.gzip : readFileSync(path.join(dir, key));
    res.writeHead(200, {
      'Content-Type': f.type, 'Content-Length': body.length, 'Cache-Control': 'no-store', Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`, files, requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
