// Loads the real `pkg/vue.js` (and through it `pkg/index.js` and the wasm, read from disk)
// after registering resolve-hook.js. Import this before anything that needs the composables.
import { register } from 'node:module';

register('./resolve-hook.js', import.meta.url);

export const vueModuleUrl = new URL('../../../pkg/vue.js', import.meta.url).href;
export const echoVue = await import(vueModuleUrl);
// Setup: the wasm loaded, so an Echo behaves at once as after `ready` (the composables before
// ready are tested in tests/js/loading.test.mjs, in Chromium with the wasm response held back).
await (await import(new URL('../../../pkg/index.js', import.meta.url).href)).ready;
