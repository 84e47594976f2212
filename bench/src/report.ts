/**
 * The results of a benchmark run: their type and schema (checked before writing, and by the CI smoke
 * test), the scaling analysis (where the cost stops being linear in the problem size, and why, from the
 * measurements), and the Markdown report. Browser-safe: no Node modules.
 */
import { z } from 'zod';
import type { AdapterSummary } from '../../src/host/gpu';
import type { CopyCase, SuiteResults } from './suite';
import type { HhCountComparison } from '../peers/brian.mjs';

export const RESULTS_SCHEMA_ID = 'kinfire-bench/1';

export interface CpuReferencePeer {
  nv: number;
  ng: number;
  cpu_seconds_per_step: number;
  gpu_seconds_per_step: number;
  /** CPU time / GPU time: how many times faster the GPU step is */
  speedup: number;
  steps: number;
}

/** Brian 2 against kinfire on the same neurons: both throughputs. */
export interface BrianThroughput {
  version: string;
  count: number;
  dt: number;
  steps: number;
  brian_neuron_steps_per_s: number;
  kinfire_neuron_steps_per_s: number;
  /** kinfire / Brian neuron-steps per second at the same count */
  ratio: number;
  target: string;
  method: string;
}

/** Brian 2 on the nnlif population (bench/peers/brian2_nnlif.py), with its firing rate. */
export type BrianPeer = { skipped: string } | (BrianThroughput & { brian_rate: number });

/** Brian 2 on kinfire's HH ensemble (bench/peers/brian2_hh.py): throughputs and the spike counts of the same neurons. */
export type BrianHhPeer = { skipped: string } | (BrianThroughput & HhCountComparison);

export interface ScalingSeries {
  name: string;
  unit: 'cells' | 'neurons';
  points: { n: number; seconds: number; seconds_per_unit: number }[];
  /** least-squares fit t = fixed_s + per_unit_s · n, relative errors */
  fixed_s: number;
  per_unit_s: number;
  /** n where the fixed cost equals the proportional one (fixed_s / per_unit_s) */
  crossover_n: number;
  verdict: string;
}

export interface RuntimeComparison {
  /** the Node results compared with */
  node_results: string;
  cases: { case: string; node_seconds: number; browser_seconds: number; ratio: number }[];
  /** median of browser / node seconds per step over the matching cases */
  median_ratio: number;
  /** the ratio at the largest kinetic grid both measured */
  largest_kinetic_ratio?: number;
}

export interface BenchResults extends SuiteResults {
  schema: typeof RESULTS_SCHEMA_ID;
  mode: 'quick' | 'full';
  runtime: 'node' | 'browser';
  date: string;
  wall_s: number;
  environment: {
    adapter: AdapterSummary;
    limits: Record<string, number>;
    node?: string;
    userAgent?: string;
    cpu?: string;
    git?: string;
    timestamp_quantization: string;
  };
  options: Record<string, unknown>;
  scaling: ScalingSeries[];
  peers: { cpu_reference: CpuReferencePeer[] | { skipped: string }; brian: BrianPeer; brian_hh?: BrianHhPeer };
  comparison?: RuntimeComparison;
}

