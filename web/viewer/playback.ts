/**
 * Playback of a results folder written by the CLI (`run`, `particles`, `study`): scrub or play
 * through its snapshots. p(v, g) frames are drawn with WebGL (regl), so playback needs no WebGPU;
 * the axes, markers and colour bar are on the 2D overlay; beside it N(t) with a cursor at the frame's
 * time and the marginal n(v, t) = Σ_j p(v, g_j) Δg. n(v) snapshots (vc-limit runs, nnlif particles, nnlif
 * PDE runs of K populations: one line each, with a legend, and N(t) of each) and the age densities n(s) of
 * the elapsed-time model are drawn as a line plot, and
 * a study as its N(t) traces. A Wilson–Cowan field run (`kinfire field`) is the plane's N as a heatmap over its
 * [min, max] (no marginal), the ring's N(x) as a line, with the mean and max of N(t). The URL always holds mode, data, frame and
 * the colour settings, so opening it again restores the view.
 */
import { densityLayout } from '../../src/render/canvas/layout';
import { drawLinePlot, type PlotSeries } from '../../src/render/canvas/linePlot';
import { drawDensityOverlay } from '../../src/render/canvas/overlay';
import { colorScaleRange } from '../../src/render/colorScale';
import { createDensityGl, type DensityGl } from '../../src/render/webgl/densityGl';
import { colorControls, type ColorSettings, colorSettingsFromUrl, colorSettingsToUrl } from './colorControls';
import { element } from './dom';
import { type Dataset, type DensityDataset, fileListReader, fixed, type FolderReader, FrameStore, openDataset, type Trace, urlReader, type VoltageDataset } from './playbackData';
import type { ViewerShell } from './shell';

/** Snapshots are played at this interval; study traces (hundreds of samples) sweep through in about PLAY_SWEEP_MS. */
const SNAPSHOT_INTERVAL_MS = 300;
const TRACE_INTERVAL_MS = 40;
const PLAY_SWEEP_MS = 8000;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The automatic colour range of a frame: the one live mode uses (src/render/colorScale.ts). A frame
 * with nothing positive gets one decade below its maximum on a log scale, so the range is never empty.
 */
function autoRange(data: Float32Array, scale: 'linear' | 'log', signed = false): { min: number; max: number } {
  let max = -Infinity;
  let min = Infinity;
  let smallestPositive = Infinity;
  for (const x of data) {
    if (!Number.isFinite(x)) continue;
    if (x > max) max = x;
    if (x < min) min = x;
    if (x > 0 && x < smallestPositive) smallestPositive = x;
  }
  // a field of either sign (the Wilson–Cowan N) on a linear scale: its [min, max], as live mode draws it
  if (signed && scale === 'linear') return min < max ? { min, max } : { min: min - 1e-6, max: max + 1e-6 };
  const range = colorScaleRange({ scale, range: 'auto' }, { max, smallestPositive });
  return range.min < range.max ? range : { min: range.max / 10, max: range.max };
}

/** N of the trace at the sample nearest to t. */
function valueAt(trace: Trace, t: number): number | null {
  const times = trace.t;
  if (times.length === 0) return null;
  let lo = 0;
  let hi = times.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return trace.N[Math.abs(times[hi]! - t) < Math.abs(times[lo]! - t) ? hi : lo]!;
}

function extent(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) {
    if (values[k]! < min) min = values[k]!;
    if (values[k]! > max) max = values[k]!;
  }
  return min <= max ? { min, max } : { min: 0, max: 1 };
}

/** Cell centres v_i = vlo + (i + ½)Δv. */
function voltageCentres(d: DensityDataset): Float64Array {
  return Float64Array.from({ length: d.nv }, (_, i) => d.vlo + (i + 0.5) * d.dv);
}

/** The lines of an n(v) frame: row k of the frame along curve k (one per population of an nnlif run). */
function voltageSeries(d: VoltageDataset, frame: Float32Array): PlotSeries[] {
  return d.curves.map((curve, k) => {
    const n = frame.subarray(k * d.nv, (k + 1) * d.nv);
    const closed = curve.closesAt !== undefined;
    return {
      x: closed ? Float64Array.from([...curve.v, curve.closesAt!]) : curve.v,
      y: closed ? Float64Array.from([...n, 0]) : n,
      label: curve.label,
    };
  });
}

