import { builtinModules } from 'node:module';
import { defineConfig } from 'vitest/config';
import pkg from './package.json' with { type: 'json' };

// The library, the CLI and the benchmark driver (bench/main.ts, a dev tool: it may import dev
// dependencies such as puppeteer-core and vite, which stay external) are built for Node (and the
// library also runs in browsers through vite).
// WGSL is imported as text with `?raw`, which vite and vitest both understand, so the same
// kernel sources reach Dawn in Node and navigator.gpu in the browser.
const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.devDependencies ?? {}),
];

export default defineConfig({
  build: {
    target: 'node20',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', bench: 'bench/main.ts' },
      formats: ['es'],
    },
    rollupOptions: {
      external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // One GPU device per worker; SwiftShader already uses both cores.
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
