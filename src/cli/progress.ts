/** Progress of a run: a bar with simulated time and steps/s on a terminal, plain lines otherwise. */
import cliProgress from 'cli-progress';
import type { RunProgress } from '../host/run';
import { formatDuration } from './longRuns';

export interface ProgressReporter {
  update(p: RunProgress): void;
  stop(): void;
}

/** The line printed after a run's first block: its estimated wall time at the speed so far. */
export function estimateLine(label: string, p: RunProgress): string {
  return `${label}: estimated wall time ${formatDuration((p.steps - p.step) / Math.max(p.stepsPerSecond, 1e-9))} for ${p.steps - p.step} more steps at ${p.stepsPerSecond.toPrecision(3)} steps/s`;
}

export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressReporter {
  if (quiet) return { update() {}, stop() {} };
  let estimated = false;
  const estimateOnce = (p: RunProgress) => {
    if (estimated || p.step >= p.steps || p.step === 0) return;
    estimated = true;
    stream.write(`${estimateLine(label, p)}\n`);
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} {bar} {percentage}% | t {t}/{T} | step {value}/{total} | {rate} steps/s | eta {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const payload = { t: p.t.toFixed(4), T: p.T, rate: p.stepsPerSecond.toFixed(1) };
        if (!started) {
          estimateOnce(p);
          bar.start(p.steps, p.step, payload);
          started = true;
        } else bar.update(p.step, payload);
      },
      stop() {
        // idempotent: called once the run is over and again on the way out
        if (started) bar.stop();
        started = false;
      },
    };
  }
  // Not a terminal (CI, pipes): a line at each further tenth of the run.
  let nextTenth = 1;
  return {
    update(p) {
      estimateOnce(p);
      if (p.step >= (nextTenth * p.steps) / 10 || p.step === p.steps) {
        while (p.step >= (nextTenth * p.steps) / 10) nextTenth++;
        stream.write(`${label}: t = ${p.t.toFixed(4)} / ${p.T}, step ${p.step} / ${p.steps}, ${p.stepsPerSecond.toFixed(1)} steps/s\n`);
      }
    },
    stop() {},
  };
}
