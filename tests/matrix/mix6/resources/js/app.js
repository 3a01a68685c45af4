import { createApp } from 'vue';
import Echo from 'echo-wasm';
import { configureEcho, echo } from 'echo-wasm/vue';
import App from './components/App.vue';

// Key, host, port and scheme come from MIX_REVERB_* (process.env, from .env), as in a Mix app.
configureEcho({
    broadcaster: 'reverb',
    key: process.env.MIX_REVERB_APP_KEY,
    wsHost: process.env.MIX_REVERB_HOST,
    wsPort: process.env.MIX_REVERB_PORT,
    wssPort: process.env.MIX_REVERB_PORT,
    forceTLS: (process.env.MIX_REVERB_SCHEME ?? 'https') === 'https',
    enabledTransports: ['ws', 'wss'],
});
window.Echo = echo();
if (!(window.Echo instanceof Echo)) throw new Error('echo() is not an Echo');

createApp(App).mount('#app');
