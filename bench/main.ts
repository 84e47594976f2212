/**
 * `npm run bench` (Node, Dawn) and `npm run bench:browser` (headless Chromium through puppeteer-core):
 * the benchmark suite (bench/src/suite.ts), its peers, the scaling analysis, and the results in
 * bench/results/<adapter>-<date>[-chrome][-quick].json, .md and -scaling.png. Built by vite into
 * dist/bench.js.
 *
 *   node dist/bench.js [--quick] [--out DIR] [--browser] [--wall-time] [--max-step-s S] [--target-s S]
 *                      [--no-brian] [--no-cpu-reference] [--node-results FILE]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type AdapterSummary, describeAdapter, type GpuContext, openGpu } from '../src/host/gpu';
import { gridOf } from '../src/models/discretization';
import { KineticReference } from '../src/models/reference/kineticReference';
import { renderLinePlotPng, type LineSeries } from '../src/render/png/lineplot';
import { type BrianRunResult, compareHhCounts, probeBrian, runBrianHh, runBrianNnlif } from './peers/brian.mjs';
import { runNeurons } from '../src/host/neuronEnsemble';
import { resolveNeuronsRunConfig } from '../src/models/registry';
import { type BenchResults, type BrianHhPeer, type BrianPeer, type BrianThroughput, checkResults, compareRuntimes, type CpuReferencePeer, markdownReport, RESULTS_SCHEMA_ID, scalingOf } from './src/report';
import { benchDensity, defaultSuiteOptions, kineticBenchConfig, runSuite, type SuiteOptions, type SuiteResults } from './src/suite';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIMESTAMP_TOGGLE = 'disable-dawn-features=timestamp_quantization';

interface CliOptions {
  quick?: boolean;
  out: string;
  browser?: boolean;
  wallTime?: boolean;
  maxStepS?: number;
  targetS?: number;
  conductanceChunks?: number;
  brian: boolean;
  cpuReference: boolean;
  nodeResults?: string;
  render?: string;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected an integer ≥ 1, got '${value}'`);
  return n;
}

function gitDescribe(): string | undefined {
  const head = spawnSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes)' : ''}`;
}

const slugOf = (a: AdapterSummary): string => (a.architecture || a.vendor || a.description || 'adapter').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function suiteOptions(o: CliOptions): SuiteOptions {
  const s = defaultSuiteOptions(!!o.quick, log);
  s.timestamps = !o.wallTime;
  if (o.maxStepS !== undefined) s.maxStepSeconds = o.maxStepS;
  if (o.targetS !== undefined) s.target_s = o.targetS;
  if (o.conductanceChunks !== undefined) s.conductanceChunks = o.conductanceChunks;
  return s;
}

/** Write `text` to `path` through a temporary file in the same folder, then rename (atomic). */
function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = join(dirname(path), `.${process.pid}-${Date.now()}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** The CPU reference (TypeScript, f64) on the same vc step, at the grids also measured on the GPU. */
function cpuReferencePeer(suite: SuiteResults, sides: number[], target_s: number): CpuReferencePeer[] {
  const out: CpuReferencePeer[] = [];
  for (const side of sides) {
    const gpu = suite.kinetic.find((k) => k.model === 'vc' && k.nv === side);
    if (!gpu) continue;
    const config = kineticBenchConfig('vc', side);
    const grid = gridOf(config);
    const ref = new KineticReference(config, Float64Array.from(benchDensity(grid.nv, grid.ng, grid.dv, grid.dg)));
    ref.step(); // warm-up (JIT)
    let steps = 0;
    const t0 = performance.now();
    let elapsed = 0;
    while (steps < 3 || elapsed < target_s) {
      ref.step();
      steps++;
      elapsed = (performance.now() - t0) / 1000;
    }
    const cpu = elapsed / steps;
    out.push({ nv: side, ng: side, cpu_seconds_per_step: cpu, gpu_seconds_per_step: gpu.seconds_per_step, speedup: cpu / gpu.seconds_per_step, steps });
    log(`CPU reference vc ${side}²: ${(cpu * 1e3).toPrecision(3)} ms/step, GPU ${(gpu.seconds_per_step * 1e3).toPrecision(3)} ms: ×${(cpu / gpu.seconds_per_step).toPrecision(3)}`);
  }
  return out;
}

/** Brian 2 on the nnlif population, at a count the suite measured, against kinfire's neuron-steps/s there. */
function brianPeer(suite: SuiteResults, quick: boolean, enabled: boolean): BrianPeer {
  if (!enabled) return { skipped: 'disabled with --no-brian' };
  if (quick) return { skipped: 'quick mode skips Brian 2 (importing it alone takes seconds); run the full benchmark or npm run bench:peers' };
  const probe = probeBrian();
  if (probe.skipped !== undefined) return { skipped: probe.skipped };
  const kin = suite.particles.find((p) => p.model === 'nnlif' && p.count === 1e5) ?? suite.particles.filter((p) => p.model === 'nnlif').pop();
  if (!kin) return { skipped: 'no nnlif particle case was measured' };
  const opts = { count: kin.count, dt: 1e-3, T: 1, a: 1, b: 0.5, VR: 1, VF: 2, window: [0.5, 1] as [number, number], seed: 1 };
  log(`Brian ${probe.version}: nnlif, ${opts.count} neurons, ${opts.T / opts.dt} steps ...`);
  const run = runBrianNnlif(join(repoRoot, 'bench/peers/brian2_nnlif.py'), opts);
  if (run.skipped !== undefined) return { skipped: run.skipped };
  return { ...brianThroughput(run.result, kin.neuron_steps_per_s), brian_rate: run.result.rate };
}

function brianThroughput(b: BrianRunResult, kinfireNeuronStepsPerSecond: number): BrianThroughput {
  return {
    version: b.brian_version,
    count: b.count,
    dt: b.dt,
    steps: b.steps,
    brian_neuron_steps_per_s: b.neuron_steps_per_s,
    kinfire_neuron_steps_per_s: kinfireNeuronStepsPerSecond,
    ratio: kinfireNeuronStepsPerSecond / b.neuron_steps_per_s,
    target: b.target,
    method: b.method,
  };
}

/** The HH ensemble run by kinfire and by Brian 2: the same neurons, currents and steps (RK4 both), throughputs and spike counts compared. */
export const HH_PEER = { count: 10_000, dt: 0.01, T: 20, I0: 0, I1: 20 };

async function brianHhPeer(ctx: GpuContext, quick: boolean, enabled: boolean): Promise<BrianHhPeer> {
  if (!enabled) return { skipped: 'disabled with --no-brian' };
  if (quick) return { skipped: 'quick mode skips Brian 2; run the full benchmark or npm run bench:peers' };
  const probe = probeBrian();
  if (probe.skipped !== undefined) return { skipped: probe.skipped };
  const p = HH_PEER;
  const config = resolveNeuronsRunConfig({ model: 'neurons', neurons: { model: 'hh', count: p.count, I: { from: p.I0, to: p.I1 }, T: p.T, dt: p.dt, traces: [] } });
  log(`kinfire: HH, ${p.count} neurons, ${config.steps} steps ...`);
  const kin = await runNeurons(ctx, config);
  log(`Brian ${probe.version}: HH, ${p.count} neurons, ${config.steps} steps ...`);
  const run = runBrianHh(join(repoRoot, 'bench/peers/brian2_hh.py'), { ...p, initial: config.initial });
  if (run.skipped !== undefined) return { skipped: run.skipped };
  return { ...brianThroughput(run.result, kin.neuronStepsPerSecond), ...compareHhCounts(kin.stats.count, run.result.counts, p.I0, p.I1) };
}

function limitsOf(ctx: GpuContext): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension', 'maxComputeInvocationsPerWorkgroup'] as const) out[name] = ctx.limits[name];
  return out;
}

async function runNode(o: CliOptions): Promise<BenchResults> {
  if (!o.wallTime) {
    const flags = process.env.KINFIRE_DAWN_FLAGS ?? '';
    if (!flags.includes('timestamp_quantization')) process.env.KINFIRE_DAWN_FLAGS = `${flags} ${TIMESTAMP_TOGGLE}`.trim();
  }
  const t0 = performance.now();
  const ctx = await openGpu();
  log(`kinfire bench (${o.quick ? 'quick' : 'full'}) on ${describeAdapter(ctx.adapterInfo)}, Node ${process.version}`);
  let suite: SuiteResults;
  let brianHh: BrianHhPeer;
  const options = suiteOptions(o);
  try {
    suite = await runSuite(ctx, options);
    brianHh = await brianHhPeer(ctx, !!o.quick, o.brian);
    if ('skipped' in brianHh) log(`Brian 2 HH: skipped: ${brianHh.skipped}`);
  } finally {
    ctx.destroy();
  }
  const cpu_reference = o.cpuReference ? cpuReferencePeer(suite, o.quick ? [128] : [128, 256], options.target_s) : { skipped: 'disabled with --no-cpu-reference' };
  const brian = brianPeer(suite, !!o.quick, o.brian);
  if ('skipped' in brian) log(`Brian 2: skipped: ${brian.skipped}`);
  return {
    schema: RESULTS_SCHEMA_ID,
    mode: o.quick ? 'quick' : 'full',
    runtime: 'node',
    date: new Date().toISOString(),
    wall_s: (performance.now() - t0) / 1000,
    environment: {
      adapter: ctx.adapterInfo,
      limits: limitsOf(ctx),
      node: process.version,
      cpu: `${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'} × ${os.cpus().length}`,
      git: gitDescribe(),
      timestamp_quantization: suite.timing.method === 'timestamp-query' ? `Dawn toggle: ${process.env.KINFIRE_DAWN_FLAGS}` : 'not used',
    },
    options: { ...options, log: undefined },
    ...suite,
    scaling: scalingOf(suite),
    peers: { cpu_reference, brian, brian_hh: brianHh },
  };
}