/** n(v) = Σ_j p(v, g_j) Δg of a (ng, nv) frame. */
function voltageMarginal(d: DensityDataset, p: Float32Array): Float64Array {
  const n = new Float64Array(d.nv);
  for (let j = 0; j < d.ng; j++) for (let i = 0; i < d.nv; i++) n[i]! += p[j * d.nv + i]! * d.dg;
  return n;
}

interface Player {
  colors(): ColorSettings;
  destroy(): void;
}

/**
 * Shows one dataset: builds its controls (time slider, previous/next, play, colour controls), draws
 * the frame asked for, and keeps the probe and the URL in step with what is shown.
 */
async function createPlayer(shell: ViewerShell, dataset: Dataset, dataParam: string | null, firstFrame: number, firstColors: ColorSettings): Promise<Player> {
  const { probe } = shell;
  const density = dataset.kind === 'density' ? dataset : null;
  const snapshots = dataset.kind === 'study' ? null : dataset;
  const store = snapshots ? new FrameStore(snapshots) : null;
  // A study shows the traces of one grid (the finest unless the URL names another); the longest trace, of
  // the finest grid, sets the time samples the slider moves through.
  const study = dataset.kind === 'study' ? dataset : null;
  const studyTimes = study ? study.grids.flatMap((g) => g.traces).reduce<ArrayLike<number>>((a, b) => (b.t.length > a.length ? b.t : a), []) : null;
  const urlGrid = study ? study.grids.findIndex((g) => g.label === shell.params.get('grid')) : -1;
  let studyGrid = urlGrid >= 0 ? urlGrid : Math.max(0, (study?.grids.length ?? 0) - 1);
  const times: number[] = snapshots ? snapshots.snapshots.map((s) => s.t) : Array.from(studyTimes!);
  const count = times.length;
  const vCentres = density ? voltageCentres(density) : null;
  const activityRange = snapshots ? extent(snapshots.activity.t) : null;

  shell.densityGl.hidden = !density;
  shell.activityPlot.hidden = dataset.kind === 'study';
  shell.marginalPlot.hidden = !density || density.marginal === false;
  let gl: DensityGl | null = density ? createDensityGl(shell.densityGl, { nv: density.nv, ng: density.ng }) : null;
  shell.setStatus('adapter', gl ? `WebGL, ${gl.floatTextures ? 'float textures' : '8-bit textures (no OES_texture_float)'}` : '');

  let index = Math.min(Math.max(0, Number.isInteger(firstFrame) ? firstFrame : 0), Math.max(0, count - 1));
  let frame: Float32Array | null = null;
  let colors = firstColors;
  let playing = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let request = 0;

  // Controls: the time fieldset and (for p(v, g)) the colour controls, in one section removed by destroy().
  const section = element('section', { className: 'playback-controls' });
  const slider = element('input', { type: 'range', name: 'frame', min: '0', max: String(Math.max(0, count - 1)), step: '1', value: String(index), disabled: count < 2 });
  slider.setAttribute('aria-label', 'frame');
  const previous = element('button', { type: 'button', name: 'previous', textContent: '◀ prev', title: 'previous frame' });
  const play = element('button', { type: 'button', name: 'play', textContent: '▶ play' });
  const next = element('button', { type: 'button', name: 'next', textContent: 'next ▶', title: 'next frame' });
  const frameLabel = element('output', { className: 'frame-label' });
  section.append(
    element('fieldset', {}, element('legend', { textContent: 'Results folder' }), element('p', { className: 'hint', textContent: `${dataset.reader.label}` }), element('p', { className: 'hint', textContent: dataset.description })),
    element('fieldset', { className: 'time-controls' }, element('legend', { textContent: 'Time' }), slider, element('div', { className: 'row' }, previous, play, next), frameLabel),
  );
  if (study && study.grids.length > 1) {
    const gridSelect = element('select', { name: 'grid' }, ...study.grids.map((g, k) => element('option', { value: String(k), textContent: g.label.replace('x', ' × '), selected: k === studyGrid })));
    gridSelect.addEventListener('change', () => {
      studyGrid = Number(gridSelect.value);
      draw();
      writeUrl();
    });
    section.append(element('fieldset', {}, element('legend', { textContent: 'Study' }), element('label', {}, element('span', { textContent: 'grid' }), gridSelect)));
  }
  shell.controls.append(section);
  const colorUi = density ? colorControls(section, colors, (s) => ((colors = s), draw(), writeUrl())) : null;

  function writeUrl() {
    shell.writeUrl({ mode: 'playback', data: dataParam ?? undefined, frame: index, grid: study?.grids[studyGrid]!.label, ...(density ? colorSettingsToUrl(colors) : {}) });
  }

  function draw() {
    if (count === 0) return;
    const t = times[index]!;
    const N = snapshots ? valueAt(snapshots.activity, t) : null;
    if (density && frame && gl) {
      const range = colors.range === 'auto' ? autoRange(frame, colors.scale, density.signed) : colors.range;
      colorUi!.showAutoRange(range);
      const { plot } = densityLayout(shell.overlay.clientWidth, shell.overlay.clientHeight, density.aspect);
      gl.draw(frame, { colorMap: colors.colorMap, scale: colors.scale, range, plot });
      probe.renderer = 'webgl';
      drawDensityOverlay(shell.overlay, {
        x: { min: density.vlo, max: density.vhi, label: density.axes?.x ?? 'v (voltage)' },
        y: { min: 0, max: density.gmax, label: density.axes?.y ?? 'g (conductance)' },
        colorMap: colors.colorMap,
        range,
        scale: colors.scale,
        colorLabel: density.axes?.value ?? 'p',
        markers: density.markers(N),
        title: density.title(t),
        aspect: density.aspect,
      });
      if (density.marginal !== false) drawLinePlot(shell.marginalPlot, {
        series: [{ x: vCentres!, y: voltageMarginal(density, frame) }],
        x: { min: density.vlo, max: density.vhi, label: 'v' },
        y: { label: 'n(v, t)', min: 0 },
        markers: density.markers(N),
        title: `n(v, t = ${fixed(t)}) = Σ p Δg`,
      });
    } else if (dataset.kind === 'voltage' && frame) {
      drawLinePlot(shell.overlay, {
        series: voltageSeries(dataset, frame),
        x: { min: dataset.vlo, max: dataset.vhi, label: dataset.xLabel },
        y: { label: dataset.yLabel, ...(dataset.signed ? {} : { min: 0 }) },
        markers: dataset.markers(N),
        title: dataset.title(t),
      });
    } else if (study) {
      const grid = study.grids[studyGrid]!;
      drawLinePlot(shell.overlay, {
        series: grid.traces.map((trace) => ({ x: trace.t, y: trace.N, label: trace.label })),
        x: { min: 0, max: study.T, label: 't' },
        y: { label: 'N(t)' },
        cursor: t,
        title: `N(t) of the ε study on the ${grid.label.replace('x', ' × ')} grid, t = ${fixed(t)}`,
      });
    } else return;
    if (snapshots) {
      const traces = snapshots.traces ?? [snapshots.activity];
      drawLinePlot(shell.activityPlot, {
        series: traces.map((trace) => ({ x: trace.t, y: trace.N, label: trace.label })),
        x: { ...activityRange!, label: 't' },
        y: { label: 'N(t)', ...(snapshots.signed ? {} : { min: 0 }) },
        cursor: t,
        title: 'N(t)',
      });
    }
    probe.frames++;
    probe.t = t;
    probe.step = index;
    probe.N = N;
    const step = snapshots ? `, step ${snapshots.snapshots[index]!.step}` : '';
    frameLabel.value = `frame ${index + 1} / ${count}: t = ${fixed(t)}${step}${N === null ? '' : `, N = ${fixed(N)}`}`;
    shell.setStatus('time', `t = ${fixed(t)}`);
    shell.setStatus('rate', `frame ${index + 1} / ${count}`);
  }

  /** Shows frame k once it is read; a later call wins over an earlier one still reading. */
  async function show(k: number): Promise<void> {
    const target = Math.min(Math.max(0, k), count - 1);
    const mine = ++request;
    try {
      const data = store ? await store.get(target) : null;
      if (mine !== request) return;
      index = target;
      frame = data;
      slider.value = String(index);
      draw();
      writeUrl();
    } catch (err) {
      if (mine !== request) return;
      setPlaying(false);
      shell.showMessage(errorText(err), 'error');
    }
  }

  function setPlaying(on: boolean) {
    playing = on && count > 1;
    probe.playing = playing;
    play.textContent = playing ? '❚❚ pause' : '▶ play';
    clearTimeout(timer);
    if (playing) timer = setTimeout(tick, 0);
  }

  async function tick() {
    const stride = studyTimes ? Math.max(1, Math.ceil((count * TRACE_INTERVAL_MS) / PLAY_SWEEP_MS)) : 1;
    if (index + 1 >= count) return setPlaying(false);
    await show(Math.min(count - 1, index + stride));
    if (playing) timer = setTimeout(tick, studyTimes ? TRACE_INTERVAL_MS : SNAPSHOT_INTERVAL_MS);
  }

  slider.addEventListener('input', () => {
    setPlaying(false);
    void show(Number(slider.value));
  });
  previous.addEventListener('click', () => (setPlaying(false), void show(index - 1)));
  next.addEventListener('click', () => (setPlaying(false), void show(index + 1)));
  play.addEventListener('click', async () => {
    if (playing) return setPlaying(false);
    if (index + 1 >= count) await show(0); // at the end: play from the start again
    setPlaying(true);
  });

  // Redraw at the new size (the canvases' backing stores follow their CSS size).
  let pendingResize = 0;
  const resize = new ResizeObserver(() => {
    cancelAnimationFrame(pendingResize);
    pendingResize = requestAnimationFrame(draw);
  });
  resize.observe(shell.overlay);

  const failures = store && count > 1 ? await store.preload((done, total) => shell.showMessage(`${dataset.reader.label}: reading snapshots, ${done} / ${total}`, 'progress')) : [];
  shell.clearMessage();
  if (failures.length > 0) shell.showMessage(`${failures.length} of ${count} snapshots could not be read; the first: ${failures[0]}`, 'error');
  if (count === 0) shell.showMessage(`${dataset.reader.label} holds no snapshots (output.snapshots was empty): nothing to play back`, 'info');
  else await show(index);

  return {
    colors: () => colors,
    destroy() {
      setPlaying(false);
      request++;
      resize.disconnect();
      cancelAnimationFrame(pendingResize);
      gl?.destroy();
      gl = null;
      section.remove();
    },
  };
}

