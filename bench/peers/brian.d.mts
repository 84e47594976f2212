/** Types of bench/peers/brian.mjs. */
export declare const BRIAN_PYTHON: string;
export declare function probeBrian(python?: string): { version: string; skipped?: undefined } | { skipped: string; version?: undefined };
export interface BrianNnlifOptions {
  count: number;
  dt: number;
  T: number;
  a: number;
  b: number;
  VR: number;
  VF: number;
  window: [number, number];
  seed: number;
}
/** What every peer script reports besides its own results. */
export interface BrianRunResult {
  wall_s: number;
  setup_s?: number;
  neuron_steps_per_s: number;
  steps: number;
  count: number;
  dt: number;
  brian_version: string;
  method: string;
  target: string;
}
export interface BrianNnlifResult extends BrianRunResult {
  rate: number;
  rate_se: number;
}
export declare function runBrianNnlif(script: string, opts: BrianNnlifOptions, python?: string): { result: BrianNnlifResult; skipped?: undefined } | { skipped: string; result?: undefined };
export interface BrianHhOptions {
  count: number;
  dt: number;
  T: number;
  I0: number;
  I1: number;
  initial: number[];
}
export interface BrianHhResult extends BrianRunResult {
  counts: number[];
  spikes_total: number;
}
export declare function runBrianHh(script: string, opts: BrianHhOptions, python?: string): { result: BrianHhResult; skipped?: undefined } | { skipped: string; result?: undefined };
export interface HhCountComparison {
  neurons_differing: number;
  max_count_difference: number;
  spikes_kinfire: number;
  spikes_brian: number;
  onset_kinfire: number | null;
  onset_brian: number | null;
}
export declare function compareHhCounts(kinfire: ArrayLike<number>, brian: ArrayLike<number>, I0: number, I1: number): HhCountComparison;
