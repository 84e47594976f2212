/**
 * `npm run dev`: vite's dev server serves the viewer from its sources (web/viewer), with the solver's
 * TypeScript and WGSL transformed on the fly. Started on any free port; the page, the live-mode module
 * and a shader must come back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli';

describe('npm run dev', () => {
  let server: ChildProcess | undefined;
  afterAll(() => void server?.kill('SIGTERM'));

  it('serves the viewer page, its modules and the WGSL they import', async () => {
    server = spawn(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), '--config', 'vite.viewer.config.ts', '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`vite printed no URL:\n${out}`)), 60_000);
      server!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Local:\s+(http:\/\/\S+)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      server!.once('exit', (code) => reject(new Error(`vite exited with ${code}:\n${out}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="density-gpu"');
    const live = await fetch(new URL('live.ts', url));
    expect(live.status).toBe(200);
    expect(await live.text()).toContain('startLive');
    const shader = await fetch(new URL('/@fs' + join(repoRoot, 'src/shaders/densityRender.wgsl') + '?raw', url));
    expect(shader.status).toBe(200);
    expect(await shader.text()).toContain('fn colorDensity');
  });
});