/** The folder picker, always in the controls: it reads a results folder from disk, with no server. */
function folderPicker(container: HTMLElement, onPick: (files: FileList) => void): void {
  const input = element('input', { type: 'file', name: 'folder', multiple: true, webkitdirectory: true });
  input.addEventListener('change', () => {
    if (input.files && input.files.length > 0) onPick(input.files);
  });
  container.append(
    element(
      'fieldset',
      { className: 'folder-picker' },
      element('legend', { textContent: 'Open' }),
      element('label', {}, element('span', { textContent: 'results folder' }), input),
      element('p', { className: 'hint', textContent: 'a folder written by kinfire run, particles, field or study (summary.json or study.json, activity.csv, snapshots)' }),
    ),
  );
}

export async function startPlayback(shell: ViewerShell): Promise<void> {
  let player: Player | null = null;
  let opening = 0;

  /** Replaces the folder shown; of two folders opened one after the other, the later one stays. */
  async function open(reader: FolderReader, dataParam: string | null, frame: number, colors: ColorSettings) {
    const mine = ++opening;
    player?.destroy();
    player = null;
    shell.probe.renderer = null;
    try {
      const dataset = await openDataset(reader, (text) => shell.showMessage(`${reader.label}: ${text}`, 'progress'));
      if (mine !== opening) return;
      const opened = await createPlayer(shell, dataset, dataParam, frame, colors);
      if (mine === opening) player = opened;
      else opened.destroy();
    } catch (err) {
      if (mine === opening) shell.showMessage(errorText(err), 'error');
    }
  }

  const urlColors = colorSettingsFromUrl(shell.params);
  folderPicker(shell.controls, (files) => void open(fileListReader(files), null, 0, player?.colors() ?? urlColors));
  const data = shell.params.get('data');
  if (data) await open(urlReader(data), data, Number(shell.params.get('frame') ?? 0), urlColors);
  else shell.showMessage('Choose a results folder with the picker on the right, or open the viewer with ?data=<URL of a results folder>/ (kinfire view DIR does that).', 'info');
}