/** The newest Node results of the same adapter and mode in `dir`, if any. */
function findNodeResults(dir: string, slug: string, quick: boolean): string | undefined {
  if (!existsSync(dir)) return undefined;
  const re = new RegExp(`^${slug}-\\d{4}-\\d\\d-\\d\\d${quick ? '-quick' : ''}\\.json$`);
  const files = readdirSync(dir).filter((f) => re.test(f)).sort();
  return files.length ? join(dir, files[files.length - 1]) : undefined;
}

async function runBrowser(o: CliOptions): Promise<BenchResults> {
  const { buildWebPage, chromiumPath, launchBrowser, runPage, serveDirectory } = await import('../src/node/headlessChromium');
  if (!chromiumPath()) throw new Error('no Chromium found: apt-get install -y chromium (or set CHROME_PATH)');
  const t0 = performance.now();
  const pageDir = mkdtempSync(join(os.tmpdir(), 'kinfire-bench-page-'));
  const options = suiteOptions(o);
  let page: { suite: SuiteResults; adapter: AdapterSummary; limits: Record<string, number>; userAgent: string; runtime: string };
  try {
    log('building the benchmark page (vite) ...');
    await buildWebPage(join(repoRoot, 'web/bench/index.html'), pageDir);
    const server = await serveDirectory(pageDir);
    const browser = await launchBrowser();
    try {
      const hash = encodeURIComponent(JSON.stringify({ ...options, log: undefined }));
      page = (await runPage(browser, `${server.url}index.html#${hash}`, { timeoutMs: o.quick ? 300_000 : 3_600_000, onLog: (line) => log(`[chrome] ${line.replace(/^\[console\.log\] /, '')}`) })) as typeof page;
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(pageDir, { recursive: true, force: true });
  }
  if (page.runtime !== 'browser') throw new Error(`the page ran on ${page.runtime}, not in the browser`);
  const suite = page.suite;
  const results: BenchResults = {
    schema: RESULTS_SCHEMA_ID,
    mode: o.quick ? 'quick' : 'full',
    runtime: 'browser',
    date: new Date().toISOString(),
    wall_s: (performance.now() - t0) / 1000,
    environment: {
      adapter: page.adapter,
      limits: page.limits,
      userAgent: page.userAgent,
      cpu: `${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'} × ${os.cpus().length}`,
      git: gitDescribe(),
      timestamp_quantization: suite.timing.method === 'timestamp-query' ? 'Chrome flag --enable-webgpu-developer-features' : 'not used',
    },
    options: { ...options, log: undefined },
    ...suite,
    scaling: scalingOf(suite),
    peers: {
      cpu_reference: { skipped: 'the CPU reference and Brian 2 run in the Node benchmark (npm run bench); this run compares with Node instead' },
      brian: { skipped: 'runs in the Node benchmark (npm run bench)' },
      brian_hh: { skipped: 'runs in the Node benchmark (npm run bench)' },
    },
  };
  // Chrome against Node: a Node run of the same adapter and mode (--node-results, else the newest in --out), else one now.
  const nodeFile = o.nodeResults ?? findNodeResults(resolve(o.out), slugOf(page.adapter), !!o.quick);
  let node: BenchResults;
  if (nodeFile) {
    node = checkResults(JSON.parse(readFileSync(nodeFile, 'utf8')));
    log(`comparing with the Node results ${nodeFile}`);
  } else {
    log('no Node results of this adapter and mode to compare with: running the Node benchmark now');
    node = await runNode({ ...o, brian: false, cpuReference: false });
    writeResults(node, o.out);
  }
  results.comparison = compareRuntimes(suite, node, nodeFile ? nodeFile.replace(`${repoRoot}/`, '') : `${baseName(node)}.json`);
  log(`Chrome / Node: median ratio ${results.comparison.median_ratio.toPrecision(3)}`);
  return results;
}

function baseName(r: BenchResults): string {
  return `${slugOf(r.environment.adapter)}-${r.date.slice(0, 10)}${r.runtime === 'browser' ? '-chrome' : ''}${r.mode === 'quick' ? '-quick' : ''}`;
}

function scalingPng(r: BenchResults): Buffer {
  const series: LineSeries[] = r.scaling.map((s) => ({ x: s.points.map((p) => p.n), y: s.points.map((p) => p.seconds), label: `${s.name} (n = ${s.unit})`, marker: 'dot' }));
  const vc = r.scaling.find((s) => s.name === 'kinetic vc');
  if (vc && vc.points.length) {
    const last = vc.points[vc.points.length - 1];
    const xs = [vc.points[0].n, last.n];
    series.push({ x: xs, y: xs.map((n) => (last.seconds * n) / last.n), label: 'linear (∝ size), through the largest vc grid', dash: [6, 4], marker: 'none', colour: '#888888' });
  }
  return renderLinePlotPng(series, {
    title: `Time per step against size: ${r.environment.adapter.architecture || r.environment.adapter.vendor} (${r.runtime}, ${r.date.slice(0, 10)})`,
    xLabel: 'size: grid cells (kinetic) or neurons (particles)',
    yLabel: 'time per step [s]',
    logX: true,
    logY: true,
  });
}

function writeResults(r: BenchResults, outDir: string): string {
  checkResults(r);
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, baseName(r));
  writeAtomic(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
  writeAtomic(`${base}-scaling.png`, scalingPng(r));
  writeAtomic(`${base}.md`, `${markdownReport(r)}\nScaling plot: \`${baseName(r)}-scaling.png\`.\n`);
  log(`wrote ${base}.json, .md and -scaling.png`);
  return base;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('kinfire-bench')
    .description('kinfire benchmarks: the kinetic step, its kernels and reductions, the particle systems, against a copy kernel and peers')
    .option('--quick', 'a small set for CI smoke checks (well under a minute without a GPU)')
    .option('-o, --out <dir>', 'results folder', join(repoRoot, 'bench/results'))
    .option('--browser', 'run the suite in headless Chromium (puppeteer-core) instead of Node')
    .option('--wall-time', 'do not use timestamp queries: wall time over many steps, one synchronisation')
    .addOption(new Option('--max-step-s <s>', 'stop a size sweep where one step would take longer than this (s)').argParser(Number))
    .addOption(new Option('--target-s <s>', 'time of one measured repetition (s)').argParser(Number))
    .addOption(new Option('--conductance-chunks <P>', 'column chunks of the g-solve (default: 1 on CPU adapters, else about 65536 / nv)').argParser(positiveInteger))
    .option('--no-brian', 'skip the Brian 2 peer')
    .option('--no-cpu-reference', 'skip the CPU reference peer')
    .option('--node-results <file>', 'browser mode: the Node results to compare with (default: the newest of the same adapter and mode in --out, else a Node run now)')
    .option('--render <file>', 'redo the analysis (scaling verdicts), the Markdown and the plot of a results JSON from its measurements; no GPU')
    .parse(argv);
  const o = program.opts<CliOptions>();
  if (o.render) {
    const old = checkResults(JSON.parse(readFileSync(o.render, 'utf8')));
    const base = writeResults({ ...old, scaling: scalingOf(old) }, dirname(resolve(o.render)));
    process.stdout.write(`${JSON.stringify({ results: `${base}.json`, rendered: true })}\n`);
    return;
  }
  const results = o.browser ? await runBrowser(o) : await runNode(o);
  const base = writeResults(results, o.out);
  process.stdout.write(`${JSON.stringify({ results: `${base}.json`, runtime: results.runtime, mode: results.mode, timing: results.timing.method, wall_s: Number(results.wall_s.toFixed(2)) })}\n`);
}

main(process.argv).then(
  // Dawn may keep handles open; the work is done.
  () => process.exit(0),
  (e: unknown) => {
    log(`kinfire bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
