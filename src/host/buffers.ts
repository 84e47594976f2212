/** Reading GPU buffers back: one staging buffer and one map per call (a synchronisation point). */

/** Copy the given ranges of `source` one after another into a staging buffer, map it, return its bytes. */
async function readRanges(device: GPUDevice, source: GPUBuffer, ranges: { offset: number; size: number }[]): Promise<ArrayBuffer> {
  const total = ranges.reduce((sum, r) => sum + r.size, 0);
  const staging = device.createBuffer({ size: total, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const encoder = device.createCommandEncoder();
  let at = 0;
  for (const { offset, size } of ranges) {
    encoder.copyBufferToBuffer(source, offset, staging, at, size);
    at += size;
  }
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  return copy;
}

export function readBuffer(device: GPUDevice, source: GPUBuffer, offset: number, size: number): Promise<ArrayBuffer> {
  return readRanges(device, source, [{ offset, size }]);
}

/**
 * Entries first … first + count − 1 of a ring buffer of `capacity` entries of `entryBytes` bytes that
 * starts at byte `base` of `source`, in order: only those entries travel (one or two copies, one map).
 */
export function readRing(device: GPUDevice, source: GPUBuffer, ring: { base: number; entryBytes: number; capacity: number }, first: number, count: number): Promise<ArrayBuffer> {
  const { base, entryBytes, capacity } = ring;
  if (count < 1 || count > capacity) throw new Error(`readRing: ${count} entries do not fit a ring of ${capacity}`);
  const start = first % capacity;
  const head = Math.min(count, capacity - start);
  const ranges = [{ offset: base + start * entryBytes, size: head * entryBytes }];
  if (head < count) ranges.push({ offset: base, size: (count - head) * entryBytes });
  return readRanges(device, source, ranges);
}

/**
 * The last good state of a solver: device-side copies of some of its buffers, taken and put back in one
 * submission each (the block loop's replay of a refused step, blockLoop.ts). Nothing travels to the host.
 */
export class BufferCheckpoint<Name extends string> {
  private readonly copies: Record<Name, GPUBuffer>;
  /** the step the copies hold (the solver's step count at save) */
  private savedStep = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly buffers: Record<Name, GPUBuffer>,
    private readonly names: readonly Name[],
    label: string,
  ) {
    this.copies = Object.fromEntries(names.map((name) => [name, device.createBuffer({ label: `${label} checkpoint: ${name}`, size: buffers[name].size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST })])) as Record<Name, GPUBuffer>;
  }

  private copy(from: (name: Name) => GPUBuffer, to: (name: Name) => GPUBuffer): void {
    const encoder = this.device.createCommandEncoder();
    for (const name of this.names) encoder.copyBufferToBuffer(from(name), 0, to(name), 0, this.buffers[name].size);
    this.device.queue.submit([encoder.finish()]);
  }

  /** Copies the live buffers aside, as the state after `step` steps. */
  save(step: number): void {
    this.copy((n) => this.buffers[n], (n) => this.copies[n]);
    this.savedStep = step;
  }

  /** Puts the saved copies back; returns the step they hold. */
  restore(): number {
    this.copy((n) => this.copies[n], (n) => this.buffers[n]);
    return this.savedStep;
  }

  /** The state after `step` steps, on the host, for a checkpoint on disk (SolverState of blockLoop.ts). */
  async exportState(step: number): Promise<{ step: number; buffers: Record<Name, Uint8Array> }> {
    return { step, buffers: await this.readLive() };
  }

  /** Continues from a state exportState gave: the live buffers take its bytes, the saved step is its step; returns it. */
  importState(state: { step: number; buffers: Record<string, Uint8Array> }): number {
    this.writeLive(state.buffers);
    this.savedStep = state.step;
    return state.step;
  }

  /** The live buffers' bytes, read to the host (one map each): the state of a checkpoint on disk. */
  async readLive(): Promise<Record<Name, Uint8Array>> {
    const bytes = await Promise.all(this.names.map(async (name) => new Uint8Array(await readBuffer(this.device, this.buffers[name], 0, this.buffers[name].size))));
    return Object.fromEntries(this.names.map((name, k) => [name, bytes[k]!])) as Record<Name, Uint8Array>;
  }

  /** Puts bytes read by readLive back into the live buffers (a resumed run); each must have its buffer's size. */
  writeLive(state: Record<string, Uint8Array>): void {
    for (const name of this.names) {
      const data = state[name];
      if (!data || data.byteLength !== this.buffers[name].size) throw new Error(`checkpoint: buffer ${name} has ${data?.byteLength ?? 'no'} bytes, the solver's has ${this.buffers[name].size}`);
    }
    for (const name of this.names) this.device.queue.writeBuffer(this.buffers[name], 0, Uint8Array.from(state[name]!));
  }

  destroy(): void {
    for (const b of Object.values<GPUBuffer>(this.copies)) b.destroy();
  }
}
