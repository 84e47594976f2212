/**
 * Live mode: the kinetic solver runs in the page on WebGPU and its state buffer is drawn where it lies
 * (src/render/webgpu/densityRenderer.ts). One frame:
 *
 *   1. if playing, k steps of the solver (and of the particle system) in one submission, after a GPU
 *      copy of the state to the checkpoint;
 *   2. the density (and the neurons) drawn into the WebGPU canvas;
 *   3. wait for the queue (so it never runs ahead of the display), read back N(t) and the mass of the k
 *      steps, n(v) and the coupling (small buffers), judge the steps with the CLI's stop rules;
 *   4. the overlay (axes, markers, colour bar) and the two plots, on 2D canvases.
 *
 * k is the user's steps per frame, lowered so that a frame's steps take about 25 ms of GPU time (timed
 * by waiting for the queue after them), or as long as the rest of the frame on a slow adapter: the tab
 * never freezes, whatever the grid. A step that goes non-finite or blows up pauses the run at its last good
 * state (the checkpoint, replayed bitwise to the step before the bad one) and says why.
 */
import { describeAdapter, GpuUnavailableError, type GpuContext, openGpu } from '../../src/host/gpu';
import { KineticSolver } from '../../src/host/kineticSolver';
import { ParticleSystem } from '../../src/host/particleSystem';
import { judgeKineticStep } from '../../src/host/run';
import { ConfigError, type KinfireConfig } from '../../src/models/config';
import { gridOf, sameGridCells, vCenter } from '../../src/models/discretization';
import { limitVelocity } from '../../src/models/limit/steadyStates';
import { voltageMarkers } from '../../src/render/canvas/axes';
import { densityLayout } from '../../src/render/canvas/layout';
import { drawLinePlot } from '../../src/render/canvas/linePlot';
import { drawDensityOverlay } from '../../src/render/canvas/overlay';
import { colorScaleRange } from '../../src/render/colorScale';
import { DensityRenderer } from '../../src/render/webgpu/densityRenderer';
import { type ColorSettings, colorControls, colorSettingsFromUrl, colorSettingsToUrl } from './colorControls';
import { liveControls } from './liveControls';
import { type LiveSettings, liveConfig, liveParticleConfig, settingsFromUrl, settingsToUrl } from './liveSettings';
import type { ViewerShell } from './shell';

const FRAME_BUDGET_MS = 25;
/** the most points of N(t) kept for the plot; beyond, every other one is dropped */
const ACTIVITY_POINTS = 20_000;
/** the most neurons drawn as points */
const MAX_POINTS = 200_000;

interface Simulation {
  config: KinfireConfig;
  solver: KineticSolver;
  particles: ParticleSystem | null;
  massInitial: number;
  /** the cell centres v_i, the abscissae of n(v) */
  vCenters: Float64Array;
}