// --- schema ---------------------------------------------------------------------------------------------
const pos = z.number().positive();
const method = z.enum(['timestamp-query', 'wall']);
/** the fields every stepping case has (StepTiming in suite.ts) */
const stepTimingFields = { seconds_per_step: pos, dispatches_per_step: pos, bytes_per_step: pos, GBps: pos, roofline_fraction: pos, method, steps: pos };
const sweep = z.object({ largest_fitting: pos, largest_measured: pos, stopped: z.string().optional() });
const skipped = z.object({ skipped: z.string() });
const brianThroughput = z.object({ version: z.string(), count: pos, brian_neuron_steps_per_s: pos, kinfire_neuron_steps_per_s: pos, ratio: pos });
export const resultsSchema = z.object({
  schema: z.literal(RESULTS_SCHEMA_ID),
  mode: z.enum(['quick', 'full']),
  runtime: z.enum(['node', 'browser']),
  date: z.string().regex(/^\d{4}-\d\d-\d\dT/),
  wall_s: pos,
  environment: z.object({
    adapter: z.object({ vendor: z.string(), architecture: z.string(), description: z.string() }),
    limits: z.record(z.string(), pos),
    timestamp_quantization: z.string(),
  }),
  timing: z.object({ method, note: z.string() }),
  roofline: z.object({ GBps: pos, bytes: pos, what: z.string() }),
  copy: z.array(z.object({ bytes: pos, seconds: pos, GBps: pos, method, runs: pos })).min(1),
  kinetic: z
    .array(
      z.object({
        model: z.enum(['vc', 'vc-limit']),
        nv: pos,
        ng: pos,
        cells: pos,
        wall_seconds_per_step: pos,
        cell_updates_per_s: pos,
        conductance_chunks: pos.optional(),
        ...stepTimingFields,
      }),
    )
    .min(2),
  kernels: z.array(z.object({ kernel: z.string(), nv: pos, ng: pos, chunks: pos.optional(), seconds: pos, bytes: pos, GBps: pos, roofline_fraction: pos, step_share: pos, method })),
  particles: z
    .array(
      z.object({
        model: z.enum(['vc', 'nnlif']),
        count: pos,
        neuron_steps_per_s: pos,
        ...stepTimingFields,
      }),
    )
    .min(2),
  nnlif_pde: z.array(z.object({ members: pos, nv: pos, node_updates_per_s: pos, cpu_reference_seconds_per_step: pos.optional(), ...stepTimingFields })).optional(),
  elapsed: z.array(z.object({ kernel: z.enum(['instant', 'delay']), ns: pos, cell_updates_per_s: pos, cpu_reference_seconds_per_step: pos.optional(), ...stepTimingFields })).optional(),
  field: z.array(z.object({ n: pos, points: pos, fft_route: z.string(), seconds_per_step: pos, step_bytes: pos, step_GBps: pos, step_roofline_fraction: pos, fft_seconds: pos, fft_bytes: pos, fft_GBps: pos, fft_roofline_fraction: pos, point_updates_per_s: pos, method: z.string(), steps: pos })).optional(),
  field_stopped: z.string().optional(),
  neurons: z.array(z.object({ model: z.string(), coupled: z.boolean(), count: pos, neuron_steps_per_s: pos, steps_per_dispatch: pos, memory_bound_neuron_steps_per_s: pos, cpu_reference_neuron_steps_per_s: pos.optional(), ...stepTimingFields })).optional(),
  sweeps: z.object({ copy: sweep, kinetic: z.record(z.string(), sweep), particles: z.record(z.string(), sweep) }),
  scaling: z.array(z.object({ name: z.string(), unit: z.string(), points: z.array(z.object({ n: pos, seconds: pos, seconds_per_unit: pos })).min(1), verdict: z.string().min(1) })).min(1),
  peers: z.object({
    cpu_reference: z.union([z.array(z.object({ nv: pos, ng: pos, cpu_seconds_per_step: pos, gpu_seconds_per_step: pos, speedup: pos, steps: pos })), z.object({ skipped: z.string() })]),
    brian: z.union([skipped, brianThroughput]),
    brian_hh: z.union([skipped, brianThroughput.extend({ neurons_differing: z.number().int().nonnegative(), max_count_difference: z.number().int().nonnegative() })]).optional(),
  }),
});

