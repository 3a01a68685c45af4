// The README's deployment section is the tested configuration (issue #17): every block marked
// `<!-- file: PATH -->` is that file verbatim, every deploy/ file has its block, and the running
// topology was configured from these files (the nginx include and each node's env are the files
// with only their ${...} placeholders filled in; the pages are served deploy/echo.js itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, topo, proxyOrigin, APP } from './topo.mjs';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/<!-- file: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)].map((m) => ({ file: m[1], text: m[2] }));
const deployFiles = ['deploy/nginx/echo-wasm.conf', 'deploy/sockudo-cluster.env', 'deploy/echo.js'];

/** Fills ${NAME} from `values`; every placeholder must be given one. */
function render(text, values) {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name) => {
    assert.ok(name in values, `a value for \${${name}}`);
    return values[name];
  });
}

test('every deploy/ file is in the README verbatim, and every README file block is its file', () => {
  assert.deepEqual(blocks.map((b) => b.file).sort(), [...deployFiles].sort(), 'one block per deploy/ file');
  for (const { file, text } of blocks) {
    assert.equal(text, fs.readFileSync(path.join(ROOT, file), 'utf8'), `README block of ${file} equals the file`);
  }
});

test('the running topology was configured from the deploy/ files', async () => {
  const read = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8');
  const n = topo.nodePorts;
  const nginx = render(read('deploy/nginx/echo-wasm.conf'), {
    SOCKUDO_1: `127.0.0.1:${n[0]}`, SOCKUDO_2: `127.0.0.1:${n[1]}`, SOCKUDO_3: `127.0.0.1:${n[2]}`,
    LISTEN: `127.0.0.1:${topo.proxyPort}`, SERVER_NAME: '127.0.0.1',
    TLS_CERT: path.join(topo.dir, 'cert.pem'), TLS_KEY: path.join(topo.dir, 'key.pem'),
    LARAVEL_APP: `127.0.0.1:${process.env.ECHO_TOPO_BACKEND_PORT}`,
  });
  assert.equal(fs.readFileSync(path.join(topo.dir, 'echo-wasm.conf'), 'utf8'), nginx, 'nginx runs the rendered deploy file');
  assert.match(fs.readFileSync(path.join(topo.dir, 'nginx.conf'), 'utf8'), new RegExp(`\\n\\s*include ${path.join(topo.dir, 'echo-wasm.conf').replace(/[.]/g, '\\.')};`));
  for (const i of [1, 2, 3]) {
    const env = render(read('deploy/sockudo-cluster.env'), {
      HOST: '127.0.0.1', PORT: String(n[i - 1]), NODE_ID: `node-${i}`, REDIS_CLUSTER_NODES: process.env.ECHO_TOPO_REDIS_NODES,
      ACTIVITY_TIMEOUT: String(topo.activityTimeout), APP_ID: APP.id, APP_KEY: APP.key, APP_SECRET: APP.secret,
    });
    assert.equal(fs.readFileSync(path.join(topo.dir, `node-${i}`, 'sockudo.env'), 'utf8'), env, `node ${i} runs the rendered env file`);
  }
  // The pages' client code is deploy/echo.js, fetched through the proxy.
  const served = await (await fetch(`${proxyOrigin()}/deploy/echo.js`)).text();
  assert.equal(served, read('deploy/echo.js'));
});
