/**
 * Brian 2 as a peer: probe for it and run bench/peers/brian2_nnlif.py (the nnlif population of
 * `kinfire particles`) in a child process. Shared by bench/peers.mjs (`npm run bench:peers`) and the
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
  const args = [script, '--count', o.count, '--dt', o.dt, '--T', o.T, '--a', o.a, '--b', o.b, '--VR', o.VR, '--VF', o.VF, '--window', o.window[0], o.window[1], '--seed', o.seed].map(String);
  const run = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = run.stdout?.trim().split('\n').pop() ?? '';
  let parsed = null;
  try {
    parsed = JSON.parse(line);
  } catch {
    /* reported below */
  }
  if (run.status !== 0 || !parsed || parsed.error) {
    return { skipped: `Brian 2 run failed (exit ${run.status}): ${parsed?.error ?? (run.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
  }
  return { result: parsed };
}
