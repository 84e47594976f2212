/**
 * What every live page does around its model (live.ts for the vc models, liveNnlif.ts, liveElapsed.ts):
 * the settings it was opened with (from the URL), the frame loop (liveLoop.ts), the URL kept in step with
 * both, a new setting checked by the model's config schema (a refusal is shown under the field it names and
 * changes nothing), and the start: the URL's settings checked, the first simulation built, the frames run.
 * Also shared: the exact steady states a page draws, computed once the parameters have rested.
 */
import { ConfigError } from '../../src/models/schema';
import { LiveLoop, type LiveSimulation, transportFromUrl, transportToUrl } from './liveLoop';
import type { PanelControls } from './livePanel';
import type { ViewerShell } from './shell';

export interface LivePageOptions<S> {
  shell: ViewerShell;
  device: GPUDevice;
  /** the settings the page opens with */
  settings: S;
  stepsPerFrame(s: S): number;
  /** the URL's keys for these settings (and whatever else the page keeps there, the colours of vc) */
  url(s: S): Record<string, string | number>;
}

/** What the page needs of a model's panel: its config errors and the play state. */
export type PanelFeedback = Pick<PanelControls<unknown>, 'showError' | 'setPlaying'>;

export class LivePage<S> {
  /** the settings in force (the last ones the config accepted) */
  settings: S;
  readonly loop: LiveLoop;
  private panel: PanelFeedback | null = null;

  constructor(private readonly o: LivePageOptions<S>) {
    this.settings = o.settings;
    this.loop = new LiveLoop({
      device: o.device,
      shell: o.shell,
      stepsPerFrame: () => o.stepsPerFrame(this.settings),
      setPlaying: (playing) => this.panel?.setPlaying(playing),
      writeUrl: () => this.writeUrl(),
      ...transportFromUrl(o.shell.params),
    });
  }

  writeUrl(): void {
    this.o.shell.writeUrl({ ...this.o.url(this.settings), ...transportToUrl(this.loop) });
  }

  /** The panel the page reports to (config errors, play state). */
  attach(panel: PanelFeedback): void {
    this.panel = panel;
    panel.setPlaying(this.loop.playing);
  }

  /** The events of a panel: new settings go to `settings`, play, pause and one step to the loop, reset to `reset`. */
  events(settings: (next: S, changed: string) => void, reset: () => void) {
    return { settings, play: () => this.loop.play(), pause: () => this.loop.pause(), step: () => this.loop.step(), reset };
  }

  /** Say that a simulation is being built (compiling kernels), and let the message paint. */
  async building(what: string): Promise<void> {
    this.o.shell.showMessage(`Building ${what} …`, 'progress');
    await new Promise((r) => setTimeout(r, 0));
  }

  /** A new simulation is built: its N(t) starts at t = 0 with `initial`; `why` says why it restarted. */
  begin(initial: { series: number[]; mass: number }, why?: string): void {
    this.loop.restart(initial);
    this.o.shell.clearMessage();
    if (why) this.o.shell.showMessage(`Restarted from the initial data at t = 0: ${why}.`, 'info');
  }

  /**
   * New settings on a page whose simulation can go on from its state: their config (refused: nothing
   * changes); a setting of the view alone (`viewOnly`) redraws; while a simulation is being built, the latest
   * config is built instead; else `whyRestart` says why the state cannot go on (a restart, saying why) or
   * null, and `goOn` applies the config to the running simulation.
   */
  change<C, Sim extends LiveSimulation>(
    next: S,
    changed: string,
    o: { resolve(s: S): C; viewOnly: readonly string[]; build(config: C, why?: string): Promise<Sim>; whyRestart(current: Sim, config: C): string | null; goOn(current: Sim, config: C): void },
  ): void {
    const config = this.accept(next, o.resolve);
    if (!config) return;
    if (o.viewOnly.includes(changed)) {
      this.loop.redraw();
      return;
    }
    const current = this.loop.current as Sim | null;
    if (!current) {
      void this.loop.replace(() => o.build(config));
      return;
    }
    const why = o.whyRestart(current, config);
    if (why) {
      void this.loop.replace(() => o.build(config, why));
      return;
    }
    this.loop.betweenFrames(() => {
      // a restart asked for meanwhile replaced the simulation, and builds the settings in force
      if (this.loop.current !== current) return;
      o.goOn(current, config);
      this.loop.redraw();
    });
  }

