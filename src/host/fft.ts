/**
 * Batched complex FFTs on the GPU (src/shaders/fft.wgsl), shared machinery for any family: rows of length
 * n = 2^m in a buffer of vec2f, transformed in place. Rows that fit workgroup memory (8n bytes within the
 * adapter's maxComputeWorkgroupStorageSize, and at most FFT_SHARED_MAX) take one dispatch (fftRowsShared) on a
 * GPU; longer rows, and every row on a CPU adapter, take m global passes through a scratch buffer (fftPassGlobal). A 2D n × n transform is rows, a transpose,
 * rows: the second dimension is then contiguous, and a periodic convolution is
 *   rows forward (x) → transpose → rows forward × multiplier, inverse (y) → transpose → rows inverse (x),
 * with the multiplier in the transposed layout (weights[kx·n + ky]) and its 1/n² folded in.
 *
 * Every dispatch is deterministic (no atomics, fixed butterfly order): the same input gives the same bits.
 */
import type { GpuContext } from './gpu';
import { composeWgsl } from './shaderSource';

/** The longest row transformed in workgroup memory (4096 complex f32 = 32 KiB). */
export const FFT_SHARED_MAX = 4096;
const MAX_PER_INVOCATION = 8; // FFT_MAX_PER of fft.wgsl: radix-4 butterflies per invocation and pass
const GLOBAL_WG = 64;

export type RowMode = 'forward' | 'inverse' | 'convolve';

/** e^{−2πij/n}, j < n, in f64, rounded once to f32 (the radix-4 passes use angles up to 3π/2). */
export function twiddleTable(n: number): Float32Array<ArrayBuffer> {
  const t = new Float32Array(2 * n);
  for (let j = 0; j < n; j++) {
    t[2 * j] = Math.cos((2 * Math.PI * j) / n);
    t[2 * j + 1] = -Math.sin((2 * Math.PI * j) / n);
  }
  return t;
}

