import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The backend (www/server) serves the build from www/dist on the same origin as
// /broadcasting/auth and /api/*; `npm run dev` proxies those to it (ECHO_DEMO_BACKEND_URL).
const backend = process.env.ECHO_DEMO_BACKEND_URL ?? 'http://127.0.0.1:5173';

export default defineConfig({
  plugins: [vue()],
  // The one line the echo-wasm README asks for: the package loads its .wasm from a URL
  // relative to itself, which dependency pre-bundling would break in dev.
  optimizeDeps: { exclude: ['echo-wasm'] },
  // Only because this demo links the package from ../pkg (`file:` dependency = symlink):
  // resolved through its real path, echo-wasm/vue's `import 'vue'` would look for vue under
  // pkg/ and find none (or a second copy). An app installing echo-wasm from the registry
  // needs neither line.
  resolve: { dedupe: ['vue'] },
  server: {
    host: '127.0.0.1',
    fs: { allow: ['..'] }, // dev only: serve the linked ../pkg files
    proxy: Object.fromEntries(
      ['/api', '/login', '/logout', '/broadcasting'].map((p) => [p, { target: backend, changeOrigin: false }]),
    ),
  },
  build: { target: 'es2022' },
});
