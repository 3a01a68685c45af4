import { createApp } from 'vue'
import Echo from 'echo-wasm'
import { configureEcho, echo } from 'echo-wasm/vue'
import App from './App.vue'

// Key, host, port and scheme come from VITE_REVERB_* (import.meta.env), as in a Laravel app.
configureEcho({ broadcaster: 'reverb' })
window.Echo = echo()
if (!(window.Echo instanceof Echo)) throw new Error('echo() is not an Echo')

createApp(App).mount('#app')
