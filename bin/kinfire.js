#!/usr/bin/env node
// The CLI is built into dist/ by `npm run build` (run automatically by `npm ci` / `npm install`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('kinfire: dist/cli.js is missing; run `npm ci` (or `npm run build`) in the kinfire folder first\n');
  process.exit(1);
}
const { main } = await import(cli.href);
const code = await main(process.argv);
// Dawn keeps the event loop alive after the device is destroyed; leave explicitly once done.
process.exit(code);
