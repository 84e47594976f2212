/** Progress of a run: a bar with simulated time and steps/s on a terminal, plain lines otherwise. */
import cliProgress from 'cli-progress';
import type { RunProgress } from '../host/run';

export interface ProgressReporter {
  update(p: RunProgress): void;
  stop(): void;
}

export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressReporter {
  if (quiet) return { update() {}, stop() {} };
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
      if (p.step >= (nextTenth * p.steps) / 10 || p.step === p.steps) {
        while (p.step >= (nextTenth * p.steps) / 10) nextTenth++;
        stream.write(`${label}: t = ${p.t.toFixed(4)} / ${p.T}, step ${p.step} / ${p.steps}, ${p.stepsPerSecond.toFixed(1)} steps/s\n`);
      }
    },
    stop() {},
  };
}
