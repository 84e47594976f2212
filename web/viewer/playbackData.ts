/**
 * Reading a results folder for playback, from a URL (`?data=`) or from a folder the user picked:
 * what kind of folder it is (a `run` or `particles` summary.json, of any model family, a `kinfire field`
 * summary.json, or a `study` study.json), its grid,
 * markers and titles, N(t) from activity.csv (or the traces N_<grid>.csv of a study), and the
 * snapshot frames, decoded from .npy with the browser-safe decoder of src/io.
 */
import { decodeNpy } from '../../src/io/npyFormat';
import { describeElapsed, type ElapsedKernel, type ElapsedModel } from '../../src/models/elapsed/config';
import { thresholdAge } from '../../src/models/elapsed/hazard';
import { limitVelocity } from '../../src/models/limit/steadyStates';
import { type Marker, SERIES_COLORS, voltageMarkers } from '../../src/render/canvas/axes';

/** The files of a results folder; `bytes` gives null for a file that is not there. */
export interface FolderReader {
  /** the folder as the user named it (a URL or the picked folder's name) */
  label: string;
  bytes(name: string): Promise<Uint8Array | null>;
}

export class MissingFileError extends Error {
  constructor(folder: string, name: string) {
    super(`${folder}: ${name} is missing`);
    this.name = 'MissingFileError';
  }
}

