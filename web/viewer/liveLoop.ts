/**
 * The frame loop of live mode, shared by every model (live.ts for the voltage-conductance models,
 * liveNnlif.ts for the NNLIF Fokker–Planck PDE, liveElapsed.ts for the elapsed-time model; the page around
 * it is livePage.ts). One frame:
 *
 *   1. if playing, k steps in one submission, after a GPU copy of the state to the checkpoint;
 *   2. what the model draws straight from its GPU state (the vc density), then a wait for the queue, so
 *      the loop never runs ahead of the display;
 *   3. the k steps read back and judged by the model; a bad step pauses the run at its last good state:
 *      the checkpoint, replayed bitwise to the step before the bad one (every step is deterministic);
 *   4. the model reads what its plots need (n(v)) and draws them, with N(t) kept here.
 *
 * New parameters wait for the end of the frame in flight (betweenFrames), so that its steps and their replay
 * are those of the parameters they were submitted with; a play pressed meanwhile outlives that frame's stop.
 *
 * k is the user's steps per frame, lowered so that a frame's steps take about 25 ms of GPU time (timed by
 * waiting for the queue after them), or as long as the rest of the frame on a slow adapter: the tab never
 * freezes. A new simulation (a restart) is built with frames held; of several asked for while one is being
 * built, the last one wins. Also shared: opening WebGPU for live mode, and the URL's play/until keys.
 */
import { describeAdapter, type GpuContext, GpuUnavailableError, openGpu } from '../../src/host/gpu';
import { DensityRenderer } from '../../src/render/webgpu/densityRenderer';
import type { ViewerShell } from './shell';

const FRAME_BUDGET_MS = 25;
/** the longest wait for the display's next frame before a frame is run anyway (run) */
const FALLBACK_FRAME_MS = 100;
/** the most points of N(t) kept; beyond, every other one is dropped */
const ACTIVITY_POINTS = 20_000;

/** Why a block's step `index` (0-based in the block) must not be kept. */
export interface LiveStop {
  index: number;
  /** blowup, nonfinite, … */
  status: string;
  message: string;
}

/** A block of steps read back: the activity series and the mass after each step, and the first bad step. */
export interface LiveBlock {
  /** series[s][k]: series s (the first is the probe's N) after step k */
  series: ArrayLike<number>[];
  mass: ArrayLike<number>;
  stop: LiveStop | null;
}

/** N(t) since the start (or over the model's window): one time axis, one array per series, and the mass. */
export interface ActivityHistory {
  t: number[];
  series: number[][];
  mass: number[];
}

/** What a model gives the loop: its GPU system, how to judge and read it, and how to draw it. */
export interface LiveSimulation {
  /** the time step of the next step */
  readonly dt: number;
  /** steps taken */
  readonly stepIndex: number;
  /** the most steps one submission may take (the history ring) */
  readonly capacity: number;
  /** the span of time of N(t) kept and drawn (a scrolling plot); null: since the start */
  readonly historyWindow: number | null;
  saveCheckpoint(): void;
  restoreCheckpoint(): void;
  submitSteps(count: number): void;
  /** read back and judge the steps after dispatch `first` (`count` of them); t0 is the time before the first */
  readBlock(first: number, count: number, t0: number): Promise<LiveBlock>;
  /** encode what is drawn from the GPU state (the loop then waits for the queue); absent: nothing */
  drawGpu?(): void;
  /** read what the plots need of the current state, after steps */
  readState(): Promise<void>;
  /** draw the 2D plots and overlays */
  draw(t: number, history: ActivityHistory): void;
  destroy(): void;
}

export interface LiveLoopOptions {
  device: GPUDevice;
  shell: ViewerShell;
  /** the steps per frame asked for (at most) */
  stepsPerFrame(): number;
  /** keep the transport buttons in step with play/pause */
  setPlaying(playing: boolean): void;
  /** the loop changed what the URL holds (play, until) */
  writeUrl(): void;
  playing: boolean;
  /** play up to the step nearest this time, then pause (null: no end) */
  until: number | null;
}

