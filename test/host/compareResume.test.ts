/**
 * Checkpoints of a comparison (host/compare.ts compareRuns): a comparison stopped between two blocks of any of
 * its runs — the PDE, a particle run, a particle run at its last step, its histogram at T already taken —
 * and resumed from the checkpoint it wrote gives the uninterrupted comparison's result, every number bit for
 * bit apart from the wall times. The checkpoint goes through the checkpoint file's encoding and decoding, as
 * `kinfire resume` reads it, for the three families (vc, nnlif, elapsed).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunCheckpointing, SavedRun } from '../../src/host/blockLoop';
import { type CompareHooks, type CompareResult, type ComparisonCheckpointing, type ComparisonPart, type ComparisonPartial, runComparison } from '../../src/host/compare';
import { runElapsedComparison } from '../../src/host/elapsedCompare';
import type { GpuContext } from '../../src/host/gpu';
import { clearInterrupt, requestInterrupt, RunInterrupted } from '../../src/host/interrupt';
import { runNnlifComparison } from '../../src/host/nnlifCompare';
import { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint';
import { testGpu } from '../helpers/gpu';

type Run = (ctx: GpuContext, raw: unknown, counts: number[], hooks?: CompareHooks, checkpoint?: ComparisonCheckpointing) => Promise<CompareResult>;

interface Saved {
  step: number;
  steps: number;
  done: ComparisonPart[];
  partial: ComparisonPartial;
  run: SavedRun<unknown>;
}

/** A checkpointing that keeps every save in memory, each through the checkpoint file's encoding and decoding. */
function memoryCheckpointing(from?: Saved, everySeconds = 0): { checkpointing: ComparisonCheckpointing; saves: Saved[] } {
  const saves: Saved[] = [];
  return {
    saves,
    checkpointing: {
      ...(from ? { from: { done: from.done, partial: from.partial, run: from.run } } : {}),
      part: (done, partial, steps, dt): RunCheckpointing<unknown> => ({
        everySeconds,
        save: (run) => {
          const header = { format: CHECKPOINT_FORMAT, kinfire: 'test', command: 'compare', family: 'test', raw: {}, options: {}, adapter: { vendor: '', architecture: '', description: '' }, step: run.solver.step, steps, t: run.solver.step * dt, written: '' };
          const { header: h, payload } = decodeCheckpoint(encodeCheckpoint(header, { run, extra: { done: done(), partial: partial() } }));
          const p = payload as { run: SavedRun<unknown>; extra: { done: ComparisonPart[]; partial: ComparisonPartial } };
          saves.push({ step: h.step, steps: h.steps, done: p.extra.done, partial: p.extra.partial, run: p.run });
        },
      }),
    },
  };
}

/** The result without its wall times (the PDE's, every row's). */
function withoutWall(r: CompareResult) {
  const c = structuredClone(r) as unknown as { pde: { wall_s?: number }; rows: { wall_s?: number }[] };
  delete c.pde.wall_s;
  for (const row of c.rows) delete row.wall_s;
  return c;
}

afterEach(() => clearInterrupt());

/**
 * Stops the comparison once run `which` (0: the PDE, k: the k-th count) reports progress at or past `fraction`
 * of its steps: the stop is taken after the next block, with a checkpoint (or not at all, when the run ends first).
 */
async function stopAt(ctx: GpuContext, run: Run, raw: unknown, counts: number[], which: number, fraction: number): Promise<Saved | undefined> {
  const memory = memoryCheckpointing();
  let current = -1;
  const hooks: CompareHooks = {
    onStart: (what) => {
      current = what.kind === 'pde' ? 0 : what.index + 1;
    },
    onProgress: (p) => {
      if (current === which && p.step >= fraction * p.steps) requestInterrupt('SIGTERM');
    },
  };
  const stopped = await run(ctx, raw, counts, hooks, memory.checkpointing).then(
    () => false,
    (e) => {
      expect(e).toBeInstanceOf(RunInterrupted);
      return true;
    },
  );
  clearInterrupt();
  expect(memory.saves.length).toBe(stopped ? 1 : 0);
  return memory.saves[0];
}

const CASES: [string, Run, Record<string, unknown>][] = [
  ['vc', runComparison, { grid: { nv: 32, ng: 24 }, time: { T: 0.2 }, particles: { seed: 3 } }],
  ['nnlif (b = 0.5, τ = 0.02)', runNnlifComparison, { model: 'nnlif', grid: { nv: 80 }, nnlif: { b: 0.5, tau: 0.02 }, time: { T: 0.5 }, particles: { seed: 5 } }],
  ['elapsed', runElapsedComparison, { model: 'elapsed', grid: { ns: 80 }, time: { T: 0.4 }, particles: { seed: 9 } }],
];
const COUNTS = [500, 2000];

describe('a comparison stopped and resumed from its checkpoint is the uninterrupted one', () => {
  for (const [name, run, raw] of CASES) {
    it(`${name}: resumed from the first and the last periodic checkpoint of each of its runs, and from a stop at a particle run's last step (its histogram at T taken)`, async () => {
      const ctx = await testGpu();
      const whole = await run(ctx, raw, COUNTS);
      expect(whole.ok).toBe(true);
      expect(whole.rows.every((r) => Number.isFinite(r.L1_hist) && Number.isFinite(r.L1_N))).toBe(true);

      // a checkpoint after every block but the last of each run (every run takes more than one block)
      const periodic = memoryCheckpointing(undefined, 1e-9);
      expect(withoutWall(await run(ctx, raw, COUNTS, {}, periodic.checkpointing)), 'checkpoints change nothing').toEqual(withoutWall(whole));
      for (let k = 0; k <= COUNTS.length; k++) {
        const ofRun = periodic.saves.filter((s) => s.done.length === k);
        expect(ofRun.length, `checkpoints in run ${k}`).toBeGreaterThan(0);
        expect(ofRun[0]!.step).toBeGreaterThan(0);
        for (const saved of new Set([ofRun[0]!, ofRun[ofRun.length - 1]!])) {
          expect(saved.step).toBeLessThan(saved.steps);
          const resumed = await run(ctx, raw, COUNTS, {}, memoryCheckpointing(saved).checkpointing);
          expect(withoutWall(resumed), `resumed in run ${k} at step ${saved.step} of ${saved.steps}`).toEqual(withoutWall(whole));
        }
      }

      // A stop asked for after the first particle run's first block is taken after the next block. Block lengths follow the wall
      // clock (blockLoop.ts aims at 0.25 s a block); with the clock held still that next block is as long as the loop allows and
      // ends the run, so the stop falls on its last step: the histogram at T was taken before the checkpoint, and the checkpoint
      // keeps it (a resume does not take it again). The real clock made this case depend on the machine's load.
      const clock = vi.spyOn(performance, 'now').mockReturnValue(0);
      let last: Saved | undefined;
      try {
        last = await stopAt(ctx, run, raw, COUNTS, 1, 0);
      } finally {
        clock.mockRestore();
      }
      expect(last, 'a stop was taken in the first particle run').toBeDefined();
      expect([last!.done.length, last!.step], 'the stop fell on the last step of the first particle run').toEqual([1, last!.steps]);
      expect(last!.partial.histogram).toBeDefined();
      const resumed = await run(ctx, raw, COUNTS, {}, memoryCheckpointing(last).checkpointing);
      expect(withoutWall(resumed)).toEqual(withoutWall(whole));
    });
  }
});
