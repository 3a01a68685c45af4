// The client behind the proxy: wss://VITE_REVERB_HOST/app/KEY (port 443 unless VITE_REVERB_PORT).
import Echo from 'echo-wasm';

export const echoOptions = (env) => ({
  broadcaster: 'reverb',
  key: env.VITE_REVERB_APP_KEY,
  wsHost: env.VITE_REVERB_HOST, // the proxy's public name, not a Sockudo node
  wssPort: Number(env.VITE_REVERB_PORT || 443),
  forceTLS: true, // wss:// even on a page served over http
  enabledTransports: ['ws', 'wss'],
});

// In the app (Vite): window.Echo = makeEcho();
export const makeEcho = (env = import.meta.env) => new Echo(echoOptions(env));
