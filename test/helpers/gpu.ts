import { afterAll } from 'vitest';
import { type GpuContext, openGpu } from '../../src/host/gpu';

let shared: Promise<GpuContext> | undefined;

/** One device per test file (vitest runs files in separate workers); destroyed after the file. */
export function testGpu(): Promise<GpuContext> {
  if (!shared) {
    shared = openGpu();
    afterAll(async () => (await shared)?.destroy());
  }
  return shared;
}

/** max |a − b| / max |b| */
export function relativeMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let k = 0; k < b.length; k++) {
    err = Math.max(err, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return err / scale;
}