/** The folder at `url` (relative to the page or absolute; a trailing / is added if absent). */
export function urlReader(url: string): FolderReader {
  const base = new URL(url.endsWith('/') ? url : `${url}/`, location.href);
  return {
    label: base.href,
    async bytes(name) {
      const response = await fetch(new URL(name, base));
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`${new URL(name, base).href}: HTTP ${response.status} ${response.statusText}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

/**
 * The files of an `<input type=file webkitdirectory>`: each has the picked folder's name as the first
 * segment of its webkitRelativePath, which is dropped so names are relative to the folder.
 */
export function fileListReader(files: FileList): FolderReader {
  const byName = new Map<string, File>();
  let folder = '';
  for (const file of Array.from(files)) {
    const [top, ...rest] = file.webkitRelativePath.split('/');
    folder ||= top ?? '';
    byName.set(rest.length ? rest.join('/') : file.name, file);
  }
  return {
    label: folder || 'the chosen folder',
    async bytes(name) {
      const file = byName.get(name);
      return file ? new Uint8Array(await file.arrayBuffer()) : null;
    },
  };
}

export async function readText(reader: FolderReader, name: string): Promise<string> {
  const bytes = await reader.bytes(name);
  if (!bytes) throw new MissingFileError(reader.label, name);
  return new TextDecoder().decode(bytes);
}

/** Columns of a CSV with a header row; empty cells (non-finite values in kinfire's files) are NaN. */
export function parseCsv(text: string, name: string): Map<string, Float64Array> {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error(`${name} is empty`);
  const header = lines[0]!.trim().split(',');
  const columns = header.map(() => new Float64Array(lines.length - 1));
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.trim().split(',');
    for (let c = 0; c < header.length; c++) columns[c]![r - 1] = cells[c] === undefined || cells[c] === '' ? Number.NaN : Number(cells[c]);
  }
  return new Map(header.map((h, c) => [h, columns[c]!]));
}

export interface Trace {
  t: Float64Array;
  N: Float64Array;
  label?: string;
}

/** Snapshot of a summary.json: the file of the frame at time t, step `step`. */
export interface SnapshotEntry {
  t: number;
  step: number;
  npy: string;
}

interface Common {
  reader: FolderReader;
  activity: Trace;
  snapshots: SnapshotEntry[];
  /** v axis: [vlo, vlo + nv·dv] */
  vlo: number;
  vhi: number;
  nv: number;
  dv: number;
  /** markers at VR, VF and, when the params define it, V* at the activity N */
  markers(N: number | null): Marker[];
  /** the panel's title for the frame at time t */
  title(t: number): string;
  /** one line on what the folder holds, for the controls */
  description: string;
  /** the series of the N(t) plot, labelled (default: the activity alone) */
  traces?: Trace[];
  /** the values may be negative (a field N): the value axis and the automatic colour range are [min, max], not from 0 */
  signed?: boolean;
}

/** Snapshots of p(v, g): runs of vc / vc-threshold and their particle histograms. */
export interface DensityDataset extends Common {
  kind: 'density';
  ng: number;
  gmax: number;
  dg: number;
  /** the axes and the colour bar's label (default v, g, p), and whether the marginal n(v) = Σ p Δg is drawn (default yes) */
  axes?: { x: string; y: string; value: string };
  marginal?: boolean;
  /** the image's width over its height on screen (1: the field's square plane); default: the panel's */
  aspect?: number;
}

/** One line of an n(v) frame: row `row` of the frame, at the abscissae `v`. */
export interface VoltageCurve {
  /** the legend's label (none when the frame has one curve) */
  label?: string;
  v: Float64Array;
  /** the hard threshold: n = 0 at this v (VF), drawn as the line's last point */
  closesAt?: number;
}

/**
 * Snapshots of n(v) drawn as lines: runs of vc-limit and of nnlif (the Fokker–Planck PDE, K populations:
 * frames of shape (K, nv), one curve each), and nnlif particle histograms; also the age density n(s) of the
 * elapsed-time model (frames of shape (ns,), the "v" axis being the age s).
 */
export interface VoltageDataset extends Common {
  kind: 'voltage';
  traces: Trace[];
  /** the axes of the line plot: voltage and n(v), or (the elapsed-time model) age and n(s) */
  xLabel: string;
  yLabel: string;
  /** one per row of a frame */
  curves: VoltageCurve[];
}

/** An ε study: N(t) of the limit and of each ε, on each grid; no snapshots. */
export interface StudyDataset {
  kind: 'study';
  reader: FolderReader;
  /** per grid (coarsest first, as in study.json), labelled NVxNG as in the N_<grid>.csv file names */
  grids: { label: string; traces: Trace[] }[];
  description: string;
  T: number;
}

export type Dataset = DensityDataset | VoltageDataset | StudyDataset;

class NotResultsError extends Error {}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
/** A time or rate as the viewer shows it: 4 significant digits, no trailing zeros. */
export const fixed = (x: number) => String(Number(x.toPrecision(4)));

/** The value of a summary field, or a NotResultsError naming what is missing. */
function field<T>(record: unknown, path: string, check: (x: unknown) => x is T): T {
  let value: unknown = record;
  // keys of objects and indices of arrays (populations.0.name)
  for (const key of path.split('.')) value = isRecord(value) ? value[key] : Array.isArray(value) ? value[Number(key)] : undefined;
  if (!check(value)) throw new NotResultsError(`its summary.json has no valid ${path}`);
  return value;
}

/**
 * V*(N) = (gL·VL + ḡ·VE)/(gL + ḡ), ḡ the mean of the conductance equilibrium N(gin + b·N, a) on [0, gmax]:
 * the voltage every neuron drifts towards at activity N (the zero of the limit velocity); null when the
 * params are not those of the vc models.
 */
function vStarOf(params: unknown, gmax: number): ((N: number) => number) | null {
  if (!isRecord(params)) return null;
  const { gL, VL, VE, gin, b, a } = params;
  if (![gL, VL, VE, gin, b, a].every(isNumber)) return null;
  const p = { gL, VL, VE, gin, b, a } as { gL: number; VL: number; VE: number; gin: number; b: number; a: number };
  return (N) => limitVelocity(p, N, gmax).vStar;
}

function markersFor(params: unknown, vStar: ((N: number) => number) | null): (N: number | null) => Marker[] {
  const known = isRecord(params) ? params : {};
  return (N) => voltageMarkers(known, vStar && N !== null && Number.isFinite(N) ? vStar(N) : null);
}

function snapshotsOf(summary: unknown): SnapshotEntry[] {
  const list = field(summary, 'snapshots', Array.isArray);
  return list.map((s: unknown, k: number) => {
    if (!isRecord(s) || !isNumber(s.t) || typeof s.npy !== 'string') throw new NotResultsError(`its summary.json has no valid snapshots[${k}]`);
    return { t: s.t, step: isNumber(s.step) ? s.step : k, npy: s.npy };
  });
}

async function activityOf(reader: FolderReader): Promise<Trace> {
  const columns = parseCsv(await readText(reader, 'activity.csv'), 'activity.csv');
  const t = columns.get('t');
  const N = columns.get('N');
  if (!t || !N) throw new Error(`${reader.label}: activity.csv has no t and N columns`);
  return { t, N };
}

/** The markers of K populations: VR and VF once where all share them, else one per population, in its colour. */
export function populationMarkers(pops: { name: string; VR: number; VF: number }[]): Marker[] {
  if (pops.every((p) => p.VR === pops[0]!.VR && p.VF === pops[0]!.VF)) return voltageMarkers(pops[0]!, null);
  return pops.flatMap((p, a) => voltageMarkers(p, null).map((m) => ({ ...m, label: `${m.label} ${p.name}`, color: SERIES_COLORS[a % SERIES_COLORS.length] })));
}

/**
 * A run of the NNLIF Fokker–Planck PDE (`kinfire run`, model nnlif) of K populations: each on its own grid,
 * n at the nodes v_i = vmin + i·h (and n(VF) = 0 for the hard threshold), a frame of shape (nv,) or (K, nv),
 * and activity.csv with N (K = 1) or N_<name> for each population.
 */
async function nnlifPdeDataset(reader: FolderReader, summary: Record<string, unknown>, progress: (text: string) => void): Promise<VoltageDataset> {
  const populations = field(summary, 'populations', Array.isArray);
  const configs = field(summary, 'config.populations', Array.isArray);
  if (populations.length < 1 || configs.length !== populations.length) throw new NotResultsError('its summary.json has no valid populations');
  if (isRecord(summary.batch)) throw new NotResultsError(`it is a batch of ${isNumber(summary.batch.members) ? summary.batch.members : 'several'} members (batch.csv, N_batch.npy), which playback does not show`);
  const K = populations.length;
  const pops = populations.map((_, a) => {
    const name = field(summary, `populations.${a}.name`, (x): x is string => typeof x === 'string');
    const nv = field(summary, `populations.${a}.grid.nv`, isNumber);
    const h = field(summary, `populations.${a}.grid.h`, isNumber);
    const vmin = field(summary, `populations.${a}.grid.vmin`, isNumber);
    const vtop = field(summary, `populations.${a}.grid.vtop`, isNumber);
    const VR = field(summary, `config.populations.${a}.VR`, isNumber);
    const VF = field(summary, `config.populations.${a}.VF`, isNumber);
    const hard = field(summary, `config.populations.${a}.firing.kind`, (x): x is string => typeof x === 'string') === 'hard';
    return { name, nv, h, vmin, vtop, VR, VF, hard };
  });
  const nv = pops[0]!.nv;
  if (pops.some((p) => p.nv !== nv)) throw new NotResultsError('its populations have grids of different nv');
  const b = field(summary, 'config.coupling.b', Array.isArray)[0]?.[0];
  const snapshots = snapshotsOf(summary);
  progress('reading activity.csv');
  const columns = parseCsv(await readText(reader, 'activity.csv'), 'activity.csv');
  const t = columns.get('t');
  const names = K === 1 ? ['N'] : pops.map((p) => `N_${p.name}`);
  const traces = names.map((column) => {
    const N = columns.get(column);
    if (!t || !N) throw new Error(`${reader.label}: activity.csv has no t and ${column} columns`);
    return { t, N, ...(K > 1 ? { label: `${column}(t)` } : {}) };
  });
  const curves: VoltageCurve[] = pops.map((p) => ({
    ...(K > 1 ? { label: `n_${p.name}(v)` } : {}),
    v: Float64Array.from({ length: nv }, (_, i) => p.vmin + i * p.h),
    ...(p.hard ? { closesAt: p.VF } : {}),
  }));
  // the axis holds every population's domain, a little beyond a hard threshold's VF so that its marker shows
  const vlo = Math.min(...pops.map((p) => p.vmin - p.h / 2));
  const vhi = Math.max(...pops.map((p) => (p.hard ? p.VF + 0.02 * (p.VF - p.vmin) : p.vtop + p.h / 2)));
  const markers = populationMarkers(pops);
  const status = typeof summary.status === 'string' && summary.status !== 'ok' ? `, status ${summary.status}` : '';
  const what = K === 1 ? (isNumber(b) ? `, b = ${b}` : '') : `, ${K} populations ${pops.map((p) => p.name).join(', ')}`;
  return {
    kind: 'voltage',
    reader,
    xLabel: 'v (voltage)',
    yLabel: 'n(v, t)',
    activity: traces[0]!,
    traces,
    curves,
    snapshots,
    vlo,
    vhi,
    nv,
    dv: pops[0]!.h,
    markers: () => markers,
    title: (time) => `n(v, t = ${fixed(time)})   nnlif (Fokker–Planck)${what}`,
    description: `run (nnlif, the Fokker–Planck PDE${K > 1 ? `, ${K} populations: ${pops.map((p) => p.name).join(', ')}` : ''}): ${snapshots.length} snapshots of n(v), ${nv} nodes${status}`,
  };
}

/**
 * A run of the elapsed-time model (`kinfire run`, model elapsed; src/io/elapsedResults.ts): n(s) at the cell
 * centres s_i = (i + ½)·ds, frames of shape (ns,) (the last cell holds every age beyond), and activity.csv
 * with N. Marked: s0, and for the instant kernel the threshold age s*(X) of the frame, X = b·N.
 */
async function elapsedDataset(reader: FolderReader, summary: Record<string, unknown>, progress: (text: string) => void): Promise<VoltageDataset> {
  const ns = field(summary, 'grid.ns', isNumber);
  const ds = field(summary, 'grid.ds', isNumber);
  const e = field(summary, 'config.elapsed', isRecord);
  const kernel = field(summary, 'config.kernel.kind', (x): x is string => typeof x === 'string');
  // JSON has no ∞: φ0 = ∞ is written as null
  const model: ElapsedModel = {
    b: field(summary, 'config.elapsed.b', isNumber),
    firing: e.firing === 'sigmoid' ? 'sigmoid' : 'threshold',
    phi0: isNumber(e.phi0) ? e.phi0 : Infinity,
    w: isNumber(e.w) ? e.w : 0,
    thresholdAge: e.thresholdAge === 'linear' ? 'linear' : 'hyperbolic',
    s0: field(summary, 'config.elapsed.s0', isNumber),
    k: field(summary, 'config.elapsed.k', isNumber),
    smin: isNumber(e.smin) ? e.smin : 0,
  };
  const config = isRecord(summary.config) ? summary.config : {};
  const described = describeElapsed({ elapsed: model, kernel: (isRecord(config.kernel) ? config.kernel : { kind: 'instant' }) as ElapsedKernel });
  const snapshots = snapshotsOf(summary);
  progress('reading activity.csv');
  const activity = await activityOf(reader);
  const status = typeof summary.status === 'string' && summary.status !== 'ok' ? `, status ${summary.status}` : '';
  const markers = (N: number | null): Marker[] => {
    const out: Marker[] = [{ at: model.s0, label: 's0' }];
    // the instant kernel's X is b·N of the same step; the others' X depends on the past
    const age = kernel === 'instant' && N !== null && Number.isFinite(N) ? thresholdAge(model, model.b * N) : Infinity;
    if (Number.isFinite(age)) out.push({ at: age, label: 's*(X)', color: '#d62728' });
    return out;
  };
  return {
    kind: 'voltage',
    reader,
    xLabel: 's (age since the last spike)',
    yLabel: 'n(s, t)',
    activity,
    traces: [activity],
    curves: [{ v: Float64Array.from({ length: ns }, (_, i) => (i + 0.5) * ds) }],
    snapshots,
    vlo: 0,
    vhi: ns * ds,
    nv: ns,
    dv: ds,
    markers,
    title: (t) => `n(s, t = ${fixed(t)})   elapsed, ${described}`,
    description: `run (elapsed, the elapsed-time model): ${snapshots.length} snapshots of n(s), ${ns} age cells of ds = ${fixed(ds)}${status}`,
  };
}

/**
 * A run of the Wilson–Cowan field (`kinfire field`; src/io/fieldResults.ts): the plane's frames N of shape (n, n),
 * row y and column x on [0, L)², as a heatmap (no marginal); the ring's (n,) at x_i = i·Δx and a network's (M,)
 * over the nodes, as a line; activity.csv's mean and max of N as N(t), the mean as the frame's N.
 */
async function fieldDataset(reader: FolderReader, summary: Record<string, unknown>, progress: (text: string) => void): Promise<DensityDataset | VoltageDataset> {
  const domain = field(summary, 'domain', (x): x is string => x === 'plane' || x === 'ring' || x === 'network');
  const n = field(summary, 'grid.n', isNumber);
  const L = field(summary, 'grid.L', isNumber);
  const dx = field(summary, 'grid.dx', isNumber);
  const snapshots = snapshotsOf(summary);
  progress('reading activity.csv');
  const columns = parseCsv(await readText(reader, 'activity.csv'), 'activity.csv');
  const [t, mean, max] = ['t', 'mean', 'max'].map((c) => columns.get(c));
  if (!t || !mean || !max) throw new Error(`${reader.label}: activity.csv has no t, mean and max columns`);
  const traces: Trace[] = [
    { t, N: mean, label: 'mean N' },
    { t, N: max, label: 'max N' },
  ];
  const kernel = isRecord(summary.config) && isRecord(summary.config.kernel) ? summary.config.kernel : {};
  const source = isRecord(summary.config) && isRecord(summary.config.source) ? summary.config.source : {};
  const what = [
    kernel.kind === 'mexican-hat' || kernel.kind === 'exponential' ? `${kernel.kind} Ae = ${kernel.Ae}, σe = ${kernel.se}, Ai = ${kernel.Ai}, σi = ${kernel.si}` : `kernel ${String(kernel.kind ?? '?')}`,
    isNumber(source.s0) ? `s0 = ${source.s0}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const status = typeof summary.status === 'string' && summary.status !== 'ok' ? `, status ${summary.status}` : '';
  const common = { reader, activity: traces[0]!, traces, snapshots, markers: () => [], signed: true };
  if (domain === 'plane') {
    return {
      kind: 'density',
      ...common,
      vlo: 0,
      vhi: L,
      nv: n,
      dv: dx,
      ng: n,
      gmax: L,
      dg: dx,
      axes: { x: 'x', y: 'y', value: 'N' },
      marginal: false,
      aspect: 1,
      title: (time) => `N(t = ${fixed(time)})   field, plane ${n}², L = ${L}, ${what}`,
      description: `run (field, the Wilson–Cowan plane): ${snapshots.length} snapshots of N on ${n} × ${n} points, L = ${L}${status}`,
    };
  }
  const ring = domain === 'ring';
  return {
    kind: 'voltage',
    ...common,
    xLabel: ring ? 'x' : 'node i',
    yLabel: ring ? 'N(x, t)' : 'N_i(t)',
    curves: [{ v: Float64Array.from({ length: n }, (_, i) => (ring ? i * dx : i)) }],
    vlo: ring ? 0 : -0.5,
    vhi: ring ? L : n - 0.5,
    nv: n,
    dv: ring ? dx : 1,
    title: (time) => `N(t = ${fixed(time)})   field, ${ring ? `ring of ${n} points, L = ${L}, ${what}` : `network of ${n} nodes`}`,
    description: `run (field, the Wilson–Cowan ${ring ? 'ring' : 'network'}): ${snapshots.length} snapshots of N on ${n} ${ring ? 'points' : 'nodes'}${status}`,
  };
}

async function datasetFromSummary(reader: FolderReader, summary: unknown, progress: (text: string) => void): Promise<DensityDataset | VoltageDataset> {
  const model = field(summary, 'model', (x): x is string => typeof x === 'string');
  if (model === 'field' && isRecord(summary)) return fieldDataset(reader, summary, progress);
  const particles = isRecord(summary) && summary.kind === 'particles';
  if (model === 'elapsed' && !particles && isRecord(summary)) return elapsedDataset(reader, summary, progress);
  if (model === 'nnlif' && !particles && isRecord(summary)) return nnlifPdeDataset(reader, summary, progress);
  if (model === 'nnlif' && particles && isRecord(summary) && Array.isArray(summary.populations) && summary.populations.length > 1) {
    throw new NotResultsError(`it is a network of ${summary.populations.length} populations, which playback does not show yet (one population only)`);
  }
  const nv = field(summary, 'grid.nv', isNumber);
  const dv = field(summary, 'grid.dv', isNumber);
  // A run's v axis starts at VL; a particle histogram's at the vlo of its resolved config.
  const vlo = particles ? field(summary, 'config.grid.vlo', isNumber) : field(summary, 'params.VL', isNumber);
  const params = isRecord(summary) ? summary.params : undefined;
  const snapshots = snapshotsOf(summary);
  progress('reading activity.csv');
  const activity = await activityOf(reader);
  const what = particles ? `particles (${model}, ${isRecord(summary) && isNumber(summary.count) ? summary.count : '?'} neurons)` : `run (${model})`;
  // ε matters only where the conductance is kinetic: not in the limit model, absent from nnlif.
  const paramText = isRecord(params) ? (model === 'vc-limit' ? ['b'] : ['eps', 'b']).filter((k) => isNumber(params[k])).map((k) => `${k === 'eps' ? 'ε' : k} = ${params[k]}`).join(', ') : '';
  const common = { reader, activity, snapshots, vlo, vhi: vlo + nv * dv, nv, dv };
  const status = isRecord(summary) && typeof summary.status === 'string' && summary.status !== 'ok' ? `, status ${summary.status}` : '';

  // nnlif params have no conductance, so no V*; every vc model's V* uses the equilibrium on the grid's [0, gmax].
  const gmaxOfGrid = isRecord(summary) && isRecord(summary.grid) && isNumber(summary.grid.gmax) ? summary.grid.gmax : Infinity;
  const markers = markersFor(params, model === 'nnlif' ? null : vStarOf(params, gmaxOfGrid));

  if (model === 'nnlif' || model === 'vc-limit') {
    return {
      kind: 'voltage',
      ...common,
      xLabel: 'v (voltage)',
      yLabel: 'n(v, t)',
      curves: [{ v: Float64Array.from({ length: nv }, (_, i) => vlo + (i + 0.5) * dv) }],
      traces: [activity],
      markers,
      title: (t) => `${particles ? 'particles ' : ''}n(v, t = ${fixed(t)})   ${model}${paramText ? `, ${paramText}` : ''}`,
      description: `${what}: ${snapshots.length} snapshots of n(v), ${nv} cells${status}`,
    };
  }
  const ng = field(summary, 'grid.ng', isNumber);
  const gmax = field(summary, 'grid.gmax', isNumber);
  const dg = field(summary, 'grid.dg', isNumber);
  return {
    kind: 'density',
    ...common,
    ng,
    gmax,
    dg,
    markers,
    title: (t) => `${particles ? 'particles ' : ''}p(v, g, t = ${fixed(t)})   ${model}${paramText ? `, ${paramText}` : ''}`,
    description: `${what}: ${snapshots.length} snapshots of p(v, g) on ${nv} × ${ng} cells${status}`,
  };
}

async function datasetFromStudy(reader: FolderReader, study: unknown, progress: (text: string) => void): Promise<StudyDataset> {
  const grids = field(study, 'grids', Array.isArray);
  const T = field(study, 'T', isNumber);
  const traces: StudyDataset['grids'] = [];
  for (const [k, entry] of grids.entries()) {
    const label = `${field(entry, 'grid.nv', isNumber)}x${field(entry, 'grid.ng', isNumber)}`;
    const name = `N_${label}.csv`;
    progress(`reading ${name} (${k + 1} / ${grids.length})`);
    const columns = parseCsv(await readText(reader, name), name);
    const t = columns.get('t');
    if (!t) throw new Error(`${reader.label}: ${name} has no t column`);
    const gridTraces = [...columns]
      .filter(([header]) => header !== 't')
      .map(([header, N]) => ({ t, N, label: header === 'N_limit' ? 'limit (vc-limit)' : header.replace(/^N_eps=/, 'ε = ') }));
    traces.push({ label, traces: gridTraces });
  }
  const eps = Array.isArray(isRecord(study) ? study.eps : undefined) ? (study as { eps: unknown[] }).eps.length : 0;
  return { kind: 'study', reader, grids: traces, T, description: `ε study: ${grids.length} grid(s) × (limit + ${eps} ε), N(t) only` };
}

/**
 * What the folder holds: summary.json (run, particles) or study.json (study). A folder with neither,
 * or with one that lacks what playback needs, is reported as not a kinfire results folder.
 */
export async function openDataset(reader: FolderReader, progress: (text: string) => void): Promise<Dataset> {
  const parse = (bytes: Uint8Array, name: string) => {
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    } catch {
      throw new NotResultsError(`its ${name} is not valid JSON`);
    }
  };
  try {
    progress('reading summary.json');
    const summary = await reader.bytes('summary.json');
    if (summary) return await datasetFromSummary(reader, parse(summary, 'summary.json'), progress);
    const study = await reader.bytes('study.json');
    if (study) return await datasetFromStudy(reader, parse(study, 'study.json'), progress);
    throw new NotResultsError('it has neither summary.json nor study.json');
  } catch (err) {
    if (err instanceof NotResultsError) throw new Error(`${reader.label} is not a kinfire results folder: ${err.message}`);
    throw err;
  }
}

/** Frames use at most this much memory; a folder whose frames fit is read whole up front. */
const FRAME_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * The decoded frames of a dataset, read on demand and kept while they fit in FRAME_BUDGET_BYTES (the
 * least recently shown are dropped first). Each frame is checked against the grid of the summary.
 */
export class FrameStore {
  private readonly cache = new Map<number, Promise<Float32Array>>();
  private readonly capacity: number;
  readonly fitsInMemory: boolean;

  constructor(private readonly dataset: DensityDataset | VoltageDataset) {
    const frameBytes = 4 * dataset.nv * (dataset.kind === 'density' ? dataset.ng : dataset.curves.length);
    this.capacity = Math.max(2, Math.floor(FRAME_BUDGET_BYTES / frameBytes));
    this.fitsInMemory = dataset.snapshots.length <= this.capacity;
  }

  get(index: number): Promise<Float32Array> {
    let frame = this.cache.get(index);
    if (frame) {
      this.cache.delete(index); // re-inserted below: the Map's order is the order of use
    } else {
      frame = this.load(index);
      const loading = frame;
      // A failed read is forgotten, so that showing the frame again retries it.
      loading.catch(() => this.cache.get(index) === loading && this.cache.delete(index));
    }
    this.cache.set(index, frame);
    while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return frame;
  }

  /**
   * Reads every frame (when they all fit), reporting progress, with four reads in flight at a time.
   * Returns why frames could not be read (a frame that failed is read again when it is shown).
   */
  async preload(progress: (done: number, total: number) => void): Promise<string[]> {
    if (!this.fitsInMemory) return [];
    const total = this.dataset.snapshots.length;
    const failures: string[] = [];
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < total) {
        await this.get(next++).catch((err: unknown) => failures.push(err instanceof Error ? err.message : String(err)));
        progress(++done, total);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, total) }, worker));
    return failures;
  }

  private async load(index: number): Promise<Float32Array> {
    const { reader } = this.dataset;
    const name = this.dataset.snapshots[index]!.npy;
    const bytes = await reader.bytes(name);
    if (!bytes) throw new MissingFileError(reader.label, name);
    let array;
    try {
      array = decodeNpy(bytes);
    } catch (err) {
      throw new Error(`${reader.label}: ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const rows = this.dataset.kind === 'density' ? this.dataset.ng : this.dataset.curves.length;
    const expected = this.dataset.kind === 'density' || rows > 1 ? [rows, this.dataset.nv] : [this.dataset.nv];
    if (array.shape.join(',') !== expected.join(',')) {
      throw new Error(`${reader.label}: ${name} has shape (${array.shape.join(', ')}) but summary.json's grid needs (${expected.join(', ')})`);
    }
    return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
  }
}
