// Load benchmark, reference: the shared Vue app with @laravel/echo-vue 2.5.0 (which bundles
// laravel-echo 2.5.0's code and imports pusher-js 8.6.0).
import { createApp } from 'vue';
import { configureEcho, useConnectionStatus } from '@laravel/echo-vue';
import App from '../shared/App.vue';
import { echoOptions } from '../shared/config.js';

performance.mark('main');
configureEcho(echoOptions);
createApp(App, { client: 'reference', useStatus: useConnectionStatus }).mount('#app');
