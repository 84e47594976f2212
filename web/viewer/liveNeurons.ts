/**
 * Live mode for the single-neuron ensembles (`kinfire neurons`): M neurons of one model (HH, FitzHugh–Nagumo,
 * Morris–Lecar I/II, Mitchell–Schaeffer), neuron i driven by its own current, stepped in the page on WebGPU by the
 * CLI's kernel (src/host/neuronEnsemble.ts) and driven by the live frame loop (liveLoop.ts, livePage.ts). The main
 * panel is the population's density over the model's plane of two slow variables (src/models/neurons/histogram.ts):
 * counted on the GPU every frame (neuronsHistogram.wgsl) and drawn from its density buffer by the density renderer,
 * as p(v, g) is, so it never leaves the GPU; beside it the population activity N(t) = spikes/(M·dt) per step.
 *
 * What a change keeps: the neurons are independent and start from rest, so every change of the model, the currents,
 * the noise, J, M, dt or the bins restarts them from rest at t = 0 (and says so). No step is refused.
 */
import { NeuronEnsemble, type EnsembleHistogram } from '../../src/host/neuronEnsemble';
import type { NeuronsRunConfig } from '../../src/models/neurons/config';
import { NEURON_MODEL_SPECS, NEURON_MODELS, type NeuronModelName } from '../../src/models/neurons/models';
import { densityLayout } from '../../src/render/canvas/layout';
import { drawDensityOverlay } from '../../src/render/canvas/overlay';
import { element } from './dom';
import { type ActivityHistory, type LiveBlock, type LiveSimulation, fitCanvas, openDensityCanvas, openLiveGpu } from './liveLoop';
import { LivePage, solverSimulation } from './livePage';
import { appliedNumbers, labelled, modelSelect, panelBase, panelHead, sliderRows, windowInput } from './livePanel';
import { type NeuronsLiveSettings, neuronDefaults, NEURONS_PARAMETERS, neuronsLiveConfig, neuronsSettingsFromUrl, neuronsSettingsToUrl } from './liveNeuronsSettings';
import { drawLiveActivity } from './livePlots';
import type { ViewerShell } from './shell';

interface NeuronsSimulation extends LiveSimulation {
  readonly ensemble: NeuronEnsemble;
  readonly config: NeuronsRunConfig;
  readonly histogram: EnsembleHistogram;
}

