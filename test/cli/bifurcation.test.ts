/**
 * `kinfire bifurcation` as a user meets it: the built bin/kinfire.js in a child process (npm test builds
 * dist/ first; a dist/ without the command is rebuilt here). Bad input exits 2 with the field named and
 * leaves no results folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { decodePNGFromStream } from 'pureimage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashPieces, renderLinePlot } from '../../src/render/png/lineplot';
import { kinfire } from '../helpers/cli';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(join(tmpdir(), 'kinfire-bifurcation-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  const cli = join(root, 'dist/cli.js');
  if (!existsSync(cli) || !readFileSync(cli, 'utf8').includes('bifurcation.csv')) {
    execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: root, stdio: 'ignore' });
  }
});

/** Cheaper stability (two perturbed runs of nv = 200 cells for T = 10 per state): about 0.35 s a state. */
const cheap = ['--stability-time', '10', '--stability-nv', '200'];
const partials = () => readdirSync(work).filter((f) => f.includes('partial'));

describe('kinfire bifurcation', () => {
  it('writes bifurcation.csv, folds.csv, bifurcation.json and bifurcation.png for the three-state case', async () => {
    const out = join(work, 'ok');
    const config = join(work, 'c.json');
    writeFileSync(config, JSON.stringify({ params: { gin: -0.5 } }));
    const r = kinfire('bifurcation', '--config', config, '--param', 'b', '--from', '0.4', '--to', '0.56', '--n', '5', '--out', out, '--width', '640', '--height', '480', ...cheap);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('bifurcation: 5/5 values'); // plain progress lines when not on a terminal
    const summary = JSON.parse(r.stdout.trim());
    expect(summary).toMatchObject({ out, param: 'b', from: 0.4, to: 0.56, n: 5, states: 7 });
    expect(summary.folds.map((f: { kind: string }) => f.kind)).toEqual(['fold', 'fold']);
    expect(readdirSync(out).sort()).toEqual(['.kinfire-results', 'bifurcation.csv', 'bifurcation.json', 'bifurcation.png', 'folds.csv']);

    const csv = readFileSync(join(out, 'bifurcation.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('param,N,stable,Vstar,gbar,quiescent');
    const rows = csv.slice(1).map((line) => line.split(','));
    expect(rows.length).toBe(7); // 1, 1, 3, 1, 1 states at b = 0.40, 0.44, 0.48, 0.52, 0.56
    const byValue = new Map<number, string[][]>();
    for (const row of rows) {
      expect(row.length).toBe(6);
      expect(['true', 'false']).toContain(row[2]);
      expect(row[5]).toBe('false');
      for (const k of [0, 1, 3, 4]) expect(Number.isFinite(Number(row[k]))).toBe(true);
      byValue.set(Number(row[0]), [...(byValue.get(Number(row[0])) ?? []), row]);
    }
    expect([...byValue.keys()].map((b) => b.toFixed(2))).toEqual(['0.40', '0.44', '0.48', '0.52', '0.56']);
    expect([...byValue.values()].map((r) => r.length)).toEqual([1, 1, 3, 1, 1]);
    // the three states at b = 0.48, by N: the low one (unstable here: perturbed runs leave it for the
    // upper state or an oscillation), the middle one (a saddle), and the upper one (stable)
    expect([...byValue.values()][2].map((r) => r[2])).toEqual(['false', 'false', 'true']);

    const folds = readFileSync(join(out, 'folds.csv'), 'utf8').trim().split('\n');
    expect(folds[0]).toBe('param,N,kind');
    expect(folds.slice(1).map((line) => line.split(',')[2])).toEqual(['fold', 'fold']);
    const foldB = folds.slice(1).map((line) => Number(line.split(',')[0]));
    expect(foldB[0]).toBeGreaterThan(0.44);
    expect(foldB[0]).toBeLessThan(0.48);
    expect(foldB[1]).toBeGreaterThan(0.48);
    expect(foldB[1]).toBeLessThan(0.52);

    const json = JSON.parse(readFileSync(join(out, 'bifurcation.json'), 'utf8'));
    expect(json).toMatchObject({ param: 'b', n: 5, params: { gin: -0.5 } });
    expect(json.values.length).toBe(5);
    expect(json.folds.length).toBe(2);
    expect(typeof json.wall_s).toBe('number');
    expect(json.method.stability).toContain('nv = 200, T = 10');

    const png = readFileSync(join(out, 'bifurcation.png'));
    const image = await decodePNGFromStream(Readable.from(png));
    expect([image.width, image.height]).toEqual([640, 480]);
    // stable branches in blue, unstable ones in red, fold markers in near-black
    const colours = new Set<string>();
    for (let o = 0; o < image.data.length; o += 4) colours.add(`${image.data[o]},${image.data[o + 1]},${image.data[o + 2]}`);
    expect(colours.has('31,119,180')).toBe(true);
    expect(colours.has('214,39,40')).toBe(true);
    expect(partials()).toEqual([]);
  });

  it.each([
    [['--param', 'bogus'], '--param'],
    [['--param', 'eps'], 'do not depend on ε'],
    [['--from', 'abc'], '--from'],
    [['--to', 'Infinity'], '--to'],
    [['--from', '0.3', '--to', '0.3'], '--to: must differ from --from'],
    [['--n', '1'], '--n'],
    [['--n', '2.5'], '--n'],
    [['--n', '10001'], '--n'],
    [['--param', 'VR', '--from', '0', '--to', '1.5'], 'params.VR'],
    [['--stability-nv', '0'], '--stability-nv'],
    [['--set', 'params.a=-1'], 'params.a'],
  ])('rejects %j with exit code 2, the field named, and no results folder', (args, text) => {
    const out = join(work, 'rejected');
    const options = new Map([['--param', 'b'], ['--from', '0.2'], ['--to', '1.2'], ['--n', '3']]);
    const extra: string[] = [];
    for (let k = 0; k < args.length; k += 2) {
      if (options.has(args[k])) options.set(args[k], args[k + 1]);
      else extra.push(args[k], args[k + 1]);
    }
    const r = kinfire('bifurcation', ...[...options].flat(), '--out', out, ...cheap, ...extra);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(text);
    expect(existsSync(out)).toBe(false);
    expect(partials()).toEqual([]);
  });

  it('names the value of --param that makes the parameters invalid', () => {
    const r = kinfire('bifurcation', '--param', 'VF', '--from', '1', '--to', '5', '--n', '3', '--out', join(work, 'vf'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('params.VE');
    expect(r.stderr).toContain('--param VF = 5');
  });

  it('refuses a folder of other files even with --force; replaces its own results only with --force', () => {
    const out = join(work, 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const args = ['bifurcation', '--param', 'gin', '--from', '0', '--to', '1', '--n', '2', '-q', ...cheap];
    for (const force of [[], ['--force']]) {
      const refused = kinfire(...args, '--out', out, ...force);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--out');
      expect(readdirSync(out)).toEqual(['keep.txt']);
    }
    const own = join(work, 'own');
    expect(kinfire(...args, '--out', own).code).toBe(0);
    const again = kinfire(...args, '--out', own);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    const replaced = kinfire(...args, '--out', own, '--force');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stderr).toBe(''); // --quiet
    expect(readdirSync(own).sort()).toEqual(['.kinfire-results', 'bifurcation.csv', 'bifurcation.json', 'bifurcation.png', 'folds.csv']);
  });
});

describe('the plot: dashed and marker-only series (lineplot.ts)', () => {
  it('dashPieces carries the pattern on across the vertices of a polyline', () => {
    // 100 px along x in 1 px segments, dashes 6 on / 4 off: 10 dashes of 6 px, one every 10 px
    const line = Float64Array.from({ length: 202 }, (_, k) => (k % 2 === 0 ? k / 2 : 0));
    const pieces = dashPieces(line, [6, 4]);
    expect(pieces.length).toBe(10);
    pieces.forEach((p, k) => {
      expect(p[0]).toBeCloseTo(10 * k, 9);
      expect(p[p.length - 2]).toBeCloseTo(10 * k + 6, 9);
    });
  });

  it('draws a dashed series with gaps, a solid one without, and markers only where asked', async () => {
    const { png, plot, yRange } = renderLinePlot(
      [
        { x: [0, 0.25, 0.5, 0.75, 1], y: [1, 1, 1, 1, 1], label: 'unstable', colour: '#d62728', dash: [7, 5], marker: 'none' },
        { x: [0, 0.25, 0.5, 0.75, 1], y: [2, 2, 2, 2, 2], label: 'stable', colour: '#1f77b4', marker: 'none' },
        { x: [0.5], y: [3], label: 'fold', colour: '#222222', line: false, marker: 'diamond' },
      ],
      { xLabel: 'b', yLabel: 'N', width: 600, height: 400 },
    );
    const image = await decodePNGFromStream(Readable.from(png));
    const rowOf = (y: number) => Math.floor(plot.y + plot.height * (1 - (y - yRange[0]) / (yRange[1] - yRange[0])));
    const runs = (y: number, rgb: [number, number, number]) => {
      const row = rowOf(y);
      let count = 0;
      let inside = false;
      for (let x = plot.x + 20; x < plot.x + plot.width - 20; x++) {
        const o = 4 * (row * image.width + x);
        const hit = Math.abs(image.data[o] - rgb[0]) + Math.abs(image.data[o + 1] - rgb[1]) + Math.abs(image.data[o + 2] - rgb[2]) < 30;
        if (hit && !inside) count++;
        inside = hit;
      }
      return count;
    };
    expect(runs(2, [31, 119, 180])).toBe(1);
    expect(runs(1, [214, 39, 40])).toBeGreaterThan((plot.width - 40) / 12 - 3);
    // the marker-only series: the diamond at (0.5, 3), no line through its row
    expect(runs(3, [34, 34, 34])).toBe(1);
  });
});