  /**
   * The config of `next` (by `resolve`, which throws ConfigError naming the field): then `next` is in force,
   * the errors are cleared and the URL written. Null when the config refuses it: the refusal is shown under
   * its field and nothing changes.
   */
  accept<C>(next: S, resolve: (s: S) => C): C | null {
    let config: C;
    try {
      config = resolve(next);
    } catch (err) {
      if (err instanceof ConfigError) {
        this.panel?.showError(err.field, err.problem);
        return null;
      }
      throw err;
    }
    this.panel?.showError(null);
    this.settings = next;
    this.writeUrl();
    return config;
  }

  /**
   * Start: the URL's settings through `resolve` (refused: the error is shown and nothing runs), the URL
   * written, the first simulation built by `build`, and the frames run until the page closes.
   */
  async start<C>(resolve: (s: S) => C, build: (config: C) => Promise<LiveSimulation>): Promise<void> {
    let config: C;
    try {
      config = resolve(this.settings);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.panel?.showError(err.field, err.problem);
      this.o.shell.showMessage(`The URL's parameters are not valid: ${err.message}`, 'error');
      return;
    }
    this.writeUrl();
    await this.loop.replace(() => build(config));
    this.loop.run();
  }
}

/** A solver the loop steps as it is (NnlifSolver, ElapsedSolver): a step count, a history ring, checkpoints. */
export interface SteppedSolver {
  readonly stepIndex: number;
  readonly capacity: number;
  saveCheckpoint(): void;
  restoreCheckpoint(): void;
  submitSteps(count: number): void;
  destroy(): void;
}

/**
 * A live simulation of one solver: the loop's stepping, checkpoints and clean-up go to the solver, the time
 * step and the span of N(t) are read when asked (they change with the settings); `model` gives the rest
 * (reading, judging and drawing), and is returned with those added.
 */
export function solverSimulation<T extends Pick<LiveSimulation, 'readBlock' | 'readState' | 'draw'>>(solver: SteppedSolver, dt: () => number, historyWindow: () => number | null, model: T): T & LiveSimulation {
  const stepping = {
    get dt() {
      return dt();
    },
    get stepIndex() {
      return solver.stepIndex;
    },
    capacity: solver.capacity,
    get historyWindow() {
      return historyWindow();
    },
    saveCheckpoint: () => solver.saveCheckpoint(),
    restoreCheckpoint: () => solver.restoreCheckpoint(),
    submitSteps: (count: number) => solver.submitSteps(count),
    destroy: () => solver.destroy(),
  };
  return Object.defineProperties(model, Object.getOwnPropertyDescriptors(stepping)) as T & LiveSimulation;
}

/** The exact steady states are computed this long after the last change of the parameters. */
export const STEADY_DELAY_MS = 200;

/**
 * The steady states a page draws beside its run, computed STEADY_DELAY_MS after the parameters last changed,
 * so that a slider drag stays fluid (a computation takes tens of milliseconds; a network's runs in a worker,
 * `compute` then returns a promise); until then none are drawn, since those of the old parameters would be
 * wrong. `compute` is called with the parameters of the latest `schedule`; what it gives is kept unless a
 * newer `schedule` came meanwhile.
 */
export class RestingSteadyStates<P, T> {
  value: T | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private latest = 0;

  constructor(
    private readonly compute: (params: P) => T | Promise<T>,
    /** called when a value is ready (to redraw) */
    private readonly ready: () => void,
  ) {}

  /** The steady states of `params`: at once (the page opens, a restart) or once the parameters rest. */
  schedule(params: P, now = false): void {
    clearTimeout(this.timer);
    const mine = ++this.latest;
    this.value = null;
    const keep = (value: T) => {
      if (mine !== this.latest) return;
      this.value = value;
      this.ready();
    };
    const run = () => {
      const value = this.compute(params);
      if (value instanceof Promise) void value.then(keep);
      else keep(value);
    };
    if (now) run();
    else this.timer = setTimeout(run, STEADY_DELAY_MS);
  }
}
