import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web app: web/index.html → web/dist with content-hashed assets under assets/ (served
 * `immutable` by api/http/static.ts). No inline scripts anywhere, so the page runs under a
 * Content-Security-Policy without 'unsafe-inline': the module-preload polyfill (an inline
 * helper in some setups) is off, every browser this app targets has modulepreload.
 * frame.html is the embed frame (served at /embed/v1/frame by api/http/embed.ts); the embed
 * library itself is built by web/embed/vite.config.ts.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { app: 'index.html', frame: 'frame.html', sw: 'src/app/sw.ts' },
      // The service worker keeps a fixed name at the root (its scope is where it lives, and a
      // hashed name would make every build a new worker); everything else is hashed.
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: {
    // `npx vite web` during development, against `npm start` on :3000.
    proxy: { '/graphql': { target: 'http://localhost:3000', ws: true } },
  },
});
