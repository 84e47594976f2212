/**
 * Live mode for the Wilson–Cowan field,
 *
 *   ∂t N = −N + w ∗ σ(N) + s        on the periodic plane [0, L)² or the ring [0, L),
 *
 * solved in the page on WebGPU by the CLI's solver (src/host/fieldSolver.ts: the FFT convolution and the
 * exponential integrator, the same kernels), driven by the live frame loop (liveLoop.ts, livePage.ts). The plane
 * is drawn straight from the solver's buffer of N by the density renderer (src/render/webgpu/densityRenderer.ts,
 * over the [min, max] of N found on the GPU), or, in the visual-field view, through the inverse retino-cortical
 * map of the PNGs (src/models/field/retinotopy.ts visualFieldImage, on the CPU from N read back, then drawn by
 * the same renderer: the map is written once); the ring is drawn as the line N(x). Beside it the mean and max
 * of N(t) over the last `window` time units, with every homogeneous steady state N* in grey
 * (src/models/field/steadyStates.ts) and, every SPECTRUM_EVERY steps, the dominant mode of N's spectrum as the
 * solver measures it for activity.csv, against the fastest mode of the dispersion relation at the state the run
 * started from.
 *
 * What a change keeps: the kernel's amplitudes and widths (its transform ŵ recomputed by fieldProblem), σ's
 * kind, β and θ, s0, the noise, dt, the scheme and N max go on from the running state at the next step
 * (FieldSolver.setParameters); the domain, n, L and the initial data restart from the initial data at t = 0
 * and say why. A step with a non-finite N or max |N| > N max stops the run at its last good state.
 */
import { dominantMode, fieldInitialData, judgeFieldStep } from '../../src/host/fieldRun';
import { FieldSolver } from '../../src/host/fieldSolver';
import { type FieldProblem, fieldProblem, initialLevel } from '../../src/models/field/problem';
import { visualFieldImage } from '../../src/models/field/retinotopy';
import { describeSigmoid } from '../../src/models/field/sigmoid';
import { classifyHomogeneous, type HomogeneousState } from '../../src/models/field/steadyStates';
import { densityLayout } from '../../src/render/canvas/layout';
import { drawLinePlot } from '../../src/render/canvas/linePlot';
import { drawDensityOverlay } from '../../src/render/canvas/overlay';
import { type FieldLiveSettings, fieldLiveConfig, fieldSettingsFromUrl, fieldSettingsToUrl } from './liveFieldSettings';
import { fieldControls } from './liveFieldControls';
import { type ActivityHistory, type LiveBlock, type LiveSimulation, fitCanvas, openDensityCanvas, openLiveGpu } from './liveLoop';
import { LivePage, RestingSteadyStates, solverSimulation } from './livePage';
import { drawLiveActivity, fixed, runColor } from './livePlots';
import type { ViewerShell } from './shell';

/** The dominant mode of the spectrum is measured after every SPECTRUM_EVERY-th step (a forward FFT: about 1/8 of an ETDRK4 step). */
const SPECTRUM_EVERY = 5;
/** The visual-field view: a (2P)² image of the unit disk. */
const VIEW_HALF_PIXELS = 200;

interface Measured {
  t: number;
  k: number;
  mode: [number, number];
  amplitude: number;
}

interface FieldSimulation extends LiveSimulation {
  readonly solver: FieldSolver;
  /** the homogeneous level the run started from (its prediction is that state's fastest mode) */
  readonly level: number;
}

