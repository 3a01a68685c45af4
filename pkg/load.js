// Loads the WebAssembly module: its URL (the literal `new URL(..., import.meta.url)` form
// bundlers detect and emit as an asset) and the init call. Called once, by facade.js, when the
// package is imported: the download starts at import and runs in the background. In Node (SSR,
// tests) the module is read from disk. Rejects with an Error whose message names the URL.
import init from './dist/echo_wasm.js';

const assetUrl = new URL('./dist/echo_wasm_bg.wasm', import.meta.url);
// Vite 5 to 7 in dev pre-bundle the package into <app>/node_modules/.vite/deps/ without
// rewriting that URL (vitejs/vite#8427), so it points into Vite's cache directory; the file is
// still in the package, <app>/node_modules/echo-wasm/dist/, which the dev server serves.
const prebundled = /^(.*\/node_modules\/)\.vite\/deps(?:_temp_[^/]*)?\/dist\/echo_wasm_bg\.wasm$/.exec(assetUrl.pathname);
const wasmUrl = prebundled ? new URL(`${prebundled[1]}echo-wasm/dist/echo_wasm_bg.wasm`, assetUrl) : assetUrl;

export async function load() {
  try {
    if (wasmUrl.protocol === 'file:') {
      const fsModule = 'node:fs/promises';
      const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ fsModule);
      return await init({ module_or_path: await readFile(wasmUrl) });
    }
    return await init({ module_or_path: wasmUrl });
  } catch (error) {
    const text = String(error?.message ?? error);
    throw new Error(text.includes(String(wasmUrl)) ? text : `${wasmUrl}: ${text}`, { cause: error });
  }
}
