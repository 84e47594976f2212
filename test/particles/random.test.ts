/**
 * Philox-4x32-10 on the GPU (src/shaders/random.wgsl, src/host/random.ts) against the CPU reference
 * (src/models/reference/philox.ts) and against the distributions it should sample.
 *
 * Every statistic is a deterministic function of fixed seeds, so each check passes or fails the same
 * way on every run; the bounds are 5 standard errors (a false alarm per check of ~6e-7 for a correct
 * generator) and the KS tests reject at the 1e-3 level (D·√n > 1.95). A "negative control" test
 * shows that the same checks do reject slightly wrong data of the same size.
 *
 * Set KINFIRE_RANDOM_STATS=1 to print the measured statistics and timings.
 */
import erf from '@stdlib/math-base-special-erf';
import { afterAll, describe, expect, it } from 'vitest';
import { RandomGenerator, type RandomFill } from '../../src/host/random';
import { composeWgsl } from '../../src/host/shaderSource';
import { mulhilo32, normalQuad, philox4x32, philox4x32_10, philoxDraw, seedKey, uniform01 } from '../../src/models/reference/philox';
import { testGpu } from '../helpers/gpu';

const report: Record<string, unknown> = {};
afterAll(() => {
  if (process.env.KINFIRE_RANDOM_STATS) console.log(JSON.stringify(report, null, 1));
});

// Random123 tests/kat_vectors (philox4x32 lines): counter[4] key[2] → output[4].
const KAT: { rounds: number; ctr: number[]; key: number[]; out: number[] }[] = [
  { rounds: 10, ctr: [0, 0, 0, 0], key: [0, 0], out: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  { rounds: 10, ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff], out: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd] },
  { rounds: 10, ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], key: [0xa4093822, 0x299f31d0], out: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1] },
  { rounds: 7, ctr: [0, 0, 0, 0], key: [0, 0], out: [0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48] },
  { rounds: 7, ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff], out: [0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662] },
  { rounds: 7, ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], key: [0xa4093822, 0x299f31d0], out: [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a] },
];

/** A small deterministic u32 source for test inputs (splitmix32-like; not the generator under test). */
function inputWords(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    out[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return out;
}

// ---- statistics (f64)

function moments(x: ArrayLike<number>) {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const mean = s / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, x[i]);
    max = Math.max(max, x[i]);
  }
  return { n, mean, variance: m2, skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2), min, max };
}

/** Kolmogorov–Smirnov: D·√n of the sample against the continuous CDF `cdf`. */
function ksScaled(x: ArrayLike<number>, cdf: (t: number) => number): number {
  const s = Float64Array.from(x).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d * Math.sqrt(n);
}
/** The 1e-3 critical value of the Kolmogorov distribution (asymptotic). */
const KS_CRITICAL = 1.95;

const normalCdf = (t: number) => 0.5 * (1 + erf(t / Math.SQRT2));
const uniformCdf = (t: number) => Math.min(1, Math.max(0, t));

/** Pearson correlation of x[i] and y[i]; under independence its standard error is 1/√n. */
function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    sy += y[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let cxy = 0;
  let cxx = 0;
  let cyy = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i] - mx;
    const b = y[i] - my;
    cxy += a * b;
    cxx += a * a;
    cyy += b * b;
  }
  return cxy / Math.sqrt(cxx * cyy);
}
/** Correlation in units of its standard error 1/√n. */
const corrZ = (x: ArrayLike<number>, y: ArrayLike<number>) => correlation(x, y) * Math.sqrt(Math.min(x.length, y.length));

function expectUniformSample(u: Float32Array, label: string): void {
  const m = moments(u);
  const n = m.n;
  // U(0,1): mean 1/2 (sd 1/√(12n)); variance 1/12 (sd √((μ4 − σ⁴)/n), μ4 = 1/80)
  const meanZ = (m.mean - 0.5) / Math.sqrt(1 / 12 / n);
  const varZ = (m.variance - 1 / 12) / Math.sqrt((1 / 80 - 1 / 144) / n);
  const ks = ksScaled(u, uniformCdf);
  report[label] = { n, mean: m.mean, meanZ, variance: m.variance, varZ, ksDsqrtN: ks, min: m.min, max: m.max };
  expect(m.min).toBeGreaterThan(0);
  expect(m.max).toBeLessThan(1);
  expect(Math.abs(meanZ)).toBeLessThan(5);
  expect(Math.abs(varZ)).toBeLessThan(5);
  expect(ks).toBeLessThan(KS_CRITICAL);
}

