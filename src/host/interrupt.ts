/**
 * A stop asked for from outside a run (SIGINT, SIGTERM): the block loop looks at it after every block,
 * so a run stops between two blocks, with its GPU work finished and its device intact, and the caller
 * cleans up. Set by the results folder's signal handlers (io/resultsFolder.ts).
 */
export class RunInterrupted extends Error {
  /** the results folders kept, interrupted at their checkpoint (set by the results folder that committed one) */
  kept: string[] = [];
  /** the command that continues the kept folders, where it is not `kinfire resume <the first>` (a sweep's batch) */
  continueWith?: string;
  constructor(readonly signal: string) {
    super(`stopped by ${signal}`);
    this.name = 'RunInterrupted';
  }
}

let requested: string | null = null;

export function requestInterrupt(signal: string): void {
  requested = signal;
}

export function clearInterrupt(): void {
  requested = null;
}

/** The signal of a stop asked for, or null. */
export function interruptRequested(): string | null {
  return requested;
}

/** Throws RunInterrupted when a stop was asked for. */
export function throwIfInterrupted(): void {
  if (requested !== null) throw new RunInterrupted(requested);
}