/** The FFT's f32 error bound ‖ŷ − y‖₂/‖y‖₂ ≤ m·η/(1 − m·η), η = u + γ4(√2 + u), m = log2(points) (Higham Thm. 24.2). */
export function fftErrorBound(points: number): number {
  const u = 2 ** -24;
  const gamma4 = (4 * u) / (1 - 4 * u);
  const eta = u + gamma4 * (Math.SQRT2 + u);
  const m = Math.log2(points);
  return (m * eta) / (1 - m * eta);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/**
 * The f32 error bound of the half spectrum of a real row of n (GpuRealFft: a complex DFT of n/2, then the split of
 * fft.wgsl): ‖X̂ − X‖₂ ≤ (2·b(n/2) + 12u)·‖X‖₂ over the bins k = 0 … n/2, b = fftErrorBound, u = 2^-24. Why: the exact
 * split X_k = a_k Z_k + c_k conj Z_{n/2−k} has |a_k|² + |c_k|² = 1, and each Z_j enters at most two bins (Z_0 four
 * times over the n/2 + 1 bins), so it maps an error δZ to at most 2‖δZ‖₂, and ‖δZ‖₂ ≤ b(n/2)·‖Z‖₂ (Higham); the
 * split's own rounding (S, D: one addition each, w_k rounded once (≤ u), the product w·D (≤ √2γ2, Higham Lemma 3.5),
 * the last addition) is at most (2.5 + √2)u·(|Z_k| + |Z_{n/2−k}|) per bin, ≤ 4u·√8·‖Z‖₂ in all; and
 * ‖Z‖₂² = (n/2)‖x‖₂² ≤ ‖X‖₂² (half of Parseval's n‖x‖₂² over all n bins, each pair k, n − k counted once).
 */
export function rfftErrorBound(n: number): number {
  return 2 * fftErrorBound(n / 2) + 12 * 2 ** -24;
}

/**
 * The same for the n × n plane's half spectrum (rows r2c, then the columns' complex DFT of n, whose exact map is √n
 * times a unitary one, so relative errors add): β + b(n)(1 + β), β = rfftErrorBound(n).
 */
export function rfft2dErrorBound(n: number): number {
  const beta = rfftErrorBound(n);
  return beta + fftErrorBound(n) * (1 + beta);
}

/**
 * The f32 error bound of the inverse (c2r) of a given half spectrum X, relative to its exact output cells·x (no 1/n):
 * 2b(n/2) + 6u (+ 2b(n) for the plane). Why: the split back (coefficients with |·|² summing to 4 per bin, so
 * ‖Z'‖₂ ≤ 2√2‖X‖₂; its rounding ≤ 8u‖X‖₂), then the unnormalised inverse DFT of n/2 (b(n/2), and √(n/2) on the
 * norm), against ‖n·x‖₂ ≥ √n‖X‖₂; on the plane the columns' inverse DFT of n comes first (b(n), doubled by the
 * split's gain 2/√n against the c2r's √2/√n on exact Hermitian data). Any input, Hermitian or not (only its
 * Hermitian part reaches x).
 */
export function irfftErrorBound(n: number, d: 1 | 2): number {
  return 2 * fftErrorBound(n / 2) + 6 * 2 ** -24 + (d === 2 ? 2 * fftErrorBound(n) : 0);
}

/**
 * The bound of the f32 periodic convolution by GpuRealFft, ‖ŷ − y‖₂ ≤ bound·max|ŵ|·‖f‖₂, d = 1 (ring of n) or 2
 * (plane n × n): 2β_f + 2b(n/2) (+ 2b(n) for d = 2) + 12u, β_f the forward bound above. Why: the forward half spectrum
 * F has ‖F‖₂ ≤ √cells·‖f‖₂ and error β_f‖F‖₂; the product with ŵ adds (√2γ2 + u)·max|ŵ|‖F‖₂ ≤ 3u·…; the c2r split
 * (|coefficients|² summing to 4 per bin: ‖Z'‖₂ ≤ 2√2‖Y‖₂, its rounding ≤ 8u‖Y‖₂) and the unnormalised inverse
 * DFT of n/2 (error b(n/2)), scaled by 1/n, map an error δY to 2‖δY‖₂/√n and add (2b(n/2) + 4√2u)‖Y‖₂/√n; on the
 * plane the columns' inverse DFT adds b(n) relative first.
 */
export function rfftConvolutionBound(n: number, d: 1 | 2): number {
  const forward = d === 2 ? rfft2dErrorBound(n) : rfftErrorBound(n);
  return 2 * forward + 2 * fftErrorBound(n / 2) + (d === 2 ? 2 * fftErrorBound(n) : 0) + 12 * 2 ** -24;
}

export class GpuFft {
  /** whether rows go through workgroup memory (else the global passes) */
  readonly shared: boolean;
  private readonly twiddles: GPUBuffer;
  private readonly uniforms = new Map<string, GPUBuffer>();
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly dummy: GPUBuffer;

  private constructor(
    private readonly ctx: GpuContext,
    readonly n: number,
    private readonly pipelines: FftPipelines,
  ) {
    const { device } = ctx;
    this.shared = !!pipelines.rows;
    const table = twiddleTable(n);
    this.twiddles = device.createBuffer({ label: `fft twiddles n=${n}`, size: table.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.twiddles, 0, table);
    this.dummy = device.createBuffer({ label: 'fft dummy weights', size: 16, usage: GPUBufferUsage.STORAGE });
  }

  /** The largest row length this adapter transforms in workgroup memory. */
  static sharedLimit(limits: GPUSupportedLimits): number {
    let n = 2;
    while (n * 2 <= FFT_SHARED_MAX && 8 * n * 2 <= limits.maxComputeWorkgroupStorageSize && 2 * n <= 4 * MAX_PER_INVOCATION * Math.min(256, limits.maxComputeInvocationsPerWorkgroup)) n *= 2;
    return n;
  }

  /** Compiles (or takes from the device's cache) the kernels for rows of length n (a power of two ≥ 2). `route` forces one route (tests). */
  static async create(ctx: GpuContext, n: number, route?: 'shared' | 'global'): Promise<GpuFft> {
    if (!isPowerOfTwo(n)) throw new Error(`GpuFft: n must be a power of two ≥ 2 (got ${n})`);
    // On a CPU adapter the global passes are the faster route (SwiftShader, 256² convolution: 0.4 s global
    // against 1.8 s in workgroup memory, whose barriers it runs as context switches), and they compile in a
    // fraction of the time; on a GPU, workgroup memory saves log2(n) − 1 round trips to memory.
    const useShared = route === 'shared' || (route === undefined && n <= GpuFft.sharedLimit(ctx.limits) && !ctx.cpuAdapter);
    if (useShared && n > GpuFft.sharedLimit(ctx.limits)) throw new Error(`GpuFft: rows of ${n} do not fit workgroup memory here (at most ${GpuFft.sharedLimit(ctx.limits)})`);
    let cache = pipelineCache.get(ctx.device);
    if (!cache) pipelineCache.set(ctx.device, (cache = new Map()));
    const key = `${n}|${useShared}`;
    let pipelines = cache.get(key);
    if (!pipelines) {
      pipelines = GpuFft.compile(ctx, n, useShared);
      cache.set(key, pipelines);
      pipelines.catch(() => cache.delete(key));
    }
    return new GpuFft(ctx, n, await pipelines);
  }

  private static async compile(ctx: GpuContext, n: number, useShared: boolean): Promise<FftPipelines> {
    const { device } = ctx;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label: 'fft', code: composeWgsl(['fft']) });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) throw new Error(`fft.wgsl does not compile:\n${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}`);
    const make = (entryPoint: string, constants?: Record<string, number>) => device.createComputePipelineAsync({ label: `fft ${entryPoint} n=${n}${constants ? ` ${JSON.stringify(constants)}` : ''}`, layout: 'auto', compute: { module, entryPoint, ...(constants ? { constants } : {}) } });
    const wg = Math.max(1, Math.min(256, n / 2));
    const [rows, pass, pass4, multiply, transpose] = await Promise.all([useShared ? make('fftRowsShared', { FFT_N: n, FFT_WG: wg }) : undefined, make('fftPassGlobal'), make('fftPass4Global'), make('spectrumMultiply'), make(ctx.cpuAdapter ? 'transposeDirect' : 'transpose')]);
    const error = await device.popErrorScope();
    if (error) throw new Error(`WebGPU validation failed while building the FFT: ${error.message}`);
    return { rows, pass: pass!, pass4: pass4!, multiply: multiply!, transpose: transpose! };
  }

  /** @internal (GpuRealFft) */
  uniform(values: Partial<Record<'n' | 'rows' | 'p' | 'inverse' | 'width' | 'height' | 'count' | 'mode', number>>): GPUBuffer {
    const key = JSON.stringify(values);
    let b = this.uniforms.get(key);
    if (!b) {
      const v = values;
      b = this.ctx.device.createBuffer({ label: `fft params ${key}`, size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      this.ctx.device.queue.writeBuffer(b, 0, new Uint32Array([v.n ?? this.n, v.rows ?? 0, v.p ?? 0, v.inverse ?? 0, v.width ?? 0, v.height ?? 0, v.count ?? 0, v.mode ?? 0]));
      this.uniforms.set(key, b);
    }
    return b;
  }

  /** @internal (GpuRealFft) */
  bindGroup(pipeline: GPUComputePipeline, kind: string, entries: [number, GPUBuffer][]): GPUBindGroup {
    const key = `${kind}|${entries.map(([b, buf]) => `${b}:${bufferId(buf)}`).join(',')}`;
    let g = this.groups.get(key);
    if (!g) {
      g = this.ctx.device.createBindGroup({ label: `fft ${kind}`, layout: pipeline.getBindGroupLayout(0), entries: entries.map(([binding, buffer]) => ({ binding, resource: { buffer } })) });
      this.groups.set(key, g);
    }
    return g;
  }

  /** @internal (GpuRealFft) */
  static groups2d(threads: number, wg: number, max: number): [number, number] {
    const groups = Math.ceil(threads / wg);
    const x = Math.min(groups, max);
    return [x, Math.ceil(groups / x)];
  }

  /**
   * Transforms `rows` rows of `data` in place: forward, inverse (no 1/n), or a periodic convolution with
   * `weights` (same layout as data, 1/n folded in by the caller). `scratch` (as large as the rows) is used by
   * the global route only.
   */
  encodeRows(encoder: GPUCommandEncoder, data: GPUBuffer, scratch: GPUBuffer, rows: number, mode: RowMode, weights?: GPUBuffer): void {
    const n = this.n;
    const maxGroups = this.ctx.limits.maxComputeWorkgroupsPerDimension;
    if (mode === 'convolve' && !weights) throw new Error('encodeRows: a convolution needs weights');
    if (this.pipelines.rows) {
      const pipeline = this.pipelines.rows;
      const pass = encoder.beginComputePass({ label: `fft rows ${mode}` });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, this.bindGroup(pipeline, `rows-${mode}`, [[0, this.uniform({ rows, mode: ['forward', 'inverse', 'convolve'].indexOf(mode) })], [1, data], [2, this.twiddles], [3, weights ?? this.dummy]]));
      const x = Math.min(rows, maxGroups);
      pass.dispatchWorkgroups(x, Math.ceil(rows / x));
      pass.end();
      return;
    }
    const groups2 = GpuFft.groups2d((rows * n) / 2, GLOBAL_WG, maxGroups);
    const groups4 = GpuFft.groups2d(Math.max(1, (rows * n) / 4), GLOBAL_WG, maxGroups);
    const sweep = (inverse: boolean) => {
      // ⌈m/2⌉ passes (radix 4, then radix 2 for an odd m), ping-pong data ↔ scratch; an odd count ends in
      // scratch and is copied back
      let [src, dst] = [data, scratch];
      const pass = encoder.beginComputePass({ label: `fft global ${inverse ? 'inverse' : 'forward'}` });
      let p = 1;
      for (; 4 * p <= n; p *= 4) {
        pass.setPipeline(this.pipelines.pass4);
        pass.setBindGroup(0, this.bindGroup(this.pipelines.pass4, 'pass4', [[0, this.uniform({ rows, p, inverse: inverse ? 1 : 0 })], [2, this.twiddles], [4, src], [5, dst]]));
        pass.dispatchWorkgroups(...groups4);
        [src, dst] = [dst, src];
      }
      if (p < n) {
        pass.setPipeline(this.pipelines.pass);
        pass.setBindGroup(0, this.bindGroup(this.pipelines.pass, 'pass', [[0, this.uniform({ rows, p, inverse: inverse ? 1 : 0 })], [2, this.twiddles], [4, src], [5, dst]]));
        pass.dispatchWorkgroups(...groups2);
        [src, dst] = [dst, src];
      }
      pass.end();
      if (src !== data) encoder.copyBufferToBuffer(src, 0, data, 0, rows * n * 8);
    };
    if (mode !== 'inverse') sweep(false);
    if (mode === 'convolve') this.encodeMultiply(encoder, data, weights!, rows * n);
    if (mode !== 'forward') sweep(true);
  }

  /** data[t] ← data[t]·weights[t], t < count (complex, pointwise). */
  encodeMultiply(encoder: GPUCommandEncoder, data: GPUBuffer, weights: GPUBuffer, count: number): void {
    const pass = encoder.beginComputePass({ label: 'fft multiply' });
    pass.setPipeline(this.pipelines.multiply);
    pass.setBindGroup(0, this.bindGroup(this.pipelines.multiply, 'multiply', [[0, this.uniform({ count })], [1, data], [3, weights]]));
    pass.dispatchWorkgroups(...GpuFft.groups2d(count, GLOBAL_WG, this.ctx.limits.maxComputeWorkgroupsPerDimension));
    pass.end();
  }

  /** dst (width × height) ← the transpose of src (height rows × width columns). */
  encodeTranspose(encoder: GPUCommandEncoder, src: GPUBuffer, dst: GPUBuffer, width: number, height: number): void {
    const pass = encoder.beginComputePass({ label: 'fft transpose' });
    pass.setPipeline(this.pipelines.transpose);
    pass.setBindGroup(0, this.bindGroup(this.pipelines.transpose, 'transpose', [[0, this.uniform({ width, height })], [4, src], [5, dst]]));
    if (this.ctx.cpuAdapter) pass.dispatchWorkgroups(...GpuFft.groups2d(width * height, 64, this.ctx.limits.maxComputeWorkgroupsPerDimension));
    else pass.dispatchWorkgroups(Math.ceil(width / 16), Math.ceil(height / 16));
    pass.end();
  }

  /** The 2D forward transform of the n × n field in `a`; the spectrum ends in `b`, transposed: b[kx·n + ky]. */
  encodeForward2d(encoder: GPUCommandEncoder, a: GPUBuffer, b: GPUBuffer): void {
    const n = this.n;
    this.encodeRows(encoder, a, b, n, 'forward');
    this.encodeTranspose(encoder, a, b, n, n);
    this.encodeRows(encoder, b, a, n, 'forward');
  }

  /** The periodic 2D convolution of the n × n field in `a` with the multiplier `weightsT` (transposed layout, 1/n² in it), in place in `a`. */
  encodeConvolve2d(encoder: GPUCommandEncoder, a: GPUBuffer, b: GPUBuffer, weightsT: GPUBuffer): void {
    const n = this.n;
    this.encodeRows(encoder, a, b, n, 'forward');
    this.encodeTranspose(encoder, a, b, n, n);
    this.encodeRows(encoder, b, a, n, 'convolve', weightsT);
    this.encodeTranspose(encoder, b, a, n, n);
    this.encodeRows(encoder, a, b, n, 'inverse');
  }

  destroy(): void {
    this.twiddles.destroy();
    this.dummy.destroy();
    for (const b of this.uniforms.values()) b.destroy();
  }
}

