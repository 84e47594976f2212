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
export interface BrianNnlifResult {
  rate: number;
  rate_se: number;
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
export declare function runBrianNnlif(script: string, opts: BrianNnlifOptions, python?: string): { result: BrianNnlifResult; skipped?: undefined } | { skipped: string; result?: undefined };
