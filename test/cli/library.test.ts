/**
 * The package as a library, as the README shows it: `import { ... } from 'kinfire'` resolves through
 * package.json "exports" to the built dist/ (npm test builds it first), and runs a small simulation.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe("import from 'kinfire'", () => {
  it('resolves the built package and runs the README example on a small grid', () => {
    const script = `
      import { openGpu, resolveConfig, runSimulation, KineticSolver, DensityRenderer, colorScaleRange } from 'kinfire';
      const gpu = await openGpu();
      const config = resolveConfig({ params: { b: 0.7 }, grid: { nv: 32, ng: 16 }, time: { T: 0.05 }, output: { snapshots: [] } });
      const result = await runSimulation(gpu, config);
      const solver = await KineticSolver.create(gpu, config);
      const block = await solver.advance(3);
      const n = await solver.readVoltageMarginal();
      solver.setParameters(resolveConfig({ params: { b: 1.2 }, grid: { nv: 32, ng: 16, gmax: config.grid.gmax }, time: { T: 0.05 }, output: { snapshots: [] } }));
      await solver.advance(2);
      const renderer = await DensityRenderer.create(gpu.device, 'rgba8unorm');
      renderer.setSource(solver.density, 32, 16);
      const texture = gpu.device.createTexture({ size: [64, 32], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT });
      renderer.draw({ colorMap: 'viridis', scale: 'linear', range: 'auto', plot: { left: 0, top: 0, width: 64, height: 32 } }, texture);
      const colorRange = colorScaleRange({ scale: 'linear', range: 'auto' }, await renderer.readRange());
      const density = await solver.readDensity();
      renderer.destroy();
      solver.destroy();
      gpu.destroy();
      console.log(JSON.stringify({ status: result.status, steps: result.steps, drift: result.mass_drift, block: block.steps, nLength: n.length, steps: solver.stepIndex, rangeMax: colorRange.max, densityMax: Math.max(...density), adapter: gpu.adapterInfo.architecture }));
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out).toMatchObject({ status: 'ok', block: [1, 2, 3], nLength: 32, steps: 5 });
    expect(out.rangeMax).toBe(out.densityMax); // the renderer's GPU range is the state's max
    expect(Math.abs(out.drift)).toBeLessThan(1e-5);
  });

  it('runs examples/library.mjs, the README example, as written; the README shows that file', () => {
    const file = readFileSync(resolve(root, 'examples/library.mjs'), 'utf8');
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    expect(readme).toContain('```js\n' + file + '```');
    const r = spawnSync(process.execPath, ['examples/library.mjs'], { cwd: root, encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const [status, N, drift] = lines[lines.length - 2]!.split(' ');
    expect(status).toBe('ok');
    expect(Number(N)).toBeGreaterThan(0);
    expect(Math.abs(Number(drift))).toBeLessThan(1e-5);
    expect(lines[lines.length - 1]!.split(' ').slice(1).map(Number)).toEqual([64, 32, 32, 110]);
  });
});
