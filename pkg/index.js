// echo-wasm package entry: loads the WebAssembly module once (top-level await), then
// exports the Echo class so that `new Echo(options)` is synchronous, as with laravel-echo.
// Importing touches no `window`: in Node (SSR, tests) the module is read from disk.
import init, { Echo, Channel, Connector } from './dist/echo_wasm.js';

const wasmUrl = new URL('./dist/echo_wasm_bg.wasm', import.meta.url);

async function load() {
  if (wasmUrl.protocol === 'file:') {
    const fsModule = 'node:fs/promises';
    const { readFile } = await import(/* @vite-ignore */ fsModule);
    return init({ module_or_path: await readFile(wasmUrl) });
  }
  return init({ module_or_path: wasmUrl });
}

await load();

export default Echo;
export { Echo, Channel, Connector };

/**
 * Adds `X-Socket-ID` (the current socket id) to fetch init headers, so that Laravel's
 * `broadcast(...)->toOthers()` can exclude this client.
 */
export function withSocketId(echo, init = {}) {
  const socketId = echo.socketId();
  if (!socketId) return init;
  const headers = new Headers(init.headers || {});
  headers.set('X-Socket-ID', socketId);
  return { ...init, headers };
}

/** A `fetch` that always sends `X-Socket-ID` (see `withSocketId`). */
export function socketIdFetch(echo, fetchImpl = globalThis.fetch) {
  return (input, init) => fetchImpl(input, withSocketId(echo, init));
}
