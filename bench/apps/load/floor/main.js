// Load benchmark, floor: the shared Vue app with a bare WebSocket.
import { createApp } from 'vue';
import App from '../shared/App.vue';
import { useConnectionStatus } from './status.js';

performance.mark('main');
createApp(App, { client: 'floor', useStatus: useConnectionStatus }).mount('#app');
