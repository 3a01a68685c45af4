// echo-wasm package entry. No top-level await: importing starts loading the WebAssembly module
// in the background (load.js) and returns at once; `new Echo(options)` is synchronous and the
// calls made before the wasm is ready are applied in order once it is (facade.js, queue.js).
// `ready` (and `echo.ready`) say when. Importing touches no `window`: in Node (SSR, tests) the
// module is read from disk.
import { Echo } from './facade.js';

export default Echo;
export { Echo, Connector, Channel, ready } from './facade.js';

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