export class LiveLoop {
  playing: boolean;
  until: number | null;
  /** simulated time of the state */
  t = 0;
  history: ActivityHistory = { t: [], series: [], mass: [] };
  /** why the run stopped last (null while it may go on) */
  stopped: LiveStop | null = null;
  private sim: LiveSimulation | null = null;
  private building: Promise<void> | null = null;
  private pendingBuild: ((old: LiveSimulation | null) => Promise<LiveSimulation>) | null = null;
  private singleSteps = 0;
  private budgetSteps = 1;
  private overheadMs = 0;
  private needsDraw = true;
  private lastDraw = 0;
  /** whether a frame is between its submission and its end (then new parameters wait: betweenFrames) */
  private inFrame = false;
  private readonly afterFrame: (() => void)[] = [];
  /** play() calls so far: a frame that stops keeps playing when play was pressed while it ran */
  private playRequests = 0;
  private readonly rate = { steps: 0, since: performance.now(), value: 0 };

  constructor(private readonly o: LiveLoopOptions) {
    this.playing = o.playing;
    this.until = o.until;
    window.addEventListener('resize', () => (this.needsDraw = true));
  }

  /** the simulation shown (null while one is being built) */
  get current(): LiveSimulation | null {
    return this.sim;
  }

  /** whether a new simulation is being built */
  get busy(): boolean {
    return this.building !== null;
  }

  /**
   * Replace the simulation by the one `create` builds (at t = 0, with `initial` as the first point of
   * N(t)); `create` gets the old one to read from (a state carried over), which is destroyed after. Frames
   * are held meanwhile; a failure pauses and is shown. Asked again while building, the last ask wins.
   */
  replace(create: (old: LiveSimulation | null) => Promise<LiveSimulation>): Promise<void> {
    this.pendingBuild = create;
    if (!this.building) this.building = this.buildPending();
    return this.building;
  }

  private async buildPending(): Promise<void> {
    try {
      while (this.pendingBuild) {
        const create = this.pendingBuild;
        this.pendingBuild = null;
        const old = this.sim;
        this.sim = null;
        try {
          const next = await create(old);
          if (this.pendingBuild) {
            // superseded while it was built: the next build may carry its state over
            this.sim = next;
            continue;
          }
          this.sim = next;
        } catch (err) {
          this.pause();
          this.o.shell.showMessage(err instanceof Error ? err.message : String(err), 'error');
        } finally {
          old?.destroy();
        }
      }
    } finally {
      this.building = null;
    }
  }

  /** Start the history of a new simulation at t = 0 (called by `create`, once it has the first values). */
  restart(initial: { series: number[]; mass: number }): void {
    this.t = 0;
    this.history = { t: [0], series: initial.series.map((x) => [x]), mass: [initial.mass] };
    this.budgetSteps = 1;
    this.stopped = null;
    this.needsDraw = true;
  }

  /** the state changed without steps (new parameters, colours): draw it */
  redraw(): void {
    this.needsDraw = true;
  }

  /**
   * Run `apply` (new parameters on the running simulation) now, or after the frame in flight: a frame's steps,
   * and their replay from the checkpoint after a refused step, must see the parameters they were submitted with.
   */
  betweenFrames(apply: () => void): void {
    if (this.inFrame) this.afterFrame.push(apply);
    else apply();
  }

  play(): void {
    this.playRequests++;
    if (this.until !== null && this.sim && this.t >= this.until - this.sim.dt / 2) this.until = null;
    this.playing = true;
    this.stopped = null;
    this.o.setPlaying(true);
    this.o.shell.clearMessage();
    this.o.writeUrl();
  }

  pause(): void {
    this.playing = false;
    this.o.setPlaying(false);
    this.o.writeUrl();
  }

  step(): void {
    this.singleSteps++;
  }