/** w_k = e^{−2πik/n}, k = 0 … n/2, in f64, rounded once to f32: the split of the real transform. */
export function halfTwiddleTable(n: number): Float32Array<ArrayBuffer> {
  const t = new Float32Array(2 * (n / 2 + 1));
  for (let k = 0; k <= n / 2; k++) {
    t[2 * k] = Math.cos((2 * Math.PI * k) / n);
    t[2 * k + 1] = -Math.sin((2 * Math.PI * k) / n);
  }
  return t;
}

/**
 * Real-to-complex FFTs of R real rows of length n (the ring: R = 1; the plane: R = n), by a complex FFT of n/2 on the
 * same f32 words read as x_{2j} + i·x_{2j+1} and the split of fft.wgsl (r2cUnpackTranspose / c2rPackTranspose),
 * which also transposes: the half spectrum is h + 1 = n/2 + 1 rows of R (bin kx of row r at kx·R + r). For the plane
 * the columns (length n, contiguous after the split) then take GpuFft(n). Buffers: the real data a takes R·n f32,
 * the half spectrum (and b) (n/2 + 1)·R complex; a periodic convolution is
 *   rows DFT_h (a) → split, transpose (a → b) → columns forward × ŵ, inverse (b; a scratch) → c2r, transpose (b → a)
 *   → rows inverse DFT_h (a),
 * with ŵ on the half spectrum in the transposed layout (weights[kx·R + ky]) and 1/cells folded in. Half the
 * arithmetic and memory traffic of a complex FFT of the real field, deterministic as GpuFft.
 */