/** Throws with the offending fields when `results` is not well-formed. */
export function checkResults(results: unknown): BenchResults {
  const parsed = resultsSchema.safeParse(results);
  if (!parsed.success) throw new Error(`malformed benchmark results: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return results as BenchResults;
}

// --- scaling --------------------------------------------------------------------------------------------
/** Weighted least squares of t = a + b n with relative errors (weights 1/t²); a ≥ 0. */
export function fitAffine(n: number[], t: number[]): { a: number; b: number } {
  let s00 = 0, s01 = 0, s11 = 0, r0 = 0, r1 = 0;
  for (let k = 0; k < n.length; k++) {
    const w = 1 / (t[k] * t[k]);
    s00 += w;
    s01 += w * n[k];
    s11 += w * n[k] * n[k];
    r0 += w * t[k];
    r1 += w * n[k] * t[k];
  }
  const det = s00 * s11 - s01 * s01;
  if (n.length >= 2 && det > 0) {
    const a = (r0 * s11 - r1 * s01) / det;
    const b = (s00 * r1 - s01 * r0) / det;
    if (a >= 0 && b > 0) return { a, b };
  }
  return { a: 0, b: r1 / s11 };
}

/** Copy seconds per byte at `bytes` (log-log interpolation of the copy sweep, clamped at its ends). */
export function copySecondsPerByte(copy: CopyCase[], bytes: number): number {
  const pts = [...copy].sort((x, y) => x.bytes - y.bytes);
  const spb = (c: CopyCase) => c.seconds / (2 * c.bytes);
  if (bytes <= pts[0].bytes) return spb(pts[0]);
  for (let k = 1; k < pts.length; k++) {
    if (bytes <= pts[k].bytes) {
      const f = Math.log(bytes / pts[k - 1].bytes) / Math.log(pts[k].bytes / pts[k - 1].bytes);
      return Math.exp((1 - f) * Math.log(spb(pts[k - 1])) + f * Math.log(spb(pts[k])));
    }
  }
  return spb(pts[pts.length - 1]);
}

const sci = (x: number, d = 3): string => (!Number.isFinite(x) ? '—' : x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5) ? x.toExponential(d - 1) : x.toPrecision(d));
const seconds = (s: number): string => (s >= 1 ? `${s.toPrecision(3)} s` : s >= 1e-3 ? `${(s * 1e3).toPrecision(3)} ms` : `${(s * 1e6).toPrecision(3)} µs`);

/**
 * One series of the scaling table, with a verdict from the measurements: the fixed per-step cost that
 * dominates small sizes (from the affine fit), and any rise of the cost per unit at large sizes,
 * checked against the copy kernel at the same state size to tell the memory hierarchy (the copy slows
 * down as well) from the kernel itself (it does not).
 */
export function scalingSeries(name: string, unit: 'cells' | 'neurons', points: { n: number; seconds: number }[], copy: CopyCase[], overheadCause: string): ScalingSeries {
  const pts = [...points].sort((x, y) => x.n - y.n).map((p) => ({ ...p, seconds_per_unit: p.seconds / p.n }));
  const { a, b } = fitAffine(
    pts.map((p) => p.n),
    pts.map((p) => p.seconds),
  );
  const crossover = b > 0 ? a / b : Infinity;
  const parts: string[] = [];
  if (pts.length < 2) {
    parts.push(`one size only (${pts[0]?.n} ${unit}): no scaling to judge`);
  } else {
    const first = pts[0];
    const lastP = pts[pts.length - 1];
    const best = pts.reduce((m, p) => (p.seconds_per_unit < m.seconds_per_unit ? p : m), pts[0]);
    if (a > 0 && crossover > first.n) {
      parts.push(
        `below about ${sci(crossover, 2)} ${unit} a fixed cost of ${seconds(a)} per step dominates (${overheadCause}): ` +
          `the time per ${unit.slice(0, -1)} at ${first.n} is ${sci(first.seconds_per_unit / best.seconds_per_unit, 2)}× its best (at ${best.n})`,
      );
    } else {
      parts.push(`the fixed per-step cost (fit: ${seconds(a)}) stays below the proportional cost at every size measured`);
    }
    const rise = lastP.seconds_per_unit / best.seconds_per_unit;
    if (best === lastP) {
      parts.push(`the time per ${unit.slice(0, -1)} is lowest at the largest size measured (${lastP.n}): the linear regime is reached there or beyond`);
    } else if (rise > 1.25) {
      const copyRise = copySecondsPerByte(copy, 4 * lastP.n) / copySecondsPerByte(copy, 4 * best.n);
      const cause =
        copyRise > 1.1 && copyRise >= 0.75 * rise
          ? `the copy kernel's time per byte rises ${sci(copyRise, 2)}× between the same state sizes, so it is the memory hierarchy (the working set leaves the caches)`
          : `the copy kernel's time per byte changes only ${sci(copyRise, 2)}× between the same state sizes, so it is the kernels themselves, not the memory`;
      parts.push(`above ${best.n} ${unit} the cost grows faster than linearly: the time per ${unit.slice(0, -1)} rises ${sci(rise, 2)}× up to ${lastP.n}; ${cause}`);
    } else {
      parts.push(`from ${best.n} ${unit} up to ${lastP.n} the cost is linear within ${sci(100 * (rise - 1), 2)}%`);
    }
  }
  return { name, unit, points: pts, fixed_s: a, per_unit_s: b, crossover_n: crossover, verdict: `${parts.join('; ')}.` };
}

