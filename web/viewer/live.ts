/**
 * Live mode of the vc models: the kinetic solver runs in the page on WebGPU and its state buffer is drawn
 * where it lies (src/render/webgpu/densityRenderer.ts); the frame loop (steps, judging, checkpoint and
 * replay, the step budget, N(t)) is liveLoop.ts, shared with nnlif (liveNnlif.ts). Each frame draws the
 * density (and the neurons of the particle system) into the WebGPU canvas, judges the steps with the
 * CLI's stop rules, reads back n(v) and draws the overlay (axes, markers, colour bar) and the two plots.
 */
import { HISTORY_CAPACITY, KineticSolver } from '../../src/host/kineticSolver';
import { PARTICLE_HISTORY_CAPACITY, ParticleSystem } from '../../src/host/particleSystem';
import { judgeKineticStep } from '../../src/host/run';
import type { KinfireConfig } from '../../src/models/config';
import { gridOf, sameGridCells, vCenter } from '../../src/models/discretization';
import { limitVelocity } from '../../src/models/limit/steadyStates';
import { voltageMarkers } from '../../src/render/canvas/axes';
import { densityLayout } from '../../src/render/canvas/layout';
import { drawLinePlot } from '../../src/render/canvas/linePlot';
import { drawDensityOverlay } from '../../src/render/canvas/overlay';
import { colorScaleRange } from '../../src/render/colorScale';
import { type ColorSettings, colorControls, colorSettingsFromUrl, colorSettingsToUrl } from './colorControls';
import { liveControls } from './liveControls';
import { type ActivityHistory, type LiveBlock, type LiveSimulation, fitCanvas, openDensityCanvas, openLiveGpu } from './liveLoop';
import { LivePage } from './livePage';
import { type LiveSettings, liveConfig, liveParticleConfig, settingsFromUrl, settingsToUrl } from './liveSettings';
import type { ViewerShell } from './shell';

/** the most neurons drawn as points */
const MAX_POINTS = 200_000;

/** A kinetic solver (and particle system) as the loop's simulation. */
interface VcSimulation extends LiveSimulation {
  config: KinfireConfig;
  readonly solver: KineticSolver;
  readonly particles: ParticleSystem | null;
}