export class GpuRealFft {
  private readonly halfTwiddles: GPUBuffer;

  private constructor(
    private readonly ctx: GpuContext,
    readonly n: number,
    /** R: 1 (ring) or n (plane) */
    readonly rowCount: number,
    private readonly rows: GpuFft,
    private readonly columns: GpuFft | undefined,
    private readonly split: { unpack: GPUComputePipeline; pack: GPUComputePipeline },
  ) {
    const table = halfTwiddleTable(n);
    this.halfTwiddles = ctx.device.createBuffer({ label: `rfft half twiddles n=${n}`, size: table.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    ctx.device.queue.writeBuffer(this.halfTwiddles, 0, table);
  }

  /** Real rows of n (a power of two ≥ 4): d = 1 one row, d = 2 the n × n plane. `route` forces the complex passes' route (tests). */
  static async create(ctx: GpuContext, n: number, d: 1 | 2, route?: 'shared' | 'global'): Promise<GpuRealFft> {
    if (!isPowerOfTwo(n) || n < 4) throw new Error(`GpuRealFft: n must be a power of two ≥ 4 (got ${n})`);
    const [rows, columns, split] = await Promise.all([GpuFft.create(ctx, n / 2, route), d === 2 ? GpuFft.create(ctx, n, route) : undefined, splitPipelines(ctx.device)]);
    return new GpuRealFft(ctx, n, d === 2 ? n : 1, rows, columns, split);
  }

  /** whether the complex passes go through workgroup memory */
  get shared(): boolean {
    return (this.columns ?? this.rows).shared;
  }

  /** complex bins of the half spectrum: (n/2 + 1)·R */
  get spectrumBins(): number {
    return (this.n / 2 + 1) * this.rowCount;
  }

  private encodeSplit(encoder: GPUCommandEncoder, which: 'unpack' | 'pack', src: GPUBuffer, dst: GPUBuffer): void {
    const h = this.n / 2;
    const R = this.rowCount;
    const pipeline = this.split[which];
    const pass = encoder.beginComputePass({ label: `rfft ${which}` });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.rows.bindGroup(pipeline, `split-${which}`, [[0, this.rows.uniform({ width: h, height: R })], [4, src], [5, dst], [6, this.halfTwiddles]]));
    pass.dispatchWorkgroups(...GpuFft.groups2d(which === 'unpack' ? (h + 1) * R : h * R, 64, this.ctx.limits.maxComputeWorkgroupsPerDimension));
    pass.end();
  }

  /** The half spectrum of the real rows in `a` (destroyed), into `b`: b[kx·R + ky] (the ring: b[k]), k ≤ n/2. */
  encodeForward(encoder: GPUCommandEncoder, a: GPUBuffer, b: GPUBuffer): void {
    this.rows.encodeRows(encoder, a, b, this.rowCount, 'forward');
    this.encodeSplit(encoder, 'unpack', a, b);
    if (this.columns) this.columns.encodeRows(encoder, b, a, this.n / 2 + 1, 'forward');
  }

  /** The real rows (times cells: no 1/n) of the half spectrum in `b` (destroyed), into `a`. */
  encodeInverse(encoder: GPUCommandEncoder, b: GPUBuffer, a: GPUBuffer): void {
    if (this.columns) this.columns.encodeRows(encoder, b, a, this.n / 2 + 1, 'inverse');
    this.encodeSplit(encoder, 'pack', b, a);
    this.rows.encodeRows(encoder, a, b, this.rowCount, 'inverse');
  }

  /** The periodic convolution of the real rows in `a` with the half-spectrum multiplier `weights` (1/cells in it), in place in `a`; b is scratch. */
  encodeConvolve(encoder: GPUCommandEncoder, a: GPUBuffer, b: GPUBuffer, weights: GPUBuffer): void {
    this.rows.encodeRows(encoder, a, b, this.rowCount, 'forward');
    this.encodeSplit(encoder, 'unpack', a, b);
    if (this.columns) this.columns.encodeRows(encoder, b, a, this.n / 2 + 1, 'convolve', weights);
    else this.rows.encodeMultiply(encoder, b, weights, this.n / 2 + 1);
    this.encodeSplit(encoder, 'pack', b, a);
    this.rows.encodeRows(encoder, a, b, this.rowCount, 'inverse');
  }

  destroy(): void {
    this.halfTwiddles.destroy();
    this.rows.destroy();
    this.columns?.destroy();
  }
}

const splitCache = new WeakMap<GPUDevice, Promise<{ unpack: GPUComputePipeline; pack: GPUComputePipeline }>>();
function splitPipelines(device: GPUDevice): Promise<{ unpack: GPUComputePipeline; pack: GPUComputePipeline }> {
  let p = splitCache.get(device);
  if (!p) {
    p = (async () => {
      const module = device.createShaderModule({ label: 'fft split', code: composeWgsl(['fft']) });
      const make = (entryPoint: string) => device.createComputePipelineAsync({ label: `fft ${entryPoint}`, layout: 'auto', compute: { module, entryPoint } });
      const [unpack, pack] = await Promise.all([make('r2cUnpackTranspose'), make('c2rPackTranspose')]);
      return { unpack, pack };
    })();
    splitCache.set(device, p);
    p.catch(() => splitCache.delete(device));
  }
  return p;
}

interface FftPipelines {
  rows?: GPUComputePipeline;
  pass: GPUComputePipeline;
  pass4: GPUComputePipeline;
  multiply: GPUComputePipeline;
  transpose: GPUComputePipeline;
}

/** Compiled kernels per device and (n, route): SwiftShader takes seconds per pipeline. */
const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<FftPipelines>>>();

// Bind groups are cached by the identity of their buffers.
const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 1;
function bufferId(b: GPUBuffer): number {
  let id = bufferIds.get(b);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(b, id);
  }
  return id;
}
