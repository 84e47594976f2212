import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, type CheckpointHeader, CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint';

const header: CheckpointHeader = {
  format: CHECKPOINT_FORMAT,
  kinfire: '0.1.0',
  command: 'run',
  family: 'nnlif',
  raw: { model: 'nnlif', nnlif: { b: 0.5 } },
  options: { allowLong: false, checkpointEvery: 600 },
  adapter: { vendor: 'v', architecture: 'a', description: 'd' },
  step: 1234,
  steps: 4000,
  t: 1.234,
  written: '2026-12-02T00:00:00.000Z',
};

describe('checkpoint file', () => {
  it('gives back every typed array byte for byte and every double exactly, NaN and ±∞ included', () => {
    const f32 = Float32Array.from({ length: 1001 }, (_, k) => Math.fround(Math.sin(k) * 1e-3 + k));
    const bytes = Uint8Array.from({ length: 37 }, (_, k) => (k * 97) & 255); // a length that is not a multiple of 8
    const f64 = Float64Array.from([0.1, 1 / 3, -0, 5e-324, 1.7976931348623157e308]);
    const payload = { run: { solver: { step: 1234, buffers: { density: bytes, state: new Uint32Array([1, 2, 0xffffffff]) } }, host: { N: [f32, f32.subarray(10, 20)], t: [0, 0.1, 0.30000000000000004], x: f64, odd: [NaN, Infinity, -Infinity], nested: { lowWarned: true, firstNonunique: null } } }, extra: { snapshots: [{ t: 1, npy: 'n_t1.000000.npy' }] } };
    const decoded = decodeCheckpoint(encodeCheckpoint(header, payload));
    expect(decoded.header).toEqual(header);
    const p = decoded.payload as typeof payload;
    expect(p.run.solver.buffers.density).toBeInstanceOf(Uint8Array);
    expect([...p.run.solver.buffers.density]).toEqual([...bytes]);
    expect([...p.run.solver.buffers.state]).toEqual([1, 2, 0xffffffff]);
    expect(p.run.host.N[0]).toBeInstanceOf(Float32Array);
    expect(Buffer.from(p.run.host.N[0]!.buffer).equals(Buffer.from(f32.buffer))).toBe(true);
    expect([...p.run.host.N[1]!]).toEqual([...f32.subarray(10, 20)]);
    expect(p.run.host.t).toEqual([0, 0.1, 0.30000000000000004]);
    expect(Object.is(p.run.host.x[2], -0)).toBe(true);
    expect([...p.run.host.x]).toEqual([...f64]);
    expect(p.run.host.odd).toEqual([NaN, Infinity, -Infinity]);
    expect(p.run.host.nested).toEqual({ lowWarned: true, firstNonunique: null });
    expect(p.extra).toEqual(payload.extra);
  });

  it('refuses a file that is not a checkpoint, a truncated one, and another format', () => {
    const good = encodeCheckpoint(header, { a: new Float32Array(100) });
    expect(() => decodeCheckpoint(new TextEncoder().encode('not a checkpoint at all'))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(good.subarray(0, good.byteLength - 8))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(good.subarray(0, 40))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(encodeCheckpoint({ ...header, format: 99 }, {}))).toThrow(/format 99/);
  });
});