/** The scaling series of a run: kinetic models in cells, particle models in neurons. */
export function scalingOf(r: SuiteResults): ScalingSeries[] {
  const out: ScalingSeries[] = [];
  for (const model of ['vc', 'vc-limit'] as const) {
    const cases = r.kinetic.filter((k) => k.model === model);
    const pts = cases.map((k) => ({ n: k.cells, seconds: k.seconds_per_step }));
    const dispatches = [...new Set(cases.map((k) => k.dispatches_per_step))].join(' or ');
    if (pts.length) out.push(scalingSeries(`kinetic ${model}`, 'cells', pts, r.copy, `${dispatches} dispatches per step, two of them single-workgroup (the factorization: a block of at least 32 rows, then a scan; and N(t))`));
  }
  for (const model of ['vc', 'nnlif'] as const) {
    const pts = r.particles.filter((p) => p.model === model).map((p) => ({ n: p.count, seconds: p.seconds_per_step }));
    if (pts.length) out.push(scalingSeries(`particles ${model}`, 'neurons', pts, r.copy, '2 dispatches per step, one of them a single invocation (N(t) and the feedback)'));
  }
  return out;
}

/** Browser / Node seconds per step over the cases both runs measured. */
export function compareRuntimes(browser: SuiteResults, node: SuiteResults, nodeFile: string): RuntimeComparison {
  const cases: RuntimeComparison['cases'] = [];
  for (const k of browser.kinetic) {
    const n = node.kinetic.find((x) => x.model === k.model && x.nv === k.nv && x.ng === k.ng);
    if (n) cases.push({ case: `kinetic ${k.model} ${k.nv}x${k.ng}`, node_seconds: n.seconds_per_step, browser_seconds: k.seconds_per_step, ratio: k.seconds_per_step / n.seconds_per_step });
  }
  for (const p of browser.particles) {
    const n = node.particles.find((x) => x.model === p.model && x.count === p.count);
    if (n) cases.push({ case: `particles ${p.model} ${p.count}`, node_seconds: n.seconds_per_step, browser_seconds: p.seconds_per_step, ratio: p.seconds_per_step / n.seconds_per_step });
  }
  const ratios = cases.map((c) => c.ratio).sort((x, y) => x - y);
  const median = ratios.length ? (ratios.length % 2 ? ratios[ratios.length >> 1] : 0.5 * (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2])) : NaN;
  const kin = cases.filter((c) => c.case.startsWith('kinetic vc '));
  return { node_results: nodeFile, cases, median_ratio: median, ...(kin.length ? { largest_kinetic_ratio: kin[kin.length - 1].ratio } : {}) };
}

// --- Markdown -------------------------------------------------------------------------------------------
const firstLine = (text: string): string => text.split('\n')[0].trim().replace(/\.$/, '');
const mib = (b: number): string => (b >= 2 ** 30 ? `${(b / 2 ** 30).toPrecision(3)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toPrecision(3)} MiB` : `${(b / 2 ** 10).toPrecision(3)} KiB`);
const pct = (f: number): string => `${(100 * f).toPrecision(3)}%`;

export function describeTiming(r: BenchResults): string {
  return r.timing.method === 'timestamp-query'
    ? `GPU time from timestamp queries (${r.environment.timestamp_quantization})`
    : `wall time over many steps with one synchronisation (${r.timing.note})`;
}

