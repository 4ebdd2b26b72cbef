import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The embed library: one ES module with Lit bundled in, written beside the app as
 * web/dist/embed/v1/callvault.js (the stable URL; scripts/build-web.mjs adds a content-hashed
 * copy) and as web/embed/dist/callvault.js for the npm package.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  build: {
    outDir: process.env.CV_EMBED_OUT ?? fileURLToPath(new URL('../dist/embed/v1/', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => 'callvault.js' },
  },
});
