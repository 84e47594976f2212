/**
 * CI smoke check of the benchmark suite: `node dist/bench.js --quick` (built by `npm run build`, as
 * `npm test` does first) runs, exits 0 and writes well-formed results (the schema of bench/src/report.ts:
 * required fields present, every measured number finite and positive) as JSON, Markdown and a PNG.
 * Speed is measured by the benchmark, never asserted here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkResults, fitAffine, markdownReport, scalingSeries } from '../../bench/src/report';
import { chromiumPath } from '../../src/node/headlessChromium';
import { repoRoot } from '../helpers/cli';

const out = mkdtempSync(join(tmpdir(), 'kinfire-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const bench = join(repoRoot, 'dist/bench.js');
const runBench = (...args: string[]) => spawnSync(process.execPath, [bench, ...args], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' }, timeout: 180_000 });
let nodeResults: string | undefined;

describe('npm run bench -- --quick', () => {
  it('runs, exits 0 and writes well-formed JSON, Markdown and a scaling plot', () => {
    expect(existsSync(bench), 'dist/bench.js is missing: run npm run build').toBe(true);
    const r = runBench('--quick', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { results: string; mode: string };
    expect(summary.mode).toBe('quick');
    const files = readdirSync(out).sort();
    const json = files.find((f) => /^[a-z0-9-]+-\d{4}-\d\d-\d\d-quick\.json$/.test(f));
    expect(json, files.join(', ')).toBeDefined();
    const base = json!.replace(/\.json$/, '');
    expect(files).toEqual(expect.arrayContaining([`${base}.md`, `${base}-scaling.png`]));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const results = checkResults(JSON.parse(readFileSync(join(out, json!), 'utf8')));
    expect(results.runtime).toBe('node');
    expect(['timestamp-query', 'wall']).toContain(results.timing.method);
    expect(results.kinetic.map((k) => k.model)).toEqual(expect.arrayContaining(['vc', 'vc-limit']));
    expect(results.particles.map((p) => p.model)).toEqual(expect.arrayContaining(['vc', 'nnlif']));
    expect(results.field?.map((f) => f.n)).toEqual([256]);
    expect(results.nnlif_pde?.map((c) => [c.members, c.nv])).toEqual([[1, 256], [64, 256]]);
    for (const c of results.nnlif_pde ?? []) expect(c.cpu_reference_seconds_per_step).toBeGreaterThan(0);
    // the elapsed-time model: both coupling kernels on 256 and 1024 age cells, each against its f64 twin
    expect(results.elapsed?.map((c) => [c.kernel, c.ns])).toEqual([['instant', 256], ['instant', 1024], ['delay', 256], ['delay', 1024]]);
    for (const c of results.elapsed ?? []) {
      expect(c.cpu_reference_seconds_per_step).toBeGreaterThan(0);
      expect(c.bytes_per_step).toBe(8 * c.ns + 120);
    }
    // single neurons: each model at 10⁴ and 10⁵, HH coupled too; the twin at 10⁴; bytes 8·dim + 40 a neuron and dispatch
    expect(results.neurons?.map((c) => `${c.model}${c.coupled ? '+J' : ''} ${c.count}`)).toEqual(['hh 10000', 'hh 100000', 'fhn 10000', 'fhn 100000', 'ml-class2 10000', 'ml-class2 100000', 'ms 10000', 'ms 100000', 'hh+J 10000', 'hh+J 100000']);
    for (const c of results.neurons ?? []) {
      expect(c.neuron_steps_per_s).toBeGreaterThan(0);
      if (c.count === 1e4) expect(c.cpu_reference_neuron_steps_per_s).toBeGreaterThan(0);
      if (c.coupled) expect(c.steps_per_dispatch).toBe(1);
    }
    expect(results.peers.brian_hh).toMatchObject({ skipped: expect.stringMatching(/quick mode/) });
    expect(results.kernels.map((k) => k.kernel)).toEqual(expect.arrayContaining(['conductanceSolve', 'stateRowStats', 'voltageMarginal', 'recordDiagnostics', 'gStep']));
    // the g-solve is timed with one column chunk and with the GPU default, whichever the step used
    const solveChunks = results.kernels.filter((k) => k.kernel === 'conductanceSolve').map((k) => k.chunks);
    expect(solveChunks).toContain(1);
    expect(solveChunks.some((c) => (c ?? 1) > 1)).toBe(true);
    const md = readFileSync(join(out, `${base}.md`), 'utf8');
    expect(md).toContain('## Kinetic step');
    expect(md).toContain('## Elapsed-time model');
    expect(md).toContain('## Single neurons');
    expect(md).toContain(results.timing.method === 'timestamp-query' ? 'timestamp queries' : 'wall time');
    expect(md).toBe(`${markdownReport(results)}\nScaling plot: \`${base}-scaling.png\`.\n`);
    const png = readFileSync(join(out, `${base}-scaling.png`));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    nodeResults = join(out, json!);
  });

  it.skipIf(chromiumPath() === null)('--browser: runs in headless Chromium and compares with the Node run', () => {
    expect(nodeResults, 'the Node quick run above failed').toBeDefined();
    const r = runBench('--quick', '--browser', '--out', out, '--node-results', nodeResults!);
    expect(r.status, r.stderr).toBe(0);
    const json = readdirSync(out).find((f) => /-chrome-quick\.json$/.test(f));
    expect(json).toBeDefined();
    const results = checkResults(JSON.parse(readFileSync(join(out, json!), 'utf8')));
    expect(results.runtime).toBe('browser');
    expect(results.comparison?.cases.length).toBeGreaterThan(0);
    expect(results.comparison!.median_ratio).toBeGreaterThan(0);
  });

  it('rejects malformed results', () => {
    expect(() => checkResults({ schema: 'kinfire-bench/1' })).toThrow(/malformed/);
  });
});

describe('the scaling analysis', () => {
  it('fits t = a + b n exactly on affine data', () => {
    const n = [1e3, 1e4, 1e5, 1e6];
    const { a, b } = fitAffine(n, n.map((x) => 0.002 + 1e-8 * x));
    expect(a).toBeCloseTo(0.002, 9);
    expect(b).toBeCloseTo(1e-8, 14);
  });

  it('names the fixed cost at small sizes and the memory hierarchy where the copy slows as well', () => {
    const copy = [2 ** 16, 2 ** 20, 2 ** 24, 2 ** 28].map((bytes, k) => ({ bytes, seconds: (2 * bytes) / [10e9, 10e9, 2e9, 1e9][k], GBps: [10, 10, 2, 1][k], method: 'wall' as const, runs: 1 }));
    // a fixed 1 ms, then 1 ns per cell up to 2^20 cells, then 5 ns per cell (the copy slows 5-10x there)
    const pts = [2 ** 14, 2 ** 16, 2 ** 18, 2 ** 20, 2 ** 22].map((n) => ({ n, seconds: 1e-3 + (n <= 2 ** 20 ? 1e-9 : 5e-9) * n }));
    const s = scalingSeries('kinetic vc', 'cells', pts, copy, 'dispatch overhead');
    expect(s.verdict).toMatch(/fixed cost of .* dominates \(dispatch overhead\)/);
    expect(s.verdict).toMatch(/grows faster than linearly.*memory hierarchy/);
  });
});
