/**
 * readRing: the entries of a ring buffer, in order, with only those entries copied back; across the
 * wrap of the ring too (the history rings of the kinetic solver and the particle systems).
 */
import { describe, expect, it } from 'vitest';
import { readRing } from '../../src/host/buffers';
import { testGpu } from '../helpers/gpu';

describe('readRing', () => {
  it('returns entries first … first + count − 1 in order, wrapping at the capacity, after a header', async () => {
    const { device } = await testGpu();
    const capacity = 10;
    const base = 16;
    // entry k holds (k, 100 + k); the 16-byte header holds -1
    const data = new Float32Array(4 + 2 * capacity).fill(-1);
    for (let k = 0; k < capacity; k++) data.set([k, 100 + k], 4 + 2 * k);
    const buffer = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, data);
    const ring = { base, entryBytes: 8, capacity };
    const read = async (first: number, count: number) => Array.from(new Float32Array(await readRing(device, buffer, ring, first, count)));
    expect(await read(2, 3)).toEqual([2, 102, 3, 103, 4, 104]);
    expect(await read(28, 4)).toEqual([8, 108, 9, 109, 0, 100, 1, 101]); // slots 8, 9, then 0, 1
    expect(await read(30, 10)).toEqual(Array.from({ length: 10 }, (_, k) => [k, 100 + k]).flat());
    await expect(read(0, 11)).rejects.toThrow(/do not fit/);
    buffer.destroy();
  });
});
