/**
 * `kinfire view DIR`: serves the built viewer at / and the results folder at /data/, prints the
 * playback URL, stops cleanly on SIGTERM; refuses a folder that is not a results folder (exit 2).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinfire } from '../helpers/cli';
import { startView } from '../helpers/view';

const work = mkdtempSync(join(tmpdir(), 'kinfire-view-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kinfire view', () => {
  const results = join(work, 'run');
  beforeAll(() => {
    const r = kinfire('run', '--out', results, '--set', 'grid.nv=32', '--set', 'grid.ng=24', '--set', 'time.T=0.05', '--set', 'output.snapshots=[0,0.05]', '-q');
    expect(r.code, r.stderr).toBe(0);
  });

  it('serves the viewer at / and the results folder at /data/, prints the URL, and stops on SIGTERM', async () => {
    const view = await startView(results);
    try {
      expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?mode=playback&data=data\/$/);
      const page = await fetch(view.origin);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const html = await page.text();
      expect(html).toContain('id="density-gl"');
      const script = /<script[^>]+src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script, html).toBeDefined();
      expect((await fetch(new URL(script!, view.origin))).status).toBe(200);

      const summary = await fetch(new URL('data/summary.json', view.origin));
      expect(summary.status).toBe(200);
      expect(await summary.json()).toEqual(JSON.parse(readFileSync(join(results, 'summary.json'), 'utf8')));
      expect((await fetch(new URL('data/activity.csv', view.origin))).status).toBe(200);
      // Only the viewer is served from dist/, not the CLI or the library beside it.
      expect((await fetch(new URL('cli.js', view.origin))).status).toBe(404);
    } finally {
      expect(await view.stop()).toBe(0);
    }
  });

  it('serves only regular files inside DIR: a link out of it is not followed', async () => {
    const secret = join(work, 'secret.txt');
    writeFileSync(secret, 'not for the network');
    symlinkSync(secret, join(results, 'leak.txt'));
    symlinkSync('/etc', join(results, 'etc'));
    symlinkSync(join(results, 'activity.csv'), join(results, 'inside.csv'));
    const view = await startView(results);
    try {
      for (const path of ['data/leak.txt', 'data/etc/passwd', 'data/..%2fsecret.txt', 'data/%2e%2e/secret.txt', 'data/']) {
        const r = await fetch(new URL(path, view.origin));
        expect(r.status, path).toBe(404);
        expect(await r.text()).not.toContain('not for the network');
      }
      const inside = await fetch(new URL('data/inside.csv', view.origin)); // a link that stays inside DIR
      expect(inside.status).toBe(200);
      expect(await inside.text()).toBe(readFileSync(join(results, 'activity.csv'), 'utf8'));
      expect(view.stderr()).toBe('');
    } finally {
      expect(await view.stop()).toBe(0);
      for (const link of ['leak.txt', 'etc', 'inside.csv']) rmSync(join(results, link));
    }
  });

  it('warns that a non-loopback --host makes DIR readable by the network', async () => {
    const view = await startView(results, '--host', '0.0.0.0');
    try {
      expect((await fetch(`http://127.0.0.1:${new URL(view.url).port}/`)).status).toBe(200);
      expect(view.stderr()).toContain('--host 0.0.0.0 is not a loopback address');
    } finally {
      expect(await view.stop()).toBe(0);
    }
  });

  it('takes --port and --host', async () => {
    const view = await startView(results, '--host', '127.0.0.1', '--port', '0');
    expect((await fetch(view.url)).status).toBe(200);
    expect(await view.stop()).toBe(0);
  });

  it('refuses a folder that is not a kinfire results folder, naming it (exit 2)', () => {
    const empty = join(work, 'not-results');
    mkdirSync(empty);
    const r = kinfire('view', empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(empty);
    expect(r.stderr).toContain('not a kinfire results folder');
    const missing = kinfire('view', join(work, 'nowhere'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nowhere');
  });

  it('refuses a bad --port (exit 2)', () => {
    const r = kinfire('view', results, '--port', '70000');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port');
  });
});
