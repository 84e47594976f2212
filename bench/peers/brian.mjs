/**
 * Brian 2 as a peer: probe for it and run bench/peers/brian2_nnlif.py (the nnlif population of
 * `kinfire particles`) or bench/peers/brian2_hh.py (the HH ensemble of `kinfire neurons`) in a child process. Shared by bench/peers.mjs (`npm run bench:peers`) and the
 * benchmark suite (`npm run bench`), so that both run Brian the same way.
 *
 * Brian runs with /usr/bin/python3 (Debian's python3-brian); KINFIRE_PEERS_PYTHON overrides the
 * interpreter. Where brian2 cannot be imported the caller gets a skip message, never a number.
 */
import { spawnSync } from 'node:child_process';

export const BRIAN_PYTHON = process.env.KINFIRE_PEERS_PYTHON ?? '/usr/bin/python3';

/** { version } when `python` can import brian2, else { skipped: message }. */
export function probeBrian(python = BRIAN_PYTHON) {
  const probe = spawnSync(python, ['-c', 'import brian2; print(brian2.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `Brian 2 not found (${python} cannot import brian2): apt-get install python3-brian` };
  return { version: probe.stdout.trim().split('\n').pop() ?? '' };
}

/**
 * Run the Brian script on one nnlif population. `opts`: count, dt, T, a, b, VR, VF, window [t0, t1],
 * seed. Returns { result } (the script's JSON: rate, rate_se, neuron_steps_per_s, wall_s, …) or
 * { skipped: message } when the run failed.
 */
export function runBrianNnlif(script, opts, python = BRIAN_PYTHON) {
  const o = opts;
  return runBrianScript(python, [script, '--count', o.count, '--dt', o.dt, '--T', o.T, '--a', o.a, '--b', o.b, '--VR', o.VR, '--VF', o.VF, '--window', o.window[0], o.window[1], '--seed', o.seed], 'Brian 2 run');
}

/** Run a peer script; its last stdout line is its JSON. { result } or { skipped: why it failed }. */
function runBrianScript(python, args, what) {
  const run = spawnSync(python, args.map(String), { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = run.stdout?.trim().split('\n').pop() ?? '';
  let parsed = null;
  try {
    parsed = JSON.parse(line);
  } catch {
    /* reported below */
  }
  if (run.status !== 0 || !parsed || parsed.error) {
    return { skipped: `${what} failed (exit ${run.status}): ${parsed?.error ?? (run.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
  }
  return { result: parsed };
}

/**
 * Run bench/peers/brian2_hh.py on kinfire's HH ensemble. `opts`: count, dt, T, I0, I1 (the current of the
 * first and the last neuron), initial [V, m, h, n]. Returns { result } (the script's JSON, with `counts`,
 * the spikes of every neuron) or { skipped: message }.
 */
export function runBrianHh(script, opts, python = BRIAN_PYTHON) {
  const o = opts;
  return runBrianScript(python, [script, '--count', o.count, '--dt', o.dt, '--T', o.T, '--I0', o.I0, '--I1', o.I1, '--initial', ...o.initial], 'Brian 2 HH run');
}

/**
 * Spike counts of the same deterministic HH neurons from kinfire (f32, RK4, crossings interpolated) and from
 * Brian (f64, RK4, crossings at step ends): the neurons whose counts differ, the largest difference, and
 * both onsets (the lowest current of a neuron with at least 2 spikes, the currents evenly spaced I0 … I1).
 */
export function compareHhCounts(kinfire, brian, I0, I1) {
  const M = kinfire.length;
  if (brian.length !== M) throw new Error(`kinfire has ${M} neurons, Brian ${brian.length}`);
  let differing = 0;
  let maxDifference = 0;
  let kinfireTotal = 0;
  let brianTotal = 0;
  for (let i = 0; i < M; i++) {
    const d = Math.abs(kinfire[i] - brian[i]);
    if (d > 0) differing++;
    maxDifference = Math.max(maxDifference, d);
    kinfireTotal += kinfire[i];
    brianTotal += brian[i];
  }
  const current = (i) => I0 + ((I1 - I0) * i) / Math.max(1, M - 1);
  const onset = (c) => {
    for (let i = 0; i < M; i++) if (c[i] >= 2) return current(i);
    return null;
  };
  return { neurons_differing: differing, max_count_difference: maxDifference, spikes_kinfire: kinfireTotal, spikes_brian: brianTotal, onset_kinfire: onset(kinfire), onset_brian: onset(brian) };
}