export async function startLiveNeurons(shell: ViewerShell): Promise<void> {
  const ctx = await openLiveGpu(shell);
  if (!ctx) return;
  const { device } = ctx;
  shell.marginalPlot.hidden = true;
  const { canvas, context, renderer } = await openDensityCanvas(shell, device);

  const page = new LivePage<NeuronsLiveSettings>({ shell, device, settings: neuronsSettingsFromUrl(shell.params), stepsPerFrame: (s) => s.stepsPerFrame, url: neuronsSettingsToUrl });
  const { loop } = page;
  /** the fraction of the neurons inside the histogram's range at the last histogram read */
  let inside = 1;

  async function build(config: NeuronsRunConfig, why?: string): Promise<NeuronsSimulation> {
    const spec = NEURON_MODEL_SPECS[config.neuron];
    await page.building(`${config.count} ${spec.title} neurons (compiling the kernels)`);
    const ensemble = await NeuronEnsemble.create(ctx!, config);
    const histogram = await ensemble.createHistogram(config.histogram!);
    const h = config.histogram!;
    renderer.setSource(histogram.density, h.nx, h.ny);
    inside = 1;
    const M = config.count;
    const sim: NeuronsSimulation = solverSimulation<Pick<NeuronsSimulation, 'ensemble' | 'config' | 'histogram' | 'readBlock' | 'readState' | 'draw'>>(
      stepping(ensemble, histogram),
      () => config.dt,
      () => (page.settings.window > 0 ? page.settings.window : null),
      {
        ensemble,
        config,
        histogram,
        async readBlock(first: number, count: number): Promise<LiveBlock> {
          const block = await ensemble.readBlock(first, count);
          return { series: [Float64Array.from(block.stepSpikes, (n) => n / (M * config.dt))], mass: new Float64Array(count).fill(inside), stop: null };
        },
        async readState() {
          const { outside } = await histogram.read();
          inside = (M - outside) / M;
        },
        draw: (t: number, history: ActivityHistory) => draw(sim, t, history),
      },
    );
    sim.drawGpu = () => {
      const encoder = device.createCommandEncoder();
      histogram.encode(encoder);
      device.queue.submit([encoder.finish()]);
      const dpr = fitCanvas(canvas);
      renderer.draw({ colorMap: 'viridis', scale: 'linear', range: 'auto', plot: densityLayout(canvas.clientWidth, canvas.clientHeight).plot }, context.getCurrentTexture(), dpr);
    };
    shell.densityGpu.hidden = false;
    page.begin({ series: [0], mass: 1 }, why);
    await sim.readState();
    return sim;
  }

  function draw(sim: NeuronsSimulation, t: number, history: ActivityHistory): void {
    const { config } = sim;
    const h = config.histogram!;
    const spec = NEURON_MODEL_SPECS[config.neuron];
    // FitzHugh–Nagumo is dimensionless (its units read '1'): no unit is shown then
    const dimensional = (u: string) => u !== '1' && u !== '';
    const unit = (c: number) => (c === 0 && dimensional(spec.units.potential) ? ` (${spec.units.potential})` : '');
    const time = dimensional(spec.units.time) ? ` ${spec.units.time}` : '';
    const range = renderer.range;
    drawDensityOverlay(shell.overlay, {
      x: { min: h.x[0], max: h.x[1], label: `${h.xName}${unit(h.xComponent)}` },
      y: { min: h.y[0], max: h.y[1], label: `${h.yName}${unit(h.yComponent)}` },
      colorMap: 'viridis',
      range: range.min < range.max ? { min: range.min, max: range.max } : { min: 0, max: 1 },
      scale: 'linear',
      colorLabel: 'neurons / (M·Δx·Δy)',
      markers: [],
      title: `${spec.title}: ${config.count} neurons over (${h.xName}, ${h.yName}), t = ${t.toFixed(2)}${time}; I ${config.I[0]} … ${config.I[config.count - 1]}${config.input.kind === 'noise' ? `, σ = ${config.input.sigma}` : ''}${config.J ? `, J = ${config.J}` : ''}; ${(100 * inside).toFixed(1)}% inside`,
    });
    drawLiveActivity(shell.activityPlot, { t, history, window: page.settings.window, runs: ['N(t)'], steady: [], title: `population activity N(t) (spikes per neuron per ${time ? spec.units.time : 'time unit'})` });
  }

  function apply(next: NeuronsLiveSettings, changed: string): void {
    page.change(next, changed, {
      resolve: neuronsLiveConfig,
      viewOnly: ['spf', 'window'],
      build,
      // the neurons start from rest: any change of the ensemble restarts it
      whyRestart: () => 'the ensemble changed (its neurons start from rest)',
      goOn: () => {},
    });
  }

  // the panel: transport, the page's model selector and the neuron model, the inputs, M, dt and the bins, the N(t) span
  const base = panelBase(page.settings, 'grid', page.events(apply, () => {
    const current = loop.current as NeuronsSimulation | null;
    if (current) void loop.replace(() => build(current.config));
  }));
  const neuron = element('select', { name: 'neuron' }, ...NEURON_MODELS.map((m) => element('option', { value: m, textContent: `${m}: ${NEURON_MODEL_SPECS[m].title}` })));
  neuron.addEventListener('change', () => {
    const s = base.settings;
    s.neuron = neuron.value as NeuronModelName;
    const d = neuronDefaults(s.neuron);
    [s.values.I0, s.values.I1, s.dt] = [d.I0, d.I1, d.dt];
    sliders.set(s.values);
    grid.set(s);
    base.emit('neurons.model');
  });
  const sliders = sliderRows(NEURONS_PARAMETERS, () => base.settings.values, base.errors, (_key, field) => base.emit(field));
  const grid = appliedNumbers(base, [
    { name: 'count', label: 'neurons M', hint: 'the ensemble size (1 … 10⁷)', get: (s) => s.count, put: (s, x) => (s.count = x) },
    { name: 'dt', label: 'dt', hint: "the time step, in the model's time unit", get: (s) => s.dt, put: (s, x) => (s.dt = x) },
    { name: 'bins', label: 'bins', hint: 'bins of the histogram along each axis (1 … 1024)', get: (s) => s.bins, put: (s, x) => (s.bins = x) },
  ]);
  const span = windowInput(base);
  shell.controls.append(
    ...panelHead(base, modelSelect('neurons'), labelled('neuron', neuron, 'the single-neuron model; its currents and dt are reset to its defaults'), base.errors.line('neurons.model')),
    element('fieldset', { className: 'parameters' }, element('legend', { textContent: 'Inputs (every change restarts from rest)' }), ...sliders.rows, base.errors.line('neurons')),
    grid.fieldset('Ensemble and time', 'M, dt and the bins restart from rest', base.errors.line('neurons.count'), base.errors.line('neurons.dt'), base.errors.line('neurons.histogram'), span.row),
  );
  const controls = base.controls((s) => {
    neuron.value = s.neuron;
    sliders.set(s.values);
    grid.set(s);
    span.set(s);
  });
  page.attach(controls);
  await page.start(neuronsLiveConfig, (config) => build(config));
}

/** The loop's stepping of an ensemble (no step is refused: its checkpoints are no-ops); the histogram goes with it. */
function stepping(ensemble: NeuronEnsemble, histogram: EnsembleHistogram) {
  return {
    get stepIndex() {
      return ensemble.stepIndex;
    },
    capacity: ensemble.capacity,
    saveCheckpoint: () => ensemble.saveCheckpoint(),
    restoreCheckpoint: () => {}, // never called: readBlock stops no block
    submitSteps: (count: number) => ensemble.submitSteps(count),
    destroy: () => {
      histogram.destroy();
      ensemble.destroy();
    },
  };
}