function expectNormalSample(z: Float32Array, label: string): void {
  const m = moments(z);
  const n = m.n;
  // N(0,1): standard errors of mean, variance, skewness and kurtosis: 1, √2, √6, √24 over √n
  const meanZ = m.mean * Math.sqrt(n);
  const varZ = (m.variance - 1) / Math.sqrt(2 / n);
  const skewZ = m.skewness / Math.sqrt(6 / n);
  const kurtZ = (m.kurtosis - 3) / Math.sqrt(24 / n);
  const ks = ksScaled(z, normalCdf);
  report[label] = { n, mean: m.mean, meanZ, variance: m.variance, varZ, skewness: m.skewness, skewZ, kurtosis: m.kurtosis, kurtZ, ksDsqrtN: ks, min: m.min, max: m.max };
  expect(Math.abs(meanZ)).toBeLessThan(5);
  expect(Math.abs(varZ)).toBeLessThan(5);
  expect(Math.abs(skewZ)).toBeLessThan(5);
  expect(Math.abs(kurtZ)).toBeLessThan(5);
  expect(ks).toBeLessThan(KS_CRITICAL);
  // Box–Muller with u1 ≥ 2^-24: |z| ≤ sqrt(48 ln 2) = 5.768
  expect(Math.max(-m.min, m.max)).toBeLessThanOrEqual(Math.sqrt(48 * Math.LN2) * (1 + 1e-5));
}

// ---- GPU helpers

const generators = new Map<number, Promise<RandomGenerator>>();
function generator(workgroupSize = 64): Promise<RandomGenerator> {
  let g = generators.get(workgroupSize);
  if (!g) {
    g = testGpu().then((ctx) => RandomGenerator.create(ctx, workgroupSize));
    generators.set(workgroupSize, g);
  }
  return g;
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  report[`time ${label} [ms]`] = Math.round(performance.now() - t0);
  return r;
}