export async function startLiveField(shell: ViewerShell): Promise<void> {
  const ctx = await openLiveGpu(shell);
  if (!ctx) return;
  const { device } = ctx;
  shell.marginalPlot.hidden = true; // N is the main panel, its mean and max beside it
  const { canvas, context, renderer } = await openDensityCanvas(shell, device);
  const viewSize = 2 * VIEW_HALF_PIXELS;
  const viewBuffer = device.createBuffer({ label: 'visual-field image', size: 4 * viewSize * viewSize, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  /** the visual-field image's range, found on the CPU (its outside is NaN, which the GPU's min and max do not skip) */
  let viewRange = { min: 0, max: 1 };
  /** what the renderer draws from: N itself or the visual-field image */
  let source: { buffer: GPUBuffer; view: 'cortex' | 'visual' } | null = null;

  const page = new LivePage<FieldLiveSettings>({ shell, device, settings: fieldSettingsFromUrl(shell.params), stepsPerFrame: (s) => s.stepsPerFrame, url: fieldSettingsToUrl });
  const { loop } = page;
  const steady = new RestingSteadyStates((problem: FieldProblem) => classifyHomogeneous(problem.config, problem.wHat0, problem.s0, problem.multiplier), () => loop.redraw());
  let measured: Measured | null = null;
  /** N read back (the ring's line, the visual field's source), null until read */
  let field: Float32Array | null = null;

  /** The settings' problem; a steady initial state that does not exist is refused under initial.index (initialLevel). */
  function resolve(s: FieldLiveSettings): FieldProblem {
    const problem = fieldProblem(fieldLiveConfig(s));
    initialLevel(problem);
    return problem;
  }

  const plane = (sim: FieldSimulation) => sim.solver.problem.config.dim === 2;
  const visual = (sim: FieldSimulation) => plane(sim) && page.settings.view === 'visual';

  /** Point the renderer at what the view draws (N, or the visual-field image). */
  function useSource(sim: FieldSimulation): void {
    const view = visual(sim) ? 'visual' : 'cortex';
    const buffer = view === 'visual' ? viewBuffer : sim.solver.state;
    if (source?.buffer === buffer) return;
    const n = sim.solver.problem.config.n;
    renderer.setSource(buffer, view === 'visual' ? viewSize : n, view === 'visual' ? viewSize : n);
    source = { buffer, view };
  }

  /** Read N back where the view needs it on the CPU (the ring's line, the visual field), and make the image. */
  async function readField(sim: FieldSimulation): Promise<void> {
    if (plane(sim) && !visual(sim)) return;
    const N = await sim.solver.readField();
    if (loop.current !== sim) return;
    field = N;
    if (visual(sim)) {
      const image = visualFieldImage(N, sim.solver.problem.config.n, VIEW_HALF_PIXELS);
      let [min, max] = [Infinity, -Infinity];
      for (const x of image) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
      viewRange = min < max ? { min, max } : { min: min - 1e-6, max: max + 1e-6 };
      device.queue.writeBuffer(viewBuffer, 0, image as Float32Array<ArrayBuffer>);
    }
  }

  /** The solver for `problem` from its initial data, as the loop's simulation; `why` says why it restarted. */
  async function build(problem: FieldProblem, why?: string): Promise<FieldSimulation> {
    const c = problem.config;
    await page.building(`the field solver (${c.dim === 2 ? `${c.n} × ${c.n} plane` : `ring of ${c.n} points`}; compiling the kernels)`);
    const initial = await fieldInitialData(ctx!, problem, {});
    const solver = await FieldSolver.create(ctx!, problem, initial, { spectrumAt: (step) => step % SPECTRUM_EVERY === 0 });
    measured = null;
    field = null;
    source = null;
    const level = initialLevel(problem);
    const sim: FieldSimulation = solverSimulation<Pick<FieldSimulation, 'solver' | 'level' | 'readBlock' | 'readState' | 'draw'>>(solver, () => solver.problem.config.time.dt, () => (page.settings.window > 0 ? page.settings.window : null), {
      solver,
      level,
      async readBlock(first: number, count: number, t0: number): Promise<LiveBlock> {
        // entry k is step first + k + 1
        const block = await solver.readHistory(first, count);
        const { dt, Nmax } = solver.problem.config.time;
        let stop: LiveBlock['stop'] = null;
        for (let k = 0; k < count && !stop; k++) {
          const bad = judgeFieldStep(block, k, first + k + 1, t0 + (k + 1) * dt, Nmax);
          if (bad) stop = { index: k, ...bad };
        }
        // the latest kept step that measured the spectrum
        for (let k = (stop ? stop.index : count) - 1; k >= 0; k--) {
          const spec = block.spectrum[k]!;
          if (spec.index < 0) continue;
          measured = { t: t0 + (k + 1) * dt, ...dominantMode(spec, solver.problem.config) };
          break;
        }
        return { series: [block.mean, block.max], mass: block.mean, stop };
      },
      readState: () => readField(sim),
      draw: (t: number, history: ActivityHistory) => draw(sim, t, history),
    });
    if (problem.config.dim === 2) {
      sim.drawGpu = () => {
        useSource(sim);
        const dpr = fitCanvas(canvas);
        // the plane [0, L)² and the visual field's disk stay square
        const plot = densityLayout(canvas.clientWidth, canvas.clientHeight, 1).plot;
        const range = source!.view === 'visual' ? viewRange : 'auto';
        renderer.draw({ colorMap: 'viridis', scale: 'linear', range, extent: true, plot }, context.getCurrentTexture(), dpr);
      };
    }
    shell.densityGpu.hidden = !plane(sim);
    let sum = 0;
    let max = -Infinity;
    for (const v of initial) {
      sum += v;
      max = Math.max(max, v);
    }
    page.begin({ series: [sum / initial.length, max], mass: sum / initial.length }, why);
    steady.schedule(problem, true);
    await readField(sim).catch(() => {});
    return sim;
  }

  /** Apply new settings: the state goes on where the solver allows it (FieldSolver.whyNotContinued), else a restart. */
  function apply(next: FieldLiveSettings, changed: string): void {
    page.change(next, changed, {
      resolve,
      viewOnly: ['spf', 'window', 'view'],
      build,
      whyRestart: (current: FieldSimulation, problem) =>
        FieldSolver.whyNotContinued(current.solver.problem, problem) ?? (JSON.stringify(current.solver.problem.config.initial) !== JSON.stringify(problem.config.initial) ? 'the initial data changed' : null),
      goOn(current, problem) {
        current.solver.setParameters(problem);
        steady.schedule(problem);
      },
    });
    // the visual field is made from N on the CPU: make it now (a paused run takes no steps that would)
    const current = loop.current as FieldSimulation | null;
    if (changed === 'view' && current) void readField(current).then(() => loop.redraw());
  }

  function draw(sim: FieldSimulation, t: number, history: ActivityHistory): void {
    const { problem } = sim.solver;
    const c = problem.config;
    const states = steady.value ?? [];
    const k = c.kernel as { Ae: number; se: number; Ai: number; si: number };
    const what = `Ae = ${k.Ae}, σe = ${k.se}, Ai = ${k.Ai}, σi = ${k.si}, σ = ${describeSigmoid(c.sigmoid)}, s0 = ${problem.s0}${problem.noise ? ` + noise ${problem.noise}` : ''}`;
    if (c.dim === 2) {
      const view = source?.view ?? 'cortex';
      const range = view === 'visual' ? viewRange : renderer.range;
      drawDensityOverlay(shell.overlay, {
        ...(view === 'visual'
          ? { x: { min: -1, max: 1, label: 'visual field, horizontal' }, y: { min: -1, max: 1, label: 'vertical' } }
          : { x: { min: 0, max: c.L, label: 'x' }, y: { min: 0, max: c.L, label: 'y' } }),
        colorMap: 'viridis',
        range: range.min < range.max ? { min: range.min, max: range.max } : { min: range.min - 1e-6, max: range.max + 1e-6 },
        scale: 'linear',
        colorLabel: 'N',
        markers: [],
        aspect: 1,
        title: `N(t = ${t.toFixed(2)})${view === 'visual' ? ' in the visual field (cortex = log(retina))' : ''}   plane ${c.n}², L = ${c.L}, ${what}`,
      });
    } else if (field) {
      drawLinePlot(shell.overlay, {
        series: [{ x: Float64Array.from({ length: c.n }, (_, i) => i * c.dx), y: field, label: 'N(x, t)', color: runColor(0) }],
        x: { min: 0, max: c.L, label: 'x' },
        y: { label: 'N(x, t)' },
        title: `N(x, t = ${t.toFixed(2)})   ring of ${c.n} points, L = ${c.L}, ${what}`,
      });
    }
    // the prediction: the fastest grid mode of the state the run started from
    const start = states.reduce<HomogeneousState | null>((best, s) => (!best || Math.abs(s.N - sim.level) < Math.abs(best.N - sim.level) ? s : best), null);
    const kind = (s: HomogeneousState) => (s.stable ? 'stable' : s.turing ? 'Turing unstable' : 'unstable');
    const several = states.length > 1;
    drawLiveActivity(shell.activityPlot, {
      t,
      history,
      window: page.settings.window,
      runs: ['mean N', 'max N'],
      steady: states.map((s, j) => ({ N: s.N, label: `N*${several ? `${j + 1}` : ''} = ${fixed(s.N)} (${kind(s)})` })),
      title: `mean and max of N(t)${measured ? `; dominant k = ${fixed(measured.k)}, A = ${measured.amplitude.toExponential(2)}` : ''}${start?.grid ? `; fastest k* = ${fixed(start.grid.k)} (λ = ${fixed(start.grid.lambda)})` : ''}`,
    });
    shell.probe.spectrum = measured ? { ...measured, mode: [...measured.mode] } : null;
  }

  const controls = fieldControls(
    shell.controls,
    page.settings,
    page.events(apply, () => {
      const current = loop.current as FieldSimulation | null;
      if (current) void loop.replace(() => build(current.solver.problem));
    }),
  );
  page.attach(controls);
  await page.start(resolve, (problem) => build(problem));
}