  /**
   * Run frames until the page closes. The next frame comes with the display's next frame, or after
   * FALLBACK_FRAME_MS where no display frame comes: a hidden tab, or headless Chromium whose compositor
   * stopped scheduling frames. A simulation
   * goes on in the background that way, at the browser's timer rate.
   */
  run(): void {
    const next = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          cancelAnimationFrame(frame);
          resolve();
        }, FALLBACK_FRAME_MS);
        const frame = requestAnimationFrame(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    const loop = async () => {
      for (;;) {
        try {
          await this.frame();
        } catch (err) {
          this.pause();
          this.o.shell.showMessage(err instanceof Error ? err.message : String(err), 'error');
        }
        await next();
      }
    };
    void loop();
  }

  private async frame(): Promise<void> {
    this.inFrame = true;
    try {
      await this.frameSteps();
    } finally {
      this.inFrame = false;
      for (const apply of this.afterFrame.splice(0)) apply();
    }
  }

  private async frameSteps(): Promise<void> {
    const sim = this.sim;
    if (!sim || this.building) return;
    const playRequests = this.playRequests;
    const { shell, device } = this.o;
    const dt = sim.dt;
    let steps = this.singleSteps > 0 ? 1 : this.playing ? Math.max(1, Math.min(this.o.stepsPerFrame(), this.budgetSteps, sim.capacity)) : 0;
    if (this.playing && this.until !== null) {
      const left = Math.round((this.until - this.t) / dt);
      steps = Math.min(steps, Math.max(left, 0));
      if (left <= 0) this.pause();
    }
    if (this.singleSteps > 0) this.singleSteps--;
    const began = performance.now();
    let stepsEnded = began;
    if (steps === 0 && !this.needsDraw && began - this.lastDraw < 250) return;
    this.needsDraw = false;
    this.lastDraw = began;
    const first = sim.stepIndex;
    if (steps > 0) {
      sim.saveCheckpoint();
      sim.submitSteps(steps);
      await device.queue.onSubmittedWorkDone();
      // the next frame takes as many steps as fit the budget at this frame's cost per step; the budget
      // is 25 ms, or the rest of the frame's work where that is longer (a slow adapter: then at most
      // half of the frame goes to stepping)
      const stepMs = performance.now() - began;
      const budget = Math.max(FRAME_BUDGET_MS, this.overheadMs);
      this.budgetSteps = Math.max(1, Math.min(sim.capacity, Math.floor((budget * steps) / Math.max(stepMs, 1e-3))));
      stepsEnded = performance.now();
    }
    if (sim.drawGpu) {
      sim.drawGpu();
      await device.queue.onSubmittedWorkDone();
      if (this.sim !== sim) return;
      shell.probe.renderer = 'webgpu';
    }
    shell.probe.frames++;

    if (steps > 0) {
      // the block and the state are read back together (their maps overlap); after a stop the state is
      // read again, once rolled back
      const [block] = await Promise.all([sim.readBlock(first, steps, this.t), sim.readState()]);
      if (this.sim !== sim) return;
      const kept = block.stop ? block.stop.index : steps;
      for (let k = 0; k < kept; k++) {
        this.t += dt;
        this.history.t.push(this.t);
        block.series.forEach((s, j) => this.history.series[j]!.push(s[k]!));
        this.history.mass.push(block.mass[k]!);
      }
      if (block.stop) {
        sim.restoreCheckpoint();
        if (kept > 0) sim.submitSteps(kept);
        shell.probe.stops++;
        if (this.playRequests === playRequests) {
          this.pause();
          this.stopped = block.stop;
          shell.showMessage(`Stopped (${block.stop.status}): ${block.stop.message}. Change a parameter or reset.`, 'stopped');
        } // else play was pressed while these steps ran (after a change, say): the next frame tries again from the kept state
        await sim.readState();
        if (this.sim !== sim) return;
      }
      this.trimHistory(sim.historyWindow);
      this.rate.steps += kept;
    }
    const now = performance.now();
    if (now - this.rate.since > 500) {
      this.rate.value = (this.rate.steps * 1000) / (now - this.rate.since);
      this.rate.steps = 0;
      this.rate.since = now;
    }
    sim.draw(this.t, this.history);
    // the frame's work besides the steps (drawing, readbacks, overlays), smoothed
    if (steps > 0) this.overheadMs = 0.8 * this.overheadMs + 0.2 * (performance.now() - stepsEnded);
    const { probe } = shell;
    probe.t = this.t;
    probe.step = sim.stepIndex;
    probe.playing = this.playing;
    const N = this.history.series[0];
    probe.N = N?.[N.length - 1] ?? null;
    probe.activity = this.history.series.map((s) => s[s.length - 1] ?? Number.NaN);
    probe.mass = this.history.mass[this.history.mass.length - 1] ?? null;
    probe.stopped = this.stopped ? { status: this.stopped.status, message: this.stopped.message } : null;
    shell.setStatus('time', `t = ${this.t.toFixed(4)} (step ${sim.stepIndex}, dt = ${dt.toPrecision(3)})`);
    shell.setStatus('rate', this.playing ? `${this.rate.value.toFixed(0)} steps/s` : this.stopped ? `stopped: ${this.stopped.status}` : 'paused');
  }

  /** Drop what is older than the window (keeping one point before it), then halve a history that is too long. */
  private trimHistory(window: number | null): void {
    const h = this.history;
    if (window !== null) {
      let drop = 0;
      while (drop + 1 < h.t.length && h.t[drop + 1]! < this.t - window) drop++;
      // in chunks, so that a long window is not spliced every frame
      if (drop > 256 || drop > h.t.length / 2) {
        h.t.splice(0, drop);
        h.mass.splice(0, drop);
        for (const s of h.series) s.splice(0, drop);
      }
    }
    if (h.t.length > ACTIVITY_POINTS) {
      const keep = (_: number, i: number) => i % 2 === 0 || i === h.t.length - 1;
      this.history = { t: h.t.filter(keep), series: h.series.map((s) => s.filter(keep)), mass: h.mass.filter(keep) };
    }
  }
}

