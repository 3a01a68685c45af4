// Load benchmark, echo-wasm: the shared Vue app with echo-wasm/vue.
import { createApp } from 'vue';
import { configureEcho, useConnectionStatus } from 'echo-wasm/vue';
import App from '../shared/App.vue';
import { echoOptions } from '../shared/config.js';

performance.mark('main');
configureEcho(echoOptions);
createApp(App, { client: 'echo-wasm', useStatus: useConnectionStatus }).mount('#app');
