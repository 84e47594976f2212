import { defineConfig } from 'vite';

// The viewer: a static site (web/viewer) built into dist/ beside the library, with relative asset
// paths (base './') so that any static server, at any path, can host it; `kinfire view DIR` serves it
// from the installed package. `npm run dev` serves the same app with vite's dev server.
export default defineConfig({
  root: 'web/viewer',
  base: './',
  publicDir: false,
  build: {
    outDir: '../../dist',
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
  },
  server: { host: '127.0.0.1' },
});
