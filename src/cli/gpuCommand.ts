/**
 * The frame of every command that computes on the GPU and writes a results folder: `--out` is reserved
 * (checked and locked, resultsFolder.ts) before the GPU is opened, and whatever happens the lock is
 * released and the device destroyed.
 */
import { type GpuContext, openGpu } from '../host/gpu';
import { PendingResults, type ReserveOptions } from '../io/resultsFolder';

export async function withGpuAndFolder<R>(out: string, options: ReserveOptions, body: (ctx: GpuContext, reservation: PendingResults) => Promise<R>): Promise<R> {
  const reservation = PendingResults.reserve(out, options);
  let ctx: GpuContext;
  try {
    ctx = await openGpu();
  } catch (e) {
    reservation.release();
    throw e;
  }
  try {
    return await body(ctx, reservation);
  } finally {
    reservation.release();
    ctx.destroy();
  }
}
