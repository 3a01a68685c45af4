// The error the package raises when the wasm cannot be loaded (there is no wasm to build it):
// the `wasm_load_failed` row of src/error.rs' code table, which the README's Troubleshooting
// table is generated from; tests/readme_codes.rs checks these strings against that row.

export const WASM_LOAD_FAILED = 'wasm_load_failed';
const CAUSE = "The WebAssembly module (`dist/echo_wasm_bg.wasm`) could not be loaded: an HTTP error such as 404, a network error, bytes that are not that module, or a Content Security Policy that forbids compiling WebAssembly. Nothing connects; `ready` rejects and every other call does nothing.";
const REMEDY = "Serve the package's `dist/echo_wasm_bg.wasm` with the app's built assets at the URL in the message, with `Content-Type: application/wasm`, and allow `'wasm-unsafe-eval'` in the page's `script-src` Content Security Policy.";

/** The thrown-style `EchoError` (`name`, `code`, `message`) for a failed load. */
export function loadFailed(cause) {
  const detail = String(cause?.message ?? cause);
  const error = new Error(`${CAUSE} (${detail}) ${REMEDY}`, { cause });
  error.name = 'EchoError';
  error.code = WASM_LOAD_FAILED;
  return error;
}