/** WebGPU for live mode, or null after telling the user why there is none. */
export async function openLiveGpu(shell: ViewerShell): Promise<GpuContext | null> {
  shell.showMessage('Opening WebGPU …', 'progress');
  let ctx: GpuContext;
  try {
    ctx = await openGpu();
  } catch (err) {
    if (err instanceof GpuUnavailableError) {
      shell.showMessage(`Live mode needs WebGPU: ${err.message}. Playback of a results folder works without it (Playback tab).`, 'error');
      return null;
    }
    throw err;
  }
  const { device } = ctx;
  device.addEventListener('uncapturederror', (e) => shell.showMessage(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`, 'error'));
  void device.lost.then((info) => shell.showMessage(`The WebGPU device was lost (${info.reason}): ${info.message}. Reload the page; if it happens again, the browser's GPU process cannot start (README, "When live mode cannot start"). Playback of a results folder works without WebGPU (Playback tab).`, 'error'));
  shell.setStatus('adapter', describeAdapter(ctx.adapterInfo));
  return ctx;
}

/** The WebGPU canvas of the main panel, configured for `device`, and a density renderer drawing into it. */
export async function openDensityCanvas(shell: ViewerShell, device: GPUDevice): Promise<{ canvas: HTMLCanvasElement; context: GPUCanvasContext; renderer: DensityRenderer }> {
  const canvas = shell.densityGpu;
  const context = canvas.getContext('webgpu');
  if (!context) throw new Error('the density canvas gives no WebGPU context');
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'premultiplied' });
  return { canvas, context, renderer: await DensityRenderer.create(device, format) };
}

/** Make the canvas's backing store its CSS size × devicePixelRatio (before drawing a frame); the ratio. */
export function fitCanvas(canvas: HTMLCanvasElement): number {
  const dpr = window.devicePixelRatio || 1;
  const [width, height] = [Math.max(1, Math.round(canvas.clientWidth * dpr)), Math.max(1, Math.round(canvas.clientHeight * dpr))];
  if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
  return dpr;
}

/** The play state of the URL: play=0 pauses, until=T plays to t = T. */
export function transportFromUrl(params: URLSearchParams): { playing: boolean; until: number | null } {
  const until = Number(params.get('until') ?? Number.NaN);
  return { playing: params.get('play') !== '0', until: until > 0 ? until : null };
}

/** The keys of the URL the loop owns. */
export const transportToUrl = (loop: LiveLoop) => ({ ...(loop.playing ? {} : { play: 0 }), ...(loop.until !== null ? { until: loop.until } : {}) });