export async function startLive(shell: ViewerShell): Promise<void> {
  shell.showMessage('Opening WebGPU …', 'progress');
  let ctx: GpuContext;
  try {
    ctx = await openGpu();
  } catch (err) {
    if (err instanceof GpuUnavailableError) {
      shell.showMessage(`Live mode needs WebGPU: ${err.message}. Playback of a results folder works without it (Playback tab).`, 'error');
      return;
    }
    throw err;
  }
  const { device } = ctx;
  device.addEventListener('uncapturederror', (e) => shell.showMessage(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`, 'error'));
  void device.lost.then((info) => shell.showMessage(`The WebGPU device was lost (${info.reason}): ${info.message}. Reload the page; if it happens again, the browser's GPU process cannot start (README, "When live mode cannot start"). Playback of a results folder works without WebGPU (Playback tab).`, 'error'));
  shell.setStatus('adapter', describeAdapter(ctx.adapterInfo));
  shell.densityGpu.hidden = false;
  const canvas = shell.densityGpu;
  const maybeContext = canvas.getContext('webgpu');
  if (!maybeContext) throw new Error('the density canvas gives no WebGPU context');
  const context: GPUCanvasContext = maybeContext;
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'premultiplied' });
  const renderer = await DensityRenderer.create(device, format);

  let settings: LiveSettings = settingsFromUrl(shell.params);
  let color: ColorSettings = colorSettingsFromUrl(shell.params);
  let playing = shell.params.get('play') !== '0';
  /** ?until=T: play up to the step nearest t = T, then pause (a shared view can fix its time) */
  const untilParam = Number(shell.params.get('until') ?? Number.NaN);
  let until = untilParam > 0 ? untilParam : null;
  let singleSteps = 0;
  let sim: Simulation | null = null;
  let t = 0;
  let activity = { t: [] as number[], N: [] as number[], particlesN: [] as number[] };
  let marginal: { v: Float64Array; n: Float32Array; particles?: Float64Array } | null = null;
  let rebuilding: Promise<void> | null = null;
  const rate = { steps: 0, since: performance.now(), value: 0 };
  let budgetSteps = 1;
  let overheadMs = 0;
  /** a change that the picture must show; without one a paused view is redrawn 4 times a second */
  let needsDraw = true;
  let lastDraw = 0;
  window.addEventListener('resize', () => (needsDraw = true));

  const writeUrl = () => shell.writeUrl({ ...settingsToUrl(settings), ...colorSettingsToUrl(color), ...(playing ? {} : { play: 0 }), ...(until !== null ? { until } : {}) });

  /** Build the solver (and particles) for `config`, starting from `p0` or the config's initial data. */
  async function build(config: KinfireConfig, p0?: Float32Array): Promise<void> {
    const { nv, ng } = config.grid;
    shell.showMessage(`Building the solver for ${nv} × ${ng} cells (compiling kernels, uploading the initial state) …`, 'progress');
    await new Promise((r) => setTimeout(r, 0)); // let the message paint
    const old = sim;
    sim = null;
    old?.solver.destroy();
    old?.particles?.destroy();
    const solver = await KineticSolver.create(ctx, config, p0);
    let particles: ParticleSystem | null = null;
    if (settings.particles > 0) {
      if (config.model === 'vc-limit') shell.showMessage('vc-limit has no particle system (the ε → 0 limit has no neurons with a conductance); use vc with a small ε.', 'info');
      else particles = await ParticleSystem.create(ctx, liveParticleConfig(settings, config));
    }
    const start = await solver.readHistory(0, 0);
    sim = { config, solver, particles, massInitial: start.mass[0], vCenters: Float64Array.from({ length: nv }, (_, i) => vCenter(solver.grid, i)) };
    renderer.setSource(solver.density, nv, ng);
    renderer.setParticles(
      particles && config.model !== 'vc-limit'
        ? { slices: particles.stateSlices, vlo: solver.grid.vlo, vhi: solver.grid.vhi, gmax: solver.grid.gmax, maxPoints: MAX_POINTS }
        : null,
    );
    t = 0;
    activity = { t: [0], N: [start.N[0]], particlesN: particles ? [particles.initialN] : [] };
    budgetSteps = 1;
    if (!(settings.particles > 0 && config.model === 'vc-limit')) shell.clearMessage();
    await readState();
    needsDraw = true;
  }

  /** Apply new settings: same model and grid → new parameters on the running state; else a new solver. */
  async function apply(next: LiveSettings, changed: string): Promise<void> {
    let config: KinfireConfig;
    try {
      config = liveConfig(next);
    } catch (err) {
      if (err instanceof ConfigError) {
        controls.showError(err.field, err.problem);
        return;
      }
      throw err;
    }
    controls.showError(null);
    const before = settings;
    settings = next;
    writeUrl();
    if (changed === 'spf' || !sim) return;
    const current = sim;
    const keepsGrid = sameGridCells(gridOf(current.config), gridOf(config));
    const rebuild = changed === 'grid' || changed === 'initial' || !keepsGrid || config.model !== current.config.model || before.particles !== next.particles;
    if (!rebuild) {
      current.solver.setParameters(config);
      current.particles?.setParameters(liveParticleConfig(next, config));
      current.config = config;
      needsDraw = true;
      return;
    }
    // a new model on the same grid (vc ↔ vc-limit) carries the density over; anything else restarts
    const carry = keepsGrid && changed === 'model' ? await current.solver.readDensity() : undefined;
    await guarded(build(config, carry));
  }

  async function guarded(work: Promise<void>): Promise<void> {
    rebuilding = work;
    try {
      await work;
    } catch (err) {
      playing = false;
      controls.setPlaying(false);
      shell.showMessage(err instanceof Error ? err.message : String(err), 'error');
    } finally {
      rebuilding = null;
    }
  }

  /** n(v) of the density (and of the particles). */
  async function readState(): Promise<void> {
    if (!sim) return;
    const { solver, particles, vCenters: v } = sim;
    const grid = solver.grid;
    const n = await solver.readVoltageMarginal();
    let particlesN: Float64Array | undefined;
    if (particles) {
      const h = await particles.histogram();
      particlesN = new Float64Array(grid.nv);
      for (let j = 0; j < h.shape[0]; j++) for (let i = 0; i < grid.nv; i++) particlesN[i] += h.density[j * grid.nv + i] * grid.dg;
    }
    marginal = { v, n, particles: particlesN };
  }

  /** One frame: steps (if playing), the picture, the readbacks and checks, the overlays. */
  async function frame(): Promise<void> {
    const current = sim;
    if (!current || rebuilding) return;
    const { solver, particles, config } = current;
    const dt = config.time.dt;
    let steps = singleSteps > 0 ? 1 : playing ? Math.max(1, Math.min(settings.stepsPerFrame, budgetSteps)) : 0;
    if (playing && until !== null) {
      const left = Math.round((until - t) / dt);
      steps = Math.min(steps, Math.max(left, 0));
      if (left <= 0) {
        playing = false;
        controls.setPlaying(false);
        writeUrl();
      }
    }
    if (singleSteps > 0) singleSteps--;
    const began = performance.now();
    let stepsEnded = began;
    if (steps === 0 && !needsDraw && began - lastDraw < 250) return;
    needsDraw = false;
    lastDraw = began;
    const first = solver.stepIndex + 1;
    if (steps > 0) {
      solver.saveCheckpoint();
      particles?.saveCheckpoint();
      solver.submitSteps(steps);
      particles?.submitSteps(steps);
      await device.queue.onSubmittedWorkDone();
      // the next frame takes as many steps as fit the budget at this frame's cost per step; the budget
      // is 25 ms, or the rest of the frame's work where that is longer (a slow adapter: then at most
      // half of the frame goes to stepping)
      const stepMs = performance.now() - began;
      const budget = Math.max(FRAME_BUDGET_MS, overheadMs);
      budgetSteps = Math.max(1, Math.min(4096, Math.floor((budget * steps) / Math.max(stepMs, 1e-3))));
      stepsEnded = performance.now();
    }
    // the canvas's backing store follows its CSS size × devicePixelRatio
    const dpr = window.devicePixelRatio || 1;
    const [width, height] = [Math.max(1, Math.round(canvas.clientWidth * dpr)), Math.max(1, Math.round(canvas.clientHeight * dpr))];
    if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
    const plot = densityLayout(canvas.clientWidth, canvas.clientHeight).plot;
    renderer.draw({ ...color, plot }, context.getCurrentTexture(), dpr);
    await device.queue.onSubmittedWorkDone();
    if (sim !== current) return;
    shell.probe.renderer = 'webgpu';
    shell.probe.frames++;

    if (steps > 0) {
      const block = await solver.readHistory(first, solver.stepIndex);
      const spikes = particles ? await particles.readHistory(first, particles.stepIndex) : null;
      for (let k = 0; k < steps; k++) {
        const stop = judgeKineticStep(block.N[k], block.mass[k], current.massInitial, config.time.Nmax, { t: t + dt, step: first + k, keptT: t });
        if (stop) {
          solver.restoreCheckpoint();
          particles?.restoreCheckpoint();
          if (k > 0) {
            solver.submitSteps(k);
            particles?.submitSteps(k);
          }
          playing = false;
          controls.setPlaying(false);
          writeUrl();
          shell.showMessage(`Paused: ${stop.message}. Change a parameter or reset.`, 'error');
          break;
        }
        t += dt;
        activity.t.push(t);
        activity.N.push(block.N[k]);
        if (spikes) activity.particlesN.push(spikes.N[k]);
      }
      if (activity.t.length > ACTIVITY_POINTS) {
        const keep = (_: number, i: number) => i % 2 === 0 || i === activity.t.length - 1;
        activity = { t: activity.t.filter(keep), N: activity.N.filter(keep), particlesN: activity.particlesN.filter(keep) };
      }
      rate.steps += steps;
      await readState();
    }
    const now = performance.now();
    if (now - rate.since > 500) {
      rate.value = (rate.steps * 1000) / (now - rate.since);
      rate.steps = 0;
      rate.since = now;
    }
    drawOverlays(current);
    // the frame's work besides the steps (drawing, readbacks, overlays), smoothed
    if (steps > 0) overheadMs = 0.8 * overheadMs + 0.2 * (performance.now() - stepsEnded);
    shell.probe.t = t;
    shell.probe.step = solver.stepIndex;
    shell.probe.playing = playing;
    shell.probe.N = activity.N[activity.N.length - 1] ?? null;
    shell.setStatus('time', `t = ${t.toFixed(4)} (step ${solver.stepIndex}, dt = ${dt.toPrecision(3)})`);
    shell.setStatus('rate', playing ? `${rate.value.toFixed(0)} steps/s` : 'paused');
  }

  function drawOverlays(current: Simulation): void {
    const grid = current.solver.grid;
    const p = current.config.params;
    const range = colorScaleRange(color, renderer.range);
    // V* = (gL·VL + ḡ·VE)/(gL + ḡ) at the latest N, ḡ the mean of the g-equilibrium on [0, gmax] (as playback)
    const N = activity.N[activity.N.length - 1];
    const vStar = N !== undefined && Number.isFinite(N) ? limitVelocity(p, N, grid.gmax).vStar : null;
    if (color.range === 'auto') colors.showAutoRange(range);
    const markers = voltageMarkers(p, vStar);
    drawDensityOverlay(shell.overlay, {
      x: { min: grid.vlo, max: grid.vhi, label: 'v' },
      y: { min: 0, max: grid.gmax, label: 'g' },
      colorMap: color.colorMap,
      range,
      scale: color.scale,
      colorLabel: 'p(v, g, t)',
      markers,
      title: `${current.config.model}, ε = ${p.eps}, b = ${p.b}, t = ${t.toFixed(3)}`,
    });
    const tEnd = Math.max(t, activity.t[activity.t.length - 1] ?? 0, 1e-9);
    drawLinePlot(shell.activityPlot, {
      series: [
        { x: activity.t, y: activity.N, label: 'N(t), PDE' },
        ...(current.particles ? [{ x: activity.t, y: activity.particlesN, label: `N(t), ${current.particles.config.particles.count} neurons` }] : []),
      ],
      x: { min: 0, max: tEnd, label: 't' },
      y: { label: 'N(t)' },
      title: 'firing rate N(t)',
    });
    if (marginal) {
      drawLinePlot(shell.marginalPlot, {
        series: [{ x: marginal.v, y: marginal.n, label: 'n(v, t), PDE' }, ...(marginal.particles ? [{ x: marginal.v, y: marginal.particles, label: 'neurons' }] : [])],
        x: { min: grid.vlo, max: grid.vhi, label: 'v' },
        y: { label: 'n(v, t)', min: 0 },
        markers,
        title: 'voltage density n(v, t) = ∫ p dg',
      });
    }
  }

  // controls
  const controls = liveControls(shell.controls, settings, {
    settings: (next, changed) => void apply(next, changed),
    play: () => {
      if (until !== null && sim && t >= until - sim.config.time.dt / 2) until = null;
      playing = true;
      controls.setPlaying(true);
      shell.clearMessage();
      writeUrl();
    },
    pause: () => {
      playing = false;
      controls.setPlaying(false);
      writeUrl();
    },
    step: () => {
      singleSteps++;
    },
    reset: () => {
      if (sim) void guarded(build(sim.config));
    },
  });
  const colors = colorControls(shell.controls, color, (next) => {
    color = next;
    needsDraw = true;
    writeUrl();
  });
  controls.setPlaying(playing);

  let config: KinfireConfig;
  try {
    config = liveConfig(settings);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    controls.showError(err.field, err.problem);
    shell.showMessage(`The URL's parameters are not valid: ${err.message}`, 'error');
    return;
  }
  writeUrl();
  await guarded(build(config));

  const loop = async () => {
    try {
      await frame();
    } catch (err) {
      playing = false;
      controls.setPlaying(false);
      shell.showMessage(err instanceof Error ? err.message : String(err), 'error');
    }
    requestAnimationFrame(() => void loop());
  };
  void loop();
}
