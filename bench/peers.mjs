#!/usr/bin/env node
/**
 * A peer, side by side: kinfire's nnlif particles and Brian 2 (bench/peers/brian2_nnlif.py) on the same
 * parameters, count, dt, T and averaging window. Prints one Markdown table (both firing rates against the
 * exact mean-field rate, both throughputs in neuron-steps/s) and writes
 * bench/results/peers-<adapter>-<YYYY-MM-DD>.json and .md.
 *
 *   npm run bench:peers                       # builds dist/, then runs this file
 *   node bench/peers.mjs --count=1e5 --dt=1e-3 --T=5 --window=2,5   # the defaults; window default [min(2, T/2), T]
 *   --a=1 --b=0.5 --VR=1 --VF=2 --seed=1
 *   node bench/peers.mjs --no-write           # print only
 *
 * Brian 2 runs with /usr/bin/python3 (Debian's python3-brian); where it cannot be imported, its row is
 * skipped with a message, never estimated. KINFIRE_PEERS_PYTHON overrides the interpreter.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeBrian, runBrianNnlif } from './peers/brian.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(here, 'peers', 'brian2_nnlif.py');

const opts = { count: 1e5, dt: 1e-3, T: 5, window: null, a: 1, b: 0.5, VR: 1, VF: 2, seed: 1, write: true };
for (const arg of process.argv.slice(2)) {
  const m = /^--([A-Za-z0-9-]+)(?:=(.*))?$/.exec(arg);
  if (!m) throw new Error(`unknown argument ${arg}`);
  const [, key, value] = m;
  if (key === 'no-write') opts.write = false;
  else if (key === 'window') opts.window = value.split(',').map(Number);
  else if (key in opts) opts[key] = Number(value);
  else throw new Error(`unknown option --${key} (options: ${Object.keys(opts).join(', ')}, no-write)`);
}
opts.count = Math.round(opts.count);
const window = opts.window ?? [Math.min(2, opts.T / 2), opts.T]; // past the relaxation from the initial law

const kinfire = await import('../dist/index.js').catch((e) => {
  throw new Error(`cannot import ../dist/index.js (${e.message}); run npm run build first (npm run bench:peers does)`);
});
const { describeAdapter, nnlifParticleSteadyRates, openGpu, resolveParticleConfig, runParticles } = kinfire;

const cpu = `${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'} × ${os.cpus().length}`;
const fmt = (x, d = 4) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : Number(x).toPrecision(d));

// --- exact mean-field rate -------------------------------------------------------------------------
const model = { a0: opts.a, a1: 0, b: opts.b, VR: opts.VR, VF: opts.VF, tau: 0, thresholdSpread: 0 };
const exactRates = nnlifParticleSteadyRates(model);
const exact = exactRates.length === 1 ? exactRates[0] : null;

// --- kinfire ---------------------------------------------------------------------------------------
const config = resolveParticleConfig({
  model: 'nnlif',
  nnlif: { a0: opts.a, a1: 0, b: opts.b, VR: opts.VR, VF: opts.VF },
  time: { T: opts.T, dt: opts.dt },
  output: { every: 1000000, snapshots: [] },
  particles: { count: opts.count, seed: opts.seed, window },
});
const gpu = await openGpu();
const adapter = describeAdapter(gpu.adapterInfo);
console.error(`kinfire: nnlif, count ${opts.count}, dt ${config.time.dt}, T ${opts.T}, ${config.time.steps} steps on ${adapter} ...`);
let kin;
try {
  kin = await runParticles(gpu, config);
} finally {
  gpu.destroy();
}
if (kin.status !== 'ok') console.error(`kinfire: ${kin.status}: ${kin.message}`);
const rows = [
  {
    simulator: 'kinfire (exact OU step + bridge)',
    count: opts.count,
    dt: config.time.dt,
    rate: kin.N_mean,
    rate_se: kin.N_se,
    exact,
    neuron_steps_per_s: kin.particleStepsPerSecond,
    wall_s: kin.wallSeconds,
    on: adapter,
  },
];

// --- Brian 2 ---------------------------------------------------------------------------------------
let brian = null;
let brianSkip = null;
const probe = probeBrian();
if (probe.skipped) {
  brianSkip = probe.skipped;
  console.error(brianSkip);
} else {
  console.error(`Brian ${probe.version}: same population (numpy target, Euler–Maruyama) ...`);
  const run = runBrianNnlif(SCRIPT, { ...opts, window });
  if (run.skipped) {
    brianSkip = run.skipped;
    console.error(brianSkip);
  } else {
    brian = run.result;
    rows.push({
      simulator: `Brian ${brian.brian_version} (${brian.target}, ${brian.method})`,
      count: brian.count,
      dt: brian.dt,
      rate: brian.rate,
      rate_se: brian.rate_se,
      exact,
      neuron_steps_per_s: brian.neuron_steps_per_s,
      wall_s: brian.wall_s,
      on: `CPU: ${cpu}`,
    });
  }
}

// --- table -----------------------------------------------------------------------------------------
const header = `| simulator | count | dt | rate N (± se) | exact rate | rel. error | neuron-steps/s | wall s | adapter/CPU |\n|---|---|---|---|---|---|---|---|---|`;
const lines = rows.map((r) => {
  const rel = r.rate !== null && exact ? (r.rate - exact) / exact : null;
  const relText = rel === null ? '—' : `${rel >= 0 ? '+' : ''}${(100 * rel).toFixed(2)} %`;
  return `| ${r.simulator} | ${r.count} | ${fmt(r.dt, 3)} | ${fmt(r.rate, 5)} ± ${fmt(r.rate_se, 2)} | ${fmt(r.exact, 6)} | ${relText} | ${fmt(r.neuron_steps_per_s, 3)} | ${fmt(r.wall_s, 3)} | ${r.on} |`;
});
if (brianSkip) lines.push(`| Brian 2 | — | — | skipped: ${brianSkip} | | | | | |`);
const setting = `nnlif: a = ${opts.a}, b = ${opts.b}, VR = ${opts.VR}, VF = ${opts.VF}; T = ${opts.T}, window [${window.join(', ')}], seed ${opts.seed}; initial V ~ N(0.5, 0.15²) truncated below VF`;
const exactNote = exact === null ? `exact: ${exactRates.length} steady rates (${exactRates.map((x) => fmt(x, 6)).join(', ')}): no single reference` : `exact: the steady rate of the mean-field Fokker–Planck equation`;
const table = `${setting}\n\n${header}\n${lines.join('\n')}\n\n${exactNote}; rate = mean of N over the window, se from 20 batch means.\n`;
console.log(table);

if (opts.write) {
  const slug = (gpu.adapterInfo.architecture || gpu.adapterInfo.vendor || 'adapter').toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const date = new Date().toISOString().slice(0, 10);
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `peers-${slug}-${date}`);
  const record = {
    date: new Date().toISOString(),
    node: process.version,
    cpu,
    adapter,
    adapterInfo: gpu.adapterInfo,
    options: { ...opts, window },
    exactRates,
    kinfire: {
      status: kin.status,
      count: opts.count,
      dt: config.time.dt,
      steps: kin.steps,
      N_mean: kin.N_mean,
      N_se: kin.N_se,
      N_final: kin.N_final,
      wall_s: kin.wallSeconds,
      particle_steps_per_s: kin.particleStepsPerSecond,
      workgroupSize: kin.workgroupSize,
      warnings: kin.warnings,
    },
    brian: brian ?? { skipped: brianSkip },
    rows,
  };
  writeFileSync(`${base}.json`, `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(`${base}.md`, `# Peers: kinfire vs Brian 2 (${record.date.slice(0, 10)})\n\n${table}\nNode ${process.version}; ${cpu}; adapter ${adapter}.\n`);
  console.error(`wrote ${base}.json and .md`);
}
