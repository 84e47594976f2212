/**
 * The driver shared by every run (kinetic, limit, particles): steps are submitted in blocks with one
 * synchronisation each, snapshot steps end a block, and the stop rules are applied to every step of a
 * block as it is read back. A block with a bad step is rolled back to the checkpoint taken before it
 * and replayed up to the last good step; every step is deterministic, so the replay is bitwise the
 * original and the run keeps exactly its last good state. A stop asked for by a signal (interrupt.ts)
 * ends the loop between two blocks with RunInterrupted, after writing a checkpoint when the run keeps
 * them. A run resumed from a checkpoint starts at its step: every step is deterministic and the block
 * boundaries change no arithmetic, so the resumed run is bitwise the uninterrupted one.
 */
import { interruptRequested, throwIfInterrupted } from './interrupt';

/** The state of a solver on the host: its step and the bytes of the buffers that carry the state from step to step. */
export interface SolverState {
  step: number;
  buffers: Record<string, Uint8Array>;
}

/** A run saved between two blocks: the solver's state and what the run accumulated on the host (typed arrays allowed). */
export interface SavedRun<Host> {
  solver: SolverState;
  host: Host;
}

/** How a run keeps checkpoints, and the one it resumes from. */
export interface RunCheckpointing<Host> {
  /** seconds between periodic checkpoints; 0: only when a stop is asked for */
  everySeconds: number;
  save(run: SavedRun<Host>): void | Promise<void>;
  /** resume from this saved run */
  from?: SavedRun<Host>;
}

/**
 * Checkpoints of a command made of several runs one after another (kinfire study, kinfire compare): a checkpoint holds the
 * finished runs' results (`done`, in order) and the run in progress, with what it has gathered so far
 * (`partial`); a resume takes the finished ones as they are and goes on with the one in progress from its step.
 */
export interface SavedRuns<Part, Partial, Host> {
  done: Part[];
  partial: Partial;
  run: SavedRun<Host>;
}

export interface RunsCheckpointing<Part, Partial, Host> {
  /** the saved runs to go on from */
  from?: SavedRuns<Part, Partial, Host>;
  /** the checkpointing of the run in progress (steps and dt its own): each save writes `done()`, `partial()` and the run */
  part(done: () => Part[], partial: () => Partial, steps: number, dt: number): RunCheckpointing<Host>;
}

/** One run of a command of several runs, as `sequenceRun` hands it out. */
export interface SequenceRun<Part, Partial, Host> {
  /** the run as the resumed checkpoint finished it: it is not run again */
  finished?: Part;
  /** the run the checkpoint was in: what it had gathered, and its saved state to go on from */
  resumed?: { partial: Partial; run: SavedRun<Host> };
  /** its checkpointing (when the command keeps checkpoints): each save writes the finished runs, `partial()` and the run */
  checkpointing?(partial: () => Partial): RunCheckpointing<Host>;
}

/**
 * Run `index` of a command of several runs one after another (kinfire study, kinfire compare): a run the
 * resumed checkpoint had finished comes back as it was saved, the one it was in goes on from its step, and a
 * later one starts afresh. `done()` is the finished runs as a checkpoint keeps them; steps and dt are the run's.
 */
export function sequenceRun<Part, Partial, Host>(ck: RunsCheckpointing<Part, Partial, Host> | undefined, index: number, done: () => Part[], steps: number, dt: number): SequenceRun<Part, Partial, Host> {
  const from = ck?.from;
  if (from && index < from.done.length) return { finished: from.done[index]! };
  const resumed = from && index === from.done.length ? { partial: from.partial, run: from.run } : undefined;
  return {
    ...(resumed ? { resumed } : {}),
    ...(ck ? { checkpointing: (partial: () => Partial) => ({ ...ck.part(done, partial, steps, dt), ...(resumed ? { from: resumed.run } : {}) }) } : {}),
  };
}

/** What a GPU system must offer the loop. */
export interface BlockSystem<Block> {
  saveCheckpoint(): void;
  restoreCheckpoint(): void;
  submitSteps(count: number): void;
  /** take `count` steps and read back their per-step results */
  advance(count: number): Promise<Block>;
}

export interface Stop<Status extends string> {
  status: Status;
  message: string;
}

export interface BlockProgress {
  step: number;
  steps: number;
  t: number;
  T: number;
  stepsPerSecond: number;
}