export async function startLive(shell: ViewerShell): Promise<void> {
  const ctx = await openLiveGpu(shell);
  if (!ctx) return;
  const { device } = ctx;
  shell.densityGpu.hidden = false;
  const { canvas, context, renderer } = await openDensityCanvas(shell, device);

  let color: ColorSettings = colorSettingsFromUrl(shell.params);
  const page = new LivePage<LiveSettings>({
    shell,
    device,
    settings: settingsFromUrl(shell.params),
    stepsPerFrame: (s) => s.stepsPerFrame,
    url: (s) => ({ ...settingsToUrl(s), ...colorSettingsToUrl(color) }),
  });
  const { loop } = page;

  /** The solver (and particles) for `config`, from `p0` or the config's initial data, as the loop's simulation. */
  async function build(config: KinfireConfig, p0?: Float32Array): Promise<VcSimulation> {
    const { nv, ng } = config.grid;
    await page.building(`the solver for ${nv} × ${ng} cells (compiling kernels, uploading the initial state)`);
    const solver = await KineticSolver.create(ctx!, config, p0);
    let particles: ParticleSystem | null = null;
    if (page.settings.particles > 0) {
      if (config.model === 'vc-limit') shell.showMessage('vc-limit has no particle system (the ε → 0 limit has no neurons with a conductance); use vc with a small ε.', 'info');
      else particles = await ParticleSystem.create(ctx!, liveParticleConfig(page.settings, config));
    }
    const start = await solver.readHistory(0, 0);
    const massInitial = start.mass[0];
    const vCenters = Float64Array.from({ length: nv }, (_, i) => vCenter(solver.grid, i));
    let marginal: { n: Float32Array; particles?: Float64Array } | null = null;
    renderer.setSource(solver.density, nv, ng);
    renderer.setParticles(particles ? { slices: particles.stateSlices, vlo: solver.grid.vlo, vhi: solver.grid.vhi, gmax: solver.grid.gmax, maxPoints: MAX_POINTS } : null);

    const sim: VcSimulation = {
      config,
      solver,
      particles,
      get dt() {
        return sim.config.time.dt;
      },
      get stepIndex() {
        return solver.stepIndex;
      },
      capacity: particles ? Math.min(HISTORY_CAPACITY, PARTICLE_HISTORY_CAPACITY) : HISTORY_CAPACITY,
      historyWindow: null,
      saveCheckpoint() {
        solver.saveCheckpoint();
        particles?.saveCheckpoint();
      },
      restoreCheckpoint() {
        solver.restoreCheckpoint();
        particles?.restoreCheckpoint();
      },
      submitSteps(count) {
        solver.submitSteps(count);
        particles?.submitSteps(count);
      },
      async readBlock(first, count, t0): Promise<LiveBlock> {
        const block = await solver.readHistory(first + 1, first + count);
        const spikes = particles ? await particles.readHistory(first + 1, first + count) : null;
        const { dt, Nmax } = sim.config.time;
        let stop: LiveBlock['stop'] = null;
        for (let k = 0; k < count && !stop; k++) {
          const bad = judgeKineticStep(block.N[k], block.mass[k], massInitial, Nmax, { t: t0 + (k + 1) * dt, step: first + k + 1, keptT: t0 + k * dt });
          if (bad) stop = { index: k, ...bad };
        }
        return { series: [block.N, ...(spikes ? [spikes.N] : [])], mass: block.mass, stop };
      },
      drawGpu() {
        const dpr = fitCanvas(canvas);
        const plot = densityLayout(canvas.clientWidth, canvas.clientHeight).plot;
        renderer.draw({ ...color, plot }, context.getCurrentTexture(), dpr);
      },
      async readState() {
        // n(v) = ∫ p dg of the density (and the particles' histogram summed over g)
        const grid = solver.grid;
        const n = await solver.readVoltageMarginal();
        let particlesN: Float64Array | undefined;
        if (particles) {
          const h = await particles.histogram();
          particlesN = new Float64Array(grid.nv);
          for (let j = 0; j < h.shape[0]; j++) for (let i = 0; i < grid.nv; i++) particlesN[i] += h.density[j * grid.nv + i] * grid.dg;
        }
        marginal = { n, particles: particlesN };
      },
      draw: (t, history) => drawOverlays(sim, t, history, vCenters, marginal),
      destroy() {
        solver.destroy();
        particles?.destroy();
      },
    };
    loop.restart({ series: [start.N[0], ...(particles ? [particles.initialN] : [])], mass: massInitial });
    await sim.readState();
    if (!(page.settings.particles > 0 && config.model === 'vc-limit')) shell.clearMessage();
    return sim;
  }

  /** Apply new settings: same model and grid → new parameters on the running state; else a new solver. */
  function apply(next: LiveSettings, changed: string): void {
    const before = page.settings;
    const config = page.accept(next, liveConfig);
    if (!config) return;
    if (changed === 'spf') return;
    const current = loop.current as VcSimulation | null;
    if (!current) {
      // a solver is being built: build the latest settings instead
      void loop.replace(() => build(config));
      return;
    }
    const keepsGrid = sameGridCells(gridOf(current.config), gridOf(config));
    const rebuild = changed === 'grid' || changed === 'initial' || !keepsGrid || config.model !== current.config.model || before.particles !== next.particles;
    if (!rebuild) {
      loop.betweenFrames(() => {
        if (loop.current !== current) return;
        current.solver.setParameters(config);
        current.particles?.setParameters(liveParticleConfig(next, config));
        current.config = config;
        loop.redraw();
      });
      return;
    }
    // a new model on the same grid (vc ↔ vc-limit) carries the density over; anything else restarts
    const carry = keepsGrid && changed === 'model';
    void loop.replace(async (old) => build(config, carry && old ? await (old as VcSimulation).solver.readDensity() : undefined));
  }

  function drawOverlays(current: VcSimulation, t: number, activity: ActivityHistory, vCenters: Float64Array, marginal: { n: Float32Array; particles?: Float64Array } | null): void {
    const grid = current.solver.grid;
    const p = current.config.params;
    const range = colorScaleRange(color, renderer.range);
    // V* = (gL·VL + ḡ·VE)/(gL + ḡ) at the latest N, ḡ the mean of the g-equilibrium on [0, gmax] (as playback)
    const pde = activity.series[0]!;
    const N = pde[pde.length - 1];
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
        { x: activity.t, y: pde, label: 'N(t), PDE' },
        ...(current.particles ? [{ x: activity.t, y: activity.series[1]!, label: `N(t), ${current.particles.config.particles.count} neurons` }] : []),
      ],
      x: { min: 0, max: tEnd, label: 't' },
      y: { label: 'N(t)' },
      title: 'firing rate N(t)',
    });
    if (marginal) {
      drawLinePlot(shell.marginalPlot, {
        series: [{ x: vCenters, y: marginal.n, label: 'n(v, t), PDE' }, ...(marginal.particles ? [{ x: vCenters, y: marginal.particles, label: 'neurons' }] : [])],
        x: { min: grid.vlo, max: grid.vhi, label: 'v' },
        y: { label: 'n(v, t)', min: 0 },
        markers,
        title: 'voltage density n(v, t) = ∫ p dg',
      });
    }
  }

  // controls
  const controls = liveControls(
    shell.controls,
    page.settings,
    page.events(apply, () => {
      const current = loop.current as VcSimulation | null;
      if (current) void loop.replace(() => build(current.config));
    }),
  );
  const colors = colorControls(shell.controls, color, (next) => {
    color = next;
    loop.redraw();
    page.writeUrl();
  });
  page.attach(controls);
  await page.start(liveConfig, (config) => build(config));
}
