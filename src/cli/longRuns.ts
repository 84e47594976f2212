/**
 * Runs too long to start by accident. A step count alone above LONG_RUN_STEPS is refused unless
 * --allow-long is given; the refusal says how long the run would take, from the speed of a short
 * calibration of the same config on this adapter (measured, not guessed). Every run also prints its
 * estimated wall time after its first block (progress.ts).
 */
import { ConfigError } from '../models/config';

/** Step count above which a run needs --allow-long (README, "Limits"). */
export const LONG_RUN_STEPS = 1e7;
/** Steps of the calibration run that measures the speed for the refusal's estimate. */
export const CALIBRATION_STEPS = 64;

/** 93 s, 12.5 min, 3.1 h, 11.6 days. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever';
  if (seconds < 120) return `${seconds.toPrecision(2)} s`;
  if (seconds < 7200) return `${(seconds / 60).toPrecision(3)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toPrecision(3)} h`;
  return `${(seconds / 86400).toPrecision(3)} days`;
}

/**
 * Refuses a run of more than LONG_RUN_STEPS steps without --allow-long. `measureStepsPerSecond` runs a
 * short calibration (CALIBRATION_STEPS steps of the same config) and is called only for such a run.
 */
export async function refuseLongRun(steps: number, allowLong: boolean, measureStepsPerSecond: () => Promise<number>): Promise<void> {
  if (steps <= LONG_RUN_STEPS || allowLong) return;
  const rate = await measureStepsPerSecond();
  throw new ConfigError(
    'time.dt',
    `T / dt gives ${steps.toExponential(3)} steps, more than the ${LONG_RUN_STEPS.toExponential(0)} a run takes without --allow-long: ` +
      `at ${rate.toPrecision(3)} steps/s (measured over ${CALIBRATION_STEPS} steps of this config on this adapter) it would take about ${formatDuration(steps / rate)}. ` +
      'Use a larger time.dt or a smaller time.T, or pass --allow-long',
  );
}

/** The same config, cut to CALIBRATION_STEPS steps with no snapshots: what refuseLongRun times. */
export function calibrationConfig<C extends { time: { T: number; dt: number; steps: number }; output: { every: number; snapshots: number[] } }>(config: C): C {
  const steps = Math.min(CALIBRATION_STEPS, config.time.steps);
  return { ...config, time: { ...config.time, T: steps * config.time.dt, steps }, output: { ...config.output, every: steps, snapshots: [] } };
}