export interface BlockLoopOptions<Block, Status extends string> {
  steps: number;
  dt: number;
  T: number;
  /** the most steps one block may take (the history ring's length) */
  capacity: number;
  /** steps at which to stop a block for a snapshot (ascending); step 0 is emitted before stepping */
  snapshotSteps: number[];
  /** entry k of a block (step `step`): undefined when good, else why the run stops before it */
  judge(block: Block, k: number, step: number): Stop<Status> | undefined;
  /** record entry k of a block, a good step */
  accept(block: Block, k: number, step: number): void;
  onSnapshot(step: number): Promise<void>;
  /** after each good block (for checks that read the state) */
  afterBlock?(step: number): Promise<void>;
  onProgress?(p: BlockProgress): void;
  /**
   * The system refuses bad steps by itself (the NNLIF kernel: a member whose step would be bad does not
   * take it), so a stop needs no rollback: the loop ends at the bad step with the state as it is.
   */
  refusesBadSteps?: boolean;
  /** the step the system is at (a resumed run); snapshots at or before it were emitted before */
  startStep?: number;
  /**
   * Writes a checkpoint at step n (between blocks, the GPU idle): every `everySeconds` of wall time (0: never
   * periodically) and when a stop is asked for, before RunInterrupted is thrown.
   */
  checkpoint?: { everySeconds: number; write(step: number): Promise<void> };
}

/**
 * The loop's `checkpoint` option for a run that keeps checkpoints (none without): each write saves the
 * system's state (exportState, the GPU idle between blocks) and what the run has accumulated, `host(step)`.
 */
export function blockCheckpoint<Host>(
  checkpointing: RunCheckpointing<Host> | undefined,
  system: { exportState(): Promise<SolverState> },
  host: (step: number) => Host,
): { checkpoint?: { everySeconds: number; write(step: number): Promise<void> } } {
  if (!checkpointing) return {};
  return { checkpoint: { everySeconds: checkpointing.everySeconds, write: async (step) => checkpointing.save({ solver: await system.exportState(), host: host(step) }) } };
}

export interface BlockLoopResult<Status extends string> {
  /** steps taken to the kept state */
  steps: number;
  wallSeconds: number;
  stop?: Stop<Status>;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function runBlocks<Block, Status extends string>(system: BlockSystem<Block>, o: BlockLoopOptions<Block, Status>): Promise<BlockLoopResult<Status>> {
  const start = o.startStep ?? 0;
  const pending = o.snapshotSteps.filter((s) => (start === 0 ? s >= 0 : s > start));
  const emitSnapshots = async (step: number) => {
    while (pending.length && pending[0] === step) {
      pending.shift();
      await o.onSnapshot(step);
    }
  };
  /** Between blocks: a stop asked for writes a checkpoint (if kept) and ends the loop. */
  const stopIfAsked = async (step: number) => {
    if (interruptRequested() === null) return;
    if (o.checkpoint) await o.checkpoint.write(step);
    throwIfInterrupted();
  };
  await emitSnapshots(start);
  await stopIfAsked(start);

  const began = now();
  let lastCheckpoint = began;
  let blockSteps = 8;
  let n = start;
  let stop: Stop<Status> | undefined;
  while (n < o.steps) {
    const target = Math.min(o.steps, n + blockSteps, pending.length ? Math.max(pending[0], n + 1) : o.steps);
    const count = Math.min(target - n, o.capacity);
    system.saveCheckpoint();
    const t0 = now();
    const block = await system.advance(count);
    const blockMs = now() - t0;

    let bad = -1;
    for (let k = 0; k < count; k++) {
      stop = o.judge(block, k, n + k + 1);
      if (stop) {
        bad = k;
        break;
      }
      o.accept(block, k, n + k + 1);
    }
    if (bad >= 0) {
      if (!o.refusesBadSteps) {
        system.restoreCheckpoint();
        if (bad > 0) system.submitSteps(bad);
      }
      n += bad;
      break;
    }
    n += count;
    await emitSnapshots(n);
    await o.afterBlock?.(n);
    await stopIfAsked(n); // between blocks: the GPU is idle and the state consistent
    if (o.checkpoint && o.checkpoint.everySeconds > 0 && n < o.steps && now() - lastCheckpoint >= o.checkpoint.everySeconds * 1000) {
      await o.checkpoint.write(n);
      lastCheckpoint = now();
    }
    const elapsed = (now() - began) / 1000;
    o.onProgress?.({ step: n, steps: o.steps, t: n * o.dt, T: o.T, stepsPerSecond: (n - start) / Math.max(elapsed, 1e-9) });
    // Aim at ~0.25 s per block: few synchronisations, yet a responsive progress bar.
    blockSteps = Math.max(1, Math.min(o.capacity, Math.round(250 / Math.max(blockMs / count, 1e-3))));
  }
  return { steps: n, wallSeconds: (now() - began) / 1000, ...(stop ? { stop } : {}) };
}