export function markdownReport(r: BenchResults): string {
  const e = r.environment;
  const lines: string[] = [];
  const adapter = [e.adapter.vendor, e.adapter.architecture, e.adapter.description].filter(Boolean).join(' / ');
  lines.push(`# kinfire benchmark: ${adapter} (${r.runtime}, ${r.mode}, ${r.date.slice(0, 10)})`, '');
  lines.push(`- Runtime: ${r.runtime === 'node' ? `Node ${e.node} with Dawn (the \`webgpu\` package)` : `headless Chromium: ${e.userAgent}`}${e.cpu ? `; CPU ${e.cpu}` : ''}${e.git ? `; git ${e.git}` : ''}`);
  lines.push(`- Timing: ${describeTiming(r)}.`);
  lines.push(`- Limits used: ${Object.entries(e.limits).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  lines.push(`- Roofline: ${r.roofline.GBps.toPrecision(3)} GB/s, the ${r.roofline.what}. Whole run ${r.wall_s.toFixed(1)} s.`, '');

  lines.push('## Copy kernel (the bandwidth reference)', '', '| buffer | time per copy | GB/s (2 × bytes / time) |', '|---|---|---|');
  for (const c of r.copy) lines.push(`| ${mib(c.bytes)} | ${seconds(c.seconds)} | ${c.GBps.toPrecision(3)} |`);
  if (r.sweeps.copy.stopped) lines.push('', `Stopped before the largest that fits (${mib(r.sweeps.copy.largest_fitting)}): ${firstLine(r.sweeps.copy.stopped)}.`);

  lines.push('', '## Kinetic step', '', '| model | grid | time per step | cell-updates/s | g-chunks | dispatches/step | bytes/step | GB/s | of copy bandwidth | timing |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const k of r.kinetic) lines.push(`| ${k.model} | ${k.nv}² | ${seconds(k.seconds_per_step)} | ${sci(k.cell_updates_per_s)} | ${k.conductance_chunks ?? '—'} | ${k.dispatches_per_step} | ${mib(k.bytes_per_step)} | ${k.GBps.toPrecision(3)} | ${pct(k.roofline_fraction)} | ${k.method}, ${k.steps} steps × ${k.reps} |`);
  for (const [model, s] of Object.entries(r.sweeps.kinetic)) lines.push('', `${model}: largest grid that fits one binding ${s.largest_fitting}², measured up to ${s.largest_measured}²${s.stopped ? `; stopped: ${firstLine(s.stopped)}` : ''}.`);

  if (r.kernels.length) {
    lines.push('', '## Kernels and reductions alone (vc)', '', 'g-chunks: the column chunks P of the g-solve the kernel ran with (the step itself uses the P of the kinetic table).', '', '| grid | kernel | g-chunks | what | time | bytes | GB/s | of copy bandwidth | share of the step |', '|---|---|---|---|---|---|---|---|---|');
    for (const k of r.kernels) lines.push(`| ${k.nv}² | ${k.kernel} | ${k.chunks ?? '—'} | ${k.what} | ${seconds(k.seconds)} | ${mib(k.bytes)} | ${k.GBps.toPrecision(3)} | ${pct(k.roofline_fraction)} | ${pct(k.step_share)} |`);
  }

  lines.push('', '## Particle systems', '', '| model | neurons | time per step | neuron-steps/s | dispatches/step | bytes/step | GB/s | of copy bandwidth | timing |', '|---|---|---|---|---|---|---|---|---|');
  for (const p of r.particles) lines.push(`| ${p.model} | ${p.count} | ${seconds(p.seconds_per_step)} | ${sci(p.neuron_steps_per_s)} | ${p.dispatches_per_step} | ${mib(p.bytes_per_step)} | ${p.GBps.toPrecision(3)} | ${pct(p.roofline_fraction)} | ${p.method}, ${p.steps} steps × ${p.reps} |`);
  for (const [model, s] of Object.entries(r.sweeps.particles)) lines.push('', `${model}: largest count that fits ${s.largest_fitting}, measured up to ${s.largest_measured}${s.stopped ? `; stopped: ${firstLine(s.stopped)}` : ''}.`);

  if (r.nnlif_pde?.length) {
    lines.push('', '## NNLIF PDE (nnlifStep.wgsl, one invocation per member)', '', '| members | nodes | time per step | node-updates/s | bytes/step | GB/s | of copy bandwidth | f64 CPU twin per step | GPU speed-up | timing |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const c of r.nnlif_pde) lines.push(`| ${c.members} | ${c.nv} | ${seconds(c.seconds_per_step)} | ${sci(c.node_updates_per_s)} | ${mib(c.bytes_per_step)} | ${c.GBps.toPrecision(3)} | ${pct(c.roofline_fraction)} | ${c.cpu_reference_seconds_per_step !== undefined ? seconds(c.cpu_reference_seconds_per_step) : '—'} | ${c.cpu_reference_seconds_per_step !== undefined ? `${(c.cpu_reference_seconds_per_step / c.seconds_per_step).toPrecision(3)}×` : '—'} | ${c.method}, ${c.steps} steps × ${c.reps} |`);
  }

  if (r.elapsed?.length) {
    lines.push('', '## Elapsed-time model (elapsedStep.wgsl, one workgroup of 64 invocations)', '', 'instant: the boundary relation N = G(N) is solved in every step (sigmoid firing: a pass over the cells and a workgroup reduction per evaluation, the 24-point scan four points a reduction, then Illinois); delay: X comes from the past (one evaluation). Sigmoid firing, b = −0.5 (elapsedBenchConfig).', '', '| kernel | age cells | time per step | cell-updates/s | bytes/step | GB/s | of copy bandwidth | f64 CPU twin per step | GPU speed-up | timing |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const c of r.elapsed) lines.push(`| ${c.kernel} | ${c.ns} | ${seconds(c.seconds_per_step)} | ${sci(c.cell_updates_per_s)} | ${mib(c.bytes_per_step)} | ${c.GBps.toPrecision(3)} | ${pct(c.roofline_fraction)} | ${c.cpu_reference_seconds_per_step !== undefined ? seconds(c.cpu_reference_seconds_per_step) : '—'} | ${c.cpu_reference_seconds_per_step !== undefined ? `${(c.cpu_reference_seconds_per_step / c.seconds_per_step).toPrecision(3)}×` : '—'} | ${c.method}, ${c.steps} steps × ${c.reps} |`);
  }

  if (r.neurons?.length) {
    lines.push(
      '',
      '## Single neurons (neuronsStep.wgsl, one invocation a neuron; `kinfire neurons`)',
      '',
      'RK4, the current swept over the ensemble through the onset of firing (neuronsBenchConfig), no traces. Uncoupled, the state stays in registers over the steps of a dispatch, so the bytes per step (state, current, counters: bytes.ts) shrink with the steps a dispatch takes; coupled (J ≠ 0, HH), every step is a dispatch and a clock dispatch. "memory-bound" is the rate a step would reach moving those bytes every step at the copy bandwidth.',
      '',
      '| model | neurons | steps a dispatch | time per step | neuron-steps/s | bytes/step | GB/s | of copy | memory-bound neuron-steps/s | f64 CPU twin neuron-steps/s | GPU speed-up | timing |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const c of r.neurons) {
      const cpu = c.cpu_reference_neuron_steps_per_s;
      lines.push(`| ${c.model}${c.coupled ? ' (coupled)' : ''} | ${c.count} | ${c.steps_per_dispatch} | ${seconds(c.seconds_per_step)} | ${sci(c.neuron_steps_per_s)} | ${mib(c.bytes_per_step)} | ${c.GBps.toPrecision(3)} | ${pct(c.roofline_fraction)} | ${sci(c.memory_bound_neuron_steps_per_s)} | ${cpu !== undefined ? sci(cpu) : '—'} | ${cpu !== undefined ? `${(c.neuron_steps_per_s / cpu).toPrecision(3)}×` : '—'} | ${c.method}, ${c.steps} steps × ${c.reps} |`);
    }
  }

  if (r.field?.length) {
    lines.push('', '## Wilson–Cowan plane (ETDRK4 step, 4 FFT convolutions; the forward 2D FFT alone)', '', 'Bytes counted from the WGSL as in bench/src/fieldBench.ts.', '', '| grid | FFT route | step | point-updates/s | step bytes | step GB/s | of copy | FFT | FFT GB/s | FFT of copy | timing |', '|---|---|---|---|---|---|---|---|---|---|---|');
    for (const c of r.field) lines.push(`| ${c.n}² | ${c.fft_route} | ${seconds(c.seconds_per_step)} | ${sci(c.point_updates_per_s)} | ${mib(c.step_bytes)} | ${c.step_GBps.toPrecision(3)} | ${pct(c.step_roofline_fraction)} | ${seconds(c.fft_seconds)} | ${c.fft_GBps.toPrecision(3)} | ${pct(c.fft_roofline_fraction)} | ${c.method}, ${c.steps} steps |`);
    if (r.field_stopped) lines.push('', `field: stopped: ${firstLine(r.field_stopped)}.`);
  }

  lines.push('', '## Scaling', '', '| series | size | time per step | time per unit |', '|---|---|---|---|');
  for (const s of r.scaling) for (const p of s.points) lines.push(`| ${s.name} | ${p.n} ${s.unit} | ${seconds(p.seconds)} | ${sci(p.seconds_per_unit)} s |`);
  lines.push('');
  for (const s of r.scaling) lines.push(`- **${s.name}**: t ≈ ${seconds(s.fixed_s)} + ${sci(s.per_unit_s)} s × n. ${s.verdict.charAt(0).toUpperCase()}${s.verdict.slice(1)}`);

  lines.push('', '## Peers', '');
  const cpu = r.peers.cpu_reference;
  if ('skipped' in cpu) lines.push(`- CPU reference (TypeScript, f64): skipped: ${cpu.skipped}.`);
  else {
    lines.push('| kinetic vc step | CPU reference (TypeScript, f64) | kinfire GPU | GPU speed-up |', '|---|---|---|---|');
    for (const c of cpu) lines.push(`| ${c.nv}² | ${seconds(c.cpu_seconds_per_step)} (${c.steps} steps) | ${seconds(c.gpu_seconds_per_step)} | ${c.speedup.toPrecision(3)}× |`);
  }
  const brian = r.peers.brian;
  lines.push('');
  if ('skipped' in brian) lines.push(`- Brian 2 (nnlif population): skipped: ${brian.skipped}.`);
  else
    lines.push(
      `- Brian ${brian.version} (${brian.target} target, ${brian.method}) on the nnlif population, ${brian.count} neurons, dt ${brian.dt}, ${brian.steps} steps: ` +
        `${sci(brian.brian_neuron_steps_per_s)} neuron-steps/s; kinfire at the same count ${sci(brian.kinfire_neuron_steps_per_s)}: ratio kinfire/Brian ${brian.ratio.toPrecision(3)}.`,
    );

  const hh = r.peers.brian_hh;
  if (hh && 'skipped' in hh) lines.push(`- Brian 2 (HH ensemble): skipped: ${hh.skipped}.`);
  else if (hh)
    lines.push(
      `- Brian ${hh.version} (${hh.target} target, ${hh.method}) on kinfire's HH ensemble, ${hh.count} neurons, dt ${hh.dt} ms, ${hh.steps} steps: ` +
        `${sci(hh.brian_neuron_steps_per_s)} neuron-steps/s; kinfire ${sci(hh.kinfire_neuron_steps_per_s)}: ratio kinfire/Brian ${hh.ratio.toPrecision(3)}. ` +
        `Spikes ${hh.spikes_kinfire} (kinfire) and ${hh.spikes_brian} (Brian); ${hh.neurons_differing} neurons differ, by at most ${hh.max_count_difference}; onset (≥ 2 spikes) ${hh.onset_kinfire ?? '—'} and ${hh.onset_brian ?? '—'} µA/cm².`,
    );

  if (r.comparison) {
    const c = r.comparison;
    lines.push('', '## Headless Chromium against Node', '', `Node results: \`${c.node_results}\`. Ratio = browser / Node seconds per step (1.3 is the target's bound).`, '', '| case | Node | browser | ratio |', '|---|---|---|---|');
    for (const x of c.cases) lines.push(`| ${x.case} | ${seconds(x.node_seconds)} | ${seconds(x.browser_seconds)} | ${x.ratio.toPrecision(3)} |`);
    lines.push('', `Median ratio ${c.median_ratio.toPrecision(3)}${c.largest_kinetic_ratio !== undefined ? `; at the largest common vc grid ${c.largest_kinetic_ratio.toPrecision(3)}` : ''}.`);
  }
  return `${lines.join('\n')}\n`;
}
