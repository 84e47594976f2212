/**
 * The package as a library, as the README shows it: `import { ... } from 'kinfire'` resolves through
 * package.json "exports" to the built dist/ (npm test builds it first), and runs a small simulation.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe("import from 'kinfire'", () => {
  it('resolves the built package and runs the README example on a small grid', () => {
    const script = `
      import { openGpu, resolveConfig, runSimulation, KineticSolver } from 'kinfire';
      const gpu = await openGpu();
      const config = resolveConfig({ params: { b: 0.7 }, grid: { nv: 32, ng: 16 }, time: { T: 0.05 }, output: { snapshots: [] } });
      const result = await runSimulation(gpu, config);
      const solver = await KineticSolver.create(gpu, config);
      const block = await solver.advance(3);
      const n = await solver.readVoltageMarginal();
      solver.destroy();
      gpu.destroy();
      console.log(JSON.stringify({ status: result.status, steps: result.steps, drift: result.mass_drift, block: block.steps, nLength: n.length, adapter: gpu.adapterInfo.architecture }));
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out).toMatchObject({ status: 'ok', block: [1, 2, 3], nLength: 32 });
    expect(Math.abs(out.drift)).toBeLessThan(1e-5);
  });
});