/** philox4x32_10 of arbitrary counters and keys, and the 16-bit-halves multiply and uniform01 of arbitrary words, on the GPU. */
async function gpuPhilox(counters: Uint32Array, keys: Uint32Array, mulPairs: Uint32Array): Promise<{ philox: Uint32Array; mulHi: Uint32Array; uniform: Float32Array }> {
  const { device } = await testGpu();
  const n = counters.length / 4;
  const m = mulPairs.length / 2;
  const code = `${composeWgsl(['random'])}
@group(0) @binding(0) var<storage, read> counters: array<vec4u>;
@group(0) @binding(1) var<storage, read> keys: array<vec2u>;
@group(0) @binding(2) var<storage, read_write> outputs: array<vec4u>;
@group(0) @binding(3) var<storage, read> mulPairs: array<vec2u>;
@group(0) @binding(4) var<storage, read_write> mulHi: array<u32>;
@group(0) @binding(5) var<storage, read_write> uni: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i < arrayLength(&outputs)) { outputs[i] = philox4x32_10(counters[i], keys[i]); }
  if (i < arrayLength(&mulHi)) {
    mulHi[i] = philoxMulHi(mulPairs[i].x, mulPairs[i].y);
    uni[i] = uniform01(mulPairs[i].x);
  }
}`;
  device.pushErrorScope('validation');
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const upload = (data: Uint32Array) => {
    const b = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
    new Uint32Array(b.getMappedRange()).set(data);
    b.unmap();
    return b;
  };
  const storage = (bytes: number) => device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const outputs = storage(16 * n);
  const hi = storage(4 * m);
  const uni = storage(4 * m);
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [upload(counters), upload(keys), outputs, upload(mulPairs), hi, uni].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const staging = device.createBuffer({ size: 16 * n + 8 * m, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(Math.max(n, m) / 64));
  pass.end();
  encoder.copyBufferToBuffer(outputs, 0, staging, 0, 16 * n);
  encoder.copyBufferToBuffer(hi, 0, staging, 16 * n, 4 * m);
  encoder.copyBufferToBuffer(uni, 0, staging, 16 * n + 4 * m, 4 * m);
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(error.message);
  await staging.mapAsync(GPUMapMode.READ);
  const all = staging.getMappedRange().slice(0);
  staging.unmap();
  return { philox: new Uint32Array(all, 0, 4 * n), mulHi: new Uint32Array(all, 16 * n, m), uniform: new Float32Array(all, 16 * n + 4 * m, m) };
}

// ---- tests

describe('Philox-4x32 reference (TypeScript)', () => {
  it("reproduces Random123's known-answer vectors (10 and 7 rounds)", () => {
    for (const { rounds, ctr, key, out } of KAT) expect(philox4x32(ctr, key, rounds)).toEqual(out);
    expect(philox4x32_10(KAT[2].ctr, KAT[2].key)).toEqual(KAT[2].out);
  });

  it('seeds map to (low, high) keys; conversions are as documented', () => {
    expect(seedKey(0)).toEqual([0, 0]);
    expect(seedKey(2 ** 32 + 5)).toEqual([5, 1]);
    expect(seedKey(0xffffffffffffffffn)).toEqual([0xffffffff, 0xffffffff]);
    expect(() => seedKey(-1)).toThrow();
    expect(() => seedKey(2 ** 64 as unknown as number)).toThrow();
    expect(philoxDraw(2 ** 32 + 5, 7, 9, 3)).toEqual(philox4x32_10([7, 9, 3, 0], [5, 1]));
    // uniform01: the open interval, exactly representable in f32, symmetric
    expect(uniform01(0)).toBe(2 ** -24);
    expect(uniform01(0xffffffff)).toBe(1 - 2 ** -24);
    for (const b of [0, 1, 511, 512, 0x80000000, 0xfffffe00, 0xffffffff]) {
      expect(Math.fround(uniform01(b))).toBe(uniform01(b));
      expect(uniform01(b) + uniform01(~b >>> 0)).toBe(1);
    }
    expect(mulhilo32(0xffffffff, 0xffffffff)).toEqual([0xfffffffe, 1]);
  });
});

describe('Philox-4x32-10 on the GPU', () => {
  it('equals the reference bitwise: known answers, 4096 arbitrary counters and keys, the 16-bit-halves multiply, uniform01', async () => {
    const extra = 4096;
    const counters = new Uint32Array(4 * (KAT.length + extra));
    const keys = new Uint32Array(2 * (KAT.length + extra));
    KAT.forEach(({ ctr, key }, i) => {
      counters.set(ctr, 4 * i);
      keys.set(key, 2 * i);
    });
    counters.set(inputWords(4 * extra, 1), 4 * KAT.length);
    keys.set(inputWords(2 * extra, 2), 2 * KAT.length);
    const edges = [0, 1, 0xffff, 0x10000, 0x1ffff, 0x7fffffff, 0x80000000, 0xfffeffff, 0xffff0000, 0xffffffff];
    const pairs = [...edges.flatMap((a) => edges.flatMap((b) => [a, b])), ...inputWords(2 * 4096, 3)];
    const mulPairs = Uint32Array.from(pairs);
    const { philox, mulHi, uniform } = await timed('gpu philox 4102 counters + 4196 products', () => gpuPhilox(counters, keys, mulPairs));

    const n = counters.length / 4;
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      const ref = philox4x32_10(Array.from(counters.subarray(4 * i, 4 * i + 4)), Array.from(keys.subarray(2 * i, 2 * i + 2)));
      if (ref.some((w, j) => w !== philox[4 * i + j])) mismatches++;
    }
    for (const [i, { rounds, out }] of KAT.entries()) if (rounds === 10) expect(Array.from(philox.subarray(4 * i, 4 * i + 4))).toEqual(out);
    expect(mismatches).toBe(0);
    let mulMismatches = 0;
    for (let i = 0; i < mulPairs.length / 2; i++) if (mulhilo32(mulPairs[2 * i], mulPairs[2 * i + 1])[0] !== mulHi[i]) mulMismatches++;
    expect(mulMismatches).toBe(0);
    // uniform01 bitwise, including its ends 2^-24 (bits 0) and 1 − 2^-24 (bits 0xffffffff)
    let uniformMismatches = 0;
    for (let i = 0; i < mulPairs.length / 2; i++) if (uniform[i] !== uniform01(mulPairs[2 * i])) uniformMismatches++;
    expect(uniformMismatches).toBe(0);
    expect(uniform[0]).toBe(2 ** -24);
    expect(uniform[(edges.length - 1) * edges.length]).toBe(1 - 2 ** -24);
  });

  it('the fill kernel follows the counter convention: bits, uniforms and normals against the reference', async () => {
    const gen = await generator(64);
    // extreme seeds, steps and streams; K = 10 uses blocks 0, 1, 2 (the last one partly)
    const cases: RandomFill[] = [
      { seed: 0, step: 0, stream: 0, count: 1000, perNeuron: 10, kind: 'bits' },
      { seed: 0xffffffffffffffffn, step: 0xffffffff, stream: 0xffffffff, count: 777, perNeuron: 10, kind: 'bits' },
      { seed: 0x299f31d0a4093822n, step: 123456789, stream: 3, count: 1024, perNeuron: 4, kind: 'bits' },
    ];
    let checked = 0;
    for (const fill of cases) {
      const bits = await gen.generate({ ...fill, kind: 'bits' });
      const uni = await gen.generate({ ...fill, kind: 'uniform' });
      const nor = await gen.generate({ ...fill, kind: 'normal' });
      let maxAbs = 0;
      let maxRel = 0;
      for (let n = 0; n < fill.count; n++) {
        for (let block = 0; block < Math.ceil(fill.perNeuron / 4); block++) {
          const ref = philoxDraw(fill.seed, n, fill.step, fill.stream, block);
          const refNormal = normalQuad(ref);
          for (let j = 0; j < 4 && 4 * block + j < fill.perNeuron; j++) {
            const idx = (4 * block + j) * fill.count + n;
            expect(bits[idx]).toBe(ref[j]);
            expect(uni[idx]).toBe(uniform01(ref[j]));
            const err = Math.abs(nor[idx] - refNormal[j]);
            maxAbs = Math.max(maxAbs, err);
            maxRel = Math.max(maxRel, err / Math.max(1, Math.abs(refNormal[j])));
            checked++;
          }
        }
      }
      report[`normals vs f64 reference, seed ${fill.seed}`] = { maxAbs, maxRelToMax1: maxRel };
      // f32 Box–Muller with its own -ln and sincospi: a few ulp of max(1, |z|) (sqrt and the division
      // inside negLogUnit are the only operations WGSL leaves a few ulp loose)
      expect(maxRel).toBeLessThan(1e-6);
    }
    expect(checked).toBe(1000 * 10 + 777 * 10 + 1024 * 4);
  });

  it('gives bitwise the same numbers for workgroup sizes 32, 64 and 256', async () => {
    const fill = { seed: 987654321987n, step: 42, stream: 1, count: 100_003, perNeuron: 6 };
    const results: Record<string, Uint32Array[]> = { bits: [], uniform: [], normal: [] };
    for (const wg of [32, 64, 256]) {
      const gen = await generator(wg);
      expect(gen.workgroupSize).toBe(wg);
      for (const kind of ['bits', 'uniform', 'normal'] as const) {
        const out = await timed(`${kind} 600018 values, workgroup ${wg}`, () => gen.generate({ ...fill, kind }));
        results[kind].push(new Uint32Array(out.buffer));
      }
    }
    for (const kind of ['bits', 'uniform', 'normal'] as const) {
      const [a, b, c] = results[kind];
      expect(a.length).toBe(600_018);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      expect(Buffer.from(c.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    }
  });
});

describe('distributions (2^20 samples)', () => {
  const N = 2 ** 20;

  it('uniforms: in (0, 1), mean, variance and KS against U(0,1)', async () => {
    const gen = await generator();
    const u = await timed('uniform 2^20', () => gen.generate({ seed: 20240611, step: 3, stream: 0, count: N / 4, perNeuron: 4, kind: 'uniform' }));
    expectUniformSample(u, 'uniform');
  });

  it('normals: mean, variance, skewness, kurtosis, KS against N(0,1), independence within a draw', async () => {
    const gen = await generator();
    const z = await timed('normal 2^20', () => gen.generate({ seed: 20240611, step: 3, stream: 1, count: N / 4, perNeuron: 4, kind: 'normal' }));
    expectNormalSample(z, 'normal');
    // the 4 normals of a draw are independent: their values and their squares are uncorrelated
    // (within a Box–Muller pair z0, z1 share r but are still independent; across pairs nothing is shared)
    const n = N / 4;
    const word = (k: number) => z.subarray(k * n, (k + 1) * n);
    const sq = (k: number) => word(k).map((x) => x * x);
    const c: Record<string, number> = {};
    for (const [a, b] of [[0, 1], [2, 3], [0, 2], [0, 3], [1, 2], [1, 3]]) {
      c[`z${a}_z${b}`] = corrZ(word(a), word(b));
      c[`z${a}^2_z${b}^2`] = corrZ(sq(a), sq(b));
    }
    report['corrZ normals within a draw'] = c;
    for (const v of Object.values(c)) expect(Math.abs(v)).toBeLessThan(5);
  });

  it('the checks have power: they reject slightly wrong samples of the same size', async () => {
    const gen = await generator();
    const u = await gen.generate({ seed: 7, step: 0, stream: 0, count: N / 4, perNeuron: 4, kind: 'uniform' });
    const z = await gen.generate({ seed: 7, step: 0, stream: 1, count: N / 4, perNeuron: 4, kind: 'normal' });
    const ksU = ksScaled(u.map((x) => x ** 1.02), uniformCdf);
    const ksZ = ksScaled(z.map((x) => 1.02 * x), normalCdf);
    // y = v + 0.02 (x − 1/2) with x, v independent uniforms: correlation 0.02/√(1 + 0.02²) ≈ 0.02
    const half = N / 2;
    const x = u.subarray(0, half);
    const y = u.subarray(half).map((v, i) => v + 0.02 * (x[i] - 0.5));
    const cz = corrZ(x, y);
    report['negative controls'] = { ksUniformPow1_02: ksU, ksNormalScaled1_02: ksZ, corrZ_rho0_02: cz };
    expect(ksU).toBeGreaterThan(KS_CRITICAL);
    expect(ksZ).toBeGreaterThan(KS_CRITICAL);
    expect(Math.abs(cz)).toBeGreaterThan(5);
  });
});

describe('independence', () => {
  const n = 2 ** 18;
  const uniforms = async (seed: number | bigint, step: number, stream: number, count = n, perNeuron = 1) =>
    (await generator()).generate({ seed, step, stream, count, perNeuron, kind: 'uniform' });

  it('of neighbouring neurons, of the 4 words of a draw, and of blocks', async () => {
    const u = await uniforms(11, 5, 0, 2 * n);
    const z: Record<string, number> = {};
    // disjoint pairs (2i, 2i + 1) and all lag-1 neighbours
    z.neurons2i_2i1 = corrZ(
      u.filter((_, i) => i % 2 === 0),
      u.filter((_, i) => i % 2 === 1),
    );
    z.neuronsLag1 = corrZ(u.subarray(0, 2 * n - 1), u.subarray(1));
    z.neuronsLag1024 = corrZ(u.subarray(0, 2 * n - 1024), u.subarray(1024));
    const w = await uniforms(11, 5, 0, n, 8);
    const word = (k: number) => w.subarray(k * n, (k + 1) * n);
    for (const [a, b] of [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3], [0, 4], [3, 4], [1, 5]]) z[`words${a}_${b}`] = corrZ(word(a), word(b));
    report['corrZ within a step'] = z;
    for (const v of Object.values(z)) expect(Math.abs(v)).toBeLessThan(5);
  });

  it('of steps and of streams', async () => {
    const base = await uniforms(11, 5, 0);
    const z: Record<string, number> = {
      step5_6: corrZ(base, await uniforms(11, 6, 0)),
      step5_2pow16plus5: corrZ(base, await uniforms(11, 5 + 2 ** 16, 0)),
      stream0_1: corrZ(base, await uniforms(11, 5, 1)),
      stream0_2pow31: corrZ(base, await uniforms(11, 5, 2 ** 31)),
      // the counter words swapped: (neuron, step) = (i, 5) against (i, 6) is above; a diagonal shift
      step6_neuronShift: corrZ(base.subarray(1), (await uniforms(11, 6, 0)).subarray(0, n - 1)),
    };
    report['corrZ steps and streams'] = z;
    for (const v of Object.values(z)) expect(Math.abs(v)).toBeLessThan(5);
  });

  it('different seeds give different streams', async () => {
    const gen = await generator();
    const bits = (seed: number | bigint) => gen.generate({ seed, step: 5, stream: 0, count: n, perNeuron: 1, kind: 'bits' });
    const seeds: (number | bigint)[] = [0, 1, 2, 2 ** 32, 2 ** 32 + 1, 0xffffffffffffffffn];
    const outs = await Promise.all(seeds.map(bits));
    const asUnit = outs.map((o) => Float64Array.from(o, (x) => x / 2 ** 32));
    const z: Record<string, number> = {};
    for (let a = 0; a < seeds.length; a++) {
      for (let b = a + 1; b < seeds.length; b++) {
        let equal = 0;
        for (let i = 0; i < n; i++) if (outs[a][i] === outs[b][i]) equal++;
        // P(two independent u32 agree) = 2^-32: about 6e-5 agreements expected over n = 2^18
        expect(equal).toBeLessThanOrEqual(1);
        z[`seed${seeds[a]}_${seeds[b]}`] = corrZ(asUnit[a], asUnit[b]);
      }
    }
    report['corrZ seeds'] = z;
    for (const v of Object.values(z)) expect(Math.abs(v)).toBeLessThan(5);
  });
});
